package gateway

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// BenchmarkForward measures station.forward, the per-message cost of reaching a station (its pooled
// call included), stop-and-wait and pipelined; and stop-and-wait with 50 callers at once on a pool of 64
// connections, as test/bench's light50 has it.
func BenchmarkForward(b *testing.B) {
	for _, bc := range []struct {
		name              string
		pipeline, callers int
	}{{"stop-and-wait", 1, 0}, {"pipelined", 8, 0}, {"stop-and-wait-50", 1, 50}} {
		b.Run(bc.name, func(b *testing.B) {
			st, err := store.New(100)
			if err != nil {
				b.Fatal(err)
			}
			sc := config.StationConfig{Name: "central", Address: testkit.AckStation(b).String(), Pipeline: bc.pipeline}
			if bc.callers > 0 {
				sc.Connections = 64
				b.SetParallelism(max(1, bc.callers/runtime.GOMAXPROCS(0)))
			}
			cfg := config.Config{Stations: []config.StationConfig{sc}}.WithDefaults()
			s, err := newStation(cfg.Stations[0], zerolog.Nop(), st, newMetrics())
			if err != nil {
				b.Fatal(err)
			}
			defer s.closeAll()
			ctx := context.Background()
			msg := []byte("MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ORU^R01|C1|P|2.6\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r")
			ctrl := []byte("C1")
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ack := make([]byte, 0, 512)
				for pb.Next() {
					var err error
					if ack, _, err = s.forward(ctx, msg, ctrl, ack[:0], true, wholePool); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkStationGet measures what reserving a connection of a pool of 50 open ones and giving it back
// costs (station.get and release; no message sent), 50 callers at once, as light50 has them.
func BenchmarkStationGet(b *testing.B) {
	st, err := store.New(100)
	if err != nil {
		b.Fatal(err)
	}
	cfg := config.Config{Stations: []config.StationConfig{{Name: "central", Address: testkit.AckStation(b).String(), Connections: 64}}}.WithDefaults()
	s, err := newStation(cfg.Stations[0], zerolog.Nop(), st, newMetrics())
	if err != nil {
		b.Fatal(err)
	}
	defer s.closeAll()
	ctx := context.Background()
	deadline := time.Now().Add(time.Hour)
	const callers = 50
	held := make([]*stationConn, callers) // dial 50 connections: each get finds the others busy
	for i := range held {
		if held[i], err = s.get(ctx, deadline, getAny); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range held {
		s.release(c)
	}
	b.SetParallelism(max(1, callers/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c, err := s.get(ctx, deadline, getAny)
			if err != nil {
				b.Error(err)
				return
			}
			s.release(c)
		}
	})
}

// The unreserved share of a station's pool is every connection but a quarter (at least one), times the
// pipeline; a pool of one connection keeps none back: a source over half its budget still reaches the
// station, and two of its messages at once take turns on that one connection.
func TestPoolShare(t *testing.T) {
	st, err := store.New(100)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ conns, pipeline, shared int }{{1, 1, 0}, {2, 1, 1}, {4, 1, 3}, {7, 1, 6}, {8, 1, 6}, {16, 1, 12}, {4, 8, 24}} {
		cfg := config.Config{Stations: []config.StationConfig{{Name: "central", Address: "127.0.0.1:1", Connections: c.conns, Pipeline: c.pipeline}}}.WithDefaults()
		s, err := newStation(cfg.Stations[0], zerolog.Nop(), st, newMetrics())
		if err != nil {
			t.Fatal(err)
		}
		if got := cap(s.shared); got != c.shared || (c.shared == 0) != (s.shared == nil) {
			t.Errorf("connections %d, pipeline %d: unreserved share of %d messages (nil: %v), want %d", c.conns, c.pipeline, got, s.shared == nil, c.shared)
		}
	}
	cfg := config.Config{Stations: []config.StationConfig{{Name: "central", Address: testkit.AckStation(t).String(), Connections: 1}}}.WithDefaults()
	s, err := newStation(cfg.Stations[0], zerolog.Nop(), st, newMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer s.closeAll()
	msg := []byte("MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ORU^R01|C1|P|2.6\r")
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, code, err := s.forward(t.Context(), msg, []byte("C1"), nil, true, unreserved)
			if err == nil && code != "AA" {
				err = fmt.Errorf("answer %s, want AA", code)
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("a message of the unreserved share on a pool of one: %v", err)
		}
	}
}

// get takes an idle connection from the idle list, the one released last first, and never one that died
// while idle: that one left the pool and the list.
func TestStationIdleList(t *testing.T) {
	st, err := store.New(100)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Stations: []config.StationConfig{{Name: "central", Address: testkit.AckStation(t).String(), Connections: 4}}}.WithDefaults()
	s, err := newStation(cfg.Stations[0], zerolog.Nop(), st, newMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer s.closeAll()
	ctx, deadline := t.Context(), time.Now().Add(time.Minute)
	var cs [3]*stationConn
	for i := range cs {
		if cs[i], err = s.get(ctx, deadline, getAny); err != nil {
			t.Fatal(err)
		}
	}
	if cs[0] == cs[1] || cs[1] == cs[2] || cs[0] == cs[2] {
		t.Fatal("a busy connection was handed out again")
	}
	for _, c := range cs {
		s.release(c)
	}
	cs[2].kill(errSuspect) // the one released last dies while idle
	for _, want := range []*stationConn{cs[1], cs[0]} {
		c, err := s.get(ctx, deadline, getAny)
		if err != nil {
			t.Fatal(err)
		}
		if c != want {
			t.Fatalf("got connection %p, want %p (the idle one released last)", c, want)
		}
	}
	c, err := s.get(ctx, deadline, getAny) // no idle one left: a new one
	if err != nil {
		t.Fatal(err)
	}
	if c == cs[0] || c == cs[1] || c == cs[2] {
		t.Fatalf("got connection %p again; want a new one", c)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.idle) != 0 || len(s.pool) != 3 {
		t.Fatalf("%d idle, %d pooled; want 0 and 3", len(s.idle), len(s.pool))
	}
}

// With busy_poll 0 an exchange never polls for its station's answer, whatever else would allow it; with it
// on, as before (TestExchangeSpin runs those exchanges on real sockets).
func TestStationSpinBound(t *testing.T) {
	st, err := store.New(10)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Stations: []config.StationConfig{{Name: "central", Address: "127.0.0.1:1", Connections: 1}}}.WithDefaults()
	s, err := newStation(cfg.Stations[0], zerolog.Nop(), st, newMetrics())
	if err != nil {
		t.Fatal(err)
	}
	s.tokens <- struct{}{} // one message in flight
	s.lastRTT.Store(int64(30 * time.Microsecond))
	var gate spinGate
	s.spins = &gate
	for _, tc := range []struct {
		bound   time.Duration
		serving int32
		want    time.Duration
	}{
		{0, 0, 0},
		{0, 1, 0},
		{100 * time.Microsecond, 1, 100 * time.Microsecond},
		{100 * time.Microsecond, 2, 0},          // another session has a message to handle
		{20 * time.Microsecond, 1, 0},           // the station's last answer took longer than the bound
		{time.Millisecond, 1, time.Millisecond}, // the bound is the spin
	} {
		gate.set(config.DeliveryConfig{BusyPoll: &tc.bound})
		gate.serving.Store(tc.serving)
		if got := s.spin(); got != tc.want {
			t.Errorf("busy_poll %v, %d serving: spin %v, want %v", tc.bound, tc.serving, got, tc.want)
		}
	}
}
