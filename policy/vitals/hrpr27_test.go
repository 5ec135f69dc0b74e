package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestFollowPastMiscounts (session 27, hrpr27): an oximeter that loses a
// beat in its averaging window now and then reads one pulse rate far below
// the others. A pulse rate forged as the heart rate minus 40 sits at 56 % of
// a heart rate of 90, inside bigeminy's share, and follows the heart rate's
// every change. With a heart rate wandering by only ±2 and, once the slope is
// judged, a pulse reading 10 low every fifth sample, those readings counted
// whole swell the residual variance until the slope no longer lies 4
// standard errors above a bigeminy's; counted at 2.5 residual standard
// deviations from the line, they still pull the fit their way without
// hiding it. A genuine bigeminy, its pulse at half the heart rate with the
// same lost beats, stays quiet.
func TestFollowPastMiscounts(t *testing.T) {
	const step = 15 * time.Second
	level := func(i int) float64 { return 90 + math.Round(2*math.Sin(float64(i)/5)) }
	bed := func(pulse func(h, lv float64) float64) func(i int) msg {
		return func(i int) msg {
			g := rand.New(rand.NewPCG(uint64(i), 27))
			h := level(i) + float64(g.IntN(3)-1)
			p := pulse(h, level(i)) + float64(g.IntN(3)-1)
			if i >= 20 && i%5 == 1 {
				p -= 10 // a beat lost in the oximeter's averaging window
			}
			return msg{rows: []row{hr(num(h)), pr(num(p)), spo2("96"), rr(wobble(16, i)), temp("37.0")}}
		}
	}
	learn := every(40, step, bed(func(h, _ float64) float64 { return h }))
	tests := []struct {
		name  string
		pulse func(h, lv float64) float64
		want  []string
	}{
		{"the pulse rate forged 40 below the heart rate", func(h, _ float64) float64 { return h - 40 },
			[]string{"hr_pr_agreement"}},
		{"bigeminy: the pulse at half the heart rate", func(_, lv float64) float64 { return math.Round(lv / 2) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ticks := then(learn, step, every(60, step, bed(tc.pulse)))
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "hr_pr_agreement"), tc.want...)
		})
	}
}
