package gateway

import (
	"context"
	"net"
	rtmetrics "runtime/metrics"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// A connection parked after every message has each message handled by a goroutine that handled an
// earlier one (wakers), not by a new goroutine per message: 200 messages, each woken from parking, may
// start a few goroutines, not one each. Fails when every wake starts a goroutine.
func TestWakersReuseGoroutines(t *testing.T) {
	g, sa := rawGateway(t, 1, func(g *Gateway) { g.quickGap = 0 })
	defer g.Shutdown(context.Background())
	fd := dialRaw(t, sa)
	for r := range activeRounds { // parked after each from now on
		exchangeRaw(t, fd, r)
	}
	const n = 200
	g.parker.mu.Lock()
	parks := g.parker.next
	g.parker.mu.Unlock()
	before := goroutinesCreated()
	for i := range n {
		exchangeRaw(t, fd, activeRounds+i)
	}
	made := goroutinesCreated() - before
	g.parker.mu.Lock()
	parks = g.parker.next - parks
	g.parker.mu.Unlock()
	if parks < n*9/10 {
		t.Fatalf("parked %d times for %d messages: the test needs (nearly) every message woken from parking", parks, n)
	}
	if made > n/10 {
		t.Errorf("%d goroutines started for %d messages woken from parking", made, n)
	}
}

// goroutinesCreated is how many goroutines the process has started.
func goroutinesCreated() uint64 {
	s := []rtmetrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	rtmetrics.Read(s)
	return s[0].Value.Uint64()
}

// A burst of wakes (a gateway that fell behind wakes hundreds of parked sessions at once, every second
// until it has caught up) is run by the goroutines of the burst before: of two bursts of 300 wakes, each
// held until all 300 sessions are awake, the second starts a few goroutines, not one per wake beyond those
// kept idle. Fails when at most 32 goroutines are kept (as before the tenth round).
func TestWakersReuseGoroutinesInBursts(t *testing.T) {
	const n = 300
	var gate atomic.Pointer[chan struct{}] // set: the station holds each answer until it is closed
	station := testkit.GatedStation(t, func(*hl7.Message) {
		if c := gate.Load(); c != nil {
			<-*c
		}
	})
	lc := config.ListenerConfig{MaxConnections: 2 * n, MaxPerSource: 2 * n}
	g := startGateway(t, lc, station, true, func(g *Gateway) { g.quickGap = 0 })
	defer g.Shutdown(context.Background())
	addr := g.ListenerAddr("icu").(*net.TCPAddr).AddrPort()
	sa := &syscall.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}
	fds := make([]int, n)
	id := 0
	for i := range fds {
		fds[i] = dialRaw(t, sa)
		for range activeRounds { // parked after each from now on
			exchangeRaw(t, fds[i], id)
			id++
		}
	}
	waitSessions(t, g, 0, n)
	burst := func() uint64 {
		held := make(chan struct{})
		gate.Store(&held)
		before := goroutinesCreated()
		for i, fd := range fds {
			sendRaw(t, fd, id+i)
		}
		testkit.WaitFor(t, "every session of the burst awake", func() bool { return g.parker.count() == 0 })
		gate.Store(nil)
		close(held)
		for i, fd := range fds {
			ackRaw(t, fd, id+i)
		}
		id += n
		made := goroutinesCreated() - before
		waitSessions(t, g, 0, n)
		return made
	}
	first := burst()
	if first < n/2 {
		t.Fatalf("the first burst started %d goroutines for %d sessions awake at once: the test needs a burst", first, n)
	}
	made := burst()
	t.Logf("goroutines started: %d in the first burst of %d wakes, %d in the second", first, n, made)
	if made > n/4 {
		t.Errorf("the second burst of %d wakes started %d goroutines (the first: %d)", n, made, first)
	}
}
