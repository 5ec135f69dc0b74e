package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// afWidenBed is a patient in AF at a 30 s cadence: 140 messages at a
// ventricular rate around 120 (each sample ±12, a minute's beat mix), then
// the rate's level rising by rise at once and staying there for 66. The pulse rate is the level less a deficit of lost(level), ±4 (the
// perfused beats of the same minute's mix, averaged by the oximeter); forge, when not nil, rewrites the heart rate of the
// messages from the rise on (the pulse kept).
func afWidenBed(seed uint64, rise float64, lost func(level float64) float64, forge func(h float64) float64) []tick {
	const step = 30 * time.Second
	return every(206, step, func(i int) msg {
		g := rand.New(rand.NewPCG(seed, uint64(i)))
		level := 120.0
		if i >= 140 {
			level += rise
		}
		h := level + float64(g.IntN(25)-12)
		p := math.Round(level - lost(level) + float64(g.IntN(9)-4))
		if forge != nil && i >= 140 {
			h = forge(h)
		}
		return msg{rows: []row{hr(num(h)), pr(num(p)), spo2(num(95 + float64(i%2))), rr(wobble(18, i)), temp("37.2")}}
	})
}

// TestAFDeficitWidens44 (session 44, hrpr44, afWidens): in AF the pulse
// deficit grows with the ventricular rate (the faster the rate, the more
// R-R intervals too short for the ventricle to fill), so a rise of the rate
// (sepsis, fever, a sedation hold) lifts the pulse by much less, and a
// deficit near the limit crosses it with the heart rate's level moving and
// the pulse's staying: hrAlone's "the ECG channel moved alone" made the
// whole disagreement unexplained (corpus7 training s2 m0048, a clean bed:
// heart 118 -> 138-156, pulse 111 -> 106-122). An AF deficit of 10 that
// grows by 0.7 of a rise of 25 was reported on 18 of 20 runs; now on at
// most 10 (6 measured by hrpr44; 10 since review44b: the deficit, 17.5
// above its slow level of 10, crosses the slow level plus deficit (15)
// that review44b allows a widening on about half the runs). Reported as before: the rise forged into the heart
// rate of an AF patient whose pulse kept up with it (deficit about 1 before,
// 28 and 36 added: every run; corpus5 training s2 m0038, the levels 103 and
// 104 before), a heart rate raised 25 over a regular sinus rhythm with a
// pulse 10 below it (no AF roughness learned), and an AF deficit that
// widens beyond hr_over_pr (50).
func TestAFDeficitWidens44(t *testing.T) {
	cfg := vitals.DefaultConfig()
	reported := func(ts []tick) bool { return len(only(run(t, cfg, ts), "hr_pr_agreement")) > 0 }
	grows := func(level float64) float64 { return 10 + 0.7*(level-120) }
	kept := func(float64) float64 { return 1 }
	genuine := 0
	for seed := range uint64(20) {
		if reported(afWidenBed(seed+100, 25, grows, nil)) {
			genuine++
		}
		for _, off := range []float64{28, 36} {
			if !reported(afWidenBed(seed+100, 0, kept, func(h float64) float64 { return h + off })) {
				t.Errorf("seed %d: heart rate forged %v up over an AF pulse that kept up with it: not reported", seed, off)
			}
		}
		if !reported(afWidenBed(seed+100, 60, grows, nil)) {
			t.Errorf("seed %d: AF deficit widened beyond hr_over_pr: not reported", seed)
		}
		k := int(seed) * 1000
		sinus := every(206, 30*time.Second, func(i int) msg {
			h := 96.0
			if i >= 140 {
				h += 25
			}
			return msg{rows: []row{hr(wobble(h, i+k)), pr(wobble(86, i+k+5)), spo2(num(95 + float64(i%2))), rr(wobble(18, i)), temp("37.2")}}
		})
		if !reported(sinus) {
			t.Errorf("seed %d: sinus heart rate raised 25 over a pulse 10 below it: not reported", seed)
		}
	}
	if genuine > 10 {
		t.Errorf("AF whose deficit grows with its rate: reported on %d of 20 runs, want at most 10 (18 before afWidens)", genuine)
	}
}
