package vitals_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestControlIDCounter53: a counter whose prefix a restart changed, a
// hexadecimal counter whose IDs mostly lack a letter, and a device
// renumbering after a reboot through IDs the history still holds.
func TestControlIDCounter53(t *testing.T) {
	// ids gives k messages step apart numbered by format from start, with
	// the values of normal(from + i), so that no stretch repeats another's.
	ids := func(k, from, start int, format string, step time.Duration) []tick {
		return every(k, step, func(i int) msg { m := normal(from + i); m.ctrl = fmt.Sprintf(format, start+i); return m })
	}
	reuse := func(ctrl string) []tick {
		return []tick{{0, func() msg { m := normal(9000); m.ctrl = ctrl; return m }()}}
	}
	seq := func(step time.Duration, parts ...[]tick) []tick {
		var ts []tick
		for _, p := range parts {
			ts = then(ts, step, p)
		}
		return ts
	}
	// resent stamps each message with the time it was sent and sends
	// message k again 20 s after it, its acknowledgement lost.
	resent := func(ts []tick, k int) []tick {
		for i := range ts {
			ts[i].m.ts = string(hl7.AppendTime(nil, t0.Add(ts[i].at)))
		}
		again := tick{ts[k].at + 20*time.Second, ts[k].m}
		return append(ts[:k+1:k+1], append([]tick{again}, ts[k+1:]...)...)
	}
	const s2, min = 2 * time.Second, time.Minute
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		// A GE-style ID (serial, boot count, counter): the reboot changes
		// the prefix and restarts the counter; two hours later a forger
		// sends an ID of the numbering before it.
		{"a reboot changes the prefix, then an ID from before it", seq(s2, ids(1500, 0, 1867, "GE5BC5-0-%d", s2), ids(80, 1500, 1, "GE5BC5-1-%d", s2),
			reuse("GE5BC5-0-2073"), ids(5, 1581, 81, "GE5BC5-1-%d", s2)), []string{"replay_control_id"}},
		// A Dräger-style ID (serial and a four-digit hexadecimal counter):
		// ten IDs in sixteen have no letter.
		{"a hexadecimal counter without letters in most IDs, an ID from 1,400 back", seq(s2, ids(1500, 0, 1, "0006E337-%04X", s2),
			reuse("0006E337-0031"), ids(5, 1501, 1501, "0006E337-%04X", s2)), []string{"replay_control_id"}},
		// A Nihon Kohden-style counter at 60 s reboots and numbers from 1
		// again through IDs the history still holds; then a forger sends
		// three IDs of three minutes before with new values.
		{"a reboot renumbering through the history, then IDs three minutes old", seq(min, ids(116, 0, 1, "260216%06d", min), ids(70, 116, 1, "260216%06d", min),
			ids(3, 400, 68, "260216%06d", min), ids(5, 186, 74, "260216%06d", min)), []string{"replay_control_id"}},

		{"a hexadecimal counter without letters in most IDs", ids(1500, 0, 1, "0006E337-%04X", s2), nil},
		{"a hexadecimal counter without letters in most IDs restarts", seq(s2, ids(1500, 0, 1, "0006E337-%04X", s2), ids(300, 1500, 1, "0006E337-%04X", s2)), nil},
		{"a reboot changes the prefix and restarts the counter", seq(s2, ids(1500, 0, 1867, "GE5BC5-0-%d", s2), ids(300, 1500, 1, "GE5BC5-1-%d", s2)), nil},
		{"a reboot renumbering through the IDs the history holds", seq(min, ids(116, 0, 1, "260216%06d", min), ids(120, 116, 1, "260216%06d", min)), nil},
		{"a reboot renumbering through the history, a message re-sent after a lost acknowledgement", resent(seq(min, ids(116, 0, 1, "260216%06d", min), ids(80, 116, 1, "260216%06d", min)), 175), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...)
		})
	}
}
