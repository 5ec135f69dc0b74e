//go:build linux

package test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/testkit"
)

var kills = flag.Int("kills", 5, "SIGKILLs of the gateway in TestStoreKill9 while the station is down (the long run: -kills=25)")

// TestStoreKill9 is the crash test of store mode. Many monitors send through the gateway binary to a
// station that is down; the gateway is killed with SIGKILL at random moments (after a random number of
// positive ACKs, from zero) and restarted, -kills times; then the station comes back and the gateway is
// killed a few more times while it delivers. In the end every message a monitor got a positive ACK for
// must have reached the station, each monitor's messages in order (first arrivals 0, 1, 2, ... with no
// gap), and the duplicates at-least-once delivery produced are counted and reported.
func TestStoreKill9(t *testing.T) {
	const monitors = 20
	bin := buildHL7gate(t)
	dir := t.TempDir()
	gwAddr, stAddr := freeLoopbackPort(t), freeLoopbackPort(t)
	cfgPath := filepath.Join(dir, "hl7gate.yaml")
	cfg := testkit.StoreModeYAML(gwAddr, stAddr, filepath.Join(dir, "queue"))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "gateway.log")
	gw := &gatewayProc{t: t, bin: bin, cfg: cfgPath, log: logPath}
	gw.start()
	defer gw.stop()
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("gateway log (last 4 KiB):\n%s", b[max(0, len(b)-4096):])
		}
	}()

	var (
		acked   atomic.Int64 // positive ACKs, all monitors
		ackBump changes
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		next    [monitors]int // per monitor: messages 0..next-1 got a positive ACK
		nacks   atomic.Int64  // negative answers (there should be none)
	)
	for i := range monitors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next[i] = runKillMonitor(gwAddr, i, stop, func() { acked.Add(1); ackBump.bump() }, &nacks)
		}()
	}
	stopMonitors := func() {
		close(stop)
		wg.Wait()
	}
	defer func() {
		select {
		case <-stop:
		default:
			stopMonitors()
		}
	}()

	// Phase 1: the station is down; kill after a random number of positive ACKs (0..200) since the start.
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	t0 := time.Now()
	for k := range *kills {
		want := acked.Load() + rng.Int64N(201)
		if !ackBump.waitFor(30*time.Second, func() bool { return acked.Load() >= want || gw.exited() }) || gw.exited() {
			t.Fatalf("kill %d: %d positive ACKs, waited for %d; gateway exited: %v", k, acked.Load(), want, gw.exited())
		}
		gw.kill()
		t.Logf("kill %d at %s: %d positive ACKs", k, time.Since(t0).Round(time.Millisecond), acked.Load())
		gw.start()
	}
	queuedAcks := acked.Load()

	// Phase 2: the station is back; kill while the gateway delivers, after a random number of arrivals.
	st := newStationAt(t, stAddr, accept)
	for k := range max(1, *kills/4) {
		want := len(st.received()) + 1 + rng.IntN(200)
		if !st.update.waitFor(30*time.Second, func() bool { return st.count() >= want || gw.exited() }) || gw.exited() {
			t.Fatalf("delivery kill %d: station has %d messages, waited for %d; gateway exited: %v", k, st.count(), want, gw.exited())
		}
		gw.kill()
		t.Logf("delivery kill %d at %s: %d arrivals, %d positive ACKs", k, time.Since(t0).Round(time.Millisecond), st.count(), acked.Load())
		gw.start()
	}
	stopMonitors()

	// Every positively acknowledged message reaches the station.
	tally := waitAllArrived(t, st, next[:])
	if n := nacks.Load(); n != 0 {
		t.Errorf("%d negative answers to monitors; want none (the queue was never full)", n)
	}
	total := 0
	for _, n := range next {
		total += n
	}
	t.Logf("%d kills with the station down (%d messages acknowledged as queued), %d while delivering; "+
		"%d messages positively acknowledged, %d arrivals at the station, %d duplicates (at-least-once), order kept per monitor",
		*kills, queuedAcks, max(1, *kills/4), total, tally.seen, tally.dups)
}

// waitAllArrived waits until station st has every message the monitors got a positive ACK for (monitor
// i: messages 0..next[i]-1), each monitor's in order, and returns the tally of what arrived; it fails the
// test for each monitor short of its messages and for any order error.
func waitAllArrived(t *testing.T, st *station, next []int) killTally {
	t.Helper()
	var tally killTally
	done := func() bool {
		tally.add(st.since(tally.seen))
		for i, n := range next {
			if tally.first[i] < n {
				return false
			}
		}
		return true
	}
	if !st.update.waitFor(60*time.Second, done) {
		for i, n := range next {
			if tally.first[i] < n {
				t.Errorf("monitor %d: %d messages positively acknowledged, the station has the first %d", i, n, tally.first[i])
			}
		}
	}
	if tally.err != nil {
		t.Error(tally.err)
	}
	return tally
}

