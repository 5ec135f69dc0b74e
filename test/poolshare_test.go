package test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// holdingStation is a station that answers every message AA, holding each message of the application
// FLOOD until the test releases them all: a station slow on big messages, as slow as the test says.
type holdingStation struct {
	addr    string
	held    atomic.Int32 // FLOOD messages read and not answered yet
	release chan struct{}
	once    sync.Once
}

func newHoldingStation(t *testing.T) *holdingStation {
	h := &holdingStation{release: make(chan struct{})}
	h.addr = testkit.GatedStation(t, func(m *hl7.Message) {
		if string(m.SendingApplication()) != "FLOOD" {
			return
		}
		h.held.Add(1)
		<-h.release
		h.held.Add(-1)
	}).String()
	return h
}

// free answers every FLOOD message held and those still to come; safe to call more than once.
func (h *holdingStation) free() { h.once.Do(func() { close(h.release) }) }

// floodAndMonitor runs one round against a station pool of conns connections: one big message from each of
// conns sources, each over half its byte budget with it (max_source_rate 64 KiB/s, 40 KiB messages), so
// they are enough to hold the whole pool; then, while the station holds them, a small message from a
// monitor on another address. It checks that the monitor's message is delivered and answered AA while the
// flood is held (all the reserved connections are free of it), that the flood holds held of the pool's
// connections, no more, and that each flood message is answered AA once the station lets them go.
func floodAndMonitor(t *testing.T, g *gateway.Gateway, h *holdingStation, round string, firstSrc, conns, held int) {
	t.Helper()
	addr := g.ListenerAddr("icu")
	waits := func() float64 {
		return metricValue(t, g, "hl7gate_station_reserve_waits_total", "station", "central0")
	}
	before := waits()
	flood := make([]*monitor, conns)
	for i := range flood {
		flood[i] = dialFrom(t, addr, fmt.Sprintf("127.0.0.%d", firstSrc+i))
		if err := flood[i].w.WriteFrame(bigOru("FLOOD", fmt.Sprintf("%s-F%d", round, i), 40)); err != nil {
			t.Fatal(err)
		}
	}
	// Either the flood holds the whole pool (a gateway without a reserve) or it holds its share and the
	// rest of it waits for the share: then the monitor's message comes after the pool is as full as the
	// flood can make it.
	testkit.WaitFor(t, "the flood to fill what it may of the pool", func() bool {
		n := int(h.held.Load())
		return n == conns || n == held && waits() > before
	})
	mon := dialFrom(t, addr, "127.0.0.100")
	id := round + "-MON"
	if err := mon.w.WriteFrame(oru("MON", id)); err != nil {
		t.Fatal(err)
	}
	ack, err := mon.read(waitAnswer)
	stillHeld := int(h.held.Load())
	h.free()
	if err != nil {
		t.Fatalf("%s: the monitor's message got no answer while the flood was held: %v", round, err)
	}
	if code, got, err := decodeAck(ack); err != nil || code != hl7.AA || got != id {
		t.Fatalf("%s: the monitor's message: answer %s for %q (%v) while the flood was held, want the station's AA", round, code, got, err)
	}
	if stillHeld != held {
		t.Errorf("%s: the station held %d flood messages while the monitor was answered, want %d of %d connections", round, stillHeld, held, conns)
	}
	for i, m := range flood {
		expectAA(t, m, fmt.Sprintf("%s-F%d", round, i), func(string) {})
	}
}

// TestPoolReservedForSourcesUnderBudget: sources that send more than half of their byte budget in one big
// message each, to a station that holds each of those until the test lets it go, take all of the
// station's connections but the reserved ones (a quarter, at least one): a monitor under its budget on
// another address is delivered and answered at once while they are held, instead of waiting behind them
// until its ack_timeout. Every flood message is delivered and answered AA once the station answers. A
// reload that changes the station's connections applies the new pool's share.
func TestPoolReservedForSourcesUnderBudget(t *testing.T) {
	h := newHoldingStation(t)
	cfg := holdingConfig(h, 4, config.MinSourceRate)
	g, _ := startGateway(t, cfg)
	t.Cleanup(h.free) // before the gateway's shutdown

	floodAndMonitor(t, g, h, "pool4", 2, 4, 3)

	h2 := newHoldingStation(t)
	t.Cleanup(h2.free)
	cfg = holdingConfig(h2, 8, config.MinSourceRate)
	if err := g.Reload(context.Background(), cfg); err != nil {
		t.Fatalf("reload: %v", err)
	}
	floodAndMonitor(t, g, h2, "pool8", 10, 8, 6)
}

// holdingConfig is baseConfig's listener and route to h as the station central0, with a pool of conns
// connections and the listener's max_source_rate at rate.
func holdingConfig(h *holdingStation, conns, rate int) config.Config {
	cfg := baseConfig()
	cfg.Stations = []config.StationConfig{{Name: "central0", Address: h.addr, Connections: conns,
		AckTimeout: 20 * time.Second}} // the flood is held until the test's checks, not longer
	cfg.Listeners[0].MaxSourceRate = rate
	return cfg
}

// TestPoolWholeForOneSource: a source alone, under half its byte budget, sending on as many connections as
// the station's pool has, gets every connection at once (the reserve is only kept from sources over half
// their budget); with a pool of one, a source over half its budget gets that connection, and its second
// message waits for it, then goes.
func TestPoolWholeForOneSource(t *testing.T) {
	for _, tc := range []struct {
		name           string
		senders, conns int
		rate           int
	}{
		{"under half its budget, pool of 4", 4, 4, config.DefaultMaxSourceRate},
		{"over half its budget, pool of 1", 2, 1, config.MinSourceRate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHoldingStation(t)
			g, _ := startGateway(t, holdingConfig(h, tc.conns, tc.rate))
			t.Cleanup(h.free)
			addr := g.ListenerAddr("icu")
			ms := make([]*monitor, tc.senders)
			for i := range ms {
				ms[i] = dialFrom(t, addr, "127.0.0.2")
				if err := ms[i].w.WriteFrame(bigOru("FLOOD", fmt.Sprintf("ALONE%d", i), 40)); err != nil {
					t.Fatal(err)
				}
			}
			testkit.WaitFor(t, "the source to hold every connection", func() bool { return int(h.held.Load()) == tc.conns })
			h.free()
			for i, m := range ms {
				expectAA(t, m, fmt.Sprintf("ALONE%d", i), func(string) {})
			}
		})
	}
}
