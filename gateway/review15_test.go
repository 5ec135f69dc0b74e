package gateway

import (
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
)

// A station's health as the store (dashboard, /api) and hl7gate_station_up show it must be the health the
// gateway acts on (station.healthy), also when a message's failure and another's success (or a dial) report
// at once, as they do while a station restarts. Before the fix setHealth decided the change under the
// station's lock and published it after: the one that decided first could publish last, and a station
// that was up stayed shown down (no later success reports again while healthy() is true).
func TestStationHealthPublishedInOrder(t *testing.T) {
	st, err := store.New(10)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Stations: []config.StationConfig{{Name: "central", Address: "127.0.0.1:9"}}}.WithDefaults()
	s, err := newStation(cfg.Stations[0], zerolog.Nop(), st, newMetrics())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		var start, done sync.WaitGroup
		start.Add(1)
		for _, up := range []bool{true, false} {
			done.Go(func() {
				start.Wait()
				if up {
					s.setHealth(true, "")
				} else {
					s.setHealth(false, "read ack: EOF")
				}
			})
		}
		start.Done()
		done.Wait()
		want := s.healthy()
		stored := st.Stations()
		var m dto.Metric
		if err := s.up.Write(&m); err != nil {
			t.Fatal(err)
		}
		if len(stored) != 1 || stored[0].Up != want || (m.GetGauge().GetValue() == 1) != want {
			t.Fatalf("round %d: healthy() %v, store %+v, hl7gate_station_up %v", i, want, stored, m.GetGauge().GetValue())
		}
	}
}
