package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/queue"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/policy/inventory"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// storeState is a State over a real store and inventory, with a readiness the test sets.
type storeState struct {
	*store.Store
	inv    *inventory.Inventory
	ready  error
	queues []QueueStatus
}

func (s *storeState) Ready() error { return s.ready }

func (s *storeState) Devices() []inventory.Device { return s.inv.Devices() }

func (s *storeState) Queues() []QueueStatus { return s.queues }

// The endpoint serves the store through State, behind the token; /healthz stays open.
func TestServer(t *testing.T) {
	st, err := store.New(100)
	if err != nil {
		t.Fatal(err)
	}
	st.AddEvent(store.Event{Kind: store.KindPolicy, Severity: "warning", Reason: "one"})
	st.AddEvent(store.Event{Kind: store.KindEgress, Severity: "warning", Reason: "two"})
	wl, err := inventory.NewWatchlist(nil)
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.New(10, wl)
	seen := time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)
	inv.Observe(inventory.Identity{EUI64: "0009FBFFFF059322", Manufacturer: "Contec", Model: "CMS8000", Firmware: "CMS7.820.075.08/0.74(0.75)"},
		inventory.Sighting{Time: seen, Addr: netip.MustParseAddr("10.20.0.7"), Listener: "icu-a", MessageType: "ORU^R01"})
	inv.Observe(inventory.Identity{Sender: "MINDRAY_VS"}, inventory.Sighting{Time: seen, Listener: "icu-a"})
	state := &storeState{Store: st, inv: inv, ready: errors.New("no central station reachable"),
		queues: []QueueStatus{{Route: "vitals", Depth: 3, DeadLetters: []queue.DeadLetter{{ID: 7, Key: "central/eui64:00", Reason: "AR from station central after 1 attempts"}}}}}
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := New(config.AdminConfig{Address: "127.0.0.1:0", TokenFile: token}, state, prometheus.NewRegistry(), zerolog.Nop())
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	base := "http://" + a.Addr().String()
	get := func(path, bearer string) (int, string) {
		t.Helper()
		return testkit.Get(t, base+path, bearer)
	}
	const good = "0123456789abcdef0123"
	for _, tc := range []struct {
		path, bearer string
		code         int
		body         string
	}{
		{"/healthz", "", 200, "ok\n"},
		{"/readyz", "", 401, "unauthorized\n"},
		{"/api/events", "wrong-token-wrong-token", 401, "unauthorized\n"},
		{"/api/queue", "", 401, "unauthorized\n"},
		{"/readyz", good, 503, "no central station reachable\n"},
		{"/index.html", "", 401, "unauthorized\n"}, // only the dashboard's own assets are open
		{"/index.html", good, 404, "404 page not found\n"},
	} {
		if code, body := get(tc.path, tc.bearer); code != tc.code || body != tc.body {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, code, body, tc.code, tc.body)
		}
	}
	state.ready = nil
	if code, body := get("/readyz", good); code != 200 || body != "ready\n" {
		t.Errorf("GET /readyz when ready: %d %q", code, body)
	}
	code, body := get("/api/events?kind=egress", good)
	var evs []store.Event
	if err := json.Unmarshal([]byte(body), &evs); code != 200 || err != nil || len(evs) != 1 || evs[0].Reason != "two" {
		t.Errorf("GET /api/events?kind=egress: %d %v %s", code, err, body)
	}
	// The field names the dashboard and hl7gate devices read.
	code, body = get("/api/devices", good)
	var devs []map[string]any
	if err := json.Unmarshal([]byte(body), &devs); code != 200 || err != nil || len(devs) != 2 {
		t.Fatalf("GET /api/devices: %d %v %s", code, err, body)
	}
	cms, _ := json.Marshal(devs[0])
	want := `{"addresses":["10.20.0.7"],"eui64":"0009FBFFFF059322","firmware":"CMS7.820.075.08/0.74(0.75)",` +
		`"first_seen":"2026-12-02T17:00:00Z","id":"0009FBFFFF059322","last_seen":"2026-12-02T17:00:00Z",` +
		`"listeners":["icu-a"],"manufacturer":"Contec","message_types":["ORU^R01"],"messages":1,"model":"CMS8000",` +
		`"watchlist":{"advisory":"ICSMA-25-030-01","cves":["CVE-2024-12248","CVE-2025-0626","CVE-2025-0683","CVE-2025-1204"],` +
		`"name":"contec-cms8000","note":` + mustJSON(t, wl.Entries()[0].Note) + `}}`
	if string(cms) != want {
		t.Errorf("watchlisted device:\n got %s\nwant %s", cms, want)
	}
	if _, ok := devs[1]["watchlist"]; ok || devs[1]["id"] != "MINDRAY_VS" || devs[1]["addresses"] == nil {
		t.Errorf("device off the watchlist: %v", devs[1])
	}
	code, body = get("/api/queue", good)
	var qs []QueueStatus
	if err := json.Unmarshal([]byte(body), &qs); code != 200 || err != nil || len(qs) != 1 || qs[0].Depth != 3 ||
		len(qs[0].DeadLetters) != 1 || qs[0].DeadLetters[0].ID != 7 {
		t.Errorf("GET /api/queue: %d %v %s", code, err, body)
	}
	if code, _ := get("/metrics", good); code != 200 {
		t.Errorf("GET /metrics: %d", code)
	}
	// The dashboard's page and assets hold no data and load without the token.
	for _, p := range []string{"/", "/dashboard.js", "/dashboard.css"} {
		if code, body := get(p, ""); code != 200 || len(body) == 0 {
			t.Errorf("GET %s without token: %d, %d bytes; want 200 and the asset", p, code, len(body))
		}
	}
}

