package test

import (
	"fmt"
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
	app, err := receivingApp(ack)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// receivingApp is ackApp for goroutines that must not call t.Fatal.
func receivingApp(ack []byte) (string, error) {
	m, err := hl7.Parse(ack)
	if err != nil {
		return "", fmt.Errorf("ACK does not parse: %w", err)
	}
	return string(m.ReceivingApplication()), nil
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
	sendFromMonitors(t, g.ListenerAddr("icu"), monitors, each, hl7.AA,
		func(_, j int) string { return fmt.Sprintf("C%d", j) }, // the same IDs on every monitor
		func(app string, ack []byte) error {
			got, err := receivingApp(ack)
			if err == nil && got != app {
				err = fmt.Errorf("%s got the ACK meant for %s", app, got)
			}
			return err
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
	st := rawStation(t, answerPairsReversed(t, func(*hl7.Message) hl7.AckCode { return hl7.AA }))
	cfg := baseConfig(st)
	cfg.Stations[0].Connections, cfg.Stations[0].Pipeline = 1, 2
	g, _ := startGateway(t, cfg)
	sendFromMonitors(t, g.ListenerAddr("icu"), 2, 10, hl7.AA, func(i, j int) string { return fmt.Sprintf("M%d-%d", i, j) }, nil)
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
	sendFromMonitors(t, g.ListenerAddr("icu"), monitors, 1, hl7.AE, func(i, _ int) string { return fmt.Sprintf("F%d", i) }, nil)
	if got := st.received(); len(got) != monitors {
		t.Errorf("station received %d messages, want %d", len(got), monitors)
	}
}

// TestPipelineDuplicateControlIDOutOfOrder: two monitors send the same MSH-10 over one pipelined
// connection to a station that would take two messages, reject MON0's (AE), accept MON1's (AA) and
// answer the second first. Matching by MSA-2 cannot tell those two ACKs apart, so hl7gate never has
// both in flight on one connection: MON1's waits, the station never answers MON0's alone, and both
// end with AE. What must never happen: MON0 getting AA, or anyone getting another monitor's ACK.
// (Found in review.)
func TestPipelineDuplicateControlIDOutOfOrder(t *testing.T) {
	mon0Arrived := make(chan struct{})
	arrived := sync.OnceFunc(func() { close(mon0Arrived) })
	st := rawStation(t, answerPairsReversed(t, func(m *hl7.Message) hl7.AckCode {
		if string(m.SendingApplication()) == "MON0" {
			arrived()
			return hl7.AE
		}
		return hl7.AA
	}))
	cfg := baseConfig(st)
	cfg.Stations[0].Connections, cfg.Stations[0].Pipeline = 1, 2
	cfg.Stations[0].AckTimeout = 300 * time.Millisecond
	g, _ := startGateway(t, cfg)

	m0 := dialMonitor(t, g.ListenerAddr("icu"))
	m1 := dialMonitor(t, g.ListenerAddr("icu"))
	if err := m0.w.WriteFrame(oru("MON0", "DUP1")); err != nil {
		t.Fatal(err)
	}
	select { // MON0's message is at the station, waiting for its ACK: the oldest in flight
	case <-mon0Arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("MON0's message never reached the station")
	}
	if err := m1.w.WriteFrame(oru("MON1", "DUP1")); err != nil {
		t.Fatal(err)
	}
	for i, m := range []*monitor{m0, m1} {
		ack, err := m.read(5 * time.Second)
		if err != nil {
			t.Fatalf("MON%d: %v", i, err)
		}
		code, _ := parseAck(t, ack)
		if i == 0 && code == hl7.AA {
			t.Errorf("MON0 got AA for a message the station rejected with AE")
		}
		if code == hl7.AA && ackApp(t, ack) != fmt.Sprintf("MON%d", i) {
			t.Errorf("MON%d got the AA meant for %s", i, ackApp(t, ack))
		}
	}
}

// answerPairsReversed is a rawStation handler that reads two messages, then answers the second before
// the first with the code code picks for each, until the connection ends.
func answerPairsReversed(t *testing.T, code func(*hl7.Message) hl7.AckCode) func(*mllp.Reader, *mllp.Writer) {
	return func(r *mllp.Reader, w *mllp.Writer) {
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
				acks = append(acks, ackFor(m, code(m)))
			}
			for i := len(acks) - 1; i >= 0; i-- {
				if err := w.WriteFrame(acks[i]); err != nil {
					return
				}
			}
		}
	}
}
