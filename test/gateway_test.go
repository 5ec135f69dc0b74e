package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/test/testkit"
)

func TestDeliveryByteExactAndAckRelayed(t *testing.T) {
	st := newStation(t, accept)
	g, _ := startGateway(t, baseConfig(st))
	m := dialMonitor(t, g.ListenerAddr("icu"))
	msg := oru("MON1", "C1")
	code, id, ack := m.mustAck(t, msg)
	if code != hl7.AA || id != "C1" {
		t.Fatalf("ACK = %s for %q, want AA for C1", code, id)
	}
	got := st.waitReceived(t, 1)
	if !bytes.Equal(got[0], msg) {
		t.Fatalf("station received\n%q\nwant\n%q", got[0], msg)
	}
	// The monitor gets the station's own ACK, byte for byte.
	var sm hl7.Message
	if err := sm.Parse(msg); err != nil {
		t.Fatal(err)
	}
	if want := ackFor(&sm, hl7.AA); !bytes.Equal(ack, want) {
		t.Fatalf("relayed ACK\n%q\nwant the station's\n%q", ack, want)
	}
}

func TestOrderPerMonitorUnderConcurrency(t *testing.T) {
	st := newStation(t, accept)
	g, _ := startGateway(t, baseConfig(st))
	const monitors, each = 8, 25
	sendFromMonitors(t, g.ListenerAddr("icu"), monitors, each, hl7.AA, func(i, j int) string { return fmt.Sprintf("M%d-%d", i, j) }, nil)
	got := st.waitReceived(t, monitors*each)
	next := map[string]int{}
	for _, frame := range got {
		m, err := hl7.Parse(frame)
		if err != nil {
			t.Fatal(err)
		}
		var mon, seq int
		fmt.Sscanf(string(m.ControlID()), "M%d-%d", &mon, &seq)
		key := fmt.Sprint(mon)
		if seq != next[key] {
			t.Fatalf("monitor %d: got message %d, want %d (order broken)", mon, seq, next[key])
		}
		next[key]++
	}
}

func TestDefaultDenyAnswersARAndForwardsNothing(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	// One station connection: whatever the gateway sent before D2 arrived before it, so once the
	// station has D2 (its AA proves it) the list below is complete.
	cfg.Stations[0].Connections = 1
	g, logs := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	code, id, ack := m.mustAck(t, withType(oru("MON1", "D1"), "ADT^A01^ADT_A01"))
	if code != hl7.AR || id != "D1" {
		t.Fatalf("ACK = %s for %q, want AR for D1", code, id)
	}
	if !bytes.Contains(ack, []byte("ERR|")) {
		t.Fatalf("AR without an ERR segment: %q", ack)
	}
	// A routed message on the same connection still goes through: nothing leaked, nothing stuck.
	if code, _, _ := m.mustAck(t, oru("MON1", "D2")); code != hl7.AA {
		t.Fatalf("second message: %s", code)
	}
	if got := st.received(); len(got) != 1 || !bytes.Contains(got[0], []byte("|D2|")) {
		t.Fatalf("station received %d messages, want only D2", len(got))
	}
	evs := g.Store().Events(store.KindPolicy, 0, 0)
	if len(evs) != 1 || evs[0].ControlID != "D1" || evs[0].Reason == "" {
		t.Fatalf("policy events = %+v", evs)
	}
	if !strings.Contains(logs.String(), `"message rejected"`) {
		t.Fatalf("no log line for the rejected message:\n%s", logs)
	}
}

func TestRefusedSource(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Listeners[0].AllowSources = []string{"192.0.2.0/24"} // not loopback: our test client is refused
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	if _, err := m.send(oru("MON1", "R1"), 2*time.Second); err == nil {
		t.Fatal("a refused source got an answer")
	}
	evs := g.Store().Events(store.KindConnection, 0, 0)
	if len(evs) != 1 || evs[0].Reason != "source_not_allowed" || evs[0].Source != "127.0.0.1" {
		t.Fatalf("connection events = %+v", evs)
	}
	if len(st.received()) != 0 {
		t.Fatal("a refused source's message reached the station")
	}
}

