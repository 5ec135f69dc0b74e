package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestSmoothedSaturation20: an adult at a 10 s cadence whose oximeter reads
// 93–94 % with the scatter of its estimate (changing in most messages,
// flickering between neighbouring integers). A saturation replaced by a slow
// curve or a moving average of itself is too_regular (g); one that sits on
// 93 and blips to 94 now and then, one that flickered in every message and
// then wanders in steps held for two messages (fewer changes than it had and
// few flickers, but more than a third of its changes: a patient settling),
// one at 97–100 % smoothed by the device, and the same curve at a 5 s cadence
// (readings sharing an oximeter's averaging window) stay quiet.
func TestSmoothedSaturation20(t *testing.T) {
	noise := func(i int) float64 { return rand.New(rand.NewPCG(uint64(i), 23)).NormFloat64() }
	beat := func(i int, sat float64) msg {
		return msg{rows: []row{hr(wobble(80, i)), pr(wobble(80, i+5)), spo2(num(sat)), rr(wobble(16, i+3))}}
	}
	measured := func(from int, level float64) func(i int) msg {
		return func(i int) msg { return beat(i+from, math.Round(level+0.7*noise(i+from))) }
	}
	satFindings := func(fs []vitals.Finding) (n int) {
		for _, f := range fs {
			if f.Rule == "too_regular" && f.Parameter == "MDC_PULS_OXIM_SAT_O2" {
				n++
			}
		}
		return n
	}
	curve := func(level float64) func(i int) msg {
		return func(i int) msg { return beat(i+1000, math.Round(level+1.6*math.Sin(float64(i)/20))) }
	}
	avg := func(i int) msg { // a moving average over 16 messages of the measured saturation
		s := 0.0
		for k := range 16 {
			s += 93.5 + 0.7*noise(i+1000-k)
		}
		return beat(i+1000, math.Round(s/16))
	}
	flicker := func(i int) msg { return beat(i, 93+float64(i%2)) } // at 93.5: 93, 94, 93, 94
	wander := func(i int) msg {                                    // 92 to 95 and back in steps of one held for two messages
		return beat(i+1000, 92+math.Abs(float64((i/2+3)%6-3)))
	}
	blips := func(i int) msg { // at 93, at 94 for one message in 48
		v := 93.0
		if i%48 == 11 {
			v = 94
		}
		return beat(i+1000, v)
	}
	for _, tc := range []struct {
		name   string
		step   time.Duration
		level  float64
		after  func(i int) msg
		report bool
	}{
		{"a slow curve", 10 * sec, 93.5, curve(93.5), true},
		{"a moving average", 10 * sec, 93.5, avg, true},
		{"on an integer with a blip now and then", 10 * sec, 93, blips, false},
		{"a flicker in every message, then a wander in every other", 10 * sec, 0, wander, false},
		{"a smoothed curve at 97-100", 10 * sec, 98.5, curve(98.5), false},
		{"a slow curve at a 5 s cadence", 5 * sec, 93.5, curve(93.5), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := flicker
			if tc.level != 0 {
				before = measured(0, tc.level)
			}
			fs := run(t, vitals.DefaultConfig(), then(every(150, tc.step, before), tc.step, every(300, tc.step, tc.after)))
			if n := satFindings(fs); (n > 0) != tc.report {
				t.Errorf("%d too_regular findings on the saturation, want any: %v; rules fired %q", n, tc.report, rulesOf(fs))
			}
		})
	}
}
