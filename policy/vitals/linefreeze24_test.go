package vitals_test

import (
	"slices"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestArterialLineHeld24: the three pressures of an arterial line come from
// one transducer, so the line is judged as one reading whose learned share
// of change is that of any of the three (session 24, frozen24b). A line
// whose systolic, diastolic and mean each changed in most messages, held at
// all three for 27 messages at 10 s (4.5 min, under the single channel's 5
// min), is frozen (main: quiet); held for 10 messages (under the rule's
// 2 min), with its diastolic still moving, at its 1 mmHg display step
// (each pressure changing in a third of its messages), or open to air at
// 0/0/0 it is not.
func TestArterialLineHeld24(t *testing.T) {
	const d = 10 * sec
	// line is n messages, the o-th onwards, of an adult with an arterial
	// line whose pressures come from s, dia and m.
	line := func(o, n int, s, dia, m func(i int) string) []tick {
		return every(n, d, func(i int) msg {
			v := vitalsAt(i+o, 80, 80, 96)
			v.rows = append(v.rows, artS(s(i+o)), artD(dia(i+o)), artM(m(i+o)))
			return v
		})
	}
	at := func(v string) func(int) string { return func(int) string { return v } }
	around := func(b float64, k int) func(int) string { return func(i int) string { return wobble(b, i+k) } }
	step := func(b float64) func(int) string { // a line at its display step: b or b+1, changing every third message
		return func(i int) string { return num(b + float64((i/3)%2)) }
	}
	lively := line(0, 150, around(120, 11), around(70, 13), around(87, 17))
	tests := []struct {
		name   string
		ticks  []tick
		frozen bool
	}{
		{"all three held for 27 messages", then(lively, d, line(1000, 27, at("120"), at("70"), at("87"))), true},
		{"all three held for 10 messages", then(lively, d, line(1000, 10, at("120"), at("70"), at("87"))), false},
		{"diastolic still moving", then(lively, d, line(1000, 27, at("120"), around(70, 13), at("87"))), false},
		{"at its display step", then(line(0, 150, step(61), step(27), step(40)), d, line(1000, 27, at("61"), at("27"), at("40"))), false},
		{"open to air", then(lively, d, line(1000, 27, at("0"), at("0"), at("0"))), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), tc.ticks)
			if got := slices.Contains(rulesOf(fs), "frozen"); got != tc.frozen {
				for _, f := range fs {
					t.Logf("finding %s %s value=%g other=%g threshold=%g: %s", f.Rule, f.Parameter, f.Value, f.Other, f.Threshold, f.Explanation)
				}
				t.Errorf("frozen fired %v, want %v", got, tc.frozen)
			}
		})
	}
}
