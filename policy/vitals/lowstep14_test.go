package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestLowBreathingStep: an adult breathing a quiet 9/min (one breath more
// every fifth message) forged to 15/min in one message and held for ten
// minutes is a step (main, whose floor was 8/min, let it pass). A change of
// pace of the same size that lasts six messages, the same step on a rate
// that scatters by a breath every message (6/min is under eight times its
// noise), and a rate that settles 6/min higher after three minutes of motion
// (the oximeter thrown off with it) stay quiet. Each of the first two fails
// without its clause (the hold of 2 × baseN messages, the 8 × noise bar);
// the motion case stays quiet without the oximeter clause too (the rate's
// scatter in it is not a settled level: see settled), so it guards the
// outcome, not that clause.
func TestLowBreathingStep(t *testing.T) {
	quiet := func(i int, r float64, jitter int) msg {
		if i%jitter == 0 {
			r++
		}
		return msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2("97"), rr(num(r)), temp("37.0")}}
	}
	seg := func(from, n int, r float64, jitter int) []tick {
		return every(n, 30*sec, func(i int) msg { return quiet(from+i, r, jitter) })
	}
	forged := then(seg(0, 60, 9, 5), 30*sec, seg(60, 20, 15, 5))
	checkRules(t, run(t, vitals.DefaultConfig(), forged), "rate_of_change")

	short := then(then(seg(0, 60, 9, 5), 30*sec, seg(60, 6, 15, 5)), 30*sec, seg(66, 20, 9, 5))
	checkRules(t, run(t, vitals.DefaultConfig(), short))

	noisy := then(seg(0, 60, 9, 2), 30*sec, seg(60, 20, 15, 2))
	checkRules(t, run(t, vitals.DefaultConfig(), noisy))

	scatter := []float64{22, 12, 20, 17, 16, 16}
	motion := then(seg(0, 60, 9, 5), 30*sec, every(26, 30*sec, func(i int) msg {
		if i < len(scatter) {
			m := quiet(60+i, scatter[i], 5)
			m.rows[1], m.rows[2] = pr(num(125-float64(9*i))), spo2(num(88+float64(i)))
			return m
		}
		return quiet(60+i, 15, 5)
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), motion))
}
