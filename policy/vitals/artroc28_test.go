package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestTransducerBackAfterDrift28 (session 28, artroc28): a transducer
// lowered 20 cm moves the three arterial pressures down by 15 mmHg in one
// message, which is reported (the start looks like a forged step of one
// amount). While it sits off its level the patient's own pressure rises by
// 9 mmHg (a vasopressor), so putting the transducer back takes the line up
// by the 15 it left by but lands 9 above the level the step left: neither
// `undoes` nor `lineReturned` knows it as the reported step's end (corpus4
// training s2 m0053 840: −14 at 100, reported, +13 three hours later).
// Main before it: rate_of_change on the diastolic and mean at the return.
// A line that moves back on two of its pressures only, or by twice the
// shift, is still reported.
func TestTransducerBackAfterDrift28(t *testing.T) {
	base := every(60, 30*sec, func(i int) msg { return artShifted(i, 80, 0, 0, 0) })
	const n = 180 // 90 min off its level
	off := every(n, 30*sec, func(i int) msg {
		r := 9 * float64(i) / n
		return artShifted(i+100, 80, -15+r, -15+r, -15+r)
	})
	tests := []struct {
		name   string
		back   [3]float64 // the line's offsets from the start's level after the return
		report bool
	}{
		{"put back, the patient risen 9 mmHg meanwhile", [3]float64{9, 9, 9}, false},
		{"the systolic and mean moved back, the diastolic stayed", [3]float64{9, -6, 9}, true},
		{"moved by twice the shift", [3]float64{24, 24, 24}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ret := every(40, 30*sec, func(i int) msg { return artShifted(i+400, 80, tc.back[0], tc.back[1], tc.back[2]) })
			ticks := then(then(base, 30*sec, off), 30*sec, ret)
			checkLineReturn(t, ticks, len(ret), tc.report)
		})
	}
}

// checkLineReturn runs ticks, whose last n messages are an arterial line's
// return from a shift, and fails unless the shift's start was reported
// (rate_of_change) and the return was (rate_of_change or drift_return)
// exactly when report says.
func checkLineReturn(t *testing.T, ticks []tick, n int, report bool) {
	t.Helper()
	returned := t0.Add(ticks[len(ticks)-n].at)
	fs := run(t, vitals.DefaultConfig(), ticks)
	start, back := 0, 0
	for _, f := range fs {
		t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(returned), f.Value, f.Other)
		switch {
		case f.ObservedAt.Before(returned) && f.Rule == "rate_of_change":
			start++
		case !f.ObservedAt.Before(returned) && (f.Rule == "rate_of_change" || f.Rule == "drift_return"):
			back++
		}
	}
	if start == 0 {
		t.Errorf("the line's shift at its start was not reported; rules fired %q", rulesOf(fs))
	}
	if report && back == 0 {
		t.Errorf("the line's move at the return was not reported; rules fired %q", rulesOf(fs))
	}
	if !report && back > 0 {
		t.Errorf("the transducer's return was reported")
	}
}
