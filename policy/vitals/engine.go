package vitals

import (
	"bytes"
	"hash/maphash"
	"net/netip"
	"sync"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// settings is the compiled form of one rule's Rule section.
type settings struct {
	enabled  bool
	severity Severity
	action   Action
}

// Engine runs the vital-sign checks. It keeps bounded state per monitor
// (keyed by source address) and is safe for concurrent use by any number of
// sessions.
type Engine struct {
	cfg       Config
	t         *tables
	limits    [numParams]Limits
	plausible [numParams]Limits
	rules     [numRules]settings
	seed      maphash.Seed // patient and identity hashes; random per Engine, never stored

	mu        sync.Mutex // guards streams and nextSweep; each stream has its own lock
	streams   map[netip.Addr]*stream
	nextSweep time.Time
}

// profileLimits are the hard device/physiological ranges per profile, in base
// units (docs/vitals.md cites the sources).
func profileLimits(profile string) [numParams]Limits {
	var l [numParams]Limits
	l[pHR] = Limits{0, 300}
	l[pPR] = Limits{0, 300}
	l[pPRInv] = Limits{0, 300}
	l[pSpO2] = Limits{0, 100}
	l[pNIBPSys] = Limits{0, 280}
	l[pNIBPDia] = Limits{0, 280}
	l[pNIBPMean] = Limits{0, 280}
	l[pARTSys] = Limits{-50, 300}
	l[pARTDia] = Limits{-50, 300}
	l[pARTMean] = Limits{-50, 300}
	l[pRR] = Limits{0, 200}
	l[pTemp] = Limits{0, 45}
	l[pEtCO2] = Limits{0, 150}
	if profile == "neonatal" {
		l[pHR] = Limits{0, 350}
		l[pPR] = Limits{0, 350}
		l[pPRInv] = Limits{0, 350}
		l[pNIBPSys] = Limits{0, 140}
		l[pNIBPDia] = Limits{0, 140}
		l[pNIBPMean] = Limits{0, 140}
	}
	return l
}

// plausibleLimits are the research cleaning limits (MIMIC-IV, eICU; see
// docs/vitals.md). They decide only whether a value impossible in its
// declared unit is plausible in another unit of the same quantity.
func plausibleLimits() [numParams]Limits {
	var l [numParams]Limits
	for _, p := range []param{pHR, pPR, pPRInv} {
		l[p] = Limits{25, 225}
	}
	l[pSpO2] = Limits{50, 100}
	for _, p := range []param{pNIBPSys, pNIBPDia, pNIBPMean, pARTSys, pARTDia, pARTMean} {
		l[p] = Limits{10, 250}
	}
	l[pRR] = Limits{0, 70}
	l[pTemp] = Limits{25, 45}
	l[pEtCO2] = Limits{5, 100}
	return l
}

// NewEngine validates cfg and returns an Engine.
func NewEngine(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t, err := loadTables(cfg.Codes, cfg.Units)
	if err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, t: t, limits: profileLimits(cfg.Profile), plausible: plausibleLimits(), seed: maphash.MakeSeed()}
	for k, l := range cfg.Rules.Range.Limits {
		p, _ := paramByKey(k)
		e.limits[p] = l
	}
	for r, sec := range cfg.ruleSections() {
		sev, _ := ParseSeverity(sec.Severity)
		act, _ := ParseAction(sec.Action)
		e.rules[r] = settings{enabled: sec.Enabled, severity: sev, action: act}
	}
	e.streams = make(map[netip.Addr]*stream)
	return e, nil
}

// ruleSections returns each rule's shared section, indexed by ruleID.
func (c Config) ruleSections() [numRules]Rule {
	r := c.Rules
	return [numRules]Rule{
		rRange: r.Range.Rule, rUnitMismatch: r.UnitMismatch, rUnitChange: r.UnitChange,
		rRate: r.Rate.Rule, rHRPR: r.HRPR.Rule, rBPOrder: r.BPOrder, rMAP: r.MAPFormula.Rule,
		rPulsePressure: r.PulsePressure.Rule, rNIBPIBP: r.NIBPIBP.Rule, rNIBPCadence: r.NIBPCadence.Rule,
		rFrozen: r.Frozen.Rule, rRegular: r.TooRegular.Rule, rReplayControlID: r.ReplayControlID.Rule,
		rReplayWindow: r.ReplayWindow.Rule, rTimeFuture: r.TimeFuture.Rule, rTimeBackwards: r.TimeBackwards.Rule,
		rTimeSkew: r.TimeSkew.Rule, rIdentityPatient: r.IdentityPatient.Rule,
		rIdentityEquipment: r.IdentityEquipment, rIdentityApplication: r.IdentityApplication,
	}
}

