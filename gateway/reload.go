package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/firewall"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/policy"
)

// reloadRefused is the gateway event of a refused reload; the problems go to the caller (log line or HTTP
// answer), not to the event.
const reloadRefused = "configuration reload refused: invalid or needs a restart (the problems are in the log or the reload's answer)"

// ErrNeedsRestart wraps each configuration change a reload cannot apply to a running gateway.
var ErrNeedsRestart = errors.New("needs a restart")

// live is the part of the configuration a reload swaps: the policy chain (routes, vital-sign
// settings), the stations and their pools, the listeners' source allowlists and the intercepted
// destinations. A session takes the current one once per message (acquire) and gives it back after the
// message's answer and alerts (release), so a message is decided and delivered under one configuration
// from start to end; a retired one's own stations close once its last message is done.
type live struct {
	cfg      config.Config
	chain    policy.Chain
	stations []*station
	byName   map[string]int            // station name → index in stations and in the router
	allow    [][]netip.Prefix          // per listener, in configuration order
	targets  map[netip.AddrPort]string // intercepted original destination → station name

	refs    atomic.Int64
	retired atomic.Bool
	drained chan struct{} // closed once retired and no message holds it
	once    sync.Once
}

// buildLive compiles cfg (complete and valid) into a live configuration, reusing from old (nil at start) every
// station whose configuration is unchanged, with its open connections, and the vital-sign checks with
// their per-device history when their settings are unchanged.
func (g *Gateway) buildLive(cfg config.Config, old *live) (*live, error) {
	rt := &live{cfg: cfg, byName: map[string]int{}, targets: map[netip.AddrPort]string{}, drained: make(chan struct{})}
	names := make([]string, len(cfg.Stations))
	for i, sc := range cfg.Stations {
		var s *station
		if old != nil {
			if j, ok := old.byName[sc.Name]; ok && reflect.DeepEqual(old.stations[j].cfg, sc) {
				s = old.stations[j]
			}
		}
		if s == nil {
			var err error
			if s, err = newStation(sc, g.log, g.store, g.metrics); err != nil {
				return nil, err
			}
			s.export, s.spins = g.export, &g.spins
		}
		rt.stations = append(rt.stations, s)
		rt.byName[sc.Name] = i
		names[i] = sc.Name
		if ap, err := netip.ParseAddrPort(sc.Address); err == nil {
			rt.targets[ap] = sc.Name
		}
		for _, c := range sc.Capture {
			rt.targets[netip.MustParseAddrPort(c)] = sc.Name // validated
		}
	}
	lnames := make([]string, len(cfg.Listeners))
	for i, lc := range cfg.Listeners {
		lnames[i] = lc.Name
		var allow []netip.Prefix
		for _, src := range lc.AllowSources {
			p, err := netip.ParsePrefix(src)
			if err != nil {
				return nil, fmt.Errorf("listener %s: %w", lc.Name, err)
			}
			allow = append(allow, p.Masked())
		}
		rt.allow = append(rt.allow, allow)
	}
	router, err := policy.NewRouter(cfg.Routes, names, lnames)
	if err != nil {
		return nil, err
	}
	rt.chain = policy.Chain{router}
	if cfg.Vitals.Enabled {
		if old != nil && old.cfg.Vitals.Enabled && reflect.DeepEqual(old.cfg.Vitals, cfg.Vitals) {
			rt.chain = append(rt.chain, old.chain[1])
		} else {
			v, err := policy.NewVitals(cfg.Vitals.Config)
			if err != nil {
				return nil, err
			}
			rt.chain = append(rt.chain, v)
		}
	}
	return rt, nil
}

// acquire returns the current live configuration, held until release. The count goes up before the pointer is
// checked again, so a reload that retired it meanwhile is never missed: a holder whose check passed
// counted itself before the swap, and the retired one drains only once they are all done.
func (g *Gateway) acquire() *live {
	for {
		rt := g.rt.Load()
		rt.refs.Add(1)
		if g.rt.Load() == rt {
			return rt
		}
		rt.release()
	}
}

func (rt *live) release() {
	if rt.refs.Add(-1) == 0 && rt.retired.Load() {
		rt.once.Do(func() { close(rt.drained) })
	}
}

// retire marks rt replaced; drained closes once no message holds it.
func (rt *live) retire() {
	rt.retired.Store(true)
	if rt.refs.Load() == 0 {
		rt.once.Do(func() { close(rt.drained) })
	}
}

// stationIndex returns the index of the named station, or -1 when the configuration has none.
func (rt *live) stationIndex(name string) int {
	if i, ok := rt.byName[name]; ok {
		return i
	}
	return -1
}

