package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestNeonatalDesaturation26 (session 26, clean26b): a newborn's apnoea
// takes its saturation 15 points down within a reading, holds it for a few
// readings and gives it back over the next few as it breathes again, its
// heart rate steady (the second generator's clean seed 8 m0068: 91, 76, 76,
// 77, 79, 83, 87, 90 at 10 s). Main before it: rate_of_change at the
// corroboration time. A saturation forged 15 points lower that stays there
// is still a step, reported when it has held neoDesatHold.
func TestNeonatalDesaturation26(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "neonatal"
	before := every(60, 10*sec, func(i int) msg { return neo(i, 150, 91, 45) })
	apnoea := []float64{76, 76, 77, 79, 83, 87, 90}
	desat := then(before, 10*sec, every(30, 10*sec, func(i int) msg {
		s := 91.0
		if i < len(apnoea) {
			s = apnoea[i] - float64((i+100)%2) // neo adds i%2 back
		}
		return neo(i+100, 150, s, 45)
	}))
	checkRules(t, run(t, cfg, desat))
	forged := then(before, 10*sec, every(30, 10*sec, func(i int) msg { return neo(i+100, 150, 76, 45) }))
	checkRules(t, run(t, cfg, forged), "rate_of_change")
}

// TestNeonatalDesaturationGap27 (session 27, fix27): a newborn's saturation
// forged 15 points lower waits neoDesatHold after it is judged a step; a
// message without the saturation in that wait (every sixth message here,
// as a cuff's own message or a forger's dropped row would be) shows
// neither a return nor a held level, and the forged fall is still reported
// (main before it: each such message ended the wait, and the fall was never
// reported). An apnoea's fall given back with the same gaps stays quiet.
func TestNeonatalDesaturationGap27(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "neonatal"
	before := every(60, 10*sec, func(i int) msg { return neo(i, 150, 91, 45) })
	gap := func(f func(i int) float64) []tick {
		return then(before, 10*sec, every(40, 10*sec, func(i int) msg {
			m := neo(i+100, 150, f(i), 45)
			if i%6 == 5 {
				m.rows = append(m.rows[:2], m.rows[3:]...) // no saturation row
			}
			return m
		}))
	}
	checkRules(t, run(t, cfg, gap(func(int) float64 { return 76 })), "rate_of_change")
	apnoea := []float64{76, 76, 77, 79, 83, 87, 90}
	checkRules(t, run(t, cfg, gap(func(i int) float64 {
		if i < len(apnoea) {
			return apnoea[i] - float64((i+100)%2) // neo adds i%2 back
		}
		return 91
	})))
}
