//go:build unix

package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// scriptedStation listens on loopback and, for the m-th message (from 0) on its conn-th connection (from
// 0), calls act, which answers on c; act returns false to end the connection (its close is the
// handler's). accepted counts its connections.
func scriptedStation(t *testing.T, act func(conn, m int, c *net.TCPConn) bool) (addr string, accepted chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = make(chan struct{}, 100)
	go func() {
		for conn := 0; ; conn++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			go func() {
				defer c.Close()
				r := mllp.NewReader(c, 0)
				for m := 0; ; m++ {
					if _, err := r.ReadFrame(); err != nil {
						return
					}
					if !act(conn, m, c.(*net.TCPConn)) {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), accepted
}

// spinStation returns a stop-and-wait station in front of addr with the given ACK timeout.
func spinStation(t *testing.T, addr string, ackTimeout time.Duration) *station {
	t.Helper()
	st, err := store.New(10)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Stations: []config.StationConfig{{Name: "central", Address: addr,
		Pipeline: 1, Connections: 1, AckTimeout: ackTimeout}}}.WithDefaults()
	s, err := newStation(cfg.Stations[0], zerolog.Nop(), st, newMetrics())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.closeAll)
	return s
}

// A station that restarts while the exchange spins for its answer (it read the message, then closed or
// reset the connection, with none or part of an answer sent), or that sends half an answer and stalls past
// the ACK timeout, never has the message answered positively by what it sent on that connection: the
// message is sent again on a new connection (a restart: at-least-once) or fails (the timeout), and the
// next message, with the same control ID, is answered by the new connection (AE here), never by the rest
// of the old answer. The last answer's round trip is forgotten before each message, so that station.spin
// always spins (delivery.busy_poll), whatever the machine's load made of the previous one.
func TestExchangeSpinStationRestart(t *testing.T) {
	const msh = "MSH|^~\\&|CS|HOSP|MON|ICU|20261125120000||ACK^R01^ACK|A1|P|2.6\r"
	frame := func(p string) string { return "\x0b" + p + "\x1c\r" }
	aa, ae := frame(msh+"MSA|AA|C1\r"), frame(msh+"MSA|AE|C1\r")
	write := func(c *net.TCPConn, s string) bool { _, err := c.Write([]byte(s)); return err == nil }
	untilClosed := func(c *net.TCPConn) { // waits for the gateway to close its end
		_, _ = io.Copy(io.Discard, c)
	}
	for _, tc := range []struct {
		name string
		// on the first connection: its second message's fate (the first is answered AA)
		second  func(c *net.TCPConn) bool
		want    string // the second message's answer; "": it fails with ErrAckTimeout
		conns   int    // connections the station accepted for three messages
		timeout time.Duration
	}{
		{"closed after reading it", func(c *net.TCPConn) bool { return false }, "AE", 2, time.Second},
		{"reset after reading it", func(c *net.TCPConn) bool { _ = c.SetLinger(0); return false }, "AE", 2, time.Second},
		{"half an AA, then closed", func(c *net.TCPConn) bool { write(c, aa[:25]); return false }, "AE", 2, time.Second},
		{"half an AA, then reset", func(c *net.TCPConn) bool { write(c, aa[:25]); _ = c.SetLinger(0); return false }, "AE", 2, time.Second},
		{"AA without its end block, then closed", func(c *net.TCPConn) bool { write(c, aa[:len(aa)-2]); return false }, "AE", 2, time.Second},
		{"half an AA, stalled past the ACK timeout, then the rest", func(c *net.TCPConn) bool {
			write(c, aa[:25])
			untilClosed(c)
			write(c, aa[25:])
			return false
		}, "", 2, 50 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, accepted := scriptedStation(t, func(conn, m int, c *net.TCPConn) bool {
				switch {
				case conn == 0 && m == 0:
					return write(c, aa)
				case conn == 0:
					return tc.second(c)
				}
				return write(c, ae)
			})
			s := spinStation(t, addr, tc.timeout)
			msg := []byte("MSH|^~\\&|MON|ICU|CS|HOSP|20261125120000||ORU^R01|C1|P|2.6\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r")
			forward := func() (string, error) {
				s.lastRTT.Store(0) // with its token taken, the message is the only one in flight: the busy_poll bound
				_, code, err := s.forward(context.Background(), msg, []byte("C1"), nil, true, wholePool)
				return string(code), err
			}
			if code, err := forward(); code != "AA" || err != nil {
				t.Fatalf("first message: %q, %v; want AA", code, err)
			}
			code, err := forward()
			switch {
			case tc.want == "" && (!errors.Is(err, ErrAckTimeout) || code != ""):
				t.Fatalf("second message: %q, %v; want %v", code, err, ErrAckTimeout)
			case tc.want != "" && (code != tc.want || err != nil):
				t.Fatalf("second message: %q, %v; want %s", code, err, tc.want)
			}
			if code, err := forward(); code != "AE" || err != nil {
				t.Fatalf("third message: %q, %v; want AE, from the new connection", code, err)
			}
			if got := len(accepted); got != tc.conns {
				t.Fatalf("the station accepted %d connections, want %d", got, tc.conns)
			}
		})
	}
}

