package vitals_test

import (
	"math/rand/v2"
	"testing"
)

// TestBreathingRateAtHeartHeld28 (review28): impedance counts heartbeats
// for a message or a few (countsBeats, rr27); a breathing rate on the
// monitor's grid at the heart's rate from a sedated level, held far longer
// than any count of heartbeats lasts, is a level of its own. A forged
// 60-69 beside a heart rate of 68-70, scattering on the grid of 3 (so that
// no freeze catches it), from 3-9 for 30 min was judged by nothing: every
// message of it was excused as a count of heartbeats. Quiet still: the
// counts of the rr27 test (one message, three), and one of 17 messages at
// 15 s (the longest corpus4's training beds show, 4 min).
func TestBreathingRateAtHeartHeld28(t *testing.T) {
	series := func(n, from, to int, forged func(r *rand.Rand) float64) []tick {
		r := rand.New(rand.NewPCG(27, 3))
		return every(n, 15*sec, func(i int) msg {
			h := 68 + float64(r.IntN(3))
			m := msg{rows: []row{hr(num(h)), pr(num(h + float64(r.IntN(3)-1))), spo2(num(95 + float64(r.IntN(2)))),
				rr(num(3 + 3*float64(r.IntN(3)))), temp("37.0")}}
			if i >= from && i < to {
				m.rows[3] = rr(num(forged(r)))
			}
			return m
		})
	}
	onGrid := func(r *rand.Rand) float64 { return float64(60 + 3*r.IntN(4)) }
	tests := []ruleCase{
		{"a count of heartbeats for 17 messages (4 min)", series(120, 75, 92, onGrid), nil},
		{"a rate at the heart's on the grid held 30 min", series(220, 75, 195, onGrid), []string{"rate_of_change"}},
	}
	checkCases(t, tests)
}

// TestBreathingRateZeroBesidePulseZero28 (review28): a breathing rate of 0
// counts no heartbeats. Beside an oximeter reporting a pulse rate of 0 (no
// pulse found) it lay within 0.8-1.1 of that rate, so countsBeats took a
// sedated patient's breathing rate falling from 9 to 0 and held 2.5 min
// for impedance counting heartbeats, and the step was not judged.
func TestBreathingRateZeroBesidePulseZero28(t *testing.T) {
	series := func(pulse func(h float64, r *rand.Rand) string) []tick {
		r := rand.New(rand.NewPCG(27, 3))
		return every(200, 15*sec, func(i int) msg {
			h := 68 + float64(r.IntN(3))
			m := msg{rows: []row{hr(num(h)), pr(pulse(h, r)), spo2(num(95 + float64(r.IntN(2)))),
				rr(num(9 + 3*float64(r.IntN(4)/3))), temp("37.0")}}
			if i >= 100 && i < 110 {
				m.rows[3] = rr("0")
			}
			return m
		})
	}
	tests := []ruleCase{
		{"beside a pulse rate", series(func(h float64, r *rand.Rand) string { return num(h + float64(r.IntN(3)-1)) }), []string{"rate_of_change"}},
		{"beside a pulse rate of 0", series(func(float64, *rand.Rand) string { return "0" }), []string{"hr_pr_agreement", "rate_of_change"}},
	}
	checkCases(t, tests)
}
