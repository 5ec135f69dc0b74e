package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// cvp is a central venous pressure row (MDC mean, mmHg).
func cvp(v float64) row { return row{code: "150087", value: num(v), unit: "266016"} }

// TestTransducerWithVenous34 (session 34, c5roc34): the arterial and the
// central venous transducers sit on one holder at the phlebostatic axis, so
// a bed lowered 20 cm under them moves the three arterial pressures and the
// central venous pressure down by about 15 mmHg in one message, and raising
// it again takes that back (corpus5 training s4 m0117: 128/66/89 with a CVP
// of 9 to 114/53/77 with −1). Main before it: rate_of_change on the arterial
// pressures at the start (a shift of one amount is what the forged steps of
// three generators look like). An arterial shift with the venous pressure
// steady, or moved by a third of it, or by twice it, is still reported.
func TestTransducerWithVenous34(t *testing.T) {
	tests := []struct {
		name   string
		venous float64 // the venous pressure's shift with the line's −15
		report bool
	}{
		{"line and venous pressure down by one amount, then back", -13, false},
		{"line down, venous pressure steady", 0, true},
		{"line down, venous pressure down by a third of it", -5, true},
		{"line down, venous pressure down by twice it", -30, true},
		{"line down, venous pressure up by as much", 13, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at := func(i int, d, v float64) msg {
				m := artShifted(i, 80, d, d, d)
				m.rows = append(m.rows, cvp(8+v+float64(i%2)))
				return m
			}
			checkHeightShift(t, at, tc.venous, tc.report)
		})
	}
}

// checkHeightShift runs an arterial line at 30 s that the line's message
// maker at (message i, the arterial shift d, the venous shift v) moves down
// by 15 mmHg with the venous pressure shifted by venous for 30 min, then back,
// and checks that the arterial shift is reported (rate_of_change or
// drift_return) exactly when report is set.
func checkHeightShift(t *testing.T, at func(i int, d, v float64) msg, venous float64, report bool) {
	t.Helper()
	base := every(60, 30*sec, func(i int) msg { return at(i, 0, 0) })
	off := every(60, 30*sec, func(i int) msg { return at(i+60, -15, venous) })
	back := every(40, 30*sec, func(i int) msg { return at(i+120, 0, 0) })
	fs := run(t, vitals.DefaultConfig(), then(then(base, 30*sec, off), 30*sec, back))
	n := 0
	for _, f := range fs {
		t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(t0), f.Value, f.Other)
		if f.Rule == "rate_of_change" || f.Rule == "drift_return" {
			n++
		}
	}
	if report && n == 0 {
		t.Errorf("the arterial shift was not reported; rules fired %q", rulesOf(fs))
	}
	if !report && n > 0 {
		t.Errorf("the transducers' height change was reported; rules fired %q", rulesOf(fs))
	}
}
