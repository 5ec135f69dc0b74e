package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestNeonatalBreathingPaceHeld25 (session 25, clean25c): a neonate's
// breathing rate back at a pace is its own only when the pace was held as a
// level (a sample and those either side of it beyond the step's midpoint)
// and recently (neoPaceRecent). A forged drift's ramp passes through the
// rate's old side on its way (hl7load seed 632 m0009, a ramp of 50 to 78
// over 38 min, back to 52 in one message): its return is a step, as on
// main (clean25b: quiet). A neonate's spell of a few minutes away from its
// pace, and back, stays quiet (main: rate_of_change).
func TestNeonatalBreathingPaceHeld25(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "neonatal"
	// A neonate's message whose breathing rate r varies by ±1 around its pace.
	baby := func(i int, r float64) msg {
		m := neo(i, 150, 94, r)
		m.rows[3] = rr(num(r + float64(i%3-1)))
		return m
	}
	// 20 min at 50/min, a ramp to 78 over 38 min, then 52 for 10 min (10 s
	// cadence).
	ramp := every(120+228+60, 10*sec, func(i int) msg {
		switch {
		case i < 120:
			return baby(i, 50)
		case i < 348:
			return baby(i, 50+28*float64(i-120)/228)
		}
		return baby(i, 52)
	})
	// 25 min at 48/min, a spell of 5 min at 36, back to 48 for 10 min.
	spell := every(50+10+20, 30*sec, func(i int) msg {
		if i >= 50 && i < 60 {
			return baby(i, 36)
		}
		return baby(i, 48)
	})
	tests := []struct {
		name   string
		ticks  []tick
		back   float64 // the level returned to
		report bool
	}{
		{"back to 52 after a ramp to 78", ramp, 52, true},
		{"back to 48 after a 5-min spell at 36", spell, 48, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, cfg, tc.ticks)
			n := 0
			for _, f := range fs {
				t.Logf("%s %s %g from %g", f.Rule, f.Parameter, f.Value, f.Other)
				if f.Rule == "rate_of_change" && f.Parameter == "MDC_RESP_RATE" && f.Value > tc.back-4 && f.Value < tc.back+4 {
					n++
				}
			}
			if tc.report && n == 0 {
				t.Errorf("the return to %g was not reported; rules fired %q", tc.back, rulesOf(fs))
			}
			if !tc.report && n > 0 {
				t.Errorf("the neonate's return to its pace was reported")
			}
		})
	}
}
