package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/admin"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
)

// storeConfig is baseConfig with the route in store mode, its queue in a temporary directory, fast
// retries and the admin endpoint on loopback.
func storeConfig(t *testing.T, stations ...*station) config.Config {
	cfg := baseConfig(stations...)
	cfg.Routes[0].Delivery = config.DeliveryStore
	cfg.Queue = config.QueueConfig{Directory: t.TempDir(), RetryMin: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond}
	cfg.Admin.Address = "127.0.0.1:0"
	for i := range cfg.Stations {
		cfg.Stations[i].ConnectTimeout = 200 * time.Millisecond
	}
	return cfg
}

// downStation returns the address of a station that is down: a loopback port nothing listens on, which
// newStationAt can bring up later.
func downStation(t *testing.T) *station {
	s := newStation(t, accept)
	s.close()
	return s
}

func queueState(t *testing.T, g *gateway.Gateway) admin.QueueStatus {
	t.Helper()
	resp, err := http.Get("http://" + g.AdminAddr().String() + "/api/queue")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var qs []admin.QueueStatus
	if err := json.Unmarshal(b, &qs); err != nil || len(qs) != 1 {
		t.Fatalf("/api/queue: %v %s", err, b)
	}
	return qs[0]
}

// With the station down, store mode answers AA (the message is durably queued) and delivers everything,
// in order, once the station is back; a message the policy rejects is never queued.
func TestStoreModeStationDown(t *testing.T) {
	down := downStation(t)
	g, _ := startGateway(t, storeConfig(t, down))
	m := dialMonitor(t, g.ListenerAddr("icu"))
	for i := range 5 {
		ctrl := fmt.Sprintf("Q%d", i)
		if code, id, ack := m.mustAck(t, oru("MON1", ctrl)); code != hl7.AA || id != ctrl {
			t.Fatalf("message %s: %s for %q, want AA (durably queued): %q", ctrl, code, id, ack)
		}
	}
	// Enhanced mode (MSH-15 AL) gets the commit ACK CA.
	enh := bytes.Replace(oru("MON1", "Q5"), []byte("|NE|AL|"), []byte("|AL|NE|"), 1)
	if code, id, _ := m.mustAck(t, enh); code != hl7.CA || id != "Q5" {
		t.Fatalf("enhanced mode: %s for %q, want CA", code, id)
	}
	if code, _, _ := m.mustAck(t, withType(oru("MON1", "ADT"), "ADT^A01^ADT_A01")); code != hl7.AR {
		t.Fatalf("unrouted message: %s, want AR", code)
	}
	if q := queueState(t, g); q.Depth != 6 || q.Keys != 1 {
		t.Fatalf("queue with the station down: %+v, want 6 messages under 1 key", q)
	}
	// Every route is in store mode: the gateway is ready (it takes messages) with the station down.
	if resp, err := http.Get("http://" + g.AdminAddr().String() + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz with the station down in store mode: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}

	st := newStationAt(t, down.addr(), accept)
	got := st.waitReceived(t, 6)
	for i, msg := range got[:6] {
		var hm hl7.Message
		if err := hm.Parse(msg); err != nil || string(hm.ControlID()) != fmt.Sprintf("Q%d", i) {
			t.Fatalf("station's message %d: %v %q, want Q%d", i, err, hm.ControlID(), i)
		}
	}
	// The queue counts a message delivered once the station's ACK is back, which sends no signal the test
	// could wait on: poll, bounded.
	for deadline := time.Now().Add(5 * time.Second); queueState(t, g).Depth != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("queue not drained: %+v", queueState(t, g))
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := http.Get("http://" + g.AdminAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`hl7gate_queue_depth{route="vitals"} 0`, `hl7gate_queue_oldest_seconds{route="vitals"} 0`,
		`hl7gate_queue_delivered_total{route="vitals",station="central0"} 6`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// A station's AR moves the message to the dead letters (queue.on_reject: dead_letter), recorded as an
// event; the messages after it are delivered. With on_reject: retry the message is sent N more times first.
func TestStoreModeStationRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		retries int
		sends   int // times the station sees the rejected message
	}{
		{"dead_letter", 0, 1},
		{"retry", 2, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStation(t, func(_ int, m *hl7.Message) ([]byte, time.Duration) {
				if string(m.ControlID()) == "BAD" {
					return ackFor(m, hl7.AR), 0
				}
				return ackFor(m, hl7.AA), 0
			})
			cfg := storeConfig(t, st)
			if tc.retries > 0 {
				cfg.Queue.OnReject, cfg.Queue.RejectRetries = config.OnRejectRetry, tc.retries
			}
			g, _ := startGateway(t, cfg)
			m := dialMonitor(t, g.ListenerAddr("icu"))
			for _, ctrl := range []string{"OK1", "BAD", "OK2"} {
				if code, _, _ := m.mustAck(t, oru("MON1", ctrl)); code != hl7.AA {
					t.Fatalf("%s: %s, want AA (queued)", ctrl, code)
				}
			}
			order := controlIDs(t, st.waitReceived(t, 2+tc.sends))
			want := "OK1 " + strings.Repeat("BAD ", tc.sends) + "OK2"
			if strings.Join(order, " ") != want {
				t.Fatalf("station saw %v, want %s", order, want)
			}
			var q admin.QueueStatus
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if q = queueState(t, g); q.Depth == 0 && len(q.DeadLetters) == 1 || time.Now().After(deadline) {
					break
				}
			}
			if len(q.DeadLetters) != 1 || !strings.HasPrefix(q.DeadLetters[0].Reason, "AR from station central0") {
				t.Fatalf("dead letters: %+v", q)
			}
			evs := g.Store().Events(store.KindDelivery, 0, 10)
			if len(evs) != 1 || evs[0].ControlID != "BAD" || !strings.Contains(evs[0].Reason, "dead letter") {
				t.Fatalf("delivery events: %+v", evs)
			}
		})
	}
}

