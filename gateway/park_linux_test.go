package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// parkingGateway starts a gateway whose listener closes connections idle for idle, and dials it.
func parkingGateway(t *testing.T, idle time.Duration) (*Gateway, net.Conn) {
	t.Helper()
	return quickParkingGateway(t, idle, quickParkGap)
}

// quickParkingGateway is parkingGateway with the gateway's quickGap set to quick.
func quickParkingGateway(t *testing.T, idle, quick time.Duration) (*Gateway, net.Conn) {
	t.Helper()
	return dialGateway(t, testkit.AckStation(t), idle, time.Minute, func(g *Gateway) { g.quickGap = quick })
}

// exchange sends message i on c and checks its positive ACK.
func exchange(t *testing.T, c net.Conn, r *mllp.Reader, i int) {
	t.Helper()
	msg := "MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ORU^R01|M" + strconv.Itoa(i) + "|P|2.6\r"
	if err := mllp.NewWriter(c).WriteFrame([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	ack, err := r.ReadFrame()
	if err != nil || !strings.Contains(string(ack), "MSA|AA|M"+strconv.Itoa(i)+"\r") {
		t.Fatalf("message %d: ACK %q, %v", i, ack, err)
	}
}

// parkedAgain waits until g's one connection is parked under a token after prev, and returns it. The
// parked session must hold nothing that points into the read buffer it gave back (its parsed message):
// that buffer may be another connection's by then.
func parkedAgain(t *testing.T, g *Gateway, prev uint64) uint64 {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); runtime.Gosched() {
		g.parker.mu.Lock()
		for tok, s := range g.parker.parked {
			if tok > prev {
				aliased := s.msg.Bytes() != nil
				g.parker.mu.Unlock()
				if aliased {
					t.Errorf("parked under token %d, the session's message still points into its released read buffer", tok)
				}
				return tok
			}
		}
		g.parker.mu.Unlock()
	}
	t.Fatalf("not parked again after token %d", prev)
	return 0
}

// parkedMetric reads hl7gate_connections_parked.
func parkedMetric(t *testing.T, g *Gateway) float64 {
	t.Helper()
	return gaugeMetric(t, g, "hl7gate_connections_parked")
}

// gaugeMetric reads the gauge name (its first series: the tests' gateways have one listener).
func gaugeMetric(t *testing.T, g *Gateway, name string) float64 {
	t.Helper()
	mfs, err := g.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no " + name)
	return 0
}

// A connection parked after parkAfter of silence answers its next message as before; bytes that are no
// frame wake it without losing what follows; it is parked again after each.
func TestParkedConnectionServes(t *testing.T) {
	t.Parallel()
	g, c := parkingGateway(t, time.Minute)
	r := mllp.NewReader(c, 0)
	exchange(t, c, r, 1)
	tok := parkedAgain(t, g, 0)
	if n := parkedMetric(t, g); n != 1 {
		t.Errorf("hl7gate_connections_parked = %v with one connection parked", n)
	}
	exchange(t, c, r, 2)
	tok = parkedAgain(t, g, tok)
	// Junk first (woken, nothing to answer, parked again), then a frame in two parts.
	if _, err := c.Write([]byte("\r\n")); err != nil {
		t.Fatal(err)
	}
	parkedAgain(t, g, tok)
	frame, _ := mllp.AppendFrame(nil, []byte("MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ORU^R01|M3|P|2.6\r"))
	if _, err := c.Write(frame[:10]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(frame[10:]); err != nil {
		t.Fatal(err)
	}
	if ack, err := r.ReadFrame(); err != nil || !strings.Contains(string(ack), "MSA|AA|M3\r") {
		t.Fatalf("message 3: ACK %q, %v", ack, err)
	}
}

// A parked connection is closed when its idle timeout, counted from its last message, is over: not
// earlier, not parkAfter later.
func TestParkedConnectionIdleTimeout(t *testing.T) {
	t.Parallel()
	const idle = 3 * parkAfter // parked for 2 parkAfter: time enough to see it, on a loaded machine too
	g, c := parkingGateway(t, idle)
	r := mllp.NewReader(c, 0)
	sent := time.Now() // the gateway's wait for the next message starts after this
	exchange(t, c, r, 1)
	answered := time.Now() // and before this
	waitParked(t, g, 1)
	if err := c.SetReadDeadline(answered.Add(2 * idle)); err != nil {
		t.Fatal(err)
	}
	_, err := r.ReadFrame()
	if !errors.Is(err, io.EOF) {
		t.Fatalf("ReadFrame on the parked connection: %v, want the gateway's close", err)
	}
	if early, late := time.Since(sent), time.Since(answered); early < idle || late > idle+idle/deadlineSlack+time.Second {
		t.Errorf("closed %v after the last message (%v after its answer), idle timeout %v", early, late, idle)
	}
}

// waitParked waits until g's parker holds parked sessions (a parked session has no goroutine waiting).
func waitParked(t *testing.T, g *Gateway, parked int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		g.parker.mu.Lock()
		p := len(g.parker.parked)
		g.parker.mu.Unlock()
		if p == parked {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions parked, want %d", p, parked)
		}
	}
}

// Shutdown ends parked connections at once, as it ends connections waiting in their goroutine.
func TestParkedConnectionShutdown(t *testing.T) {
	t.Parallel()
	g, c := parkingGateway(t, time.Minute)
	r := mllp.NewReader(c, 0)
	exchange(t, c, r, 1)
	waitParked(t, g, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a parked connection: %v", err)
	}
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadFrame(); !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after Shutdown: %v, want the close", err)
	} else if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("the parked connection was not closed by Shutdown")
	}
}

