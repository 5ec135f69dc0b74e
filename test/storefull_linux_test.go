//go:build linux

package test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/journal"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// diskPad makes a message about 20 KiB, so that a few MiB of tmpfs fill in a few hundred messages.
var diskPad = "NTE|1||" + strings.Repeat("x", 20<<10) + "\r"

// adminGet GETs path from g's admin endpoint.
func adminGet(t *testing.T, g *gateway.Gateway, path string) (int, string) {
	t.Helper()
	return testkit.Get(t, "http://"+g.AdminAddr().String()+path, "")
}

// Store mode on a real full disk (a tmpfs filled up): messages get AE while the queue cannot write,
// /readyz fails naming the queue and hl7gate_queue_failed is 1; once space is back the queue reopens
// itself, messages get AA again, /readyz and the gauge recover, and everything acknowledged before,
// during and after is delivered when the station is back, in order, without a restart. The failure and
// the recovery are logged and recorded once each, not once per message.
func TestStoreModeDiskFull(t *testing.T) {
	mnt := testkit.Tmpfs(t, 4<<20)
	down := downStation(t)
	cfg := storeConfig(t, down)
	cfg.Queue.Directory = filepath.Join(mnt, "queue")
	g, logs := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	var acked []string
	send := func(ctrl string) hl7.AckCode {
		code, id, ack := m.mustAck(t, append(oru("MON1", ctrl), diskPad...))
		if id != ctrl || code != hl7.AA && code != hl7.AE {
			t.Fatalf("message %s: %s for %q, want AA or AE: %q", ctrl, code, id, ack)
		}
		if code == hl7.AA {
			acked = append(acked, ctrl)
		}
		return code
	}
	for i := range 5 {
		if code := send(fmt.Sprintf("A%d", i)); code != hl7.AA {
			t.Fatalf("message A%d with room on disk: %s, want AA", i, code)
		}
	}

	free := testkit.Fill(t, mnt)
	for i := 0; send(fmt.Sprintf("B%d", i)) == hl7.AA; i++ {
		if i == 200 {
			t.Fatal("200 messages of 20 KiB queued on a full 4 MiB disk")
		}
	}
	for i := range 3 {
		if code := send(fmt.Sprintf("E%d", i)); code != hl7.AE {
			t.Fatalf("message E%d after the failure, disk still full: %s, want AE", i, code)
		}
	}
	if code, body := adminGet(t, g, "/readyz"); code != 503 || !strings.Contains(body, "queue of route vitals failed") {
		t.Errorf("/readyz with the queue failed: %d %q, want 503 naming the queue", code, body)
	}
	if v := metricValue(t, g, "hl7gate_queue_failed", "route", "vitals"); v != 1 {
		t.Errorf(`hl7gate_queue_failed{route="vitals"} %v while the queue is failed, want 1`, v)
	}

	free()
	// The queue reopens itself on its own timer (every second) once the disk takes writes: poll, bounded.
	for i := 0; send(fmt.Sprintf("C%d", i)) != hl7.AA; i++ {
		if i == 100 {
			t.Fatal("AE for 100 messages (10 s) after the disk was freed")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i := range 3 {
		if code := send(fmt.Sprintf("D%d", i)); code != hl7.AA {
			t.Fatalf("message D%d after the recovery: %s, want AA", i, code)
		}
	}
	if code, body := adminGet(t, g, "/readyz"); code != 200 {
		t.Errorf("/readyz after the recovery: %d %q, want 200", code, body)
	}
	if v := metricValue(t, g, "hl7gate_queue_failed", "route", "vitals"); v != 0 {
		t.Errorf(`hl7gate_queue_failed{route="vitals"} %v after the recovery, want 0`, v)
	}

	st := newStationAt(t, down.addr(), accept)
	got := controlIDs(t, st.waitReceived(t, len(acked)))
	if strings.Join(got, " ") != strings.Join(acked, " ") {
		t.Errorf("station received %v,\nwant the acknowledged messages in order %v", got, acked)
	}
	if n := strings.Count(logs.String(), "queue failed"); n != 1 {
		t.Errorf("%d log lines say the queue failed, want 1:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), "queue recovered"); n != 1 {
		t.Errorf("%d log lines say the queue recovered, want 1", n)
	}
	var reasons []string
	for _, e := range g.Store().Events(store.KindGateway, 0, 100) {
		if strings.Contains(e.Reason, "queue of route vitals") {
			reasons = append(reasons, e.Severity+": "+e.Reason)
		}
	}
	if len(reasons) != 2 || !strings.HasPrefix(reasons[0], "error: queue of route vitals failed: ") ||
		!strings.HasPrefix(reasons[1], "info: queue of route vitals recovered") {
		t.Errorf("queue events: %q, want one failed (error), then one recovered (info)", reasons)
	}
}

// waitCount polls n until it reaches want or the gateway exits, bounded: nothing signals a negative ACK.
func waitCount(t *testing.T, gw *gatewayProc, what string, n *atomic.Int64, want int64) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); n.Load() < want; time.Sleep(20 * time.Millisecond) {
		if gw.exited() || time.Now().After(deadline) {
			t.Fatalf("%s: %d, waited for %d; gateway exited: %v", what, n.Load(), want, gw.exited())
		}
	}
}

// diskFullRig is the harness of the disk-full crash tests: the gateway binary in store mode with its
// queue on a small tmpfs, the station down, and monitors sending through it (runKillMonitor) until
// stopMonitors; the gateway's log is shown when the test fails.
type diskFullRig struct {
	gw                   *gatewayProc
	mnt, stAddr, logPath string
	acked, nacks         atomic.Int64 // positive and negative answers, all monitors
	next                 []int        // per monitor: messages 0..next-1 got a positive ACK (after stopMonitors)
	stopMonitors         func()       // stops the monitors and waits for them; safe to call again
}

func newDiskFullRig(t *testing.T, monitors int) *diskFullRig {
	t.Helper()
	mnt := testkit.Tmpfs(t, 8<<20)
	bin := buildHL7gate(t)
	dir := t.TempDir()
	gwAddr, stAddr := freeLoopbackPort(t), freeLoopbackPort(t)
	cfgPath := filepath.Join(dir, "hl7gate.yaml")
	if err := os.WriteFile(cfgPath, []byte(testkit.StoreModeYAML(gwAddr, stAddr, filepath.Join(mnt, "queue"))), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &diskFullRig{mnt: mnt, stAddr: stAddr, logPath: filepath.Join(dir, "gateway.log"), next: make([]int, monitors)}
	r.gw = &gatewayProc{t: t, bin: bin, cfg: cfgPath, log: r.logPath}
	r.gw.start()
	t.Cleanup(r.gw.stop)
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(r.logPath)
			t.Logf("gateway log (last 4 KiB):\n%s", b[max(0, len(b)-4096):])
		}
	})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range monitors {
		wg.Go(func() { r.next[i] = runKillMonitor(gwAddr, i, stop, func() { r.acked.Add(1) }, &r.nacks) })
	}
	var once sync.Once
	r.stopMonitors = func() { once.Do(func() { close(stop); wg.Wait() }) }
	t.Cleanup(r.stopMonitors)
	return r
}

