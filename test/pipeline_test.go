package test

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// ackApp returns MSH-5 of an ACK: the receiving application, which an ACK takes from the original
// message's sending application.
func ackApp(t *testing.T, ack []byte) string {
	t.Helper()
	m, err := hl7.Parse(ack)
	if err != nil {
		t.Fatalf("ACK does not parse: %v", err)
	}
	return string(m.ReceivingApplication())
}

// TestPipelineSharedControlIDs has many monitors use the same control IDs at once over one pipelined
// connection: every ACK must reach the monitor whose message it answers, and nothing is lost.
func TestPipelineSharedControlIDs(t *testing.T) {
	st := newStation(t, func(_ int, m *hl7.Message) ([]byte, time.Duration) {
		return ackFor(m, hl7.AA), time.Millisecond
	})
	cfg := baseConfig(st)
	cfg.Stations[0].Connections, cfg.Stations[0].Pipeline = 1, 8
	g, _ := startGateway(t, cfg)
	const monitors, each = 12, 15
	sendFromMonitors(t, g.ListenerAddr("icu"), monitors, each,
		func(_, j int) string { return fmt.Sprintf("C%d", j) }, // the same IDs on every monitor
		func(app string, ack []byte) {
			if got := ackApp(t, ack); got != app {
				t.Errorf("%s got the ACK meant for %s", app, got)
			}
		})
	st.waitReceived(t, monitors*each)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.conns != 1 {
		t.Errorf("station saw %d connections, want 1", st.conns)
	}
}

// TestPipelineOutOfOrderStation uses a station that reads two messages before answering, then answers
// the second first. Stop-and-wait could never get a second message to it; a pipeline of two delivers
// both and matches each ACK by MSA-2.
func TestPipelineOutOfOrderStation(t *testing.T) {
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
		r, w := mllp.NewReader(c, 0), mllp.NewWriter(c)
		for {
			var acks [][]byte
			for range 2 {
				frame, err := r.ReadFrame()
				if err != nil {
					return
				}
				m, err := hl7.Parse(frame)
				if err != nil {
					t.Errorf("station: %v", err)
					return
				}
				acks = append(acks, ackFor(m, hl7.AA))
			}
			for i := len(acks) - 1; i >= 0; i-- {
				if err := w.WriteFrame(acks[i]); err != nil {
					return
				}
			}
		}
	}()
	cfg := baseConfig(&station{ln: ln}) // only its address is used
	cfg.Stations[0].Connections, cfg.Stations[0].Pipeline = 1, 2
	g, _ := startGateway(t, cfg)
	sendFromMonitors(t, g.ListenerAddr("icu"), 2, 10, func(i, j int) string { return fmt.Sprintf("M%d-%d", i, j) }, nil)
}

// TestPipelineFailureFailsAllInFlight has a station that takes several messages and never answers:
// when the first times out, the connection closes and every message in flight on it gets AE, none AA.
func TestPipelineFailureFailsAllInFlight(t *testing.T) {
	st := newStation(t, func(int, *hl7.Message) ([]byte, time.Duration) { return nil, 0 })
	cfg := baseConfig(st)
	cfg.Stations[0].Connections, cfg.Stations[0].Pipeline = 1, 4
	cfg.Stations[0].AckTimeout = 300 * time.Millisecond
	g, _ := startGateway(t, cfg)
	const monitors = 4
	codes := make([]hl7.AckCode, monitors)
	var wg sync.WaitGroup
	for i := range monitors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := dialMonitor(t, g.ListenerAddr("icu"))
			ack, err := m.send(oru(fmt.Sprintf("MON%d", i), fmt.Sprintf("F%d", i)), 5*time.Second)
			if err != nil {
				t.Errorf("monitor %d: no answer: %v", i, err)
				return
			}
			codes[i], _ = parseAck(t, ack)
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != hl7.AE {
			t.Errorf("monitor %d: %s, want AE", i, c)
		}
	}
	if got := st.received(); len(got) != monitors {
		t.Errorf("station received %d messages, want %d", len(got), monitors)
	}
}
