package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/test/testkit"
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
		t.Run(tc.name, func(t *testing.T) { checkRestartOnly(t, base, tc.change, tc.want) })
	}
}

// checkRestartOnly applies change to a copy of base and checks what restartOnly says of it: nothing when want
// is empty, else one ErrNeedsRestart error starting with want.
func checkRestartOnly(t *testing.T, base config.Config, change func(*config.Config), want string) {
	t.Helper()
	next := base
	next.Listeners = append([]config.ListenerConfig(nil), base.Listeners...)
	next.Stations = append([]config.StationConfig(nil), base.Stations...)
	next.Routes = append([]policy.RouteConfig(nil), base.Routes...)
	change(&next)
	errs := restartOnly(base, next.WithDefaults())
	if want == "" {
		if len(errs) != 0 {
			t.Fatalf("refused: %v", errs)
		}
		return
	}
	if len(errs) != 1 || !errors.Is(errs[0], ErrNeedsRestart) || !strings.HasPrefix(errs[0].Error(), want) {
		t.Fatalf("errors %v, want one starting %q that needs a restart", errs, want)
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
		{"max_source_rate", func(c *config.Config) { c.Listeners[0].MaxSourceRate = 16 << 20 }, ""},
		{"source_rates", func(c *config.Config) {
			c.Listeners[0].SourceRates = []config.SourceRate{{Sources: "127.0.0.2/32", MaxSourceRate: -1}}
		}, ""},
		{"listener added", func(c *config.Config) {
			c.Listeners = append(c.Listeners, config.ListenerConfig{Name: "b", Address: "127.0.0.1:1"})
		}, "listeners: 2 listeners configured, 1 running"},
		{"admin", func(c *config.Config) { c.Admin.Address = "127.0.0.1:9103" }, "admin:"},
		{"journal", func(c *config.Config) { c.State.Journal.Dir = "/tmp/j" }, "state:"},
		{"inventory", func(c *config.Config) { c.Inventory.MaxDevices = 7 }, ""},
		{"export", func(c *config.Config) {
			c.Export.Syslog = append(c.Export.Syslog, export.SyslogConfig{Name: "soc", Address: "127.0.0.1:514"})
		}, ""},
		{"egress.watchlist", func(c *config.Config) { c.Egress.Watchlist = []string{"203.0.113.0/24"} }, ""},
		{"egress summary", func(c *config.Config) { c.Egress.SummaryInterval = time.Hour }, "egress:"},
		{"egress sinkhole", func(c *config.Config) { c.Egress.Sinkhole = "10.0.0.1:9" }, "egress:"},
		{"egress.repair", func(c *config.Config) { c.Egress.Repair = !c.Egress.Repair }, ""},
		{"egress.verify_interval", func(c *config.Config) { c.Egress.VerifyInterval = time.Minute }, "egress:"},
		{"relay route added", func(c *config.Config) {
			c.Routes = append(c.Routes, policy.RouteConfig{Name: "more", Stations: []string{"central"}})
		}, ""},
		{"store route added", func(c *config.Config) {
			c.Routes = append(c.Routes, policy.RouteConfig{Name: "more", Stations: []string{"central"}, Delivery: config.DeliveryStore})
		}, `routes[0]: "more" newly in store mode`},
		{"queue", func(c *config.Config) { c.Queue.Directory = "/var/lib/hl7gate/queue2" }, "queue:"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRestartOnly(t, base, tc.change, tc.want) })
	}
}

// A reload that removes a secondary station while its backlog holds messages delivers them before the
// station's pool closes, and the backlog's goroutine ends.
func TestReloadDrainsRetiredBacklog(t *testing.T) {
	const n = 8
	gate, got := make(chan struct{}), make(chan string, n)
	cfg := config.Config{
		Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}}},
		Stations: []config.StationConfig{{Name: "central", Address: testkit.AckStation(t).String()},
			{Name: "second", Address: testkit.GatedStation(t, func(m *hl7.Message) {
				got <- string(m.ControlID()) // then answer only once the gate is open
				<-gate
			}).String(), Connections: 1, Queue: n, AckTimeout: time.Minute}},
		Routes: []policy.RouteConfig{{Name: "all", Stations: []string{"central", "second"}, AckFrom: policy.AckPrimary}},
	}
	cfg.Vitals.Enabled = false
	g := startConfig(t, cfg, nil)
	defer g.Shutdown(context.Background())
	second := g.rt.Load().stations[1]
	a, c := net.Pipe()
	defer a.Close()
	defer c.Close()
	s := g.newSession(g.lns[0], c, netip.MustParseAddr("127.0.0.1"))
	for i := range n {
		s.rt = g.acquire()
		reply, ok := s.handle(time.Now(), fmt.Appendf(nil, "MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ORU^R01|C%d|P|2.6\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r", i), nil)
		s.rt.release()
		if !ok || !strings.Contains(string(reply), "MSA|AA|") {
			t.Fatalf("message %d: answer %q", i, reply)
		}
	}
	<-got // the secondary holds the first message; the others wait in its backlog
	next := cfg
	next.Stations = cfg.Stations[:1]
	next.Routes = []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}}
	if err := g.Reload(t.Context(), next); err != nil {
		t.Fatal(err)
	}
	close(gate)
	for i := 1; i < n; i++ {
		select {
		case id := <-got:
			if id != fmt.Sprintf("C%d", i) {
				t.Fatalf("secondary got %s, want C%d", id, i)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("secondary got %d of %d messages after its reload", i, n)
		}
	}
	select {
	case <-second.backlog.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the retired station's backlog still runs")
	}
}