// The crash test of a full disk in store mode: monitors send through the gateway binary (station down)
// until the disk fills (AE), the gateway is killed with SIGKILL while its queue is failed and started
// again on the full disk, the disk is freed (AA again without a further restart), the gateway is killed
// once more, and the station comes back: every message a monitor got a positive ACK for reaches it, in
// order per monitor.
func TestStoreDiskFullKill9(t *testing.T) {
	r := newDiskFullRig(t, 4)
	gw, mnt, acked, nacks := r.gw, r.mnt, &r.acked, &r.nacks

	waitCount(t, gw, "positive ACKs before the disk fills", acked, 200)
	free := testkit.Fill(t, mnt)
	waitCount(t, gw, "negative ACKs on the full disk", nacks, nacks.Load()+20)
	gw.kill()
	gw.start()
	waitCount(t, gw, "negative ACKs on the full disk after the restart", nacks, nacks.Load()+20)
	failedAt := acked.Load()
	free()
	waitCount(t, gw, "positive ACKs after the disk was freed", acked, failedAt+200)
	gw.kill()
	gw.start()
	waitCount(t, gw, "positive ACKs after the second restart", acked, acked.Load()+50)
	r.stopMonitors()

	st := newStationAt(t, r.stAddr, accept)
	tally := waitAllArrived(t, st, r.next)
	t.Logf("%d positive ACKs (%d before the disk was freed), %d negative; %d arrivals, %d duplicates",
		acked.Load(), failedAt, nacks.Load(), tally.seen, tally.dups)
}

