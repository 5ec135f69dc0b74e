package gateway

import (
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// A client that opens and closes connections in a loop costs at most logBurst "connection closed" lines
// per window; each line says how many were not logged before it.
func TestClosedLinesBudget(t *testing.T) {
	cfg := config.Config{
		Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}}},
		Stations:  []config.StationConfig{{Name: "central", Address: testkit.AckStation(t).String()}},
		Routes:    []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}},
	}
	cfg.Vitals.Enabled = false
	logs := &testkit.LogBuffer{}
	g, err := New(cfg, zerolog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	const conns = 3 * logBurst
	msg := []byte("MSH|^~\\&|MON|ICU|C|H|20261125120000||ORU^R01|X1|P|2.6\r")
	for range conns {
		c, err := net.Dial("tcp", g.ListenerAddr("icu").String())
		if err != nil {
			t.Fatal(err)
		}
		// One message answered before the close: the session exists, so Shutdown waits for its end.
		if err := mllp.NewWriter(c).WriteFrame(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := mllp.NewReader(c, 0).ReadFrame(); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	if err := g.Shutdown(context.Background()); err != nil { // waits for every session to end
		t.Fatal(err)
	}
	var closed []map[string]any
	for line := range strings.Lines(logs.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if m["message"] == "connection closed" {
			closed = append(closed, m)
		}
	}
	if len(closed) != logBurst {
		t.Fatalf("%d connection closed lines for %d connections, want %d", len(closed), conns, logBurst)
	}
	if _, ok := closed[0]["closes_not_logged"]; !ok {
		t.Errorf("connection closed line without closes_not_logged: %v", closed[0])
	}
}

// BenchmarkHandle compares what one message costs the session, forwarded to a station and rejected by
// the allowlist: a rejected message (a flood of them) must cost no more than a forwarded one. Its event
// is aggregated, so a repeat writes nothing to the store.
func BenchmarkHandle(b *testing.B) {
	cfg := config.Config{
		Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}}},
		Stations:  []config.StationConfig{{Name: "central", Address: testkit.AckStation(b).String()}},
		Routes:    []policy.RouteConfig{{Name: "vitals", Match: policy.MatchConfig{MessageTypes: []string{"ORU^R01"}}, Stations: []string{"central"}}},
	}
	cfg.Vitals.Enabled = false
	g := startConfig(b, cfg, nil)
	defer g.Shutdown(context.Background())
	a, c := net.Pipe()
	defer a.Close()
	defer c.Close()
	s := g.newSession(g.lns[0], c, netip.MustParseAddr("127.0.0.1"))
	s.rt = g.acquire()
	defer s.rt.release()
	const msh = "MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||%s|C1|P|2.6\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r"
	for _, bc := range []struct{ name, typ string }{{"forwarded", "ORU^R01"}, {"rejected", "ADT^A08"}} {
		frame := []byte(strings.Replace(msh, "%s", bc.typ, 1))
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := s.handle(time.Now(), frame, nil); !ok {
					b.Fatal("no answer")
				}
			}
		})
	}
}

// startConfig makes and starts a gateway from cfg, with tune (if not nil)
// applied before Start. The caller shuts it down.
func startConfig(tb testing.TB, cfg config.Config, tune func(*Gateway)) *Gateway {
	tb.Helper()
	g, err := New(cfg, zerolog.Nop())
	if err != nil {
		tb.Fatal(err)
	}
	if tune != nil {
		tune(g)
	}
	if err := g.Start(tb.Context()); err != nil {
		tb.Fatal(err)
	}
	return g
}