// A connection whose waits for a message were slow (every wait, with quickGap 0) is parked right after
// each answer, from its second message on, and still gets every ACK in order: a message sent to a parked
// connection wakes it; frames sent back to back (the next one buffered when the answer goes out) are
// answered by the same goroutine, which parks after the last; a frame arriving in two parts is read whole.
func TestQuickPark(t *testing.T) {
	g, c := quickParkingGateway(t, time.Minute, 0)
	r := mllp.NewReader(c, 0)
	exchange(t, c, r, 0)
	exchange(t, c, r, 1)
	tok := parkedAgain(t, g, 0)
	exchange(t, c, r, 2)
	tok = parkedAgain(t, g, tok)

	var burst strings.Builder
	w := mllp.NewWriter(&burst)
	for i := 3; i < 6; i++ {
		if err := w.WriteFrame([]byte("MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ORU^R01|M" + strconv.Itoa(i) + "|P|2.6\r")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := io.WriteString(c, burst.String()); err != nil {
		t.Fatal(err)
	}
	for i := 3; i < 6; i++ {
		ack, err := r.ReadFrame()
		if err != nil || !strings.Contains(string(ack), "MSA|AA|M"+strconv.Itoa(i)+"\r") {
			t.Fatalf("message %d of the burst: ACK %q, %v", i, ack, err)
		}
	}
	tok = parkedAgain(t, g, tok)

	msg := "\x0bMSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ORU^R01|M6|P|2.6\r\x1c\r"
	if _, err := io.WriteString(c, msg[:20]); err != nil {
		t.Fatal(err)
	}
	waitUnparked(t, g, tok)
	if _, err := io.WriteString(c, msg[20:]); err != nil {
		t.Fatal(err)
	}
	if ack, err := r.ReadFrame(); err != nil || !strings.Contains(string(ack), "MSA|AA|M6\r") {
		t.Fatalf("message sent in two parts: ACK %q, %v", ack, err)
	}
	parkedAgain(t, g, tok)
}

// waitUnparked waits until the connection parked under tok is no longer parked (woken by its first bytes).
func waitUnparked(t *testing.T, g *Gateway, tok uint64) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); runtime.Gosched() {
		g.parker.mu.Lock()
		_, parked := g.parker.parked[tok]
		g.parker.mu.Unlock()
		if !parked {
			return
		}
	}
	t.Fatalf("token %d still parked", tok)
}

