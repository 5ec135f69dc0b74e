package test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/policy"
)

// reloadConfigs are the two configurations the reload tests alternate: one station with the route to
// it, and the same plus a second station that takes the route over (so each reload adds or removes a
// station and its pool).
func reloadConfigs(a, b *station) (one, two config.Config) {
	one = baseConfig(a)
	two = baseConfig(a, b)
	two.Routes = []policy.RouteConfig{{Name: "vitals", Match: policy.MatchConfig{MessageTypes: []string{"ORU^R01"}}, Stations: []string{"central1"}}}
	return one, two
}

// TestReloadUnderLoad reloads 20 times, alternating two configurations, while monitors send without
// pause: every message gets an AA on the connection it was sent on (none lost, none dropped), every AA'd
// message reached a station (none falsely acknowledged), both configurations carried traffic, and the
// pool of the station the last reload removed is closed.
func TestReloadUnderLoad(t *testing.T) {
	stA, stB := newStation(t, accept), newStation(t, accept)
	one, two := reloadConfigs(stA, stB)
	g, _ := startGateway(t, one)

	const monitors, reloads = 8, 20
	var (
		acked    atomic.Int64 // AAs received by all monitors
		progress changes      // bumped on each AA
		stop     atomic.Bool
		wg       sync.WaitGroup
		mu       sync.Mutex
		aaIDs    []string
	)
	for i := range monitors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			app := fmt.Sprintf("MON%d", i)
			c, err := net.Dial("tcp", g.ListenerAddr("icu").String())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			m := &monitor{c: c, r: mllp.NewReader(c, 0), w: mllp.NewWriter(c)}
			for j := 0; !stop.Load(); j++ {
				id := fmt.Sprintf("R%d-%d", i, j)
				ack, err := m.send(oru(app, id), 5*time.Second)
				if err != nil { // the connection dropped, or a message went unanswered
					t.Errorf("%s message %s: %v", app, id, err)
					return
				}
				code, got, err := decodeAck(ack)
				if err != nil || code != hl7.AA || got != id {
					t.Errorf("%s message %s: ACK %s for %q (%v), want AA", app, id, code, got, err)
					return
				}
				mu.Lock()
				aaIDs = append(aaIDs, id)
				mu.Unlock()
				acked.Add(1)
				progress.bump()
			}
		}()
	}
	for r := range reloads {
		// Let every monitor's traffic move on between two reloads, then swap.
		base := acked.Load()
		if !progress.waitFor(5*time.Second, func() bool { return acked.Load() >= base+monitors }) {
			t.Fatalf("reload %d: no traffic (%d acked)", r, acked.Load())
		}
		next := two
		if r%2 == 1 {
			next = one
		}
		if err := g.Reload(context.Background(), next); err != nil {
			t.Fatalf("reload %d: %v", r, err)
		}
	}
	base := acked.Load()
	progress.waitFor(5*time.Second, func() bool { return acked.Load() >= base+monitors })
	stop.Store(true)
	wg.Wait()

	got := map[string]bool{}
	for _, st := range []*station{stA, stB} {
		for _, f := range st.received() {
			var m hl7.Message
			if err := m.Parse(f); err != nil {
				t.Fatal(err)
			}
			got[string(m.ControlID())] = true
		}
	}
	for _, id := range aaIDs {
		if !got[id] {
			t.Errorf("message %s was acknowledged AA but no station received it", id)
		}
	}
	if len(stB.received()) == 0 || len(stA.received()) == 0 {
		t.Errorf("station A got %d, station B %d messages: both configurations should have carried traffic", len(stA.received()), len(stB.received()))
	}
	// central0's settings never changed: every reload kept it, with its pool (2 connections at most).
	stA.mu.Lock()
	connsA := stA.conns
	stA.mu.Unlock()
	if connsA > one.Stations[0].Connections {
		t.Errorf("station A saw %d connections, want at most its pool of %d: reloads must keep an unchanged station's connections", connsA, one.Stations[0].Connections)
	}
	// The last reload (the 20th, index 19) went back to one station: central1's pool closes once drained.
	stB.mu.Lock()
	conns := stB.conns
	stB.mu.Unlock()
	stB.waitClosed(t, conns)
	t.Logf("%d messages acknowledged across %d reloads by %d monitors, none lost, %d station-B connections opened and closed", len(aaIDs), reloads, monitors, conns)
}

