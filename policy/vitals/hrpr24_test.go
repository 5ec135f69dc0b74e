package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestBigeminyShareFollows (session 24, hrpr24): a bigeminy's pulse at
// about half the heart rate moves by about half of the heart rate's changes.
// A pulse rate forged as the heart rate minus 43 sits at 44 % of a heart
// rate of 77, inside bigeminy's 40–65 %, and follows the heart rate's
// every change; a heart rate that wanders by only ±3 does not lift that
// slope 4 standard errors above the 0.65 that bounds any bigeminy's share,
// but it lies that far above the pulse's own share (plus 0.10). A genuine
// bigeminy, its pulse at half the same heart rate with its own sensor's
// noise, stays quiet.
func TestBigeminyShareFollows(t *testing.T) {
	const step = 30 * time.Second
	level := func(i int) float64 { return 77 + math.Round(3*math.Sin(float64(i)/6)) }
	noisy := func(i int, h, p float64) msg {
		g := rand.New(rand.NewPCG(uint64(i), 24))
		x := h + float64(g.IntN(5)-2)
		if p < 0 { // the pulse forged from the heart rate as sent
			p = x + p
		}
		return msg{rows: []row{hr(num(x)), pr(num(p + float64(g.IntN(5)-2))), spo2("96"), rr(wobble(16, i)), temp("37.0")}}
	}
	learn := every(40, step, func(i int) msg { return noisy(i, level(i), level(i)) })
	tests := []struct {
		name string
		more func(i int) msg
		want []string
	}{
		{"the pulse rate forged 43 below the heart rate", func(i int) msg { return noisy(i+100, level(i), -43) },
			[]string{"hr_pr_agreement"}},
		{"bigeminy: the pulse at half the heart rate", func(i int) msg {
			return noisy(i+100, level(i), math.Round(level(i)/2))
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ticks := then(learn, step, every(45, step, tc.more))
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "hr_pr_agreement"), tc.want...)
		})
	}
}

// TestNeonateNoAFDeficit (session 24, hrpr24): a neonate's heart rate at a
// 60 s cadence varies by 4 bpm and more from sample to sample by itself,
// which the AF allowance takes for an irregular rhythm; AF is all but
// unknown in neonates, so a pulse rate forged 36 below the heart rate for
// 14 minutes is a persistent disagreement there: its deficit is held within
// a beat or two while the heart rate swings. The same deficit on an adult in
// AF stays allowed; a crying neonate's plethysmograph, miscounting by up to
// 35 beats either way, and a neonate's bigeminy (its pulse at half the heart
// rate) stay quiet.
func TestNeonateNoAFDeficit(t *testing.T) {
	const step = 60 * time.Second
	bed := func(pv1 string, p func(i int, h float64) float64) func(i int) msg {
		return func(i int) msg {
			g := rand.New(rand.NewPCG(uint64(i), 36))
			h := 145 + float64(g.IntN(15)-7)
			return msg{pv1: pv1, rows: []row{hr(num(h)), pr(num(p(i, h) + float64(g.IntN(3)-1))), spo2("97"), rr(wobble(50, i)), temp("37.0")}}
		}
	}
	same := func(_ int, h float64) float64 { return h }
	forged := func(_ int, h float64) float64 { return h - 36 }
	tests := []struct {
		name, pv1 string
		pulse     func(i int, h float64) float64
		want      []string
	}{
		{"a neonate's pulse rate forged 36 below", "|I|NICU^^BED1", forged, []string{"hr_pr_agreement"}},
		{"an adult in AF with a deficit of 36", "|I|ICU^^BED1", forged, nil},
		{"a crying neonate's plethysmograph", "|I|NICU^^BED1", func(i int, h float64) float64 {
			return h - 20 + float64(rand.New(rand.NewPCG(uint64(i), 37)).IntN(41)-20)
		}, nil},
		{"a neonate's bigeminy", "|I|NICU^^BED1", func(_ int, h float64) float64 { return math.Round(h / 2) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ticks := then(every(30, step, bed(tc.pv1, same)), step, every(14, step, bed(tc.pv1, tc.pulse)))
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "hr_pr_agreement"), tc.want...)
		})
	}
}
