package gateway

import (
	"context"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/test/testkit"
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

// A station removed by a reload and added back by the next one, while the first reload's closeRetired
// still winds the removed one down, keeps its hl7gate_station_up series and its row in the store: before
// the fix closeRetired decided "gone, not replaced" from the configuration it read before closing the
// station's connections and could delete the series and row after the second reload had made them anew
// for the station added back, whose gauge then went nowhere until its next replacement.
func TestReloadReaddedStationKeepsSeries(t *testing.T) {
	cfg := config.Config{
		Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}}},
		Stations: []config.StationConfig{{Name: "central", Address: testkit.AckStation(t).String()},
			{Name: "second", Address: testkit.AckStation(t).String(), Pipeline: 4}},
		Routes: []policy.RouteConfig{{Name: "all", Stations: []string{"central", "second"}, AckFrom: policy.AckPrimary}},
	}
	cfg.Vitals.Enabled = false
	without := cfg
	without.Stations = cfg.Stations[:1]
	without.Routes = []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}}
	g := startConfig(t, cfg, nil)
	for i := range 300 {
		if err := g.Reload(t.Context(), without); err != nil {
			t.Fatalf("reload %d without: %v", i, err)
		}
		if err := g.Reload(t.Context(), cfg); err != nil {
			t.Fatalf("reload %d with: %v", i, err)
		}
	}
	if err := g.Shutdown(context.Background()); err != nil { // every closeRetired has returned
		t.Fatal(err)
	}
	mfs, err := g.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var series []string
	for _, mf := range mfs {
		if mf.GetName() == "hl7gate_station_up" {
			for _, m := range mf.GetMetric() {
				series = append(series, m.GetLabel()[0].GetValue())
			}
		}
	}
	var rows []string
	for _, st := range g.store.Stations() {
		rows = append(rows, st.Name)
	}
	slices.Sort(series)
	slices.Sort(rows)
	if want := []string{"central", "second"}; !slices.Equal(series, want) || !slices.Equal(rows, want) {
		t.Fatalf("hl7gate_station_up for %q, store rows %q, want both for %q", series, rows, want)
	}
}

// A station removed by a reload while its keeper is still dialing it (here: a TLS handshake the station
// never answers) leaves no row in the store: the keeper's dial, ended by the reload, reports the station
// down, and before the fix that report could come after closeRetired had forgotten the station, leaving
// the dashboard a station that is no longer configured.
func TestReloadRetiredStationDialLeavesNoRow(t *testing.T) {
	for i := range 20 {
		silent, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		hello := make(chan net.Conn, 1)
		go func() {
			c, err := silent.Accept()
			if err != nil {
				close(hello)
				return
			}
			var b [1]byte
			c.Read(b[:]) // the ClientHello: the keeper's dial now waits for the handshake's answer
			hello <- c
		}()
		on := true
		cfg := config.Config{
			Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}}},
			Stations: []config.StationConfig{{Name: "central", Address: testkit.AckStation(t).String()},
				{Name: "silent", Address: silent.Addr().String(), TLS: config.ClientTLS{Enabled: &on}, ConnectTimeout: time.Minute}},
			Routes: []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}},
		}
		cfg.Vitals.Enabled = false
		g := startConfig(t, cfg, nil)
		c, ok := <-hello
		if !ok {
			t.Fatal("the keeper never dialed the silent station")
		}
		without := cfg
		without.Stations = cfg.Stations[:1]
		if err := g.Reload(t.Context(), without); err != nil {
			t.Fatal(err)
		}
		if err := g.Shutdown(context.Background()); err != nil { // the keeper and closeRetired have returned
			t.Fatal(err)
		}
		c.Close()
		silent.Close()
		var rows []string
		for _, st := range g.store.Stations() {
			rows = append(rows, st.Name)
		}
		if !slices.Equal(rows, []string{"central"}) {
			t.Fatalf("round %d: store rows %q after the reload removed \"silent\", want only \"central\"", i, rows)
		}
	}
}