// startStation runs the health keeper of a station new to the gateway, until a reload retires the
// station or shutdown, and its secondary backlog, until closeRetired drains it or shutdown. Call it
// with reloadMu held.
func (g *Gateway) startStation(s *station) {
	ctx, cancel := context.WithCancel(g.ctx)
	g.keepers[s] = cancel
	s.keeperDone = make(chan struct{})
	g.wg.Add(2)
	go func() {
		defer g.wg.Done()
		defer close(s.keeperDone)
		s.warm(ctx)
		s.keep(ctx)
	}()
	go func() {
		defer g.wg.Done()
		s.backlog.run(g.ctx)
	}()
}

// Reload applies cfg to the running gateway: it completes and validates it whole, refuses changes that
// need a restart (listener addresses, modes and limits, the admin endpoint, logging, state, the egress
// recorder's sockets), and otherwise swaps routes, stations, source allowlists, the listeners'
// max_source_rate and source_rates (reloadRates), vital-sign settings, the delivery settings (on_failure, shutdown_grace, busy_poll), export targets, the inventory's bound and
// watchlist and the egress watchlist at once. An export target whose settings are unchanged keeps its
// connection and buffered events; a removed or changed one is closed in the background (it delivers what
// it buffered within exportCloseTimeout, then counts the rest as dropped). Every known device is checked
// against the new watchlist: one that now matches raises its watchlist hit.
// Connections from monitors stay open and every message in flight finishes under the configuration it
// started with (a new busy_poll applies to the next wait); stations no longer configured (or configured
// differently) close once their last message is answered. With egress.apply_on_reload on, a changed
// nftables ruleset is applied first, and a failure to apply it leaves everything as it was. The error
// lists every problem, each on its own.
func (g *Gateway) Reload(ctx context.Context, cfg config.Config) error {
	return g.reload(ctx, cfg, nil)
}

// reload is Reload of a configuration that loadErr, when set, already found invalid.
func (g *Gateway) reload(ctx context.Context, cfg config.Config, loadErr error) error {
	cfg = cfg.WithDefaults()
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	if g.closing.Load() {
		return ErrServerClosed
	}
	if !g.running { // a reload starts and retires running stations
		return errors.New("reload: the gateway is not started")
	}
	old := g.rt.Load()
	errs := []error{loadErr}
	if loadErr == nil {
		errs[0] = cfg.Validate()
	}
	errs = append(errs, restartOnly(old.cfg, cfg)...)
	if err := errors.Join(errs...); err != nil {
		g.store.AddEvent(store.Event{Kind: store.KindGateway, Severity: "warning", Reason: reloadRefused})
		return err
	}
	xu, err := g.export.Prepare(cfg.Export) // the new targets' senders start; events still go to the current ones
	if err != nil {
		g.store.AddEvent(store.Event{Kind: store.KindGateway, Severity: "warning", Reason: "configuration reload refused: export targets not started"})
		return err
	}
	if err := g.applyRules(ctx, old.cfg, cfg); err != nil {
		xu.Abort()
		g.store.AddEvent(store.Event{Kind: store.KindGateway, Severity: "warning", Reason: "configuration reload refused: nftables rules not applied"})
		return err
	}
	rt, err := g.buildLive(cfg, old)
	if err != nil {
		xu.Abort()
		return err
	}
	kept := map[*station]bool{}
	for _, s := range rt.stations {
		kept[s] = true
		if _, running := g.keepers[s]; !running {
			g.startStation(s)
		}
	}
	g.rt.Store(rt)
	g.spins.set(cfg.Delivery)
	g.reloadRates(old.cfg, cfg)
	old.retire()
	xu.Commit(exportCloseTimeout)
	if err := g.reconfigureInventory(cfg.Inventory); err != nil { // validated: cannot fail
		g.log.Error().Err(err).Msg("inventory not reconfigured")
	}
	if g.egress != nil {
		spec, _ := cfg.FirewallSpec() // validated with egress on (restartOnly keeps egress.enabled)
		g.egress.SetWatchlist(spec.Watchlist)
		if g.fw != nil {
			g.fw.expect(ctx, spec)
		}
	}
	var gone []*station
	for _, s := range old.stations {
		if !kept[s] {
			gone = append(gone, s)
			g.keepers[s]()
			delete(g.keepers, s)
		}
	}
	if len(gone) > 0 {
		g.wg.Add(1)
		go g.closeRetired(old, gone)
	}
	g.store.AddEvent(store.Event{Kind: store.KindGateway, Severity: "info", Reason: fmt.Sprintf(
		"configuration reloaded: %d routes, %d stations (%d kept with their connections, %d closing), %d export targets (%d kept with their buffers, %d started, %d retired)",
		len(cfg.Routes), len(rt.stations), len(rt.stations)-countNew(old, rt), len(gone),
		xu.Kept+xu.Started, xu.Kept, xu.Started, xu.Retired)})
	g.log.Info().Int("routes", len(cfg.Routes)).Int("stations", len(rt.stations)).Int("stations_closing", len(gone)).
		Int("export_targets_kept", xu.Kept).Int("export_targets_started", xu.Started).Int("export_targets_retired", xu.Retired).
		Msg("configuration reloaded")
	return nil
}