// At queue.max_bytes the monitor gets AE and nothing already queued is lost.
func TestStoreModeQueueFull(t *testing.T) {
	down := downStation(t)
	cfg := storeConfig(t, down)
	cfg.Queue.MaxBytes, cfg.Queue.MaxSourceBytes = 1<<20, 1<<20 // one monitor: its share is the route's
	cfg.Listeners[0].BodyChecks.MaxSegmentLength = 256 << 10    // the pad below is one 200 KiB segment
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	pad := "NTE|1||" + strings.Repeat("x", 200<<10) + "\r"
	var acked []string
	for i := 0; ; i++ {
		ctrl := fmt.Sprintf("F%d", i)
		code, _, _ := m.mustAck(t, append(oru("MON1", ctrl), pad...))
		if code == hl7.AE {
			break
		}
		if code != hl7.AA || i > 10 {
			t.Fatalf("message %d: %s, want AA until the queue is full (AE)", i, code)
		}
		acked = append(acked, ctrl)
	}
	if len(acked) != 5 { // 5 records of 200 KiB and a few hundred bytes fit in 1 MiB, a 6th does not
		t.Fatalf("%d messages queued before AE, want 5", len(acked))
	}
	if evs := g.Store().Events(store.KindDelivery, 0, 10); len(evs) != 1 || !strings.HasPrefix(evs[0].Reason, "queue full") {
		t.Errorf("delivery events: %+v, want one: queue full", evs)
	}
	st := newStationAt(t, down.addr(), accept)
	got := st.waitReceived(t, len(acked))
	for i, msg := range got {
		var hm hl7.Message
		if err := hm.Parse(msg); err != nil || string(hm.ControlID()) != acked[i] {
			t.Fatalf("station's message %d: %q, want %s", i, hm.ControlID(), acked[i])
		}
	}
	// Room again: the next message is queued and delivered.
	if code, _, _ := m.mustAck(t, oru("MON1", "AFTER")); code != hl7.AA {
		t.Fatalf("after draining: %s, want AA", code)
	}
	st.waitReceived(t, len(acked)+1)
}

// What docs/high-availability.md says of store mode in an active/standby pair: each node's queue is its
// own, not replicated. Node A queues with the station down and fails; node B (the VIP moved) queues the
// monitor's next messages and delivers them when the station is back; A's messages stay on A's disk
// until A runs again, and then arrive after B's: one monitor's order does not hold across a failover.
func TestStoreModeNodeFails(t *testing.T) {
	down := downStation(t)
	cfgA := storeConfig(t, down)
	cfgB := cfgA
	cfgB.Queue.Directory = t.TempDir()

	a, _ := startGateway(t, cfgA)
	m := dialMonitor(t, a.ListenerAddr("icu"))
	for _, ctrl := range []string{"A1", "A2", "A3"} {
		if code, _, _ := m.mustAck(t, oru("MON1", ctrl)); code != hl7.AA {
			t.Fatalf("%s on node A: %s, want AA (queued)", ctrl, code)
		}
	}
	if err := a.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}

	b, _ := startGateway(t, cfgB)
	m = dialMonitor(t, b.ListenerAddr("icu"))
	for _, ctrl := range []string{"B1", "B2"} {
		if code, _, _ := m.mustAck(t, oru("MON1", ctrl)); code != hl7.AA {
			t.Fatalf("%s on node B: %s, want AA (queued)", ctrl, code)
		}
	}
	st := newStationAt(t, down.addr(), accept)
	st.waitReceived(t, 2)

	startGateway(t, cfgA) // node A runs again (as standby: delivering needs no VIP)
	order := controlIDs(t, st.waitReceived(t, 5))
	if strings.Join(order, " ") != "B1 B2 A1 A2 A3" {
		t.Fatalf("station received %v, want B's queue first, then A's once A runs again", order)
	}
}

// A route switched back to relay keeps its queue on disk, and the gateway says so when it starts.
func TestStoreModeOrphanQueue(t *testing.T) {
	st := newStation(t, accept)
	cfg := storeConfig(t, st)
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	if code, _, _ := m.mustAck(t, oru("MON1", "S1")); code != hl7.AA {
		t.Fatalf("store mode: %s", code)
	}
	st.waitReceived(t, 1)
	if err := g.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	cfg.Routes[0].Delivery = config.DeliveryRelay
	_, logs := startGateway(t, cfg)
	logs.waitCount(t, `"route":"vitals"`, 1)
	if !strings.Contains(logs.String(), "queue of a route that is not in store mode") {
		t.Errorf("no warning about the queue left on disk:\n%s", logs.String())
	}
}

// controlIDs returns the control IDs (MSH-10) of msgs, in order.
func controlIDs(t *testing.T, msgs [][]byte) []string {
	t.Helper()
	ids := make([]string, 0, len(msgs))
	for _, msg := range msgs {
		var hm hl7.Message
		if err := hm.Parse(msg); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, string(hm.ControlID()))
	}
	return ids
}
