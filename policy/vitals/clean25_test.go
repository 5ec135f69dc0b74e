package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestTransducerLevelled25 (session 25, clean25): a transducer raised or
// lowered off the phlebostatic axis shifts the three arterial pressures by
// one amount in one message. When the gateway did not report that shift
// (here the patient woke as the bed was moved: the heart rate rose with it,
// a change of state), putting the transducer back takes the same amount off
// the three in one message, alone, and that is no step (the third blind
// generator's s2 m0114 257, s5 m0063 366, s9 m0041 839: s2 m0114's line
// back by +12/+12/+11 after −11/−14/−11, the patient drifting between). Main
// before it: rate_of_change at the return. A line that then moves by another
// amount, or by a share of each pressure (a forged scaling), is still
// reported.
func TestTransducerLevelled25(t *testing.T) {
	base := every(60, 10*sec, func(i int) msg { return artShifted(i, 80, 0, 0, 0) })
	off := every(150, 10*sec, func(i int) msg { return artShifted(i+100, 100, 13, 12, 12) })
	tests := []struct {
		name   string
		back   [3]float64 // the line's offsets after its return
		report bool
	}{
		{"put back on its level", [3]float64{0, 0, 0}, false},
		{"put back, the patient drifted 3 mmHg meanwhile", [3]float64{3, 2, 3}, false},
		{"moved by twice the shift", [3]float64{-13, -12, -12}, true},
		{"scaled down by a fifth", [3]float64{-13, -4, -7}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ret := every(40, 10*sec, func(i int) msg { return artShifted(i+300, 100, tc.back[0], tc.back[1], tc.back[2]) })
			ticks := then(then(base, 10*sec, off), 10*sec, ret)
			returned := t0.Add(ticks[len(ticks)-len(ret)].at)
			fs := run(t, vitals.DefaultConfig(), ticks)
			n := 0
			for _, f := range fs {
				t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(returned), f.Value, f.Other)
				if f.ObservedAt.Before(returned) {
					t.Errorf("%s %s before the return: the shift was meant to be explained", f.Rule, f.Parameter)
				} else if f.Rule == "rate_of_change" || f.Rule == "drift_return" {
					n++
				}
			}
			if tc.report && n == 0 {
				t.Errorf("the line's move at the return was not reported; rules fired %q", rulesOf(fs))
			}
			if !tc.report && n > 0 {
				t.Errorf("the transducer's return was reported")
			}
		})
	}
}

// artShifted is art's message i (heart rate h, an arterial line at 120/70,
// mean 90, with a mmHg or so of scatter) with the systolic, diastolic and
// mean moved by ds, dd and dm: a transducer off its level, or a forgery.
func artShifted(i int, h, ds, dd, dm float64) msg {
	m := art(i, h, 120, 70)
	s, d := 120+ds+float64(i%3-1), 70+dd+float64((i/2)%3-1)
	m.rows[4], m.rows[5], m.rows[6] = artS(num(s)), artD(num(d)), artM(num(90+dm+float64(i%3-1)))
	return m
}
