package test

import (
	"bytes"
	"context"
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
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// Drill: the station restarts while the pool holds several idle connections. The first message after
// the restart finds a dead pooled connection; the others are just as dead, so the retry must go to a
// freshly dialled one. With the station up, every message gets the station's AA.
func TestStationRestartWithPooledConnections(t *testing.T) {
	const conns = 4
	var (
		mu      sync.Mutex
		arrived int
		all     = make(chan struct{})
	)
	// The first conns messages are held until all have arrived: they are in flight at once, so the
	// pool opens conns connections.
	hold := func(_ int, m *hl7.Message) ([]byte, time.Duration) {
		mu.Lock()
		arrived++
		if arrived == conns {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-time.After(5 * time.Second):
		}
		return ackFor(m, hl7.AA), 0
	}
	st := newStation(t, hold)
	addr := st.addr()
	cfg := baseConfig(st)
	cfg.Stations[0].Connections = conns
	g, _ := startGateway(t, cfg)
	sendFromMonitors(t, g.ListenerAddr("icu"), conns, 1, hl7.AA, func(i, _ int) string { return fmt.Sprintf("P%d", i) }, nil)
	if v := metricValue(t, g, "hl7gate_station_connections", "station", "central0"); v != conns {
		t.Fatalf("the pool holds %v connections, want %d", v, conns)
	}

	st.close() // the restart: every pooled connection is closed by the station
	back := newStationAt(t, addr, accept)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	for i := range 10 {
		ctrl := fmt.Sprintf("R%d", i)
		if code, id, _ := m.mustAck(t, oru("MON1", ctrl)); code != hl7.AA || id != ctrl {
			t.Errorf("message %d after the restart: %s for %q, want the station's AA", i, code, id)
		}
	}
	if got := back.waitReceived(t, 10); len(got) != 10 {
		t.Errorf("station received %d messages after the restart, want 10", len(got))
	}
}

// A station that was down long enough for the keeper's backoff to grow to seconds is reached by the
// first message after it is back: a message never waits out the backoff.
func TestStationBackNoBackoffWait(t *testing.T) {
	cfg, addr := downStationConfig(t)
	g, logs := startGateway(t, cfg)
	// The keeper's probes fail at 50, 100, 200, 400, 800 ms...: after 6 the backoff is 1.6 s.
	logs.waitCount(t, `"station connect failed"`, 6)
	newStationAt(t, addr, accept)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	if code, _, _ := m.mustAck(t, oru("MON1", "B1")); code != hl7.AA {
		t.Fatalf("first message after the station is back: %s, want AA (no backoff wait)", code)
	}
}

// An ACK from a monitor is never answered (HL7 never acknowledges an acknowledgement) and never
// forwarded; it is counted and recorded.
func TestMonitorAckNeverAnswered(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Routes[0].Match.MessageTypes = nil // a route that would take anything
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	ack := []byte("MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ACK^R01^ACK|K1|P|2.6\rMSA|AA|X1\r")
	if err := m.w.WriteFrame(ack); err != nil {
		t.Fatal(err)
	}
	// The next message's answer is the next frame the monitor reads: nothing came for the ACK.
	if code, id, _ := m.mustAck(t, oru("MON1", "K2")); code != hl7.AA || id != "K2" {
		t.Fatalf("after an ACK: %s for %q, want AA for K2 (and nothing for the ACK)", code, id)
	}
	if got := st.received(); len(got) != 1 || !bytes.Contains(got[0], []byte("|K2|")) {
		t.Fatalf("station received %d messages, want only K2", len(got))
	}
	evs := g.Store().Events(store.KindPolicy, 0, 0)
	if len(evs) != 1 || evs[0].ControlID != "K1" || !strings.Contains(evs[0].Reason, "not answered") {
		t.Fatalf("policy events = %+v, want one for the ACK K1", evs)
	}
	if metricValue(t, g, "hl7gate_monitor_acks_total", "listener", "icu") != 1 {
		t.Fatal("monitor ACK not counted")
	}
}

// A frozen secondary (it reads and never answers) does not delay the monitor: with ack_from: primary
// the monitor gets the primary's ACK in the primary's time, and what the secondary's backlog cannot hold
// is counted and recorded.
func TestFrozenSecondaryDoesNotDelayPrimary(t *testing.T) {
	primary := newStation(t, accept)
	frozen := newStation(t, func(int, *hl7.Message) ([]byte, time.Duration) { return nil, 0 })
	cfg := baseConfig(primary, frozen)
	cfg.Routes[0].Stations = []string{"central0", "central1"}
	cfg.Routes[0].AckFrom = policy.AckPrimary
	cfg.Stations[1].AckTimeout = 30 * time.Second
	cfg.Stations[1].Connections = 1
	cfg.Stations[1].Queue = 1
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	const n = 5
	for i := range n {
		ctrl := fmt.Sprintf("Q%d", i)
		// Far less than the secondary's ack_timeout: the answer must not wait for it.
		ack, err := m.send(oru("MON1", ctrl), 2*time.Second)
		if err != nil {
			t.Fatalf("message %d: no ACK in primary time: %v", i, err)
		}
		if code, id := parseAck(t, ack); code != hl7.AA || id != ctrl {
			t.Fatalf("message %d: %s for %q, want the primary's AA", i, code, id)
		}
	}
	primary.waitReceived(t, n)
	frozen.waitReceived(t, 1)
	// The frozen secondary holds one message, its backlog one more: at least n-2 were dropped, and
	// recorded in one aggregated event.
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	evs := g.Store().Events(store.KindDelivery, 0, 0)
	if len(evs) != 1 || evs[0].Count < n-2 || !strings.Contains(evs[0].Reason, "backlog full") {
		t.Fatalf("delivery events = %+v, want one counting at least %d for the full backlog", evs, n-2)
	}
	if metricValue(t, g, "hl7gate_secondary_messages_total", "result", "dropped", "station", "central1") < n-2 {
		t.Fatal("dropped secondary messages not counted")
	}
}

// A secondary that restarts misses nothing (redteam52 F6): with ack_from: primary the monitor gets the
// primary's AA while the secondary is down, and the secondary's backlog keeps each message and tries it
// again until the station is back, then delivers them all, in order.
func TestSecondaryRestartMissesNothing(t *testing.T) {
	primary := newStation(t, accept)
	secondary := newStation(t, accept)
	addr := secondary.addr()
	cfg := baseConfig(primary, secondary)
	cfg.Routes[0].Stations = []string{"central0", "central1"}
	cfg.Routes[0].AckFrom = policy.AckPrimary
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	send := func(ctrl string) {
		t.Helper()
		if code, id, _ := m.mustAck(t, oru("MON1", ctrl)); code != hl7.AA || id != ctrl {
			t.Fatalf("%s: %s for %q, want the primary's AA", ctrl, code, id)
		}
	}
	send("R0")
	secondary.waitReceived(t, 1)
	secondary.close()
	var want []string
	for i := 1; i <= 5; i++ {
		ctrl := fmt.Sprintf("R%d", i)
		send(ctrl)
		want = append(want, ctrl)
	}
	back := newStationAt(t, addr, accept)
	var got []string
	for _, msg := range back.waitReceived(t, len(want)) {
		var h hl7.Message
		if err := h.Parse(msg); err != nil {
			t.Fatal(err)
		}
		got = append(got, string(h.ControlID()))
	}
	if !slices.Equal(got, want) {
		t.Errorf("the secondary back up received %q, want %q", got, want)
	}
	if n := metricValue(t, g, "hl7gate_secondary_messages_total", "result", "failed", "station", "central1"); n != 0 {
		t.Errorf("%v secondary messages given up, want none", n)
	}
}

// metricValue returns the value of the gateway's metric name with the given label pairs (a counter or a
// gauge), or 0 when it has no such series.
func metricValue(t *testing.T, g *gateway.Gateway, name string, labels ...string) float64 {
	t.Helper()
	return testkit.Metric(t, g.Registry(), name, labels...)
}

// scriptStation is a fake station that answers message n (counted from 1 over all connections) by
// running answer, which writes whatever frames it likes.
// Only the returned station's address is meant to be used.
func scriptStation(t *testing.T, answer func(n int, m *hl7.Message, w *mllp.Writer)) *station {
	t.Helper()
	var (
		mu sync.Mutex
		n  int
	)
	ln := acceptConns(t, func(c net.Conn) {
		defer c.Close()
		r, w := mllp.NewReader(c, 0), mllp.NewWriter(c)
		var m hl7.Message
		for {
			frame, err := r.ReadFrame()
			if err != nil || m.Parse(frame) != nil {
				return
			}
			mu.Lock()
			n++
			k := n
			mu.Unlock()
			answer(k, &m, w)
		}
	})
	return &station{t: t, ln: ln}
}

// withAppAck sets a message's MSH-15 and MSH-16 (accept and application acknowledgement types).
func withAppAck(msg []byte, accept, app string) []byte {
	return bytes.Replace(msg, []byte("|NE|AL|"), []byte("|"+accept+"|"+app+"|"), 1)
}

// A station in enhanced mode answers CA, then AA. The CA is no application accept: a monitor that
// expects an application ACK gets the AA (after the CA was read past, never left for the next message);
// one that asked for no application ACK gets the CA; a station that sends only a CA to a monitor that
// expects more gets the monitor the gateway's CE (AE in enhanced mode), never a positive ACK. Whatever a station sends beyond the one
// answer awaited is never read as the answer to a later message, even one with the same control ID.
func TestStationCommitThenApplicationAck(t *testing.T) {
	caThenAA := func(_ int, m *hl7.Message, w *mllp.Writer) {
		_ = w.WriteFrame(ackFor(m, hl7.CA))
		_ = w.WriteFrame(ackFor(m, hl7.AA))
	}
	t.Run("application ACK expected", func(t *testing.T) {
		cfg := baseConfig(scriptStation(t, caThenAA))
		cfg.Stations[0].Connections = 1
		g, _ := startGateway(t, cfg)
		m := dialMonitor(t, g.ListenerAddr("icu"))
		for i := range 3 { // the same control ID each time: a re-sent message
			if code, id, _ := m.mustAck(t, withAppAck(oru("MON1", "CA1"), "AL", "AL")); code != hl7.AA || id != "CA1" {
				t.Fatalf("message %d: %s for %q, want the station's AA after its CA", i, code, id)
			}
		}
	})
	t.Run("commit only, application ACK expected", func(t *testing.T) {
		cfg := baseConfig(scriptStation(t, func(_ int, m *hl7.Message, w *mllp.Writer) { _ = w.WriteFrame(ackFor(m, hl7.CA)) }))
		cfg.Stations[0].AckTimeout = 300 * time.Millisecond
		g, _ := startGateway(t, cfg)
		m := dialMonitor(t, g.ListenerAddr("icu"))
		if code, _, _ := m.mustAck(t, withAppAck(oru("MON1", "CA2"), "AL", "AL")); code != hl7.CE {
			t.Fatalf("only a CA from the station: %s, want the gateway's CE (AE in enhanced mode)", code)
		}
	})
	t.Run("no application ACK expected", func(t *testing.T) {
		released := make(chan struct{})
		var once sync.Once
		release := func() { once.Do(func() { close(released) }) }
		t.Cleanup(release)
		script := func(n int, m *hl7.Message, w *mllp.Writer) {
			switch n {
			case 1: // CA, then (once the monitor has it) an AA nobody asked for
				_ = w.WriteFrame(ackFor(m, hl7.CA))
				<-released
				_ = w.WriteFrame(ackFor(m, hl7.AA))
			default: // the re-sent message is never answered
			}
		}
		cfg := baseConfig(scriptStation(t, script))
		cfg.Stations[0].Connections = 1
		cfg.Stations[0].AckTimeout = 500 * time.Millisecond
		g, _ := startGateway(t, cfg)
		m := dialMonitor(t, g.ListenerAddr("icu"))
		msg := withAppAck(oru("MON1", "CA3"), "AL", "NE")
		if code, _, _ := m.mustAck(t, msg); code != hl7.CA {
			t.Fatalf("%s, want the station's CA", code)
		}
		release()
		if code, _, _ := m.mustAck(t, msg); code.Positive() {
			t.Fatalf("re-sent message: %s although the station never answered it", code)
		}
	})
}

// Body checks are on by default: a NUL byte, invalid UTF-8 under MSH-18 UNICODE UTF-8, or 10,000
// segments get AE with an ERR that says why (and no message content), a policy event, and are not
// forwarded. A listener with body_checks.enabled false relays them unchecked.
func TestBodyChecks(t *testing.T) {
	hostile := []struct {
		name, ctrl string
		msg        []byte
		errCode    int
	}{
		{"NUL byte", "B1", bytes.Replace(oru("MON1", "B1"), []byte("PATIENT"), []byte("PAT\x00ENT"), 1), hl7.CodeDataType},
		{"invalid UTF-8", "B2", bytes.Replace(oru("MON1", "B2"), []byte("PATIENT"), []byte("PAT\xffENT"), 1), hl7.CodeDataType},
		{"10,000 segments", "B3", append(oru("MON1", "B3"), bytes.Repeat([]byte("NTE|1||x\r"), 10000)...), hl7.CodeSegmentSequence},
	}
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Stations[0].Connections = 1
	off := false
	cfg.Listeners = append(cfg.Listeners, config.ListenerConfig{Name: "unchecked", Address: "127.0.0.1:0",
		AllowSources: []string{"127.0.0.0/8"}, BodyChecks: config.BodyChecks{Enabled: &off}})
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	for _, h := range hostile {
		code, id, ack := m.mustAck(t, h.msg)
		if code != hl7.AE || id != h.ctrl || !bytes.Contains(ack, fmt.Appendf(nil, "ERR|||%d^", h.errCode)) ||
			!bytes.Contains(ack, []byte("message body refused")) {
			t.Errorf("%s: ACK %q, want AE with ERR %d saying why", h.name, ack, h.errCode)
		}
		if bytes.Contains(ack, []byte("PAT")) || bytes.Contains(ack, []byte("SECRETNAME")) {
			t.Errorf("%s: the ACK echoes message content: %q", h.name, ack)
		}
	}
	if code, _, _ := m.mustAck(t, oru("MON1", "B4")); code != hl7.AA {
		t.Fatalf("a clean message after the hostile ones: %s, want AA", code)
	}
	if got := st.received(); len(got) != 1 || !bytes.Contains(got[0], []byte("|B4|")) {
		t.Fatalf("station received %d messages, want only B4", len(got))
	}
	u := dialMonitor(t, g.ListenerAddr("unchecked"))
	if code, _, _ := u.mustAck(t, hostile[0].msg); code != hl7.AA {
		t.Fatalf("body checks off: %s, want the station's AA", code)
	}
	if err := g.Shutdown(context.Background()); err != nil { // folds the aggregated repeats in
		t.Fatal(err)
	}
	evs := g.Store().Events(store.KindPolicy, 0, 0)
	if len(evs) != 1 || evs[0].Count != uint64(len(hostile)) || evs[0].ControlID != "B1" ||
		!strings.HasPrefix(evs[0].Reason, "message body refused: control character 0x00") {
		t.Fatalf("policy events = %+v, want one aggregate of the %d refused messages", evs, len(hostile))
	}
}

// One monitor flooding rejected messages can never push another monitor's evidence out of the store:
// its repeats are aggregated into one event (count, first, last seen).
func TestEventFloodAggregated(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.State.MaxEvents = 10
	g, _ := startGateway(t, cfg)
	// The other monitor's evidence first: one rejected message from 127.0.0.2.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	c, err := d.Dial("tcp", g.ListenerAddr("icu").String())
	if err != nil {
		t.Fatal(err)
	}
	other := &monitor{c: c, r: mllp.NewReader(c, 0), w: mllp.NewWriter(c)}
	t.Cleanup(func() { c.Close() })
	if code, _, _ := other.mustAck(t, withType(oru("MON2", "EV0"), "ADT^A08^ADT_A01")); code != hl7.AR {
		t.Fatalf("other monitor: %s, want AR", code)
	}
	// The flood: 200 rejected messages of two kinds from 127.0.0.1.
	m := dialMonitor(t, g.ListenerAddr("icu"))
	const flood = 200
	for i := range flood {
		msg := withType(oru("MON1", fmt.Sprintf("F%d", i)), "ADT^A08^ADT_A01")
		if i%2 == 1 {
			msg = bytes.Replace(oru("MON1", fmt.Sprintf("F%d", i)), []byte("PATIENT"), []byte("PAT\x00ENT"), 1)
		}
		if code, _, _ := m.mustAck(t, msg); code.Positive() {
			t.Fatalf("flood message %d: %s", i, code)
		}
	}
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	evs := g.Store().Events(store.KindPolicy, 0, 0)
	counts := map[string]uint64{}
	for _, e := range evs {
		counts[e.Source+" "+strings.SplitN(e.Reason, ":", 2)[0]] += e.Count
	}
	want := map[string]uint64{
		"127.0.0.2 no route to an allowlisted station": 1,
		"127.0.0.1 no route to an allowlisted station": flood / 2,
		"127.0.0.1 message body refused":               flood / 2,
	}
	if len(evs) != 3 || fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("policy events %+v\ncounts %v, want %v", evs, counts, want)
	}
}

