package vitals_test

import (
	"testing"
	"time"
)

// TestCuffBurst28: a STAT or hand-started determination brings a short run
// of early readings in a row (corpus4's clean beds: 3-5 readings 5-20 s
// apart), quiet until nibpBurst early readings in a row (session 28,
// cadence28; main flagged from the second). Four early readings in a row,
// a reading every 10 s, an early reading after every other scheduled one and
// a reading stamped a second before the one before it stay nibp_cadence.
func TestCuffBurst28(t *testing.T) {
	// cuff returns 60 messages 10 s apart whose cuff reading, systolic
	// 100 + its stamp's tens of seconds, is stamped at(i) (after t0).
	cuff := func(at func(i int) time.Duration) []tick {
		return every(60, 10*sec, func(i int) msg {
			m := normal(i)
			a := at(i)
			ts := t0.Add(a).Format("20060102150405.000")
			m.rows = append(m.rows, nibpS(num(float64(100+(a/(10*sec))%40)), ts), nibpD("72", ts), nibpM("88", ts))
			return m
		})
	}
	cycle := func(i int) time.Duration { return time.Duration(i/30) * 5 * time.Minute } // a reading every 5 min
	// burst: from message 20 on, n readings one message (10 s) apart, then
	// the schedule's reading held.
	burst := func(n int) func(i int) time.Duration {
		return func(i int) time.Duration {
			if i >= 20 && i < 20+n {
				return time.Duration(i) * 10 * sec
			}
			if i >= 20+n && i < 30 {
				return time.Duration(20+n-1) * 10 * sec
			}
			return cycle(i)
		}
	}
	backwards := func(i int) time.Duration { // readings 10 s apart, the third stamped a second before the second
		switch {
		case i == 21:
			return 210 * sec
		case i == 22:
			return 209 * sec
		case i >= 23 && i < 30:
			return 209 * sec
		}
		return burst(2)(i)
	}
	tests := []ruleCase{
		{"three readings 10 s apart (two early in a row)", cuff(burst(3)), nil},
		{"four readings 10 s apart (three early in a row)", cuff(burst(4)), nil},
		{"five readings 10 s apart (four early in a row)", cuff(burst(5)), []string{"nibp_cadence"}},
		{"a new reading every 10 s", cuff(burst(10)), []string{"nibp_cadence"}},
		{"a reading stamped before the one before it", cuff(backwards), []string{"nibp_cadence"}},
	}
	checkCases(t, tests)
}
