// Package export sends hl7gate's security events to a hospital SOC: as ArcSight CEF lines inside
// RFC 5424 syslog messages over TCP or TLS (RFC 6587 octet counting, RFC 5425), and as JSON to
// webhooks. docs/export.md describes every field with sample lines.
//
// An [Event] never carries patient data unless the gateway puts some in [Event.PatientData] and the
// operator turns on include_patient_data for a target; otherwise that field is never written anywhere.
//
// Typical use, wired by the gateway (cfg.Export is a [Config], decoded from the export: section):
//
//	x, err := export.New(cfg.Export, version, log) // validates; starts one sender per target
//	if err != nil { ... }
//	reg.MustRegister(x) // hl7gate_export_* metrics, labelled exporter="<target name>"
//	...
//	x.Send(export.Event{Kind: export.KindEgressAttempt, Time: now, Src: src, Dst: dst,
//		Proto: "TCP", Action: "blocked", Listener: "sinkhole", Count: 1}) // never blocks
//	...
//	u, err := x.Prepare(next.Export) // a reload: validates, starts the new targets' senders
//	if err != nil { ... }            // nothing changed
//	u.Commit(5 * time.Second)        // swap; unchanged targets keep their buffers, retired ones flush
//	...
//	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
//	defer cancel()
//	x.Close(ctx) // flushes what is buffered until ctx ends
//
// [NewSyslog] and [NewWebhook] make one sender each, with the same Send, Stats and Close.
package export

import (
	"net/netip"
	"time"
)

// Kind says what happened. Its string is the event's CEF signature ID and its syslog MSGID.
type Kind string

// The kinds of events hl7gate exports.
const (
	KindEgressAttempt     Kind = "egress_attempt"     // a monitor tried to reach a destination that is not allowed
	KindWatchlistHit      Kind = "watchlist_hit"      // a device matched the vulnerable-model watchlist
	KindConnectionRefused Kind = "connection_refused" // a connection to a listener was refused (source, limits)
	KindPolicyRejection   Kind = "policy_rejection"   // a message was rejected by a security check (AR/AE)
	KindVitalsEpisode     Kind = "vitals_episode"     // a vital-sign episode opened or closed (Action says which)
	KindStationDown       Kind = "station_down"       // a central station stopped answering
	KindStationUp         Kind = "station_up"         // a central station answers again
	// KindFirewallAltered: the nftables containment rules in force are no longer this configuration's
	// (Action: missing, foreign or modified), or cannot be checked (unknown).
	KindFirewallAltered Kind = "firewall_altered"
	// KindFirewallRestored: they are this configuration's again (Action: restored, or repaired by hl7gate).
	KindFirewallRestored Kind = "firewall_restored"
	// KindSourceThrottled: a source address sent more than its rate on the listener (all its connections
	// together; Rule names the setting: max_source_rate, or its source_rates entry): its messages are
	// delivered later, none refused. No real monitor gets there; a device flooding big messages (a
	// compromised one) does.
	KindSourceThrottled Kind = "source_throttled"
)

// kindInfo is what the CEF header says about a kind: its name and the severity used when an event
// carries none.
var kindInfo = map[Kind]struct {
	name     string
	severity Severity
}{
	KindEgressAttempt:     {"Egress attempt from the monitor segment", 7},
	KindWatchlistHit:      {"Device on the vulnerable-model watchlist", 10},
	KindConnectionRefused: {"Connection refused", 5},
	KindPolicyRejection:   {"Message rejected by policy", 5},
	KindSourceThrottled:   {"Source over its byte-rate budget", 5},
	KindVitalsEpisode:     {"Vital-sign episode", 6},
	KindStationDown:       {"Central station down", 8},
	KindStationUp:         {"Central station up", 3},
	KindFirewallAltered:   {"Containment rules not in force", 9},
	KindFirewallRestored:  {"Containment rules in force again", 3},
}

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool { _, ok := kindInfo[k]; return ok }

// Severity is the CEF severity, 0 (lowest) to 10 (highest). The zero value means "the kind's default".
type Severity int

// syslog maps a CEF severity to an RFC 5424 severity: 9-10 critical, 7-8 error, 4-6 warning,
// 1-3 notice, 0 informational.
func (s Severity) syslog() int {
	switch {
	case s >= 9:
		return 2
	case s >= 7:
		return 3
	case s >= 4:
		return 4
	case s >= 1:
		return 5
	}
	return 6
}

// Device is a monitor's identity as the gateway knows it: no patient data, only what names the device.
type Device struct {
	ID           string `json:"id,omitempty"` // the inventory key, e.g. an EUI-64 or the MSH-3 namespace
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	Firmware     string `json:"firmware,omitempty"`
}

// Event is one security event. Zero fields are left out of the export. Strings are exported as given,
// escaped, and cut at MaxValueLen bytes; none of them may hold patient data except PatientData.
type Event struct {
	Kind     Kind
	Time     time.Time // when it happened; the zero value means "when Send was called"
	Severity Severity  // 0 means the kind's default
	Device   Device
	Listener string         // the listener's configured name
	Station  string         // the central station's configured name
	Src, Dst netip.AddrPort // source and destination where they apply; a zero port is left out
	Proto    string         // transport, e.g. "TCP" or "UDP"
	Action   string         // what the gateway did: blocked, refused, rejected, delayed, open, close, down, up, flagged
	Rule     string         // the check, rule or watchlist entry that decided
	Reason   string         // short reason, e.g. "source not allowed", "max_connections"
	// Parameter names what an event is about when it is not an address, e.g. a vital sign's MDC code.
	Parameter string
	Advisory  string // advisory and CVEs of a watchlist entry, e.g. "ICSMA-25-030-01 CVE-2025-0626"
	Count     int64  // how many times it happened (e.g. attempts in a summary); 0 is left out
	Detail    string // a PHI-free explanation for the person on duty
	// PatientData is exported only to the targets whose operator turned on include_patient_data; the
	// others drop it before formatting. The gateway fills it only on vitals_episode events and only while
	// a target has that option on (Exporter.IncludesPatientData): the patient's PID-3 and bed (PV1-3).
	PatientData string
}

// MaxValueLen bounds each string of an event in the export, so one event has a bounded size.
const MaxValueLen = 1024

// severity returns e's severity in 0..10, or its kind's default when it has none.
func (e *Event) severity() Severity {
	s := e.Severity
	if s == 0 {
		s = kindInfo[e.Kind].severity
	}
	return max(0, min(s, 10))
}
