// Package test holds hl7gate's end-to-end tests: real monitors (MLLP clients) → a real gateway → real
// central stations (MLLP servers), all over loopback sockets.
package test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/policy"
)

// oru builds a small PCD-01-shaped ORU^R01 with the given sending application and control ID. The PID
// carries a recognisable fake name so tests can check it never reaches a log.
func oru(app, ctrl string) []byte {
	return []byte(strings.Join([]string{
		"MSH|^~\\&|" + app + "|ICU|CENTRAL|HOSP|20261125120000||ORU^R01^ORU_R01|" + ctrl + "|P|2.6|||NE|AL||UNICODE UTF-8",
		"PID|||MRN12345^^^HOSP^MR||SECRETNAME^PATIENT||19700101|F",
		"PV1||I|ICU^BED1",
		"OBR|1|||182777000^monitoring of patient^SCT|||20261125120000",
		"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||20261125120000||||0009FBFFFF059322^EUI-64",
		"OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.150456|97|262688^MDC_DIM_PERCENT^MDC|||||R|||20261125120000||||0009FBFFFF059322^EUI-64",
	}, "\r") + "\r")
}

func withType(msg []byte, typ string) []byte {
	return bytes.Replace(msg, []byte("ORU^R01^ORU_R01"), []byte(typ), 1)
}

// stationBehaviour decides how a fake central station answers one message. It returns the ACK payload
// to send (nil: send nothing) and how long to wait first.
type stationBehaviour func(n int, msg *hl7.Message) (ack []byte, delay time.Duration)

// accept answers AA to everything.
func accept(_ int, m *hl7.Message) ([]byte, time.Duration) { return ackFor(m, hl7.AA), 0 }

func ackFor(m *hl7.Message, code hl7.AckCode) []byte {
	return hl7.AppendAck(nil, m, hl7.Ack{Code: code, ControlID: "ST" + string(m.ControlID()), Time: time.Unix(0, 0)})
}

// station is a fake central station: a real MLLP server on loopback that records what it receives.
type station struct {
	t      *testing.T
	ln     net.Listener
	mu     sync.Mutex
	got    [][]byte // payloads in arrival order
	conns  int
	closed int // connections the station has closed
	beh    stationBehaviour
	wg     sync.WaitGroup
	update changes // bumped after every change to got and closed
	// closeAfterAck makes the station close each connection after answering once, as stations with
	// short keep-alive limits do.
	closeAfterAck bool
}

func newStation(t *testing.T, beh stationBehaviour) *station {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &station{t: t, ln: ln, beh: beh}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

// rawStation accepts one connection on a loopback port and runs handle on it, for stations whose
// behaviour a stationBehaviour cannot express (reading several messages before answering). Only the
// returned station's address is meant to be used.
func rawStation(t *testing.T, handle func(r *mllp.Reader, w *mllp.Writer)) *station {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		handle(mllp.NewReader(c, 0), mllp.NewWriter(c))
	}()
	return &station{t: t, ln: ln}
}

// acceptConns listens on a loopback port and runs serve on each accepted connection in a goroutine of
// its own; a nil serve holds each connection open and never says a word. Cleanup closes the listener and
// every connection, and waits for the goroutines.
func acceptConns(t *testing.T, serve func(c net.Conn)) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if serve != nil {
				wg.Add(1)
				go func() {
					defer wg.Done()
					serve(c)
				}()
			}
		}
	}()
	return ln
}

// newStationAt listens on a given address (to bring a station "back up" at its old address, which
// close released: Go listeners set SO_REUSEADDR, so no lingering connection holds the port).
func newStationAt(t *testing.T, addr string, beh stationBehaviour) *station {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &station{t: t, ln: ln, beh: beh}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

func (s *station) addr() string { return s.ln.Addr().String() }

// downStationConfig returns baseConfig with one station that is down, and that station's address: a
// station listened there and is closed, so a station started at addr later is the same one back.
func downStationConfig(t *testing.T) (config.Config, string) {
	st := newStation(t, accept)
	addr := st.addr()
	st.close()
	cfg := baseConfig(st)
	cfg.Stations[0].Address = addr
	return cfg, addr
}

func (s *station) close() {
	s.ln.Close()
	s.wg.Wait()
}

func (s *station) serve() {
	defer s.wg.Done()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		conns = append(conns, c)
		s.wg.Add(1)
		go s.handle(c)
	}
}

