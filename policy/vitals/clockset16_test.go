package vitals_test

import (
	"testing"
	"time"
)

// TestClockSetRight: a device clock set right (an NTP step, an operator
// setting the time) moves MSH-7 and OBX-14 together, once, to the gateway's
// time, and is no finding (session 16, found by the second blind generator:
// its clean beds' clock steps were time_backwards, time_skew and time_future,
// the largest group of its false flags). A cuff reading stamped by the old
// clock, held after the step or taken just before it, is no time_future
// either. A clock that steps away from the gateway's time, a new reading
// stamped ahead after the step, and a step back when the arrival is MSH-7
// itself (hl7gate check without arrival times) are still reported.
func TestClockSetRight(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	// device returns 40 messages 10 s apart, each arriving late(i) after it
	// was sent, from a device whose clock is clock(i) ahead of the
	// gateway's; the continuous rows are stamped 2 s before their message,
	// and a cuff reading is taken every 12 messages (5 s before the message)
	// and held with its time until the next; cuff(i, at) may restamp it.
	device := func(clock, late func(i int) time.Duration, cuff func(i int, at time.Duration) time.Duration) []tick {
		return every(40, 10*sec, func(i int) msg {
			m := normal(i)
			sent := time.Duration(i)*10*sec - late(i)
			m.ts = stamp(sent + clock(i))
			for j := range m.rows {
				m.rows[j].at = stamp(sent + clock(i) - 2*sec)
			}
			r := i / 12 * 12
			taken := time.Duration(r)*10*sec + clock(r) - 5*sec
			if cuff != nil {
				taken = cuff(i, taken)
			}
			v := num(float64(110 + i/12*3))
			m.rows = append(m.rows, nibpS(v, stamp(taken)), nibpD("70", stamp(taken)), nibpM("85", stamp(taken)))
			return m
		})
	}
	steps := func(before, after time.Duration) func(int) time.Duration {
		return func(i int) time.Duration {
			if i < 20 {
				return before
			}
			return after
		}
	}
	onTime := func(int) time.Duration { return 0 }
	tests := []ruleCase{
		{"clock 6 min ahead set right, the cuff reading taken before held", device(steps(6*time.Minute, 0), onTime, nil), nil},
		{"clock 150 s behind set right", device(steps(-150*sec, 0), onTime, nil), nil},
		{"clock 10 min ahead set right, a reading taken just before it", device(steps(10*time.Minute, 0), onTime, func(i int, at time.Duration) time.Duration {
			if i >= 20 && i < 24 {
				return 195*sec + 10*time.Minute // after message 19, by the old clock
			}
			return at
		}), nil},
		{"clock 6 min ahead set right in a message 20 s late", device(steps(6*time.Minute, 0), func(i int) time.Duration {
			if i == 20 {
				return 20 * sec
			}
			return 0
		}, nil), nil},
		{"clock right, then 6 min back and stays", device(steps(0, -6*time.Minute), onTime, nil), []string{"time_backwards", "time_skew"}},
		// A small step back that comes back is a forged time (session 20: one
		// that holds is the clock's own step, TestClockStepHeld).
		{"clock 10 s behind put 18 s further back on 3 messages", device(func(i int) time.Duration {
			if i >= 20 && i < 23 {
				return -28 * sec
			}
			return -10 * sec
		}, onTime, nil), []string{"time_backwards"}},
		{"clock 6 min ahead stepped to 6 min behind", device(steps(6*time.Minute, -6*time.Minute), onTime, nil), []string{"time_backwards", "time_skew"}},
		{"clock set right, then a new reading stamped 10 min ahead", device(steps(6*time.Minute, 0), onTime, func(i int, at time.Duration) time.Duration {
			if i >= 30 {
				return 300*sec + 10*time.Minute
			}
			return at
		}), []string{"time_future"}},
	}
	// Offline without arrival times the arrival is MSH-7: no independent
	// clock, so a step back is reported, whatever it lands on.
	msh7 := every(40, 10*sec, normal)
	for i := 20; i < 40; i++ {
		msh7[i].at -= 6 * time.Minute
	}
	tests = append(tests, ruleCase{"arrival is MSH-7, which steps 6 min back", msh7, []string{"time_backwards"}})
	checkCases(t, tests)
}
