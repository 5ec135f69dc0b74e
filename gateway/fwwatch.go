package gateway

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/gateway/firewall"
	"github.com/hl7gate/hl7gate/gateway/store"
)

// fwWatch keeps the nftables containment rules in view while the gateway runs (egress.verify_interval): a
// firewall.Watcher checks them at start, every interval and right after a reload. Rules missing, foreign
// or modified make /readyz fail (so keepalived moves the address to the peer) and, with egress.repair on,
// are installed again. Each change of state is one log line, one event (store and export) and the
// gauges; a state that stays, whatever its detail, is none of these, so nothing flaps.
type fwWatch struct {
	w        rules
	interval time.Duration
	timeout  time.Duration // each nft run's bound (nftTimeout)
	repair   func() bool   // egress.repair, as last reloaded
	poke     chan struct{} // a check now (a reload), one pending at most
	log      zerolog.Logger
	store    *store.Store
	export   *export.Exporter

	intact  prometheus.Gauge
	state   *prometheus.GaugeVec   // state: one series per firewall.State, 1 for the current one
	repairs *prometheus.CounterVec // result: applied, failed
	checks  prometheus.Counter

	mu        sync.Mutex // one check at a time; guards cur and repairErr
	cur       firewall.Status
	repairErr string // the last failed repair's error, logged once
	status    atomic.Pointer[firewall.Status]
}

// rules is what fwWatch needs of a firewall.Watcher.
type rules interface {
	Check(ctx context.Context) firewall.Status
	Repair(ctx context.Context) error
	Install(ctx context.Context, s firewall.Spec) error
	SetSpec(s firewall.Spec) (changed bool, err error)
}

// nftTimeout bounds each nft run of the watch. A listing or an apply takes milliseconds; one that hangs
// (a stuck netlink socket, a broken nft) must neither stop the checks nor hold what waits for the watch's
// lock: the gateway's start (before /readyz answers), a reload, its shutdown.
const nftTimeout = 10 * time.Second

// fwStates are the states hl7gate_firewall_state names.
var fwStates = []firewall.State{firewall.Intact, firewall.Missing, firewall.Foreign, firewall.Modified, firewall.Unknown}

// newFWWatch builds the watch of spec's rules for g and registers its metrics; nil when
// egress.verify_interval is 0.
func newFWWatch(g *Gateway, spec firewall.Spec) (*fwWatch, error) {
	if g.cfg.Egress.VerifyInterval == 0 {
		return nil, nil
	}
	w, err := firewall.NewWatcher(spec)
	if err != nil {
		return nil, err
	}
	return newRulesWatch(w, g.cfg.Egress.VerifyInterval, func() bool { return g.rt.Load().cfg.Egress.Repair },
		g.log.With().Str("component", "firewall").Str("table", g.cfg.Egress.Table).Logger(), g.store, g.export, g.metrics.reg)
}

// newRulesWatch is newFWWatch of any rules.
func newRulesWatch(w rules, interval time.Duration, repair func() bool, log zerolog.Logger, st *store.Store,
	x *export.Exporter, reg prometheus.Registerer) (*fwWatch, error) {
	f := &fwWatch{w: w, interval: interval, timeout: nftTimeout, poke: make(chan struct{}, 1), repair: repair, log: log, store: st, export: x,
		intact: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hl7gate_firewall_intact",
			Help: "1 when the nftables containment rules in force are this configuration's, unedited; 0 when missing, foreign, modified or not checkable.",
		}),
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hl7gate_firewall_state", Help: "The containment rules' state: 1 for the current one (intact, missing, foreign, modified, unknown).",
		}, []string{"state"}),
		repairs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_firewall_repairs_total", Help: "Re-applications of the containment rules by egress.repair, by result.",
		}, []string{"result"}),
	}
	f.checks = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "hl7gate_firewall_checks_total", Help: "Checks of the containment rules in force (egress.verify_interval).",
	})
	for _, r := range []string{"applied", "failed"} {
		f.repairs.WithLabelValues(r)
	}
	for _, c := range []prometheus.Collector{f.intact, f.state, f.repairs, f.checks} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("firewall: %w", err)
		}
	}
	return f, nil
}

// start checks once, before the admin endpoint answers /readyz. With egress.repair on it then installs
// the rules when they are intact too, so that the baseline later checks compare with is what hl7gate
// itself installed, not whatever the kernel held when it started.
func (f *fwWatch) start(ctx context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.checkLocked(ctx) != firewall.Intact || !f.repair() {
		return // not intact: repaired already, or it failed
	}
	if err := f.repairRules(ctx); err != nil {
		f.log.Warn().Err(err).Msg("nftables containment rules intact but not installed again: checked against them as found")
	}
}

// run checks every interval and whenever poked, until ctx ends.
func (f *fwWatch) run(ctx context.Context) {
	t := time.NewTicker(f.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.poke:
		}
		f.mu.Lock()
		f.checkLocked(ctx)
		f.mu.Unlock()
	}
}