// rejectFrom sends an unrouted message (ADT: AR, one policy event per source) from source address src.
func rejectFrom(t *testing.T, g *gateway.Gateway, src string, ctrl string) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", g.ListenerAddr("icu").String())
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	defer c.Close()
	m := &monitor{c: c, r: mllp.NewReader(c, 0), w: mllp.NewWriter(c)}
	if code, _, ack := m.mustAck(t, withType(oru("MON1", ctrl), "ADT^A01^ADT_A01")); code != hl7.AR {
		t.Fatalf("unrouted message from %s: %s, want AR: %q", src, code, ack)
	}
}

// The event journal on a real full disk: the events it cannot write are counted in
// hl7gate_journal_dropped_events_total and the failure is logged once; once space is back it writes
// again (logged once), without a restart, and a gap record in the journal counts what is missing.
func TestJournalDiskFull(t *testing.T) {
	mnt := testkit.Tmpfs(t, 512<<10)
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Admin.Address = "127.0.0.1:0"
	jdir := filepath.Join(mnt, "journal")
	cfg.State.Journal.Dir = jdir
	g, logs := startGateway(t, cfg)
	src := 0
	next := func() string { src++; return fmt.Sprintf("127.0.%d.%d", 60+src/250, 1+src%250) }
	for range 5 {
		rejectFrom(t, g, next(), "BEFORE")
	}
	free := testkit.Fill(t, mnt)
	for i := 0; metricValue(t, g, "hl7gate_journal_dropped_events_total") < 20; i++ {
		if i == 500 {
			t.Fatalf("500 events on a full disk, hl7gate_journal_dropped_events_total %v", metricValue(t, g, "hl7gate_journal_dropped_events_total"))
		}
		rejectFrom(t, g, next(), "DURING")
	}
	free()
	for i := 0; strings.Count(logs.String(), "event journal writes again") == 0; i++ {
		if i == 500 {
			t.Fatal("the journal did not write again within 500 events after the disk was freed")
		}
		rejectFrom(t, g, next(), "AFTER")
		time.Sleep(20 * time.Millisecond) // the journal tries once a second: poll, bounded
	}
	rejectFrom(t, g, next(), "LAST")
	if err := g.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "event journal failed"); n != 1 {
		t.Errorf("%d log lines say the journal failed, want 1", n)
	}
	var gaps, last int
	if err := journal.Read(jdir, func(r journal.Record) error {
		if r.Rule == journal.GapRule {
			gaps++
			if r.Count < 20 {
				t.Errorf("gap record counts %d events, want at least the 20 dropped", r.Count)
			}
		}
		if r.ControlID == "LAST" {
			last++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if gaps != 1 || last != 1 {
		t.Errorf("journal has %d gap records and %d events after the recovery, want 1 and 1", gaps, last)
	}
}

// A dead letter that cannot be written (the disk is full) is tried again, not the end of delivery: once
// space is back it is written and the messages behind it are delivered, without a restart.
func TestStoreModeDeadLetterDiskFull(t *testing.T) {
	mnt := testkit.Tmpfs(t, 4<<20)
	down := downStation(t)
	cfg := storeConfig(t, down)
	cfg.Queue.Directory = filepath.Join(mnt, "queue")
	g, logs := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	for _, ctrl := range []string{"R0", "N0", "N1", "N2"} {
		if code, _, ack := m.mustAck(t, append(oru("MON1", ctrl), diskPad...)); code != hl7.AA {
			t.Fatalf("message %s: %s, want AA: %q", ctrl, code, ack)
		}
	}
	free := testkit.Fill(t, mnt)
	st := newStationAt(t, down.addr(), func(_ int, m *hl7.Message) ([]byte, time.Duration) {
		if strings.HasPrefix(string(m.ControlID()), "R") {
			return ackFor(m, hl7.AR), 0
		}
		return ackFor(m, hl7.AA), 0
	})
	logs.waitCount(t, "no space left on device", 1) // the dead letter's write failed
	free()
	got := controlIDs(t, st.waitReceived(t, 4))
	if strings.Join(got, " ") != "R0 N0 N1 N2" {
		t.Errorf("station received %v, want R0 (refused, dead-lettered once the disk had room) N0 N1 N2", got)
	}
	if q := queueState(t, g); len(q.DeadLetters) != 1 {
		t.Errorf("queue %+v, want one dead letter", q)
	}
}
