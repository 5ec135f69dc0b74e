package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// trendBack26 is an hour at a breathing rate of 16/min (the heart rate
// h0(i) at message i), a creep to 28 over n minutes and the rate back at 16
// in one message, held 5 min, at 30 s; f builds trend message i (x the
// share of the creep done, 0 from the return on).
func trendBack26(h0 func(i int) float64, n int, f func(i int, x float64) msg) []tick {
	const step = 30 * time.Second
	m := 2 * n
	learn := every(120, step, func(i int) msg { return patient(i, h0(i), 97, 16, 38) })
	return then(learn, step, every(m+10, step, func(i int) msg {
		if i >= m {
			return f(i, 0)
		}
		return f(i, ramp(i, m))
	}))
}

// TestDriftReturnPartnerSpan26 (session 26, review26): drift_return's
// partner test (partnersKept) compares a breathing rate's related channels
// from where its trend began to now, back r.since buckets from the newest.
// Before, it was handed the trend level's bucket index (oldest first)
// instead: after a long trend that span is the last few buckets, so a heart
// rate that rose with the breathing rate early in the trend and then held
// was not seen; after a short one in a full ring it reached back past the
// trend, so a heart rate that settled half an hour before it began was
// taken for an answer to it.
func TestDriftReturnPartnerSpan26(t *testing.T) {
	steady := func(int) float64 { return 80 }
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"the breathing rate creeps 16 → 28 over 50 min alone and snaps back", trendBack26(steady, 50, func(i int, x float64) msg {
			return patient(i+5000, 80, 97, 16+12*x, 38)
		}), []string{"drift_return"}},
		{"the heart rate climbs 80 → 92 in the creep's first 20 min and holds", trendBack26(steady, 50, func(i int, x float64) msg {
			return patient(i+5000, 80+12*ramp(i, 40), 97, 16+12*x, 38)
		}), nil},
		{"the heart rate settled 90 → 80 half an hour before a 20 min creep", trendBack26(func(i int) float64 {
			if i < 80 {
				return 90
			}
			return 80
		}, 20, func(i int, x float64) msg {
			return patient(i+5000, 80, 97, 16+12*x, 38)
		}), []string{"drift_return"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []vitals.Finding
			for _, f := range run(t, vitals.DefaultConfig(), tc.ticks) {
				if f.Rule == "drift_return" {
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}
