package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestNeonatalBreathingPace25 (session 25, clean25b): a neonate breathes
// periodically and changes pace with its sleep state; its breathing rate
// goes back, in one message, to a pace it kept earlier in the half hour
// and holds it (the first generator's clean beds: seed 3 m0038 39 to 28,
// seed 52 m0096 25 to 36, seed 47 m0150 48 to 60, each back at a pace kept
// minutes before), or moves by a third in its first minutes on the monitor
// (seed 51 m0150, the second generator's seed 4 m0062, the third's seed 3
// m0063). Main before it: rate_of_change. A rate forged to a pace it never
// kept is still a step, as is one forged after the first minutes.
func TestNeonatalBreathingPace25(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "neonatal"
	// A neonate's message whose breathing rate r varies by ±1 around its pace.
	baby := func(i int, r float64) msg {
		m := neo(i, 150, 94, r)
		m.rows[3] = rr(num(r + float64(i%3-1)))
		return m
	}
	// 20 min at 48/min with a minute's slower breathing at 36 every four
	// minutes (its periodic breathing), 15 min at 36, then a jump to target
	// held for 10 min (30 s cadence).
	paces := func(target float64) []tick {
		return every(90, 30*sec, func(i int) msg {
			r := 48.0
			switch {
			case i >= 70:
				r = target
			case i >= 40 || i%8 >= 6:
				r = 36
			}
			return baby(i, r)
		})
	}
	// A steady 40/min, a jump to 52 at message at, held for 10 min.
	early := func(at int) []tick {
		return every(at+20, 30*sec, func(i int) msg {
			if i >= at {
				return baby(i, 52)
			}
			return baby(i, 40)
		})
	}
	tests := []struct {
		name   string
		ticks  []tick
		report bool
	}{
		{"back at the pace it kept 15 min before", paces(48), false},
		{"forged to a pace it never kept", paces(22), true},
		{"a third faster in its first 5 min on the monitor", early(10), false},
		{"a third faster after 25 min at one pace", early(50), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, cfg, tc.ticks)
			n := 0
			for _, f := range fs {
				t.Logf("%s %s %g from %g", f.Rule, f.Parameter, f.Value, f.Other)
				if f.Rule == "rate_of_change" && f.Parameter == "MDC_RESP_RATE" {
					n++
				}
			}
			if tc.report && n == 0 {
				t.Errorf("the forged breathing rate was not reported; rules fired %q", rulesOf(fs))
			}
			if !tc.report && n > 0 {
				t.Errorf("the neonate's own change of pace was reported")
			}
		})
	}
}
