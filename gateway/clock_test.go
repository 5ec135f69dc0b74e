package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// monoNow lies between two readings of time.Now taken around it, by the monotonic clock, and carries a
// monotonic reading of its own (Round(0) strips it, so the two differ).
func TestMonoNow(t *testing.T) {
	for range 1000 {
		before := time.Now()
		now := monoNow()
		after := time.Now()
		if now.Before(before) || now.After(after) {
			t.Fatalf("monoNow %v outside [%v, %v]", now, before, after)
		}
		if now == now.Round(0) {
			t.Fatal("monoNow has no monotonic reading")
		}
	}
}

// BenchmarkClock compares a reading of the clock by time.Now with one by monoNow.
func BenchmarkClock(b *testing.B) {
	b.Run("time.Now", func(b *testing.B) {
		for b.Loop() {
			_ = time.Now()
		}
	})
	b.Run("monoNow", func(b *testing.B) {
		for b.Loop() {
			_ = monoNow()
		}
	})
}

// clockStepped reports a step of a second or more once, as a warning event and a log line naming it, and
// nothing for the few milliseconds a slew moves the clock between two ticks.
func TestClockStepped(t *testing.T) {
	cfg := config.Config{
		Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}}},
		Stations:  []config.StationConfig{{Name: "central", Address: "127.0.0.1:1"}},
		Routes:    []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}},
	}
	logs := &testkit.LogBuffer{}
	g, err := New(cfg, zerolog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	reported := func() []store.Event {
		var out []store.Event
		for _, e := range g.store.Events(store.KindGateway, 0, 0) {
			if strings.HasPrefix(e.Reason, "the system clock stepped by ") {
				out = append(out, e)
			}
		}
		return out
	}
	for _, c := range []struct {
		skew time.Duration
		want int // clock events stored after it
	}{
		{0, 0},
		{3 * time.Millisecond, 0}, // a slew
		{-5 * time.Minute, 1},     // an NTP step back
		{-5*time.Minute + 999*time.Millisecond, 1},
		{-5*time.Minute - 2*time.Millisecond, 1},
		{time.Hour, 2}, // a VM restored from a snapshot
		{time.Hour, 2},
	} {
		g.clockStepped(c.skew)
		if got := reported(); len(got) != c.want {
			t.Fatalf("after skew %v: %d clock events, want %d: %+v", c.skew, len(got), c.want, got)
		}
	}
	evs := reported()
	if !strings.Contains(evs[0].Reason, "stepped by -5m0s") || !strings.Contains(evs[1].Reason, "stepped by 1h5m0s") ||
		evs[0].Severity != "warning" {
		t.Fatalf("events %+v: want the steps -5m0s and 1h5m0s, warnings", evs)
	}
	if n := strings.Count(logs.String(), "the system clock stepped by"); n != 2 {
		t.Fatalf("%d log lines for two steps:\n%s", n, logs)
	}
}

// onWallClock moves by the clock's steps the findings' times that came from the steady arrival (a
// closing finding's, a finding's of a message without a time) and leaves a device's own times alone.
func TestOnWallClock(t *testing.T) {
	arrival := steady(time.Now())
	device := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	lastShown := arrival.Add(-time.Minute).Round(0)
	fs := []policy.Finding{
		{Rule: "range", ObservedAt: device},
		{Rule: "range", ObservedAt: arrival},                  // a message without MSH-7 or OBX-14
		{Rule: "frozen", ObservedAt: lastShown, Closed: true}, // an episode's close
	}
	want := []time.Time{device, arrival.Add(-10 * time.Minute), lastShown.Add(-10 * time.Minute)}
	onWallClock(fs, arrival, -10*time.Minute)
	for i, f := range fs {
		if !f.ObservedAt.Equal(want[i]) {
			t.Errorf("%s (closed %v): observed at %v, want %v", f.Rule, f.Closed, f.ObservedAt, want[i])
		}
		// A monotonic reading kept would make Sub and Before compare it by the steady clock again.
		if f.ObservedAt != f.ObservedAt.Round(0) {
			t.Errorf("%s (closed %v): observed at %v, with a monotonic reading", f.Rule, f.Closed, f.ObservedAt)
		}
	}
}
