package gateway

import (
	"context"
	"errors"
	"net"
	"runtime"
	"testing"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// Start and Shutdown called at once (a library user's signal handler firing while the gateway starts): either
// Start refuses with ErrServerClosed or it finishes first and Shutdown closes what it bound. No listener is
// left accepting after Shutdown returned. The race detector watches the listener fields as well.
func TestStartRacingShutdown(t *testing.T) {
	station := testkit.AckStation(t)
	cfg := config.Config{
		Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}}},
		Stations:  []config.StationConfig{{Name: "central", Address: station.String()}},
		Routes:    []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}},
	}
	for i := range 50 {
		g, err := New(cfg, zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		go0, started := make(chan struct{}), make(chan error, 1)
		go func() { <-go0; started <- g.Start(context.Background()) }()
		close(go0)
		for range i % 8 * 200 { // vary which of the two gets ahead, and by how much
			runtime.Gosched()
		}
		g.Shutdown(context.Background())
		err = <-started
		switch {
		case errors.Is(err, ErrServerClosed):
		case err != nil:
			t.Fatalf("round %d: Start: %v", i, err)
		default:
			if c, err := net.Dial("tcp", g.ListenerAddr("icu").String()); err == nil {
				c.Close()
				t.Fatalf("round %d: Start returned after Shutdown and its listener still accepts", i)
			}
		}
	}
}
