package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// settledLine is message i of an adult bed at 15 s whose systolic rose by
// 23 mmHg at a change of state (messages 60-69: the heart rate up and
// jumping, the oximeter shaken at first), a level the heart rate
// corroborated, and then came back down to where it was by itself, slowly
// (messages 70-109: half a mmHg a message), and holds there; at message 128
// the line moves by step (systolic, diastolic, mean) in one message and
// holds.
func settledLine(i int, step [3]float64) msg {
	h, s, d, m := 64.0, 122.0, 55.0, 82.0
	switch {
	case i >= 60 && i < 70:
		h, s = 80+float64(i%3)*6, 145
	case i >= 70 && i < 116:
		h, s = 66, 145-float64(i-69)*0.5
	case i >= 116 && i < 128:
		h = 66
	case i >= 128:
		h, s, d, m = 66, s+step[0], d+step[1], m+step[2]
	}
	return lineAt(i, h, s, d, m)
}

// TestStateBackNotAway (review50a): stateBack excuses a one-amount shift of
// the line that takes one pressure back onto the level it left at a
// corroborated change of state. A pressure that already came back there by
// itself, slowly (no excursion, so the memory stays), and is moved off it by
// the shift is not put back: the line's step away is reported, as on main.
func TestStateBackNotAway(t *testing.T) {
	ticks := every(170, 15*time.Second, func(i int) msg { return settledLine(i, [3]float64{7.5, 12.5, 12.5}) })
	moved := t0.Add(ticks[128].at)
	n := 0
	for _, f := range run(t, vitals.DefaultConfig(), ticks) {
		t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(moved), f.Value, f.Other)
		if !f.ObservedAt.Before(moved) && f.Rule == "rate_of_change" {
			n++
		}
	}
	if n == 0 {
		t.Errorf("the line's step off the systolic's own level at message 128 was not reported")
	}
}
