// Package gateway terminates monitor HL7 v2 feeds (MLLP over TCP or TLS) and forwards each message only to
// the central stations the operator allowlisted, relaying the station's ACK so that a monitor never gets a
// positive ACK for a message no station accepted.
//
// The path of one message: a listener accepts a connection from an allowed source; the session reads one
// MLLP frame, parses it, runs the policy chain (route = allowlist, vital-sign checks), forwards it to the
// route's stations over a bounded connection pool, checks that each ACK's MSA-2 matches the message's
// MSH-10, and writes the chosen ACK back to the monitor. One message is in flight per connection, so a
// slow station slows its monitors down instead of growing memory.
//
// A route with delivery: store takes another path after the policy chain: the message is appended to the
// route's durable queue (gateway/queue, fsynced with group commit) and the monitor gets a positive commit
// ACK (CA, or AA in original mode) meaning "durably queued, not yet delivered"; a deliverer per station
// and device sends the queued messages in order, retrying until the station accepts each, and after a
// crash resumes from the queue (at-least-once).
//
//	g, err := gateway.New(cfg, logger)
//	if err != nil { ... }
//	if err := g.Start(ctx); err != nil { ... }
//	<-ctx.Done()
//	g.Shutdown(context.Background()) // bounded by cfg.Delivery.ShutdownGrace
package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/admin"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/egress"
	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/gateway/intercept"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/policy/inventory"
)

// ErrServerClosed is returned by Start after Shutdown.
var ErrServerClosed = errors.New("gateway: closed")

// Gateway is a running hl7gate: its listeners, stations, policy chain, state and admin endpoint.
type Gateway struct {
	cfg      config.Config
	log      zerolog.Logger
	store    *store.Store
	events   *eventLog // every event but egress goes through it
	metrics  *metrics
	chain    policy.Chain
	egress   *egress.Recorder // nil when egress containment is off
	inv      *inventory.Inventory
	export   *export.Exporter // never nil; without targets it takes events and does nothing
	admin    *admin.Server    // nil when the admin endpoint is off
	stations []*station
	lns      []*listener
	queues   map[string]*routeQueue // store-mode routes by name; written only in Start

	ctx     context.Context // cancelled when shutdown must stop waiting
	cancel  context.CancelFunc
	wg      sync.WaitGroup // accept loops, sessions, station keepers
	closing atomic.Bool
	started atomic.Bool
	ackID   atomic.Uint64 // MSH-10 of the gateway's own ACKs

	mu       sync.Mutex
	sessions map[*session]struct{}

	stopFlush chan struct{} // closed by Shutdown: the event flusher flushes once more and ends
	flushed   chan struct{} // closed when it has
	flushing  atomic.Bool   // the flusher runs
}

// New builds a gateway from a configuration; it completes it with defaults and validates it
// (see config.Config.WithDefaults and config.Config.Validate).
func New(cfg config.Config, log zerolog.Logger) (*Gateway, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st, err := store.New(cfg.State.MaxEvents)
	if err != nil {
		return nil, err
	}
	g := &Gateway{cfg: cfg, log: log, store: st, events: newEventLog(st), metrics: newMetrics(),
		sessions: map[*session]struct{}{}, queues: map[string]*routeQueue{},
		flushed: make(chan struct{}), stopFlush: make(chan struct{})}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	g.ackID.Store(uint64(time.Now().UnixNano()))
	if err := g.newInventory(); err != nil {
		return nil, err
	}
	if cfg.Egress.Enabled {
		if g.egress, err = egress.New(cfg, log, st, g.metrics.reg); err != nil {
			g.closeExport()
			return nil, err
		}
		g.egress.ExportTo(g.export)
	}
	if cfg.Admin.Address != "" {
		g.admin = admin.New(cfg.Admin, adminState{g.store, g}, g.metrics.reg, log)
	}

	names := make([]string, len(cfg.Stations))
	for i, sc := range cfg.Stations {
		s, err := newStation(sc, log, st, g.metrics)
		if err != nil {
			g.closeExport()
			return nil, err
		}
		s.export = g.export
		g.stations = append(g.stations, s)
		names[i] = sc.Name
	}
	lnames := make([]string, len(cfg.Listeners))
	for i, lc := range cfg.Listeners {
		lnames[i] = lc.Name
	}
	router, err := policy.NewRouter(cfg.Routes, names, lnames)
	if err != nil {
		g.closeExport()
		return nil, err
	}
	g.chain = policy.Chain{router}
	if cfg.Vitals.Enabled {
		v, err := policy.NewVitals(cfg.Vitals.Config)
		if err != nil {
			g.closeExport()
			return nil, err
		}
		g.chain = append(g.chain, v)
		g.metrics.registerUnrecognised(g.chain)
	}
	for _, lc := range cfg.Listeners {
		l, err := g.newListener(lc)
		if err != nil {
			g.closeExport()
			return nil, err
		}
		g.lns = append(g.lns, l)
	}
	return g, nil
}