func (s *station) handle(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		c.Close()
		s.mu.Lock()
		s.closed++
		s.mu.Unlock()
		s.update.bump()
	}()
	r, w := mllp.NewReader(c, 0), mllp.NewWriter(c)
	var m hl7.Message
	for {
		frame, err := r.ReadFrame()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.got = append(s.got, bytes.Clone(frame))
		n := len(s.got)
		s.mu.Unlock()
		s.update.bump()
		if err := m.Parse(frame); err != nil {
			s.t.Errorf("station got an unparsable message: %v", err)
			return
		}
		ack, delay := s.beh(n, &m)
		if delay > 0 {
			time.Sleep(delay) // the station's processing time, part of the scenario
		}
		if ack == nil {
			continue
		}
		if err := w.WriteFrame(ack); err != nil || s.closeAfterAck {
			return
		}
	}
}

func (s *station) received() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.got...)
}

// waitReceived waits until the station has n messages.
func (s *station) waitReceived(t *testing.T, n int) [][]byte {
	t.Helper()
	var got [][]byte
	if !s.update.waitFor(5*time.Second, func() bool { got = s.received(); return len(got) >= n }) {
		t.Fatalf("station received %d messages, want %d", len(got), n)
	}
	return got
}

// waitClosed waits until the station has closed n connections.
func (s *station) waitClosed(t *testing.T, n int) {
	t.Helper()
	closed := func() int { s.mu.Lock(); defer s.mu.Unlock(); return s.closed }
	if !s.update.waitFor(5*time.Second, func() bool { return closed() >= n }) {
		t.Fatalf("station closed %d connections, want %d", closed(), n)
	}
}

// changes lets a goroutine wait for state that other goroutines update: they call bump after every
// update, and a waiter re-checks its condition on each bump instead of polling. The zero value is ready.
type changes struct {
	mu sync.Mutex
	ch chan struct{} // closed by the next bump
}

func (c *changes) bump() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}

// next returns a channel that the next bump closes.
func (c *changes) next() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// waitFor returns true as soon as cond holds, false if it still does not after timeout.
func (c *changes) waitFor(timeout time.Duration, cond func() bool) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		next := c.next() // before cond: an update after cond's check still wakes us
		if cond() {
			return true
		}
		select {
		case <-next:
		case <-timer.C:
			return cond()
		}
	}
}

// monitor is a fake patient monitor: an MLLP client that waits for each ACK.
type monitor struct {
	c net.Conn
	r *mllp.Reader
	w *mllp.Writer
}

func dialMonitor(t *testing.T, addr net.Addr) *monitor {
	t.Helper()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &monitor{c: c, r: mllp.NewReader(c, 0), w: mllp.NewWriter(c)}
}

// send writes msg and reads the answer, if one comes within wait.
func (m *monitor) send(msg []byte, wait time.Duration) ([]byte, error) {
	if err := m.w.WriteFrame(msg); err != nil {
		return nil, err
	}
	return m.read(wait)
}

func (m *monitor) read(wait time.Duration) ([]byte, error) {
	m.c.SetReadDeadline(time.Now().Add(wait))
	ack, err := m.r.ReadFrame()
	if err != nil {
		return nil, err
	}
	return bytes.Clone(ack), nil
}

// mustAck sends msg and returns the ACK's code and MSA-2, failing the test if no ACK comes.
func (m *monitor) mustAck(t *testing.T, msg []byte) (hl7.AckCode, string, []byte) {
	t.Helper()
	ack, err := m.send(msg, 5*time.Second)
	if err != nil {
		t.Fatalf("no ACK: %v", err)
	}
	code, id := parseAck(t, ack)
	return code, id, ack
}

// sendFromMonitors runs n monitors at once against addr. Monitor i (sending application MON<i>) sends
// each messages with control IDs ctrl(i, 0..each-1), one at a time, and expects an ACK with code want
// naming that control ID; check, when set, looks at every ACK as well and returns what is wrong with it.
// The monitors run on their own goroutines, so every failure is reported with t.Errorf.
func sendFromMonitors(t *testing.T, addr net.Addr, n, each int, want hl7.AckCode, ctrl func(i, j int) string, check func(app string, ack []byte) error) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			app := fmt.Sprintf("MON%d", i)
			c, err := net.Dial("tcp", addr.String())
			if err != nil {
				t.Errorf("%s: %v", app, err)
				return
			}
			defer c.Close()
			m := &monitor{c: c, r: mllp.NewReader(c, 0), w: mllp.NewWriter(c)}
			for j := range each {
				id := ctrl(i, j)
				ack, err := m.send(oru(app, id), 5*time.Second)
				if err != nil {
					t.Errorf("%s message %s: %v", app, id, err)
					return
				}
				code, got, err := decodeAck(ack)
				if err != nil {
					t.Errorf("%s message %s: %v", app, id, err)
					return
				}
				if code != want || got != id {
					t.Errorf("%s message %s: ACK %s for %q, want %s", app, id, code, got, want)
				}
				if check != nil {
					if err := check(app, ack); err != nil {
						t.Errorf("%s message %s: %v", app, id, err)
					}
				}
			}
		}()
	}
	wg.Wait()
}

