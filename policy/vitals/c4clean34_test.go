package vitals_test

import (
	"testing"
	"time"
)

// TestCuffBurstWithinAMinute34: a cuff on a 5-min schedule whose readings
// come off it in a run of early readings (each 10-20 s after the one
// before, stamped later) that ends within soonBurst (one minute) of the
// reading before it: a hand-started or STAT determination on top of the
// schedule, as corpus4's clean beds show (session 34, c4clean34): quiet. The
// same early readings going on for two minutes are reported, and so is an
// early reading after one on time when another came early within three
// readings (TestCuffEarlyReading keeps the other cases).
func TestCuffBurstWithinAMinute34(t *testing.T) {
	// cuff returns 90 messages 5 s apart whose cuff reading is stamped
	// at(i) (seconds after t0), its systolic changing with each new stamp.
	cuff := func(at func(i int) time.Duration) []tick {
		return every(90, 5*sec, func(i int) msg {
			m := normal(i)
			a := at(i)
			ts := t0.Add(a).Format("20060102150405.000")
			m.rows = append(m.rows, nibpS(num(float64(110+int(a/sec)%17)), ts), nibpD("72", ts), nibpM("88", ts))
			return m
		})
	}
	// sched: a reading every 5 min (at 0 s and 300 s), then the run from
	// message 62 on: readings at 310, 325, 340, 352 s (52 s after 300 s).
	run := []time.Duration{310 * sec, 325 * sec, 340 * sec, 352 * sec}
	burst := func(i int) time.Duration {
		switch {
		case i < 60:
			return 0
		case i < 62:
			return 300 * sec
		case i < 62+2*len(run):
			return run[(i-62)/2]
		}
		return run[len(run)-1]
	}
	// long: early readings every 15 s from 300 s for two minutes.
	long := func(i int) time.Duration {
		switch {
		case i < 60:
			return 0
		case i < 84:
			return 300*sec + time.Duration((i-60)/3)*15*sec
		}
		return 300*sec + 7*15*sec
	}
	checkCases(t, []ruleCase{
		{"early readings for 52 s after a scheduled one", cuff(burst), nil},
		{"early readings every 15 s for 105 s", cuff(long), []string{"nibp_cadence"}},
	})
}
