package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestNeonatalBreathingWarm26 (session 26, clean26): a newborn just put on
// the monitor (handled, electrodes placed, crying) has no resting breathing
// pace yet: its impedance rate moves by a third in its first minutes (the
// first generator's clean seed 51 m0150 36 to 46 after 4 min, the second's
// seed 4 m0062 39 to 59 after 5 min, the third's seed 3 m0063 45 to 28 after
// 5 min). Main before it: rate_of_change. The same jump after 25 min at one
// pace is still a step, as is an adult's in its first minutes; after a bed
// turnover (a new identity after a 15 min silence) the next baby's first
// minutes are its own.
func TestNeonatalBreathingWarm26(t *testing.T) {
	neoCfg := vitals.DefaultConfig()
	neoCfg.Profile = "neonatal"
	// A neonate's message whose breathing rate r varies by ±1 around its pace.
	baby := func(i int, r float64, pid string) msg {
		m := neo(i, 150, 94, r)
		m.rows[3] = rr(num(r + float64(i%3-1)))
		m.pid = pid
		return m
	}
	// A steady 40/min, a jump to 52 at message at, held for 10 min (30 s
	// cadence).
	jump := func(at int, pid string) []tick {
		return every(at+20, 30*sec, func(i int) msg {
			if i >= at {
				return baby(i, 52, pid)
			}
			return baby(i, 40, pid)
		})
	}
	// An adult at 16/min (±1) whose rate jumps to 26 at message at.
	adult := func(at int) []tick {
		return every(at+20, 30*sec, func(i int) msg {
			r := 16.0
			if i >= at {
				r = 26
			}
			return msg{rows: []row{hr(num(80 + float64(i%3-1))), pr(num(80 + float64(i%2))), spo2("97"), rr(num(r + float64(i%3-1))), temp("37.0")}}
		})
	}
	tests := []struct {
		name   string
		cfg    vitals.Config
		ticks  []tick
		report bool
	}{
		{"a third faster in its first 5 min on the monitor", neoCfg, jump(10, ""), false},
		{"a third faster after 25 min at one pace", neoCfg, jump(50, ""), true},
		{"the next baby's first 5 min after a bed turnover", neoCfg, then(jump(50, "111^^^H^MR")[:40], 15*60*sec, jump(10, "222^^^H^MR")), false},
		{"an adult's in its first 5 min", vitals.DefaultConfig(), adult(10), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, tc.cfg, tc.ticks)
			n := 0
			for _, f := range fs {
				t.Logf("%s %s %g from %g", f.Rule, f.Parameter, f.Value, f.Other)
				if f.Rule == "rate_of_change" && f.Parameter == "MDC_RESP_RATE" {
					n++
				}
			}
			if tc.report && n == 0 {
				t.Errorf("the breathing rate's step was not reported; rules fired %q", rulesOf(fs))
			}
			if !tc.report && n > 0 {
				t.Errorf("the newborn's first minutes were reported as a step")
			}
		})
	}
}