// TestRefusalFloodLogsBounded: a device hammering a listener it may not use gets every attempt counted
// (metric, events) but only a bounded number of log lines.
func TestRefusalFloodLogsBounded(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Listeners[0].AllowSources = []string{"192.0.2.0/24"}
	g, logs := startGateway(t, cfg)
	const attempts = 60
	for range attempts {
		c, err := net.Dial("tcp", g.ListenerAddr("icu").String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = c.Read(make([]byte, 1)) // returns when the gateway closes it
		c.Close()
		if os.IsTimeout(err) {
			t.Fatal("the gateway did not close a refused connection")
		}
	}
	// Every refusal is counted in one aggregated event (a flood from one source writes one event);
	// Shutdown folds the last repeats in.
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if evs := g.Store().Events(store.KindConnection, 0, 0); len(evs) != 1 || evs[0].Count != attempts {
		t.Fatalf("connection events %+v, want one counting %d refusals", evs, attempts)
	}
	if n := strings.Count(logs.String(), `"connection refused"`); n != 20 {
		t.Fatalf("%d 'connection refused' log lines for %d refusals, want the budget of 20", n, attempts)
	}
}

func TestConnectionLimitPerSource(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Listeners[0].MaxPerSource = 1
	g, _ := startGateway(t, cfg)
	first := dialMonitor(t, g.ListenerAddr("icu"))
	if code, _, _ := first.mustAck(t, oru("MON1", "L1")); code != hl7.AA {
		t.Fatal(code)
	}
	second := dialMonitor(t, g.ListenerAddr("icu"))
	if _, err := second.send(oru("MON1", "L2"), 2*time.Second); err == nil {
		t.Fatal("second connection from the same source was served past the limit")
	}
	if code, _, _ := first.mustAck(t, oru("MON1", "L3")); code != hl7.AA {
		t.Fatal("first connection broken by the refused one")
	}
}

func TestFanOutAckModes(t *testing.T) {
	nak := func(_ int, m *hl7.Message) ([]byte, time.Duration) { return ackFor(m, hl7.AE), 0 }
	tests := []struct {
		mode       string
		behaviours []stationBehaviour
		want       hl7.AckCode
	}{
		{policy.AckPrimary, []stationBehaviour{accept, nak}, hl7.AA},
		{policy.AckPrimary, []stationBehaviour{nak, accept}, hl7.AE},
		{policy.AckAll, []stationBehaviour{accept, accept}, hl7.AA},
		{policy.AckAll, []stationBehaviour{accept, nak}, hl7.AE},
		{policy.AckAny, []stationBehaviour{nak, accept}, hl7.AA},
		{policy.AckAny, []stationBehaviour{nak, nak}, hl7.AE},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%d", tc.mode, len(tc.behaviours)), func(t *testing.T) {
			var sts []*station
			for _, b := range tc.behaviours {
				sts = append(sts, newStation(t, b))
			}
			cfg := baseConfig(sts...)
			cfg.Routes[0].Stations = []string{"central0", "central1"}
			cfg.Routes[0].AckFrom = tc.mode
			g, _ := startGateway(t, cfg)
			m := dialMonitor(t, g.ListenerAddr("icu"))
			code, id, _ := m.mustAck(t, oru("MON1", "F1"))
			if code != tc.want || id != "F1" {
				t.Fatalf("%s: ACK %s for %q, want %s", tc.mode, code, id, tc.want)
			}
			for i, s := range sts { // fan-out delivers to every station whatever the mode
				s.waitReceived(t, 1)
				_ = i
			}
		})
	}
}

func TestFanOutAllWithStationDownNeverPositive(t *testing.T) {
	up := newStation(t, accept)
	down := newStation(t, accept)
	downAddr := down.addr()
	down.close()
	cfg := baseConfig(up, up)
	cfg.Stations[1].Address = downAddr
	cfg.Routes[0].Stations = []string{"central0", "central1"}
	cfg.Routes[0].AckFrom = policy.AckAll
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	if code, _, _ := m.mustAck(t, oru("MON1", "A1")); code.Positive() {
		t.Fatalf("positive ACK %s although one of all stations is down", code)
	}
}

