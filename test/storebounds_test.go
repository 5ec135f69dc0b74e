package test

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/admin"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// The store-mode bounds of the redteam52 findings F3-F5: a poison message, a fan-out station past
// max_age, one monitor address's share of max_bytes, and the dead letters counted in it.

// dialMonitorFrom is dialMonitor from the loopback address src, a monitor of its own.
func dialMonitorFrom(t *testing.T, addr net.Addr, src string) *monitor {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr.String())
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	return &monitor{c: c, r: mllp.NewReader(c, 0), w: mllp.NewWriter(c)}
}

// withEUI is msg with its device's EUI-64 (OBX-18, the ordering key) replaced by eui.
func withEUI(msg []byte, eui string) []byte {
	return bytes.ReplaceAll(msg, []byte("0009FBFFFF059322"), []byte(eui))
}

// mustAA sends msg and fails the test unless the answer is AA.
func (m *monitor) mustAA(t *testing.T, msg []byte, what string) {
	t.Helper()
	if code, _, ack := m.mustAck(t, msg); code != hl7.AA {
		t.Fatalf("%s: %s, want AA: %q", what, code, ack)
	}
}

// waitQueue polls the route's queue state until ok holds (the queue sends no signal a test could wait
// on), bounded.
func waitQueue(t *testing.T, g *gateway.Gateway, ok func(admin.QueueStatus) bool) admin.QueueStatus {
	t.Helper()
	var q admin.QueueStatus
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if q = queueState(t, g); ok(q) {
			return q
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue state not reached: %+v", q)
		}
	}
}

// truncatesMSA2 is a station that accepts every message but cuts MSA-2 to 20 characters (HL7 v2.3–2.5's
// length for MSH-10), so that the ACK of a longer control ID never matches: a message it never answers.
func truncatesMSA2(_ int, m *hl7.Message) ([]byte, time.Duration) {
	id := string(m.ControlID())
	ack := ackFor(m, hl7.AA)
	if len(id) > 20 {
		ack = bytes.Replace(ack, []byte("|"+id), []byte("|"+id[:20]), 1)
	}
	return ack, 0
}

// F3: a station that cuts MSA-2 to 20 characters never matches a 30-character MSH-10. A monitor sends
// such a message, then more: the message is dead-lettered as poison after queue.poison_attempts
// failures, each while the station answered another monitor, and the monitor's later messages, already
// AA'd, are delivered in order, where a poison message retried forever would hold them for ever. (Another address claiming this monitor's EUI-64 gets a key of its own:
// TestStorePoisonStreamCannotHoldVictim.)
func TestStorePoisonMessageDeadLettered(t *testing.T) {
	const poison = "POISON1-0000000000000000000000"
	st := newStation(t, truncatesMSA2)
	g, _ := startGateway(t, storeConfig(t, st))
	victim := dialMonitorFrom(t, g.ListenerAddr("icu"), "127.0.0.6")
	other := dialMonitorFrom(t, g.ListenerAddr("icu"), "127.0.0.7")

	victim.mustAA(t, oru("MON1", poison), "poison message")
	for _, ctrl := range []string{"V1", "V2", "V3"} {
		victim.mustAA(t, oru("MON1", ctrl), ctrl)
	}
	// The other monitor's messages are what the station answers while the poison message fails.
	delivered := func() bool { return strings.Contains(strings.Join(controlIDs(t, st.received()), " "), "V3") }
	for i := 0; !delivered(); i++ {
		if i == 200 {
			t.Fatalf("victim's messages not delivered after 200 of another monitor's: station saw %d messages, V3 not among them",
				len(st.received()))
		}
		ctrl := fmt.Sprintf("O%d", i)
		other.mustAA(t, withEUI(oru("MON2", ctrl), "0009FBFFFF0593AA"), ctrl)
		n := len(st.received())
		st.update.waitFor(5*time.Second, func() bool { return len(st.received()) > n })
	}
	var victims []string
	for _, id := range controlIDs(t, st.received()) {
		if id[0] == 'V' || id == poison {
			victims = append(victims, id)
		}
	}
	// The poison message was sent at least poison_attempts times (a failure counts only after the
	// station answered another message), then never again; the victim's follow in order.
	got := strings.Join(victims, " ")
	if n := config.DefaultQueuePoisonAttempts; !strings.HasPrefix(got, strings.Repeat(poison+" ", n)) || !strings.HasSuffix(got, poison+" V1 V2 V3") {
		t.Fatalf("the victim's key at the station: %s, want the poison message %d or more times, then V1 V2 V3", got, n)
	}
	q := waitQueue(t, g, func(q admin.QueueStatus) bool { return len(q.DeadLetters) == 1 })
	if !strings.HasPrefix(q.DeadLetters[0].Reason, fmt.Sprintf("poison message: not answered by station central0 in %d attempts", config.DefaultQueuePoisonAttempts)) {
		t.Fatalf("dead letter: %+v", q.DeadLetters[0])
	}
	if v := metricValue(t, g, "hl7gate_queue_poison_total", "route", "vitals", "station", "central0"); v != 1 {
		t.Errorf("hl7gate_queue_poison_total %v, want 1", v)
	}
	evs := g.Store().Events(store.KindDelivery, 0, 10)
	if len(evs) != 1 || evs[0].ControlID != poison || !strings.Contains(evs[0].Reason, "poison message") {
		t.Errorf("delivery events: %+v", evs)
	}
}

