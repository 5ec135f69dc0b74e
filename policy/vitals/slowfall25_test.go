package vitals_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestSlowSaturationFall25: an adult's saturation at a 60 s cadence, read
// 96 % with the oximeter's one-point scatter, the heart, pulse and breathing
// rates at their levels. A fall of 13 points between two messages a minute
// apart is slower than spo2_per_minute over the interval, so it was never
// judged as a step. Held with its scatter for 20 min while nothing else in
// the patient answers (a saturation written 13 points lower to the end of the
// stay, no return for a box) it is reported, after slowFall (fails without
// it: quiet). Quiet: the same fall for 3 messages and back (motion, a
// patient's brief desaturation); a fall held 20 min while the heart rate
// rises by 12 (a desaturation the patient answers); a rise of 12 held to the
// end (oxygen given, a probe put back: a recovery is not judged this way);
// the forged fall at a 15 s cadence held only 4 min and taken back.
func TestSlowSaturationFall25(t *testing.T) {
	beat := func(i int, s, h float64) msg {
		return msg{rows: []row{hr(wobble(h, i)), pr(wobble(h, i+5)), spo2(satScatter(i, s)), rr(wobble(16, i+3)), temp("37.0")}}
	}
	level := func(s, h float64) func(i int) msg { return func(i int) msg { return beat(i, s, h) } }
	for _, tc := range []struct {
		name         string
		step         time.Duration
		before, held float64 // saturation before and during
		heart        float64 // heart rate during (80 before)
		n, back      int     // messages held; messages back at 96 after them
		want         bool
	}{
		{"a fall of 13 held to the end", 60 * sec, 96, 83, 80, 20, 0, true},
		{"the fall for 3 messages and back", 60 * sec, 96, 83, 80, 3, 20, false},
		{"a fall the heart rate answers", 60 * sec, 96, 83, 92, 20, 0, false},
		{"a rise of 12 held to the end", 60 * sec, 84, 96, 80, 20, 0, false},
		{"the fall for 4 min at 15 s and back", 15 * sec, 96, 83, 80, 16, 20, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := then(every(60, tc.step, level(tc.before, 80)), tc.step, every(tc.n, tc.step, level(tc.held, tc.heart)))
			if tc.back > 0 {
				ts = then(ts, tc.step, every(tc.back, tc.step, level(96, 80)))
			}
			n := 0
			for _, f := range run(t, vitals.DefaultConfig(), ts) {
				if f.Rule == "rate_of_change" && f.Parameter == "MDC_PULS_OXIM_SAT_O2" {
					n++
				}
			}
			if (n > 0) != tc.want {
				t.Errorf("%d saturation steps, want any: %v", n, tc.want)
			}
		})
	}
}

// satScatter is a saturation of v read with an oximeter's one-point
// scatter, the same for message i in every run.
func satScatter(i int, v float64) string {
	return num(v + float64(rand.New(rand.NewPCG(uint64(i), 25)).IntN(3)-1))
}