// reloadRates gives each listener whose max_source_rate or source_rates changed from cur to next its new
// rates, for its new connections and its open ones (listener.setRates).
func (g *Gateway) reloadRates(cur, next config.Config) {
	now := time.Now()
	for i, l := range g.lns {
		a, b := cur.Listeners[i], next.Listeners[i]
		if a.MaxSourceRate != b.MaxSourceRate || !slices.Equal(a.SourceRates, b.SourceRates) {
			l.setRates(newSourceRates(b), now)
		}
	}
}

// closeRetired closes the stations a reload removed once no message of the old configuration uses them (or
// at shutdown), after their secondary backlogs delivered what those messages queued there, and forgets
// them in the store.
func (g *Gateway) closeRetired(old *live, gone []*station) {
	defer g.wg.Done()
	select {
	case <-old.drained: // nothing offers to their backlogs any more
	case <-g.ctx.Done():
	}
	for _, s := range gone {
		s.backlog.stopAfterQueued()
	}
	for _, s := range gone {
		<-s.backlog.done // ends at once when g.ctx is done
		// The reload stopped its keeper, whose dial may still report the station's health (to the store)
		// as it ends: wait for it, so that nothing writes the station's row after it is forgotten below.
		<-s.keeperDone
	}
	for _, s := range gone {
		s.closeAll()
	}
	// Under reloadMu, against the configuration current then: a reload may meanwhile have added a station
	// of the same name back, and made its series and row anew (buildLive, before it publishes the
	// configuration); deleting them would leave that station's gauges out of the registry.
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	cur := g.rt.Load()
	for _, s := range gone {
		if cur.stationIndex(s.cfg.Name) < 0 { // gone, not replaced: no state, no series left behind
			g.store.DeleteStation(s.cfg.Name)
			g.metrics.stationUp.DeleteLabelValues(s.cfg.Name)
			g.metrics.stationConns.DeleteLabelValues(s.cfg.Name)
		}
	}
}

func countNew(old, rt *live) int {
	n := 0
	for _, s := range rt.stations {
		if j, ok := old.byName[s.cfg.Name]; !ok || old.stations[j] != s {
			n++
		}
	}
	return n
}

// applyRules installs the nftables ruleset of next when it differs from cur's and
// egress.apply_on_reload is on; with it off, it logs that the installed rules are now out of date: the
// check of the rules in force then finds them foreign once the reload is done, until `hl7gate firewall
// apply` installs them, unless egress.repair is on: then the watch installs them right after the swap
// (fwWatch.expect).
func (g *Gateway) applyRules(ctx context.Context, cur, next config.Config) error {
	if !next.Egress.Enabled {
		return nil
	}
	a, errA := cur.FirewallSpec()
	b, err := next.FirewallSpec()
	if err != nil {
		return err
	}
	if errA == nil && reflect.DeepEqual(a, b) {
		return nil
	}
	if !next.Egress.ApplyOnReload {
		if ok, _ := firewall.InForce(ctx, b); ok { // applied before the reload, as docs/deployment.md says
			g.log.Info().Str("table", b.Table).Msg("the nftables rules in force are already the reloaded configuration's")
			return nil
		}
		msg := "the reloaded configuration derives other nftables rules: install them with hl7gate firewall apply (or set egress.apply_on_reload)"
		if g.fw != nil && next.Egress.Repair {
			msg = "the reloaded configuration derives other nftables rules: egress.repair installs them after the reload"
		}
		g.log.Warn().Str("table", b.Table).Msg(msg)
		return nil
	}
	install := firewall.Apply
	if g.fw != nil {
		install = g.fw.w.Install // the check expects them, against their own baseline
	}
	if err := install(ctx, b); err != nil {
		return fmt.Errorf("egress: applying the new nftables rules: %w", err)
	}
	g.log.Info().Str("table", b.Table).Bool("learn", b.Learn).Msg("nftables rules re-applied")
	return nil
}

