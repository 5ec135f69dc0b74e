package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestHeartAndPulseStopped24: an ECG heart rate held at its own floor, at a
// value off the steps of 5 a pacemaker is set in, while the oximeter's pulse
// rate stopped with it, is frozen once the heart rate's run is improbable by
// itself (session 24: two sensors stopped at once, the saturation and the
// breathing rate moving on). Held at a pacing rate (a multiple of 5) with the
// pulse rate held too, held at the floor with the pulse rate keeping its
// scatter around it, and a pacemaker taking over at 73 with the oximeter's count flickering a
// beat now and then stay quiet. At one message every 20 s and every 10 s (at
// 25 s and slower too_regular (i) reports the two held together as well).
func TestHeartAndPulseStopped24(t *testing.T) {
	// heart is n messages, the o-th onwards of a patient, with the heart
	// rate h(i), the pulse rate p(i), SpO2 96 and the breathing rate around 16.
	heart := func(o, n int, h, p func(i int) string) func(time.Duration) []tick {
		return func(d time.Duration) []tick {
			return every(n, d, func(i int) msg {
				m := vitalsAt(i+o, 120, 120, 96)
				m.rows[0].value = h(i + o)
				m.rows[1].value = p(i + o)
				return m
			})
		}
	}
	at := func(v string) func(int) string { return func(int) string { return v } }
	lively := func(h float64) func(int) string { return func(i int) string { return wobble(h, i) } }
	flicker := func(i int) string { // an oximeter counting a paced 73: 74 in one message of six
		if i%6 == 0 {
			return "74"
		}
		return "73"
	}
	pulse := func(p float64) func(int) string { return func(i int) string { return wobble(p, i+5) } }
	learn := heart(0, 150, lively(120), pulse(120))
	tests := []struct {
		name  string
		learn func(time.Duration) []tick
		more  func(time.Duration) []tick
		want  []string
	}{
		{"held at its floor, 117, the pulse rate stopped with it at 118",
			learn, heart(1000, 40, at("117"), at("118")), []string{"frozen"}},
		{"held at 115, a pacing rate, the pulse rate at 115 too",
			learn, heart(1000, 40, at("115"), at("115")), nil},
		{"held at its floor, 117, the pulse rate around it",
			learn, heart(1000, 40, at("117"), pulse(117)), nil},
		{"paced at 73 after a faster own rhythm, the oximeter flickering to 74",
			heart(0, 150, lively(90), pulse(90)), heart(1000, 40, at("73"), flicker), nil},
	}
	for _, d := range []time.Duration{20 * sec, 10 * sec} {
		for _, tc := range tests {
			t.Run(d.String()+" "+tc.name, func(t *testing.T) {
				checkRules(t, run(t, vitals.DefaultConfig(), then(tc.learn(d), d, tc.more(d))), tc.want...)
			})
		}
	}
}
