package vitals_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// gwClocks are the clocks of labelBed's four beds against their gateway's
// (OBX-14 against MSH-7): one behind, two ahead by more than time_future's
// obx_tolerance, one nearly right (corpus8's Dräger-style gateway: each bed
// off its gateway by its own skew, up to about 75 s).
var gwClocks = [...]time.Duration{-20 * sec, 50 * sec, 74 * sec, 3 * sec}

// clockedBed is labelBed's message of bed b at arrival at (after t0): MSH-7
// the gateway's clock (the arrival), every row stamped by the bed's clock
// 2 s before, moved on by move (0: none).
func clockedBed(i, b int, at, move time.Duration) msg {
	m := labelBed(i, b)
	obs := t0.Add(at - 2*sec + gwClocks[b] + move).Format("20060102150405")
	m.ts = t0.Add(at).Format("20060102150405")
	for j := range m.rows {
		m.rows[j].at = obs
	}
	return m
}

// gatewayClocks returns n messages 5 s apart of labelBed's four beds in the
// order order gives (bed of message i), each bed's rows moved by move(i, b).
func gatewayClocks(n int, order func(i int) int, move func(i, b int) time.Duration) []tick {
	seen := [4]int{}
	return every(n, 5*sec, func(i int) msg {
		b := order(i)
		seen[b]++
		var mv time.Duration
		if move != nil {
			mv = move(i, b)
		}
		return clockedBed(seen[b]-1, b, time.Duration(i)*5*sec, mv)
	})
}

func roundRobin(i int) int { return i % 4 }

// firstThenRun: bed 0 once, then bed 1 three times (its identity replaces
// bed 0's as the device's before any bed came back), then round robin
// (corpus8 seed 1's first gateway: IACS-GICU-06, then -12 three times).
func firstThenRun(i int) int {
	switch {
	case i == 0:
		return 0
	case i <= 3:
		return 1
	}
	return i % 4
}

// TestGatewayBedClocks48: the beds of a label gateway, each stamping its
// rows by its own clock, are quiet from the first message. Before session
// 48 the rows of a bed were compared with another bed's OBX-14 on the
// device's one stream in its first messages, before the split
// (time_backwards, 14 on corpus8's training seeds), and a bed whose clock
// ran 30-75 s ahead of the gateway's was time_future again and again (12).
// A bed 74 s ahead whose clock is then set to the gateway's time (its rows
// back onto MSH-7's) is quiet too (rowsSetRight).
//
// The second bed replacing the first as the device's identity before the
// split also changes the patient (identity_patient on the first run, as on
// main: the patient's judgment, left by session 48): only the time rules
// are looked at there.
func TestGatewayBedClocks48(t *testing.T) {
	ticks := gatewayClocks(800, roundRobin, nil)
	checkRules(t, run(t, vitals.DefaultConfig(), ticks))
	checkRules(t, runVia(t, ticks))
	// The bed 74 s ahead set from the network's time: its rows on the
	// gateway's MSH-7 from message 500 on (corpus8's gateway beds).
	ticks = gatewayClocks(800, roundRobin, func(i, b int) time.Duration {
		if b == 2 && i >= 500 {
			return -gwClocks[2]
		}
		return 0
	})
	checkRules(t, run(t, vitals.DefaultConfig(), ticks))
	checkRules(t, runVia(t, ticks))
	ticks = gatewayClocks(800, firstThenRun, nil)
	for _, fs := range [][]vitals.Finding{run(t, vitals.DefaultConfig(), ticks), runVia(t, ticks)} {
		for _, f := range fs {
			if strings.HasPrefix(f.Rule, "time_") {
				t.Errorf("one bed, then another three times: %s %s at %s: %s", f.Rule, f.Parameter, f.ControlID, f.Explanation)
			}
		}
	}
}

// TestGatewayBedClockForged48: a forger moving a gateway bed's rows (OBX-14)
// under the gateway's honest MSH-7 is still caught on that bed: rows
// re-stamped 5 min back (same bed label, time_backwards), rows put 8 min
// ahead (corpus2's subtle time_future moves only OBX-14, +474..+587 s) on
// the bed 74 s ahead and on the bed behind, and rows put 60 s further ahead
// than the bed's learned lead (beyond it by more than obx_tolerance).
func TestGatewayBedClockForged48(t *testing.T) {
	forge := func(bed int, by time.Duration) func(i, b int) time.Duration {
		return func(i, b int) time.Duration {
			if b == bed && i >= 400 && i < 412 {
				return by
			}
			return 0
		}
	}
	tests := []struct {
		name string
		move func(i, b int) time.Duration
		want string
	}{
		{"rows 5 min back, bed ahead of its gateway", forge(2, -5*time.Minute), "time_backwards"},
		{"rows 5 min back, bed behind its gateway", forge(0, -5*time.Minute), "time_backwards"},
		{"rows 8 min ahead, bed ahead of its gateway", forge(2, 8*time.Minute), "time_future"},
		{"rows 8 min ahead, bed behind its gateway", forge(0, 8*time.Minute), "time_future"},
		{"rows 60 s beyond the bed's lead", forge(1, 60*sec), "time_future"},
		{"rows 40 s ahead on the bed nearly right", forge(3, 40*sec), "time_future"},
		// Rows stamped back onto MSH-7's time pass for the bed's clock set
		// right, once; put back to the bed's lead, they are ahead of it.
		{"rows back onto the gateway's time for 12 messages, bed 74 s ahead", forge(2, -gwClocks[2]), "time_future"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), gatewayClocks(800, roundRobin, tc.move))
			checkRules(t, fs, tc.want)
		})
	}
}

// TestRowsLeadBound48: a device's rows that lead its message time by more
// than obxLeadMax (2 min) plus obx_tolerance are reported from the first
// message (a bound on what a clock's lead may be learned as); a lead within
// the bound learned from the first messages is quiet; a monitor whose rows
// lead by nothing is reported when they lead by more than obx_tolerance
// after its first messages, as before.
func TestRowsLeadBound48(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	rows := func(lead func(i int) time.Duration) []tick {
		return every(60, 10*sec, func(i int) msg {
			m := normal(i)
			at := time.Duration(i) * 10 * sec
			m.ts = stamp(at)
			for j := range m.rows {
				m.rows[j].at = stamp(at - 2*sec + lead(i))
			}
			return m
		})
	}
	const min = time.Minute
	checkCases(t, []ruleCase{
		{"rows 3 min ahead from the first message", rows(func(int) time.Duration { return 3 * min }), []string{"time_future"}},
		{"rows 100 s ahead throughout", rows(func(int) time.Duration { return 100 * sec }), nil},
		{"rows 60 s ahead from message 20", rows(func(i int) time.Duration {
			if i >= 20 {
				return 60 * sec
			}
			return 0
		}), []string{"time_future"}},
		// A lead forged into some of the first messages is not learned
		// (the least is); its end is a time going back.
		{"rows 100 s ahead in the first two messages, then 60 s", rows(func(i int) time.Duration {
			if i < 2 {
				return 100 * sec
			}
			return 60 * sec
		}), []string{"time_backwards"}},
		{"rows 100 s ahead in the first two messages, then right, then 60 s from message 20", rows(func(i int) time.Duration {
			switch {
			case i < 2:
				return 100 * sec
			case i >= 20:
				return 60 * sec
			}
			return 0
		}), []string{"time_backwards", "time_future"}},
	})
}
