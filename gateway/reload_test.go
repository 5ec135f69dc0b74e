package gateway

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/policy"
)

// A store-mode route's queue keeps its stations: the route and the stations it delivers to stay as they
// were; the other routes and stations reload.
func TestRestartOnlyStoreRoutes(t *testing.T) {
	base := config.Config{
		Stations: []config.StationConfig{{Name: "a", Address: "127.0.0.1:1"}, {Name: "b", Address: "127.0.0.1:2"}},
		Routes: []policy.RouteConfig{{Name: "stored", Stations: []string{"a"}, Delivery: config.DeliveryStore},
			{Name: "relayed", Stations: []string{"b"}}},
	}.WithDefaults()
	for _, tc := range []struct {
		name   string
		change func(c *config.Config)
		want   string
	}{
		{"relay route's station changed", func(c *config.Config) { c.Stations[1].AckTimeout = time.Minute }, ""},
		{"store route's station changed", func(c *config.Config) { c.Stations[0].AckTimeout = time.Minute }, `stations: "a", which store-mode route "stored" delivers to`},
		{"store route switched to relay", func(c *config.Config) { c.Routes[0].Delivery = config.DeliveryRelay }, `routes: store-mode route "stored"`},
		{"store route removed", func(c *config.Config) { c.Routes = c.Routes[1:] }, `routes: store-mode route "stored"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := base
			next.Stations = append([]config.StationConfig(nil), base.Stations...)
			next.Routes = append([]policy.RouteConfig(nil), base.Routes...)
			tc.change(&next)
			errs := restartOnly(base, next.WithDefaults())
			if tc.want == "" {
				if len(errs) != 0 {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			if len(errs) != 1 || !errors.Is(errs[0], ErrNeedsRestart) || !strings.HasPrefix(errs[0].Error(), tc.want) {
				t.Fatalf("errors %v, want one starting %q that needs a restart", errs, tc.want)
			}
		})
	}
}

// Each setting a running gateway cannot take on is refused under its key; what reloads is not.
func TestRestartOnly(t *testing.T) {
	base := config.Config{
		Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:2575", AllowSources: []string{"127.0.0.0/8"}}},
		Stations:  []config.StationConfig{{Name: "central", Address: "127.0.0.1:2576"}},
		Admin:     config.AdminConfig{Address: "127.0.0.1:9102"},
	}.WithDefaults()
	for _, tc := range []struct {
		name   string
		change func(c *config.Config)
		want   string // "" when the change reloads
	}{
		{"allow_sources", func(c *config.Config) { c.Listeners[0].AllowSources = []string{"10.0.0.0/8"} }, ""},
		{"stations", func(c *config.Config) {
			c.Stations = append(c.Stations, config.StationConfig{Name: "b", Address: "127.0.0.1:1"})
		}, ""},
		{"egress.learn", func(c *config.Config) { c.Egress.Learn = true }, ""},
		{"listener address", func(c *config.Config) { c.Listeners[0].Address = "127.0.0.1:2577" }, "listeners[0].address"},
		{"listener mode", func(c *config.Config) { c.Listeners[0].Mode = config.ModeIntercept }, "listeners[0].mode"},
		{"listener timeout", func(c *config.Config) { c.Listeners[0].IdleTimeout = time.Second }, "listeners[0]: connection limits"},
		{"listener added", func(c *config.Config) {
			c.Listeners = append(c.Listeners, config.ListenerConfig{Name: "b", Address: "127.0.0.1:1"})
		}, "listeners: 2 listeners configured, 1 running"},
		{"admin", func(c *config.Config) { c.Admin.Address = "127.0.0.1:9103" }, "admin:"},
		{"journal", func(c *config.Config) { c.State.Journal.Dir = "/tmp/j" }, "state:"},
		{"egress sinkhole", func(c *config.Config) { c.Egress.Sinkhole = "10.0.0.1:9" }, "egress:"},
		{"relay route added", func(c *config.Config) {
			c.Routes = append(c.Routes, policy.RouteConfig{Name: "more", Stations: []string{"central"}})
		}, ""},
		{"store route added", func(c *config.Config) {
			c.Routes = append(c.Routes, policy.RouteConfig{Name: "more", Stations: []string{"central"}, Delivery: config.DeliveryStore})
		}, `routes[0]: "more" newly in store mode`},
		{"queue", func(c *config.Config) { c.Queue.Directory = "/var/lib/hl7gate/queue2" }, "queue:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := base
			next.Listeners = append([]config.ListenerConfig(nil), base.Listeners...)
			next.Stations = append([]config.StationConfig(nil), base.Stations...)
			next.Routes = append([]policy.RouteConfig(nil), base.Routes...)
			tc.change(&next)
			errs := restartOnly(base, next.WithDefaults())
			if tc.want == "" {
				if len(errs) != 0 {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			if len(errs) != 1 || !errors.Is(errs[0], ErrNeedsRestart) || !strings.HasPrefix(errs[0].Error(), tc.want) {
				t.Fatalf("errors %v, want one starting %q that needs a restart", errs, tc.want)
			}
		})
	}
}
