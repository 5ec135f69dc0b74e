package gateway

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// recordingStation is a station on loopback that answers AA and records the control IDs it got.
func recordingStation(t *testing.T) (net.Addr, func(ctrl string) bool) {
	var mu sync.Mutex
	got := map[string]bool{}
	addr := testkit.GatedStation(t, func(m *hl7.Message) {
		mu.Lock()
		got[string(m.ControlID())] = true
		mu.Unlock()
	})
	return addr, func(ctrl string) bool {
		mu.Lock()
		defer mu.Unlock()
		return got[ctrl]
	}
}

// sendAwait sends the message with control ID ctrl on c and returns its ACK.
func sendAwait(c net.Conn, r *mllp.Reader, ctrl string) (string, error) {
	frame, err := mllp.AppendFrame(nil, []byte("MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261203120000||ORU^R01|"+ctrl+"|P|2.6\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r"))
	if err != nil {
		return "", err
	}
	if _, err := c.Write(frame); err != nil {
		return "", err
	}
	ack, err := r.ReadFrame()
	return string(ack), err
}

// waitServing waits until no session of g is counted as handling a message (spinGate.serving), failing t
// after 10 s: a count left over would turn the spins off for good (above 1) or on beside a busy session.
func waitServing(t *testing.T, g *Gateway, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); g.spins.serving.Load() != 0; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d sessions still counted as serving with none busy", what, g.spins.serving.Load())
		}
	}
}

// busyPollFlips runs closed-loop monitors through a gateway while another goroutine reloads
// delivery.busy_poll round 100us -> 0 -> 1ms after each answer (as fast as reloads go), so that sessions start handling a
// message under one bound and end it under another. Every AA is for a message the station got; once the
// monitors stop, no session is counted as serving (the count is decided once per message, so a flip cannot
// unbalance it); and with 1ms set afterwards one monitor's waits for the station still poll (a leaked count
// would have turned them off).
func busyPollFlips(t *testing.T, monitors, perMonitor int) {
	station, got := recordingStation(t)
	g, c0 := dialGateway(t, station, time.Minute, 30*time.Second, func(g *Gateway) { g.parkOff = true })
	var wg sync.WaitGroup
	errs := make(chan error, monitors)
	sent := make(chan struct{}, 1) // a message was answered: time for the next reload
	for k := range monitors {
		c := c0
		if k > 0 {
			var err error
			if c, err = net.Dial("tcp", g.ListenerAddr("icu").String()); err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := mllp.NewReader(c, 0)
			for i := range perMonitor {
				ctrl := fmt.Sprintf("F%dx%d", k, i)
				ack, err := sendAwait(c, r, ctrl)
				if err != nil {
					errs <- fmt.Errorf("monitor %d message %d: %w", k, i, err)
					return
				}
				if !strings.Contains(ack, "MSA|AA|"+ctrl+"\r") {
					errs <- fmt.Errorf("monitor %d message %d: ACK %q", k, i, ack)
					return
				}
				if !got(ctrl) {
					errs <- fmt.Errorf("monitor %d: %s answered AA, but the station never got it", k, ctrl)
					return
				}
				select {
				case sent <- struct{}{}:
				default:
				}
			}
		}()
	}
	stop := make(chan struct{})
	reloads := make(chan int)
	go func() {
		n := 0
		defer func() { reloads <- n }()
		cfg := g.rt.Load().cfg
		for i := 0; ; i++ {
			d := []time.Duration{100 * time.Microsecond, 0, time.Millisecond}[i%3]
			select {
			case <-stop:
				return
			case <-sent:
			}
			cfg.Delivery.BusyPoll = &d
			if err := g.Reload(context.Background(), cfg); err != nil {
				t.Error(err)
				return
			}
			n++
		}
	}()
	wg.Wait()
	close(stop)
	n := <-reloads
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	waitServing(t, g, fmt.Sprintf("after %d messages and %d reloads", monitors*perMonitor, n))
	setBusyPoll(t, g, time.Millisecond)
	before, _ := busyPolls(t, g)
	r := mllp.NewReader(c0, 0)
	for i := range 200 {
		ctrl := fmt.Sprintf("A%d", i)
		if ack, err := sendAwait(c0, r, ctrl); err != nil || !strings.Contains(ack, "MSA|AA|"+ctrl+"\r") {
			t.Fatalf("after the reloads, message %d: ACK %q, %v", i, ack, err)
		}
	}
	if after, _ := busyPolls(t, g); after == before {
		t.Fatal("busy_poll 1ms after the reloads: no wait for the station's answer polled in 200 messages")
	}
	waitServing(t, g, "after the last 200 messages")
	t.Logf("%d monitors × %d messages under %d reloads of busy_poll", monitors, perMonitor, n)
}

// Reloads of delivery.busy_poll between 100us, 0 and 1ms while monitors send (review14): found sound.
func TestBusyPollReloadFlips(t *testing.T) { busyPollFlips(t, 4, 400) }

// TestBusyPollReloadFlips at GOMAXPROCS=1 (review14): found sound.
func TestBusyPollReloadFlipsOneP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	busyPollFlips(t, 3, 200)
}

