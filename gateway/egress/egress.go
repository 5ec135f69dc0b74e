// Package egress records the monitor segment's attempts to reach anything but hl7gate: TCP connections the
// nftables rules redirect to the sinkhole listener and packets they log to an NFLOG group. Attempts are
// aggregated per (monitor, protocol, destination, port) in the store; each new pair is an event and one log
// line, later attempts are summed up in one line per summary interval. Payload bytes are never kept. Each
// attempt carries the verdict of the rule that logged it (firewall.ParsePrefix), never egress.learn, so that
// no record says more than the kernel did.
//
//	rec, err := egress.New(cfg, log, st, registry) // cfg validated, egress.enabled on
//	if err := rec.Start(ctx); err != nil { ... }   // binds the sinkhole and the NFLOG socket
//	defer rec.Close()                              // stops, logs the last summary
package egress

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
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

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/gateway/firewall"
	"github.com/hl7gate/hl7gate/gateway/intercept"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/inventory"
)

// Sinkhole bounds: a redirected connection is held only long enough to read its first bytes.
const (
	sinkholePeek     = time.Second // how long the sinkhole waits for a connection's first bytes
	sinkholeMaxConns = 256         // connections peeked at once; beyond it they are recorded unpeeked
	newPairLogBurst  = 20          // new pairs logged one line each per summary interval; the rest are counted
	summaryMaxPairs  = 10          // pairs named in one summary line; the rest are only counted
	summaryMaxExport = 100         // pairs exported one event each per summary; the rest in one event
)

// errPacketLost is wrapped by packetReader.read when NFLOG messages were lost or malformed; reading goes on.
var errPacketLost = errors.New("nflog: messages lost or malformed")

// packetReader is the NFLOG socket: nflog.Conn on Linux.
type packetReader interface {
	read(ctx context.Context) (packet, error)
	Close() error
}

// Recorder is the egress recorder: the sinkhole listener, the NFLOG reader and the summary loop.
type Recorder struct {
	cfg         config.EgressConfig
	monitorNets []netip.Prefix
	watchlist   atomic.Pointer[[]netip.Prefix] // firewall.DefaultWatchlist plus egress.watchlist; SetWatchlist swaps it
	store       *store.Store
	log         zerolog.Logger
	attempts    *prometheus.CounterVec // protocol, watchlist
	export      *export.Exporter       // nil: events go to the store and the log only

	sink  net.Listener  // nil until bound
	nfc   packetReader  // nil when egress.nflog_group is 0
	slots chan struct{} // sinkhole connections being peeked at

	ctx     context.Context // cancelled by Close: ends the summary loop and every peek
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closing atomic.Bool
	closed  sync.Once

	mu       sync.Mutex
	changed  map[string]*pairDelta // attempts on known pairs since the last summary
	newPairs int                   // new pairs since the last summary
	lost     uint64                // NFLOG messages lost or malformed since the last summary
}

// attempt is one attempt to cross the segment boundary, as the sinkhole or NFLOG saw it: from a monitor to
// peer, or, inbound (protocol "inbound-..."), from peer to a monitor.
type attempt struct {
	monitor      netip.Addr // the monitor that sent it, or that inbound traffic was aimed at
	protocol     string     // "tcp", "udp", "icmp", ...; "inbound-" first for traffic toward a monitor
	peer         netip.Addr // the other end: the destination, or the sender of inbound traffic
	port         uint16     // the destination port: the peer's, or for inbound traffic the monitor's
	verdict      firewall.Verdict
	watchlist    bool // logged by a watchlist rule
	looksLikeHL7 bool
}

// inbound reports whether a was sent toward a monitor rather than by one.
func (a attempt) inbound() bool { return strings.HasPrefix(a.protocol, "inbound-") }

// endpoints are a's source and destination as the packet had them: the sender first, the destination with
// its port. The sender's port is left out (ephemeral; a pair aggregates many).
func (a attempt) endpoints() (src netip.Addr, dst netip.AddrPort) {
	if a.inbound() {
		return a.peer, netip.AddrPortFrom(a.monitor, a.port)
	}
	return a.monitor, netip.AddrPortFrom(a.peer, a.port)
}

// String says what a was, for events: "udp to 203.0.113.9 port 53", "inbound-tcp from 203.0.113.9 to port 22".
func (a attempt) String() string {
	if a.inbound() {
		return fmt.Sprintf("%s from %s to port %d", a.protocol, a.peer, a.port)
	}
	return fmt.Sprintf("%s to %s port %d", a.protocol, a.peer, a.port)
}