// Every list endpoint answers [] when it has nothing to list, never null (a SOC script's `jq '.[]'`
// fails on null).
func TestEmptyListsAreArrays(t *testing.T) {
	st, err := store.New(10)
	if err != nil {
		t.Fatal(err)
	}
	wl, err := inventory.NewWatchlist(nil)
	if err != nil {
		t.Fatal(err)
	}
	a := New(config.AdminConfig{Address: "127.0.0.1:0"}, &storeState{Store: st, inv: inventory.New(10, wl)},
		prometheus.NewRegistry(), zerolog.Nop())
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, p := range []string{"/api/monitors", "/api/stations", "/api/events", "/api/events?kind=policy",
		"/api/egress", "/api/devices", "/api/queue"} {
		if code, body := testkit.Get(t, "http://"+a.Addr().String()+p, ""); code != 200 || body != "[]\n" {
			t.Errorf("GET %s with nothing to list: %d %q, want 200 \"[]\\n\"", p, code, body)
		}
	}
}

// Another site's page cannot make a browser reload the configuration (redteam52 F9): a cross-origin
// POST /api/reload is refused before it reaches Reload, on loopback without a token too; a client that
// sends no browser headers (curl, a script) and a same-origin page still reload.
func TestReloadRefusesCrossOrigin(t *testing.T) {
	st, err := store.New(10)
	if err != nil {
		t.Fatal(err)
	}
	reloads := 0
	a := New(config.AdminConfig{Address: "127.0.0.1:0"}, &storeState{Store: st}, prometheus.NewRegistry(), zerolog.Nop())
	a.Reload = func(context.Context) error { reloads++; return nil }
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	base := "http://" + a.Addr().String()
	for _, tc := range []struct {
		name    string
		headers map[string]string
		code    int
	}{
		{"cross-site form post", map[string]string{"Origin": "https://evil.example", "Content-Type": "text/plain"}, 403},
		{"cross-site fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"curl", nil, 200},
		{"same origin", map[string]string{"Origin": base, "Sec-Fetch-Site": "same-origin"}, 200},
	} {
		before := reloads
		req, err := http.NewRequest("POST", base+"/api/reload", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range tc.headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code || (reloads > before) != (tc.code == 200) {
			t.Errorf("%s: %d, reloaded %t; want %d", tc.name, resp.StatusCode, reloads > before, tc.code)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// With pprof on, the profiles are served next to the dashboard (their patterns once conflicted with its
// "GET /" and the server panicked at start).
func TestPprof(t *testing.T) {
	st, err := store.New(10)
	if err != nil {
		t.Fatal(err)
	}
	a := New(config.AdminConfig{Address: "127.0.0.1:0", Pprof: true}, &storeState{Store: st}, prometheus.NewRegistry(), zerolog.Nop())
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for path, want := range map[string]int{"/debug/pprof/": 200, "/debug/pprof/heap?debug=1": 200, "/debug/pprof/symbol": 200, "/": 200} {
		if code, _ := testkit.Get(t, "http://"+a.Addr().String()+path, ""); code != want {
			t.Errorf("GET %s: %d, want %d", path, code, want)
		}
	}
}

// slowState is a State whose Queues blocks until the test releases it: a request that outlasts the
// endpoint's shutdown grace (a dead-letter listing of a large queue, or a scrape that stalls).
type slowState struct {
	storeState
	entered, release chan struct{}
}

func (s *slowState) Queues() []QueueStatus {
	close(s.entered)
	<-s.release
	return s.storeState.Queues()
}

// Close returns only once every request's handler has returned: past the grace it ends the requests still
// running (their connections closed, their contexts cancelled) and waits for them, so that the gateway
// closes its queues and store only when no handler can still read them (review15: a handler outlived
// Shutdown).
func TestCloseWaitsForHandlers(t *testing.T) {
	st, err := store.New(10)
	if err != nil {
		t.Fatal(err)
	}
	state := &slowState{storeState: storeState{Store: st}, entered: make(chan struct{}), release: make(chan struct{})}
	a := New(config.AdminConfig{Address: "127.0.0.1:0"}, state, prometheus.NewRegistry(), zerolog.Nop())
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", a.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET /api/queue HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	<-state.entered
	closed := make(chan struct{})
	a.grace = 10 * time.Millisecond // the default second, shortened
	go func() { a.Close(); close(closed) }()
	cut := make(chan error, 1)
	go func() { _, err := c.Read(make([]byte, 1)); cut <- err }() // the server ends the request's connection
	select {
	case <-closed:
		close(state.release)
		t.Fatal("Close returned while a request's handler was still running")
	case err := <-cut:
		if err == nil {
			t.Fatal("the request was answered while its handler was still blocked")
		}
	}
	select {
	case <-closed:
		t.Fatal("Close returned before the handler it cut off returned")
	default:
	}
	close(state.release)
	<-closed
}

// TestRefusedWhileClosing: once Close began, a request that reaches the
// handler chain is answered 503 and never reaches its handler (which could
// read a queue the gateway is about to close), and it is not counted among
// the requests Close waits for.
func TestRefusedWhileClosing(t *testing.T) {
	a := &Server{}
	reached := false
	h := a.track(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	a.closing = true
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/queue", nil))
	if w.Code != http.StatusServiceUnavailable || reached {
		t.Fatalf("status %d, handler reached %v; want 503 without the handler", w.Code, reached)
	}
	if w.Header().Get("Connection") != "close" {
		t.Errorf("Connection header %q; want close", w.Header().Get("Connection"))
	}
	a.reqs.Wait() // returns at once: the refused request was not counted
}
