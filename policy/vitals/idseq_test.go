package vitals_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestControlIDCounter: a device that numbers its messages with a counter is
// caught reusing an ID from longer ago than the control-ID history keeps
// (1,024 messages); restarts, leaps and a counter shared by many beds are not.
func TestControlIDCounter(t *testing.T) {
	counted := func(start, step int, format string) func(i int) msg {
		return func(i int) msg { m := normal(i); m.ctrl = fmt.Sprintf(format, start+step*i); return m }
	}
	// stamped gives message k of f the MSH-7 it has when sent on time, so
	// that sending it again later repeats its bytes.
	stamped := func(f func(i int) msg, k int) func(i int) msg {
		return func(i int) msg {
			m := f(i)
			if i == k {
				m.ts = string(hl7.AppendTime(nil, t0.Add(time.Duration(k)*500*time.Millisecond)))
			}
			return m
		}
	}
	// beyond the history of 1,024; the messages after a restart or leap
	// carry values of their own (normal(n + i)): normal(i) again would be
	// an exact replay of the first 100 messages, 50 min back.
	const n = 1500
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"an ID from 1,400 messages back, new content", then(every(n, 2*time.Second, counted(5000, 1, "MSG%09d")), 2*time.Second,
			[]tick{{0, func() msg { m := normal(3); m.ctrl = "MSG000005100"; return m }()}, {2 * time.Second, counted(5000+n, 1, "MSG%09d")(0)}}),
			[]string{"replay_control_id"}},
		{"an 18-digit time-stamped counter, an ID from 1,400 back", then(every(n, 2*time.Second, counted(88411, 1, "2026010100000%05d")), 2*time.Second,
			[]tick{{0, func() msg { m := normal(3); m.ctrl = "202601010000088511"; return m }()}}),
			[]string{"replay_control_id"}},
		{"device restart: the counter starts again below the stretch seen", then(every(n, 2*time.Second, counted(5000, 1, "%d")), 2*time.Second,
			every(100, 2*time.Second, func(i int) msg { m := normal(n + i); m.ctrl = fmt.Sprint(1 + i); return m })), nil},
		{"messages not seen: the counter leaps ahead", then(every(n, 2*time.Second, counted(5000, 1, "%d")), 2*time.Second,
			every(100, 2*time.Second, func(i int) msg { m := normal(n + i); m.ctrl = fmt.Sprint(90000 + i); return m })), nil},
		{"a counter shared by 12 beds, delivered a little out of order", every(n, 2*time.Second, func(i int) msg {
			m := normal(i)
			k := i
			if i%100 == 50 { // swapped with its neighbour
				k = i + 1
			} else if i%100 == 51 {
				k = i - 1
			}
			m.ctrl = fmt.Sprint(1000 + 12*k)
			return m
		}), nil},
		// The history of a device with a learned counter is kept as long
		// as the resend window (here 240 messages), not 64 entries.
		{"a counter at 0.5 s, a message re-sent unchanged 100 s later: a retransmission",
			then(then(every(210, 500*time.Millisecond, stamped(counted(5000, 1, "MSG%09d"), 10)), 500*time.Millisecond,
				[]tick{{0, stamped(counted(5000, 1, "MSG%09d"), 10)(10)}}), 500*time.Millisecond,
				every(50, 500*time.Millisecond, func(i int) msg { return counted(5000, 1, "MSG%09d")(210 + i) })), nil},
		// After the restart the new counter is learned while the history
		// still holds IDs of the old one (it grew while no counter was
		// learned): an old ID ahead of the new counter is searched for.
		{"device restart, then an ID of the old stretch the history still holds", then(then(every(200, 2*time.Second, counted(5000, 1, "%d")), 2*time.Second,
			every(40, 2*time.Second, func(i int) msg { m := normal(200 + i); m.ctrl = fmt.Sprint(1 + i); return m })), 2*time.Second,
			[]tick{{0, func() msg { m := normal(240); m.ctrl = "5150"; return m }()}}),
			[]string{"replay_control_id"}},
		// A four-digit counter wraps to 0000 (a new stretch below the one
		// seen); once the new stretch is learned, an ID from before the wrap,
		// ahead of the new counter but still in the history, is searched for.
		{"a counter that wraps, then an ID from before the wrap the history still holds", then(then(every(200, 2*time.Second, counted(9800, 1, "%04d")), 2*time.Second,
			every(40, 2*time.Second, func(i int) msg { m := normal(200 + i); m.ctrl = fmt.Sprintf("%04d", i); return m })), 2*time.Second,
			[]tick{{0, func() msg { m := normal(240); m.ctrl = "9950"; return m }()}}),
			[]string{"replay_control_id"}},
		// The device's prefix changes (a second numbering after a
		// reconfiguration) and its new counter is learned: an ID of the first
		// numbering, with a number ahead of the new counter, is searched for.
		{"a new prefix's counter, then an ID of the old prefix the history still holds", then(then(every(200, 2*time.Second, counted(5000, 1, "A%d")), 2*time.Second,
			every(40, 2*time.Second, func(i int) msg { m := normal(200 + i); m.ctrl = fmt.Sprintf("B%d", 1+i); return m })), 2*time.Second,
			[]tick{{0, func() msg { m := normal(240); m.ctrl = "A5150"; return m }()}}),
			[]string{"replay_control_id"}},
		{"IDs that are not a counter", every(n, 2*time.Second, func(i int) msg { m := normal(i); m.ctrl = fmt.Sprintf("X%d", (i*7919)%1543); return m }), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...)
		})
	}
}
