package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestArterialShapeBound26 (session 26, review26): the arterial shape
// check's finding carries as its threshold the distance from the learned
// place that counted as off, max(8 mmHg, 4 × the line's own scatter), as
// the rules table says; before, it carried 8 also where the line's scatter
// set a wider bound. A line whose mean swings 3-4 mmHg either way, 18 off
// for three messages: threshold 12-16; a quiet line 11 off: 8.
func TestArterialShapeBound26(t *testing.T) {
	const step = 30 * time.Second
	line := func(sw, dm float64) []tick {
		plain := func(i int) msg {
			d := sw * float64(3+i%2) * float64(1-2*(i/2%2))
			return withArt(patient(i, 80, 97, 16, 38), i, 120, 70, 87+d)
		}
		return then(every(200, step, plain), step, every(40, step, func(i int) msg {
			if i >= 10 && i < 13 {
				return withArt(patient(i+1000, 80, 97, 16, 38), i+1000, 120, 70, 87+dm)
			}
			return plain(i + 1000)
		}))
	}
	for _, tc := range []struct {
		name   string
		ticks  []tick
		lo, hi float64
	}{
		{"a swinging line's mean 18 off", line(1, 18), 12, 16},
		{"a quiet line's mean 11 off", line(0, 11), 8, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			for _, f := range run(t, vitals.DefaultConfig(), tc.ticks) {
				if f.Rule != "map_formula" || f.Parameter != "MDC_PRESS_BLD_ART_MEAN" {
					continue
				}
				n++
				if f.Threshold < tc.lo || f.Threshold > tc.hi {
					t.Errorf("threshold %g, want %g-%g", f.Threshold, tc.lo, tc.hi)
				}
			}
			if n != 1 {
				t.Errorf("%d arterial map_formula findings, want 1", n)
			}
		})
	}
}
