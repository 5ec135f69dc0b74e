package test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// bigOru is oru with OBX segments of text appended, about kib KiB in all: a valid message a flooding
// device sends back to back.
func bigOru(app, ctrl string, kib int) []byte {
	msg := oru(app, ctrl)
	for i := range kib {
		msg = fmt.Appendf(msg, "OBX|%d|ST|X||%s\r", i+3, strings.Repeat("A", 1000))
	}
	return msg
}

// waitAnswer bounds the wait for one answer: the throttled flood's last ones come seconds late, on purpose.
// Only a broken gateway reaches it.
const waitAnswer = 30 * time.Second

// dialFrom connects to the gateway's listener from the loopback address src.
func dialFrom(t *testing.T, addr net.Addr, src string) *monitor {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", addr.String())
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	return &monitor{c: c, r: mllp.NewReader(c, 0), w: mllp.NewWriter(c)}
}

// TestFloodingSourceThrottled: a device sending big valid messages back to back over two connections, far
// over its listener's max_source_rate, is throttled (counted, one event for its address, exported once to
// the SOC), while every message of every source, its own included, is delivered and answered with the
// station's AA for that message; the monitors on other addresses, sending meanwhile well under the rate,
// are never throttled.
func TestFloodingSourceThrottled(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Listeners[0].MaxSourceRate = config.MinSourceRate // 64 KiB/s: the flood below owes about 3 s
	soc := exportToSOC(t, &cfg)
	g, logs := startGateway(t, cfg)
	addr := g.ListenerAddr("icu")

	const floodConns, floodEach, floodKiB = 2, 3, 40
	var sent []string
	var mu sync.Mutex
	delivered := func(id string) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, id)
	}
	var flood sync.WaitGroup
	for c := range floodConns {
		m := dialFrom(t, addr, "127.0.0.2")
		ids := make([]string, floodEach)
		for j := range ids {
			ids[j] = fmt.Sprintf("FLOOD%d-%d", c, j)
		}
		flood.Go(func() { // back to back: every message written before any answer is read
			for _, id := range ids {
				if err := m.w.WriteFrame(bigOru("FLOOD", id, floodKiB)); err != nil {
					t.Errorf("flood %s: %v", id, err)
					return
				}
			}
		})
		flood.Go(func() {
			for _, id := range ids {
				expectAA(t, m, id, delivered)
			}
		})
	}
	waitThrottled(t, g)

	// Monitors on other addresses, while the flood is throttled: 20 messages each, 13 KB, far under the
	// budget whatever their pace.
	var good sync.WaitGroup
	for i := range 3 {
		m := dialFrom(t, addr, fmt.Sprintf("127.0.0.%d", i+3))
		good.Go(func() {
			for j := range 20 {
				id := fmt.Sprintf("GOOD%d-%d", i, j)
				if err := m.w.WriteFrame(oru(fmt.Sprintf("MON%d", i), id)); err != nil {
					t.Errorf("%s: %v", id, err)
					return
				}
				if !expectAA(t, m, id, delivered) {
					return
				}
			}
		})
	}
	good.Wait()
	flood.Wait()
	if t.Failed() {
		return
	}

	got := st.waitReceived(t, len(sent))
	have := map[string]int{}
	for _, raw := range got {
		m, err := hl7.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		have[string(m.ControlID())]++
	}
	for _, id := range sent {
		if have[id] != 1 {
			t.Errorf("station got %s %d times, want once", id, have[id])
		}
	}
	if n := metricValue(t, g, "hl7gate_source_throttled_seconds_total", "listener", "icu"); n <= 0 {
		t.Errorf("hl7gate_source_throttled_seconds_total = %v, want > 0", n)
	}
	var throttled []string
	for _, e := range g.Store().Events(store.KindThrottle, 0, 0) {
		if strings.Contains(e.Reason, "max_source_rate") {
			throttled = append(throttled, e.Source)
		}
	}
	if len(throttled) != 1 || throttled[0] != "127.0.0.2" {
		t.Errorf("throttling events for sources %v, want one, for 127.0.0.2", throttled)
	}
	if n := strings.Count(logs.String(), "source over its byte-rate budget"); n != 1 {
		t.Errorf("%d throttling log lines, want 1 (one per stored event)", n)
	}
	ext := soc.waitCEF(t, "source_throttled", "src=127.0.0.2 ")
	for k, want := range map[string]string{"act": "delayed", "proto": "TCP", "cs2": "icu", "cs3": "max_source_rate",
		"reason": fmt.Sprintf("over %d bytes/s", config.MinSourceRate)} {
		if ext[k] != want {
			t.Errorf("source_throttled: %s=%q, want %q", k, ext[k], want)
		}
	}
	if n := soc.count(" source_throttled "); n != 1 {
		t.Errorf("%d source_throttled events exported, want 1 (one per stored event)", n)
	}
}

