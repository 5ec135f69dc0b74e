package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestTransducerLevelReturn24 (session 24, clean24b): a transducer moved off
// its level (the bed raised, the pole knocked) shifts the three arterial
// pressures together in one message, and putting it back brings them back
// together. The start is reported (rate_of_change: nothing in the numbers
// tells it from a forged offset); its return ends that condition and stays
// quiet even when one pressure comes back a few mmHg from where it left (the
// patient drifted meanwhile: the third blind generator's s1 m0069 message
// 124, the mean 8 mmHg off with its systolic and diastolic home) or when one
// pressure's own step was too small to be reported and held as a box (s5
// m0081 message 889, the systolic). Main before it: rate_of_change at the
// return.
func TestTransducerLevelReturn24(t *testing.T) {
	line := func(i int, ds, dd, dm float64) msg {
		m := art(i, 80, 120, 70)
		s, d := 120+ds+float64(i%3-1), 70+dd+float64((i/2)%3-1)
		m.rows[4], m.rows[5], m.rows[6] = artS(num(s)), artD(num(d)), artM(num(90+dm+float64(i%3-1)))
		return m
	}
	base := every(60, 10*sec, func(i int) msg { return line(i, 0, 0, 0) })
	tests := []struct {
		name     string
		up, back [3]float64 // the offsets while off level, and after the return
	}{
		{"the mean back 8 mmHg from where it left", [3]float64{18, 15, 16}, [3]float64{0, 0, -8}},
		{"the systolic's step below its own threshold", [3]float64{15, 14, 14}, [3]float64{0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			off := every(84, 10*sec, func(i int) msg { return line(i+100, tc.up[0], tc.up[1], tc.up[2]) })
			ret := every(40, 10*sec, func(i int) msg { return line(i+200, tc.back[0], tc.back[1], tc.back[2]) })
			ticks := then(then(base, 10*sec, off), 10*sec, ret)
			returned := t0.Add(ticks[len(ticks)-len(ret)].at)
			fs := run(t, vitals.DefaultConfig(), ticks)
			start := 0
			for _, f := range fs {
				t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(returned), f.Value, f.Other)
				if f.Rule != "rate_of_change" {
					t.Errorf("unexpected %s %s", f.Rule, f.Parameter)
				}
				if f.ObservedAt.Before(returned) {
					start++
				} else {
					t.Errorf("%s %s at the return (%v after it), value %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(returned), f.Value, f.Other)
				}
			}
			if start == 0 {
				t.Errorf("the line's step was not reported; rules fired %q", rulesOf(fs))
			}
		})
	}
}
