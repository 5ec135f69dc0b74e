package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestNeonatalDesaturationIsNoSpike: a neonate's saturation dipping from
// 95 to 76 for one message at a 30 s cadence and back, heart, pulse and
// breathing rates steady, is the brief desaturation of apnoea of
// prematurity (corpus2 training seeds: 23 clean neonatal beds, dips of
// 16–21 points); the same bed's saturation forged down to 50 for a message
// (corpus2 seeds 7, 10: 43–47 points) is still a spike.
func TestNeonatalDesaturationIsNoSpike(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "neonatal"
	series := func(dip string) []tick {
		return every(60, 30*sec, func(i int) msg {
			m := neo(i, 150, 94, 45)
			if i == 50 {
				m.rows[2] = spo2(dip)
			}
			return m
		})
	}
	checkRules(t, run(t, cfg, series("76")))
	checkRules(t, run(t, cfg, series("50")), "spike")
}
