package loadgen

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/internal/sim"
)

// startStation runs a Station on 127.0.0.1 until the test ends.
func startStation(t *testing.T, mode AckMode) (*Station, string) {
	t.Helper()
	st := NewStation(mode)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serve(t, ln, func(ctx context.Context) error { return st.Serve(ctx, ln) })
	return st, ln.Addr().String()
}

// serve runs fn until the test ends, then cancels it and checks its error.
func serve(t *testing.T, ln net.Listener, fn func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	t.Cleanup(func() {
		cancel()
		ln.Close()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
}

// runFleet runs f with a deadline and fails the test on an error.
func runFleet(t *testing.T, f *Fleet) *FleetResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// TestFleetRamp checks that monitors send from the moment they start during the ramp, and that only
// what is sent after it counts as measured. The send times are a fixed grid, so the counts are exact.
func TestFleetRamp(t *testing.T) {
	st, addr := startStation(t, AckMode{Code: hl7.AA})
	// 4 monitors start 25 ms apart; each sends every 20 ms on a grid offset by 5 ms per monitor.
	f := &Fleet{Addrs: []string{addr}, Monitors: 4, Rate: 50, Ramp: 100 * time.Millisecond, Duration: 100 * time.Millisecond}
	res := runFleet(t, f)
	// During the ramp: monitor 0 at 0,20,..,80 ms (5); 1 at 25,..,85 (4); 2 at 50,70,90 (3); 3 at 75,95 (2).
	// After it, 100 ms at 50 msg/s: 5 each.
	const ramp, measured = 14, 20
	if res.RampLatency.Count() != ramp || res.Latency.Count() != measured || res.Measured != measured || res.SendLag.Count() != measured {
		t.Errorf("ramp latencies %d, measured latencies %d, measured ACKs %d, send lags %d; want %d, %d, %d, %d",
			res.RampLatency.Count(), res.Latency.Count(), res.Measured, res.SendLag.Count(), ramp, measured, measured, measured)
	}
	if v := Verify(res.SentRecords, st.Records()); v != (Verification{Received: ramp + measured}) {
		t.Errorf("Verify = %+v, want only %d received", v, ramp+measured)
	}
	// The measured phase's latencies by second: 100 ms of it is one second.
	if len(res.BySecond) != 1 || res.BySecond[0].Count() != measured {
		t.Errorf("latencies by second: %d seconds, want 1 with all %d", len(res.BySecond), measured)
	}
}

func TestFleetAgainstStation(t *testing.T) {
	tests := []struct {
		name string
		f    *Fleet
	}{
		{"closed loop", &Fleet{Monitors: 5, Messages: 20}},
		{"closed loop 16 KB", &Fleet{Monitors: 3, Messages: 5, Content: Content{Size: 16 << 10, Manipulation: sim.Frozen}}},
		{"open loop", &Fleet{Monitors: 4, Messages: 6, Rate: 200, Ramp: 10 * time.Millisecond}},
		{"open loop prebuilt", &Fleet{Monitors: 4, Messages: 6, Rate: 200, Ramp: 10 * time.Millisecond, Content: Content{Prebuilt: 4}}},
		{"closed loop prebuilt", &Fleet{Monitors: 3, Messages: 5, Content: Content{Prebuilt: 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, addr := startStation(t, AckMode{Code: hl7.AA})
			f := tc.f
			f.Addrs = []string{addr}
			res := runFleet(t, f)
			want := uint64(f.Monitors * f.Messages)
			lats := res.Latency.Count() + res.RampLatency.Count()
			if res.Sent != want || res.Answers[AckAA] != want || lats != want {
				t.Errorf("sent %d, AA %d, latencies %d; want %d each", res.Sent, res.Answers[AckAA], lats, want)
			}
			v := Verify(res.SentRecords, st.Records())
			if v != (Verification{Received: want}) {
				t.Errorf("Verify = %+v, want only %d received", v, want)
			}
			if got := f.Progress(); got.Connected != 0 || got.Acked != want {
				t.Errorf("progress after run = %+v, want 0 connected and %d acked", got, want)
			}
		})
	}
}

// TestFleetPrebuild checks that the messages rendered before a run (prebuilt content) are the ones each
// monitor would have rendered at its first send, on every worker's share of the monitors.
func TestFleetPrebuild(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, f := range []*Fleet{
		{Monitors: 7, Rate: 1, Ramp: time.Second, Content: Content{Seed: 5, Prebuilt: 3}},
		{Monitors: 5, Content: Content{Seed: 5, Prebuilt: 2, Manipulation: sim.Range, ManipulateAt: 1}},
	} {
		srcs, err := f.prebuild(t0)
		if err != nil {
			t.Fatal(err)
		}
		for i, src := range srcs {
			if len(src.pre) != f.Content.Prebuilt {
				t.Fatalf("monitor %d: %d messages rendered, want %d", i, len(src.pre), f.Content.Prebuilt)
			}
			_, first, stamp := f.schedule(t0, i)
			lazy := f.Content.source(i, first, stamp)
			for k := range 2 * f.Content.Prebuilt {
				a, _, err := src.next(nil)
				if err != nil {
					t.Fatal(err)
				}
				b, _, err := lazy.next(nil)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a, b) {
					t.Fatalf("monitor %d message %d: prebuilt and rendered at the first send differ", i, k)
				}
			}
		}
	}
}

func TestFleetStationAckModes(t *testing.T) {
	tests := []struct {
		mode       string
		want       Outcome
		connErrs   bool
		minLatency time.Duration
	}{
		{"AE", AckAE, false, 0},
		{"AR", AckAR, false, 0},
		{"slow:20ms", AckAA, false, 20 * time.Millisecond},
		{"silent", NoAck, true, 0},
		{"close", NoAck, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			mode, err := ParseAckMode(tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			st, addr := startStation(t, mode)
			f := Fleet{Addrs: []string{addr}, Monitors: 2, Messages: 3, AckTimeout: 50 * time.Millisecond}
			res := runFleet(t, &f)
			if res.Answers[tc.want] != 6 {
				t.Errorf("answers %v, want 6 × %s", res.Answers, tc.want)
			}
			if (res.ConnErrors > 0) != tc.connErrs {
				t.Errorf("connection errors %d, want some: %v", res.ConnErrors, tc.connErrs)
			}
			if tc.minLatency > 0 && res.Latency.Quantile(0.001) < tc.minLatency {
				t.Errorf("fastest ACK %v, station delays each by %v", res.Latency.Quantile(0.001), tc.minLatency)
			}
			// The station still received every message, once, in order; nothing was falsely ACKed.
			if v := Verify(res.SentRecords, st.Records()); v != (Verification{Received: 6}) {
				t.Errorf("Verify = %+v, want 6 received and nothing else", v)
			}
		})
	}
}

// fault is what the faulty relay does to its n-th message (0-based).
type fault int

const (
	faultNone     fault = iota
	faultDrop           // ACK AA itself, never forward
	faultDup            // forward twice
	faultReorder        // ACK AA itself, forward after the next message
	faultCorrupt        // change one byte of the content
	faultFalseAck       // turn the station's answer into AA
	faultLateAck        // answer with the previous message's ACK
)

// faultyRelay forwards MLLP messages to station, one connection upstream per
// connection downstream, and misbehaves once, on message n of the relay.
func faultyRelay(t *testing.T, station string, fl fault, n int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		count int
	)
	next := func() int { mu.Lock(); defer mu.Unlock(); count++; return count - 1 }
	serve(t, ln, func(ctx context.Context) error {
		var wg sync.WaitGroup
		defer wg.Wait()
		for {
			c, err := ln.Accept()
			if err != nil {
				return nil
			}
			wg.Go(func() {
				defer c.Close()
				up, err := net.Dial("tcp", station)
				if err != nil {
					t.Errorf("relay dial: %v", err)
					return
				}
				defer up.Close()
				stop := context.AfterFunc(ctx, func() { c.Close(); up.Close() })
				defer stop()
				relayConn(t, c, up, fl, n, next)
			})
		}
	})
	return ln.Addr().String()
}

func relayConn(t *testing.T, down, up net.Conn, fl fault, n int, next func() int) {
	dr, dw := mllp.NewReader(down, 1<<20), mllp.NewWriter(down)
	ur, uw := mllp.NewReader(up, 1<<20), mllp.NewWriter(up)
	forward := func(msg []byte) []byte {
		if uw.WriteFrame(msg) != nil {
			return nil
		}
		ack, err := ur.ReadFrame()
		if err != nil {
			return nil
		}
		return bytes.Clone(ack)
	}
	ownAA := func(msg []byte) []byte {
		m, err := hl7.Parse(msg)
		if err != nil {
			t.Errorf("relay parse: %v", err)
			return nil
		}
		return hl7.AppendAck(nil, m, hl7.Ack{Code: hl7.AA, ControlID: "RELAY", Time: time.Now()})
	}
	var held, prevAck []byte
	for {
		frame, err := dr.ReadFrame()
		if err != nil {
			return
		}
		msg := bytes.Clone(frame)
		i := next()
		var ack []byte
		switch {
		case i == n && fl == faultDrop:
			ack = ownAA(msg)
		case i == n && fl == faultDup:
			forward(msg)
			ack = forward(msg)
		case i == n && fl == faultReorder:
			held, ack = msg, ownAA(msg)
		case i == n+1 && held != nil:
			ack = forward(msg)
			forward(held)
			held = nil
		case i == n && fl == faultCorrupt:
			msg[len(msg)-2] ^= 1 // inside the last segment
			ack = forward(msg)
		case i == n && fl == faultFalseAck:
			forward(msg)
			ack = ownAA(msg)
		case i == n && fl == faultLateAck:
			forward(msg)
			ack = prevAck
		default:
			ack = forward(msg)
		}
		if ack == nil || dw.WriteFrame(ack) != nil {
			return
		}
		prevAck = ack
	}
}

func TestVerifyCatchesFaultyRelay(t *testing.T) {
	tests := []struct {
		name    string
		fault   fault
		station string // ack mode
		want    Verification
		answers map[Outcome]uint64
	}{
		{"faithful relay", faultNone, "AA", Verification{Received: 10}, map[Outcome]uint64{AckAA: 10}},
		{"dropped message", faultDrop, "AA", Verification{Received: 9, Lost: 1}, map[Outcome]uint64{AckAA: 10}},
		{"duplicated message", faultDup, "AA", Verification{Received: 10, Duplicated: 1}, map[Outcome]uint64{AckAA: 10}},
		{"reordered messages", faultReorder, "AA", Verification{Received: 10, OutOfOrder: 1}, map[Outcome]uint64{AckAA: 10}},
		{"changed content", faultCorrupt, "AA", Verification{Received: 10, Corrupted: 1}, map[Outcome]uint64{AckAA: 10}},
		{"station error turned into AA", faultFalseAck, "AE", Verification{Received: 10, FalseAcked: 1}, map[Outcome]uint64{AckAA: 1, AckAE: 9}},
		{"late ACK of the previous message", faultLateAck, "AA", Verification{Received: 10}, map[Outcome]uint64{AckAA: 9, AckMismatch: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mode, err := ParseAckMode(tc.station)
			if err != nil {
				t.Fatal(err)
			}
			st, stAddr := startStation(t, mode)
			relay := faultyRelay(t, stAddr, tc.fault, 3)
			f := Fleet{Addrs: []string{relay}, Monitors: 1, Messages: 10}
			res := runFleet(t, &f)
			for o := range numOutcomes {
				if res.Answers[o] != tc.answers[o] {
					t.Errorf("answers %s = %d, want %d", o, res.Answers[o], tc.answers[o])
				}
			}
			v := Verify(res.SentRecords, st.Records())
			if v != tc.want {
				t.Errorf("Verify = %+v\nwant     %+v", v, tc.want)
			}
			rep := NewReport(&f, res, &v, nil)
			if rep.Failed != (tc.fault != faultNone) {
				t.Errorf("report Failed = %v for fault %d", rep.Failed, tc.fault)
			}
		})
	}
}

func TestFleetIdleFromSources(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		seen  []netip.Addr
		conns []net.Conn
	)
	serve(t, ln, func(context.Context) error {
		for {
			c, err := ln.Accept()
			if err != nil {
				mu.Lock()
				for _, c := range conns {
					c.Close()
				}
				mu.Unlock()
				return nil
			}
			mu.Lock()
			seen = append(seen, c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr())
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	sources := []netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")}
	f := Fleet{Addrs: []string{ln.Addr().String()}, Monitors: 6, Idle: true, Duration: time.Second, Sources: sources}
	res := runFleet(t, &f)
	if res.PeakConns != 6 || res.Sent != 0 || res.ConnErrors != 0 {
		t.Errorf("peak %d sent %d conn errors %d; want 6, 0, 0", res.PeakConns, res.Sent, res.ConnErrors)
	}
	mu.Lock()
	defer mu.Unlock()
	slices.SortFunc(seen, netip.Addr.Compare)
	want := []netip.Addr{sources[0], sources[0], sources[0], sources[1], sources[1], sources[1]}
	if !slices.Equal(seen, want) {
		t.Errorf("connections came from %v, want %v", seen, want)
	}
}

func TestFleetDialErrorsAndCancel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	f := Fleet{Addrs: []string{addr}, Monitors: 2, Duration: time.Hour}
	res, err := f.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.DialErrors == 0 || res.Sent != 0 || f.Progress().Failed == 0 {
		t.Errorf("dial errors %d, sent %d, failed %d: want dial errors and failures, nothing sent", res.DialErrors, res.Sent, f.Progress().Failed)
	}
}

func TestFleetValidate(t *testing.T) {
	tests := []struct {
		name string
		f    *Fleet
	}{
		{"no address", &Fleet{Monitors: 1, Messages: 1}},
		{"no monitors", &Fleet{Addrs: []string{"127.0.0.1:1"}, Messages: 1}},
		{"negative rate", &Fleet{Addrs: []string{"127.0.0.1:1"}, Monitors: 1, Messages: 1, Rate: -1}},
		{"rate too high", &Fleet{Addrs: []string{"127.0.0.1:1"}, Monitors: 1, Messages: 1, Rate: 1e9}},
		{"no end", &Fleet{Addrs: []string{"127.0.0.1:1"}, Monitors: 1}},
		{"idle without duration", &Fleet{Addrs: []string{"127.0.0.1:1"}, Monitors: 1, Idle: true, Messages: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.f.Run(context.Background()); !errors.Is(err, ErrBadFleet) {
				t.Errorf("Run = %v, want ErrBadFleet", err)
			}
		})
	}
}