// Store returns the gateway's live state (read it, do not write it).
func (g *Gateway) Store() *store.Store { return g.store }

// Registry returns the gateway's Prometheus registry.
func (g *Gateway) Registry() *prometheus.Registry { return g.metrics.reg }

// Start binds every listener and the admin endpoint and starts serving. It returns once all sockets are
// bound, or the first bind error (after closing what it opened).
func (g *Gateway) Start(ctx context.Context) error {
	if g.closing.Load() {
		return ErrServerClosed
	}
	if !g.started.CompareAndSwap(false, true) {
		return errors.New("gateway: already started")
	}
	if err := g.openQueues(); err != nil {
		return err
	}
	for _, l := range g.lns {
		if err := l.bind(ctx); err != nil {
			g.closeListeners()
			g.closeQueues()
			return err
		}
	}
	if g.egress != nil {
		if err := g.egress.Start(ctx); err != nil {
			g.closeListeners()
			g.closeQueues()
			return err
		}
		g.log.Info().Stringer("sinkhole", g.egress.SinkholeAddr()).Uint16("nflog_group", g.cfg.Egress.NFLOGGroup).
			Bool("learn", g.cfg.Egress.Learn).Msg("egress containment on")
	}
	if g.admin != nil {
		if err := g.admin.Start(ctx); err != nil {
			g.closeListeners()
			g.closeQueues()
			return err
		}
	}
	for _, s := range g.stations {
		g.wg.Add(2)
		go func() {
			defer g.wg.Done()
			s.warm(g.ctx)
			s.keep(g.ctx)
		}()
		go func() {
			defer g.wg.Done()
			s.backlog.run(g.ctx)
		}()
	}
	g.flushing.Store(true)
	go func() {
		defer close(g.flushed)
		g.events.run(g.stopFlush)
	}()
	g.startDeliverers()
	for _, l := range g.lns {
		g.wg.Add(1)
		go g.acceptLoop(l)
		g.log.Info().Str("listener", l.cfg.Name).Stringer("address", l.ln.Addr()).Str("mode", l.cfg.Mode).Msg("listening")
	}
	return nil
}

// ListenerAddr returns the bound address of the named listener, or nil.
func (g *Gateway) ListenerAddr(name string) net.Addr {
	for _, l := range g.lns {
		if l.cfg.Name == name && l.ln != nil {
			return l.ln.Addr()
		}
	}
	return nil
}

// AdminAddr returns the bound admin address, or nil when the admin endpoint is off.
func (g *Gateway) AdminAddr() net.Addr {
	if g.admin == nil {
		return nil
	}
	return g.admin.Addr()
}

// Shutdown stops accepting, lets in-flight messages finish until ctx ends or the configured grace runs
// out, then closes every connection. A message cut off this way gets no answer (never a positive one),
// so the monitor re-sends it to the next gateway it reaches.
func (g *Gateway) Shutdown(ctx context.Context) error {
	if !g.closing.CompareAndSwap(false, true) {
		return ErrServerClosed
	}
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Delivery.ShutdownGrace)
	defer cancel()
	g.closeListeners()
	g.mu.Lock()
	for s := range g.sessions {
		s.stopIdle() // sessions between messages stop now; busy ones after their ACK
	}
	g.mu.Unlock()

	done := make(chan struct{})
	go func() { g.waitSessions(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("gateway: shutdown grace over, closing busy connections: %w", ctx.Err())
		g.mu.Lock()
		for s := range g.sessions {
			s.raw.Close()
		}
		g.mu.Unlock()
	}
	g.cancel()
	for _, s := range g.stations {
		s.closeAll()
	}
	if g.admin != nil {
		g.admin.Close()
	}
	g.wg.Wait()
	g.closeQueues()        // after the sessions and deliverers: fsyncs the pending acknowledgements
	if g.flushing.Load() { // after every session: their last events are folded in
		close(g.stopFlush)
		<-g.flushed
	} else {
		g.events.flush(time.Now())
	}
	g.closeExport()
	g.log.Info().Msg("gateway stopped")
	return err
}

