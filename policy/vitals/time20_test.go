package vitals_test

import (
	"testing"
	"time"
)

// TestClockStepHeld: a device clock stepped back by its time source (NTP,
// the central station's clock) or an operator, by seconds to a minute or
// two, keeps its new time for hours; a forged MSH-7 put back on a few
// messages comes back to the device's clock when the forgery ends (session
// 20, found by the third blind generator: 16 time_backwards findings on its
// clean beds, each at a clock step of 5-90 s that held). A small step back
// is judged when MSH-7 comes back (time_backwards, in the message that
// returns) or when it held clockHold (no finding); a step back of more than
// clockStepMax (2 min, 5 min since session 30) is reported at once.
func TestClockStepHeld(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	// device returns 120 messages 10 s apart (20 min) from a device whose
	// clock is clock(i) ahead of the gateway's, its continuous rows stamped
	// by that clock 2 s before the message.
	device := func(clock func(i int) time.Duration) []tick {
		return every(120, 10*sec, func(i int) msg {
			m := normal(i)
			at := time.Duration(i)*10*sec + clock(i)
			m.ts = stamp(at)
			for j := range m.rows {
				m.rows[j].at = stamp(at - 2*sec)
			}
			return m
		})
	}
	// off is a clock skew before message first and after message last,
	// skew+by between them.
	off := func(skew, by time.Duration, first, last int) func(int) time.Duration {
		return func(i int) time.Duration {
			if i >= first && i <= last {
				return skew + by
			}
			return skew
		}
	}
	checkCases(t, []ruleCase{
		{"clock right, stepped 40 s back, holds", device(off(0, -40*sec, 30, 119)), nil},
		{"clock 70 s ahead, stepped 60 s back, holds", device(off(70*sec, -60*sec, 30, 119)), nil},
		{"clock 3 min behind, stepped 90 s back, holds 12 min, stepped forward again", device(off(-3*time.Minute, -90*sec, 30, 102)), nil},
		{"MSH-7 40 s back on 3 messages of a right clock", device(off(0, -40*sec, 30, 32)), []string{"time_backwards"}},
		// review20: coming back short of the device's clock by more than the
		// tolerance is still coming back (most of the step).
		{"MSH-7 40 s back on 3 messages, then back to 6 s short", device(func(i int) time.Duration {
			if i > 32 {
				return -6 * sec
			}
			return off(0, -40*sec, 30, 32)(i)
		}), []string{"time_backwards"}},
		{"MSH-7 25 s back on 2 messages of a clock 80 s ahead", device(off(80*sec, -25*sec, 30, 31)), []string{"time_backwards"}},
		{"MSH-7 100 s back for 8 min", device(off(0, -100*sec, 30, 77)), []string{"time_backwards"}},
		// Session 30 (c5clean30): corpus5's time sources step clocks by up to
		// 3 min, and ntpd steps any offset up to 1000 s; steps back up to
		// time_skew's max_behind (5 min) are judged by what follows.
		{"clock right, stepped 3 min back by its time source, holds", device(off(0, -3*time.Minute, 30, 119)), nil},
		{"MSH-7 4 min back for 3 min", device(off(0, -4*time.Minute, 30, 47)), []string{"time_backwards"}},
		// A time put 100 s ahead for 5 min (below time_future's max_ahead)
		// is relearned as the device's offset after time_skew.relearn
		// messages; its end, a step back onto the offset the clock kept
		// before, is the jump undone, reported at once (corpus3 seed 7
		// m0077: 161 s).
		{"MSH-7 100 s ahead for 5 min, then back to the device's clock", device(off(-3*time.Minute, 100*sec, 30, 59)), []string{"time_backwards"}},
		{"a clock 190 s behind put on the arrival's time for 15 min, then back", device(off(-190*sec, 190*sec, 20, 110)), []string{"time_backwards"}},
		{"clock stepped 8 min back, holds", device(off(0, -8*time.Minute, 30, 119)), []string{"time_backwards", "time_skew"}},
	})
}

// TestStoreAndForward: a monitor that lost its link keeps its messages and
// sends them in a burst when the link comes back, each with its own time
// (corpus3's clean beds after an outage: time_skew 5 findings, session 20).
// The first lies inside the silence, the rest catch up with the arrival
// clock; neither is a clock far behind. A device that resumes after the
// silence with the time it stopped at and stays behind is still time_skew.
func TestStoreAndForward(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	// feed: 120 messages stamped 10 s apart by a clock skew ahead; those
	// stamped in the silence [30, 78) arrive at arrive(i).
	feed := func(skew time.Duration, arrive func(i int) time.Duration) []tick {
		ts := every(120, 10*sec, func(i int) msg {
			m := normal(i)
			m.ts = stamp(time.Duration(i)*10*sec + skew)
			return m
		})
		for i := 30; i < 78; i++ {
			ts[i].at = arrive(i)
		}
		return ts
	}
	burst := func(i int) time.Duration { return 78*10*sec - time.Duration(78-i)*50*time.Millisecond }
	late := func(i int) time.Duration { return 78*10*sec + time.Duration(i-30)*100*time.Millisecond }
	checkCases(t, []ruleCase{
		{"8 min stored, sent in a burst", feed(0, burst), nil},
		{"8 min stored on a clock 80 s behind, sent in a burst", feed(-80*sec, burst), nil},
		{"8 min stored, sent in a slow burst", feed(0, late), nil},
	})
	// The clock stopped in the silence and resumes where it stood, 8 min
	// behind, at its cadence: no store emptied.
	stopped := feed(0, func(i int) time.Duration { return 0 })
	for i := 30; i < len(stopped); i++ {
		stopped[i].at = time.Duration(i)*10*sec + 8*time.Minute
	}
	// review20: the same, sending each message 0.1 s sooner than its stamps'
	// spacing, so that its lag shrinks a little per message: no burst.
	creeping := feed(0, func(i int) time.Duration { return 0 })
	for i := 30; i < len(creeping); i++ {
		creeping[i].at = time.Duration(i)*10*sec + 8*time.Minute - time.Duration(i-30)*100*time.Millisecond
	}
	checkCases(t, []ruleCase{
		{"clock resumes 8 min behind after a silence", stopped, []string{"time_skew"}},
		{"clock resumes 8 min behind, its lag shrinking 0.1 s a message", creeping, []string{"time_skew"}},
	})
}