// A station that answers nothing (every message times out: down, restarting) is not a poison station:
// however many attempts fail, nothing is dead-lettered, and everything arrives in order once it answers.
func TestStoreSilentStationNoPoison(t *testing.T) {
	var up atomic.Bool
	st := newStation(t, func(_ int, m *hl7.Message) ([]byte, time.Duration) {
		if !up.Load() {
			return nil, 0
		}
		return ackFor(m, hl7.AA), 0
	})
	cfg := storeConfig(t, st)
	cfg.Stations[0].AckTimeout = 20 * time.Millisecond
	g, _ := startGateway(t, cfg)
	a := dialMonitorFrom(t, g.ListenerAddr("icu"), "127.0.0.5")
	b := dialMonitorFrom(t, g.ListenerAddr("icu"), "127.0.0.6")
	a.mustAA(t, oru("MON1", "A1"), "A1")
	a.mustAA(t, oru("MON1", "A2"), "A2")
	b.mustAA(t, withEUI(oru("MON2", "B1"), "0009FBFFFF0593AA"), "B1")
	st.waitReceived(t, 3*2*config.DefaultQueuePoisonAttempts) // each key's head tried more often than poison_attempts
	up.Store(true)
	q := waitQueue(t, g, func(q admin.QueueStatus) bool { return q.Depth == 0 })
	if len(q.DeadLetters) != 0 {
		t.Fatalf("dead letters of a silent station: %+v", q.DeadLetters)
	}
	var as []string
	for _, id := range controlIDs(t, st.received()) {
		if id[0] == 'A' && (len(as) == 0 || as[len(as)-1] != id) {
			as = append(as, id)
		}
	}
	if strings.Join(as, " ") != "A1 A2" {
		t.Fatalf("order at the station: %v", as)
	}
}