func parseAck(t *testing.T, ack []byte) (hl7.AckCode, string) {
	t.Helper()
	code, id, err := decodeAck(ack)
	if err != nil {
		t.Fatal(err)
	}
	return code, id
}

// decodeAck returns an ACK's MSA-1 and MSA-2.
func decodeAck(ack []byte) (hl7.AckCode, string, error) {
	am, err := hl7.Parse(ack)
	if err != nil {
		return "", "", fmt.Errorf("ACK does not parse: %w", err)
	}
	code, id, ok := hl7.ParseAck(am)
	if !ok {
		return "", "", fmt.Errorf("not an ACK: %q", ack)
	}
	return code, string(id), nil
}

// baseConfig is one loopback listener, the given stations (all allowlisted) and one route to the first.
func baseConfig(stations ...*station) config.Config {
	cfg := config.Config{
		Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}}},
		Routes:    []policy.RouteConfig{{Name: "vitals", Match: policy.MatchConfig{MessageTypes: []string{"ORU^R01"}}, Stations: []string{"central0"}}},
	}
	for i, s := range stations {
		cfg.Stations = append(cfg.Stations, config.StationConfig{
			Name: fmt.Sprintf("central%d", i), Address: s.addr(), AckTimeout: 2 * time.Second, Connections: 2,
		})
	}
	return cfg
}

// syncBuffer is a log sink safe for concurrent writes that tests can wait on.
// hl7gateProc is an hl7gate process a test started with serveHL7gate.
type hl7gateProc struct {
	exited chan struct{} // closed when the process has exited and err is set
	err    error         // what cmd.Wait returned
}

// serveHL7gate starts cmd, an `hl7gate serve`, with its output into logs, until the test ends: cleanup
// sends SIGTERM and waits up to 10 s for the exit (then kills it and fails the test), and shows the last
// 8 KiB of the output when the test failed. Every write to logs, and the exit, bump logs.update.
func serveHL7gate(t *testing.T, cmd *exec.Cmd, logs *syncBuffer) *hl7gateProc {
	t.Helper()
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &hl7gateProc{exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
		logs.update.bump() // wakes a wait on the logs
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-p.exited
			t.Error("hl7gate did not stop on SIGTERM")
		}
		if t.Failed() {
			t.Logf("hl7gate output (last 8 KiB):\n%s", tail(logs.String(), 8<<10))
		}
	})
	return p
}

// hasExited reports whether the process has exited.
func (p *hl7gateProc) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

type syncBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	update changes // bumped after every write
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	n, err := b.buf.Write(p)
	b.mu.Unlock()
	b.update.bump()
	return n, err
}

// waitCount waits until s occurs at least n times in the log and fails t if it does not within 5 s.
func (b *syncBuffer) waitCount(t *testing.T, s string, n int) {
	t.Helper()
	if !b.update.waitFor(5*time.Second, func() bool { return strings.Count(b.String(), s) >= n }) {
		t.Fatalf("%d log lines with %s, want %d:\n%s", strings.Count(b.String(), s), s, n, b.String())
	}
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startGateway runs a gateway for the test and shuts it down (checking for leaked goroutines) at cleanup.
func startGateway(t *testing.T, cfg config.Config) (*gateway.Gateway, *syncBuffer) {
	t.Helper()
	before := runtime.NumGoroutine()
	logs := &syncBuffer{}
	g, err := gateway.New(cfg, zerolog.New(logs).Level(zerolog.DebugLevel))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Shutdown(context.Background()); err != nil && !errors.Is(err, gateway.ErrServerClosed) {
			t.Errorf("shutdown: %v", err)
		}
		checkGoroutines(t, before)
		if strings.Contains(logs.String(), "SECRETNAME") || strings.Contains(logs.String(), "MRN12345") {
			t.Errorf("patient data in the logs:\n%s", logs.String())
		}
	})
	return g, logs
}

// checkGoroutines waits briefly for goroutines to wind down to the count before the gateway started. A
// goroutine's end sends no signal, so this is the one place that polls (as tailscale's ResourceCheck and
// goleak do); the gateway has stopped already, and only the fake peers' goroutines may still be ending.
func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before+2 { // +2: test-owned fake peers may still be closing
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			n := runtime.Stack(buf, true)
			t.Errorf("goroutines leaked: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:n])
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