// exportToSOC makes cfg export to a syslog sink on loopback over TCP, and returns the sink.
func exportToSOC(t *testing.T, cfg *config.Config) *syslogSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	cfg.Export.Syslog = []export.SyslogConfig{{Name: "soc", Address: ln.Addr().String(), Transport: "tcp",
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}}
	return newSyslogSink(t, ln)
}

// waitThrottled waits until the gateway has throttled a message.
func waitThrottled(t *testing.T, g *gateway.Gateway) {
	t.Helper()
	for deadline := time.Now().Add(waitAnswer); metricValue(t, g, "hl7gate_source_throttled_total", "listener", "icu") < 1; {
		if time.Now().After(deadline) {
			t.Fatal("no message throttled")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// expectAA reads m's next answer and checks that it is an AA for id; it notes id as delivered.
func expectAA(t *testing.T, m *monitor, id string, delivered func(string)) bool {
	t.Helper()
	ack, err := m.read(waitAnswer)
	if err != nil {
		t.Errorf("%s: no answer: %v", id, err)
		return false
	}
	code, got, err := decodeAck(ack)
	if err != nil || code != hl7.AA || got != id {
		t.Errorf("%s: answer %s for %q (%v), want AA", id, code, got, bytes.TrimSpace(ack))
		return false
	}
	delivered(id)
	return true
}

// TestShutdownEndsThrottleWait: Shutdown begins while messages of a source over max_source_rate wait,
// read but not yet answered. Their waits end at once: each is delivered and answered AA within the grace
// period, and Shutdown returns without cutting anything off, instead of holding the messages (and, on a
// polled connection, Shutdown's close of it, under the gateway's lock) for the rest of a wait that can
// last a minute or more.
func TestShutdownEndsThrottleWait(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Listeners[0].MaxSourceRate = config.MinSourceRate // 64 KiB/s: 1000 KiB waits about 15 s more per connection
	cfg.Delivery.ShutdownGrace = time.Minute              // the grace period does not end the waits either
	g, _ := startGateway(t, cfg)
	addr := g.ListenerAddr("icu")

	const conns = 5 // each over the budget: waits of about 15, 30, 46, 61 and 76 s
	ms := make([]*monitor, conns)
	for i := range ms {
		ms[i] = dialFrom(t, addr, "127.0.0.2")
		if err := ms[i].w.WriteFrame(bigOru("FLOOD", fmt.Sprintf("SD%d", i), 1000)); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(waitAnswer); metricValue(t, g, "hl7gate_source_throttled_total", "listener", "icu") < conns; {
		if time.Now().After(deadline) {
			t.Fatal("the messages were not throttled")
		}
		time.Sleep(5 * time.Millisecond)
	}
	done := make(chan error, 1)
	go func() { done <- g.Shutdown(context.Background()) }()
	// Well under the longest waits: an answer that comes only once its wait is over comes too late.
	const bound = 20 * time.Second
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Go(func() {
			id := fmt.Sprintf("SD%d", i)
			ack, err := m.read(bound)
			if err != nil {
				t.Errorf("%s: no answer during shutdown: %v", id, err)
				return
			}
			if code, got, err := decodeAck(ack); err != nil || code != hl7.AA || got != id {
				t.Errorf("%s: answer %s for %q (%v), want AA", id, code, got, err)
			}
		})
	}
	wg.Wait()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if n := len(st.waitReceived(t, conns)); n != conns {
		t.Errorf("station got %d messages, want %d", n, conns)
	}
}

// TestReloadSourceRate: a reload applies a listener's max_source_rate and source_rates to its open
// connections, its new ones and the waits in progress. Three messages of a source over the rate wait (about
// 15, 30 and 46 s at 64 KiB/s). A reload that doubles max_source_rate halves what is left of their waits:
// none is answered at once. A reload that makes that source unlimited (source_rates, -1) ends them: each is
// delivered and answered AA at once, and the source's next messages, on an open connection and a new one,
// wait for nothing, while a source on another address still waits at the listener's rate.
func TestReloadSourceRate(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Listeners[0].MaxSourceRate = config.MinSourceRate
	cfg.Delivery.ShutdownGrace = time.Minute // Shutdown ends the last wait below, not the grace period
	g, _ := startGateway(t, cfg)
	addr := g.ListenerAddr("icu")
	throttled := func() float64 {
		return metricValue(t, g, "hl7gate_source_throttled_total", "listener", "icu")
	}
	reload := func(change func(*config.ListenerConfig)) {
		t.Helper()
		change(&cfg.Listeners[0])
		if err := g.Reload(context.Background(), cfg); err != nil {
			t.Fatalf("reload: %v", err)
		}
	}

	const conns = 3
	ms := make([]*monitor, conns)
	for i := range ms {
		ms[i] = dialFrom(t, addr, "127.0.0.2")
		if err := ms[i].w.WriteFrame(bigOru("FLOOD", fmt.Sprintf("RL%d", i), 1000)); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(waitAnswer); throttled() < conns; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the messages were not throttled")
		}
	}

	reload(func(l *config.ListenerConfig) { l.MaxSourceRate = 2 * config.MinSourceRate })
	if ack, err := ms[0].read(500 * time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after max_source_rate doubled: answer %q (%v) at once, want the wait to go on", ack, err)
	}
	ms[0].r = mllp.NewReader(ms[0].c, 0) // the timed-out reader read nothing

	reload(func(l *config.ListenerConfig) {
		l.SourceRates = []config.SourceRate{{Sources: "127.0.0.2/32", MaxSourceRate: -1}}
	})
	// Well under the shortest wait left (about 7 s): an answer that comes only once its wait is over comes
	// too late.
	const bound = 5 * time.Second
	for i, m := range ms {
		id := fmt.Sprintf("RL%d", i)
		ack, err := m.read(bound)
		if err != nil {
			t.Fatalf("%s: no answer after its source was made unlimited: %v", id, err)
		}
		if code, got, err := decodeAck(ack); err != nil || code != hl7.AA || got != id {
			t.Fatalf("%s: answer %s for %q (%v), want AA", id, code, got, err)
		}
	}
	before := throttled()
	for i, m := range []*monitor{ms[0], dialFrom(t, addr, "127.0.0.2")} { // an open connection, a new one
		for j := range 2 {
			id := fmt.Sprintf("FREE%d-%d", i, j)
			if err := m.w.WriteFrame(bigOru("FLOOD", id, 1000)); err != nil {
				t.Fatal(err)
			}
			if ack, err := m.read(bound); err != nil {
				t.Fatalf("%s: %v", id, err)
			} else if code, got, _ := decodeAck(ack); code != hl7.AA || got != id {
				t.Fatalf("%s: answer %s for %q, want AA", id, code, got)
			}
		}
	}
	if n := throttled(); n != before {
		t.Errorf("hl7gate_source_throttled_total went from %v to %v for a source made unlimited", before, n)
	}
	other := dialFrom(t, addr, "127.0.0.3")
	for j := range 2 {
		if err := other.w.WriteFrame(bigOru("OTHER", fmt.Sprintf("OT%d", j), 1000)); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(waitAnswer); throttled() == before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a source outside source_rates, over max_source_rate, was not throttled")
		}
	}
}

// TestSourceRatesThrottleEvent: a source over the rate its source_rates entry gives it is recorded and
// exported naming that entry and its rate, not max_source_rate; once a reload changes the entry's rate, the
// source's next throttled message is a new event, naming the new rate, rather than a repeat counted in the
// event of the old one.
func TestSourceRatesThrottleEvent(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Listeners[0].MaxSourceRate = 16 * config.MinSourceRate
	entry := func(rate int) []config.SourceRate {
		return []config.SourceRate{{Sources: "127.0.0.2/32", MaxSourceRate: rate}}
	}
	cfg.Listeners[0].SourceRates = entry(config.MinSourceRate)
	soc := exportToSOC(t, &cfg)
	g, _ := startGateway(t, cfg)
	m := dialFrom(t, g.ListenerAddr("icu"), "127.0.0.2")
	throttledAt := func(id string, rate int) { // id, 100 KiB, is over the source's budget of rate bytes/s
		t.Helper()
		if err := m.w.WriteFrame(bigOru("FLOOD", id, 100)); err != nil {
			t.Fatal(err)
		}
		if !expectAA(t, m, id, func(string) {}) {
			t.FailNow()
		}
		want := fmt.Sprintf("source over source_rates 127.0.0.2/32 (%d bytes/s, all its connections)", rate)
		var reasons []string
		for _, e := range g.Store().Events(store.KindThrottle, 0, 0) {
			reasons = append(reasons, e.Reason)
		}
		if !slices.ContainsFunc(reasons, func(r string) bool { return strings.HasPrefix(r, want) }) {
			t.Fatalf("throttle events %q, want one saying %q", reasons, want)
		}
		soc.waitCEF(t, "source_throttled", "cs3=source_rates 127.0.0.2/32 ", fmt.Sprintf("reason=over %d bytes/s ", rate))
	}
	throttledAt("SR1", config.MinSourceRate)
	cfg.Listeners[0].SourceRates = entry(2 * config.MinSourceRate)
	if err := g.Reload(context.Background(), cfg); err != nil {
		t.Fatalf("reload: %v", err)
	}
	throttledAt("SR2", 2*config.MinSourceRate)
}
