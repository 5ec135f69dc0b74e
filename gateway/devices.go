package gateway

import (
	"context"
	"net"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/policy/inventory"
)

// exportCloseTimeout bounds how long Shutdown waits for the export targets to take what is buffered.
const exportCloseTimeout = 5 * time.Second

// version is hl7gate's module version as the build recorded it ("(devel)" for a local build); it goes
// into exported events.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// newInventory builds the device inventory and its metrics, and the exporter with its metrics, from the
// validated configuration.
func (g *Gateway) newInventory() error {
	wl, err := inventory.NewWatchlist(g.cfg.Inventory.Watchlist)
	if err != nil {
		return err
	}
	g.inv = inventory.New(g.cfg.Inventory.MaxDevices, wl)
	for _, e := range wl.Entries() {
		// Each entry's series exists at 0 from the start, so that increase() sees the first hit.
		g.metrics.watchlistHits.WithLabelValues(e.Name)
	}
	g.metrics.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hl7gate_inventory_devices", Help: "Devices in the inventory.",
		}, func() float64 { return float64(g.inv.Stats().Devices) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hl7gate_inventory_evicted_total", Help: "Devices forgotten because the inventory was full (inventory.max_devices).",
		}, func() float64 { return float64(g.inv.Stats().Evicted) }),
	)
	if g.export, err = export.New(g.cfg.Export, version(), g.log.With().Str("component", "export").Logger()); err != nil {
		return err
	}
	g.metrics.reg.MustRegister(g.export)
	return nil
}

// Devices returns the device inventory, sorted by key.
func (g *Gateway) Devices() []inventory.Device { return g.inv.Devices() }

// closeExport flushes and closes the export targets.
func (g *Gateway) closeExport() {
	ctx, cancel := context.WithTimeout(context.Background(), exportCloseTimeout)
	defer cancel()
	if err := g.export.Close(ctx); err != nil {
		g.log.Warn().Err(err).Msg("export: events left unsent at shutdown")
	}
}

// deviceOf is the exported identity of a device: no patient data, only what names it.
func deviceOf(id *inventory.Identity) export.Device {
	fw := id.Firmware
	if fw == "" {
		fw = id.Software
	}
	return export.Device{ID: id.Key(), Manufacturer: id.Manufacturer, Model: id.Model, Firmware: fw}
}

