package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestBreathingRateOffSetRate27: a breathing rate at its floor gets a
// ventilator set rate's bar (10⁻²⁴) only when it is held at a value it kept
// falling back to from above, never reading below it: a mandatory mode
// delivers at least the set rate, and the breaths the patient triggers only
// add to it. A spontaneous rate of 13–19 that settles at 11, a value it
// never fell back to, and stays there for 25 messages a minute apart is
// judged as any channel and is frozen (main: quiet, as a set rate). A rate
// that keeps falling back to 12 from the breaths a patient triggers above
// it (12, 12, 15 over and over), then holds at 12 for 30 messages (about
// 10⁻¹⁴ for its change share, past the ordinary bar), is at its set rate
// and stays quiet, as on main.
func TestBreathingRateOffSetRate27(t *testing.T) {
	breathing := func(o, n int, f func(i int) string) []tick {
		return every(n, 60*sec, func(i int) msg {
			m := vitalsAt(i+o, 80, 80, 96)
			m.rows[3].value = f(i + o)
			return m
		})
	}
	at := func(v string) func(int) string { return func(int) string { return v } }
	lively := func(i int) string { return wobble(16, i) } // 13–19, changing in six messages of seven
	// a set rate of 12 with triggered breaths above it
	triggered := func(i int) string {
		if i%3 == 2 {
			return "15"
		}
		return "12"
	}
	tests := []struct {
		name        string
		learn, more []tick
		want        []string
	}{
		{"settled at a value it never fell back to",
			breathing(0, 150, lively), breathing(1000, 25, at("11")), []string{"frozen"}},
		{"held at the set rate it kept falling back to",
			breathing(0, 150, triggered), breathing(1000, 30, at("12")), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), then(tc.learn, time.Minute, tc.more)), tc.want...)
		})
	}
}
