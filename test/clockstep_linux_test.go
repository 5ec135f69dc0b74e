package test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// clockStepEnv runs TestSystemClockStep. It steps the machine's clock, which every test running beside it
// would see, so it runs alone: .ci/run runs it after the others.
const clockStepEnv = "HL7GATE_CLOCK_STEP"

// TestSystemClockStep steps the system clock back by ten minutes and forward again while a monitor whose own
// clock keeps time sends through the gateway. Every monitor's time checks compare its MSH-7 with the
// gateway's arrival clock, so a step of the gateway's clock read as a step of every monitor's would raise
// time_future (back) or time_skew (forward) on each monitor of the ward at once. The gateway reports each step
// once, as a gateway event, and the checks raise nothing; a finding whose time is its message's arrival
// shows it on the system clock, as the event's own time is.
func TestSystemClockStep(t *testing.T) {
	if os.Getenv(clockStepEnv) != "1" {
		t.Skip("steps the machine's clock: run alone, with " + clockStepEnv + "=1 (as .ci/run does)")
	}
	if os.Geteuid() != 0 {
		testkit.Unavailable(t, "stepping the system clock needs root")
	}
	st := newStation(t, accept)
	g, _ := startGateway(t, vitalsConfig(st))
	m := dialMonitor(t, g.ListenerAddr("icu"))

	// The monitor's clock: the test's start plus the monotonic time since, which no step moves.
	base := time.Now()
	device := func() time.Time { return base.Add(time.Since(base)).UTC() }
	// Its cadence: a message every 300 ms, past the 250 ms within which the checks take messages for a
	// burst of stored ones, which they do not judge against the arrival clock.
	cadence := time.NewTicker(300 * time.Millisecond)
	defer cadence.Stop()
	n := 0
	send := func(count int) {
		t.Helper()
		for range count {
			<-cadence.C
			n++
			ts := string(hl7.AppendTime(nil, device()))
			msg := bytes.ReplaceAll(oru("MON1", fmt.Sprintf("CLK%d", n)), []byte("20261125120000"), []byte(ts))
			if code, id, _ := m.mustAck(t, msg); code != hl7.AA || id != fmt.Sprintf("CLK%d", n) {
				t.Fatalf("message %d: ACK %s for %q", n, code, id)
			}
		}
	}
	stepped := func() int { return len(clockEvents(g.Store().Events(store.KindGateway, 0, 0))) }

	send(5)
	step(t, -10*time.Minute)
	restored := false
	t.Cleanup(func() {
		if !restored {
			step(t, 10*time.Minute)
		}
	})
	if !pollFor(10*time.Second, func() bool { return stepped() == 1 }) {
		t.Fatalf("no gateway event for the clock's step back: %+v", g.Store().Events(store.KindGateway, 0, 0))
	}
	send(5)
	// A message with no time of its own (no MSH-7, no OBX-14) and an SpO2 no device shows: its finding's
	// time is its arrival, which its event shows on the clock of the event's own time.
	<-cadence.C
	n++
	untimed := bytes.ReplaceAll(impossible(fmt.Sprintf("CLK%d", n)), []byte("20261125120000"), nil)
	if code, _, _ := m.mustAck(t, untimed); code != hl7.AA {
		t.Fatalf("message %d without a time: ACK %s", n, code)
	}
	step(t, 10*time.Minute)
	restored = true
	if !pollFor(10*time.Second, func() bool { return stepped() == 2 }) {
		t.Fatalf("no gateway event for the clock's step forward: %+v", g.Store().Events(store.KindGateway, 0, 0))
	}
	send(5)

	for i, e := range clockEvents(g.Store().Events(store.KindGateway, 0, 0)) {
		want := []time.Duration{-10 * time.Minute, 10 * time.Minute}[i]
		if got := reportedStep(e); e.Severity != "warning" || (got-want).Abs() > time.Second {
			t.Errorf("clock event %+v: want a warning naming the step of %v", e, want)
		}
	}
	ranged := 0
	for _, e := range g.Store().Events(store.KindVitals, 0, 0) {
		if strings.HasPrefix(e.Rule, "time_") {
			t.Errorf("the gateway's clock step was read as the monitor's: %s %s", e.Rule, e.Reason)
		}
		if e.Rule == "range" {
			ranged++
			// By the wall clock: Sub of two readings of time.Now compares their monotonic readings.
			if d := e.ObservedAt.Round(0).Sub(e.Time.Round(0)); d.Abs() > time.Minute {
				t.Errorf("finding of the message without a time: observed at %v, %v from its event's time %v", e.ObservedAt, d, e.Time)
			}
		}
	}
	if ranged != 1 {
		t.Errorf("%d range findings, want 1 (the message without a time)", ranged)
	}
	if got := len(st.received()); got != n {
		t.Fatalf("station received %d messages, want %d", got, n)
	}
}

// clockEvents returns the events of evs that report a step of the system clock.
func clockEvents(evs []store.Event) []store.Event {
	var out []store.Event
	for _, e := range evs {
		if strings.HasPrefix(e.Reason, "the system clock stepped") {
			out = append(out, e)
		}
	}
	return out
}

// reportedStep is the step a clock event names ("the system clock stepped by -10m0.001s: ..."), or 0.
func reportedStep(e store.Event) time.Duration {
	s, _, _ := strings.Cut(strings.TrimPrefix(e.Reason, "the system clock stepped by "), ":")
	d, _ := time.ParseDuration(s)
	return d
}

// step moves the system's wall clock by exactly d (CLOCK_REALTIME; the monotonic clock does not move): the
// kernel adds d itself (adjtimex ADJ_SETOFFSET), so no time passes between a reading and the setting, and
// the step forward puts back exactly what the step back took.
func step(t *testing.T, d time.Duration) {
	t.Helper()
	tx := unix.Timex{Modes: unix.ADJ_SETOFFSET, Time: unix.NsecToTimeval(d.Nanoseconds())}
	if _, err := unix.Adjtimex(&tx); err != nil {
		t.Fatalf("stepping the clock by %v: %v", d, err)
	}
}
