package gateway

import (
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// A pipelined station connection that dies for one message's answer (an MSA-2 matching nothing) fails
// every message in flight on it; only the failure of a message alone on its connection says anything
// about that message and counts towards queue.poison_attempts (stationHad). Otherwise a monitor's
// poison messages, sent while the station answers others, get the innocent messages beside them
// dead-lettered.
func TestSharedFailureNotPoison(t *testing.T) {
	read := make(chan string, 4)
	addr := testkit.ServeMLLP(t, func(r *mllp.Reader, w *mllp.Writer) { // read the messages; answer the poison with its MSA-2 cut short
		for {
			f, err := r.ReadFrame()
			if err != nil {
				return
			}
			read <- string(f)
			if f[len("MSH|^~\\&|MON|ICU|||||ORU^R01|")] == 'P' { // the poison: answered, but not matching
				w.WriteFrame([]byte("MSH|^~\\&|C|H|MON|ICU|||ACK|A|P|2.6\rMSA|AA|POISON-CUT\r"))
			}
		}
	})
	st, err := store.New(100)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Stations: []config.StationConfig{{Name: "central", Address: addr.String(),
		Connections: 1, Pipeline: 2, AckTimeout: 5 * time.Second}}}.WithDefaults()
	s, err := newStation(cfg.Stations[0], zerolog.Nop(), st, newMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer s.closeAll()
	forward := func(ctrl string) <-chan error {
		done := make(chan error, 1)
		go func() {
			msg := "MSH|^~\\&|MON|ICU|||||ORU^R01|" + ctrl + "|P|2.6\rOBX|1|NM|HR||72\r"
			_, _, err := s.forward(t.Context(), []byte(msg), []byte(ctrl), nil, false, wholePool)
			done <- err
		}()
		return done
	}

	// The innocent message goes first and waits for its answer; the poison follows on the same connection.
	innocent := forward("V1")
	<-read
	poison := forward("POISON-0000000000000000000000")
	errV, errP := <-innocent, <-poison
	if errV == nil || errP == nil {
		t.Fatalf("both in flight when the connection died: innocent %v, poison %v", errV, errP)
	}
	if stationHad(errV) {
		t.Errorf("the innocent message's failure counts towards poison_attempts: %v", errV)
	}
	// Alone on its connection, the poison message's failure is its own.
	if err := <-forward("POISON-0000000000000000000000"); err == nil || !stationHad(err) {
		t.Errorf("a message alone on its connection answered with a mismatch: %v, stationHad %v", err, stationHad(err))
	}
}
