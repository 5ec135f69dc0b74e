package vitals_test

import (
	"testing"
	"time"
)

// TestObservationTimeBackwards: a continuous channel's observation time
// (OBX-14) never goes backwards, whatever lag the device stamps it with, so
// rows re-stamped minutes into the past under an honest MSH-7 are
// time_backwards (session 15, found by the second blind generator: main
// judged MSH-7 alone and was quiet). A device that stamps its rows with a
// steady lag, a breathing rate stamped with its own slower computation time, a
// channel that returns after a gap, and cuff rows that keep an older
// reading's time after a device re-stamped them with each message's time
// stay quiet; a clock that moves MSH-7 and OBX-14 back together is one
// time_backwards, not two, and neither the return from a clock jump ahead
// (for a channel absent on the return too; since session 16 the return to
// the arrival's time is no finding at all, TestClockSetRight) nor from rows
// stamped after their message (time_future) is another.
func TestObservationTimeBackwards(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	// rows returns 30 messages 10 s apart (MSH-7 at the arrival plus msh(i))
	// whose rows are stamped by obs(i, row) (OBX-14 relative to t0; the row's
	// own time when obs returns it unchanged) and edited by f.
	rows := func(msh func(i int) time.Duration, obs func(i, j int, at time.Duration) time.Duration, f func(i int, m *msg)) []tick {
		return every(30, 10*sec, func(i int) msg {
			m := normal(i)
			at := time.Duration(i) * 10 * sec
			m.ts = stamp(at + msh(i))
			for j := range m.rows {
				m.rows[j].at = stamp(obs(i, j, at-3*sec))
			}
			if f != nil {
				f(i, &m)
			}
			return m
		})
	}
	none := func(int) time.Duration { return 0 }
	lagged := func(_, _ int, at time.Duration) time.Duration { return at }
	movedBack := func(i, _ int, at time.Duration) time.Duration {
		if i >= 12 && i <= 14 {
			return at - 300*sec
		}
		return at
	}
	tests := []ruleCase{
		{"rows stamped 3 s before the message", rows(none, lagged, nil), nil},
		{"rows re-stamped 5 min back for 3 messages", rows(none, movedBack, nil), []string{"time_backwards"}},
		{"rows re-stamped 5 min back, message time too", rows(func(i int) time.Duration {
			if i >= 12 && i <= 14 {
				return -300 * sec
			}
			return 0
		}, movedBack, nil), []string{"time_backwards"}},
		{"clock 10 min ahead for 3 messages, pulse rate lost on the return", rows(func(i int) time.Duration {
			if i >= 12 && i <= 14 {
				return 10 * time.Minute
			}
			return 0
		}, func(i, _ int, at time.Duration) time.Duration {
			if i >= 12 && i <= 14 {
				return at + 10*time.Minute
			}
			return at
		}, func(i int, m *msg) {
			if i >= 15 && i < 20 {
				m.rows = append(m.rows[:1], m.rows[2:]...)
			}
		}), []string{"time_future"}},
		{"rows stamped 10 min after the message for 3 messages", rows(none, func(i, _ int, at time.Duration) time.Duration {
			if i >= 12 && i <= 14 {
				return at + 10*time.Minute
			}
			return at
		}, nil), []string{"time_future"}},
		{"breathing rate stamped when last computed, once a minute", rows(none, func(_, j int, at time.Duration) time.Duration {
			if j == 3 { // breathing rate
				return at.Truncate(time.Minute)
			}
			return at
		}, nil), nil},
		{"heart rate lost for 10 messages, back with its new time", rows(none, lagged, func(i int, m *msg) {
			if i >= 10 && i < 20 {
				m.rows = m.rows[1:]
			}
		}), nil},
		{"cuff re-stamped with each message's time, then a new reading 40 s old", rows(none, lagged, func(i int, m *msg) {
			at, v := stamp(time.Duration(i)*10*sec), "120"
			if i >= 20 {
				at, v = stamp(time.Duration(i)*10*sec-40*sec), "118"
				if i > 20 {
					at = stamp(160 * sec)
				}
			}
			m.rows = append(m.rows, nibpS(v, at), nibpD("70", at), nibpM("87", at))
		}), nil},
	}
	checkCases(t, tests)
}
