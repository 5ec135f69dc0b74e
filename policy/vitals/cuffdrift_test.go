package vitals_test

import (
	"testing"
	"time"
)

// TestCuffStampDrift (session 41, c7clean41): a device-integration gateway
// repeats a monitor's cuff reading in every message under an OBX-14 it
// derives anew each time from the monitor's relative clock, so the stamp
// walks away from the reading's first by the drift between the two clocks,
// one way at one rate (corpus7's gateway beds, 15-30 ms a minute, s1 m0059,
// m0107). Followed message by message, that is one reading; on main, once
// the walk passed fineJitter (250 ms) the same values were a new reading
// 0.25 s after the last, and the second such within three readings was
// nibp_cadence. A stamp that walks faster than any clock (20 ms in a 10 s
// message, 0.2 %), or jumps 0.3 s, is still a new reading each time it has
// walked that far: the times of a replay rewritten.
func TestCuffStampDrift(t *testing.T) {
	clock := func(perMsg time.Duration) func(i int) time.Duration {
		return func(i int) time.Duration { return time.Duration(i) * perMsg }
	}
	// corpus2's replays: a stamp jittered by 15-40 ms each message, mostly
	// one way (s4 m0039).
	jumps := func(i int) time.Duration {
		return -time.Duration(i)*20*time.Millisecond + time.Duration((i*37)%11-5)*time.Millisecond
	}
	checkCases(t, []ruleCase{
		{"one reading whose stamp a clock walks 30 ms a minute ahead", cuffJittered(2*time.Hour, clock(5*time.Millisecond)), nil},
		{"one reading whose stamp a clock walks 30 ms a minute behind", cuffJittered(2*time.Hour, clock(-5*time.Millisecond)), nil},
		{"a stamp walking 20 ms in a 10 s message, no clock", cuffJittered(2*time.Hour, clock(-20*time.Millisecond)), []string{"nibp_cadence"}},
		{"a stamp jittered 15-25 ms a message, mostly one way", cuffJittered(2*time.Hour, jumps), []string{"nibp_cadence"}},
	})
}