// Slow-loris: connections that start a frame and trickle nothing more are closed by the default
// frame_timeout (5 s), far sooner than an attacker would like (it was 30 s), and the gateway's file
// descriptors are back to their baseline afterwards.
func TestSlowLorisDefaultFrameTimeout(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Listeners[0].MaxPerSource = 200
	g, _ := startGateway(t, cfg)
	fds := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd:", err)
		}
		return len(ents)
	}
	base := fds()
	const conns = 100
	start := time.Now()
	var cs []net.Conn
	for range conns {
		c, err := net.Dial("tcp", g.ListenerAddr("icu").String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := c.Write([]byte("\x0bMSH|^~\\&|")); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	for i, c := range cs {
		c.SetReadDeadline(start.Add(8 * time.Second)) // the default is 5 s; 30 s was exploitable

		if _, err := c.Read(make([]byte, 1)); os.IsTimeout(err) {
			t.Fatalf("connection %d still open %s after it started a frame", i, time.Since(start).Round(time.Millisecond))
		}
		c.Close()
	}
	// Closed on both sides: the gateway's descriptors for them are gone once its sessions have ended.
	deadline := time.Now().Add(5 * time.Second)
	for fds() > base+2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d file descriptors, baseline %d", fds(), base)
		}
		time.Sleep(10 * time.Millisecond) // no signal for a descriptor's release: poll, bounded
	}
}

