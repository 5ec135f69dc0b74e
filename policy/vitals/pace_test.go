package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestPacingFloor: an ECG heart rate held at a multiple of 5 or at its own
// floor passes as a pacing rate only if it is a floor the heart did not read
// below before the run: a demand pacemaker's rate is a lower bound of the
// rate the ECG counts. A rate frozen at a multiple of 5 inside its range,
// which read below the held value in one message of seven before, is frozen
// once the run is improbable by itself, although the pulse rate stays
// around it (session 13); so is one held at a floor after the rate fell to
// it. A pacemaker taking over from a faster rhythm, demand pacing with
// intrinsic beats above the rate, a sleeping heart slowing to a new floor
// and resting there, a ventilated breathing rate at its set rate and a
// steady neonate stay quiet. At one message a minute and one every 10 s.
func TestPacingFloor(t *testing.T) {
	// heart is n messages, the o-th onwards of a patient, with the heart
	// rate from h(i), the pulse rate around p, SpO2 96 and the breathing
	// rate around 16 (or at rr).
	heart := func(o, n int, h func(i int) string, p float64, rr string) func(time.Duration) []tick {
		return func(d time.Duration) []tick {
			return every(n, d, func(i int) msg {
				m := vitalsAt(i+o, 120, p, 96)
				m.rows[0].value = h(i + o)
				if rr != "" {
					m.rows[3].value = rr
				}
				return m
			})
		}
	}
	at := func(v string) func(int) string { return func(int) string { return v } }
	lively := func(h float64) func(int) string { return func(i int) string { return wobble(h, i) } }
	demand := func(i int) string { // paced at 70, intrinsic beats at 72-78 in two messages of three
		if i%3 == 0 {
			return "70"
		}
		return wobble(75, 3*i+1)
	}
	neonate := func(i int) string { // a steady neonate: 140, changing in one message of five
		if i%5 == 0 {
			return "141"
		}
		return "140"
	}
	tests := []struct {
		name        string
		learn, more func(time.Duration) []tick
		want        []string
	}{
		{"frozen at a multiple of 5 inside its range, the pulse rate around it",
			heart(0, 150, lively(123), 123, ""), heart(1000, 40, at("125"), 125, ""), []string{"frozen"}},
		{"frozen at its floor after the rate fell, the pulse rate around it",
			func(d time.Duration) []tick {
				return then(heart(0, 120, lively(130), 130, "")(d), d, heart(500, 40, lively(118), 118, "")(d))
			},
			heart(1000, 40, at("118"), 118, ""), []string{"frozen"}},
		{"paced at 115 after a faster own rhythm",
			heart(0, 150, lively(120), 120, ""), heart(1000, 40, at("115"), 115, ""), nil},
		{"demand pacing at 70 with intrinsic beats above it",
			heart(0, 150, demand, 75, ""), heart(1000, 40, at("70"), 70, ""), nil},
		{"a sleeping heart slowing to a new floor and resting there",
			heart(0, 150, func(i int) string { return wobble(130-float64(i)/10, i) }, 120, ""), heart(1000, 40, at("113"), 113, ""), nil},
		{"ventilated: the breathing rate at its set rate",
			heart(0, 150, lively(120), 120, "12"), heart(1000, 40, lively(120), 120, "12"), nil},
		{"a steady neonate",
			heart(0, 150, neonate, 140, ""), heart(1000, 40, neonate, 140, ""), nil},
	}
	for _, d := range []time.Duration{60 * sec, 10 * sec} {
		for _, tc := range tests {
			t.Run(d.String()+" "+tc.name, func(t *testing.T) {
				checkRules(t, run(t, vitals.DefaultConfig(), then(tc.learn(d), d, tc.more(d))), tc.want...)
			})
		}
	}
}