// monitors returns every monitor the store has, with what their open connections counted so far added
// and those connections counted in Connections, ordered by ID. Only the store's snapshot and the list of
// sessions are taken under g.mu (so that a session ending meanwhile is counted once: live or in the
// store); the walk happens outside it, so accept and close do not wait for it.
func (g *Gateway) monitors() []store.Monitor {
	g.mu.Lock()
	snapshot := g.store.MonitorsSnapshot()
	live := make([]*session, 0, len(g.sessions))
	for s := range g.sessions {
		live = append(live, s)
	}
	g.mu.Unlock()
	ms := snapshot()
	at := make(map[string]int, len(ms))
	for i, m := range ms {
		at[m.ID] = i
	}
	for _, s := range live {
		i, ok := at[s.monitor]
		if !ok { // connected for the first time, no message yet
			i = len(ms)
			at[s.monitor] = i
			ms = append(ms, store.Monitor{ID: s.monitor})
		}
		ms[i] = s.tally(ms[i])
		ms[i].Connections++
	}
	slices.SortFunc(ms, func(a, b store.Monitor) int { return strings.Compare(a.ID, b.ID) })
	return ms
}

// adminState is what the admin endpoint reads: the store, with the open connections added to its
// monitors, and the gateway's readiness.
type adminState struct {
	*store.Store
	g *Gateway
}

// Queues implements admin.State.
func (a adminState) Queues() []admin.QueueStatus { return a.g.queueStatus() }

// Monitors implements admin.State.
func (a adminState) Monitors() []store.Monitor { return a.g.monitors() }

// Devices implements admin.State.
func (a adminState) Devices() []inventory.Device { return a.g.Devices() }

// Ready implements admin.State: not while shutting down, and only with at least one station up, unless
// every route is in store mode: then the gateway takes messages (into its queues) with every station down.
func (a adminState) Ready() error {
	if a.g.closing.Load() {
		return errors.New("shutting down")
	}
	for _, s := range a.g.stations {
		if s.healthy() {
			return nil
		}
	}
	if len(a.g.queues) > 0 && len(a.g.queues) == len(a.g.cfg.Routes) {
		return nil
	}
	return errors.New("no central station reachable")
}

func (g *Gateway) waitSessions() {
	for {
		g.mu.Lock()
		n := len(g.sessions)
		g.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (g *Gateway) closeListeners() {
	for _, l := range g.lns {
		if l.ln != nil {
			l.ln.Close()
		}
	}
	if g.egress != nil {
		g.egress.Close()
	}
}

// listener is one configured socket for monitor feeds.
type listener struct {
	cfg     config.ListenerConfig
	ln      net.Listener
	allow   []netip.Prefix
	tls     *tls.Config
	targets map[netip.AddrPort]int // intercept mode: original destination → station index
	body    bool                   // run the body checks
	limits  hl7.BodyLimits

	open     prometheus.Gauge
	received prometheus.Counter
	junk     prometheus.Counter

	refusedMu   sync.Mutex
	refusedLogs logBudget // "connection refused" lines

	closedMu   sync.Mutex
	closedLogs logBudget // "connection closed" lines of all its sessions

	mu        sync.Mutex
	total     int                       // connections admitted, handshaking or not
	perSource map[netip.Addr]int        // connections past their TLS handshake (all, without TLS)
	handshake map[netip.Addr][]net.Conn // TLS handshakes in progress, oldest first
}

func (g *Gateway) newListener(lc config.ListenerConfig) (*listener, error) {
	l := &listener{
		cfg:       lc,
		perSource: map[netip.Addr]int{},
		handshake: map[netip.Addr][]net.Conn{},
		open:      g.metrics.openConns.WithLabelValues(lc.Name),
		received:  g.metrics.received.WithLabelValues(lc.Name),
		junk:      g.metrics.frameJunkBytes.WithLabelValues(lc.Name),
		body:      lc.BodyChecks.On(),
		limits:    lc.BodyChecks.Limits(),
	}
	for _, s := range lc.AllowSources {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("listener %s: %w", lc.Name, err)
		}
		l.allow = append(l.allow, p.Masked())
	}
	if lc.TLS.CertFile != "" {
		tc, err := lc.TLS.Load()
		if err != nil {
			return nil, fmt.Errorf("listener %s: %w", lc.Name, err)
		}
		l.tls = tc
	}
	if lc.Mode == config.ModeIntercept {
		l.targets = map[netip.AddrPort]int{}
		for i, sc := range g.cfg.Stations {
			if ap, err := netip.ParseAddrPort(sc.Address); err == nil {
				l.targets[ap] = i
			}
			for _, c := range sc.Capture {
				l.targets[netip.MustParseAddrPort(c)] = i // validated
			}
		}
	}
	return l, nil
}

func (l *listener) bind(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", l.cfg.Address)
	if err != nil {
		return fmt.Errorf("listener %s: %w", l.cfg.Name, err)
	}
	l.ln = ln
	return nil
}

// admit checks a new connection c from src against the allowlist and the limits. It returns a refusal
// reason, or "" and then the caller must call release when the connection ends.
//
// Without TLS the connection takes one of its source's max_connections_per_source at once. With TLS it
// takes a handshake slot instead, and its source's share only once the handshake succeeds (see
// handshaken): a source has at most max_connections_per_source handshakes in progress, and a new one
// closes the oldest, so stalled handshakes from a monitor's address can never lock the monitor out.
func (l *listener) admit(src netip.Addr, c net.Conn) string {
	if !containsAddr(l.allow, src) {
		return "source_not_allowed"
	}
	l.mu.Lock()
	if l.total >= l.cfg.MaxConnections {
		l.mu.Unlock()
		return "max_connections"
	}
	var evicted net.Conn
	if l.tls != nil {
		q := l.handshake[src]
		if len(q) >= l.cfg.MaxPerSource {
			evicted = q[0]
			q = slices.Delete(q, 0, 1)
		}
		l.handshake[src] = append(q, c)
	} else {
		if l.perSource[src] >= l.cfg.MaxPerSource {
			l.mu.Unlock()
			return "max_connections_per_source"
		}
		l.perSource[src]++
	}
	l.total++
	l.mu.Unlock()
	if evicted != nil {
		evicted.Close() // its session records the failed handshake and releases it
	}
	return ""
}

// handshaken ends c's TLS handshake. It returns a refusal reason: "handshake_evicted" when a newer
// handshake from the same source closed c, "tls_handshake" when the handshake failed, the source's limit
// when it has its share of connections already; or "" when c now counts against its source (release
// with counted set).
func (l *listener) handshaken(src netip.Addr, c net.Conn, ok bool) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.handshake[src]
	i := slices.Index(q, c)
	if i < 0 {
		return "handshake_evicted"
	}
	if q = slices.Delete(q, i, i+1); len(q) == 0 {
		delete(l.handshake, src)
	} else {
		l.handshake[src] = q
	}
	switch {
	case !ok:
		return "tls_handshake"
	case l.perSource[src] >= l.cfg.MaxPerSource:
		return "max_connections_per_source"
	}
	l.perSource[src]++
	return ""
}

