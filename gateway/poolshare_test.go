package gateway

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// A message of the unreserved share gives its token back however forward ends: answered (stop-and-wait or
// pipelined), its station unreachable, silent past ack_timeout, or closing the idle connection (a retry
// on a fresh one), its context cancelled while it waited for the share or for a pipelined answer, the share
// full until ack_timeout. A token kept would shrink the share of every source over half its rate for good.
func TestPoolShareGivenBack(t *testing.T) {
	msg := []byte("MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ORU^R01|C1|P|2.6\r")
	forward := func(ctx context.Context, s *station) error {
		_, code, err := s.forward(ctx, msg, []byte("C1"), nil, true, unreserved)
		if err == nil && code != hl7.AA {
			t.Errorf("answer %s, want AA", code)
		}
		return err
	}
	for _, tc := range []struct {
		name     string
		pipeline int
		station  func(t *testing.T) string
		// run forwards one message or more and checks their results; held counts the messages a station
		// without its own (nil) holds until the test ends.
		run func(t *testing.T, s *station, held *atomic.Int32)
	}{
		{"answered", 1, ackStation, func(t *testing.T, s *station, _ *atomic.Int32) { mustForward(t, forward, s, 2) }},
		{"answered, pipelined", 4, ackStation, func(t *testing.T, s *station, _ *atomic.Int32) { mustForward(t, forward, s, 2) }},
		{"unreachable", 1, deadStation, func(t *testing.T, s *station, _ *atomic.Int32) { mustFail(t, forward(t.Context(), s), nil) }},
		{"silent past ack_timeout", 1, silentStation, func(t *testing.T, s *station, _ *atomic.Int32) { mustFail(t, forward(t.Context(), s), nil) }},
		{"closing each connection after one answer: a retry on a fresh one", 1, oneAnswerStation,
			func(t *testing.T, s *station, _ *atomic.Int32) { mustForward(t, forward, s, 3) }},
		{"the share full until ack_timeout", 1, ackStation, func(t *testing.T, s *station, _ *atomic.Int32) {
			fillShare(s)
			defer drainShare(s)
			mustFail(t, forward(t.Context(), s), ErrStationBusy)
		}},
		{"cancelled while waiting for the share", 1, ackStation, func(t *testing.T, s *station, _ *atomic.Int32) {
			fillShare(s)
			defer drainShare(s)
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- forward(ctx, s) }()
			testkit.WaitFor(t, "the message to wait for the share", func() bool { return counted(t, s.reserved) == 1 })
			cancel()
			mustFail(t, <-done, context.Canceled)
		}},
		{"cancelled while waiting for a pipelined answer", 2, nil, func(t *testing.T, s *station, held *atomic.Int32) {
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- forward(ctx, s) }()
			testkit.WaitFor(t, "the station to hold the message", func() bool { return held.Load() == 1 })
			cancel()
			mustFail(t, <-done, nil)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var held atomic.Int32
			release := make(chan struct{})
			addr := ""
			if tc.station != nil {
				addr = tc.station(t)
			} else { // a station that holds every message until the test ends
				addr = testkit.GatedStation(t, func(*hl7.Message) { held.Add(1); <-release }).String()
				t.Cleanup(func() { close(release) })
			}
			s := shareStation(t, addr, tc.pipeline)
			tc.run(t, s, &held)
			if n := len(s.shared); n != 0 {
				t.Errorf("%d tokens of the unreserved share (of %d) kept after every message returned", n, cap(s.shared))
			}
		})
	}
}

// shareStation is a station of 2 connections (an unreserved share of one connection, times pipeline) in
// front of addr, with an ack_timeout of 200 ms.
func shareStation(t *testing.T, addr string, pipeline int) *station {
	t.Helper()
	st, err := store.New(10)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Stations: []config.StationConfig{{Name: "central", Address: addr, Connections: 2,
		Pipeline: pipeline, AckTimeout: 200 * time.Millisecond}}}.WithDefaults()
	s, err := newStation(cfg.Stations[0], zerolog.Nop(), st, newMetrics())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.closeAll)
	return s
}

// fillShare takes every token of s's unreserved share, as messages of other sources over half their rate
// would; drainShare gives them back.
func fillShare(s *station) {
	for range cap(s.shared) {
		s.shared <- struct{}{}
	}
}

func drainShare(s *station) {
	for range cap(s.shared) {
		<-s.shared
	}
}

// mustForward forwards n messages one after the other and fails t unless each is answered.
func mustForward(t *testing.T, forward func(context.Context, *station) error, s *station, n int) {
	t.Helper()
	for i := range n {
		if err := forward(t.Context(), s); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
}

// mustFail fails t unless err is an error, and want's (when not nil).
func mustFail(t *testing.T, err, want error) {
	t.Helper()
	if err == nil || want != nil && !errors.Is(err, want) {
		t.Fatalf("forward: %v, want an error (%v)", err, want)
	}
}

// counted is c's value.
func counted(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func ackStation(t *testing.T) string { return testkit.AckStation(t).String() }

// deadStation is an address on loopback nothing listens on.
func deadStation(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// silentStation reads every message and answers none.
func silentStation(t *testing.T) string {
	return testkit.ServeMLLP(t, func(r *mllp.Reader, _ *mllp.Writer) {
		for {
			if _, err := r.ReadFrame(); err != nil {
				return
			}
		}
	}).String()
}

// oneAnswerStation answers the first message of each connection AA, then closes it.
func oneAnswerStation(t *testing.T) string {
	return testkit.ServeMLLP(t, func(r *mllp.Reader, w *mllp.Writer) {
		var m hl7.Message
		frame, err := r.ReadFrame()
		if err != nil || m.Parse(frame) != nil {
			return
		}
		w.WriteFrame(hl7.AppendAck(nil, &m, hl7.Ack{Code: hl7.AA, ControlID: "1"}))
	}).String()
}
