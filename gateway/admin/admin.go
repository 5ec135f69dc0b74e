// Package admin serves hl7gate's admin endpoint over HTTP(S): read-only but for the reload:
//
//	/healthz          the process is alive
//	/readyz           listeners are bound, the containment rules in force are the configuration's (when checked) and at least one station is up, or every route is in store mode (503 otherwise)
//	/metrics          Prometheus metrics
//	/api/monitors     monitors seen
//	/api/stations     stations and their health
//	/api/events       recent events; ?kind=policy|vitals|connection|delivery|egress|watchlist|gateway|firewall|throttle&since=ID&limit=N
//	/api/egress       aggregated egress attempts of the monitor segment
//	/api/devices      the device inventory, watchlist matches marked (see Device)
//	/api/queue        the durable queues of store-mode routes: depth, oldest age, dead letters (no payload)
//	POST /api/reload  re-read and apply the configuration (200, or 400 with every error)
//	/debug/pprof/     profiles, when admin.pprof is on
//	/                 the dashboard (gateway/dashboard), a page that reads the API above
//
// Every path but /healthz and the dashboard's assets requires the bearer token when one is configured. It reads the gateway's state
// through State and nothing else.
package admin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/dashboard"
	"github.com/hl7gate/hl7gate/gateway/queue"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/policy/inventory"
)

// State is what the admin endpoint reads. Every method must be safe for concurrent use.
type State interface {
	// Ready returns nil when the gateway can deliver, else why not.
	Ready() error
	Monitors() []store.Monitor
	Stations() []store.Station
	Events(kind string, since uint64, limit int) []store.Event
	EgressAttempts() []store.Egress
	// Devices returns the device inventory, sorted by key.
	Devices() []inventory.Device
	// Queues returns the state of each store-mode route's queue, in configuration order.
	Queues() []QueueStatus
}

// QueueStatus is one store-mode route's durable queue as /api/queue shows it: counters and the dead
// letters' metadata, never a payload.
type QueueStatus struct {
	Route         string  `json:"route"`
	Depth         int     `json:"depth"`          // messages queued, not yet delivered or dead-lettered
	Bytes         int64   `json:"bytes"`          // their record bytes (bounded by queue.max_bytes)
	OldestSeconds float64 `json:"oldest_seconds"` // age of the oldest queued message
	Keys          int     `json:"keys"`           // station/device keys with queued messages
	Deliverers    int     `json:"deliverers"`     // deliverer goroutines running
	Appended      uint64  `json:"appended"`       // since the gateway started
	Delivered     uint64  `json:"delivered"`      // since the gateway started
	DiskBytes     int64   `json:"disk_bytes"`     // segment files' size
	// DeadLetters lists the messages moved aside (replay or discard them with hl7gate queue).
	DeadLetters []queue.DeadLetter `json:"dead_letters"`
	Error       string             `json:"error,omitempty"` // the queue is failed (a write error), or reading the dead letters failed
}

// Server is the admin endpoint.
type Server struct {
	cfg   config.AdminConfig
	state State
	gath  prometheus.Gatherer
	log   zerolog.Logger

	// Reload, when set before Start, serves POST /api/reload: it re-reads and applies the configuration
	// and returns every problem when it refused it.
	Reload func(context.Context) error

	ln     net.Listener
	srv    *http.Server
	wg     sync.WaitGroup
	grace  time.Duration      // how long Close lets requests in progress finish
	cancel context.CancelFunc // ends the requests' contexts

	reqMu   sync.Mutex
	closing bool           // Close began: requests are refused
	reqs    sync.WaitGroup // requests in their handler
}

// reloadAnswer is the body of POST /api/reload's answer.
type reloadAnswer struct {
	Reloaded bool     `json:"reloaded"`
	Errors   []string `json:"errors,omitempty"` // one problem a line, each naming its key
}

// New prepares the endpoint for cfg (cfg.Address set); Start binds it.
func New(cfg config.AdminConfig, state State, metrics prometheus.Gatherer, log zerolog.Logger) *Server {
	return &Server{cfg: cfg, state: state, gath: metrics, log: log, grace: time.Second}
}

