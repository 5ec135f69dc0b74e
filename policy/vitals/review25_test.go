package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestLevelNotHeld25 (session 25, review25): the arterial line's shift that
// levelled remembers must be one the line held (the excursion it began did
// not come back by itself). A jolt of one message, the three pressures up by
// one amount and straight back, moved no transducer; main after clean25
// remembered it for 90 min and excused a forged step the other way by the
// same amount as the transducer put back. Nor is the return of a reported
// step such a shift: main remembered it and excused the same forged step made
// again minutes later (under a box's 10 min) as the transducer put back. A
// shift held for 15 min (its start unreported: the heart rate rose with it)
// and put back is still quiet; one put back by 18 after a shift of 10 is no
// return (a case for levelled's match, which TestTransducerLevelled25's
// cases, out of levelShift's bounds, do not pin).
func TestLevelNotHeld25(t *testing.T) {
	seg := func(k, n int, h, ds, dd, dm float64) []tick {
		return every(n, 10*sec, func(i int) msg { return artShifted(i+k, h, ds, dd, dm) })
	}
	tests := []struct {
		name   string
		ticks  []tick
		from   int // the message from which a rate_of_change is the one judged
		report bool
	}{
		{"a jolt of one message, a forged step down by its amount 10 min later",
			then(then(then(seg(0, 60, 80, 0, 0, 0), 10*sec, seg(100, 1, 80, 18, 17, 17)), 10*sec, seg(200, 60, 80, 0, 0, 0)), 10*sec, seg(300, 90, 80, -18, -17, -17)), 121, true},
		{"a shift held 15 min, the heart rate rising with it, put back",
			then(then(seg(0, 60, 80, 0, 0, 0), 10*sec, seg(100, 90, 100, 18, 17, 17)), 10*sec, seg(300, 60, 100, 0, 0, 0)), 150, false},
		{"a forged step, reported, its return, and the same step again 3 min later",
			then(then(then(seg(0, 60, 80, 0, 0, 0), 10*sec, seg(100, 90, 80, 18, 17, 17)), 10*sec, seg(300, 20, 80, 0, 0, 0)), 10*sec, seg(500, 90, 80, 18, 17, 17)), 170, true},
		{"a shift of 10 held, then back by 18 (the match clean25's test left unpinned)",
			then(then(seg(0, 60, 80, 0, 0, 0), 10*sec, seg(100, 90, 100, 10, 10, 10)), 10*sec, seg(300, 90, 100, -8, -7, -7)), 150, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			last := t0.Add(tc.ticks[tc.from].at)
			n := 0
			for _, f := range run(t, vitals.DefaultConfig(), tc.ticks) {
				t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(t0), f.Value, f.Other)
				if f.Rule == "rate_of_change" && !f.ObservedAt.Before(last) {
					n++
				}
			}
			if tc.report && n == 0 {
				t.Errorf("the step was not reported")
			}
			if !tc.report && n > 0 {
				t.Errorf("the transducer's return was reported")
			}
		})
	}
}
