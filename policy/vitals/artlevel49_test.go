package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// turnedLine is message i of an adult bed at 15 s whose arterial transducer,
// fixed to the bed, left the phlebostatic axis as the patient was turned
// (messages 60-67: the heart rate up and jumping, the oximeter shaken in the
// first two, the line falling by 13 mmHg over three messages while the turn
// lifted the systolic) and stood 13 low until message 128, where the line
// moves by back (systolic, diastolic, mean) in one message and holds.
func turnedLine(i int, back [3]float64) msg {
	h, s, d, m := 64.0, 122.0, 55.0, 82.0
	switch {
	case i >= 60 && i < 68:
		h = 80 + float64(i%3)*6
		off := [...][3]float64{{2, -2, -3}, {-3, -7, -15}, {-8, -12, -13}}
		k := min(i-60, 2)
		s, d, m = s+off[k][0], d+off[k][1], m+off[k][2]
		if i > 62 {
			s, d, m = 109, 42, 69
		}
	case i >= 68 && i < 128:
		h, s, d, m = 66, 109, 42, 69
	case i >= 128:
		h, s, d, m = 66, 109+back[0], 42+back[1], 69+back[2]
	}
	return lineAt(i, h, s, d, m)
}

// lineAt is message i of an adult bed at 15 s with heart rate h and the
// arterial line at s/d/m (each with a mmHg of noise), the oximeter shaken
// (pulse up, saturation 90) in messages 60 and 61: a turn's change of state.
func lineAt(i int, h, s, d, m float64) msg {
	msg := art(i, h, 120, 70)
	msg.rows[4], msg.rows[5], msg.rows[6] = artS(num(s+float64(i%3-1))), artD(num(d+float64((i/2)%3-1))), artM(num(m+float64(i%3-1)))
	if i == 60 || i == 61 {
		msg.rows[1], msg.rows[2] = pr(num(h+25)), spo2("90")
	}
	return msg
}

// TestTransducerBackAfterTurn49 (session 49, artlevel49): a transducer fixed
// to the bed leaves the phlebostatic axis as the patient is turned, inside
// the turn's change of state (the heart rate and the oximeter moving, the
// line falling over three messages), so no message of that shift is one
// levelled remembers; the mean's excursion remembers the level it left,
// corroborated by the heart rate, and its return there is undone, but the
// diastolic's baseline followed the line down message by message and saw the
// put-back alone (the eighth blind generator's clean beds, training s1 m0050
// 259: 108/45/70 to 121/55/79 an hour after a turn, reported on the
// diastolic). Main before it: rate_of_change on the diastolic at the return.
// A line moved the other way by the same amount, or back onto the mean's
// level by shares of each pressure (no one amount), is still reported.
func TestTransducerBackAfterTurn49(t *testing.T) {
	tests := []struct {
		name   string
		back   [3]float64
		report bool
	}{
		{"put back on its level by one amount", [3]float64{13, 13, 13}, false},
		{"down again by one amount", [3]float64{-13, -13, -13}, true},
		{"back on the mean's level, systolic and diastolic apart", [3]float64{24, 4, 13}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(170, 15*time.Second, func(i int) msg { return turnedLine(i, tc.back) })
			returned := t0.Add(ticks[128].at)
			n := 0
			for _, f := range run(t, vitals.DefaultConfig(), ticks) {
				t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(returned), f.Value, f.Other)
				if !f.ObservedAt.Before(returned) && f.Rule == "rate_of_change" {
					n++
				}
			}
			if tc.report && n == 0 {
				t.Errorf("the line's move at message 128 was not reported")
			}
			if !tc.report && n > 0 {
				t.Errorf("the transducer put back after the turn was reported")
			}
		})
	}
}
