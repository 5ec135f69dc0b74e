package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestBreathingRateInMotion: motion throws the oximeter's pulse rate off
// the heart rate and a chest-impedance breathing rate about with it. The
// rate read in those messages is not the patient's breathing: a rate
// forged to 24/min from the message after three messages of motion (20,
// 25, 17) is a step (main measured it from the motion's values and let it
// pass: training seed 52 m0010), and a rate back at its own 12/min after
// six messages of motion scatter (27 … 21) is not (quiet on main too here;
// the clean-bed flag of training seed 7 m0098 came from a longer history).
func TestBreathingRateInMotion(t *testing.T) {
	quiet := func(i int, r float64) msg {
		if i%5 == 0 {
			r++
		}
		return msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2("97"), rr(num(r)), temp("37.0")}}
	}
	thrown := []float64{125, 40, 110, 35, 120, 45} // the SpO2 pulse rate during motion, the heart rate at 80
	motion := func(from int, scatter []float64, after float64) []tick {
		return every(30, 30*sec, func(i int) msg {
			if i < len(scatter) {
				m := quiet(from+i, scatter[i])
				m.rows[1] = pr(num(thrown[i]))
				return m
			}
			return quiet(from+i, after)
		})
	}
	before := every(60, 30*sec, func(i int) msg { return quiet(i, 12) })
	back := then(before, 30*sec, motion(60, []float64{27, 25, 23, 22, 21, 21}, 12))
	checkRules(t, run(t, vitals.DefaultConfig(), back))
	forged := then(before, 30*sec, motion(60, []float64{20, 25, 17}, 24))
	checkRules(t, run(t, vitals.DefaultConfig(), forged), "rate_of_change")
}