// release gives back what admit (and handshaken, when counted) took for a connection from src.
func (l *listener) release(src netip.Addr, counted bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if !counted {
		return
	}
	if l.perSource[src]--; l.perSource[src] <= 0 {
		delete(l.perSource, src)
	}
}

func containsAddr(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// acceptLoop accepts connections until the listener closes, backing off on temporary errors
// (5 ms doubling to 1 s, as net/http does) instead of giving up on EMFILE.
func (g *Gateway) acceptLoop(l *listener) {
	defer g.wg.Done()
	var delay time.Duration
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if g.closing.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			g.log.Warn().Err(err).Str("listener", l.cfg.Name).Dur("retry_in", delay).Msg("accept failed")
			time.Sleep(delay)
			continue
		}
		delay = 0
		g.accept(l, c)
	}
}

func (g *Gateway) accept(l *listener, c net.Conn) {
	src := intercept.AddrOf(c.RemoteAddr())
	if reason := l.admit(src, c); reason != "" {
		g.refuse(l, src, c.RemoteAddr(), reason, "")
		c.Close()
		return
	}
	s := g.newSession(l, c, src)
	g.mu.Lock()
	if g.closing.Load() {
		g.mu.Unlock()
		if l.tls != nil {
			l.handshaken(src, c, false)
		}
		l.release(src, l.tls == nil)
		c.Close()
		return
	}
	g.sessions[s] = struct{}{}
	g.mu.Unlock()
	g.wg.Add(1)
	go g.serveSession(s)
}

// refuse counts and records a refused connection (metric and event) and logs it within the listener's
// budget of logBurst lines per logWindow; each line says how many were not logged. reason is a metric
// label; detail (optional) says more, without anything the peer sent.
func (g *Gateway) refuse(l *listener, src netip.Addr, remote net.Addr, reason, detail string) {
	g.metrics.refused.WithLabelValues(l.cfg.Name, reason).Inc()
	text := reason
	if detail != "" {
		text += ": " + detail
	}
	g.events.note(aggKey{l.cfg.Name, src, store.KindConnection, text}, time.Now(), 0, func() store.Event {
		g.exportRefused(l, remoteAddrPort(remote), reason) // the first of its aggregate, as the store keeps it
		return store.Event{Kind: store.KindConnection, Severity: "warning", Listener: l.cfg.Name,
			Source: src.String(), Reason: text}
	})
	l.refusedMu.Lock()
	log, notLogged := l.refusedLogs.allow(time.Now()), l.refusedLogs.suppressed
	l.refusedMu.Unlock()
	if !log {
		return
	}
	g.log.Warn().Str("listener", l.cfg.Name).Stringer("remote", remote).Str("reason", reason).Str("detail", detail).
		Int("refusals_not_logged", notLogged).Msg("connection refused")
}