// F3 without an attacker: a store-mode fan-out [central0, central1] with central1 down past max_age. The
// monitor keeps getting AA and central0 every message; central1's key is skipped (counted, one event).
// (max_age judged on the route's oldest message would give the monitor AE for everything.)
func TestStoreFanoutStationPastMaxAge(t *testing.T) {
	up := newStation(t, accept)
	down := downStation(t)
	cfg := storeConfig(t, up, down)
	cfg.Routes[0].Stations = []string{"central0", "central1"}
	cfg.Queue.MaxAge = time.Second
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	m.mustAA(t, oru("MON1", "S0"), "S0")
	up.waitReceived(t, 1)
	waitQueue(t, g, func(q admin.QueueStatus) bool { return q.OldestSeconds > 1 }) // central1's S0, past max_age
	for i := 1; i <= 3; i++ {
		ctrl := fmt.Sprintf("S%d", i)
		m.mustAA(t, oru("MON1", ctrl), ctrl+" with central1 down past max_age")
	}
	if got := strings.Join(controlIDs(t, up.waitReceived(t, 4)), " "); got != "S0 S1 S2 S3" {
		t.Fatalf("central0 received %s", got)
	}
	if v := metricValue(t, g, "hl7gate_queue_skipped_total", "route", "vitals", "station", "central1"); v != 3 {
		t.Errorf("hl7gate_queue_skipped_total{station=central1} %v, want 3", v)
	}
	if evs := g.Store().Events(store.KindDelivery, 0, 10); len(evs) != 1 || !strings.Contains(evs[0].Reason, "queue.max_age") {
		t.Errorf("delivery events: %+v, want one", evs)
	}
	// central1 back: it gets what was queued for it before the bound.
	back := newStationAt(t, down.addr(), accept)
	if got := strings.Join(controlIDs(t, back.waitReceived(t, 1)), " "); got != "S0" {
		t.Fatalf("central1 received %s", got)
	}
}

// bigORU is an ORU of about 200 KiB (one NTE segment: the listener's max_segment_length is raised).
func bigORU(app, ctrl string) []byte {
	return append(oru(app, ctrl), "NTE|1||"+strings.Repeat("x", 200<<10)+"\r"...)
}

// F4: during a station outage one monitor address sending large messages, under a new claimed EUI-64
// each time, reaches its queue.max_source_bytes and gets AE, while another monitor keeps getting AA; all
// that was AA'd is delivered once the station is back. (With one budget for the route the hog would fill
// max_bytes and the victim get AE "queue full".)
func TestStoreSourceShare(t *testing.T) {
	down := downStation(t)
	cfg := storeConfig(t, down)
	cfg.Queue.MaxBytes, cfg.Queue.MaxSourceBytes = 4<<20, 1<<20
	cfg.Listeners[0].BodyChecks.MaxSegmentLength = 256 << 10
	g, _ := startGateway(t, cfg)
	hog := dialMonitorFrom(t, g.ListenerAddr("icu"), "127.0.0.5")
	victim := dialMonitorFrom(t, g.ListenerAddr("icu"), "127.0.0.6")
	hogged := 0
	for ; ; hogged++ {
		msg := withEUI(bigORU("HOG", fmt.Sprintf("H%d", hogged)), fmt.Sprintf("0009FBFFFF05%04X", hogged))
		code, _, _ := hog.mustAck(t, msg)
		if code == hl7.AE {
			break
		}
		if code != hl7.AA || hogged > 40 {
			t.Fatalf("hog's message %d: %s, want AA until its share is used (AE)", hogged, code)
		}
	}
	if hogged != 5 { // 1 MiB holds 5 records of 200 KiB and a few hundred bytes, not 6
		t.Logf("hog got %d AA before AE, want 5", hogged)
		t.Fail()
	}
	small := 0 // then small messages take the last bytes
	for ; ; small++ {
		code, _, _ := hog.mustAck(t, oru("HOG", fmt.Sprintf("h%d", small)))
		if code == hl7.AE {
			break
		}
		if small > 500 {
			t.Fatalf("hog's small messages: still AA after %d", small)
		}
	}
	for i := range 10 {
		victim.mustAA(t, withEUI(oru("MON1", fmt.Sprintf("V%d", i)), "0009FBFFFF0593AA"), "victim while the hog is at its share")
	}
	if v := metricValue(t, g, "hl7gate_messages_rejected_total", "reason", "queue_share"); v != 2 {
		t.Errorf(`hl7gate_messages_rejected_total{reason="queue_share"} %v, want 2`, v)
	}
	// The alert HL7GateQueueShareFull sends the operator to the delivery events for the address (a
	// capacity matter like queue_full, not a policy rejection exported to the SIEM).
	evs := g.Store().Events(store.KindDelivery, 0, 10)
	if len(evs) != 1 || evs[0].Source != "127.0.0.5" || !strings.Contains(evs[0].Reason, "queue share of this address full") {
		t.Errorf("delivery events: %+v, want one for 127.0.0.5's share", evs)
	}
	st := newStationAt(t, down.addr(), accept)
	st.waitReceived(t, hogged+small+10)
	waitQueue(t, g, func(q admin.QueueStatus) bool { return q.Depth == 0 })
	hog.mustAA(t, withEUI(bigORU("HOG", "AFTER"), "0009FBFFFF05FFFF"), "hog after delivery") // its share is free again
}

