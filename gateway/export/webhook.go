package export

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// WebhookConfig configures a webhook target (export.webhook in the gateway's configuration): each event
// is POSTed as one JSON object (see [Webhook]).
type WebhookConfig struct {
	// Name labels the target in logs and metrics; default "webhook".
	Name string `mapstructure:"name"`
	// URL is where events are POSTed: https, or http only to a loopback address. Its user info, path and
	// query may hold a secret (a Slack or Teams hook's path is its key): errors and logs show it as
	// RedactURL does.
	URL string `mapstructure:"url"`
	// CAFile verifies the server's certificate (PEM); empty uses the system roots.
	CAFile string `mapstructure:"ca_file"`
	// TokenFile holds a bearer token sent in the Authorization header; empty sends none.
	TokenFile string `mapstructure:"token_file"`
	// Buffer is how many events wait in memory; when it is full new events are dropped and counted.
	// Default 1024, at most 1<<20.
	Buffer int `mapstructure:"buffer"`
	// Timeout bounds each request; default 10s.
	Timeout time.Duration `mapstructure:"timeout"`
	// Attempts is how often one event is tried before it is dropped; default 5.
	Attempts int `mapstructure:"attempts"`
	// MinBackoff and MaxBackoff bound the wait between attempts, doubling; defaults 500ms and 30s.
	MinBackoff time.Duration `mapstructure:"min_backoff"`
	MaxBackoff time.Duration `mapstructure:"max_backoff"`
	// IncludePatientData exports Event.PatientData. Off by default.
	IncludePatientData bool `mapstructure:"include_patient_data"`
	// Version is hl7gate's version, sent in the User-Agent; set by the binary.
	Version string `mapstructure:"-"`
}

// Validate reports every problem of c at once, each naming its key under prefix.
func (c WebhookConfig) Validate(prefix string) error {
	var errs []error
	bad := func(key, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: "+format, append([]any{prefix, key}, a...)...))
	}
	u, err := url.Parse(c.URL)
	switch {
	case err != nil || u.Host == "":
		bad("url", "not an absolute URL (https://host[:port]/path)") // the URL itself may hold a secret
	case strings.Contains(c.URL, Redacted):
		bad("url", "%s stands for the real URL's path, query and user info (hl7gate validate --print): write them back", Redacted)
	case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
		bad("url", "http is allowed only to a loopback address; use https")
	case u.Scheme != "http" && u.Scheme != "https":
		bad("url", "scheme %q is neither https nor http", u.Scheme)
	}
	if c.Buffer < 0 || c.Buffer > maxSyslogBuffer {
		bad("buffer", "%d not in 0..%d", c.Buffer, maxSyslogBuffer)
	}
	if c.Attempts < 0 || c.Attempts > 100 {
		bad("attempts", "%d not in 0..100", c.Attempts)
	}
	if c.Timeout < 0 || c.MinBackoff < 0 || c.MaxBackoff < 0 {
		bad("timeout", "timeout, min_backoff and max_backoff must not be negative")
	}
	return errors.Join(errs...)
}

// Redacted stands in for a value that may be a secret: in hl7gate validate --print, and in a webhook
// URL in errors and logs (RedactURL).
const Redacted = "<redacted>"

// RedactURL returns the URL s as errors, logs and hl7gate validate --print show it: whole when it is
// no more than scheme://host[:port][/]; else scheme://host[:port]/<redacted>, since a webhook's user info,
// path (a Slack or Teams hook's key) and query may each hold a secret; and Redacted alone when s does
// not parse, or has no host, as such a URL.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return Redacted
	}
	if u.User == nil && (u.Path == "" || u.Path == "/") && u.RawPath == "" && u.RawQuery == "" && !u.ForceQuery && u.Fragment == "" {
		return s
	}
	return u.Scheme + "://" + u.Host + "/" + Redacted
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1"
}

// Webhook POSTs events, one JSON object per request (Content-Type application/json):
//
//	{"kind":"egress_attempt","name":"Egress attempt from the monitor segment","time":"2026-12-02T17:04:05.123Z",
//	 "severity":7,"device":{"id":"0009FBFFFF059322"},"src":"10.1.2.3:40000","dst":"202.114.4.119:515",
//	 "proto":"TCP","action":"blocked","count":3}
//
// Any 2xx answer delivers the event. Network errors, 408, 429 and 5xx are retried with backoff up to
// Attempts times; other answers drop the event. Events wait in order: one being retried holds back
// the rest, and the buffer's bound and drop count apply as for Syslog.
type Webhook struct {
	cfg    WebhookConfig
	log    zerolog.Logger
	client *http.Client
	token  string
	outbox
}

