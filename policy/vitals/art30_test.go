package vitals_test

import "testing"

// TestTransducerBackAfterFlush30 (session 30, art30): a transducer lowered
// 20 cm moves the three arterial pressures down by 15 mmHg in one message,
// which is reported (the start looks like a forged step of one amount).
// While it sits off its level the line is flushed (the bag's ~300 mmHg for
// a message); a flush leaves the transducer where it was, so putting it
// back later takes the line up by the 15 it left by: the reported step's
// end, no second one (corpus5 training s1 m0120: −16 at 1562, reported,
// flushed, +17 at 2146; s4 m0040: +16, flushed, −13). Main before it:
// rate_of_change on the three pressures at the return, the flush having
// forgotten the step. A zeroing (review28) is still a new reference: the
// same return after one is reported; so is a move back by twice the shift
// after a flush.
func TestTransducerBackAfterFlush30(t *testing.T) {
	base := every(60, 30*sec, func(i int) msg { return artShifted(i, 80, 0, 0, 0) })
	off := every(60, 30*sec, func(i int) msg { return artShifted(i+60, 80, -15, -15, -15) })
	tests := []struct {
		name   string
		line   [3]string // the interruption's arterial values
		rise   float64   // the patient's own change while the transducer sits off
		back   float64   // the line's offset from the start's level after the return
		report bool
	}{
		{"flushed, put back", [3]string{"300", "292", "296"}, 0, 0, false},
		{"flushed, put back, the patient risen 6 mmHg meanwhile", [3]string{"300", "292", "296"}, 6, 6, false},
		{"zeroed, put back", [3]string{"0", "0", "0"}, 0, 0, true},
		{"flushed, moved back by twice the shift", [3]string{"300", "292", "296"}, 0, 15, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fl := every(2, 30*sec, func(i int) msg {
				m := artShifted(i+120, 80, -15, -15, -15)
				m.rows[4], m.rows[5], m.rows[6] = artS(tc.line[0]), artD(tc.line[1]), artM(tc.line[2])
				return m
			})
			after := every(60, 30*sec, func(i int) msg {
				r := tc.rise * float64(i) / 60
				return artShifted(i+122, 80, -15+r, -15+r, -15+r)
			})
			ret := every(40, 30*sec, func(i int) msg { return artShifted(i+182, 80, tc.back, tc.back, tc.back) })
			ticks := then(then(then(then(base, 30*sec, off), 30*sec, fl), 30*sec, after), 30*sec, ret)
			checkLineReturn(t, ticks, len(ret), tc.report)
		})
	}
}
