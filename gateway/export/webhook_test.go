package export

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/test/testkit"
)

// hook is a webhook receiver on a loopback port that answers with the codes it is given, in turn
// (200 once they run out), and keeps what it received.
type hook struct {
	mu      sync.Mutex
	codes   []int
	bodies  [][]byte
	auth    []string
	arrived chan struct{} // one value per request, when hold is set
	hold    chan struct{} // when not nil, each request waits for it to be closed
	srv     *httptest.Server
}

func newHook(t *testing.T, codes ...int) *hook {
	h := &hook{codes: codes, arrived: make(chan struct{}, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, b)
		h.auth = append(h.auth, r.Header.Get("Authorization"))
		code := http.StatusOK
		if len(h.codes) > 0 {
			code, h.codes = h.codes[0], h.codes[1:]
		}
		hold := h.hold
		h.mu.Unlock()
		h.arrived <- struct{}{}
		if hold != nil {
			<-hold
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) requests() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.bodies)
}

func newTestWebhook(t *testing.T, cfg WebhookConfig) *Webhook {
	t.Helper()
	cfg.Version, cfg.MinBackoff, cfg.MaxBackoff = "9.9.9", time.Millisecond, 5*time.Millisecond
	w, err := NewWebhook(cfg, zerolog.New(zerolog.NewTestWriter(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		w.Close(ctx)
	})
	return w
}

func closeWebhook(t *testing.T, w *Webhook) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestWebhookDelivers(t *testing.T) {
	h := newHook(t)
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := newTestWebhook(t, WebhookConfig{URL: h.srv.URL + "/events", TokenFile: token})
	at := time.Date(2026, 12, 2, 17, 4, 5, 123e6, time.UTC)
	w.Send(Event{Kind: KindEgressAttempt, Time: at, Device: Device{ID: "0009FBFFFF059322"}, Src: netip.MustParseAddrPort("10.1.2.3:40000"),
		Dst: netip.MustParseAddrPort("202.114.4.119:515"), Proto: "TCP", Action: "blocked", Count: 3, PatientData: "PID-3=SECRET"})
	closeWebhook(t, w)
	if st := w.Stats(); st.Sent != 1 || st.Dropped != 0 || !st.Connected {
		t.Fatalf("stats %+v", st)
	}
	want := `{"sequence":1,"kind":"egress_attempt","name":"Egress attempt from the monitor segment","time":"2026-12-02T17:04:05.123Z",` +
		`"severity":7,"device":{"id":"0009FBFFFF059322"},"src":"10.1.2.3:40000","dst":"202.114.4.119:515","proto":"TCP",` +
		`"action":"blocked","count":3}`
	if got := string(h.bodies[0]); got != want {
		t.Fatalf("body\n%s\nwant\n%s", got, want)
	}
	if h.auth[0] != "Bearer s3cret" {
		t.Fatalf("Authorization %q", h.auth[0])
	}
}

func TestWebhookRetries(t *testing.T) {
	tests := []struct {
		name     string
		codes    []int
		requests int
		sent     uint64
		dropped  uint64
	}{
		{"5xx then success", []int{503, 500}, 3, 1, 0},
		{"429 is retried", []int{429}, 2, 1, 0},
		{"4xx is not retried", []int{400}, 1, 0, 1},
		{"attempts run out", []int{500, 502, 503, 504}, 3, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHook(t, tc.codes...)
			w := newTestWebhook(t, WebhookConfig{URL: h.srv.URL, Attempts: 3})
			w.Send(Event{Kind: KindStationDown, Station: "central-1"})
			closeWebhook(t, w)
			st := w.Stats()
			if h.requests() != tc.requests || st.Sent != tc.sent || st.Dropped != tc.dropped ||
				st.Reconnects != uint64(tc.requests-1) || st.DialErrors != uint64(tc.requests)-tc.sent {
				t.Fatalf("%d requests, stats %+v", h.requests(), st)
			}
			var j map[string]any
			if err := json.Unmarshal(h.bodies[0], &j); err != nil || j["station"] != "central-1" {
				t.Fatalf("body %s: %v", h.bodies[0], err)
			}
		})
	}
}