// A monitor that hangs up while parked is ended off the parker's loop: while its ending waits for the
// gateway's lock (held here, as an admin read of the monitors holds it), another parked connection's message
// is still answered, and the hung-up session ends once the lock is free.
func TestParkedHangUpHoldsNoWake(t *testing.T) {
	t.Parallel()
	g, a := quickParkingGateway(t, time.Minute, 0)
	b, err := net.Dial("tcp", g.ListenerAddr("icu").String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if err := b.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	ra, rb := mllp.NewReader(a, 0), mllp.NewReader(b, 0)
	for i := range 2 { // two slow waits each: parked after every answer from the second on
		exchange(t, a, ra, i)
		exchange(t, b, rb, 2+i)
	}
	parkedCount := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); runtime.Gosched() {
			g.parker.mu.Lock()
			n := len(g.parker.parked)
			g.parker.mu.Unlock()
			if n == want {
				return
			}
		}
		t.Fatalf("never %d connections parked", want)
	}
	parkedCount(2)

	g.mu.Lock()
	locked := true
	defer func() {
		if locked {
			g.mu.Unlock()
		}
	}()
	a.Close()
	parkedCount(1)        // the parker has taken a's hang-up; its ending waits for g.mu
	exchange(t, b, rb, 4) // before the fix: never answered, the parker itself waited for g.mu
	g.mu.Unlock()
	locked = false
	for deadline := time.Now().Add(30 * time.Second); ; runtime.Gosched() {
		g.mu.Lock()
		n := len(g.sessions)
		g.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions open after a hung up, want 1", n)
		}
	}
}

// A plain TCP connection that has sent nothing has no goroutine of its own: it is parked from its accept
// (not after parkAfter in a session goroutine, whose stack and buffer a burst of reconnecting monitors
// would leave resident), and its first message is answered as on any parked connection. Not parallel:
// the goroutine dumps must show this test's gateway alone.
func TestSilentConnectionParkedAtAccept(t *testing.T) {
	g, c := parkingGateway(t, time.Minute)
	buf := stackBuf[:]
	for deadline := time.Now().Add(30 * time.Second); ; runtime.Gosched() {
		if dump := buf[:runtime.Stack(buf, true)]; strings.Contains(string(dump), "gateway.(*Gateway).runSession") {
			t.Fatal("a connection that has sent nothing runs in a session goroutine")
		}
		if parkedMetric(t, g) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the silent connection was not parked")
		}
	}
	exchange(t, c, mllp.NewReader(c, 0), 1)
}

// A panic while the accept loop sets up a plain TCP connection (prepare, which ran in the session's own
// goroutine, under its recover, before parkAtAccept) costs that connection only: the gateway keeps
// accepting and serving. The panic is provoked by a listener whose map of source budgets is gone.
func TestAcceptSetupPanicCostsOneConnection(t *testing.T) {
	g := startGateway(t, config.ListenerConfig{IdleTimeout: time.Minute, MaxSourceRate: 1 << 20}, testkit.AckStation(t), false, nil)
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	l := g.lns[0]
	setBudgets := func(m map[netip.Addr]*sourceBudget) {
		l.mu.Lock()
		l.budgets = m
		l.mu.Unlock()
	}
	setBudgets(nil) // listener.budget writes to it: a panic in prepare
	if _, err := dialListener(t, g, 30*time.Second).Read(make([]byte, 1)); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the connection whose setup panicked: read %v, want it closed", err)
	}
	setBudgets(map[netip.Addr]*sourceBudget{})
	c := dialListener(t, g, 30*time.Second)
	exchange(t, c, mllp.NewReader(c, 0), 1)
}

