package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestPacedPulseHeld26 (session 26, c4phys26): a paced heart that ran an
// irregular rhythm of its own for a while (the fourth blind generator's
// paced bed on a beta blocker, seed 6 m0137: 70/70 for an hour, then
// 95-128 irregular, then paced at 70 again) teaches the pulse rate a
// roughness it loses once the pacemaker takes over: the ECG heart rate
// reads 70 message after message and the pulse rate 70 with a 71 now and
// then. Main flagged each such step as a pulse rate too smooth beside a
// quiet heart (13 times on that clean bed). Quiet now: both rates held most
// of the time is a paced heart. Still flagged: a pulse rate that moves in
// every message without noise beside the same held heart rate.
func TestPacedPulseHeld26(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 26))
	irregular := every(120, 10*sec, func(i int) msg {
		h := 105 + float64(r.IntN(31)-15)
		return msg{rows: []row{hr(num(h)), pr(num(h + float64(r.IntN(9)-4))), spo2("96"), rr(wobble(16, i+3)), temp("37.0")}}
	})
	paced := func(pulse func(i int) float64) []tick {
		return then(irregular, 10*sec, every(240, 10*sec, func(i int) msg {
			return msg{rows: []row{hr("70"), pr(num(pulse(i))), spo2(num(96 + float64(i%2))), rr(wobble(16, i+3)), temp("37.0")}}
		}))
	}
	tests := []ruleCase{
		{"a paced pulse rate of 70 with a 71 now and then", paced(func(i int) float64 {
			if i%17 == 5 {
				return 71
			}
			return 70
		}), nil},
	}
	checkCases(t, tests)
	smooth := paced(func(i int) float64 { return 70 + math.Abs(float64(i%24-12)) - 6 }) // a triangle, 64-76, one a message
	checkRules(t, run(t, vitals.DefaultConfig(), smooth), "too_regular")
}
