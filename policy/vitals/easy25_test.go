package vitals_test

import (
	"testing"
	"time"
)

// TestClockSetUndone: a device clock set right (its MSH-7 stepped back onto
// the arrival's time, clockSet) keeps the time it was given; a forged MSH-7
// put back by about the clock's lead lands on the arrival's time too, but
// returns to the device's clock when the forgery ends (session 25, easy25:
// corpus3 seed 4 m0040, a clock 41 s ahead put 64 s back on one message, and
// m0120, 45 s ahead put 42 s back on three, were taken for clocks set
// right). A setting that returns within clockHold is time_backwards, in the
// message that returns; one that holds is quiet, as before.
func TestClockSetUndone(t *testing.T) {
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
		{"clock 45 s ahead set right, holds", device(off(45*sec, -45*sec, 30, 119)), nil},
		{"clock 40 s ahead set 20 s behind-right, holds", device(off(40*sec, -60*sec, 30, 119)), nil},
		{"clock 45 s ahead set right, holds 12 min, stepped ahead again", device(off(45*sec, -45*sec, 30, 102)), nil},
		{"MSH-7 42 s back on 3 messages of a clock 45 s ahead", device(off(45*sec, -42*sec, 30, 32)), []string{"time_backwards"}},
		{"MSH-7 64 s back on 1 message of a clock 41 s ahead", device(off(41*sec, -64*sec, 30, 30)), []string{"time_backwards"}},
		{"MSH-7 50 s back for 5 min of a clock 50 s ahead", device(off(50*sec, -50*sec, 30, 59)), []string{"time_backwards"}},
	})
}
