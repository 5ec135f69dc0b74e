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
//	g.Shutdown(context.Background()) // bounded by delivery.shutdown_grace (as last reloaded)
package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
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
	"github.com/hl7gate/hl7gate/gateway/journal"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/policy/inventory"
)

// ErrServerClosed is returned by Start after Shutdown.
var ErrServerClosed = errors.New("gateway: closed")

// Gateway is a running hl7gate: its listeners, stations, policy chain, state and admin endpoint.
type Gateway struct {
	cfg     config.Config
	log     zerolog.Logger
	store   *store.Store
	events  *eventLog // every event but egress and the gateway's own goes through it
	metrics *metrics
	rt      atomic.Pointer[live] // what a reload swaps; sessions take it once per message
	egress  *egress.Recorder     // nil when egress containment is off
	fw      *fwWatch             // the containment rules' check; nil when egress or egress.verify_interval is off
	inv     *inventory.Inventory
	export  *export.Exporter // never nil; without targets it takes events and does nothing
	admin   *admin.Server    // nil when the admin endpoint is off
	journal *journal.Journal // nil when state.journal.dir is unset
	skew    time.Duration    // the system clock's steps reported so far (watchClock); the event flusher's only
	lns     []*listener
	parker  *parker // quiet monitor connections without their goroutine; nil if none can be parked
	parkOff bool    // set before Start: no parker (TestIdleConnMemory's comparison)
	// quickGap: a connection whose last quickParkGaps waits for a message each took longer is parked
	// right after its answer (quickParkGap; TestActiveConnMemory sets it to 0).
	quickGap time.Duration
	// spins says how long the waits for a station's answer and for a monitor's next message may busy-poll
	// (delivery.busy_poll), and counts the sessions handling a message while they may; shared with the
	// stations.
	spins spinGate

	reloadMu sync.Mutex                      // one reload at a time; guards keepers
	keepers  map[*station]context.CancelFunc // stops each running station's health keeper
	running  bool                            // Start started the stations; guarded by reloadMu
	source   func() (config.Config, error)   // re-reads the configuration for SIGHUP and /api/reload
	// stations are the stations at start, which store-mode queues index; a reload never changes
	// them (it refuses to), so they stay in every live configuration.
	stations []*station
	queues   map[string]*routeQueue // store-mode routes by name; written only in Start

	ctx     context.Context // cancelled when shutdown must stop waiting
	cancel  context.CancelFunc
	wg      sync.WaitGroup // accept loops, sessions, station keepers
	life    sync.Mutex     // held by Start throughout and by Shutdown while it sets closing: one sees the other whole
	closing atomic.Bool
	// stopping is closed when Shutdown begins: a message waiting out its source's max_source_rate
	// (session.pace) is handled at once then, within the grace period, like any other in flight.
	stopping chan struct{}
	started  atomic.Bool
	ackID    atomic.Uint64 // MSH-10 of the gateway's own ACKs

	mu       sync.Mutex
	sessions map[*session]struct{}
	drained  chan struct{} // closed under mu once Shutdown began and the last session ended
	drain    sync.Once     // closes drained once

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
		sessions: map[*session]struct{}{}, keepers: map[*station]context.CancelFunc{}, queues: map[string]*routeQueue{},
		flushed: make(chan struct{}), stopFlush: make(chan struct{}), drained: make(chan struct{}), stopping: make(chan struct{}),
		quickGap: quickParkGap}
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
		spec, _ := cfg.FirewallSpec() // validated with egress on
		if g.fw, err = newFWWatch(g, spec); err != nil {
			g.closeExport()
			return nil, err
		}
	}
	if cfg.Admin.Address != "" {
		g.admin = admin.New(cfg.Admin, adminState{g.store, g}, g.metrics.reg, log)
		g.admin.Reload = g.reloadFromSource
	}
	rt, err := g.buildLive(cfg, nil)
	if err != nil {
		g.closeExport()
		return nil, err
	}
	g.rt.Store(rt)
	g.spins.set(cfg.Delivery)
	g.stations = rt.stations
	g.metrics.registerUnrecognised(func() policy.Chain { return g.rt.Load().chain })
	for i, lc := range cfg.Listeners {
		l, err := g.newListener(lc, i)
		if err != nil {
			g.closeExport()
			return nil, err
		}
		g.lns = append(g.lns, l)
	}
	return g, nil
}

// SetConfigSource gives the gateway the function that re-reads its configuration (the file it was
// started with) for ReloadFromSource, SIGHUP and POST /api/reload. Call it before Start. When the file
// decodes but does not validate, load may return the decoded configuration with the error: the reload
// is refused either way, and then also reports what in it would need a restart.
func (g *Gateway) SetConfigSource(load func() (config.Config, error)) { g.source = load }

