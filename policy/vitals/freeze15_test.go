package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestBreathingRateHeldAtFloor: a breathing rate held at its own floor may
// be a ventilator's set rate, which no other channel witnesses, so such a
// run counts as frozen only when it is improbable beyond the ordinary bar
// squared (session 15). A spontaneous rate of 13–19 held at 13 for 60 messages
// is frozen (main: quiet, as a set rate); the same hold for 25 messages (a
// quiet spell at the floor, about 1e-21) and a rate ventilated at its set
// rate from the start stay quiet, and a hold inside the range for 35
// messages (past the ordinary bar and the rule's 5 min at 10 s) is frozen
// as before. At one message a minute and one every 10 s.
func TestBreathingRateHeldAtFloor(t *testing.T) {
	// breathing is n messages, the o-th onwards of an adult, with the
	// breathing rate from f(i) and the other channels around their levels.
	breathing := func(o, n int, f func(i int) string) func(time.Duration) []tick {
		return func(d time.Duration) []tick {
			return every(n, d, func(i int) msg {
				m := vitalsAt(i+o, 80, 80, 96)
				m.rows[3].value = f(i + o)
				return m
			})
		}
	}
	at := func(v string) func(int) string { return func(int) string { return v } }
	lively := func(i int) string { return wobble(16, i) } // 13–19, changing in six messages of seven
	tests := []struct {
		name        string
		learn, more func(time.Duration) []tick
		want        []string
	}{
		{"held at its floor for 60 messages",
			breathing(0, 150, lively), breathing(1000, 60, at("13")), []string{"frozen"}},
		{"held at its floor for 25 messages",
			breathing(0, 150, lively), breathing(1000, 25, at("13")), nil},
		{"held inside its range for 35 messages",
			breathing(0, 150, lively), breathing(1000, 35, at("16")), []string{"frozen"}},
		{"ventilated at its set rate from the start",
			breathing(0, 150, at("12")), breathing(1000, 60, at("12")), nil},
	}
	for _, d := range []time.Duration{60 * sec, 10 * sec} {
		for _, tc := range tests {
			t.Run(d.String()+" "+tc.name, func(t *testing.T) {
				checkRules(t, run(t, vitals.DefaultConfig(), then(tc.learn(d), d, tc.more(d))), tc.want...)
			})
		}
	}
}
