package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestArterialResolution19: an arterial line sinking to a low level in
// shock loses its variation with it until the whole-mmHg display no longer
// resolves it: the pressures change in fewer than half of the messages, hold
// for many minutes, and step by one unit now and then. Neither too_regular
// nor frozen judges a line at its display step (main before session 19:
// frozen and too_regular). A freeze or a straight line forged on a line that
// still moved by several mmHg is caught as before.
func TestArterialResolution19(t *testing.T) {
	line := func(i int, s, d, m float64) msg {
		return msg{rows: []row{hr(wobble(112, i)), pr(wobble(112, i+5)), spo2(wobble(96, i+7)), rr(wobble(24, i+3)),
			artS(num(s)), artD(num(d)), artM(num(m))}}
	}
	// pressure returns a pressure at level lv with Gaussian variation of sd
	// between messages, read in whole mmHg.
	pressure := func(i, k int, lv, sd float64) float64 {
		return math.Round(lv + sd*rand.New(rand.NewPCG(uint64(i), uint64(k))).NormFloat64())
	}
	noisy := func(i int) msg {
		return line(i, pressure(i, 21, 100, 3), pressure(i, 22, 50, 1.8), pressure(i, 23, 67, 2.2))
	}
	learn := every(300, 10*sec, noisy)
	// Over 50 minutes the pressures fall from 100/50/67 to 61/27/40; there
	// their variation shrinks from 3 mmHg to a tenth of one over 150
	// minutes, far below the display's step, and stays so for 50 more.
	sinking := every(1500, 10*sec, func(i int) msg {
		f := min(1, float64(i)/300)
		lv := func(a, b float64) float64 { return a + (b-a)*f + 0.2 }
		sd := max(0.1, 3-2.9*float64(i-300)/900)
		return line(i+1000, pressure(i+1000, 21, lv(100, 61), min(3, sd)), pressure(i+1000, 22, lv(50, 27), min(3, sd)*0.6),
			pressure(i+1000, 23, lv(67, 40), min(3, sd)*0.7))
	})
	t.Run("a line sinking in shock until the display no longer resolves it", func(t *testing.T) {
		checkRules(t, run(t, vitals.DefaultConfig(), then(learn, 10*sec, sinking)))
	})
	t.Run("a moving line held at once (forged freeze)", func(t *testing.T) {
		held := every(60, 10*sec, func(int) msg { return line(0, 98, 49, 66) })
		checkRules(t, run(t, vitals.DefaultConfig(), then(learn, 10*sec, held)), "frozen")
	})
	// A straight line that steps one unit every few minutes is held most of
	// the time: too_regular no longer judges it (main: too_regular too), its
	// runs are frozen's, judged from the change rate of the line it replaced.
	t.Run("a moving line replaced by a straight line", func(t *testing.T) {
		straight := every(160, 10*sec, func(i int) msg {
			return line(i+1000, math.Round(100-float64(i)/40), math.Round(50-float64(i)/45), math.Round(67-float64(i)/50))
		})
		checkRules(t, run(t, vitals.DefaultConfig(), then(learn, 10*sec, straight)), "frozen")
	})
}