// pairDelta is a known pair's attempts under one verdict since the last summary, with what the first of them
// found.
type pairDelta struct {
	a              attempt
	n              uint64
	watch          bool
	app, equipment string
}

// New builds the recorder for cfg, whose egress section must be on; it checks the whole of cfg. Its counter
// hl7gate_egress_attempts_total is registered with reg.
func New(cfg config.Config, log zerolog.Logger, st *store.Store, reg prometheus.Registerer) (*Recorder, error) {
	spec, err := cfg.FirewallSpec()
	if err != nil {
		return nil, err
	}
	attempts := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hl7gate_egress_attempts_total", Help: "Recorded attempts to cross the monitor segment's boundary, by protocol and watchlist match.",
	}, []string{"protocol", "watchlist"})
	if err := reg.Register(attempts); err != nil {
		return nil, fmt.Errorf("egress: %w", err)
	}
	e := &Recorder{
		cfg:         cfg.Egress,
		monitorNets: spec.MonitorNets,
		store:       st,
		log:         log.With().Str("component", "egress").Logger(),
		attempts:    attempts,
		slots:       make(chan struct{}, sinkholeMaxConns),
		changed:     map[string]*pairDelta{},
	}
	e.SetWatchlist(spec.Watchlist)
	e.ctx, e.cancel = context.WithCancel(context.Background())
	return e, nil
}

// SetWatchlist replaces the destinations egress.watchlist adds to the built-in watchlist (a configuration
// reload); attempts recorded from here on are checked against it.
func (e *Recorder) SetWatchlist(extra []netip.Prefix) {
	wl := append(firewall.DefaultWatchlist(), extra...)
	e.watchlist.Store(&wl)
}

// record adds one attempt to its pair's aggregate; a new pair becomes an event and a log line.
func (e *Recorder) record(a attempt) {
	now := time.Now()
	watch := a.watchlist || containsAddr(*e.watchlist.Load(), a.peer)
	severity := "warning"
	if watch {
		severity = "critical"
	}
	app, equipment := e.identify(a.monitor)
	key := store.EgressKey(a.monitor, a.protocol, a.peer, a.port)
	src, dst := a.endpoints()
	pair := store.Egress{
		Key: key, Monitor: a.monitor.String(), SendingApplication: app, Equipment: equipment,
		Destination: dst.Addr().String(), Protocol: a.protocol, Port: a.port, Count: 1, FirstSeen: now, LastSeen: now,
		Watchlist: watch, LooksLikeHL7: a.looksLikeHL7, Severity: severity,
	}
	if a.inbound() {
		pair.Source = src.String()
	}
	got, isNew := e.store.RecordEgress(pair)
	e.attempts.WithLabelValues(a.protocol, strconv.FormatBool(watch)).Inc()
	key = got.Key // store.OverflowKey once the store holds as many pairs as it may: bounded here too
	if !isNew {
		key += "|" + strconv.Itoa(int(a.verdict)) // repeats under another verdict (the rules changed) apart
		e.mu.Lock()
		if d := e.changed[key]; d != nil {
			d.n++
		} else {
			e.changed[key] = &pairDelta{a: a, n: 1, watch: watch, app: app, equipment: equipment}
		}
		e.mu.Unlock()
		return
	}
	e.store.AddEvent(store.Event{Time: now, Kind: store.KindEgress, Severity: severity, Source: a.monitor.String(),
		SendingApp: app, Equipment: equipment, Reason: verdictText(a.verdict) + ": " + a.String()})
	if e.export != nil {
		e.export.Send(exportEvent(now, a, watch, app, equipment))
	}
	e.mu.Lock()
	e.newPairs++
	quiet := e.newPairs > newPairLogBurst
	e.mu.Unlock()
	if quiet {
		return // counted in the next summary; the event is in the store
	}
	level := zerolog.WarnLevel
	if watch {
		level = zerolog.ErrorLevel
	}
	ev := e.log.WithLevel(level).Str("monitor", a.monitor.String())
	if a.inbound() {
		ev = ev.Str("source", src.String())
	}
	ev.Str("destination", dst.Addr().String()).Str("protocol", a.protocol).Uint16("port", a.port).Bool("watchlist", watch).
		Bool("looks_like_hl7", a.looksLikeHL7).Str("severity", severity).Str("verdict", verdictText(a.verdict)).
		Msg("new egress attempt")
}

// verdictText is what the rules did with an attempt, as the rule that logged it says (the NFLOG prefix) or
// the sinkhole knows (it resets every connection): never what the configuration says now, which a reload
// may have changed before or after the rules were applied.
func verdictText(v firewall.Verdict) string {
	switch v {
	case firewall.Dropped:
		return "blocked"
	case firewall.Accepted:
		return "allowed (learning mode)"
	}
	return "verdict unknown (rules applied by an older hl7gate: apply them again)"
}

