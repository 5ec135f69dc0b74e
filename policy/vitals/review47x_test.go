package vitals_test

import (
	"os"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// reuse47x returns n messages step apart under unique control IDs (letters
// only: no counter), the last reusing the ID of the message back before it,
// with that message's bytes when same.
func reuse47x(step time.Duration, n, back int, same bool) []tick {
	id := func(i int) string { return "K" + string(rune('g'+i%20)) + string(rune('g'+i/20%20)) }
	at := func(k int) string { return string(hl7.AppendTime(nil, t0.Add(time.Duration(k)*step))) }
	return every(n, step, func(i int) msg {
		m := normal(i)
		m.ctrl, m.ts = id(i), at(i)
		if i == n-1 {
			k := n - 1 - back
			m.ctrl = id(k)
			if same {
				m = normal(k)
				m.ctrl, m.ts = id(k), at(k)
			}
		}
		return m
	})
}

// controlIDFindings returns the explanations of one run's replay_control_id
// findings.
func controlIDFindings(t *testing.T, ticks []tick) []string {
	t.Helper()
	var got []string
	for _, f := range run(t, vitals.DefaultConfig(), ticks) {
		if f.Rule == "replay_control_id" {
			if f.Value > vitals.DefaultConfig().Rules.ReplayControlID.ResendWindow.Seconds()+1 && f.Explanation != "control ID reused after the retransmission window" && f.Explanation != "identical message re-sent after the retransmission window" {
				t.Errorf("finding %gs after the first use: %q", f.Value, f.Explanation)
			}
			got = append(got, f.Explanation)
		}
	}
	return got
}

// TestReview47xWithinWindow: a control ID reused within the resend window
// (2 min) but more than idRecent (8) messages after its earlier use is
// reported only when its 8 content bits differ from that use's (the same 8
// are taken for a re-send and dropped): its bytes are then known to differ,
// in every run that reports it. idexpl47 worded it "control ID reused after
// the retransmission window", which is false (it came within the window),
// and lost the one fact the run knew. The same bytes so reused are a re-send
// in every run. Each case runs under 200 Engines.
func TestReview47xWithinWindow(t *testing.T) {
	// Among the package's slowest: the slow ones share the second core (-race on 2 cores).
	t.Parallel()
	for _, tc := range []struct {
		name  string
		ticks []tick
		want  string // "": no finding in any run
	}{
		{"other bytes, 20 messages (100 s) back", reuse47x(5*time.Second, 40, 20, false), "control ID reused with different content"},
		{"other bytes, 30 messages (30 s) back at 1 s", reuse47x(time.Second, 50, 30, false), "control ID reused with different content"},
		{"other bytes, 11 messages (110 s) back at 10 s", reuse47x(10*time.Second, 30, 11, false), "control ID reused with different content"},
		{"the same bytes, 20 messages (100 s) back", reuse47x(5*time.Second, 40, 20, true), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reported := 0
			for range 200 {
				got := controlIDFindings(t, tc.ticks)
				if len(got) > 1 || len(got) == 1 && got[0] != tc.want {
					t.Fatalf("replay_control_id findings %q, want at most one: %q", got, tc.want)
				}
				reported += len(got)
			}
			if tc.want != "" && reported < 150 {
				t.Fatalf("reported in %d runs of 200", reported)
			}
		})
	}
}

// TestReview47xWithinWindowEveryRun (a defect left open; set
// REVIEW47X_DEFECTS=1 to run it): the same reuse as above, other bytes 20
// messages (100 s) back, is reported in every run. It is not: its bytes are
// compared on 8 bits under the Engine's random seed, and in one run in 256
// the message is taken for a re-send after a lost ACK and dropped unread
// (no replay_control_id, none of its vital signs judged). 3,000 Engines
// all report it with probability (255/256)^3000 ≈ 10⁻⁵.
func TestReview47xWithinWindowEveryRun(t *testing.T) {
	if os.Getenv("REVIEW47X_DEFECTS") == "" {
		t.Skip("a defect left open (review47x-report.md); REVIEW47X_DEFECTS=1 runs it")
	}
	ticks := reuse47x(5*time.Second, 30, 20, false)
	missed := 0
	for range 3000 {
		if len(controlIDFindings(t, ticks)) == 0 {
			missed++
		}
	}
	if missed > 0 {
		t.Errorf("a control ID reused 100 s later with other bytes was taken for a re-send in %d runs of 3000", missed)
	}
}
