package gateway

import (
	"context"
	rtmetrics "runtime/metrics"
	"testing"
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