// exportAction is verdictText's act= for the SOC.
func exportAction(v firewall.Verdict) string {
	switch v {
	case firewall.Dropped:
		return "blocked"
	case firewall.Accepted:
		return "allowed"
	}
	return "unknown"
}

// ExportTo makes the recorder send each new (monitor, destination) pair to x as an egress_attempt
// event, and the repeats on known pairs as one summary event per pair and summary interval (see
// exportRepeats). Call it before Start.
func (e *Recorder) ExportTo(x *export.Exporter) { e.export = x }

// exportEvent is the export event of a new pair: the first attempt of a monitor toward a destination, or of
// a sender toward a monitor (src the sender, dst and dpt the monitor and its port; proto "INBOUND-...").
func exportEvent(now time.Time, a attempt, watch bool, app, equipment string) export.Event {
	src, dst := a.endpoints()
	ev := export.Event{Kind: export.KindEgressAttempt, Time: now, Src: netip.AddrPortFrom(src, 0), Dst: dst,
		Proto: strings.ToUpper(a.protocol), Action: exportAction(a.verdict), Count: 1,
		Device: export.Device{ID: deviceID(app, equipment)}}
	if a.verdict != firewall.Dropped {
		ev.Detail = verdictText(a.verdict)
	}
	if watch {
		ev.Severity, ev.Rule = 10, "watchlist"
	}
	if a.looksLikeHL7 {
		ev.Detail = strings.TrimPrefix(ev.Detail+"; looks like HL7", "; ")
	}
	return ev
}

// deviceID is the inventory key (inventory.Identity.Key: the EUI-64, else OBX-18.1, else MSH-3.1) of the
// device whose first message had MSH-3 app and OBX-18 equipment, the raw fields the store keeps. So an
// egress event names the device as the watchlist, policy and vital-sign events do, and the SOC can
// correlate them. The fields are read through the same code as the inventory's, from a message made of them.
func deviceID(app, equipment string) string {
	if app == "" && equipment == "" {
		return ""
	}
	m, err := hl7.Parse([]byte("MSH|^~\\&|" + app + "||||||ORU^R01|X\rOBX|1" + strings.Repeat("|", 17) + equipment + "\r"))
	if err != nil {
		return ""
	}
	id := inventory.Extract(m)
	return id.Key()
}

// identify returns the sending application and equipment id the monitor at addr announced, if any.
func (e *Recorder) identify(addr netip.Addr) (app, equipment string) {
	src := addr.String()
	for _, m := range e.store.Monitors() {
		if m.Source == src && (m.SendingApplication != "" || m.Equipment != "") {
			return m.SendingApplication, m.Equipment
		}
	}
	return "", ""
}

// summarize logs one line with the attempts on known pairs since the last call, naming the busiest pairs;
// nothing when there were none.
func (e *Recorder) summarize() {
	e.mu.Lock()
	changed, lost, newPairs := e.changed, e.lost, e.newPairs
	e.changed, e.lost, e.newPairs = map[string]*pairDelta{}, 0, 0
	e.mu.Unlock()
	if len(changed) == 0 && lost == 0 && newPairs <= newPairLogBurst {
		return
	}
	pairs := make([]*pairDelta, 0, len(changed))
	var total uint64
	for _, d := range changed {
		pairs = append(pairs, d)
		total += d.n
	}
	slices.SortFunc(pairs, func(x, y *pairDelta) int {
		return cmp.Or(cmp.Compare(y.n, x.n), x.a.monitor.Compare(y.a.monitor), x.a.peer.Compare(y.a.peer),
			cmp.Compare(x.a.protocol, y.a.protocol), cmp.Compare(x.a.port, y.a.port), cmp.Compare(x.a.verdict, y.a.verdict))
	})
	now := time.Now()
	e.storeRepeats(now, pairs)
	e.exportRepeats(now, pairs)
	arr := zerolog.Arr()
	for _, d := range pairs[:min(len(pairs), summaryMaxPairs)] {
		src, dst := d.a.endpoints()
		arr.Dict(zerolog.Dict().Str("monitor", d.a.monitor.String()).Str("source", src.String()).
			Str("destination", dst.Addr().String()).Str("protocol", d.a.protocol).Uint16("port", d.a.port).
			Str("verdict", verdictText(d.a.verdict)).Uint64("attempts", d.n))
	}
	e.log.Info().Int("new_pairs", newPairs).Int("new_pairs_not_logged", max(newPairs-newPairLogBurst, 0)).
		Int("pairs", len(pairs)).Uint64("attempts", total).Array("busiest", arr).
		Int("pairs_not_named", max(len(pairs)-summaryMaxPairs, 0)).Uint64("nflog_lost", lost).Msg("egress summary")
}