// While the receiver hangs, the buffer fills and what does not fit is dropped and counted; Send never
// blocks.
func TestWebhookBufferBounded(t *testing.T) {
	h := newHook(t)
	h.hold = make(chan struct{})
	w := newTestWebhook(t, WebhookConfig{URL: h.srv.URL, Buffer: 2})
	w.Send(Event{Kind: KindStationUp, Count: 1})
	<-h.arrived // the first is in flight and held
	for i := 2; i <= 5; i++ {
		w.Send(Event{Kind: KindStationUp, Count: int64(i)})
	}
	if st := w.Stats(); st.Queued != 2 || st.Dropped != 2 {
		t.Fatalf("while the receiver hangs: %+v", st)
	}
	close(h.hold)
	closeWebhook(t, w)
	if st := w.Stats(); st.Sent != 3 || st.Dropped != 2 || h.requests() != 3 {
		t.Fatalf("after: %+v, %d requests", st, h.requests())
	}
}

func TestWebhookConfigValidate(t *testing.T) {
	for url, want := range map[string]string{
		"https://siem.example/hook":  "",
		"http://127.0.0.1:8080/hook": "",
		"http://siem.example/hook":   "w.url: http is allowed only to a loopback address; use https",
		"ftp://x/":                   `w.url: scheme "ftp" is neither https nor http`,
		"/relative":                  "w.url: not an absolute URL (https://host[:port]/path)",
		"https://hooks.example/services/T0/B0/" + Redacted: "w.url: " + Redacted +
			" stands for the real URL's path, query and user info (hl7gate validate --print): write them back",
	} {
		err := WebhookConfig{URL: url}.Validate("w")
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%s: %q, want %q", url, got, want)
		}
	}
}

// A webhook URL that does not parse is not echoed by Validate: its user info, path or query may be a
// secret (url.Parse's own error quotes it whole, and part of it when the port or an escape is bad).
func TestWebhookConfigValidateHidesURL(t *testing.T) {
	for _, u := range []string{
		"https://hl7gate:pass%zzword@noc.example/events",   // a bad escape in the password
		"https://hl7gate:password@noc.example:port/events", // a bad port
		"hooks.example/services/T0/B0/password",            // no scheme: a path
		"https://noc.example:bad/events?token=password",
	} {
		err := WebhookConfig{URL: u}.Validate("w")
		if err == nil || strings.Contains(err.Error(), "password") || !strings.HasPrefix(err.Error(), "w.url: ") {
			t.Errorf("%s: %v", u, err)
		}
	}
}

// RedactURL keeps a URL that is only scheme://host[:port][/] and hides anything after the host, and the
// user info.
func TestRedactURL(t *testing.T) {
	for s, want := range map[string]string{
		"https://noc.example":                       "https://noc.example",
		"https://noc.example:8443/":                 "https://noc.example:8443/",
		"https://hooks.example/services/T0/B0/XXXX": "https://hooks.example/" + Redacted,
		"https://noc.example/?token=s3cr3t":         "https://noc.example/" + Redacted,
		"https://noc.example?":                      "https://noc.example/" + Redacted,
		"https://noc.example/#s3cr3t":               "https://noc.example/" + Redacted,
		"https://hl7gate:s3cr3t@noc.example/":       "https://noc.example/" + Redacted,
		"https://hl7gate@[::1]:8443":                "https://[::1]:8443/" + Redacted,
		"https://hl7gate:s3%zz@noc.example/":        Redacted,
		"noc.example/s3cr3t":                        Redacted,
		"http://127.0.0.1:8080/%2Fs3cr3t":           "http://127.0.0.1:8080/" + Redacted,
	} {
		if got := RedactURL(s); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", s, got, want)
		}
	}
}

// A request that fails is logged ("webhook event dropped") with the URL as RedactURL shows it: net/http
// hides a password, not a Slack-style path or a query token.
func TestWebhookLogHidesURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.Close() // no answer: the client's error names the URL
		}
	}))
	t.Cleanup(srv.Close)
	var logs testkit.LogBuffer
	cfg := WebhookConfig{URL: srv.URL + "/services/T0/B0/pathsecret?token=querysecret", Attempts: 1}
	w, err := NewWebhook(cfg, zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	w.Send(Event{Kind: KindStationDown, Station: "central-1"})
	closeWebhook(t, w)
	if st := w.Stats(); st.Dropped != 1 {
		t.Fatalf("stats %+v", st)
	}
	got := logs.String()
	if !strings.Contains(got, "webhook event dropped") || !strings.Contains(got, srv.URL+"/"+Redacted) ||
		strings.Contains(got, "secret") {
		t.Errorf("log:\n%s", got)
	}
}