// NewWebhook validates cfg, fills its defaults, and starts sending. Close it to flush and stop.
func NewWebhook(cfg WebhookConfig, log zerolog.Logger) (*Webhook, error) {
	if err := cfg.Validate("webhook"); err != nil {
		return nil, err
	}
	setDefault(&cfg.Name, "webhook")
	setDefault(&cfg.Buffer, 1024)
	setDefault(&cfg.Timeout, 10*time.Second)
	setDefault(&cfg.Attempts, 5)
	setDefault(&cfg.MinBackoff, 500*time.Millisecond)
	setDefault(&cfg.MaxBackoff, 30*time.Second)
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.MinBackoff)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // events go to the configured address only
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("webhook.ca_file: %w", err)
		}
		tr.TLSClientConfig.RootCAs = x509.NewCertPool()
		if !tr.TLSClientConfig.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("webhook.ca_file: no PEM certificate in %s", cfg.CAFile)
		}
	}
	w := &Webhook{cfg: cfg, log: log.With().Str("export", cfg.Name).Logger(),
		client: &http.Client{Transport: tr, Timeout: cfg.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if cfg.TokenFile != "" {
		b, err := os.ReadFile(cfg.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("webhook.token_file: %w", err)
		}
		w.token = strings.TrimSpace(string(b))
	}
	w.outbox.init(cfg.Name, cfg.Buffer)
	go w.run()
	return w, nil
}

// Close stops taking events and delivers what is buffered until ctx ends (see Syslog's Close), then
// closes the client's idle connections.
func (w *Webhook) Close(ctx context.Context) error {
	err := w.outbox.Close(ctx)
	w.client.CloseIdleConnections()
	return err
}

// jsonEvent is the JSON form of an Event.
type jsonEvent struct {
	Sequence    uint32    `json:"sequence"`
	Kind        Kind      `json:"kind"`
	Name        string    `json:"name,omitempty"`
	Time        time.Time `json:"time"`
	Severity    Severity  `json:"severity"`
	Device      *Device   `json:"device,omitempty"`
	Listener    string    `json:"listener,omitempty"`
	Station     string    `json:"station,omitempty"`
	Src         string    `json:"src,omitempty"`
	Dst         string    `json:"dst,omitempty"`
	Proto       string    `json:"proto,omitempty"`
	Action      string    `json:"action,omitempty"`
	Rule        string    `json:"rule,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	Parameter   string    `json:"parameter,omitempty"`
	Advisory    string    `json:"advisory,omitempty"`
	Count       int64     `json:"count,omitempty"`
	Detail      string    `json:"detail,omitempty"`
	PatientData string    `json:"patient_data,omitempty"`
}

// marshal returns e as JSON; PatientData only when the operator asked for it.
func (w *Webhook) marshal(e *queued) ([]byte, error) {
	j := jsonEvent{Sequence: e.seq, Kind: e.Kind, Name: kindInfo[e.Kind].name, Time: e.Time.UTC(), Severity: e.severity(),
		Listener: e.Listener, Station: e.Station, Proto: e.Proto, Action: e.Action, Rule: e.Rule, Reason: e.Reason,
		Parameter: e.Parameter, Advisory: e.Advisory, Count: e.Count, Detail: e.Detail}
	if e.Device != (Device{}) {
		j.Device = &e.Device
	}
	j.Src, j.Dst = addrPort(e.Src), addrPort(e.Dst)
	if w.cfg.IncludePatientData {
		j.PatientData = e.PatientData
	}
	return json.Marshal(j)
}

// addrPort writes ap as ip:port, or as the address alone when the port is zero (as CEF leaves spt/dpt
// out); "" when ap is not valid.
func addrPort(ap netip.AddrPort) string {
	switch {
	case !ap.IsValid():
		return ""
	case ap.Port() == 0:
		return ap.Addr().Unmap().String()
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}

// run is the sender goroutine: one event at a time, retried with backoff.
func (w *Webhook) run() {
	defer close(w.done)
	defer w.dropQueued()
	for {
		e, ok := w.next(nil)
		if !ok {
			return
		}
		body, err := w.marshal(&e)
		if err != nil { // cannot happen for these field types; never lose the count
			w.dropped.Add(1)
			continue
		}
		if !w.deliver(body) && w.ctx.Err() != nil {
			return
		}
	}
}

// deliver tries body up to Attempts times; it counts the event as sent or dropped and reports whether
// it was sent.
func (w *Webhook) deliver(body []byte) bool {
	backoff := w.cfg.MinBackoff
	for attempt := 1; ; attempt++ {
		retry, err := w.post(body)
		if err == nil {
			w.sent.Add(1)
			w.connected.Store(true)
			return true
		}
		w.dialErrors.Add(1)
		w.connected.Store(false)
		if !retry || attempt >= w.cfg.Attempts || w.ctx.Err() != nil {
			w.dropped.Add(1)
			w.log.Warn().Err(err).Int("attempts", attempt).Msg("webhook event dropped")
			return false
		}
		w.reconnects.Add(1)
		if !w.wait(backoff) {
			w.dropped.Add(1)
			return false
		}
		backoff = min(2*backoff, w.cfg.MaxBackoff)
	}
}

// post sends one request; retry says whether a failure may succeed later.
func (w *Webhook) post(body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil { // cannot happen (Validate parsed the URL); this error would show the URL whole
		return false, errors.New("webhook: the url does not parse")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "hl7gate/"+w.cfg.Version)
	if w.token != "" {
		req.Header.Set("Authorization", "Bearer "+w.token)
	}
	resp, err := w.client.Do(req)
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		ue.URL = RedactURL(ue.URL) // net/http hides only the password; the path and query go to the log
	}
	if err != nil {
		return true, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection is reused
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return false, nil
	case c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500:
		return true, fmt.Errorf("webhook answered %s", resp.Status)
	default:
		return false, fmt.Errorf("webhook answered %s", resp.Status)
	}
}
