package vitals

import (
	"bytes"
	"hash/maphash"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// settings is the compiled form of one rule's Rule section.
type settings struct {
	enabled     bool
	severity    Severity
	severityFor [numParams]Severity // per parameter (pNone: none), 0: severity
	action      Action
}

// Engine runs the vital-sign checks. It keeps bounded state per monitor and
// is safe for concurrent use by any number of sessions. A monitor is the
// device a message names (MSH-3 and MSH-4) at the address it comes from, so
// several devices behind one address (a device gateway, NAT) each have their
// own state; the address alone keys messages that name no device.
type Engine struct {
	cfg       Config
	t         *tables
	limits    [numClasses][numParams]Limits
	plausible [numParams]Limits
	rules     [numRules]settings
	seed      maphash.Seed // stream, patient and identity hashes; random per Engine, never stored
	loc       *time.Location
	neoNets   []netip.Prefix
	paedNets  []netip.Prefix
	profile   int       // the class Config.Profile names (stream.classify)
	holders   []float64 // placeholders beyond the built-in ones

	unknownCodes, unknownUnits atomic.Uint64

	mu        sync.Mutex // guards streams, parked, sources, nextSweep and made; each stream has its own lock
	streams   map[uint64]held
	parked    map[uint64]parkedReplay // near-replay histories of streams dropped idle, see park
	sources   map[netip.Addr]*source
	nextSweep time.Time
	made      uint32 // streams made so far (wrapping), see stream.born
}

// parkedReplay is the near-replay history of a stream dropped for being
// idle, its message counters, and when its monitor was last seen (Unix ns).
type parkedReplay struct {
	seen      int64
	rs        *replayState
	seq, hseq idSequence
	grid      rrGrid  // the monitor's breathing-rate grid: its counting window outlasts a silence (offGrid)
	so        *source // the connection whose messages made the stream
}

// source is what the Engine keeps per connection (an address, see
// ObserveVia): which device it carries, and the streams its messages made.
type source struct {
	dev  connDevices
	seen int64    // Unix ns
	beds []uint64 // the stream keys of devices found to carry several (aggregating gateways' beds), see bedsOf; at most connMax
	// keys are the streams it made, and parked the histories parked for
	// streams it made, each at most StateConfig.MaxPerSource (Engine.stream,
	// Engine.park); the source is kept while it has either.
	keys   []uint64
	parked int
}

// empty reports whether the connection holds no stream and no parked
// history: nothing counts against it, and its record may go.
func (so *source) empty() bool { return len(so.keys) == 0 && so.parked == 0 }

// held is a stream as the Engine keeps it: with the connection whose
// messages made it, when its first message came, and whether it settled.
type held struct {
	s       *stream
	so      *source
	made    int64 // Unix ns
	settled bool  // a message came settledAfter after the first (Engine.stream); it stays so when the clock goes back
}

// settledAfter is how long a stream must have been talking (a message this
// long after its first) before it is settled: a monitor that sends at any
// cadence up to one a minute is settled by its second message; identities
// that a device names once, or for a few seconds, never are. To make room, a
// stream not settled goes before any settled one (Engine.room).
const settledAfter = time.Minute

// switcher follows one identity (a device's equipment ID, OBX-18) on a channel
// that normally carries one. A new identity that is the only one for
// switchAfter messages in a row while the old one is silent has replaced it;
// identities that interleave mean the channel carries several (an
// aggregating gateway), and it is no longer judged.
type switcher struct {
	cur, pend   uint64
	curN, pendN uint32
	multi       bool
	eui         bool // an EUI-64 was named: labels name no bed of this device (stream.identity)
	modules     bool // one message's rows named different labels: its modules', not a bed's (stream.identity)

	curLast, curGap int64 // cur's last message (arrival, Unix ns) and its usual interval; see unsettled
}

// switchAfter is how many messages in a row a new identity needs.
const switchAfter = 3

// see records identity k at now (arrival, Unix ns) and reports whether it
// has just replaced an established one.
func (w *switcher) see(k uint64, now int64) bool {
	switch {
	case w.multi:
		return false
	case w.cur == 0 || k == w.cur:
		if w.pend != 0 {
			w.multi = true // the old identity is back while the new one was live
			return false
		}
		if iv := now - w.curLast; w.cur != 0 && iv > 0 {
			w.curGap = max(iv, w.curGap-w.curGap/8) // as connDevices.see
		}
		w.cur, w.curLast = k, now
		w.curN++
		return false
	case k != w.pend:
		w.pend, w.pendN = k, 0
	}
	w.pendN++
	if w.pendN < switchAfter {
		return false
	}
	switched := w.curN >= switchAfter
	w.cur, w.curN, w.pend, w.pendN = k, w.pendN, 0, 0
	w.curLast, w.curGap = now, 0
	return switched
}

// unsettled reports whether at now an identity other than the established
// one was seen and is neither its replacement yet nor gone (see, multi),
// while the established one may still come back: not once it is overdue,
// established (switchAfter messages) and silent for more than two of its
// intervals, as connDevices judges a device gone. Identities that go on
// changing among themselves without it (a forger alternating two, B C B C,
// which never settles) are then judged on their patient again.
func (w *switcher) unsettled(now int64) bool {
	if w.pend == 0 {
		return false
	}
	overdue := w.curN >= switchAfter && w.curGap > 0 && now-w.curLast > 2*w.curGap
	return !overdue
}

// Unrecognised returns how many numeric OBX rows had a code the tables do
// not know and how many rows of a known parameter had a unit they do not
// know, since the Engine was made: what is not being checked.
func (e *Engine) Unrecognised() (codes, units uint64) {
	return e.unknownCodes.Load(), e.unknownUnits.Load()
}

// UnknownCodes calls fn with the sending application (MSH-3) of m and the
// OBX-3 and OBX-6 fields of each of its numeric OBX rows whose code the
// code table does not know for that sender: the rows Unrecognised counts,
// which a site names in Config.Codes ("CODE@SENDER"). It reads the message
// anew, for an operator's report (hl7gate check --unknown), not for the
// per-message path, and knows nothing of the stream: a caller that wants
// the rows Unrecognised counted calls it only for a message Observe read
// (Unrecognised grew), not for a re-send or a query Observe skipped.
func (e *Engine) UnknownCodes(m *hl7.Message, fn func(app, code, unit hl7.Field)) {
	msh, ok := m.Find("MSH", 1)
	if !ok {
		return
	}
	app, d := msh.Field(3), m.Delimiters()
	v := e.t.vendorOf(app.Bytes())
	for i := range m.NumSegments() {
		seg := m.Segment(i)
		if string(seg.Name()) != "OBX" || string(seg.Field(2).Bytes()) != "NM" {
			continue
		}
		if p, read := e.t.code(v, seg.Field(3).Bytes(), d); !read && !e.t.rated(p, seg.Field(6).Bytes(), d) {
			fn(app, seg.Field(3), seg.Field(6))
		}
	}
}

// UnknownUnits calls fn with the parameter key (see Parameters) and the
// OBX-6 field of each numeric OBX row of m that measures a parameter the
// code table reads for that sender, with a unit the unit table does not
// hold: the rows Unrecognised's second count counts, whose units a site
// names in Config.Units (UnitsKey). A unit the table holds for another
// quantity (a heart rate in "%") is not passed: Unrecognised does not count
// it, the row is reported as unit_mismatch, and naming that unit anew would
// change it for the parameters it is right for. Nor is a central venous
// pressure row (read only as a witness, never counted). Like UnknownCodes
// it reads the message anew, for an operator's report, not for the
// per-message path, and is called only for a message Observe read.
func (e *Engine) UnknownUnits(m *hl7.Message, fn func(param string, unit hl7.Field)) {
	msh, ok := m.Find("MSH", 1)
	if !ok {
		return
	}
	d := m.Delimiters()
	v := e.t.vendorOf(msh.Field(3).Bytes())
	for i := range m.NumSegments() {
		seg := m.Segment(i)
		if string(seg.Name()) != "OBX" {
			continue
		}
		p, read := e.t.code(v, seg.Field(3).Bytes(), d)
		if !read || p == pCVP {
			continue
		}
		// As row and obx read it: a measurement, holding a number that is
		// no sentinel, in a unit unitOf does not know.
		o := obxFields{valueType: seg.Field(2).Bytes(), flags: seg.Field(8).Bytes(), status: seg.Field(11).Bytes()}
		if ok, _ := o.measurement(d); !ok {
			continue
		}
		if x, ok := parseNumber(seg.Field(5).Bytes()); !ok || isSentinel(x) {
			continue
		}
		if e.t.unitOf(seg.Field(6).Bytes(), p, d) == unitUnknown {
			fn(params[p].key, seg.Field(6))
		}
	}
}

// CanonicalUnits returns the canonical units a Config.Units entry may name
// ("/min", "%", "mm[Hg]", ...), in the unit table's order.
func (e *Engine) CanonicalUnits() []string {
	out := make([]string, 0, len(e.t.canon)-1)
	for _, u := range e.t.canon[unitNone+1:] {
		out = append(out, u.name)
	}
	return out
}

// builtinPlaceholders are the "not measured" values seen in vendor exports.
var builtinPlaceholders = [...]float64{-1, -99.9, -100, -999, -1000, -9999, -32767, -32768}

// builtinUnidentified are the family names registrations give a patient
// they cannot identify yet (see Config.UnidentifiedNames).
var builtinUnidentified = [...]string{"UNKNOWN", "UNIDENTIFIED"}

// unidentified reports whether family, a PID-5 family name, marks a patient
// not identified yet. Its trailing blanks are no part of it (HL7 string data
// is left-justified, trailing blanks optional: a registration that pads its
// names to a width sends "UNKNOWN   "; review47u).
func (e *Engine) unidentified(family []byte) bool {
	family = bytes.TrimRight(family, " ")
	match := func(n string) bool { return bytes.EqualFold(family, []byte(n)) }
	return slices.ContainsFunc(builtinUnidentified[:], match) || slices.ContainsFunc(e.cfg.UnidentifiedNames, match)
}

// placeholder reports whether v is a "not measured" value.
func (e *Engine) placeholder(v float64) bool {
	return slices.Contains(builtinPlaceholders[:], v) || slices.Contains(e.holders, v)
}

// Patient classes, the index of Engine.limits.
const (
	classAdult = iota
	classNeonatal
	classPaediatric
	numClasses
)

// className returns the Config.Profile that names class c.
func className(c int) string {
	switch c {
	case classNeonatal:
		return "neonatal"
	case classPaediatric:
		return "paediatric"
	}
	return "adult"
}

// classOf returns the class that profile names, and whether it names one.
func classOf(profile string) (int, bool) {
	for c := range numClasses {
		if className(c) == profile {
			return c, true
		}
	}
	return 0, false
}

// profileLimits are the hard device/physiological ranges per profile, in base
// units (docs/vitals.md cites the sources). A paediatric monitor's are the
// adult ones: its cuff inflates to the adult maximum on some monitors and
// its heart-rate range is the adult one.
func profileLimits(profile string) [numParams]Limits {
	var l [numParams]Limits
	l[pHR] = Limits{0, 300}
	l[pPR] = Limits{0, 300}
	l[pPRInv] = Limits{0, 300}
	l[pSpO2] = Limits{0, 100}
	l[pNIBPSys] = Limits{0, 280}
	l[pNIBPDia] = Limits{0, 280}
	l[pNIBPMean] = Limits{0, 280}
	l[pARTSys] = Limits{-50, 360} // a flush reads the bag pressure, ~300
	l[pARTDia] = Limits{-50, 360}
	l[pARTMean] = Limits{-50, 360}
	l[pRR] = Limits{0, 150}
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
	e := &Engine{cfg: cfg, t: t, plausible: plausibleLimits(), seed: maphash.MakeSeed(), holders: cfg.Placeholders}
	e.profile, _ = classOf(cfg.Profile)
	for c := range numClasses {
		e.limits[c] = profileLimits(className(c))
		for k, l := range cfg.Rules.Range.Limits {
			p, _ := paramByKey(k)
			e.limits[c][p] = l
		}
	}
	e.loc, _ = time.LoadLocation(cfg.TimeZone)
	for _, p := range cfg.Neonatal.Sources {
		e.neoNets = append(e.neoNets, netip.MustParsePrefix(p))
	}
	for _, p := range cfg.Paediatric.Sources {
		e.paedNets = append(e.paedNets, netip.MustParsePrefix(p))
	}
	for r, sec := range cfg.ruleSections() {
		sev, _ := ParseSeverity(sec.Severity)
		act, _ := ParseAction(sec.Action)
		e.rules[r] = settings{enabled: sec.Enabled, severity: sev, action: act}
		for k, v := range sec.SeverityFor {
			p, _ := paramByKey(k)
			e.rules[r].severityFor[p], _ = ParseSeverity(v)
		}
	}
	e.streams = make(map[uint64]held)
	e.parked = make(map[uint64]parkedReplay)
	e.sources = make(map[netip.Addr]*source)
	return e, nil
}

// configured reports whether a monitor at src sending as app is configured
// as one carrying a patient of the class that c and nets (c's sources)
// select. Config.Profile is not asked: it names the class of a monitor that
// no class's keys select (stream.classify).
func configured(c *ClassConfig, nets []netip.Prefix, src netip.Addr, app []byte) bool {
	for _, p := range nets {
		if p.Contains(src) {
			return true
		}
	}
	for _, a := range c.Applications {
		if a != "" && bytes.Contains(app, []byte(a)) {
			return true
		}
	}
	return false
}

// atLocation reports whether a PV1-3 point of care starts with one of c's
// locations.
func atLocation(c *ClassConfig, loc []byte) bool {
	for _, l := range c.Locations {
		if l != "" && bytes.HasPrefix(loc, []byte(l)) {
			return true
		}
	}
	return false
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
		rIdentityEquipment: r.IdentityEquipment, rIdentityApplication: r.IdentityApplication, rIdentityClass: r.IdentityClass,
		rDemo: r.DemoData, rSpike: r.Spike, rDecoupled: r.Decoupled,
		rDriftReturn: r.DriftReturn,
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
// allocate when nothing is found, nor when a finding only continues an open
// episode. An identical re-send of a recent message (same MSH-10 and bytes,
// within the resend window) is ignored entirely, and so are queries and
// acknowledgements (QBP, QRY, RSP, ACK), which carry no observations.
func (e *Engine) Observe(src netip.Addr, m *hl7.Message, arrival time.Time, dst []Finding) []Finding {
	return e.ObserveVia(src, src, m, arrival, dst)
}

// ObserveVia is Observe for a monitor whose state is keyed by src but whose
// messages came over the connection conn, which the gateway knows only as
// the monitor's address (Observe: conn = src). Offline (hl7gate check
// --monitor device) each device a capture names gets an address of its own,
// and the capture's source is the connection: a device that replaces one
// the connection carried, the old one falling silent as the new one begins,
// is then still judged (identity_application, see connDevices), as on the
// wire, where a forger who changes the device identity along with the
// patient otherwise starts a monitor with no past to compare against.
// Devices that talk on side by side (an aggregating gateway's beds) are not.
func (e *Engine) ObserveVia(conn, src netip.Addr, m *hl7.Message, arrival time.Time, dst []Finding) []Finding {
	return e.observe(conn, src, m, arrival, 0, dst)
}

// ObserveSteady is Observe for an arrival read on a clock that no step of the system's clock moves (the
// gateway's: the system clock at its start plus the monotonic time since), which lies skew behind the
// system clock (the sum of that clock's steps since the start). Each device's clock is judged against
// the offset learned for it on the arrival clock, which no step moves; a device whose clock is set right
// reads the system clock, arrival+skew, and is recognised by it (clockSet), as with skew 0.
func (e *Engine) ObserveSteady(src netip.Addr, m *hl7.Message, arrival time.Time, skew time.Duration, dst []Finding) []Finding {
	return e.observe(src, src, m, arrival, skew, dst)
}

// observe is ObserveVia for an arrival clock skew behind the system clock (ObserveSteady).
func (e *Engine) observe(conn, src netip.Addr, m *hl7.Message, arrival time.Time, skew time.Duration, dst []Finding) []Finding {
	var scratch [12]hl7.Field
	msh := m.Segment(0).Fields(scratch[:0], 11) // msh[n] is MSH-n, split once for every check
	switch string(component(msh, 9, 1)) {
	case "QBP", "QRY", "RSP", "ACK":
		return dst
	}
	s, switched := e.stream(conn, src, component(msh, 3, 0), component(msh, 4, 0), m, arrival)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.observe(e, src, m, msh, arrival, skew, switched, dst)
}

// stream returns the state of the device (app, fac) at src that sent m,
// creating it as needed, and whether that device has just replaced the one
// the connection conn carried (conn is src but offline, see ObserveVia).
// A device found to carry several equipment identifiers side by side (an
// aggregating gateway: its beds, each with its EUI-64 or its bed label in
// OBX-18, under one MSH-3) has a stream per bed from then on, see bedsOf.
// Streams idle for longer than IdleEvict are dropped (swept every
// IdleEvict/4). A connection whose messages made MaxPerSource streams makes
// room among its own for another (room): one device naming a new identity in
// every message (a forger, or a fault) churns its own streams, never another
// connection's monitors. At MaxMonitors so does a connection that holds any;
// one that holds none takes room from the connections that hold the most.
// Making room thus looks at most at MaxPerSource streams but for a
// connection's first stream at MaxMonitors.
// A stream found idle for longer than IdleEvict is replaced by a new one
// even if no sweep has dropped it yet: offline (hl7gate check), files each
// start at their own first arrival, so the engine's clock goes back between
// them and a sweep due on the latest clock may never come for an earlier
// file's monitor; a monitor silent that long starts afresh there as it does
// in the gateway.
func (e *Engine) stream(conn, src netip.Addr, app, fac []byte, m *hl7.Message, now time.Time) (*stream, bool) {
	key := streamKey(e.seed, src, app, fac)
	dev := key
	if len(app) == 0 && len(fac) == 0 && src == conn {
		dev = 1
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	idle := e.cfg.State.IdleEvict
	if now.After(e.nextSweep) {
		e.nextSweep = now.Add(idle / 4)
		for k, h := range e.streams {
			if now.Sub(h.s.seen()) > idle {
				e.park(k, h)
				e.drop(k)
			}
		}
		for k, p := range e.parked {
			if now.UnixNano()-p.seen > replayHorizon.Nanoseconds() {
				e.dropParked(k)
			}
		}
		for a, so := range e.sources {
			if now.UnixNano()-so.seen > idle.Nanoseconds() && so.empty() {
				delete(e.sources, a)
			}
		}
	}
	so, ok := e.sources[conn]
	switch {
	case !ok:
		if len(e.sources) >= 3*e.cfg.State.MaxMonitors {
			e.forgetEmptySources()
		}
		so = &source{}
		e.sources[conn] = so
	case now.UnixNano()-so.seen > idle.Nanoseconds():
		*so = source{keys: so.keys, parked: so.parked} // the connection starts afresh; what its messages made stays counted
	}
	so.seen = now.UnixNano()
	h, ok := e.streams[key]
	if e.bedsOf(so, key, h.s, now) {
		if id := messageEquip(m); id != nil {
			so.dev.forget(dev) // the gateway itself is no device of the connection: its beds are
			key = bedKey(key, maphash.Bytes(e.seed, id)|1)
			dev = key
			h, ok = e.streams[key]
		}
	}
	switched := so.dev.see(dev, now.UnixNano())
	if ok {
		if now.Sub(h.s.seen()) <= idle {
			if !h.settled && now.UnixNano()-h.made >= settledAfter.Nanoseconds() {
				h.settled = true
				e.streams[key] = h
			}
			return h.s, switched
		}
		e.park(key, h)
		e.drop(key) // idle too long: the monitor starts afresh
	}
	switch {
	case len(so.keys) >= e.cfg.State.MaxPerSource, len(e.streams) >= e.cfg.State.MaxMonitors && len(so.keys) > 0:
		e.drop(e.room(so.keys))
	case len(e.streams) >= e.cfg.State.MaxMonitors:
		e.drop(e.room(nil))
	}
	s := newStream(&e.cfg)
	s.born, e.made = e.made, e.made+1
	s.vendor = e.t.vendorOf(app)
	s.baseNeonatal = configured(&e.cfg.Neonatal, e.neoNets, src, app)
	s.basePaediatric = configured(&e.cfg.Paediatric, e.paedNets, src, app)
	s.classify(s.baseNeonatal, s.basePaediatric, e.profile)
	s.lastSeen.Store(now.UnixNano())
	e.unpark(key, s, now)
	e.keep(key, held{s: s, so: so, made: now.UnixNano()})
	return s, switched
}

// forgetEmptySources drops the records of connections that hold no stream
// and no parked history, idle or not: a connection whose streams all made
// room at MaxMonitors, or (offline) whose devices' streams another made. At
// most 2 × MaxMonitors records hold something, so the records stay bounded
// by 3 × MaxMonitors however many addresses send within IdleEvict (each
// record is about 600 B), and each drop is paid for by MaxMonitors new
// records. A connection whose record went loses only its device switcher
// (connDevices) and its gateways' list.
func (e *Engine) forgetEmptySources() {
	for a, so := range e.sources {
		if so.empty() {
			delete(e.sources, a)
		}
	}
}

// keep makes h the stream of key, counted among its connection's.
func (e *Engine) keep(key uint64, h held) {
	e.streams[key] = h
	h.so.keys = append(h.so.keys, key)
}

// drop forgets the stream of key, and its place among its connection's.
func (e *Engine) drop(key uint64) {
	h, ok := e.streams[key]
	if !ok {
		return
	}
	delete(e.streams, key)
	if i := slices.Index(h.so.keys, key); i >= 0 {
		h.so.keys = slices.Delete(h.so.keys, i, i+1)
	}
}

// room returns the key of the stream to drop to make room among keys (nil:
// among the streams of the connections that hold the most, see most): of
// the streams not settled, if any, the least recently seen, else the least
// recently seen of all; of several seen last at the same instant the one
// made first (not the map's iteration order: the same input gives the same
// findings). So a burst of identities made up by one device goes before any
// monitor that has been talking for a minute, and connections that each
// hold a few monitors never lose one to connections that made up more
// identities.
func (e *Engine) room(keys []uint64) uint64 {
	var (
		pick    uint64
		settled bool
		at      int64
		born    uint32
		first   = true
	)
	offer := func(k uint64, h held) {
		st, t, b := h.settled, h.s.lastSeen.Load(), h.s.born-e.made
		if first || !st && settled || st == settled && (t < at || t == at && b < born) {
			pick, settled, at, born, first = k, st, t, b, false
		}
	}
	if keys == nil {
		most := e.most()
		for k, h := range e.streams {
			if len(h.so.keys) == most {
				offer(k, h)
			}
		}
	}
	for _, k := range keys {
		offer(k, e.streams[k])
	}
	return pick
}

// most returns the most streams that one connection's messages made and
// the Engine holds.
func (e *Engine) most() int {
	n := 0
	for _, so := range e.sources {
		n = max(n, len(so.keys))
	}
	return n
}

// unpark gives s, the stream of key from now, the near-replay history
// parked for key (park), if its monitor was last seen within replayHorizon.
// s is new, or locked here: a stream moved to a bed (bedsOf) may be in use.
func (e *Engine) unpark(key uint64, s *stream, now time.Time) {
	p, ok := e.dropParked(key)
	if !ok {
		return
	}
	if d := now.UnixNano() - p.seen; d >= 0 && d <= replayHorizon.Nanoseconds() {
		s.mu.Lock()
		s.replay = *p.rs
		s.seq, s.hseq = p.seq, p.hseq
		s.rrGrid = p.grid
		s.mu.Unlock()
	}
}

// bedsOf reports whether the device of stream key (s, nil when none) on the
// connection so carries several equipment identifiers (beds). Its stream says so once
// (stream.beds) after a message whose identifier came back while another
// was new; the stream then becomes the bed of that identifier, keeping
// what it learned, and every later message of the device that names an
// identifier goes to that bed's stream (messages naming none stay with the
// device's key). So each bed is judged alone from the device's fifth message
// or so on, and a forger cannot wipe a monitor's past by sending one message
// under another identifier: it only starts a bed of its own.
//
// A connection may carry several such devices (two gateways behind one
// address): so keeps up to connMax of them, the latest found last. A bed
// that already has a live stream (its device was found before, then
// forgotten: the source dropped idle, or pushed out by connMax others)
// keeps it; the device's stream, read mixed for a few messages, is dropped.
// Otherwise the stream takes the near-replay history parked for the bed
// (its beds were dropped idle with the connection, and it came back), as
// a bed's new stream would (unpark).
func (e *Engine) bedsOf(so *source, key uint64, s *stream, now time.Time) bool {
	if slices.Contains(so.beds, key) {
		return true
	}
	if s == nil || s.beds.Load() == 0 {
		return false
	}
	cur := s.beds.Swap(0)
	if len(so.beds) == connMax {
		so.beds = slices.Delete(so.beds, 0, 1)
	}
	so.beds = append(so.beds, key)
	h := e.streams[key]
	e.drop(key)
	bk := bedKey(key, cur)
	if old, ok := e.streams[bk]; !ok || now.Sub(old.s.seen()) > e.cfg.State.IdleEvict {
		if ok {
			e.park(bk, old)
			e.drop(bk)
		}
		e.keep(bk, h)
		e.unpark(bk, s, now)
	}
	return true
}

// bedKey returns the stream key of the bed with equipment identifier hash
// id (the switcher's) behind the device of stream key.
func bedKey(key, id uint64) uint64 {
	return maphash.Comparable(bedSeed, [2]uint64{key, id})
}

// bedSeed hashes bed keys; any seed serves, the keys it mixes are hashes
// with the Engine's random seed already.
var bedSeed = maphash.MakeSeed()

// messageEquip returns the equipment identity of m's rows (equipment), or
// nil.
func messageEquip(m *hl7.Message) []byte {
	var q equipment
	d := m.Delimiters()
	j := 0
	for i := range m.NumSegments() {
		if seg := m.Segment(i); string(seg.Name()) == "OBX" {
			if !q.looking() {
				break
			}
			q.see(m, seg.Field(18).Bytes(), d, i, j)
			j++
		}
	}
	return q.id
}

// park keeps the near-replay history of h, the stream of key dropped for
// being idle, for its monitor's return within replayHorizon of when it was
// last seen: a monitor silent through a transport (the patient to CT and
// back, 15 min to 2 h) starts afresh in every other check, but a replay of
// values it sent before the silence is still one, and so is a control ID
// its counter passed before it (the counters, 128 B, are parked too). At
// most MaxMonitors histories are parked (7.9 KiB each, see replayState), dropped
// replayHorizon after their monitor was last seen; a stream dropped to make
// room (Engine.room) is not parked, nor one that never settled (identities
// named for less than settledAfter have no history worth keeping, and a
// device making them up cannot fill the parking with them), nor more than
// MaxPerSource for one connection's streams (nor can identities it keeps
// talking for a minute fill it).
func (e *Engine) park(key uint64, h held) {
	if len(e.parked) >= e.cfg.State.MaxMonitors || !h.settled || h.so.parked >= e.cfg.State.MaxPerSource {
		return
	}
	s := h.s
	s.mu.Lock()
	rs := new(replayState)
	*rs = s.replay
	p := parkedReplay{seen: s.lastSeen.Load(), rs: rs, seq: s.seq, hseq: s.hseq, grid: s.rrGrid, so: h.so}
	s.mu.Unlock()
	e.parked[key] = p
	h.so.parked++
}

// dropParked forgets the history parked for key, if any, and returns it.
func (e *Engine) dropParked(key uint64) (parkedReplay, bool) {
	p, ok := e.parked[key]
	if ok {
		delete(e.parked, key)
		p.so.parked--
	}
	return p, ok
}

// streamKey returns the hash of a device's source address, MSH-3 and
// MSH-4 (a 0 byte between them), the key of its stream. The usual short
// names are hashed from a copy on the stack in one call, which costs less
// than a maphash.Hash's writes and gives the same hash.
func streamKey(seed maphash.Seed, src netip.Addr, app, fac []byte) uint64 {
	a16 := src.As16()
	var b [80]byte
	if len(a16)+len(app)+1+len(fac) > len(b) {
		var h maphash.Hash
		h.SetSeed(seed)
		h.Write(a16[:])
		h.Write(app)
		h.WriteByte(0)
		h.Write(fac)
		return h.Sum64()
	}
	n := copy(b[:], a16[:])
	n += copy(b[n:], app)
	b[n] = 0
	n++
	n += copy(b[n:], fac)
	return maphash.Bytes(seed, b[:n])
}

// emitter carries what every finding of one message shares.
type emitter struct {
	e       *Engine
	s       *stream
	arrival time.Time
	skew    time.Duration // how far the arrival clock lies behind the system clock (ObserveSteady)
	src     netip.Addr
	m       *hl7.Message
	msgTime time.Time

	equip equipment // the message's equipment identity (OBX-18)
	// other: the message names another equipment identity than the
	// stream's established one (a gateway's other bed before its stream
	// is split off, a device's replacement not yet adopted): its rows'
	// observation times are another clock's (stream.identity, timing).
	other bool

	obsRaw  []byte    // the last OBX-14 parsed, and its time: rows of one message
	obsTime time.Time // usually share it

	// pulse2 is the message's second pulse-rate row (an arterial line's
	// MDC_BLD_PULS_RATE_INV beside the oximeter's rate), in the base unit;
	// 0 when none (see pulseWitness). Rows are counted by their place: a
	// first row not measured (a placeholder) leaves the second the second
	// (pulseRows: the message's pulse-rate rows read so far; review36).
	pulse2    float64
	pulseRows uint8

	cls classNow // what the message's located PV1-3 did to the patient's class (locatedClass, settleClass)

	// rrHigh is the message's breathing rate above its range (base unit; 0
	// when none), its segment and OBX-14 time: judged against the heart
	// rate once the message is read (rrAtHeart).
	rrHigh    float64
	rrHighSeg int
	rrHighAt  time.Time

	// A trend batch in one message (trendRow): the OBX-14 of its first
	// minute (Unix ns; 0 until a continuous channel's timed row is read)
	// and the later minutes' rows.
	minute0 int64
	nLater  uint8
	later   [trendRows]trendRow
}

// outOfRange reports p's value v (base unit) of segment seg outside its
// class's range, th the limit it crossed: range's finding, wherever it is
// judged (obx, or rrAtHeart for a breathing rate held at the heart's rate).
func (em *emitter) outOfRange(dst []Finding, p param, seg int, at time.Time, v, th float64) []Finding {
	if !em.on(rRange) {
		return dst
	}
	return em.add(dst, rRange, p, seg, at, v, 0, th, "", "value outside the possible range for the profile")
}

// obsTimeOf parses an OBX-14 value (without a UTC offset: in the configured time zone, as MSH-7),
// reusing the previous row's result, or the stream's last (heldTime), when the text is the same.
// Unreadable gives the zero time (the message time applies).
func (em *emitter) obsTimeOf(raw []byte) time.Time {
	if len(raw) == 0 {
		return time.Time{}
	}
	if !bytes.Equal(raw, em.obsRaw) {
		em.obsRaw = raw
		em.obsTime = em.s.held14.parse(raw, em.e.loc)
	}
	return em.obsTime
}

// heldTime is the last OBX-14 text a stream parsed (up to its length) and
// its time: a cuff's reading, and its time, come back unchanged in message
// after message until the next measurement, so the text is parsed once.
type heldTime struct {
	raw [24]byte
	n   uint8 // raw[:n] is the text; 0: none
	// batches: the device sent a trend batch (later minutes, see minutes)
	// among its stream's first learnIDs messages. Kept here, in padding:
	// the stream stays in its size class (TestStreamSizeClass).
	batches bool
	t       time.Time
}

// parse returns raw (not empty) parsed as an OBX-14 time in loc, the
// Engine's zone, as obsTimeOf does.
func (h *heldTime) parse(raw []byte, loc *time.Location) time.Time {
	if int(h.n) == len(raw) && string(h.raw[:h.n]) == string(raw) {
		return h.t
	}
	t, _ := hl7.ParseTimeIn(raw, loc)
	if len(raw) <= len(h.raw) {
		h.n, h.t = uint8(copy(h.raw[:], raw)), t
	}
	return t
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
	sev := set.severity
	if p < numParams && set.severityFor[p] != 0 {
		sev = set.severityFor[p]
	}
	f := Finding{
		Rule: ruleInfo[r].name, Severity: sev, Kind: kind,
		Source: em.src, SendingApplication: string(em.m.SendingApplication()),
		SendingFacility: string(em.m.SendingFacility()), Equipment: string(em.equip.id),
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
