package vitals_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// An adult's breathing rate at a minute's cadence, read as a clinician
// reads a monitor (hl7load training seed 13, m0087): it scatters by 1.6/min
// between messages around 15–17, is halved to 9 for 23 min with its own
// scatter, and comes back to 18. The jump out, 7/min, is under the step
// floor (8) and under five times the rate's noise (a box's least shift);
// the jump back, from a level that slid to 9, is a step.
var (
	rrBefore = []float64{14, 12, 15, 17, 18, 16, 16, 18, 16, 16, 13, 14, 15, 18, 16, 17, 17, 17, 15, 16, 15, 16, 13, 13, 15,
		15, 13, 14, 14, 16, 16, 17, 17, 17, 14, 19, 14, 16, 12, 14, 14, 14, 15, 13, 16, 18, 16, 16, 16, 17, 14, 15, 18, 20,
		20, 15, 17, 16, 16, 15}
	rrHalved = []float64{9, 7, 9, 10, 10, 8, 9, 10, 12, 9, 8, 8, 9, 6, 9, 13, 12, 9, 10, 8, 10, 13, 9}
	rrAfter  = []float64{18, 18, 19, 18, 17, 19, 19, 20, 20, 17, 15, 17, 19, 14, 16, 19, 17, 17, 18, 15}
)

// withRR sets a patient message's breathing rate to r and, when h is not
// 0, its heart and pulse rates to h.
func withRR(i int, r, h float64) msg {
	m := patient(i, 80, 97, 16, 38)
	m.rows[3] = rr(num(r))
	if h != 0 {
		m.rows[0], m.rows[1] = hr(num(h)), pr(num(h))
	}
	return m
}

// TestBreathingRateBack: a breathing rate's level left by a jump in one
// message and taken back 23 min later in one message is reported from the
// message that confirms its return (the next one), not four messages later
// as any step is; a return for one message (a sigh), or one the heart rate
// shares (waking), stays quiet (session 26, rrstep26).
func TestBreathingRateBack(t *testing.T) {
	const step = time.Minute
	seq := func(after []float64, h float64) []tick {
		var vs []float64
		vs = append(append(append(append(vs, rrBefore...), rrBefore...), rrHalved...), after...)
		return every(len(vs), step, func(i int) msg {
			if i < 2*len(rrBefore)+len(rrHalved) {
				return withRR(i, vs[i], 0)
			}
			return withRR(i, vs[i], h)
		})
	}
	sigh := append([]float64{18}, rrHalved...)
	tests := []struct {
		name  string
		ticks []tick
		want  int // the message after the halved level's last at which the breathing rate's step is reported, -1 none
	}{
		{"halved for 23 min, then back (an offset taken away)", seq(rrAfter, 0), 2},
		{"halved for 23 min, back for one message (a sigh), then halved on", seq(sigh, 0), -1},
		{"halved for 23 min, then back with the heart rate up 25 (waking)", seq(rrAfter, 105), -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := -1
			for _, f := range run(t, vitals.DefaultConfig(), tc.ticks) {
				if f.Rule == "rate_of_change" && f.Parameter == "MDC_RESP_RATE" {
					n, _ := strconv.Atoi(f.ControlID[1:])
					got = n + 1 - 2*len(rrBefore) - len(rrHalved)
					break
				}
			}
			if got != tc.want {
				t.Errorf("breathing-rate step at message %d after the halved level, want %d", got, tc.want)
			}
		})
	}
}

// TestBreathingRateBackForgotten (session 27, fix27): the level a breathing
// rate left is remembered only while it holds. A dip of one message to 6
// that the rate never followed is no level left: when, 55 min later, the
// rate slides over three messages to 9 (no jump in one message), holds
// there 23 min and comes back to 18, its return is judged as any step is,
// from its fourth message, not from the next one as the return onto a level
// left by a jump is (main before it: the remembered dip held again once the
// baseline slid below it, and the step was reported at the next message).
func TestBreathingRateBackForgotten(t *testing.T) {
	const step = time.Minute
	before := append(append([]float64{}, rrBefore...), rrBefore...)
	before[len(rrBefore)+5] = 6 // the dip, 55 min before the slide
	vs := append(append(append(before, 13, 11), rrHalved...), rrAfter...)
	got := -1
	for _, f := range run(t, vitals.DefaultConfig(), every(len(vs), step, func(i int) msg { return withRR(i, vs[i], 0) })) {
		if f.Rule == "rate_of_change" && f.Parameter == "MDC_RESP_RATE" {
			n, _ := strconv.Atoi(f.ControlID[1:])
			got = n + 1 - len(before) - 2 - len(rrHalved)
			break
		}
	}
	if got != 4 {
		t.Errorf("breathing-rate step at message %d after the slid level, want 4", got)
	}
}