// A panic in the accept loop before the connection has a session costs that connection only: it is
// closed, and the listener goes on accepting (each further connection costs itself only), and the gateway
// shuts down. The panic is provoked by a listener whose index in the live configuration is out of range.
func TestAcceptPanicCostsOneConnection(t *testing.T) {
	t.Parallel()
	g := startGateway(t, config.ListenerConfig{IdleTimeout: time.Minute}, testkit.AckStation(t), false,
		func(g *Gateway) { g.lns[0].idx = 99 })
	for i := range 2 {
		if _, err := dialListener(t, g, 30*time.Second).Read(make([]byte, 1)); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("connection %d: read %v, want it closed", i, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown after accept panics: %v", err)
	}
}

// A connection parked from its accept ends as one waiting in its own goroutine did: when its idle timeout,
// counted from the accept, is over; when its monitor closes it without sending; at Shutdown. Each end
// leaves hl7gate_connections_open at 0 and gives its source's share back: with max_connections_per_source
// 1, the source's next connection is served.
func TestParkedAtAcceptEnds(t *testing.T) {
	station := testkit.AckStation(t)
	for _, end := range []string{"idle timeout", "monitor closes", "shutdown"} {
		t.Run(end, func(t *testing.T) {
			idle := time.Minute
			if end == "idle timeout" {
				idle = time.Second
			}
			g := startGateway(t, config.ListenerConfig{IdleTimeout: idle, MaxPerSource: 1}, station, false, nil)
			t.Cleanup(func() { g.Shutdown(context.Background()) })
			c := dialListener(t, g, 30*time.Second)
			waitGauge(t, g, "hl7gate_connections_parked", 1)
			switch end {
			case "monitor closes":
				c.Close()
			case "shutdown":
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := g.Shutdown(ctx); err != nil {
					t.Fatalf("Shutdown with a connection parked from its accept: %v", err)
				}
				fallthrough
			default:
				if _, err := c.Read(make([]byte, 1)); err != io.EOF {
					t.Fatalf("read on the silent connection: %v, want the gateway's close", err)
				}
			}
			waitGauge(t, g, "hl7gate_connections_open", 0)
			if end != "shutdown" {
				c = dialListener(t, g, 30*time.Second)
				exchange(t, c, mllp.NewReader(c, 0), 1)
			}
		})
	}
}

// waitGauge waits until g's gauge name reads want.
func waitGauge(t *testing.T, g *Gateway, name string, want float64) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); gaugeMetric(t, g, name) != want; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v, want %v", name, gaugeMetric(t, g, name), want)
		}
	}
}

// An intercepted connection whose original destination names no station is refused in the accept loop
// now (parkAtAccept's prepare): closed, counted and recorded as before, and the loop goes on accepting. A
// connection made straight to an intercept listener has no NAT entry: its original destination is the
// listener's own address, which no station's address or capture names.
func TestUnmappedDestinationRefusedAtAccept(t *testing.T) {
	g := startGateway(t, config.ListenerConfig{Mode: config.ModeIntercept, IdleTimeout: time.Minute}, testkit.AckStation(t), false, nil)
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	for i := range 2 {
		c, err := net.Dial("tcp", g.ListenerAddr("icu").String())
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("connection %d to an unmapped destination: read %v, want the gateway's close", i, err)
		}
		c.Close()
	}
	waitGauge(t, g, "hl7gate_connections_open", 0)
	if n := testkit.Metric(t, g.metrics.reg, "hl7gate_connections_refused_total", "reason", "unmapped_destination"); n != 2 {
		t.Errorf("connections_refused_total{reason=\"unmapped_destination\"} = %v, want 2", n)
	}
	evs := g.store.Events("", 0, 10)
	if !slices.ContainsFunc(evs, func(e store.Event) bool { return strings.Contains(e.Reason, "maps to no station") }) {
		t.Errorf("no event for the unmapped destination in %+v", evs)
	}
}

// ctlCall is one epoll_ctl the parker made, as epollSpy saw it.
type ctlCall struct {
	op  int
	tok uint64 // the parking's token, from the event
	err error
}

