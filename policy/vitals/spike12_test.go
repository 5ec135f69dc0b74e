package vitals_test

import (
	"math/rand/v2"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestDeepSpikeBesideANoisyBreathingRate: a neonate's breathing rate
// scatters by ±4 a message (its own scatter about 10/min); a saturation
// forged from 95 down to 65 for a message while that rate happens to read
// 6 off its median is a spike (training seeds 17 m0029, 48 m0146, 50 m0059,
// 51 m0036: dips to 38–66 beside a breathing rate 5–11 off, within its
// scatter). Nearby clinical situations stay quiet: a shallow motion dip (to
// 78) with the same breathing rate; a deep dip while the heart and pulse
// rates fall together (a bradycardia–desaturation); a deep dip while the
// breathing rate leaves its scatter (a neonate moving or crying).
func TestDeepSpikeBesideANoisyBreathingRate(t *testing.T) {
	series := func(dip func(i int, m *msg)) []tick {
		r := rand.New(rand.NewPCG(12, 1))
		return every(140, 30*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(140 + float64(i%3))), pr(num(140 + float64((i+1)%3))), spo2(num(94 + float64(i%3))),
				rr(num(50 + float64(r.IntN(9)-4))), temp("37.0")}}
			if i >= 120 && i < 123 {
				dip(i-120, &m)
			}
			return m
		})
	}
	forged := series(func(i int, m *msg) {
		if i == 0 {
			m.rows[2], m.rows[3] = spo2("65"), rr("56")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), forged), "spike")
	shallow := series(func(i int, m *msg) {
		if i == 0 {
			m.rows[2], m.rows[3] = spo2("78"), rr("56")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), shallow))
	brady := series(func(i int, m *msg) {
		if i == 0 {
			m.rows[0], m.rows[1], m.rows[2] = hr("95"), pr("96"), spo2("65")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), brady))
	crying := series(func(i int, m *msg) {
		if i == 0 {
			m.rows[2], m.rows[3] = spo2("65"), rr("75")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), crying))
}
