package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestNoStepAcrossSilence: an arterial line at 120/70/87 disconnected for
// 20 minutes (its rows absent while the other channels go on), or the
// monitor silent for 8 minutes (in standby), and back at 150/90/110 is a level
// measured anew, not a step no physiology explains (session 13: training
// seed 47 m0038, an arterial step judged across a 26-minute silence). The
// same level forged into the line with no silence, the heart rate where it
// was, is still a step; and so is one forged a minute after a silence
// shorter than rate_of_change's max_gap.
func TestNoStepAcrossSilence(t *testing.T) {
	at := func(i int, sys, dia, mean float64, line bool) msg {
		m := vitalsAt(i, 80, 80, 97)
		m.rows = append(m.rows, rr(num(16+float64(i%2))))
		if line {
			m.rows = append(m.rows, artS(wobble(sys, i)), artD(wobble(dia, i+1)), artM(wobble(mean, i+2)))
		}
		return m
	}
	seg := func(from, n int, sys, dia, mean float64, line bool) []tick {
		return every(n, 30*sec, func(i int) msg { return at(from+i, sys, dia, mean, line) })
	}
	before := seg(0, 60, 120, 70, 87, true)
	after := seg(100, 20, 150, 90, 110, true)
	probeOff := then(then(before, 30*sec, seg(60, 40, 0, 0, 0, false)), 30*sec, after)
	checkRules(t, run(t, vitals.DefaultConfig(), probeOff))
	standby := then(before, 8*time.Minute, after) // shorter than state.idle_evict, which forgets the monitor
	checkRules(t, run(t, vitals.DefaultConfig(), standby))
	forged := then(before, 30*sec, after)
	checkRules(t, run(t, vitals.DefaultConfig(), forged), "rate_of_change")
	short := then(then(before, 30*sec, seg(60, 3, 0, 0, 0, false)), 30*sec, after) // silent 2 min, under max_gap
	checkRules(t, run(t, vitals.DefaultConfig(), short), "rate_of_change")
}
