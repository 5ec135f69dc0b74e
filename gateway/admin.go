package gateway

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// startAdmin serves the read-only admin endpoint:
//
//	/healthz          the process is alive
//	/readyz           listeners are bound and at least one station is up (503 otherwise)
//	/metrics          Prometheus metrics
//	/api/monitors     monitors seen
//	/api/stations     stations and their health
//	/api/events       recent events; ?kind=policy|vitals|connection|delivery|egress&since=ID&limit=N
//	/api/egress       aggregated egress attempts of the monitor segment
//	/debug/pprof/     profiles, when admin.pprof is on
//
// Every path but /healthz requires the bearer token when one is configured.
func (g *Gateway) startAdmin(ctx context.Context) error {
	var token []byte
	if f := g.cfg.Admin.TokenFile; f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("admin: %w", err)
		}
		token = []byte(strings.TrimSpace(string(b)))
		if len(token) < 16 {
			return fmt.Errorf("admin: token in %s is shorter than 16 characters", f)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if g.closing.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		for _, s := range g.stations {
			if s.healthy() {
				w.Write([]byte("ready\n"))
				return
			}
		}
		http.Error(w, "no central station reachable", http.StatusServiceUnavailable)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /api/monitors", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, g.monitors())
	})
	mux.HandleFunc("GET /api/stations", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, g.store.Stations())
	})
	mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		since, _ := strconv.ParseUint(q.Get("since"), 10, 64)
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil || limit <= 0 || limit > 10000 {
			limit = 1000
		}
		writeJSON(w, g.store.Events(q.Get("kind"), since, limit))
	})
	mux.HandleFunc("GET /api/egress", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, g.store.EgressAttempts())
	})
	if g.cfg.Admin.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	var h http.Handler = mux
	if token != nil {
		h = requireToken(token, mux)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", g.cfg.Admin.Address)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	g.adminLn = ln
	g.admin = &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	tlsOn := g.cfg.Admin.TLS.CertFile != ""
	if tlsOn {
		tc, err := serverTLS(g.cfg.Admin.TLS)
		if err != nil {
			ln.Close()
			return fmt.Errorf("admin: %w", err)
		}
		g.admin.TLSConfig = tc
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		var err error
		if tlsOn {
			err = g.admin.ServeTLS(ln, "", "")
		} else {
			err = g.admin.Serve(ln)
		}
		if err != nil && err != http.ErrServerClosed {
			g.log.Error().Err(err).Msg("admin endpoint stopped")
		}
	}()
	g.log.Info().Stringer("address", ln.Addr()).Bool("tls", tlsOn).Bool("token", token != nil).Msg("admin endpoint")
	return nil
}

// requireToken lets a request through only with "Authorization: Bearer <token>" (constant-time compare);
// /healthz stays open for load balancers.
func requireToken(token []byte, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
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

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