// storeRepeats records the attempts on known pairs since the last summary as events (kind egress, reason
// "repeated ...", Count the attempts), one per pair for at most summaryMaxExport pairs, busiest first: the
// journal, and so an incident's evidence bundle, then shows how often a device kept trying, at one event
// per pair and summary interval.
func (e *Recorder) storeRepeats(now time.Time, pairs []*pairDelta) {
	for _, d := range pairs[:min(len(pairs), summaryMaxExport)] {
		severity := "warning"
		if d.watch {
			severity = "critical"
		}
		e.store.AddEvent(store.Event{Time: now, Kind: store.KindEgress, Severity: severity, Source: d.a.monitor.String(),
			SendingApp: d.app, Equipment: d.equipment, Count: d.n,
			Reason: fmt.Sprintf("%s: repeated, %s, %d attempts since the last summary", verdictText(d.a.verdict), d.a, d.n)})
	}
}

// exportRepeats exports the attempts on known pairs since the last summary, busiest first: one
// egress_attempt event per pair (reason "repeated", cnt the attempts), for at most summaryMaxExport
// pairs; the attempts on the pairs beyond are summed up in one more event without addresses or act. So a
// monitor that retries a blocked destination all day costs the SOC one line per summary interval.
func (e *Recorder) exportRepeats(now time.Time, pairs []*pairDelta) {
	if e.export == nil || len(pairs) == 0 {
		return
	}
	detail := "repeats since the last summary (egress.summary_interval " + e.cfg.SummaryInterval.String() + ")"
	for _, d := range pairs[:min(len(pairs), summaryMaxExport)] {
		ev := exportEvent(now, d.a, d.watch, d.app, d.equipment)
		ev.Count, ev.Reason = int64(d.n), "repeated"
		ev.Detail = strings.TrimPrefix(ev.Detail+"; "+detail, "; ")
		e.export.Send(ev)
	}
	if len(pairs) <= summaryMaxExport {
		return
	}
	var rest uint64
	for _, d := range pairs[summaryMaxExport:] {
		rest += d.n
	}
	e.export.Send(export.Event{Kind: export.KindEgressAttempt, Time: now, Reason: "repeated",
		Count: int64(rest), Detail: fmt.Sprintf("%d more pairs, not named (at most %d per summary); %s",
			len(pairs)-summaryMaxExport, summaryMaxExport, detail)})
}

// packet is what the egress recorder keeps of one NFLOG-logged packet (see package nflog): headers only.
type packet struct {
	prefix   string
	protocol uint8
	src, dst netip.Addr
	dstPort  uint16
}

// classify turns a logged packet into an attempt: from the monitor side (egress, watchlist, input), toward
// a monitor (inbound), or routed or sent by the host, told apart by the monitor networks. Its verdict is
// the one the logging rule names in the prefix. Packets logged under a prefix that is not hl7gate's are
// ignored.
func (e *Recorder) classify(p packet) (attempt, bool) {
	class, verdict, ok := firewall.ParsePrefix(p.prefix)
	if !ok {
		return attempt{}, false
	}
	a := attempt{monitor: p.src, protocol: protocolName(p.protocol), peer: p.dst, port: p.dstPort, verdict: verdict}
	switch class {
	case firewall.PrefixWatchlist:
		a.watchlist = true
	case firewall.PrefixInbound:
		a.monitor, a.peer, a.protocol = p.dst, p.src, "inbound-"+a.protocol
	case firewall.PrefixForward, firewall.PrefixOutput:
		if containsAddr(e.monitorNets, p.dst) && !containsAddr(e.monitorNets, p.src) {
			a.monitor, a.peer, a.protocol = p.dst, p.src, "inbound-"+a.protocol
		}
	}
	return a, true
}

// protocolName names an IP protocol number for events and metric labels.
func protocolName(p uint8) string {
	switch p {
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 33:
		return "dccp"
	case 47:
		return "gre"
	case 50:
		return "esp"
	case 58:
		return "icmpv6"
	case 132:
		return "sctp"
	case 136:
		return "udplite"
	}
	return "ip-" + strconv.Itoa(int(p))
}

// looksLikeHL7 reports whether a connection's first bytes are an MLLP start block or an HL7 v2 header
// segment. Only this flag is kept, never the bytes.
func looksLikeHL7(b []byte) bool {
	if len(b) > 0 && b[0] == 0x0B {
		return true
	}
	return len(b) >= 4 && (bytes.HasPrefix(b, []byte("MSH|")) || bytes.HasPrefix(b, []byte("FHS|")) ||
		bytes.HasPrefix(b, []byte("BHS|")))
}