// Monitors returns the number of monitor streams currently tracked.
func (e *Engine) Monitors() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.streams)
}

// Observe runs every enabled check over m, one message from the monitor at
// src that arrived at arrival, and appends the findings to dst. It does not
// allocate when nothing is found. An identical re-send of a recent message
// (same MSH-10 and bytes, within the resend window) is ignored entirely.
func (e *Engine) Observe(src netip.Addr, m *hl7.Message, arrival time.Time, dst []Finding) []Finding {
	s := e.stream(src, arrival)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.observe(e, src, m, arrival, dst)
}

// stream returns the state for src, creating it as needed. Streams idle for
// longer than IdleEvict are dropped (swept every IdleEvict/4); at
// MaxMonitors the least recently seen stream makes room.
func (e *Engine) stream(src netip.Addr, now time.Time) *stream {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s, ok := e.streams[src]; ok {
		return s
	}
	idle := e.cfg.State.IdleEvict
	if now.After(e.nextSweep) {
		e.nextSweep = now.Add(idle / 4)
		for a, s := range e.streams {
			if now.Sub(s.seen()) > idle {
				delete(e.streams, a)
			}
		}
	}
	if len(e.streams) >= e.cfg.State.MaxMonitors {
		var oldest netip.Addr
		var at time.Time
		for a, s := range e.streams {
			if t := s.seen(); !oldest.IsValid() || t.Before(at) {
				oldest, at = a, t
			}
		}
		delete(e.streams, oldest)
	}
	s := newStream(&e.cfg)
	s.lastSeen.Store(now.UnixNano())
	e.streams[src] = s
	return s
}

// emitter carries what every finding of one message shares.
type emitter struct {
	e       *Engine
	s       *stream
	arrival time.Time
	src     netip.Addr
	m       *hl7.Message
	equip   []byte
	msgTime time.Time

	obsRaw  []byte    // the last OBX-14 parsed, and its time: rows of one message
	obsTime time.Time // usually share it
}

// obsTimeOf parses an OBX-14 value, reusing the previous row's result when the text is the same.
// Unreadable gives the zero time (the message time applies).
func (em *emitter) obsTimeOf(raw []byte) time.Time {
	if len(raw) == 0 {
		return time.Time{}
	}
	if !bytes.Equal(raw, em.obsRaw) {
		em.obsRaw = raw
		em.obsTime, _ = hl7.ParseTime(raw)
	}
	return em.obsTime
}

func (em *emitter) on(r ruleID) bool { return em.e.rules[r].enabled }

// add reports that rule r holds for parameter p (pNone for the message) at
// OBX segment seg. A condition already open as an episode of this monitor
// only updates it; a new one opens an episode and appends its Finding to dst.
func (em *emitter) add(dst []Finding, r ruleID, p param, seg int, at time.Time, value, other, threshold float64, kind, explanation string) []Finding {
	ep, opened := em.s.occur(r, p, value, em.arrival)
	if !opened {
		return dst
	}
	set := em.e.rules[r]
	if at.IsZero() {
		at = em.msgTime
	}
	f := Finding{
		Rule: ruleInfo[r].name, Severity: set.severity, Kind: kind,
		Source: em.src, SendingApplication: string(em.m.SendingApplication()),
		SendingFacility: string(em.m.SendingFacility()), Equipment: string(em.equip),
		ControlID: string(em.m.ControlID()), ObservedAt: at,
		Value: value, Other: other, Threshold: threshold,
		Explanation: explanation, Action: set.action, Segment: seg, Count: 1,
	}
	if kind == "" {
		f.Kind = ruleInfo[r].kind
	}
	if p != pNone {
		f.Parameter = params[p].ref
	}
	if em.e.cfg.State.ReportClose {
		ep.first = f
	}
	return append(dst, f)
}