// An invalid configuration changes nothing and every problem is reported; a listener-address change is
// refused as needing a restart; the gateway keeps delivering on the connection it had.
func TestReloadRefused(t *testing.T) {
	stA, stB := newStation(t, accept), newStation(t, accept)
	one, _ := reloadConfigs(stA, stB)
	g, _ := startGateway(t, one)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	if code, _, _ := m.mustAck(t, oru("MON1", "BEFORE")); code != hl7.AA {
		t.Fatalf("before: %s", code)
	}

	bad := baseConfig(stA, stB)
	bad.Routes[0].Stations = []string{"nowhere"}
	bad.Stations[1].Connections = 5000
	err := g.Reload(context.Background(), bad)
	for _, want := range []string{`"nowhere"`, "stations[1].connections"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("invalid config: error %v, want it to name %s", err, want)
		}
	}

	moved := baseConfig(stB)
	moved.Listeners[0].Address = "127.0.0.1:1"
	err = g.Reload(context.Background(), moved)
	if !errors.Is(err, gateway.ErrNeedsRestart) || !strings.Contains(err.Error(), "listeners[0].address") {
		t.Errorf("listener address change: error %v, want listeners[0].address ... needs a restart", err)
	}

	if code, _, _ := m.mustAck(t, oru("MON1", "AFTER")); code != hl7.AA {
		t.Fatalf("after: %s", code)
	}
	if n := len(stB.received()); n != 0 || len(stA.received()) != 2 {
		t.Errorf("station A got %d, B %d messages: the refused configurations must not have taken effect", len(stA.received()), n)
	}
}

// POST /api/reload re-reads the configuration and answers 200, or 400 with every error; it needs the
// admin token and the POST method.
func TestReloadEndpoint(t *testing.T) {
	stA, stB := newStation(t, accept), newStation(t, accept)
	one, two := reloadConfigs(stA, stB)
	tokenFile := filepath.Join(t.TempDir(), "token")
	const token = "0123456789abcdef-reload"
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*config.Config{&one, &two} {
		c.Admin = config.AdminConfig{Address: "127.0.0.1:0", TokenFile: tokenFile}
	}
	var next atomic.Pointer[config.Config]
	next.Store(&two)
	g, err := gateway.New(one, zerolog.New(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	g.SetConfigSource(func() (config.Config, error) { return *next.Load(), nil })
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	url := "http://" + g.AdminAddr().String() + "/api/reload"
	call := func(method, tok string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, url, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if code, _ := call("POST", ""); code != http.StatusUnauthorized {
		t.Errorf("without the token: %d", code)
	}
	if code, _ := call("GET", token); code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", code)
	}
	if code, body := call("POST", token); code != http.StatusOK || body["reloaded"] != true {
		t.Errorf("valid: %d %v", code, body)
	}
	m := dialMonitor(t, g.ListenerAddr("icu"))
	if code, _, _ := m.mustAck(t, oru("MON1", "TO-B")); code != hl7.AA || len(stB.received()) != 1 {
		t.Fatalf("after the reload: %s, station B has %d messages, want the route on B", code, len(stB.received()))
	}
	bad := two
	bad.Routes = []policy.RouteConfig{{Name: "vitals", Stations: []string{"nowhere"}}}
	bad.Listeners = append([]config.ListenerConfig(nil), two.Listeners...)
	bad.Listeners[0].Address = "127.0.0.1:1"
	next.Store(&bad)
	code, body := call("POST", token)
	errs, _ := body["errors"].([]any)
	joined := fmt.Sprint(errs...)
	if code != http.StatusBadRequest || len(errs) < 2 || !strings.Contains(joined, "nowhere") || !strings.Contains(joined, "needs a restart") {
		t.Errorf("invalid: %d %v, want 400 naming the unknown station and the listener change", code, body)
	}
	if code, _, _ := m.mustAck(t, oru("MON1", "STILL-B")); code != hl7.AA || len(stB.received()) != 2 {
		t.Fatalf("after the refused reload: %s, station B has %d messages", code, len(stB.received()))
	}
}
