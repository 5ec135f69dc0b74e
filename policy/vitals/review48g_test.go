package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// labelled returns n messages 10 s apart of one monitor that names itself
// by a bed label in OBX-18 alone (label(i); no EUI-64 anywhere), MSH-7 its
// arrival, every row stamped 2 s before it and moved on by move(i).
func labelled(n int, label func(i int) string, move func(i int) time.Duration) []tick {
	return every(n, 10*sec, func(i int) msg {
		m := normal(i)
		at := time.Duration(i) * 10 * sec
		m.app, m.label = "INFINITY_MON^ICU-M", label(i)
		m.ts = t0.Add(at).Format("20060102150405")
		obs := t0.Add(at - 2*sec + move(i)).Format("20060102150405")
		for j := range m.rows {
			m.rows[j].at = obs
		}
		return m
	})
}

// from returns f(i) from message k on, 0 before.
func from(k int, d time.Duration) func(i int) time.Duration {
	return func(i int) time.Duration {
		if i >= k {
			return d
		}
		return 0
	}
}

// relabel names the monitor IACS-GICU-01, and IACS-GICU-07 from message k
// on (a monitor moved to another bed is relabelled).
func relabel(k int) func(i int) string {
	return func(i int) string {
		if i >= k {
			return "IACS-GICU-07"
		}
		return "IACS-GICU-01"
	}
}

// TestRelabelKeepsClock48g: a label that replaces an established one names
// the same device (a monitor moved to another bed is relabelled, reported
// by nothing: identity_equipment is for an EUI-64 replaced), stamping its
// rows by the same clock. gwtime48 started the OBX-14 references and the
// rows' lead afresh whenever any identity replaced the established one: a
// forger switching the label for three messages re-stamped every row after
// them 5 min back, or taught the stream a lead of 100 s, without a finding
// (main reports both). Only an identity that replaces one seen fewer than
// switchAfter times (a gateway's first bed seen once before another ran
// three times, corpus8) or an EUI-64 replaced (identity_equipment) starts
// them afresh now (review48g).
func TestRelabelKeepsClock48g(t *testing.T) {
	checkCases(t, []ruleCase{
		{"relabelled, rows re-stamped 5 min back from then on", labelled(400, relabel(200), from(200, -5*time.Minute)), []string{"time_backwards"}},
		{"relabelled, rows 100 s ahead from then on", labelled(400, relabel(200), from(200, 100*sec)), []string{"time_future"}},
		{"relabelled, same clock", labelled(400, relabel(200), from(0, 0)), nil},
		{"relabelled, same clock 50 s ahead", labelled(400, relabel(200), from(0, 50*sec)), nil},
	})
}

// TestSetRightOnce48g: rows stepping back onto MSH-7's time from a learned
// lead beyond obx_tolerance pass once as the rows' clock set right
// (rowsSetRight); the lead is 0 from then on, so a second step back is
// time_backwards, and rows put back to the old lead are time_future. A
// label switched in between no longer teaches the stream its lead again
// (TestRelabelKeepsClock48g): on gwtime48 it let the forger step back
// quietly as often as it switched labels.
func TestSetRightOnce48g(t *testing.T) {
	const lead = 74 * sec
	cases := []struct {
		name  string
		ticks []tick
		want  string
	}{
		{"onto MSH-7, then 25 s ahead, then onto MSH-7 again", labelled(400, relabel(1000), func(i int) time.Duration {
			switch {
			case i < 200:
				return lead
			case i >= 250 && i < 300:
				return 25 * sec
			}
			return 0
		}), "time_backwards"},
		{"onto MSH-7, relabelled back to its lead, onto MSH-7 again", labelled(400, relabel(250), func(i int) time.Duration {
			switch {
			case i < 200, i >= 250 && i < 300:
				return lead
			}
			return 0
		}), "time_future"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), tc.ticks)
			for _, f := range fs {
				if f.Rule == tc.want && f.ControlID >= "C250" {
					return
				}
			}
			t.Errorf("no %s from C250 on: %q", tc.want, rulesOf(fs))
		})
	}
}