// remoteAddrPort is a connection's remote address and port, the zero value when it has none.
func remoteAddrPort(remote net.Addr) netip.AddrPort {
	if a, ok := remote.(*net.TCPAddr); ok {
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// observe updates the connection's device identity from its message and files the message in the
// inventory; the first message that puts a device on the watchlist raises the hit. For a known device
// whose identity and message type did not change it does not allocate.
func (s *session) observe(now time.Time) {
	same := !s.ident.Update(&s.msg)
	typ, trig, _ := s.msg.MessageType()
	if !sameMessageType(s.msgType, typ, trig) {
		s.msgType = string(typ) + "^" + string(trig)
	}
	if hit := s.g.inv.ObserveNext(&s.invLast, &s.ident, same, inventory.Sighting{Time: now, Addr: s.src,
		Listener: s.l.cfg.Name, MessageType: s.msgType}); hit != nil {
		s.watchlistHit(now, hit)
	}
}

// sameMessageType reports whether have is typ^trig, without allocating.
func sameMessageType(have string, typ, trig []byte) bool {
	return len(have) == len(typ)+1+len(trig) && have[:len(typ)] == string(typ) && have[len(typ)] == '^' &&
		have[len(typ)+1:] == string(trig)
}

// watchlistHit raises the critical event of the session's device, which matched watchlist entry e.
// Observe reports it once per device.
func (s *session) watchlistHit(now time.Time, e *inventory.Entry) {
	d, _ := s.g.inv.Get(s.ident.Key())
	s.g.watchlistHit(now, &d, e, s.l.cfg.Name, s.src, s.remote, *s.logger())
}

// watchlistHit raises the critical event of device d, which matched watchlist entry e, last seen from src
// (remote: with its port, when known) on listener: a store event, a log line, hl7gate_watchlist_hits_total
// and an export event.
func (g *Gateway) watchlistHit(now time.Time, d *inventory.Device, e *inventory.Entry, listener string, src netip.Addr,
	remote netip.AddrPort, log zerolog.Logger) {
	dev := deviceOf(&d.Identity)
	adv := e.Advisories()
	g.metrics.watchlistHits.WithLabelValues(e.Name).Inc()
	g.store.AddEvent(store.Event{Time: now, Kind: store.KindWatchlist, Severity: "critical", Listener: listener,
		Source: src.String(), SendingApp: d.Identity.Sender, Equipment: d.Identity.Equipment, Rule: e.Name,
		Reason: "device on the vulnerable-model watchlist: " + describe(dev) + " (" + adv + ")"})
	log.Error().Str("severity", "critical").Str("device", dev.ID).Str("manufacturer", dev.Manufacturer).
		Str("model", dev.Model).Str("firmware", dev.Firmware).Str("watchlist", e.Name).Str("advisory", adv).
		Msg("device on the vulnerable-model watchlist")
	g.export.Send(export.Event{Kind: export.KindWatchlistHit, Time: now, Device: dev, Listener: listener,
		Src: remote, Action: "flagged", Rule: e.Name, Advisory: adv, Detail: e.Note})
}

// reconfigureInventory applies a reloaded inventory section: the new bound and watchlist, every known
// device checked again, and a watchlist hit raised for each device that now matches an entry it did not.
func (g *Gateway) reconfigureInventory(c config.InventoryConfig) error {
	wl, err := inventory.NewWatchlist(c.Watchlist)
	if err != nil {
		return err
	}
	for _, e := range wl.Entries() {
		g.metrics.watchlistHits.WithLabelValues(e.Name) // at 0 from the start, as in newInventory
	}
	now := time.Now()
	for _, d := range g.inv.Reconfigure(c.MaxDevices, wl) {
		var src netip.Addr
		var listener string
		if len(d.Addrs) > 0 {
			src = d.Addrs[len(d.Addrs)-1]
		}
		if len(d.Listeners) > 0 {
			listener = d.Listeners[len(d.Listeners)-1]
		}
		g.watchlistHit(now, &d, d.Watchlist, listener, src, netip.AddrPortFrom(src, 0), g.log)
	}
	return nil
}

// describe names a device by what is known of it, e.g. "Contec CMS8000 firmware CMS7.820.075.08".
func describe(d export.Device) string {
	var parts []string
	for _, p := range []struct{ label, v string }{{"", d.Manufacturer}, {"", d.Model}, {"firmware ", d.Firmware}} {
		if p.v != "" {
			parts = append(parts, p.label+p.v)
		}
	}
	if len(parts) == 0 {
		return d.ID
	}
	return strings.Join(parts, " ")
}

// exportRejection exports a message the gateway refused to pass: rule names the check (the policy
// check that dropped it, or the framing/parsing problem), text the reason. Delivery failures are no
// security event and are not exported.
func (s *session) exportRejection(now time.Time, rule, text string) {
	s.g.export.Send(export.Event{Kind: export.KindPolicyRejection, Time: now, Device: deviceOf(&s.ident),
		Listener: s.l.cfg.Name, Src: s.remote, Proto: "TCP", Action: "rejected", Rule: rule, Reason: text})
}

// exportFinding exports a vital-sign finding the policy chain reported: its rule, parameter and
// explanation, never the values (they are the patient's). A finding opens its episode (act=open); with
// vitals.state.report_close the notice that ends it is act=close, cnt the messages that showed it.
// Only when an export target has include_patient_data on does it carry whom and where (patientData);
// the targets without it leave that out.
func (s *session) exportFinding(now time.Time, f *policy.Finding) {
	e := export.Event{Kind: export.KindVitalsEpisode, Time: now, Severity: findingSeverity(f),
		Device: deviceOf(&s.ident), Listener: s.l.cfg.Name, Src: s.remote, Action: "open", Rule: f.Rule,
		Parameter: f.Parameter, Detail: f.Explanation}
	if f.Closed {
		e.Action, e.Count = "close", int64(f.Count)
	}
	if s.g.export.IncludesPatientData() {
		e.PatientData = patientData(&s.msg)
	}
	s.g.export.Send(e)
}

// patientData is what an operator who turns include_patient_data on gets on a vital-sign episode: the
// patient's identifier (PID-3, first repetition) and bed (PV1-3, assigned patient location), as the
// message has them (HL7 escapes not decoded), e.g. "PID-3=MRN12345^^^HOSP^MR PV1-3=ICU^BED1". A part the
// message lacks is left out. It goes only into the export event, never into a log, metric or stored event.
func patientData(m *hl7.Message) string {
	var parts []string
	if v, _ := m.Get("PID-3[1]"); len(v) > 0 {
		parts = append(parts, "PID-3="+string(v))
	}
	if v, _ := m.Get("PV1-3"); len(v) > 0 {
		parts = append(parts, "PV1-3="+string(v))
	}
	return strings.Join(parts, " ")
}

// findingSeverity maps a finding's configured severity to CEF: critical 9, warning 6, else 3.
func findingSeverity(f *policy.Finding) export.Severity {
	switch f.Severity.String() {
	case "critical":
		return 9
	case "warning":
		return 6
	}
	return 3
}

// exportRefused exports a connection a listener refused.
func (g *Gateway) exportRefused(l *listener, remote netip.AddrPort, reason string) {
	g.export.Send(export.Event{Kind: export.KindConnectionRefused, Time: time.Now(), Listener: l.cfg.Name,
		Src: remote, Proto: "TCP", Action: "refused", Reason: reason})
}

// exportHealth exports a station going up or down.
func (s *station) exportHealth(up bool, lastErr string) {
	e := export.Event{Kind: export.KindStationDown, Time: time.Now(), Station: s.cfg.Name, Action: "down", Reason: lastErr}
	if up {
		e.Kind, e.Action, e.Reason = export.KindStationUp, "up", ""
	}
	if ap, err := netip.ParseAddrPort(s.cfg.Address); err == nil {
		e.Dst = ap
	}
	s.export.Send(e)
}