// Start reads the token, binds the address and starts serving. On error nothing is left open.
func (a *Server) Start(ctx context.Context) error {
	var token []byte
	if f := a.cfg.TokenFile; f != "" {
		var err error
		if token, err = config.ReadToken(f); err != nil {
			return fmt.Errorf("admin: %w", err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := a.state.Ready(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.gath, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /api/monitors", func(w http.ResponseWriter, _ *http.Request) {
		writeList(w, a.state.Monitors())
	})
	mux.HandleFunc("GET /api/stations", func(w http.ResponseWriter, _ *http.Request) {
		writeList(w, a.state.Stations())
	})
	mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		since, _ := strconv.ParseUint(q.Get("since"), 10, 64)
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil || limit <= 0 || limit > 10000 {
			limit = 1000
		}
		writeList(w, a.state.Events(q.Get("kind"), since, limit))
	})
	mux.HandleFunc("GET /api/egress", func(w http.ResponseWriter, _ *http.Request) {
		writeList(w, a.state.EgressAttempts())
	})
	mux.HandleFunc("GET /api/devices", func(w http.ResponseWriter, _ *http.Request) {
		ds := a.state.Devices()
		out := make([]Device, len(ds))
		for i, d := range ds {
			out[i] = DeviceOf(d)
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("GET /api/queue", func(w http.ResponseWriter, _ *http.Request) {
		writeList(w, a.state.Queues())
	})
	if a.Reload != nil {
		mux.HandleFunc("POST /api/reload", func(w http.ResponseWriter, r *http.Request) {
			if err := a.Reload(r.Context()); err != nil {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(reloadAnswer{Errors: config.ErrorLines(err)})
				return
			}
			writeJSON(w, reloadAnswer{Reloaded: true})
		})
		mux.HandleFunc("GET /api/reload", func(w http.ResponseWriter, _ *http.Request) { // not the dashboard's 404
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed: POST to reload", http.StatusMethodNotAllowed)
		})
	}
	mux.Handle("GET /", dashboard.Handler())
	if a.cfg.Pprof {
		// With methods, like the dashboard's "GET /": a pattern without one conflicts with it.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	// A browser on the gateway host (or one holding the token) must not be made to POST /api/reload
	// by another site's page: a cross-origin form post is a "simple request" with no preflight.
	// CrossOriginProtection refuses unsafe methods that Sec-Fetch-Site or Origin mark as cross-origin;
	// curl, keepalived and systemd send neither and are unaffected.
	var h http.Handler = http.NewCrossOriginProtection().Handler(mux)
	if token != nil {
		h = requireToken(token, h)
	}
	if ap, err := netip.ParseAddrPort(a.cfg.Address); err == nil && ap.Addr().IsLoopback() {
		h = loopbackHost(ap.Addr(), h)
	}
	srv := &http.Server{Handler: a.track(h), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	tlsOn := a.cfg.TLS.CertFile != ""
	if tlsOn {
		tc, err := a.cfg.TLS.Load()
		if err != nil {
			return fmt.Errorf("admin: %w", err)
		}
		srv.TLSConfig = tc
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", a.cfg.Address)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	base, cancel := context.WithCancel(context.Background()) // Close cancels it: the requests' contexts end
	srv.BaseContext = func(net.Listener) context.Context { return base }
	a.ln, a.srv, a.cancel = ln, srv, cancel
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		var err error
		if tlsOn {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error().Err(err).Msg("admin endpoint stopped")
		}
	}()
	a.log.Info().Stringer("address", ln.Addr()).Bool("tls", tlsOn).Bool("token", token != nil).Msg("admin endpoint")
	return nil
}

// Addr returns the bound address, or nil before Start.
func (a *Server) Addr() net.Addr {
	if a.ln == nil {
		return nil
	}
	return a.ln.Addr()
}

// Close stops serving and returns once no handler runs any more, so that the gateway can close what the
// handlers read (its queues, its journal) after it. Requests in progress get up to a second to finish;
// then their connections are closed and their contexts cancelled (the client sees the response cut
// off), and Close waits for their handlers to return. A request that comes meanwhile is answered 503.
func (a *Server) Close() {
	if a.srv == nil {
		return
	}
	a.reqMu.Lock()
	a.closing = true
	a.reqMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), a.grace)
	err := a.srv.Shutdown(ctx)
	cancel()
	a.cancel()
	if err != nil {
		a.srv.Close() // the grace ran out: end the requests still in progress
	}
	a.reqs.Wait()
	a.wg.Wait()
}

// track counts the requests in their handler for Close, and refuses those that come once Close began.
func (a *Server) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.reqMu.Lock()
		if a.closing {
			a.reqMu.Unlock()
			w.Header().Set("Connection", "close")
			http.Error(w, "the gateway is shutting down", http.StatusServiceUnavailable)
			return
		}
		a.reqs.Add(1)
		a.reqMu.Unlock()
		defer a.reqs.Done()
		next.ServeHTTP(w, r)
	})
}

// requireToken lets a request through only with "Authorization: Bearer <token>" (constant-time compare);
// /healthz stays open for load balancers, and the dashboard's assets (no data) so that a browser can load
// the page, which then asks for the token.
func requireToken(token []byte, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || dashboard.Public(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), token) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hl7gate"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackHost lets a request through only when its Host names the loopback interface: "localhost", a
// loopback address, or the configured address addr. A page in a browser on the gateway's host could
// otherwise reach the endpoint through a name of its own that resolves to 127.0.0.1 (DNS rebinding).
func loopbackHost(addr netip.Addr, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackName(r.Host, addr) {
			http.Error(w, "host not allowed", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func loopbackName(host string, addr netip.Addr) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return err == nil && (ip.IsLoopback() || ip.Unmap() == addr.Unmap())
}

// writeList writes list as a JSON array: an empty list is [], never null, so a client's
// `jq '.[]'` or loop needs no special case.
func writeList[T any](w http.ResponseWriter, list []T) {
	if list == nil {
		list = []T{}
	}
	writeJSON(w, list)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
