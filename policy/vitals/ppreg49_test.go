package vitals_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// restMotionRest is an adult arterial line at 2 s (settleBed) at rest (the
// breath's shared swing ±3, the pulse pressure's beat alternation ±1), then
// thirty-three minutes of motion or shivering that ring the line (shared
// swing and ringing ±12), then at rest again as before. The motion teaches
// the pulse pressure, the systolic and the diastolic five to six times their
// resting roughness, and at rest again none of the three relearns it away
// (each under half of its level), so artreg48's cap, the pressures' levels
// together, bounds nothing; the heart rate keeps its noise throughout, so
// heartCalmer excuses nothing either (corpus8 training s4 m0072 and m0021,
// adults whose bed bath, shivering or motion rang the line, s3 m0012 and s4
// m0077, neonates' cares).
func restMotionRest(seed uint64) []tick {
	ts := settleBed(seed*10+1, 1500, flat(3), 0, 1)
	return then(ts, 2*sec, settleBed(seed*10+2, 1000, flat(12), 12, 1))
}

// TestPulsePressureRestAfterMotion49: at rest again after the motion, the
// pulse pressure keeps the roughness it had at rest before it, four to five
// times a quarter of its calmest learned level; main judges it against the
// level the motion taught and reports it within minutes. Since ppreg49 it
// is judged against the least level it learned (pulseLevel): quiet.
func TestPulsePressureRestAfterMotion49(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		ts := restMotionRest(seed)
		from := len(ts)
		ts = then(ts, 2*sec, settleBed(seed*10+3, 1200, flat(3), 0, 1))
		quietFrom(t, fmt.Sprintf("seed %d", seed), ts, from)
	}
}

// TestPulsePressureSmoothedAfterMotion49: the same stay, and after the
// motion the pressures written as an 8-message moving average (the patient
// awake, shared swing ±8, the heart rate kept). The average takes the beat
// alternation out of the pulse pressure, far below a quarter of the level
// it had at rest: reported, as before ppreg49.
func TestPulsePressureSmoothedAfterMotion49(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		ts := restMotionRest(seed)
		from := len(ts)
		n := 0
		for _, f := range only(run(t, vitals.DefaultConfig(), then(ts, 2*sec, averagedLine(seed*10+3))), "too_regular") {
			if f.Parameter == "MDC_PRESS_BLD_ART_SYS" && !f.ObservedAt.Before(t0.Add(time.Duration(from)*2*sec)) {
				n++
				t.Logf("seed %d: value=%.2f other=%.2f threshold=%.2f", seed, f.Value, f.Other, f.Threshold)
			}
		}
		if n == 0 {
			t.Errorf("seed %d: no pulse-pressure too_regular on the smoothed line", seed)
		}
	}
}