// At GOMAXPROCS=1 a monitor in the same process cannot send while its session spins for its next message,
// so every spin finds nothing, and the wait it lengthened by the busy_poll bound still counts as short (under twice
// that bound): every wait is spun for nothing (review13 counted 2,941 spins, none finding the message, for
// 3,000 such messages; not changed here, see its report). Every message is still answered in order, and the
// close after the last ACK still ends the session.
func TestPolledSpinOneP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	c := pollingGateway(t, testkit.AckStation(t))
	r := mllp.NewReader(c, 0)
	start := time.Now()
	for i := range 1000 {
		frame, err := mllp.AppendFrame(nil, pollMsg(i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(frame); err != nil {
			t.Fatal(err)
		}
		ack, err := r.ReadFrame()
		if err != nil || !strings.Contains(string(ack), "MSA|AA|M"+strconv.Itoa(i)+"\r") {
			t.Fatalf("message %d: ACK %q, %v", i, ack, err)
		}
	}
	t.Logf("1,000 messages in %v", time.Since(start))
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("after the monitor's close: %v, want the gateway to close too (io.EOF)", err)
	}
}

// Closed-loop monitors, whose sessions and exchanges spin (stop-and-wait station on loopback), through a
// reload that moves the station to another address and then a shutdown, both while they send: every
// message a monitor got an AA for reached one of the two stations (nothing is answered that no station
// answered), the monitors after the reload reach the new one, and the shutdown ends every session.
func TestSpinReloadShutdown(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{} // control ID -> station
	recorder := func(name string) net.Addr {
		return testkit.GatedStation(t, func(m *hl7.Message) {
			mu.Lock()
			got[string(m.ControlID())] = name
			mu.Unlock()
		})
	}
	a, b := recorder("a"), recorder("b")
	cfg := config.Config{
		Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}}},
		Stations:  []config.StationConfig{{Name: "central", Address: a.String(), Pipeline: 1}},
		Routes:    []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}},
	}
	g := startConfig(t, cfg, func(g *Gateway) { g.parkOff = true })
	const monitors, phase = 3, 150
	var wg sync.WaitGroup
	acked := make([][]string, monitors)
	progress := make(chan struct{}, 2*monitors) // a monitor's phase-th and 2·phase-th AA
	for k := range monitors {
		c, err := net.Dial("tcp", g.ListenerAddr("icu").String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { // sends until the gateway closes the connection
			defer wg.Done()
			r := mllp.NewReader(c, 0)
			for i := 0; ; i++ {
				ctrl := fmt.Sprintf("S%dx%d", k, i)
				frame, err := mllp.AppendFrame(nil, []byte("MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ORU^R01|"+ctrl+"|P|2.6\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r"))
				if err != nil {
					return
				}
				if _, err := c.Write(frame); err != nil {
					return
				}
				ack, err := r.ReadFrame()
				if err != nil {
					return
				}
				if strings.Contains(string(ack), "MSA|AA|"+ctrl+"\r") {
					acked[k] = append(acked[k], ctrl)
				}
				if n := len(acked[k]); n == phase || n == 2*phase {
					progress <- struct{}{}
				}
			}
		}()
	}
	for range monitors {
		<-progress
	}
	next := cfg
	next.Stations = []config.StationConfig{{Name: "central", Address: b.String(), Pipeline: 1}}
	if err := g.Reload(t.Context(), next); err != nil {
		t.Fatal(err)
	}
	for range monitors {
		<-progress
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	atB := 0
	for k := range monitors {
		for _, ctrl := range acked[k] {
			switch got[ctrl] {
			case "":
				t.Fatalf("monitor %d: %s answered AA, but no station got it", k, ctrl)
			case "b":
				atB++
			}
		}
	}
	if atB == 0 {
		t.Fatal("no message reached the station the reload moved to")
	}
	t.Logf("AAs: %d, %d, %d; %d of them from the new station", len(acked[0]), len(acked[1]), len(acked[2]), atB)
}

// A monitor in a closed loop (its latest wait short: spinWait) sends a frame over max_frame, then stalls in
// the middle of its rest past the park deadline: the park finds the reader discarding the rest (parkWait)
// and its next turn, outside the poller's callback (no descriptor: wfd -1), waits for more. That wait must
// go back to the poller: a spin there peeks at descriptor -1, takes EBADF for bytes, and the loop turned
// forever on one CPU, never read the rest, never timed out and held up Shutdown. The rest and a next message,
// sent after the stall, are read and answered.
func TestPolledSpinAfterParkWait(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("no parker on this platform")
	}
	g := startGateway(t, config.ListenerConfig{IdleTimeout: time.Minute, MaxFrame: 200}, testkit.AckStation(t), false, func(*Gateway) {})
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := g.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}()
	c, err := net.Dial("tcp", g.ListenerAddr("icu").String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(parkAfter + 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	msg := func(ctrl string) []byte {
		f, err := mllp.AppendFrame(nil, []byte("MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ORU^R01|"+ctrl+"|P|2.6\r"))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	// Two messages in one write: the second is read at once after the first's answer (a wait of
	// microseconds: spinWait), then the start of a frame of 300 bytes.
	out := append(append(msg("G1"), msg("G2")...), mllp.StartBlock)
	out = append(out, strings.Repeat("x", 300)...)
	if _, err := c.Write(out); err != nil {
		t.Fatal(err)
	}
	r := mllp.NewReader(c, 0)
	for _, want := range []string{"MSA|AA|G1\r", "MSA|AA|G2\r", "MSA|A"} { // the oversized frame's NAK names no message
		ack, err := r.ReadFrame()
		if err != nil || !strings.Contains(string(ack), want) {
			t.Fatalf("answer %q, %v; want %q", ack, err, want)
		}
	}
	time.Sleep(parkAfter + parkAfter/4) // the monitor's stall, past the park deadline (parkAfter + 1/16)
	if _, err := c.Write(append([]byte("xxx\x1c\r"), msg("G3")...)); err != nil {
		t.Fatal(err)
	}
	if ack, err := r.ReadFrame(); err != nil || !strings.Contains(string(ack), "MSA|AA|G3\r") {
		t.Fatalf("after the stall: answer %q, %v; want the AA of G3", ack, err)
	}
}