func TestStationDownThenUp(t *testing.T) {
	cfg, addr := downStationConfig(t)
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	for i := range 3 {
		code, id, _ := m.mustAck(t, oru("MON1", fmt.Sprintf("U%d", i)))
		if code != hl7.AE || id != fmt.Sprintf("U%d", i) {
			t.Fatalf("while down: ACK %s for %q, want AE", code, id)
		}
	}
	if evs := g.Store().Events(store.KindDelivery, 0, 0); len(evs) == 0 {
		t.Fatal("no delivery event while the station was down")
	}
	back := newStationAt(t, addr, accept)
	// The monitor re-sends, as real monitors do, until the gateway's backoff after the failed dials has
	// run out and it reaches the station again. The resend interval only paces the monitor: the loop
	// ends on the AA, whatever the backoff.
	resend := time.NewTicker(20 * time.Millisecond)
	defer resend.Stop()
	deadline := time.After(10 * time.Second)
	for {
		code, _, _ := m.mustAck(t, oru("MON1", "U9"))
		if code == hl7.AA {
			break
		}
		select {
		case <-resend.C:
		case <-deadline:
			t.Fatal("station came back but the message was never delivered")
		}
	}
	got := back.waitReceived(t, 1)
	if !bytes.Contains(got[len(got)-1], []byte("|U9|")) {
		t.Fatal("station did not get the re-sent message")
	}
	for _, s := range g.Store().Stations() {
		if s.Name == "central0" && !s.Up {
			t.Fatalf("station health not updated: %+v", s)
		}
	}
}

// A pooled connection the station closed while idle is replaced without losing or duplicating the message.
func TestStalePooledConnectionRetried(t *testing.T) {
	st := newStation(t, accept)
	st.closeAfterAck = true
	cfg := baseConfig(st)
	cfg.Stations[0].Connections = 1
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	for i := range 5 {
		ctrl := fmt.Sprintf("ST%d", i)
		if code, id, _ := m.mustAck(t, oru("MON1", ctrl)); code != hl7.AA || id != ctrl {
			t.Fatalf("message %d: %s for %q", i, code, id)
		}
		st.waitClosed(t, i+1) // the pooled connection is stale before the next message
	}
	if got := st.waitReceived(t, 5); len(got) != 5 {
		t.Fatalf("station received %d messages, want exactly 5", len(got))
	}
}

func TestStationNegativeAcksRelayed(t *testing.T) {
	for _, code := range []hl7.AckCode{hl7.AE, hl7.AR} {
		t.Run(string(code), func(t *testing.T) {
			st := newStation(t, func(_ int, m *hl7.Message) ([]byte, time.Duration) { return ackFor(m, code), 0 })
			g, _ := startGateway(t, baseConfig(st))
			m := dialMonitor(t, g.ListenerAddr("icu"))
			got, id, _ := m.mustAck(t, oru("MON1", "N1"))
			if got != code || id != "N1" {
				t.Fatalf("ACK %s for %q, want the station's %s", got, id, code)
			}
		})
	}
}

// A late ACK must never be taken as the answer to the next message (Mirth #1441, #2070).
func TestLateAckNotMatchedToNextMessage(t *testing.T) {
	gaveUp := make(chan struct{}) // closed once the monitor has the gateway's AE for LATE1
	giveUp := sync.OnceFunc(func() { close(gaveUp) })
	st := newStation(t, func(n int, m *hl7.Message) ([]byte, time.Duration) {
		if n == 1 {
			<-gaveUp // answer only after the gateway gave up on the message
		}
		return ackFor(m, hl7.AA), 0
	})
	t.Cleanup(giveUp) // before the station's cleanup, which waits for its connections
	cfg := baseConfig(st)
	cfg.Stations[0].AckTimeout = 200 * time.Millisecond
	cfg.Stations[0].Connections = 1
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	if code, id, _ := m.mustAck(t, oru("MON1", "LATE1")); code != hl7.AE || id != "LATE1" {
		t.Fatalf("first message: %s for %q, want AE (no ACK in time)", code, id)
	}
	giveUp() // the station sends the late ACK now, while the next messages go out
	for i := range 3 {
		ctrl := fmt.Sprintf("NEXT%d", i)
		code, id, _ := m.mustAck(t, oru("MON1", ctrl))
		if id != ctrl {
			t.Fatalf("ACK for %q relayed as the answer to %s", id, ctrl)
		}
		if code != hl7.AA {
			t.Fatalf("%s: %s", ctrl, code)
		}
	}
}

