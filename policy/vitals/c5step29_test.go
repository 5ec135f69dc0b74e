package vitals_test

import (
	"math"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestDriftReturnSatDip29 (session 29, c5step29): at a cadence of 20 s or
// slower a saturation value that dips and comes back in the next message
// is one reading of the oximeter's artefact (motion, the probe pressed),
// no step of the level: a forged ramp that carries such dips where the
// patient moved is still a ramp, and its return in one message is judged
// (the fifth generator's blatant saturation drifts, 30 and 60 s). A dip
// the next value keeps is a step; at a fast cadence a motion burst spans
// several messages and its jumps still count; a dip still counts as the
// smallest return (3 points), so a return under twice that carries the
// dips as steps; and a saturation that comes back to its level straight
// out of a one-message dip is the dip's end, not a trend undone.
func TestDriftReturnSatDip29(t *testing.T) {
	cfg := vitals.DefaultConfig()
	// An hour at 97 % (heart rate 80), then over 25 min the saturation
	// sinks by fall while the heart rate rises by 10 (so the slide, which
	// wants the heart rate kept, stays out of it), then the saturation is
	// back at 97 in one message; dip(i) is added to it at the trend's
	// message i.
	creep := func(step time.Duration, fall float64, dip func(i int) float64, end float64) []tick {
		n := int(25 * time.Minute / step)
		learn := every(int(time.Hour/step), step, func(i int) msg { return patient(i, 80, 97, 16, 38) })
		return then(learn, step, every(n+int(5*time.Minute/step), step, func(i int) msg {
			if i == n && end != 0 {
				return patient(i+5000, 90, end, 16, 38)
			}
			if i >= n {
				return patient(i+5000, 90, 97, 16, 38)
			}
			return patient(i+5000, 80+10*ramp(i, n), 97-fall*ramp(i, n)+dip(i), 16, 38)
		}))
	}
	// The same with a still saturation (no scatter of its own but the
	// ramp's and the dips').
	still := func(step time.Duration, fall float64, dip func(i int) float64) []tick {
		ts := creep(step, fall, dip, 0)
		n := int(25 * time.Minute / step)
		for k := range ts {
			i := k - int(time.Hour/step)
			v := 97.0
			if i >= 0 && i < n {
				v = math.Round(97 - fall*ramp(i, n) + dip(i))
			}
			ts[k].m.rows[2] = spo2(num(v))
		}
		return ts
	}
	none := func(int) float64 { return 0 }
	// Every 5 min, from 2 min into the trend, one message 8 points down.
	dips := func(step time.Duration) func(i int) float64 {
		every := int(5 * time.Minute / step)
		return func(i int) float64 {
			if i%every == every/2 {
				return -8
			}
			return 0
		}
	}
	// Smaller dips, 4 points down.
	small := func(step time.Duration) func(i int) float64 {
		every := int(5 * time.Minute / step)
		return func(i int) float64 {
			if i%every == every/2 {
				return -4
			}
			return 0
		}
	}
	// The same dips held for two messages.
	held := func(step time.Duration) func(i int) float64 {
		every := int(5 * time.Minute / step)
		return func(i int) float64 {
			if i%every == every/2 || i%every == every/2+1 {
				return -8
			}
			return 0
		}
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"30 s: the saturation sinks 97 → 85 with no dip, snaps back", creep(30*time.Second, 12, none, 0), []string{"drift_return"}},
		{"30 s: the same with a one-message dip of 8 every 5 min, snaps back", creep(30*time.Second, 12, dips(30*time.Second), 0), []string{"drift_return"}},
		{"60 s: the same with a one-message dip of 8 every 5 min, snaps back", creep(time.Minute, 12, dips(time.Minute), 0), []string{"drift_return"}},
		{"30 s: the dips held for two messages (steps), snaps back", creep(30*time.Second, 12, held(30*time.Second), 0), nil},
		{"5 s: one-message dips of 8 every 5 min (a burst's part), snaps back", creep(5*time.Second, 12, dips(5*time.Second), 0), nil},
		{"30 s, a still saturation: sinks 97 → 91 with no dip, snaps back", still(30*time.Second, 6, none), []string{"drift_return"}},
		{"30 s, a still saturation: sinks 97 → 91 with one-message dips of 4 (a return under twice the smallest), snaps back", still(30*time.Second, 6, small(30*time.Second)), nil},
		{"30 s: the saturation sinks 97 → 92 and is back out of a one-message dip to 88", creep(30*time.Second, 5, none, 88), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []vitals.Finding
			for _, f := range run(t, cfg, tc.ticks) {
				if f.Rule == "drift_return" {
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}
