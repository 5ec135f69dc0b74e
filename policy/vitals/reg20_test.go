package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestPulseAfterMotion20: a child moving for five minutes at a 1 s cadence
// corrupts the plethysmogram, and the oximeter's pulse rate wanders up to
// 25 bpm either side of the ECG heart rate while the ECG keeps counting;
// the pulse rate learns a roughness several times its own from it. Once
// the child is still, the pulse rate follows the heart rate again with the
// oximeter's small noise: it is as rough as the heart rate it counts, but
// below a quarter of what it learned, and stays quiet (main before session
// 20: too_regular (c), "lost its noise while the heart rate it measures kept
// its own"). A pulse rate replaced by a slow rounded curve after the same
// motion is too smooth against the heart rate as before.
func TestPulseAfterMotion20(t *testing.T) {
	heart := func(i int) float64 { return 110 + float64(rand.New(rand.NewPCG(uint64(i), 7)).IntN(7)-3) } // wobble(110, i)
	beat := func(i int, h float64, pulse string) msg {
		return msg{rows: []row{hr(num(h)), pr(pulse), spo2(wobble(97, i+7)), rr(wobble(24, i+3))}}
	}
	still := func(from int) func(i int) msg {
		return func(i int) msg {
			h := heart(i + from)
			return beat(i+from, h, num(h+float64(rand.New(rand.NewPCG(uint64(i+from), 13)).IntN(3)-1)))
		}
	}
	motion := every(300, sec, func(i int) msg {
		h := heart(i + 1000)
		return beat(i+1000, h, num(h+float64(rand.New(rand.NewPCG(uint64(i), 17)).IntN(51)-25)))
	})
	before := then(every(200, sec, still(0)), sec, motion)
	t.Run("still again: the pulse rate follows the heart rate", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), then(before, sec, every(600, sec, still(2000))))
		for _, f := range fs {
			if f.Rule == "too_regular" {
				t.Errorf("too_regular %s value=%g other=%g threshold=%g: %s", f.Parameter, f.Value, f.Other, f.Threshold, f.Explanation)
			}
		}
	})
	t.Run("still again: the pulse rate is replaced by a slow curve", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), then(before, sec, every(600, sec, func(i int) msg {
			return beat(i+2000, heart(i+2000), num(math.Round(110+1.5*math.Sin(float64(i)/6))))
		})))
		found := false
		for _, f := range fs {
			found = found || f.Rule == "too_regular" && f.Parameter == "MDC_PULS_OXIM_PULS_RATE"
		}
		if !found {
			t.Errorf("no too_regular on the pulse rate; rules fired %q", rulesOf(fs))
		}
	})
}