// A station answering with another message's control ID must not produce a positive ACK.
func TestMismatchedAckRejected(t *testing.T) {
	st := newStation(t, func(_ int, m *hl7.Message) ([]byte, time.Duration) {
		other, _ := hl7.Parse(oru("X", "SOMETHING-ELSE"))
		return ackFor(other, hl7.AA), 0
	})
	g, _ := startGateway(t, baseConfig(st))
	m := dialMonitor(t, g.ListenerAddr("icu"))
	code, id, _ := m.mustAck(t, oru("MON1", "MM1"))
	if code.Positive() || id != "MM1" {
		t.Fatalf("ACK %s for %q; want a negative ACK for MM1", code, id)
	}
}

func TestSilentOnFailure(t *testing.T) {
	st := newStation(t, func(int, *hl7.Message) ([]byte, time.Duration) { return nil, 0 }) // never answers
	cfg := baseConfig(st)
	cfg.Stations[0].AckTimeout = 100 * time.Millisecond
	cfg.Delivery.OnFailure = config.OnFailureSilent
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	if ack, err := m.send(oru("MON1", "S1"), 700*time.Millisecond); err == nil {
		t.Fatalf("got %q, want no answer", ack)
	}
}

func TestBrokenInputGetsNakAndConnectionSurvives(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Listeners[0].MaxFrame = 1024
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))

	big := append(oru("MON1", "BIG1"), bytes.Repeat([]byte("OBX|3|ST|X||padding\r"), 100)...)
	code, id, _ := m.mustAck(t, big)
	if code != hl7.AE || id != "BIG1" {
		t.Fatalf("oversized: %s for %q, want AE for BIG1 (recovered from the header)", code, id)
	}
	code, _, _ = m.mustAck(t, []byte("this is not HL7\r"))
	if code != hl7.AE {
		t.Fatalf("garbage: %s, want AE", code)
	}
	// Junk before the start block is skipped; the next message is fine.
	if _, err := m.c.Write([]byte("\x00\x00junk\r\n")); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := m.mustAck(t, oru("MON1", "OK1")); code != hl7.AA {
		t.Fatalf("after junk: %s", code)
	}
	if n := len(st.received()); n != 1 {
		t.Fatalf("station received %d messages, want only OK1", n)
	}
}

func TestSlowStationBackpressure(t *testing.T) {
	st := newStation(t, func(_ int, m *hl7.Message) ([]byte, time.Duration) { return ackFor(m, hl7.AA), 20 * time.Millisecond })
	cfg := baseConfig(st)
	cfg.Stations[0].Connections = 1
	cfg.Stations[0].AckTimeout = 5 * time.Second
	g, _ := startGateway(t, cfg)
	const monitors = 6
	sendFromMonitors(t, g.ListenerAddr("icu"), monitors, 3, hl7.AA, func(i, j int) string { return fmt.Sprintf("SL%d-%d", i, j) }, nil)
	st.waitReceived(t, monitors*3)
	st.mu.Lock()
	conns := st.conns
	st.mu.Unlock()
	if conns != 1 {
		t.Fatalf("station saw %d connections, want the pool's 1", conns)
	}
}

