package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestUndoForgotten: the memory of a reported step (undo) does not outlive
// the state it belongs to. A breathing rate forged from 16 to 34/min is
// reported; while it stays at 34 the bed gets a new patient (after
// identity_patient.turnover_gap without messages), or the monitor falls
// silent for longer than state.idle_evict (its stream is forgotten and
// starts afresh): either way 34 is the level learned anew, and a lone fall
// to 16 afterwards is a step of its own, reported, not the first step's end.
// Without either (a silence shorter than both, or a patient changed with no
// turnover, which is identity_patient and keeps the state), the same fall is
// the end (TestStepUndone). Found sound (session 14).
func TestUndoForgotten(t *testing.T) {
	at := func(i int, r float64, pid string) msg {
		m := vitalsAt(i, 80, 80, 97)
		m.rows[3] = rr(num(r + float64(i%2)))
		m.rows = append(m.rows, etco2(num(38+float64(i%3))))
		m.pid = pid
		return m
	}
	seg := func(from, n int, r float64, pid string) []tick {
		return every(n, 30*sec, func(i int) msg { return at(from+i, r, pid) })
	}
	cfg := vitals.DefaultConfig()
	rise := then(seg(0, 60, 16, ""), 30*sec, seg(60, 10, 34, ""))
	for _, tc := range []struct {
		name string
		gap  time.Duration // before the rest of the rise
		pid  string        // the patient from the rest of the rise on
		want int           // rate_of_change findings
	}{
		{"same patient, no silence", 30 * sec, "", 1},
		{"silent past max_gap, same patient", cfg.State.IdleEvict - time.Minute, "", 1},
		{"new patient mid-step", cfg.Rules.IdentityPatient.TurnoverGap + time.Minute, "67890^^^H^MR", 2},
		{"new patient mid-step, identity_patient", 30 * sec, "67890^^^H^MR", 1},
		{"silent past idle_evict mid-step", cfg.State.IdleEvict + time.Minute, "", 2},
	} {
		ticks := then(rise, tc.gap, seg(70, 40, 34, tc.pid))
		ticks = then(ticks, 30*sec, seg(110, 20, 16, tc.pid))
		fs := run(t, cfg, ticks)
		if n := countRule(fs, "rate_of_change"); n != tc.want {
			for _, f := range fs {
				t.Logf("%s: %s %s at %s: %g from %g", tc.name, f.Rule, f.Parameter, f.ObservedAt.Format("15:04:05"), f.Value, f.Other)
			}
			t.Errorf("%s: %d rate_of_change findings, want %d", tc.name, n, tc.want)
		}
	}
}