// parkedMonitors dials n monitors to g, each parked after its answers (quickGap 0), and waits until all
// are parked.
func parkedMonitors(t *testing.T, g *Gateway, n int) ([]net.Conn, []*mllp.Reader) {
	t.Helper()
	cs, rs := make([]net.Conn, n), make([]*mllp.Reader, n)
	for k := range cs {
		c, err := net.Dial("tcp", g.ListenerAddr("icu").String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if err := c.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
			t.Fatal(err)
		}
		cs[k], rs[k] = c, mllp.NewReader(c, 0)
	}
	for i := range quickParkGaps { // slow waits each: parked after every answer from then on
		for k, c := range cs {
			if ack, err := sendAwait(c, rs[k], fmt.Sprintf("P%dx%d", k, i)); err != nil || !strings.Contains(ack, "MSA|AA|") {
				t.Fatalf("monitor %d: ACK %q, %v", k, ack, err)
			}
		}
	}
	testkit.WaitFor(t, fmt.Sprintf("%d parked", n), func() bool {
		g.parker.mu.Lock()
		defer g.parker.mu.Unlock()
		return len(g.parker.parked) == n
	})
	return cs, rs
}

// Parked monitors hang up while Shutdown wakes the parked ones, on both sides of the same sessions (the
// parker hands a hung-up session to its ender while Shutdown looks for it among the parked): every
// session ends once (the wait group would panic below zero, -race sees a double close or a use after
// release), Shutdown returns within its grace, and the parker's goroutines (run, ender) have returned
// after it. Ten rounds, which end sessions both ways (logged) (review14): found sound.
func TestParkedHangUpDuringShutdown(t *testing.T) {
	byMonitor, byShutdown := 0, 0
	defer func() { t.Logf("sessions ended: %d hung up, %d by the shutdown", byMonitor, byShutdown) }()
	for round := range 10 {
		station, _ := recordingStation(t)
		g := startGateway(t, config.ListenerConfig{IdleTimeout: time.Minute, MaxPerSource: 64}, station, false, func(g *Gateway) { g.quickGap = 0 })
		cs, _ := parkedMonitors(t, g, 24)
		var wg sync.WaitGroup
		for k, c := range cs {
			if k%2 == round%2 {
				continue
			}
			wg.Add(1)
			go func() { defer wg.Done(); c.Close() }()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := g.Shutdown(ctx)
		cancel()
		wg.Wait()
		if err != nil {
			t.Fatalf("round %d: shutdown: %v", round, err)
		}
		for name, ch := range map[string]chan struct{}{"run": g.parker.done, "ender": g.parker.endDone} {
			select {
			case <-ch:
			default:
				t.Fatalf("round %d: the parker's %s goroutine still runs after Shutdown", round, name)
			}
		}
		g.mu.Lock()
		n := len(g.sessions)
		g.mu.Unlock()
		if n != 0 {
			t.Fatalf("round %d: %d sessions left after Shutdown", round, n)
		}
		evs := g.store.Events(store.KindSession, 0, 1000)
		if len(evs) != len(cs) {
			t.Fatalf("round %d: %d sessions recorded as ended, want %d (each once)", round, len(evs), len(cs))
		}
		for _, ev := range evs {
			switch {
			case strings.HasSuffix(ev.Reason, ": closed by monitor"):
				byMonitor++
			case strings.HasSuffix(ev.Reason, ": shutdown"):
				byShutdown++
			default:
				t.Errorf("round %d: a session ended with %q", round, ev.Reason)
			}
		}
	}
}

// A parked monitor that sends its last message and closes at once (half-close, or a full close) wakes its
// session with the message and the hang-up in one event: the parker must not take it for a bare hang-up
// and end the session with the message unread. Every such message reaches the station, and a monitor
// still reading (half-close) gets its AA (review14): found sound.
func TestParkedSendThenClose(t *testing.T) {
	station, got := recordingStation(t)
	g := startGateway(t, config.ListenerConfig{IdleTimeout: time.Minute, MaxPerSource: 64}, station, false, func(g *Gateway) { g.quickGap = 0 })
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	cs, rs := parkedMonitors(t, g, 20)
	var acked atomic.Int32
	var wg sync.WaitGroup
	for k, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctrl := fmt.Sprintf("L%d", k)
			frame, err := mllp.AppendFrame(nil, []byte("MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261203120000||ORU^R01|"+ctrl+"|P|2.6\r"))
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := c.Write(frame); err != nil {
				t.Error(err)
				return
			}
			if k%2 == 1 {
				c.Close()
				return
			}
			if err := c.(*net.TCPConn).CloseWrite(); err != nil {
				t.Error(err)
				return
			}
			if ack, err := rs[k].ReadFrame(); err != nil || !strings.Contains(string(ack), "MSA|AA|"+ctrl+"\r") {
				t.Errorf("monitor %d, half-closed after its message: ACK %q, %v", k, ack, err)
				return
			}
			acked.Add(1)
		}()
	}
	wg.Wait()
	testkit.WaitFor(t, "every last message at the station", func() bool {
		for k := range cs {
			if !got(fmt.Sprintf("L%d", k)) {
				return false
			}
		}
		return true
	})
	testkit.WaitFor(t, "every session ended", func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return len(g.sessions) == 0
	})
	t.Logf("%d AAs to half-closed monitors", acked.Load())
}