// Shutdown while a message waits on a slow station: the idle connection is closed at once, while the
// busy one still has its grace period; the busy message either completes with the station's ACK or gets
// no answer; it is never positively ACKed without delivery.
func TestShutdownMidStream(t *testing.T) {
	release := make(chan struct{})
	st := newStation(t, func(_ int, m *hl7.Message) ([]byte, time.Duration) {
		<-release
		return ackFor(m, hl7.AA), 0
	})
	cfg := baseConfig(st)
	// Neither the grace period nor the wait for the ACK ends by itself: the test ends the grace period
	// by cancelling the context it gives Shutdown.
	cfg.Delivery.ShutdownGrace = time.Minute
	cfg.Stations[0].AckTimeout = time.Minute
	g, err := gateway.New(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(context.Background()) }) // a no-op unless the test failed early
	releaseStation := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseStation) // runs first, so that the shutdown above does not wait for the grace period
	busy := dialMonitor(t, g.ListenerAddr("icu"))
	idle := dialMonitor(t, g.ListenerAddr("icu"))
	if err := busy.w.WriteFrame(oru("MON1", "SD1")); err != nil {
		t.Fatal(err)
	}
	st.waitReceived(t, 1)
	ctx, endGrace := context.WithCancel(context.Background())
	defer endGrace()
	done := make(chan error, 1)
	go func() { done <- g.Shutdown(ctx) }()
	// The idle connection is closed at once: while the grace period still runs for the busy one.
	if _, err := idle.read(5 * time.Second); err == nil {
		t.Fatal("idle connection got data during shutdown")
	} else if os.IsTimeout(err) {
		t.Fatal("idle connection still open during the grace period")
	}
	select {
	case err := <-done:
		t.Fatalf("shutdown returned (%v) before the message in flight finished or the grace period ended", err)
	default:
	}
	endGrace()
	ack, err := busy.read(5 * time.Second)
	if err == nil {
		t.Fatalf("busy connection got %q although the station never answered in the grace period", ack)
	}
	if os.IsTimeout(err) {
		t.Fatal("busy connection still open after the grace period")
	}
	releaseStation()
	if err := <-done; err == nil {
		t.Fatal("shutdown reported success although it had to cut a message off")
	}
	if _, err := net.DialTimeout("tcp", g.ListenerAddr("icu").String(), time.Second); err == nil {
		t.Fatal("still accepting after shutdown")
	}
}

