package vitals_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestControlIDCounterEarlier: a counted device's control ID reused from
// before a device restart, an outage's leap or a silence longer than
// idle_evict, or from a counter in hexadecimal, is caught beyond the
// control-ID history; restarts, leaps, wraps, a counter numbering through
// an earlier stretch again, a backlog delivered late and a re-send after a
// lost acknowledgement are not.
func TestControlIDCounterEarlier(t *testing.T) {
	const n = 1500 // beyond the history of 1,024
	step := 2 * time.Second
	// ids gives k messages numbered by format from start, with the values
	// of normal(from + i), so that no stretch repeats another's values.
	ids := func(k, from, start int, format string) []tick {
		return every(k, step, func(i int) msg { m := normal(from + i); m.ctrl = fmt.Sprintf(format, start+i); return m })
	}
	// reuse is one message with control ID ctrl and new values.
	reuse := func(ctrl string) []tick {
		return []tick{{0, func() msg { m := normal(n + 3000); m.ctrl = ctrl; return m }()}}
	}
	seq := func(parts ...[]tick) []tick {
		var ts []tick
		for _, p := range parts {
			ts = then(ts, step, p)
		}
		return ts
	}
	silence := func(ts []tick, d time.Duration, more []tick) []tick { return then(ts, d, more) }
	resent := func() []tick {
		// message 100 of a hexadecimal counter sent again unchanged, its
		// acknowledgement lost, 6 s later
		f := func(i int) msg {
			m := normal(i)
			m.ctrl = fmt.Sprintf("B0AC%06X", 0x2742+i)
			m.ts = string(hl7.AppendTime(nil, t0.Add(time.Duration(i)*step)))
			return m
		}
		ts := every(103, step, f)
		ts = append(ts, tick{ts[len(ts)-1].at + step, f(100)})
		return then(ts, step, every(100, step, func(i int) msg { return f(103 + i) }))
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"a hexadecimal counter, an ID from 1,400 messages back", seq(ids(n, 0, 0x2742, "B0AC%06X"), reuse("B0AC002BD0"), ids(5, n+1, 0x2742+n, "B0AC%06X")),
			[]string{"replay_control_id"}},
		{"a hexadecimal counter in lower case, an ID from 1,400 messages back", seq(ids(n, 0, 0xc9cb0100, "%08x"), reuse("c9cb0164"), ids(5, n+1, 0xc9cb0100+n, "%08x")),
			[]string{"replay_control_id"}},
		{"device restart, then an ID from before it, ahead of the new counter", seq(ids(n, 0, 12000, "%08d"), ids(20, n, 1, "%08d"), reuse("00012131"), ids(5, n+21, 21, "%08d")),
			[]string{"replay_control_id"}},
		{"an outage: the counter leaps by 180, then an ID from before the leap", seq(ids(n, 0, 79000, "%d"), ids(300, n, 79000+n+180, "%d"), reuse("79114"), ids(5, n+301, 79000+n+480, "%d")),
			[]string{"replay_control_id"}},
		{"a silence longer than idle_evict, then an ID from before it", silence(ids(n, 0, 46000, "%d"), 40*time.Minute, seq(ids(80, n, 46000+n+5, "%d"), reuse("46377"), ids(5, n+81, 46000+n+85, "%d"))),
			[]string{"replay_control_id"}},
		{"a device's first ID reused, the counter going on from where it was", seq(ids(n, 0, 1, "%d"), reuse("2"), ids(5, n+1, n+1, "%d")),
			[]string{"replay_control_id"}},
		{"a silence longer than idle_evict, the first ID after it from before", silence(ids(n, 0, 19000, "%d"), 40*time.Minute, seq(reuse("19696"), ids(5, n+1, 19000+n+1, "%d"))),
			[]string{"replay_control_id"}},

		{"a hexadecimal counter", ids(n, 0, 0xfff0, "B0AC%06X"), nil},
		{"a hexadecimal counter re-sends a message after a lost acknowledgement", resent(), nil},
		{"a hexadecimal counter restarts", seq(ids(n, 0, 0x2742, "B0AC%06X"), ids(100, n, 0, "B0AC%06X")), nil},
		{"device restart, then the new counter numbers through the stretch before it", seq(ids(300, 0, 100, "%d"), ids(600, 300, 1, "%d")), nil},
		// Once the new counter reaches 9800 the stretch before the wrap is
		// forgotten: the leap back to 9900 is a restart, not a reuse.
		{"a four-digit counter wraps, numbers up to the stretch before the wrap, and restarts there", seq(ids(200, 0, 9800, "%04d"), ids(9850, 200, 0, "%04d"), ids(100, 10050, 9900, "%04d")), nil},
		{"an outage's backlog delivered after the counter resumed", seq(ids(n, 0, 5000, "%d"), ids(100, n, 5000+n+200, "%d"), ids(200, n+100, 5000+n, "%d")), nil},
		{"a silence, the device restarted during it", silence(ids(n, 0, 46000, "%d"), 40*time.Minute, ids(100, n, 1, "%d")), nil},
		{"a device seen from its boot boots again during a silence", silence(ids(n, 0, 1, "%d"), 40*time.Minute, ids(100, n, 1, "%d")), nil},
		{"a device seen from its boot boots again at once, its first message lost", seq(ids(n, 0, 1, "%d"), ids(100, n, 2, "%d")), nil},
		{"a silence, the counter leaps ahead on return", silence(ids(n, 0, 46000, "%d"), 40*time.Minute, ids(100, n, 46000+n+1200, "%d")), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...)
		})
	}
}