// storeRoutesKept reports each change to a store-mode route, or to a station one delivers to, and each
// route newly in store mode: their queues and deliverers are set up at start and keep their stations.
func storeRoutesKept(cur, next config.Config) []error {
	var errs []error
	stations := func(c config.Config) map[string]config.StationConfig {
		m := map[string]config.StationConfig{}
		for _, s := range c.Stations {
			m[s.Name] = s
		}
		return m
	}
	curSt, nextSt := stations(cur), stations(next)
	nextRoutes := map[string]int{}
	for i, r := range next.Routes {
		nextRoutes[r.Name] = i
	}
	curStore := map[string]bool{}
	for _, r := range cur.Routes {
		if r.Delivery != config.DeliveryStore {
			continue
		}
		curStore[r.Name] = true
		i, ok := nextRoutes[r.Name]
		if !ok || next.Routes[i].Delivery != config.DeliveryStore || !slices.Equal(next.Routes[i].Stations, r.Stations) {
			errs = append(errs, fmt.Errorf("routes: store-mode route %q removed, switched to relay or given other stations: %w", r.Name, ErrNeedsRestart))
			continue
		}
		for _, name := range r.Stations {
			if !reflect.DeepEqual(curSt[name], nextSt[name]) {
				errs = append(errs, fmt.Errorf("stations: %q, which store-mode route %q delivers to, changed: %w", name, r.Name, ErrNeedsRestart))
			}
		}
	}
	for i, r := range next.Routes {
		if r.Delivery == config.DeliveryStore && !curStore[r.Name] {
			errs = append(errs, fmt.Errorf("routes[%d]: %q newly in store mode: %w", i, r.Name, ErrNeedsRestart))
		}
	}
	return errs
}

// restartOnly reports each difference between cur and next that a running gateway cannot take on.
func restartOnly(cur, next config.Config) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %w", key, fmt.Sprintf(format, args...), ErrNeedsRestart))
	}
	if len(cur.Listeners) != len(next.Listeners) {
		bad("listeners", "%d listeners configured, %d running: adding or removing a listener", len(next.Listeners), len(cur.Listeners))
	}
	for i := range min(len(cur.Listeners), len(next.Listeners)) {
		a, b := cur.Listeners[i], next.Listeners[i]
		key := fmt.Sprintf("listeners[%d]", i)
		switch {
		case a.Name != b.Name:
			bad(key+".name", "%q running, %q configured", a.Name, b.Name)
		case a.Address != b.Address:
			bad(key+".address", "listening on %s, %s configured", a.Address, b.Address)
		case a.Mode != b.Mode:
			bad(key+".mode", "%s running, %s configured", a.Mode, b.Mode)
		}
		// The listener settings a reload applies.
		a.AllowSources, b.AllowSources = nil, nil
		a.MaxSourceRate, a.SourceRates = b.MaxSourceRate, b.SourceRates
		a.Name, a.Address, a.Mode = b.Name, b.Address, b.Mode
		if !reflect.DeepEqual(a, b) {
			bad(key, "connection limits, timeouts, max_frame, tolerate_missing_cr and tls are set when the listener opens (allow_sources, max_source_rate and source_rates reload)")
		}
	}
	if !reflect.DeepEqual(cur.Queue, next.Queue) {
		bad("queue", "the store-mode queues are opened at start")
	}
	errs = append(errs, storeRoutesKept(cur, next)...)
	if !reflect.DeepEqual(cur.Admin, next.Admin) {
		bad("admin", "the admin endpoint's address, token, TLS and pprof are set at start")
	}
	if !reflect.DeepEqual(cur.Log, next.Log) {
		bad("log", "logging is set at start")
	}
	if !reflect.DeepEqual(cur.State, next.State) {
		bad("state", "the event store and journal are set at start")
	}
	a, b := cur.Egress, next.Egress
	a.Learn, b.Learn = false, false // reloadable: changes the rules only
	a.ApplyOnReload, b.ApplyOnReload = false, false
	a.Repair, b.Repair = false, false
	a.Watchlist, b.Watchlist = nil, nil // the recorder swaps it; changes the rules
	if !reflect.DeepEqual(a, b) {
		bad("egress", "only egress.learn, egress.watchlist, egress.apply_on_reload and egress.repair reload; the recorder's interfaces, networks, sinkhole, NFLOG group, table, summary interval and verify interval are set at start")
	}
	return errs
}