func TestAdminEndpoint(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	tokenFile := filepath.Join(t.TempDir(), "token")
	const token = "0123456789abcdef-test-token"
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Admin = config.AdminConfig{Address: "127.0.0.1:0", TokenFile: tokenFile}
	g, logs := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	m.mustAck(t, oru("MON1", "AD1"))
	m.mustAck(t, withType(oru("MON1", "AD2"), "ADT^A01"))

	base := "http://" + g.AdminAddr().String()
	get := func(path, tok string) (int, string) {
		t.Helper()
		return testkit.Get(t, base+path, tok)
	}
	if code, _ := get("/healthz", ""); code != 200 {
		t.Fatalf("/healthz: %d", code)
	}
	if code, _ := get("/api/monitors", ""); code != 401 {
		t.Fatalf("/api/monitors without token: %d, want 401", code)
	}
	if code, _ := get("/api/monitors", "wrong-token-wrong-token"); code != 401 {
		t.Fatalf("/api/monitors with a wrong token: %d, want 401", code)
	}
	monitors := func() []store.Monitor {
		t.Helper()
		_, body := get("/api/monitors", token)
		var mons []store.Monitor
		if err := json.Unmarshal([]byte(body), &mons); err != nil {
			t.Fatal(err)
		}
		return mons
	}
	// Live: the open connection's counters, before anything was written to the store.
	if mons := monitors(); len(mons) != 1 || mons[0].Messages != 2 || mons[0].Errors != 1 || mons[0].Connections != 1 ||
		mons[0].SendingApplication != "MON1" || mons[0].Equipment == "" || mons[0].FirstSeen.IsZero() {
		t.Fatalf("monitors while connected = %+v", mons)
	}
	// Closed: the counters stay, in the store; a new connection from the same source adds to them.
	m.c.Close()
	logs.waitCount(t, `"connection closed"`, 1) // logged after the counters moved to the store
	if mons := monitors(); len(mons) != 1 || mons[0].Messages != 2 || mons[0].Errors != 1 || mons[0].Connections != 0 {
		t.Fatalf("monitors after the connection closed = %+v", mons)
	}
	m2 := dialMonitor(t, g.ListenerAddr("icu"))
	m2.mustAck(t, oru("MON1", "AD3"))
	if mons := monitors(); len(mons) != 1 || mons[0].Messages != 3 || mons[0].Errors != 1 || mons[0].Connections != 1 {
		t.Fatalf("monitors after reconnecting = %+v", mons)
	}
	code, body := get("/metrics", token)
	if code != 200 || !strings.Contains(body, `hl7gate_messages_rejected_total{listener="icu",reason="policy"} 1`) ||
		!strings.Contains(body, `hl7gate_acks_total{code="AA",origin="station"} 2`) {
		t.Fatalf("/metrics (%d) lacks the expected counters:\n%s", code, body)
	}
	if code, body := get("/readyz", token); code != 200 {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	_, body = get("/api/events?kind=policy", token)
	if !strings.Contains(body, `"control_id": "AD2"`) || strings.Contains(body, "SECRETNAME") {
		t.Fatalf("/api/events: %s", body)
	}
}

func TestEnhancedModeOwnAcks(t *testing.T) {
	st := newStation(t, accept)
	g, _ := startGateway(t, baseConfig(st))
	m := dialMonitor(t, g.ListenerAddr("icu"))
	msg := bytes.Replace(withType(oru("MON1", "E1"), "ADT^A01"), []byte("|NE|AL|"), []byte("|AL|NE|"), 1)
	if code, _, _ := m.mustAck(t, msg); code != hl7.CR {
		t.Fatalf("enhanced-mode policy rejection: %s, want CR", code)
	}
}

// TestMonitorCountersAcrossConnections reads /api/monitors while monitors keep connecting, sending and
// closing: a connection's counters move from live to the store when it ends, and a reader must never see
// them counted twice or not at all, so the message count only grows and ends at what was sent.
func TestMonitorCountersAcrossConnections(t *testing.T) {
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Admin = config.AdminConfig{Address: "127.0.0.1:0"}
	g, _ := startGateway(t, cfg)
	const workers, rounds, each = 4, 10, 3
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				c, err := net.Dial("tcp", g.ListenerAddr("icu").String())
				if err != nil {
					t.Error(err)
					return
				}
				m := &monitor{c: c, r: mllp.NewReader(c, 0), w: mllp.NewWriter(c)}
				for k := range each {
					if _, err := m.send(oru("MON1", fmt.Sprintf("C%d-%d-%d", w, r, k)), 5*time.Second); err != nil {
						t.Error(err)
					}
				}
				m.c.Close()
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	url := "http://" + g.AdminAddr().String() + "/api/monitors"
	read := func() store.Monitor {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var mons []store.Monitor
		if err := json.NewDecoder(resp.Body).Decode(&mons); err != nil {
			t.Fatal(err)
		}
		if len(mons) > 1 {
			t.Fatalf("monitors = %+v, want one (every connection comes from 127.0.0.1)", mons)
		}
		if len(mons) == 0 {
			return store.Monitor{}
		}
		return mons[0]
	}
	var last uint64
	reads := 0
	for finished := false; !finished; reads++ {
		select {
		case <-done:
			finished = true
		default:
		}
		m := read()
		if m.Messages < last {
			t.Fatalf("messages went down from %d to %d between two reads", last, m.Messages)
		}
		last = m.Messages
	}
	const sent = workers * rounds * each
	// Every monitor has its ACKs, so every connection is closing; its counters move to the store as it
	// ends. Wait (bounded) until none is open, then the totals must be exact.
	m := read()
	for deadline := time.Now().Add(10 * time.Second); m.Connections != 0 && time.Now().Before(deadline); {
		m = read()
	}
	if m.Messages != sent || m.Errors != 0 || m.Connections != 0 {
		t.Fatalf("after %d reads: %+v, want %d messages and no open connection", reads, m, sent)
	}
}