// With ack_from all or any the stations are forwarded to at once: each station here answers only once
// both have the message, which a fan-out in sequence never achieves (the first would time out).
func TestFanOutConcurrent(t *testing.T) {
	for _, mode := range []string{policy.AckAll, policy.AckAny} {
		t.Run(mode, func(t *testing.T) {
			var (
				mu   sync.Mutex
				seen int
				both = make(chan struct{})
			)
			barrier := func(_ int, m *hl7.Message) ([]byte, time.Duration) {
				mu.Lock()
				if seen++; seen == 2 {
					close(both)
				}
				mu.Unlock()
				select {
				case <-both:
					return ackFor(m, hl7.AA), 0
				case <-time.After(5 * time.Second):
					return nil, 0
				}
			}
			cfg := baseConfig(newStation(t, barrier), newStation(t, barrier))
			cfg.Routes[0].Stations = []string{"central0", "central1"}
			cfg.Routes[0].AckFrom = mode
			g, _ := startGateway(t, cfg)
			m := dialMonitor(t, g.ListenerAddr("icu"))
			if code, id, _ := m.mustAck(t, oru("MON1", "FC1")); code != hl7.AA || id != "FC1" {
				t.Fatalf("%s: %s for %q, want AA (both stations had the message at once)", mode, code, id)
			}
		})
	}
}
