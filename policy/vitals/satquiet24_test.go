package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestSlowSaturation24: at a 30 s cadence a 96-message window spans 48 min,
// longer than a smoothed stretch often lasts, so too_regular (g) also judges
// the last 48 messages there. An adult whose oximeter read 95–96 % with the
// scatter of its estimate for 150 messages: a saturation replaced for 90
// messages by a slow curve rounded to the integer (94, 95, 96 held in turn)
// is reported; the same patient asleep, sitting on 96 and dipping to 95
// for three messages every dozen (as few changes, no flicker, but 96 in three
// quarters of the messages: fails without the one-value clause), stays quiet,
// and so does the curve at a 15 s cadence (the short window is not judged).
func TestSlowSaturation24(t *testing.T) {
	noise := func(i int) float64 { return rand.New(rand.NewPCG(uint64(i), 24)).NormFloat64() }
	beat := func(i int, sat float64) msg {
		return msg{rows: []row{hr(wobble(80, i)), pr(wobble(80, i+5)), spo2(num(sat)), rr(wobble(16, i+3))}}
	}
	measured := func(i int) msg { return beat(i, math.Round(95.5+noise(i))) }
	curve := func(i int) msg { return beat(i+1000, math.Round(95+1.3*math.Sin(2*math.Pi*float64(i)/24))) }
	asleep := func(i int) msg {
		v := 96.0
		if i%12 >= 9 {
			v = 95
		}
		return beat(i+1000, v)
	}
	for _, tc := range []struct {
		name  string
		step  time.Duration
		after func(i int) msg
		want  bool
	}{
		{"a slow curve", 30 * sec, curve, true},
		{"asleep on one value with dips", 30 * sec, asleep, false},
		{"a slow curve at a 15 s cadence", 15 * sec, curve, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), then(every(150, tc.step, measured), tc.step, every(90, tc.step, tc.after)))
			n := 0
			for _, f := range fs {
				if f.Rule == "too_regular" && f.Parameter == "MDC_PULS_OXIM_SAT_O2" {
					n++
				}
			}
			if (n > 0) != tc.want {
				t.Errorf("%d too_regular findings on the saturation, want any: %v; rules fired %q", n, tc.want, rulesOf(fs))
			}
		})
	}
}
