package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestBigeminyShareFloor (session 24, hrpr24b): a pulse rate forged as a
// heart rate of about 68 minus 40 lies at 37–43 % of it, its samples either
// side of bigeminy's 40 % floor; the heart rate, steady within a beat or
// two, shows no slope to tell it from a bigeminy, and each sample inside
// the allowance would restart the persistence count. Its mean share below
// 0.45 is no bigeminy's: the disagreement is flagged. A bigeminy, its pulse
// at half the same heart rate or at 47 % of it with its sensor's noise, and
// an adult in AF whose pulse lies at about 40 % of a heart rate of 80
// (AF's allowance, not bigeminy's), stay quiet.
func TestBigeminyShareFloor(t *testing.T) {
	const step = 15 * time.Second
	bed := func(h0 float64, spread int, p func(h float64) float64) func(i int) msg {
		return func(i int) msg {
			g := rand.New(rand.NewPCG(uint64(i), 40))
			h := h0 + float64(g.IntN(2*spread+1)-spread)
			return msg{rows: []row{hr(num(h)), pr(num(math.Round(p(h)) + float64(g.IntN(5)-2))), spo2("96"), rr(wobble(16, i)), temp("37.0")}}
		}
	}
	same := func(h float64) float64 { return h }
	tests := []struct {
		name   string
		h0     float64
		spread int
		pulse  func(h float64) float64
		want   []string
	}{
		{"the pulse rate forged 40 below a heart rate of 68", 68, 1, func(h float64) float64 { return h - 40 }, []string{"hr_pr_agreement"}},
		{"bigeminy: the pulse at half the heart rate", 68, 1, func(h float64) float64 { return h / 2 }, nil},
		{"bigeminy: the pulse at 47 % of the heart rate", 68, 1, func(h float64) float64 { return 0.47 * h }, nil},
		{"AF: the pulse at 40 % of a heart rate of 80", 80, 10, func(h float64) float64 { return 0.4 * h }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ticks := then(every(40, step, bed(tc.h0, tc.spread, same)), step, every(100, step, bed(tc.h0, tc.spread, tc.pulse)))
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "hr_pr_agreement"), tc.want...)
		})
	}
}