// epollSpy puts a spy in place of g's parker's epoll_ctl: fake gets each call (numbered from 0, with its
// operation and socket) and says what it returns, or false for the real epoll_ctl; the function returned
// lists the calls returned so far.
func epollSpy(g *Gateway, fake func(call, op, fd int) (error, bool)) func() []ctlCall {
	var (
		mu    sync.Mutex
		made  int       // calls begun
		calls []ctlCall // calls returned
	)
	g.parker.mu.Lock()
	g.parker.ctl = func(epfd, op, fd int, ev *syscall.EpollEvent) error {
		mu.Lock()
		n := made
		made++
		mu.Unlock()
		err, faked := fake(n, op, fd) // may panic
		if !faked {
			err = sysEpollCtl(epfd, op, fd, ev)
		}
		mu.Lock()
		calls = append(calls, ctlCall{op, uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32, err})
		mu.Unlock()
		return err
	}
	g.parker.mu.Unlock()
	return func() []ctlCall {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(calls)
	}
}

// ctlReturned waits until the epoll_ctl of the parking under tok has returned (a parking is in the
// parker's map before its epoll_ctl begins), and returns the calls returned then.
func ctlReturned(t *testing.T, calls func() []ctlCall, tok uint64) []ctlCall {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; runtime.Gosched() {
		cs := calls()
		if slices.ContainsFunc(cs, func(c ctlCall) bool { return c.tok == tok }) {
			return cs
		}
		if time.Now().After(deadline) {
			t.Fatalf("epoll_ctl calls %v: none for token %d", cs, tok)
		}
	}
}

// A connection whose first registration with the parker failed (ENOSPC: fs.epoll.max_user_watches reached,
// or ENOMEM) carries on in a goroutine, reading with the park deadline (no busy loop: the next attempt
// comes parkAfter later), and is registered anew then: not modified (EPOLL_CTL_MOD on a socket that was
// never added fails with ENOENT and would wake it at once, every time, so that it could never be parked).
func TestParkAfterFailedRegistration(t *testing.T) {
	t.Parallel()
	g := startGateway(t, config.ListenerConfig{IdleTimeout: time.Minute}, testkit.AckStation(t), false, nil)
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	calls := epollSpy(g, func(call, _, _ int) (error, bool) {
		if call == 0 {
			return syscall.ENOSPC, true
		}
		return nil, false
	})
	c := dialListener(t, g, 30*time.Second)
	var seen []ctlCall
	for deadline := time.Now().Add(30 * time.Second); len(seen) < 2; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatalf("epoll_ctl calls %v: no second registration", seen)
		}
		seen = calls()
	}
	if seen[0].op != syscall.EPOLL_CTL_ADD || seen[1].op != syscall.EPOLL_CTL_ADD || seen[1].err != nil {
		t.Fatalf("epoll_ctl calls %v: after a failed EPOLL_CTL_ADD (%d), want another that succeeds", seen, syscall.EPOLL_CTL_ADD)
	}
	waitGauge(t, g, "hl7gate_connections_parked", 1)
	if n := len(calls()); n != 2 {
		t.Errorf("%d epoll_ctl calls while parked, want 2", n)
	}
	exchange(t, c, mllp.NewReader(c, 0), 1)
}

// A connection whose registration with the parker is gone when it is parked again (its EPOLL_CTL_MOD fails
// with ENOENT: the first park's EPOLL_CTL_ADD failed while its idle timer or Shutdown took the session
// back, before the parking goroutine could mark it unregistered) is registered anew at its next park, not
// modified again: each EPOLL_CTL_MOD would fail the same way, and the connection would never be parked
// again (a goroutine and a read buffer for good). The registration is removed under the test.
func TestParkAfterLostRegistration(t *testing.T) {
	t.Parallel()
	g := startGateway(t, config.ListenerConfig{IdleTimeout: time.Minute}, testkit.AckStation(t), false, nil)
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	calls := epollSpy(g, func(call, _, fd int) (error, bool) {
		if call == 1 { // the park after message 1: its registration is gone
			if err := sysEpollCtl(g.parker.epfd, syscall.EPOLL_CTL_DEL, fd, &syscall.EpollEvent{}); err != nil {
				t.Errorf("EPOLL_CTL_DEL: %v", err)
			}
		}
		return nil, false
	})
	c := dialListener(t, g, 30*time.Second)
	r := mllp.NewReader(c, 0)
	exchange(t, c, r, 1)
	var seen []ctlCall
	for deadline := time.Now().Add(30 * time.Second); len(seen) < 3; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatalf("epoll_ctl calls %v: no third", seen)
		}
		seen = calls()
	}
	if seen[1].op != syscall.EPOLL_CTL_MOD || !errors.Is(seen[1].err, syscall.ENOENT) {
		t.Fatalf("epoll_ctl calls %v: the second is no EPOLL_CTL_MOD failing ENOENT", seen)
	}
	if seen[2].op != syscall.EPOLL_CTL_ADD || seen[2].err != nil {
		t.Fatalf("epoll_ctl calls %v: after an EPOLL_CTL_MOD that failed ENOENT, want an EPOLL_CTL_ADD that succeeds", seen)
	}
	exchange(t, c, r, 2)
}