// ReloadFromSource re-reads the configuration with the function given to SetConfigSource and applies it
// with Reload.
func (g *Gateway) ReloadFromSource(ctx context.Context) error { return g.reloadFromSource(ctx) }

func (g *Gateway) reloadFromSource(ctx context.Context) error {
	if g.source == nil {
		return errors.New("reload: the gateway was started without a configuration file to re-read")
	}
	cfg, err := g.source()
	if err != nil && len(cfg.Listeners) == 0 { // nothing decoded: only the load error to report
		g.store.AddEvent(store.Event{Kind: store.KindGateway, Severity: "warning", Reason: reloadRefused})
		return err
	}
	return g.reload(ctx, cfg, err)
}

// Store returns the gateway's live state (read it, do not write it).
func (g *Gateway) Store() *store.Store { return g.store }

// Registry returns the gateway's Prometheus registry.
func (g *Gateway) Registry() *prometheus.Registry { return g.metrics.reg }

// Start binds every listener and the admin endpoint and starts serving. It returns once all sockets are
// bound, or the first bind error (after closing what it opened). After Shutdown has begun it returns
// ErrServerClosed; a Shutdown called while Start runs waits for it and then closes what it bound.
func (g *Gateway) Start(ctx context.Context) error {
	g.life.Lock()
	defer g.life.Unlock()
	if g.closing.Load() {
		return ErrServerClosed
	}
	if !g.started.CompareAndSwap(false, true) {
		return errors.New("gateway: already started")
	}
	if err := g.openJournal(); err != nil {
		return err
	}
	if err := g.openQueues(); err != nil {
		g.closeJournal()
		return err
	}
	for _, l := range g.lns {
		if err := l.bind(ctx); err != nil {
			g.closeListeners()
			g.closeJournal()
			g.closeQueues()
			return err
		}
	}
	if g.egress != nil {
		if err := g.egress.Start(ctx); err != nil {
			g.closeListeners()
			g.closeJournal()
			g.closeQueues()
			return err
		}
		g.log.Info().Stringer("sinkhole", g.egress.SinkholeAddr()).Uint16("nflog_group", g.cfg.Egress.NFLOGGroup).
			Bool("learn", g.cfg.Egress.Learn).Msg("egress containment on")
	}
	if g.fw != nil { // before /readyz answers
		g.fw.start(g.ctx)
	}
	if g.admin != nil {
		if err := g.admin.Start(ctx); err != nil {
			g.closeListeners()
			g.closeJournal()
			g.closeQueues()
			return err
		}
	}
	if !g.parkOff {
		p, err := newParker(g)
		if err != nil {
			g.log.Warn().Err(err).Msg("quiet connections keep their goroutine")
		} else {
			g.metrics.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "hl7gate_connections_parked",
				Help: "Open monitor connections parked (plain TCP ones that have sent nothing since their accept, quiet for 2 s, or between the messages of a monitor sending every 250 ms or slower), held without a goroutine or buffers until they send.",
			}, p.count))
		}
		g.parker = p
	}
	g.reloadMu.Lock()
	for _, s := range g.rt.Load().stations {
		g.startStation(s)
	}
	g.running = true
	g.reloadMu.Unlock()
	if g.fw != nil {
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			g.fw.run(g.ctx)
		}()
	}
	g.flushing.Store(true)
	now := time.Now()
	g.skew = clockSkew(now, steady(now))
	go func() {
		defer close(g.flushed)
		g.events.run(g.stopFlush, g.watchClock)
	}()
	g.startDeliverers()
	g.store.AddEvent(store.Event{Kind: store.KindGateway, Severity: "info", Reason: "gateway started"})
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
	g.life.Lock()
	first := g.closing.CompareAndSwap(false, true)
	g.life.Unlock()
	if !first {
		return ErrServerClosed
	}
	close(g.stopping)
	ctx, cancel := context.WithTimeout(ctx, g.rt.Load().cfg.Delivery.ShutdownGrace) // as last reloaded
	defer cancel()
	g.closeListeners()
	g.mu.Lock()
	for s := range g.sessions {
		s.stopIdle() // sessions between messages stop now; busy ones after their ACK
	}
	g.noteDrained()
	g.mu.Unlock()

	var err error
	select {
	case <-g.drained:
	case <-ctx.Done():
		err = fmt.Errorf("gateway: shutdown grace over, closing busy connections: %w", ctx.Err())
		g.mu.Lock()
		for s := range g.sessions {
			s.raw.Close()
		}
		g.mu.Unlock()
	}
	g.cancel()
	g.reloadMu.Lock() // no reload from here on: Reload sees closing
	for _, s := range g.rt.Load().stations {
		s.closeAll()
	}
	g.reloadMu.Unlock()
	if g.admin != nil {
		g.admin.Close()
	}
	g.wg.Wait()
	if g.parker != nil { // after the sessions: Shutdown woke the parked ones
		g.parker.close()
	}
	g.closeQueues()        // after the sessions and deliverers: fsyncs the pending acknowledgements
	if g.flushing.Load() { // after every session: their last events are folded in
		close(g.stopFlush)
		<-g.flushed
	} else {
		g.events.flush(time.Now())
	}
	g.store.AddEvent(store.Event{Kind: store.KindGateway, Severity: "info", Reason: "gateway stopped"})
	g.closeJournal() // after the last event
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

