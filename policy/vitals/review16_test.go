package vitals_test

import (
	"testing"
	"time"
)

// TestClockSetNeedsOldClock: a clock set right (clockSet) is the device's
// own clock, held message after message, moved to the gateway's time. One
// message stamped ahead (by less than time_future's max_ahead, so itself no
// finding) and the next back on time is no such step: it must not open the
// exemption, whose OBX-14 restart would hide rows replayed from 10 minutes
// earlier under an honest MSH-7 (review16: on 28a8c89 the pair hid them,
// where c34e035 reported the return as time_backwards). The genuine step
// (a clock 6 min ahead set right, the message before it late) stays
// quiet.
func TestClockSetNeedsOldClock(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	// feed returns 40 messages sent 10 s apart, message i arriving late(i)
	// after it was sent, stamped by a clock clock(i) ahead, its continuous
	// rows stamped obs(i) (by that clock, 2 s before the message).
	feed := func(clock, late, obs func(i int) time.Duration) []tick {
		ts := every(40, 10*sec, func(i int) msg {
			m := normal(i)
			m.ts = stamp(time.Duration(i)*10*sec + clock(i))
			for j := range m.rows {
				m.rows[j].at = stamp(obs(i) + clock(i) - 2*sec)
			}
			return m
		})
		for i := range ts {
			ts[i].at += late(i)
		}
		return ts
	}
	none := func(int) time.Duration { return 0 }
	honest := func(i int) time.Duration { return time.Duration(i) * 10 * sec }
	replayed := func(i int) time.Duration { // from message 20 on, the rows of 10 min before
		if i >= 20 {
			return time.Duration(i)*10*sec - 10*time.Minute
		}
		return honest(i)
	}
	ahead := func(i int) time.Duration { // message 19 alone stamped 60 s ahead
		if i == 19 {
			return time.Minute
		}
		return 0
	}
	setRight := func(i int) time.Duration {
		if i < 20 {
			return 6 * time.Minute
		}
		return 0
	}
	lateBefore := func(i int) time.Duration {
		if i == 19 {
			return 9 * sec // still before message 20
		}
		return 0
	}
	checkCases(t, []ruleCase{
		{"rows replayed under an honest MSH-7", feed(none, none, replayed), []string{"time_backwards"}},
		{"rows replayed after one message stamped 60 s ahead", feed(ahead, none, replayed), []string{"time_backwards"}},
		{"clock 6 min ahead set right, the message before it 9 s late", feed(setRight, lateBefore, honest), nil},
	})
}
