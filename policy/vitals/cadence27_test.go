package vitals_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// cuffCase is a run of cuff readings and whether a finding of nibp_cadence
// whose explanation contains why must come (why empty: no nibp_cadence at
// all).
type cuffCase struct {
	name  string
	ticks []tick
	why   string
}

func checkCuffCases(t *testing.T, cases []cuffCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), tc.ticks)
			var got []vitals.Finding
			for _, f := range fs {
				if f.Rule == "nibp_cadence" {
					got = append(got, f)
				}
			}
			found := false
			for _, f := range got {
				found = found || (tc.why != "" && strings.Contains(f.Explanation, tc.why))
			}
			if tc.why == "" && len(got) > 0 || tc.why != "" && !found {
				for _, f := range fs {
					t.Logf("finding %s %s value=%g other=%g threshold=%g: %s", f.Rule, f.Parameter, f.Value, f.Other, f.Threshold, f.Explanation)
				}
				t.Errorf("nibp_cadence findings %d, want one saying %q", len(got), tc.why)
			}
		})
	}
}

// gaps returns reading times from a 15-minute cycle until from, then
// readings the given gaps apart, then the cycle again until end.
func gaps(from time.Duration, gs []time.Duration, end time.Duration) []time.Duration {
	var ts []time.Duration
	for t := time.Duration(0); t < from; t += 15 * time.Minute {
		ts = append(ts, t)
	}
	t := from
	ts = append(ts, t)
	for _, g := range gs {
		t += g
		ts = append(ts, t)
	}
	for t += 15 * time.Minute; t < end; t += 15 * time.Minute {
		ts = append(ts, t)
	}
	return ts
}

// TestCuffFasterThanItMeasures: each determination inflates the cuff and
// deflates it step by step over 20–45 s, so a series of readings back to
// back comes about one cycle (min_interval) apart on average. A series that
// keeps reporting new values faster, here one every 10 s for eight minutes,
// is not one cuff measuring; a STAT series 35 s apart is.
func TestCuffFasterThanItMeasures(t *testing.T) {
	checkCuffCases(t, []cuffCase{
		{"new values every 10 s for eight minutes", cuffReadings("", 40*time.Minute, schedule(15*time.Minute, 15*time.Minute, 48, 10*sec, 40*time.Minute), nil3), "more cuff readings in a series"},
		{"a STAT series 35 s apart for ten minutes", cuffReadings("", 40*time.Minute, schedule(15*time.Minute, 15*time.Minute, 18, 35*sec, 40*time.Minute), nil3), ""},
	})
}

// TestStatSeriesBackToBack: within one series of readings back to back (a
// STAT run; a reading started by hand and one repeated after a disturbed
// determination) readings may come closer than a cycle now and then; what
// a cuff cannot do is come back early cycle after cycle, an early reading
// slipped in after each scheduled one.
func TestStatSeriesBackToBack(t *testing.T) {
	stat := gaps(15*time.Minute, []time.Duration{10 * sec, 15 * sec, 40 * sec, 12 * sec, 50 * sec, 45 * sec, 15 * sec, 60 * sec, 40 * sec, 30 * sec}, 40*time.Minute)
	manual := gaps(15*time.Minute, []time.Duration{14 * sec, 18 * sec}, 40*time.Minute)
	var early []time.Duration
	for m := time.Duration(0); m < 60*time.Minute; m += 15 * time.Minute {
		early = append(early, m, m+10*sec)
	}
	checkCuffCases(t, []cuffCase{
		{"a STAT series of five minutes, readings 10–60 s apart", cuffReadings("", 40*time.Minute, stat, nil3), ""},
		{"readings 14 and 18 s after a scheduled one", cuffReadings("", 40*time.Minute, manual, nil3), ""},
		{"an early reading after every scheduled one", cuffReadings("", 60*time.Minute, early, nil3), "sooner than a cuff can cycle"},
	})
}