// checkLocked reads the rules in force and, with egress.repair on, installs them again when they are not
// this configuration's; it records the state it found, the state after a repair, and returns the state it
// found. Call it with f.mu held.
func (f *fwWatch) checkLocked(ctx context.Context) firewall.State {
	st := f.check(ctx)
	if ctx.Err() != nil {
		return firewall.Unknown // shutting down: nft was killed, its answer says nothing
	}
	f.checks.Inc()
	if broken(st.State) && f.repair() {
		err := f.repairRules(ctx)
		if err == nil {
			f.repairs.WithLabelValues("applied").Inc()
			f.repairErr = ""
			after := f.check(ctx)
			f.note(st, "") // told, but not to /readyz: the rules are back already
			f.set(after, "repaired by hl7gate (egress.repair)")
			return st.State
		}
		f.repairs.WithLabelValues("failed").Inc()
		if err.Error() != f.repairErr {
			f.repairErr = err.Error()
			f.log.Error().Err(err).Str("state", string(st.State)).Msg("nftables containment rules not repaired")
		}
		st.Detail += "; repair failed: " + err.Error()
	}
	f.set(st, "")
	return st.State
}

// check is one Check of the rules in force, bounded by f.timeout.
func (f *fwWatch) check(ctx context.Context) firewall.Status {
	ctx, cancel := f.bounded(ctx)
	defer cancel()
	return f.w.Check(ctx)
}

// repairRules is one Repair, bounded by f.timeout.
func (f *fwWatch) repairRules(ctx context.Context) error {
	ctx, cancel := f.bounded(ctx)
	defer cancel()
	return f.w.Repair(ctx)
}

// install is one Install of spec, bounded by f.timeout.
func (f *fwWatch) install(ctx context.Context, spec firewall.Spec) error {
	ctx, cancel := f.bounded(ctx)
	defer cancel()
	return f.w.Install(ctx, spec)
}

// bounded is ctx ending after f.timeout at the latest, its cause saying so.
func (f *fwWatch) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, f.timeout, fmt.Errorf("no answer within %s", f.timeout))
}

// broken reports whether s means the rules in force are not the configuration's: what fails /readyz and
// what egress.repair mends. Unknown is not: nothing says the rules are wrong.
func broken(s firewall.State) bool {
	return s == firewall.Missing || s == firewall.Foreign || s == firewall.Modified
}

// set records st as the state /readyz answers with, and notes it.
func (f *fwWatch) set(st firewall.Status, how string) {
	f.status.Store(&st)
	f.note(st, how)
}

// note records st but for readiness, with f.mu held. A change of state is logged, raised as an event and
// exported once; how says what restored the rules, when it was hl7gate.
func (f *fwWatch) note(st firewall.Status, how string) {
	prev := f.cur.State
	f.cur = st
	for _, s := range fwStates {
		f.state.WithLabelValues(string(s)).Set(b2f(s == st.State))
	}
	f.intact.Set(b2f(st.State == firewall.Intact))
	if st.State == prev {
		return
	}
	now := time.Now()
	ev := store.Event{Time: now, Kind: store.KindFirewall}
	x := export.Event{Kind: export.KindFirewallAltered, Time: now, Action: string(st.State), Reason: st.Detail}
	switch {
	case st.State == firewall.Intact && prev == "":
		f.log.Info().Msg("nftables containment rules intact")
		return // the normal start: nothing to tell
	case st.State == firewall.Intact:
		ev.Severity, ev.Reason = "info", "nftables containment rules restored"
		x.Kind, x.Action = export.KindFirewallRestored, "restored"
		if how != "" {
			ev.Reason, x.Action, x.Reason = "nftables containment rules "+how, "repaired", how
		}
		f.log.Warn().Str("state", string(st.State)).Str("was", string(prev)).Bool("repaired", how != "").Msg(ev.Reason)
	case st.State == firewall.Unknown:
		ev.Severity, ev.Reason = "warning", "nftables containment rules cannot be checked: "+st.Detail
		x.Severity = 5
		f.log.Warn().Str("state", string(st.State)).Str("detail", st.Detail).Msg("nftables containment rules cannot be checked")
	default:
		ev.Severity, ev.Reason = "critical", fmt.Sprintf("nftables containment rules %s: %s", st.State, st.Detail)
		f.log.Error().Str("state", string(st.State)).Str("detail", st.Detail).Str("severity", "critical").
			Msg("nftables containment rules not intact")
	}
	f.store.AddEvent(ev)
	f.export.Send(x)
}

// ready returns why the rules in force make the gateway unready, or nil.
func (f *fwWatch) ready() error {
	st := f.status.Load()
	if st == nil || !broken(st.State) {
		return nil
	}
	return fmt.Errorf("nftables containment rules %s: %s", st.State, st.Detail)
}

// expect makes spec the expected ruleset after a reload and asks for a check now. With egress.repair on,
// rules the reload changed (and did not install itself: egress.apply_on_reload) are installed here, as
// the reload's own change: a log line, no event, since nothing was lost or tampered with. Otherwise, or
// when that fails, the rules in force are foreign until `hl7gate firewall apply` (or a repair) installs
// them.
func (f *fwWatch) expect(ctx context.Context, spec firewall.Spec) {
	f.mu.Lock()
	defer f.mu.Unlock()
	changed, err := f.w.SetSpec(spec)
	if err != nil { // validated by the reload
		f.log.Error().Err(err).Msg("nftables containment rules: the reloaded configuration's spec")
		return
	}
	if changed && f.repair() {
		if err := f.install(ctx, spec); err != nil {
			f.log.Warn().Err(err).Msg("nftables rules of the reloaded configuration not installed: the check finds them foreign")
		} else {
			f.log.Info().Msg("nftables rules of the reloaded configuration installed (egress.repair)")
			if st := f.check(ctx); ctx.Err() == nil { // else the reload's caller went: the poke checks
				f.set(st, "installed by hl7gate with the reloaded configuration (egress.repair)")
			}
		}
	}
	select {
	case f.poke <- struct{}{}:
	default:
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