// TestOtherLabelOnce48g: gwtime48's claim that naming another bed's label
// for one message buys a forger nothing it could not get before. On a
// monitor named by its label, one message naming another label with its
// rows re-stamped 5 min back is no longer compared with the monitor's rows
// (main reported it, time_backwards); but on main the forger got the same
// for one honest message more: the other label's message splits the
// device at the monitor's next (bedsOf), and every later message naming
// that label starts a bed of its own with no reference. Either way the
// monitor's own references stay: its rows re-stamped back later are
// reported.
func TestOtherLabelOnce48g(t *testing.T) {
	other := func(at ...int) func(i int) string {
		return func(i int) string {
			for _, k := range at {
				if i == k {
					return "IACS-GICU-07"
				}
			}
			return "IACS-GICU-01"
		}
	}
	back := func(at int) func(i int) time.Duration {
		return func(i int) time.Duration {
			if i == at || i >= 300 {
				return -5 * time.Minute
			}
			return 0
		}
	}
	routes := []struct {
		name  string
		ticks []tick
	}{
		{"another label once, its rows 5 min back", labelled(400, other(200), back(200))},
		{"another label once, then again after the split with its rows 5 min back", labelled(400, other(200, 202), back(202))},
	}
	for _, r := range routes {
		t.Run(r.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), r.ticks)
			checkRules(t, fs, "time_backwards")
			for _, f := range fs {
				if f.Equipment != "IACS-GICU-01" || f.ControlID != "C300" {
					t.Errorf("%s on %q at %s, want IACS-GICU-01's at C300 alone", f.Rule, f.Equipment, f.ControlID)
				}
			}
		})
	}
}

// TestStreamStartLead48g: a forger who sends a stream's first messages
// could already put MSH-7 and the rows ahead together (the clock's offset
// is learned from those messages, unbounded), on main too; so after a
// silence of IdleEvict, which starts the monitor afresh. gwtime48's lead,
// learned from the rows alone, at most 2 min, gives no more. A bed
// turnover teaches no lead anew (a clock is the device's, not the
// patient's).
func TestStreamStartLead48g(t *testing.T) {
	// stamped sets the ticks' MSH-7 to their arrival moved by msh, their
	// rows' OBX-14 2 s before it moved by rows, from tick k on.
	stamped := func(ts []tick, k int, msh, rows time.Duration) []tick {
		for i := k; i < len(ts); i++ {
			m := &ts[i].m
			m.ts = t0.Add(ts[i].at + msh).Format("20060102150405")
			for j := range m.rows {
				m.rows[j].at = t0.Add(ts[i].at + msh - 2*sec + rows).Format("20060102150405")
			}
		}
		return ts
	}
	patient := func(i int) msg {
		m := normal(i + 1000)
		m.pid, m.pidName = "99999^^^H^MR", "ROE^RICHARD"
		return m
	}
	checkCases(t, []ruleCase{
		{"MSH-7 and rows 100 s ahead from the first message", stamped(every(200, 10*sec, normal), 0, 100*sec, 0), nil},
		{"MSH-7 and rows 100 s ahead after a silence of 16 min", stamped(then(every(200, 10*sec, normal), 16*time.Minute, every(200, 10*sec, patient)), 200, 100*sec, 0), nil},
		{"another patient after 12 min, rows 100 s ahead", stamped(then(every(200, 10*sec, normal), 12*time.Minute, every(200, 10*sec, patient)), 200, 0, 100*sec), []string{"time_future"}},
	})
}

// TestReplacedEUIClock48g: a monitor replaced by another (its EUI-64 in
// OBX-18 replaced) stamps its rows by the new monitor's clock, 20 s behind
// the old one's: identity_equipment alone, its rows no longer compared with
// the old monitor's (gwtime48; main also reported time_backwards). A forger
// who replaces the EUI-64 to have its rows re-stamped 5 min back taken as a
// new clock pays identity_equipment for it.
func TestReplacedEUIClock48g(t *testing.T) {
	replaced := func(back time.Duration) []tick {
		return every(400, 10*sec, func(i int) msg {
			m := normal(i)
			at := time.Duration(i) * 10 * sec
			obs := at - 2*sec
			if i >= 200 {
				m.equip = "0012340000000077"
				obs -= back
			}
			m.ts = t0.Add(at).Format("20060102150405")
			for j := range m.rows {
				m.rows[j].at = t0.Add(obs).Format("20060102150405")
			}
			return m
		})
	}
	checkCases(t, []ruleCase{
		{"replaced by a monitor 20 s behind", replaced(20 * sec), []string{"identity_equipment"}},
		{"replaced, rows 5 min back", replaced(5 * time.Minute), []string{"identity_equipment"}},
	})
}
