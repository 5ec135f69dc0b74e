package vitals_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestResendAliasReview42a: the control-ID history records arrivals modulo
// 2^16 s (about 18.2 hours). Keyed by its bytes, a constant-ID device's
// history holds every message up to 1,024 of them: at a 5-min cadence
// 3.5 days. A forger who stops the live feed and sends yesterday's messages
// byte for byte, each 65,536 s after it first came, finds each under its own
// key "0 s" ago: a retransmission, never judged, for as long as it goes on.
// On main the ID's one entry held the latest message: each was judged
// (time_backwards, 18 h back).
func TestResendAliasReview42a(t *testing.T) {
	const step = 5 * time.Minute
	one := constantID(step)
	ts := every(240, step, one) // 20 h of a live feed
	live := run(t, vitals.DefaultConfig(), ts)
	for k := 22; k < 62; k++ { // then yesterday's messages, each 2^16 s after it came
		ts = append(ts, tick{time.Duration(k)*step + 65536*sec, one(k)})
	}
	fs := run(t, vitals.DefaultConfig(), byArrival(ts))
	t.Logf("live %d %q; with the replays %d %q", len(live), rulesOf(live), len(fs), rulesOf(fs))
	for _, f := range fs[len(live):] {
		t.Logf("  %s %g %g: %s", f.Rule, f.Value, f.Other, f.Explanation)
	}
	if len(fs) == len(live) {
		t.Errorf("40 messages from 18 h before, sent again byte for byte: no finding (live feed alone: %q)", rulesOf(live))
	}
	if len(only(fs, "time_backwards")) == 0 {
		t.Errorf("no time_backwards; rules %q", rulesOf(fs))
	}
}

// TestResendAliasAfterBurstReview42a: as TestResendAliasReview42a, the
// device's history first grown to 1,024 entries by a burst (1,100 messages
// in 110 s: the history grows while it spans less than the resend window,
// and never shrinks), so that at a 5-min cadence it spans 3.5 days again.
func TestResendAliasAfterBurstReview42a(t *testing.T) {
	const step, fast = 5 * time.Minute, 100 * time.Millisecond
	const n = 1100
	one := func(i int) tick { // the burst's messages, then a message every 5 min
		at := time.Duration(i) * fast
		if i >= n {
			at = time.Duration(n)*fast + time.Duration(i-n+1)*step
		}
		m := vitalsAt(i, 70+float64(i%17), 72+float64(i%11), 95+float64(i%4))
		m.ctrl, m.ts = "1", t0.Add(at).Format("20060102150405")
		return tick{at, m}
	}
	var ts []tick
	for i := range n + 240 {
		ts = append(ts, one(i))
	}
	live := run(t, vitals.DefaultConfig(), ts)
	last := ts[len(ts)-1].at
	for i := n; i < n+240; i++ {
		if tk := one(i); tk.at+65536*sec > last && tk.at+65536*sec < last+40*step {
			ts = append(ts, tick{tk.at + 65536*sec, tk.m})
		}
	}
	if len(ts) == n+240 {
		t.Fatal("no message sent again")
	}
	fs := run(t, vitals.DefaultConfig(), byArrival(ts))
	if len(only(fs, "time_backwards")) == len(only(live, "time_backwards")) {
		t.Errorf("%d messages from 18 h before, sent again byte for byte: no time_backwards; rules %q (live feed alone: %q)", len(ts)-n-240, rulesOf(fs), rulesOf(live))
	}
}

// TestResendAfterLearningReview42a: a device with a counter that restarts
// among its first 16 messages is learned to reuse IDs (idsReused). A
// re-send, after a lost ACK, of the message that taught it, or of one before
// it, is a retransmission as it was on main.
func TestResendAfterLearningReview42a(t *testing.T) {
	const step = 10 * sec
	one := func(i int) msg {
		m := vitalsAt(i, 70+float64(i%17), 72+float64(i%11), 95+float64(i%4))
		id := i + 1
		if i >= 9 {
			id = i - 8 // restarts at 1 with the tenth message
		}
		m.ctrl, m.ts = strconv.Itoa(id), t0.Add(time.Duration(i)*step).Format("20060102150405")
		return m
	}
	resent := func(k int, d time.Duration) []tick {
		return byArrival(append(every(60, step, one), tick{time.Duration(k)*step + d, one(k)}))
	}
	checkCases(t, []ruleCase{
		{"the learning message re-sent 11 s later", resent(9, 11*sec), nil},
		{"the message before it re-sent 21 s later", resent(8, 21*sec), nil},
		{"a later message re-sent 11 s later", resent(20, 11*sec), nil},
	})
}

// TestResendTrimmedHistoryReview42a: a constant-ID device's history is
// kept only as far back as the resend window (as a counting device's): a
// re-send up to the window after the original is still found, at a cadence
// of 2 s and of 0.5 s, long after the history first filled.
func TestResendTrimmedHistoryReview42a(t *testing.T) {
	resent := func(step time.Duration, n, k int, d time.Duration) []tick {
		one := constantID(step)
		return byArrival(append(every(n, step, one), tick{time.Duration(k)*step + d, one(k)}))
	}
	checkCases(t, []ruleCase{
		{"2 s cadence, message 300 re-sent 75 s later", resent(2*sec, 400, 300, 75*sec), nil},
		{"2 s cadence, message 300 re-sent 118 s later", resent(2*sec, 400, 300, 118*sec), nil},
		{"0.5 s cadence, message 1200 re-sent 110 s later", resent(500*time.Millisecond, 1600, 1200, 110*sec), nil},
	})
}
