package vitals_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestAFOnsetDeficit: at a 30 s cadence a regular rhythm (56 bpm, ±1) turns
// into AF: the heart rate jumps to about 100 and varies ±10 from beat to
// beat, and the pulse loses a varying share of the beats (a deficit of
// 15–35). Before the irregular samples are half of the last 16 (8 min) the
// rhythm is recognised over the last 8, against twice the heart rate's own
// learned roughness, with a deficit that varies as much, and
// hr_pr_agreement stays quiet. A heart rate that was always as noisy (±6),
// held a steady 30 above the pulse (an offset added to one channel), is
// caught.
func TestAFOnsetDeficit(t *testing.T) {
	const step = 30 * time.Second
	steady := func(i int, h, p, noise float64) msg {
		g := rand.New(rand.NewPCG(uint64(i), 19))
		n := func() float64 { return float64(g.IntN(2*int(noise)+1)) - noise }
		x := h + n()
		return msg{rows: []row{hr(num(x)), pr(num(x - h + p + float64(g.IntN(3)-1))), spo2("97"), rr(wobble(16, i)), temp("37.0")}}
	}
	regular := every(40, step, func(i int) msg { return steady(i, 56, 56, 1) })
	onset := then(regular, step, every(30, step, func(i int) msg { return af(i+100, 100, 75) }))
	checkRules(t, only(run(t, vitals.DefaultConfig(), onset), "hr_pr_agreement"))
	noisy := every(40, step, func(i int) msg { return steady(i, 80, 80, 6) })
	forged := then(noisy, step, every(30, step, func(i int) msg { return steady(i+100, 110, 80, 6) }))
	checkRules(t, only(run(t, vitals.DefaultConfig(), forged), "hr_pr_agreement"), "hr_pr_agreement")
}