// runKillMonitor is monitor i: it sends messages 0, 1, 2, ... in order, each until it gets a positive
// ACK for it (reconnecting and re-sending, as a monitor must, when the gateway is gone), until stop. It
// returns how many messages got a positive ACK.
func runKillMonitor(addr string, i int, stop <-chan struct{}, onAck func(), nacks *atomic.Int64) int {
	var (
		c    net.Conn
		r    *mllp.Reader
		w    *mllp.Writer
		n    int
		quit atomic.Bool
	)
	go func() { <-stop; quit.Store(true) }()
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for !quit.Load() {
		if c == nil {
			var err error
			if c, err = net.DialTimeout("tcp", addr, 200*time.Millisecond); err != nil {
				c = nil
				time.Sleep(10 * time.Millisecond) // the monitor's reconnect interval while the gateway restarts
				continue
			}
			r, w = mllp.NewReader(c, 0), mllp.NewWriter(c)
		}
		_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
		ctrl := killCtrl(i, n)
		if err := w.WriteFrame(killMsg(i, ctrl)); err != nil {
			c.Close()
			c = nil
			continue
		}
		ack, err := r.ReadFrame()
		if err != nil {
			c.Close()
			c = nil
			continue
		}
		code, id, err := decodeAck(ack)
		switch {
		case err != nil || id != ctrl:
			nacks.Add(1)
			c.Close()
			c = nil
		case code.Positive():
			n++
			onAck()
		default:
			nacks.Add(1)
		}
	}
	return n
}

func killCtrl(mon, n int) string { return "K" + strconv.Itoa(mon) + "-" + strconv.Itoa(n) }

// killMsg is monitor mon's message: its EUI-64 in MSH-3 names the device (the queue's key), MSH-10 the
// message.
func killMsg(mon int, ctrl string) []byte {
	return []byte(fmt.Sprintf("MSH|^~\\&|MON^0009FBFFFF%06X^EUI-64|ICU|CENTRAL|HOSP|20261202120000||ORU^R01^ORU_R01|%s|P|2.6\r"+
		"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R\r", mon, ctrl))
}

// killTally follows the station's arrivals per monitor: first[i] is how many of monitor i's messages
// arrived (their first arrivals must be 0, 1, 2, ... in that order), dups how many arrivals repeated one.
type killTally struct {
	seen  int // arrivals looked at
	first [64]int
	dups  int
	err   error
}

func (k *killTally) add(msgs [][]byte) {
	for _, b := range msgs {
		k.seen++
		var m hl7.Message
		if err := m.Parse(b); err != nil {
			k.err = fmt.Errorf("station got an unparsable message: %v", err)
			continue
		}
		var mon, n int
		if _, err := fmt.Sscanf(string(m.ControlID()), "K%d-%d", &mon, &n); err != nil || mon >= len(k.first) {
			k.err = fmt.Errorf("station got an unknown message %q", m.ControlID())
			continue
		}
		switch {
		case n < k.first[mon]:
			k.dups++
		case n == k.first[mon]:
			k.first[mon]++
		default:
			if k.err == nil {
				k.err = fmt.Errorf("monitor %d: message %d arrived before message %d: order broken or message lost", mon, n, k.first[mon])
			}
		}
	}
}

// count returns how many messages the station received.
func (s *station) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

// since returns the messages received after the first k.
func (s *station) since(k int) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.got[k:]...)
}

// gatewayProc is the hl7gate binary run by a test, its stderr appended to a log file.
type gatewayProc struct {
	t             *testing.T
	bin, cfg, log string
	cmd           *exec.Cmd
	done          chan struct{} // closed when the process has exited
}

func (p *gatewayProc) start() {
	p.t.Helper()
	f, err := os.OpenFile(p.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintf(f, "--- start %s\n", time.Now().Format(time.RFC3339Nano))
	p.cmd = exec.Command(p.bin, "serve", "--config", p.cfg)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	done := make(chan struct{})
	p.done = done
	cmd := p.cmd
	go func() { _ = cmd.Wait(); close(done) }()
}

func (p *gatewayProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *gatewayProc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop ends the process gracefully (SIGTERM), or kills it after 15 s.
func (p *gatewayProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.kill()
	}
}

// freeLoopbackPort returns a loopback address whose port was free a moment ago.
func freeLoopbackPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