// A panic while a connection is parked costs that connection only, whether the park ran in the accept loop
// (parkAtAccept: unrecovered, it ended the gateway), in the session's goroutine after parkAfter of silence,
// or right after an answer (quick park, inside loopPolled's RawConn.Read): the connection is closed and
// accounted for, the parker holds nothing of it (it would wake the ended session at its idle timeout), and
// the gateway goes on accepting, serving and parking, and shuts down. The panic is provoked in epoll_ctl,
// once the session is the parker's.
func TestParkPanicCostsOneConnection(t *testing.T) {
	t.Parallel()
	station := testkit.AckStation(t)
	for _, tc := range []struct {
		name    string
		quick   time.Duration // the gateway's quickGap
		before  int           // messages before the park that panics
		panicAt int           // the epoll_ctl call that panics
	}{
		{"accept", quickParkGap, 0, 0},
		{"after parkAfter", quickParkGap, 1, 1},
		{"after an answer", 0, quickParkGaps, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := startGateway(t, config.ListenerConfig{IdleTimeout: time.Minute}, station, false, func(g *Gateway) { g.quickGap = tc.quick })
			t.Cleanup(func() { g.Shutdown(context.Background()) })
			epollSpy(g, func(call, _, _ int) (error, bool) {
				if call == tc.panicAt {
					panic("epoll_ctl under test")
				}
				return nil, false
			})
			c := dialListener(t, g, 30*time.Second)
			r := mllp.NewReader(c, 0)
			for i := range tc.before {
				exchange(t, c, r, i)
			}
			if _, err := c.Read(make([]byte, 1)); err != io.EOF {
				t.Fatalf("the connection whose park panicked: read %v, want the gateway's close", err)
			}
			waitGauge(t, g, "hl7gate_connections_open", 0)
			if n := parkedMetric(t, g); n != 0 {
				t.Errorf("hl7gate_connections_parked = %v after the only connection ended", n)
			}
			c = dialListener(t, g, 30*time.Second)
			r = mllp.NewReader(c, 0)
			exchange(t, c, r, 10)
			parkedAgain(t, g, 0)
			exchange(t, c, r, 11)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := g.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown after a park panicked: %v", err)
			}
		})
	}
}

// A connection parked on its park deadline (parkAfter of silence) and woken by its next message is served
// at once: not parked again first because the deadline that parked it, passed, ended the woken session's
// first wait (which cost an epoll_ctl and a hand-off to another goroutine per wake).
func TestParkedWakeServesAtOnce(t *testing.T) {
	t.Parallel()
	g := startGateway(t, config.ListenerConfig{IdleTimeout: time.Minute}, testkit.AckStation(t), false, nil)
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	calls := epollSpy(g, func(int, int, int) (error, bool) { return nil, false })
	c := dialListener(t, g, 30*time.Second)
	r := mllp.NewReader(c, 0)
	exchange(t, c, r, 1)
	// On its park deadline (the accept's parking ended with message 1), its epoll_ctl made.
	parked := ctlReturned(t, calls, parkedAgain(t, g, 0))
	exchange(t, c, r, 2)
	if woken := calls(); len(woken) != len(parked) {
		t.Errorf("epoll_ctl calls %v parked, %v once message 2 was answered: parked again before it was read", parked, woken)
	}
}