// Stations implements admin.State: the store's rows with each current station's latency and queue.
func (a adminState) Stations() []store.Station {
	ss := a.Store.Stations()
	rt := a.g.rt.Load()
	for i := range ss {
		j, ok := rt.byName[ss[i].Name]
		if !ok {
			continue
		}
		s := rt.stations[j]
		ss[i].LatencyMS = float64(s.lastRTT.Load()) / float64(time.Millisecond)
		ss[i].Queue = len(s.backlog.q)
	}
	return ss
}

// Devices implements admin.State.
func (a adminState) Devices() []inventory.Device { return a.g.Devices() }

// Ready implements admin.State: not while shutting down, not while the containment rules in force are
// missing, foreign or modified (egress.verify_interval), not while a store-mode route's queue is failed
// (a full disk: that route answers AE; the HA peer can take the messages), and only with at least one
// station up, unless every route is in store mode: then the gateway takes messages (into its queues)
// with every station down.
func (a adminState) Ready() error {
	if a.g.closing.Load() {
		return errors.New("shutting down")
	}
	if a.g.fw != nil {
		if err := a.g.fw.ready(); err != nil {
			return err
		}
	}
	if err := a.g.queueFailure(); err != nil {
		return err
	}
	for _, s := range a.g.rt.Load().stations {
		if s.healthy() {
			return nil
		}
	}
	if len(a.g.queues) > 0 && len(a.g.queues) == len(a.g.rt.Load().cfg.Routes) {
		return nil
	}
	return errors.New("no central station reachable")
}

