package admin

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/queue"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// storeState is a State over a real store, with a readiness the test sets.
type storeState struct {
	*store.Store
	ready  error
	queues []QueueStatus
}

func (s *storeState) Ready() error { return s.ready }

func (s *storeState) Queues() []QueueStatus { return s.queues }

// The endpoint serves the store through State, behind the token; /healthz stays open.
func TestServer(t *testing.T) {
	st, err := store.New(100)
	if err != nil {
		t.Fatal(err)
	}
	st.AddEvent(store.Event{Kind: store.KindPolicy, Severity: "warning", Reason: "one"})
	st.AddEvent(store.Event{Kind: store.KindEgress, Severity: "warning", Reason: "two"})
	state := &storeState{Store: st, ready: errors.New("no central station reachable"),
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
