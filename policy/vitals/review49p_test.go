package vitals_test

import (
	"fmt"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestPulsePressureCalmAcrossTurnover49p (review49p): ppreg49's calmest
// level (pulseTrack.calm) is a least value, so a bed turnover in a regular
// rhythm, which keeps the learned level as a prior of the next patient's,
// must not keep it: the last patient's calmest level would then judge the
// next patient's line for the whole of the next stay (and of every later
// one). The last patient an adult at rest (settleBed: the pulse pressure's
// beat alternation ±1, a level of 4), then a turnover and the next adult
// whose pulse pressure alternates ±6 from beat to beat (a level of 24,
// relearned from the kept 4 over 1500 messages to about 22), then the next
// patient's line forged to the last one's alternation, ±1: a sixth of the
// next patient's level, which main reports (at 5.49 against 22.15). Against
// the last patient's calmest level, 4, ppreg49's head never reported it.
func TestPulsePressureCalmAcrossTurnover49p(t *testing.T) {
	// Among the package's slowest: the slow ones share the second core (-race on 2 cores).
	t.Parallel()
	for seed := uint64(1); seed <= 4; seed++ {
		for _, kind := range []turnoverKind{byGap, byAdmit} {
			first := settleBed(seed*10+1, 1500, flat(3), 0, 1)
			next := settleBed(seed*10+2, 1500, flat(3), 0, 6)
			ts := turnover(first, next, kind)
			from := len(ts)
			forged := settleBed(seed*10+3, 900, flat(3), 0, 1)
			for i := range forged {
				forged[i].m.pid, forged[i].m.pidName, forged[i].m.pv1 = next[0].m.pid, next[0].m.pidName, next[0].m.pv1
			}
			ts = then(ts, 2*sec, forged)
			n := 0
			for _, f := range only(run(t, vitals.DefaultConfig(), ts), "too_regular") {
				if f.Parameter == "MDC_PRESS_BLD_ART_SYS" {
					if !f.ObservedAt.Before(t0.Add(ts[from].at)) {
						n++
						t.Logf("seed %d %v: value=%.2f other=%.2f threshold=%.2f", seed, kind, f.Value, f.Other, f.Threshold)
					} else {
						t.Logf("seed %d %v: before the forgery at %v: value=%.2f other=%.2f", seed, kind, f.ObservedAt.Sub(t0), f.Value, f.Other)
					}
				}
			}
			if n == 0 {
				t.Errorf("seed %d %v: the next patient's smoothed pulse pressure not reported", seed, kind)
			}
		}
	}
}

// TestPulsePressureRestAfterMotionTurnover49p (review49p): forgetCalm keeps
// ppreg49's gain for the next patient. A calm patient, a turnover, then
// TestPulsePressureRestAfterMotion49's stay (at rest for 1500 messages, the
// calm level taken again after pulseCapAfter's wait, then the motion and
// rest again): the next patient at rest after the motion stays quiet, as on
// a fresh stream; main reports it.
func TestPulsePressureRestAfterMotionTurnover49p(t *testing.T) {
	// Among the package's slowest: the slow ones share the second core (-race on 2 cores).
	t.Parallel()
	for seed := uint64(1); seed <= 4; seed++ {
		for _, kind := range []turnoverKind{byGap, byAdmit} {
			next := then(restMotionRest(seed), 2*sec, settleBed(seed*10+3, 1200, flat(3), 0, 1))
			ts := turnover(settleBed(seed*10+5, 1500, flat(3), 0, 1), next, kind)
			quietFrom(t, fmt.Sprintf("seed %d %v", seed, kind), ts, len(ts)-1200)
		}
	}
}