// noteDrained closes drained when Shutdown has begun and no session is left; called under g.mu by
// Shutdown and by every session that ends, so the last one to go wakes Shutdown.
func (g *Gateway) noteDrained() {
	if g.closing.Load() && len(g.sessions) == 0 {
		g.drain.Do(func() { close(g.drained) })
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

// listener is one configured socket for monitor feeds. Its source allowlist lives in the live configuration (a
// reload changes it), at index idx.
type listener struct {
	cfg    config.ListenerConfig
	idx    int
	ln     net.Listener
	tls    *tls.Config
	body   bool // run the body checks
	limits hl7.BodyLimits

	open          prometheus.Gauge
	received      prometheus.Counter
	junk          prometheus.Counter
	throttled     prometheus.Counter // frames of a source over max_source_rate (sourcerate.go)
	throttledWait prometheus.Counter // and the seconds they waited

	refusedMu   sync.Mutex
	refusedLogs logBudget // "connection refused" lines

	closedMu   sync.Mutex
	closedLogs logBudget // "connection closed" lines of all its sessions

	mu        sync.Mutex
	total     int                          // connections admitted, handshaking or not
	perSource map[netip.Addr]int           // connections past their TLS handshake (all, without TLS)
	handshake map[netip.Addr][]net.Conn    // TLS handshakes in progress, oldest first
	budgets   map[netip.Addr]*sourceBudget // max_source_rate, per source (see listener.budget)
	rates     atomic.Pointer[sourceRates]  // max_source_rate and source_rates as last configured; swapped under mu
}

func (g *Gateway) newListener(lc config.ListenerConfig, idx int) (*listener, error) {
	l := &listener{
		cfg:           lc,
		idx:           idx,
		perSource:     map[netip.Addr]int{},
		handshake:     map[netip.Addr][]net.Conn{},
		budgets:       map[netip.Addr]*sourceBudget{},
		open:          g.metrics.openConns.WithLabelValues(lc.Name),
		received:      g.metrics.received.WithLabelValues(lc.Name),
		junk:          g.metrics.frameJunkBytes.WithLabelValues(lc.Name),
		throttled:     g.metrics.throttled.WithLabelValues(lc.Name),
		throttledWait: g.metrics.throttledWait.WithLabelValues(lc.Name),
		body:          lc.BodyChecks.On(),
		limits:        lc.BodyChecks.Limits(),
	}
	l.rates.Store(newSourceRates(lc))
	if lc.TLS.CertFile != "" {
		tc, err := lc.TLS.Load()
		if err != nil {
			return nil, fmt.Errorf("listener %s: %w", lc.Name, err)
		}
		l.tls = tc
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
func (l *listener) admit(allow []netip.Prefix, src netip.Addr, c net.Conn) string {
	if !containsAddr(allow, src) {
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

// acceptLoop accepts connections until the listener closes, backing off on failed accepts
// (intercept.Accept) instead of giving up on EMFILE.
func (g *Gateway) acceptLoop(l *listener) {
	defer g.wg.Done()
	for {
		c, ok := intercept.Accept(l.ln, g.closing.Load, func(err error, in time.Duration) {
			g.log.Warn().Err(err).Str("listener", l.cfg.Name).Dur("retry_in", in).Msg("accept failed")
		})
		if !ok {
			return
		}
		g.acceptConn(l, c)
	}
}

// acceptConn runs accept for c, and closes c if it panics (a bug) before c has a session: the panic costs
// that connection, not the listener's loop and the gateway. From its session on, the recovers of
// setUpAtAccept and runSession end the connection.
func (g *Gateway) acceptConn(l *listener, c net.Conn) {
	defer func() {
		if p := recover(); p != nil {
			c.Close()
			g.log.Error().Str("listener", l.cfg.Name).Stringer("remote", c.RemoteAddr()).Str("panic", fmt.Sprint(p)).
				Msg("accept panic: connection closed")
		}
	}()
	g.accept(l, c)
}

func (g *Gateway) accept(l *listener, c net.Conn) {
	src := intercept.AddrOf(c.RemoteAddr())
	if reason := l.admit(g.rt.Load().allow[l.idx], src, c); reason != "" {
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
	if !g.parkAtAccept(s) {
		go g.runSession(s, wokeNone)
	}
}

// parkAtAccept parks a new plain TCP connection straight from its accept, before it has a goroutine (or
// ends it when its setup fails), and says whether it took the connection (a TLS connection handshakes
// first, in its own goroutine). A burst of connections
// (a ward's monitors reconnecting after a switch restarts) would otherwise start a goroutine each, whose
// stack and read buffer wait parkAfter for a first message and stay resident in the process after; parked,
// a connection costs its session and socket until its first byte, and its idle timeout runs from here.
func (g *Gateway) parkAtAccept(s *session) bool {
	if s.l.tls != nil || !s.parks() {
		return false
	}
	s.l.open.Inc()
	if !s.setUpAtAccept() {
		g.endSession(s)
	}
	return true
}

// setUpAtAccept runs prepare and parks the session for parkAtAccept; false: the connection may not go on,
// and the caller ends it. It recovers a panic (in prepare or park) as runSession does: in the accept
// loop, an unrecovered one would end the gateway, not the connection.
func (s *session) setUpAtAccept() (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			s.panicked(p)
			ok = false
		}
	}()
	if err := s.prepare(); err != nil {
		s.closeReason = err.Error()
		return false
	}
	s.waitSince = time.Now()
	s.g.parker.park(s, s.l.cfg.IdleTimeout)
	return true
}

// openJournal starts the on-disk event journal when state.journal.dir is set: from here on every event
// the store records is journaled too.
func (g *Gateway) openJournal() error {
	jc := g.cfg.State.Journal
	if jc.Dir == "" {
		return nil
	}
	j, err := journal.Open(journal.Options{Dir: jc.Dir, MaxBytes: jc.MaxBytes, Report: g.journalHealth},
		time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return err
	}
	g.journal = j
	g.store.SetSink(j)
	g.metrics.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "hl7gate_journal_dropped_events_total",
		Help: "Events not written to the on-disk journal: its buffer was full, or writing failed (a full disk) until it wrote again.",
	}, func() float64 { return float64(j.Dropped()) }))
	return nil
}

// journalHealth logs and records each change of the journal's health (journal.Options.Report, on its
// writer): once when writing fails, once when it writes again after its gap record.
func (g *Gateway) journalHealth(err error, lost uint64) {
	if err != nil {
		g.log.Error().Err(err).Uint64("events_lost", lost).
			Msg("event journal failed: events are counted in hl7gate_journal_dropped_events_total, not journaled, until it writes again")
		g.store.AddEvent(store.Event{Kind: store.KindGateway, Severity: "error",
			Reason: "event journal failed: " + err.Error() + "; events are not journaled until it writes again"})
		return
	}
	g.log.Warn().Uint64("events_lost", lost).Msg("event journal writes again: a gap record in it counts the events lost")
	g.store.AddEvent(store.Event{Kind: store.KindGateway, Severity: "warning",
		Reason: "event journal writes again: " + strconv.FormatUint(lost, 10) + " events were not journaled (a gap record marks where)"})
}

// closeJournal writes the journal's last events and closes it.
func (g *Gateway) closeJournal() {
	if g.journal == nil {
		return
	}
	if err := g.journal.Close(); err != nil {
		g.log.Error().Err(err).Msg("event journal")
	}
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
