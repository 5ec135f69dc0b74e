package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestSlowSaturationSilence24 (session 24, review24): too_regular (g) judges
// a saturation's last 48 messages only when they are slow readings (25 s or
// more apart, see TestSlowSaturation24), not when a silence of the link
// earlier in the run (14 min, short of the 15 min after which the monitor
// starts afresh) lifts the run's mean interval. An adult at 15 s whose
// saturation read 95.5 ± 1 for 150 messages, a probe off for one message,
// three readings, the link silent for 14 min, then the slow rounded curve of
// TestSlowSaturation24 for 80 messages: not judged by the 48-message window
// at 15 s (main before review24 reported it, its run's mean interval over
// 25 s until 84 messages after the probe off), while the same at 30 s is.
func TestSlowSaturationSilence24(t *testing.T) {
	noise := func(i int) float64 { return rand.New(rand.NewPCG(uint64(i), 24)).NormFloat64() }
	beat := func(i int, sat float64) msg {
		return msg{rows: []row{hr(wobble(80, i)), pr(wobble(80, i+5)), spo2(num(sat)), rr(wobble(16, i+3))}}
	}
	measured := func(i int) msg { return beat(i, math.Round(95.5+noise(i))) }
	curve := func(i int) msg { return beat(i+1000, math.Round(95+1.3*math.Sin(2*math.Pi*float64(i)/24))) }
	probeOff := func(int) msg { return msg{rows: []row{hr(wobble(80, 1)), rr(wobble(16, 2))}} }
	for _, tc := range []struct {
		name string
		step time.Duration
		want bool
	}{
		{"at 15 s", 15 * sec, false},
		{"at 30 s", 30 * sec, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := then(every(150, tc.step, measured), tc.step, every(1, tc.step, probeOff))
			ts = then(ts, tc.step, every(3, tc.step, curve))
			ts = then(ts, 14*time.Minute, every(80, tc.step, func(i int) msg { return curve(i + 3) }))
			n := 0
			for _, f := range run(t, vitals.DefaultConfig(), ts) {
				if f.Rule == "too_regular" && f.Parameter == "MDC_PULS_OXIM_SAT_O2" {
					n++
				}
			}
			if (n > 0) != tc.want {
				t.Errorf("%d too_regular findings on the saturation, want any: %v", n, tc.want)
			}
		})
	}
}