// F5: a monitor whose messages the station refuses (AR, on_reject: dead_letter) gets AA for each, and
// each becomes a dead letter that stays counted in its address's share: after about a share's worth it
// gets AE, another monitor keeps AA, and the dead letters take at most the share (outside max_bytes they
// would be bounded only by the disk).
func TestStoreDeadLettersBounded(t *testing.T) {
	st := newStation(t, func(_ int, m *hl7.Message) ([]byte, time.Duration) {
		if string(m.SendingApplication()) == "HOG" {
			return ackFor(m, hl7.AR), 0
		}
		return ackFor(m, hl7.AA), 0
	})
	cfg := storeConfig(t, st)
	cfg.Queue.MaxBytes, cfg.Queue.MaxSourceBytes = 4<<20, 1<<20
	cfg.Listeners[0].BodyChecks.MaxSegmentLength = 256 << 10
	g, _ := startGateway(t, cfg)
	hog := dialMonitorFrom(t, g.ListenerAddr("icu"), "127.0.0.5")
	victim := dialMonitorFrom(t, g.ListenerAddr("icu"), "127.0.0.6")
	refused := 0
	for i := 0; refused == 0; i++ {
		if i > 40 {
			t.Fatalf("hog still gets AA after %d refused messages: the dead letters are not bounded", i)
		}
		ctrl := fmt.Sprintf("D%d", i)
		if code, _, _ := hog.mustAck(t, bigORU("HOG", ctrl)); code == hl7.AE {
			refused++
			continue
		}
		// Each message is delivered and dead-lettered before the next: its bytes stay the hog's.
		waitQueue(t, g, func(q admin.QueueStatus) bool { return q.Depth == 0 && len(q.DeadLetters) == i+1 })
	}
	victim.mustAA(t, withEUI(oru("MON1", "V1"), "0009FBFFFF0593AA"), "victim while the hog's dead letters fill its share")
	q := waitQueue(t, g, func(q admin.QueueStatus) bool { return q.Depth == 0 })
	if dead := metricValue(t, g, "hl7gate_queue_dead_bytes", "route", "vitals"); dead > 1<<20 || dead == 0 || len(q.DeadLetters) != 5 {
		t.Fatalf("dead letters: %d of %v bytes, want 5 within the 1 MiB share", len(q.DeadLetters), dead)
	}
}

// F5's other half: queue.max_bytes above the free space of queue.directory means the disk, not the
// bound, ends the appends (and a full disk fails the queue for every monitor): the gateway says so when
// it opens the queues.
func TestStoreMaxBytesAboveFreeSpace(t *testing.T) {
	const warning = "queue.max_bytes of the store-mode routes exceeds the free space of queue.directory"
	cfg := storeConfig(t, newStation(t, accept))
	cfg.Queue.MaxBytes = 1 << 20
	if _, logs := startGateway(t, cfg); strings.Contains(logs.String(), warning) {
		t.Fatalf("warning with 1 MiB max_bytes:\n%s", logs.String())
	}
	cfg.Queue.Directory = t.TempDir()
	cfg.Queue.MaxBytes = 1 << 60 // an exabyte: more than any test machine's disk
	_, logs := startGateway(t, cfg)
	logs.waitCount(t, `"route":"vitals"`, 1)
	if !strings.Contains(logs.String(), warning) {
		t.Fatalf("no warning with max_bytes above the free space:\n%s", logs.String())
	}
}