// Start binds the sinkhole listener and opens the NFLOG socket (when egress.nflog_group is set), then
// starts recording. On error nothing is left open.
func (e *Recorder) Start(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", e.cfg.Sinkhole)
	if err != nil {
		return fmt.Errorf("egress sinkhole: %w", err)
	}
	e.sink = ln
	if e.cfg.NFLOGGroup != 0 {
		c, err := openNFLOG(e.cfg.NFLOGGroup)
		if err != nil {
			ln.Close()
			return fmt.Errorf("egress nflog group %d: %w", e.cfg.NFLOGGroup, err)
		}
		e.nfc = c
	}
	e.wg.Add(2)
	go e.sinkholeLoop()
	go e.summaryLoop()
	if e.nfc != nil {
		e.wg.Add(1)
		go e.nflogLoop()
	}
	return nil
}

// SinkholeAddr returns the bound sinkhole address, or nil before Start.
func (e *Recorder) SinkholeAddr() net.Addr {
	if e.sink == nil {
		return nil
	}
	return e.sink.Addr()
}

// Close closes the sinkhole listener and the NFLOG socket, cuts short the connections being peeked at,
// waits for its goroutines and logs the last summary. It may be called more than once, and without Start.
func (e *Recorder) Close() {
	e.closed.Do(func() {
		e.closing.Store(true)
		if e.sink != nil {
			e.sink.Close()
		}
		if e.nfc != nil {
			e.nfc.Close()
		}
		e.cancel()
		e.wg.Wait()
	})
}

func (e *Recorder) summaryLoop() {
	defer e.wg.Done()
	t := time.NewTicker(e.cfg.SummaryInterval)
	defer t.Stop()
	for {
		select {
		case <-e.ctx.Done():
			e.summarize()
			return
		case <-t.C:
			e.summarize()
		}
	}
}

// sinkholeLoop accepts the redirected connections until the listener closes, backing off on temporary
// errors as the relay's accept loop does.
func (e *Recorder) sinkholeLoop() {
	defer e.wg.Done()
	for {
		c, ok := intercept.Accept(e.sink, e.closing.Load, func(err error, in time.Duration) {
			e.log.Warn().Err(err).Dur("retry_in", in).Msg("sinkhole accept failed")
		})
		if !ok {
			return
		}
		select {
		case e.slots <- struct{}{}:
			e.wg.Add(1)
			go e.sinkhole(c, true)
		default: // full: record it without waiting for its first bytes
			e.sinkhole(c, false)
		}
	}
}

// sinkhole records one redirected connection: its source, original destination and, when peek is set,
// whether its first bytes look like HL7. Then it resets the connection.
func (e *Recorder) sinkhole(c net.Conn, peek bool) {
	if peek {
		defer func() { <-e.slots; e.wg.Done() }()
	}
	defer func() {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // reset: no lingering state per attempt under a storm
		}
		c.Close()
	}()
	src := intercept.AddrOf(c.RemoteAddr())
	if !containsAddr(e.monitorNets, src) {
		return // not a monitor: the rules redirect only the monitor networks' connections here
	}
	dst, err := intercept.OriginalDst(c)
	if err != nil {
		e.log.Warn().Err(err).Msg("sinkhole: no original destination")
		return
	}
	a := attempt{monitor: src, protocol: "tcp", peer: dst.Addr(), port: dst.Port(), verdict: firewall.Dropped} // reset below
	if peek {
		stop := context.AfterFunc(e.ctx, func() { _ = c.SetReadDeadline(time.Now()) })
		_ = c.SetReadDeadline(time.Now().Add(sinkholePeek))
		var first [4]byte
		n, _ := io.ReadFull(c, first[:])
		stop()
		a.looksLikeHL7 = looksLikeHL7(first[:n])
	}
	e.record(a)
}

// nflogLoop records every packet the rules log until the socket closes. Lost and malformed messages are
// counted into the next summary.
func (e *Recorder) nflogLoop() {
	defer e.wg.Done()
	for {
		p, err := e.nfc.read(e.ctx)
		switch {
		case errors.Is(err, errPacketLost):
			e.mu.Lock()
			e.lost++
			e.mu.Unlock()
			continue
		case err != nil:
			if !e.closing.Load() {
				e.log.Error().Err(err).Msg("nflog reader stopped: packets are still dropped but no longer recorded")
			}
			return
		}
		if a, ok := e.classify(p); ok {
			e.record(a)
		}
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
