package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestPulseBesideQuietHeart24 (session 24, clean24): a patient moving for five
// minutes at a 1 s cadence throws the ECG heart rate about by ±6 and the
// oximeter's pulse rate by ±25 more; both learn a roughness from it, the pulse
// rate four to five times its own. Then the patient settles (sleep, an
// opioid): the heart rate varies by ±1, under 0.6 of what it learned (quiet),
// and the pulse rate follows it beat for beat as before the motion, as rough
// as the heart rate now (a mean second difference of about 1.5 per message)
// but below its share of the level motion taught it (the third blind
// generator's clean beds: s10 m0077 message 13876, the pulse rate at 2.7 beside
// a heart rate at 2.7, learned 19.6; main before session 24: too_regular (c),
// "pulse rate lost more of its noise than the heart rate it measures"). It
// stays quiet. A heart rate and a pulse rate replaced together by one slow
// rounded curve after the same motion are still too smooth: the pulse rate's
// second differences average far below a display step.
func TestPulseBesideQuietHeart24(t *testing.T) {
	jitter := func(i, seed, n int) float64 {
		return float64(rand.New(rand.NewPCG(uint64(i), uint64(seed))).IntN(2*n+1) - n)
	}
	beat := func(i int, h, p float64) msg {
		return msg{rows: []row{hr(num(h)), pr(num(p)), spo2(wobble(97, i+7)), rr(wobble(18, i+3))}}
	}
	calm := every(200, sec, func(i int) msg {
		h := 90 + jitter(i, 3, 2)
		return beat(i, h, h+jitter(i, 5, 1))
	})
	motion := every(300, sec, func(i int) msg {
		h := 90 + jitter(i+1000, 3, 6)
		return beat(i+1000, h, h+jitter(i, 17, 25))
	})
	before := then(calm, sec, motion)
	t.Run("settled: the pulse rate follows a quiet heart rate", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), then(before, sec, every(900, sec, func(i int) msg {
			h := 90 + jitter(i+2000, 3, 1)
			p := h
			if i%4 == 0 {
				p += jitter(i, 19, 1)
			}
			return beat(i+2000, h, p)
		})))
		checkRules(t, fs)
	})
	t.Run("settled: heart rate and pulse rate replaced by one slow curve", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), then(before, sec, every(900, sec, func(i int) msg {
			v := math.Round(90 + 4*math.Sin(float64(i)/40))
			return beat(i+2000, v, v)
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
