// Package config is hl7gate's whole configuration in one place: the structs every part reads (the relay,
// egress recording, the admin endpoint, the policy chain's routes and vital-sign checks), their defaults
// and the validation of the whole, which reports every problem at once, each naming its key.
// The YAML is decoded strictly (unknown keys are errors) by cmd/hl7gate; Config.YAML prints it back.
package config

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// Config is the whole gateway configuration. It is decoded once in cmd/hl7gate (viper, strict: unknown keys
// are errors), then completed with WithDefaults and checked with Validate. A zero field means "the default".
type Config struct {
	Listeners []ListenerConfig     `mapstructure:"listeners"`
	Stations  []StationConfig      `mapstructure:"stations"`
	Routes    []policy.RouteConfig `mapstructure:"routes"`
	Delivery  DeliveryConfig       `mapstructure:"delivery"`
	Admin     AdminConfig          `mapstructure:"admin"`
	Log       LogConfig            `mapstructure:"log"`
	State     StateConfig          `mapstructure:"state"`
	Vitals    VitalsConfig         `mapstructure:"vitals"`
	Egress    EgressConfig         `mapstructure:"egress"`
	Export    export.Config        `mapstructure:"export"`
	Inventory InventoryConfig      `mapstructure:"inventory"`
	Queue     QueueConfig          `mapstructure:"queue"`
}

// VitalsConfig turns the vital-sign consistency checks on and tunes them (see docs/vitals.md).
type VitalsConfig struct {
	Enabled       bool `mapstructure:"enabled"`
	vitals.Config `mapstructure:",squash"`
}

// Default is the configuration the YAML loader starts from: no listeners, stations or routes (the file
// must name them), every vital-sign check on, and with egress on the rules in force checked every
// DefaultEgressVerifyInterval and repaired. Fields left zero take their defaults in WithDefaults; a
// Config built without Default has the rules' check off (egress.verify_interval 0).
func Default() Config {
	return Config{Vitals: VitalsConfig{Enabled: true, Config: vitals.DefaultConfig()},
		Egress: EgressConfig{VerifyInterval: DefaultEgressVerifyInterval, Repair: true}}
}

// Listener modes.
const (
	ModeDirect    = "direct"    // monitors connect to the gateway's own address
	ModeIntercept = "intercept" // connections redirected by nftables; the original destination names the station
)

// ListenerConfig is one socket that accepts monitor feeds.
type ListenerConfig struct {
	Name           string   `mapstructure:"name"`
	Address        string   `mapstructure:"address"`
	Mode           string   `mapstructure:"mode"`          // direct (default) or intercept
	AllowSources   []string `mapstructure:"allow_sources"` // CIDRs of the monitor segment; required
	MaxConnections int      `mapstructure:"max_connections"`
	MaxPerSource   int      `mapstructure:"max_connections_per_source"`
	// MaxSourceRate is the bytes per second one source address may send, all its connections on the
	// listener together: beyond it the gateway reads and handles that source's messages later, so that one
	// device flooding big messages cannot take the CPU and the station connections from the others.
	// Nothing is refused for it. -1 turns it off. A reload applies it, and SourceRates.
	MaxSourceRate int `mapstructure:"max_source_rate"`
	// SourceRates gives the sources of some networks another rate than MaxSourceRate: a healthy source that
	// reaches it (an address aggregating a ward's waveform feeds, a monitor's backlog after an outage).
	SourceRates  []SourceRate  `mapstructure:"source_rates"`
	IdleTimeout  time.Duration `mapstructure:"idle_timeout"`
	FrameTimeout time.Duration `mapstructure:"frame_timeout"` // time allowed to finish a frame once started
	// HandshakeTimeout bounds a TLS handshake (tls set), apart from and shorter than the frame timeout: a
	// monitor on the segment completes one in milliseconds.
	HandshakeTimeout  time.Duration `mapstructure:"handshake_timeout"`
	MaxFrame          int           `mapstructure:"max_frame"`
	TolerateMissingCR bool          `mapstructure:"tolerate_missing_cr"`
	TLS               ServerTLS     `mapstructure:"tls"`
	BodyChecks        BodyChecks    `mapstructure:"body_checks"`
}

// SourceRate is one entry of a listener's source_rates: each source address in Sources (a CIDR prefix; a
// single address is its /32 or /128) may send MaxSourceRate bytes per second, all its connections to the
// listener together, instead of the listener's max_source_rate; -1: unlimited. The entry with the longest
// prefix that holds the address applies. The rate is each address's own, not the network's together.
type SourceRate struct {
	Sources       string `mapstructure:"sources"`
	MaxSourceRate int    `mapstructure:"max_source_rate"`
}

// BodyChecks are the checks of a message's body (hl7.Message.CheckBody), on by default: control bytes
// other than the segment terminator, bytes the character set MSH-18 declares does not allow, the
// number of segments and the length of each. A message that fails gets AE (CE) with an ERR that says
// why, and a policy event; it is not forwarded.
type BodyChecks struct {
	Enabled             *bool `mapstructure:"enabled"`               // default true; false turns every body check off
	MaxSegments         int   `mapstructure:"max_segments"`          // default hl7.DefaultMaxSegments (5000)
	MaxSegmentLength    int   `mapstructure:"max_segment_length"`    // bytes; default hl7.DefaultMaxSegmentLen (64 KiB)
	AllowLF             bool  `mapstructure:"allow_lf"`              // a line feed inside a segment (free text)
	AllowUnknownCharset bool  `mapstructure:"allow_unknown_charset"` // an MSH-18 the checks cannot read
}

// On reports whether the body checks run (after WithDefaults).
func (b BodyChecks) On() bool { return b.Enabled == nil || *b.Enabled }

// Limits returns the checks as hl7.BodyLimits.
func (b BodyChecks) Limits() hl7.BodyLimits {
	return hl7.BodyLimits{MaxSegments: b.MaxSegments, MaxSegmentLen: b.MaxSegmentLength,
		AllowLF: b.AllowLF, AllowUnknownCharset: b.AllowUnknownCharset}
}

// ServerTLS turns TLS on for a listener when CertFile is set. ClientCAFile, when set, requires client
// certificates signed by that CA. Files are read once, at start: a renewed certificate or a changed CA
// takes a restart, and no revocation list is consulted (docs/deployment.md, "TLS").
type ServerTLS struct {
	CertFile     string `mapstructure:"cert_file"`
	KeyFile      string `mapstructure:"key_file"`
	ClientCAFile string `mapstructure:"client_ca_file"`
}

// StationConfig is one allowlisted central station.
type StationConfig struct {
	Name        string `mapstructure:"name"`
	Address     string `mapstructure:"address"` // host:port
	Connections int    `mapstructure:"connections"`
	// Pipeline is how many messages one connection may carry before their ACKs are back. 1 (the
	// default) is MLLP's stop-and-wait; raise it only for a station known to read a stream of messages
	// and answer each in turn. ACKs are matched by MSA-2, so a station may also answer out of order.
	Pipeline int `mapstructure:"pipeline"`
	// Queue bounds the messages waiting for this station when it is a secondary of an ack_from: primary
	// route: those are delivered in the background, and a message that finds the queue full is counted
	// and recorded, not delivered (the primary's answer never waits for a secondary).
	Queue          int           `mapstructure:"queue"`
	ConnectTimeout time.Duration `mapstructure:"connect_timeout"`
	AckTimeout     time.Duration `mapstructure:"ack_timeout"`
	TLS            ClientTLS     `mapstructure:"tls"`
	// Capture lists further original destinations (ip:port) whose intercepted connections are delivered to
	// this station, e.g. a hard-coded outside central-station address of a monitor.
	Capture []string `mapstructure:"capture"`
}

// ClientTLS configures TLS toward a station. Any key set turns TLS on (see On); enabled: false with other
// keys set is a validation error, so that a tls block never silently means plaintext. CAFile pins the CA
// that must have signed the station's certificate (without it the system roots are trusted);
// CertFile/KeyFile add a client certificate (mTLS).
type ClientTLS struct {
	Enabled    *bool  `mapstructure:"enabled"`
	CAFile     string `mapstructure:"ca_file"`
	CertFile   string `mapstructure:"cert_file"`
	KeyFile    string `mapstructure:"key_file"`
	ServerName string `mapstructure:"server_name"`
}

// On reports whether TLS is on: enabled: true, or any other key set without enabled.
func (t ClientTLS) On() bool {
	if t.Enabled != nil {
		return *t.Enabled
	}
	return t.others() != ""
}

// others names the first key other than enabled that is set, or "".
func (t ClientTLS) others() string {
	for _, f := range []struct{ k, v string }{{"ca_file", t.CAFile}, {"cert_file", t.CertFile}, {"key_file", t.KeyFile}, {"server_name", t.ServerName}} {
		if f.v != "" {
			return f.k
		}
	}
	return ""
}

// What the gateway answers when no station accepted a message in time.
const (
	OnFailureNak    = "nak"    // AE (or CE in enhanced mode) with a reason
	OnFailureSilent = "silent" // no answer: the monitor times out and re-sends
)

// DeliveryConfig governs the gateway's own answers and how it waits for answers and messages.
type DeliveryConfig struct {
	OnFailure string `mapstructure:"on_failure"`
	// ShutdownGrace bounds how long in-flight messages may take to finish on SIGTERM.
	ShutdownGrace time.Duration `mapstructure:"shutdown_grace"`
	// BusyPoll bounds how long the wait for a fast station's answer, and for a fast closed-loop monitor's
	// next message, polls the socket before the thread sleeps: CPU time spent for latency (README,
	// "Configuration"). Nil (not set) takes DefaultBusyPoll; 0 turns polling off; at most MaxBusyPoll.
	// A reload applies it. Read it with BusyPollBound.
	BusyPoll *time.Duration `mapstructure:"busy_poll"`
}

// BusyPollBound is delivery.busy_poll: DefaultBusyPoll when not set, 0 when off.
func (d DeliveryConfig) BusyPollBound() time.Duration {
	if d.BusyPoll == nil {
		return DefaultBusyPoll
	}
	return *d.BusyPoll
}

// AdminConfig is the read-only HTTP endpoint: /healthz, /readyz, /metrics, /api/*.
type AdminConfig struct {
	Address string `mapstructure:"address"` // empty disables it
	// TokenFile holds a bearer token (at least MinTokenLen characters); required when Address is not a
	// loopback address, and then TLS is required too, so that the token never travels in clear.
	TokenFile string    `mapstructure:"token_file"`
	TLS       ServerTLS `mapstructure:"tls"`
	Pprof     bool      `mapstructure:"pprof"` // expose /debug/pprof (behind the same token rules)
}

// LogConfig configures the JSON logs.
type LogConfig struct {
	Level  string `mapstructure:"level"`  // debug, info, warn, error
	Format string `mapstructure:"format"` // json or console
	// IncludePatientData lets debug logs carry field contents. Off by default; never turn it on in production.
	IncludePatientData bool `mapstructure:"include_patient_data"`
}

// StateConfig bounds the live state kept in memory and names the on-disk event journal.
type StateConfig struct {
	MaxEvents int           `mapstructure:"max_events"` // recent events kept; older ones are dropped
	Journal   JournalConfig `mapstructure:"journal"`
}

// JournalConfig keeps every event on disk as well (gateway/journal), so that they survive a restart and
// `hl7gate evidence` can build an incident bundle from them. Off when Dir is empty (the default, so
// that a gateway run by an unprivileged user or a test writes nothing); the example configuration turns
// it on under /var/lib/hl7gate/journal.
type JournalConfig struct {
	Dir      string `mapstructure:"dir"`
	MaxBytes int64  `mapstructure:"max_bytes"` // total size of the segments kept; the oldest go first
}

// Defaults.
const (
	DefaultMaxFrame       = 1 << 20
	DefaultMaxConnections = 10000
	DefaultMaxPerSource   = 16
	// DefaultMaxSourceRate (4 MiB/s, 34 Mbit/s) is far above any one real device: a PCD-01 vital-sign
	// feed sends a few KB/s, a waveform feed tens of KB/s (12 leads at 500 Hz, about 40 KB/s), so an
	// address reaches it with about 100 waveform feeds behind it (a vendor's gateway for a whole ward
	// stays under it), and a backlog after an outage drains at 4 MiB/s. A device flooding 1 MiB messages
	// back to back gets four a second: measured, the other monitors' p50 stays where it was with a fast
	// station (BENCHMARKS.md, "One device flooding"); 1 MiB/s protects a slow station's p99 better but
	// reaches healthy aggregating sources.
	DefaultMaxSourceRate = 4 << 20
	// MinSourceRate bounds max_source_rate from below: slower, a max_frame message would wait many
	// seconds, longer than a monitor waits for its ACK.
	MinSourceRate      = 64 << 10
	DefaultIdleTimeout = 10 * time.Minute
	// DefaultFrameTimeout bounds the time from a frame's start block to its end: a PCD-01 message
	// arrives in milliseconds, even a 1 MiB frame on a 10 Mbit/s link in about a second, while a
	// slow-loris client that trickles a frame holds its connection only this long.
	DefaultFrameTimeout   = 5 * time.Second
	DefaultHandshake      = 5 * time.Second
	DefaultConnections    = 4
	DefaultQueue          = 256
	DefaultConnectTimeout = 5 * time.Second
	DefaultAckTimeout     = 10 * time.Second
	DefaultShutdownGrace  = 10 * time.Second
	// DefaultBusyPoll is delivery.busy_poll's default: on a station on the same machine or segment it took
	// one connection's median latency below HAProxy's (BENCHMARKS.md, "Twelfth round, session 12").
	DefaultBusyPoll = 100 * time.Microsecond
	// MaxBusyPoll bounds delivery.busy_poll: a longer poll only burns CPU for answers that a sleeping
	// thread would get as quickly.
	MaxBusyPoll         = time.Millisecond
	DefaultMaxEvents    = 10000
	DefaultJournalBytes = 64 << 20
	MinJournalBytes     = 1 << 20
)

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	ls := make([]ListenerConfig, len(c.Listeners))
	for i, l := range c.Listeners {
		setDefault(&l.Mode, ModeDirect)
		setDefault(&l.MaxConnections, DefaultMaxConnections)
		setDefault(&l.MaxPerSource, DefaultMaxPerSource)
		setDefault(&l.MaxSourceRate, DefaultMaxSourceRate)
		setDefault(&l.IdleTimeout, DefaultIdleTimeout)
		setDefault(&l.FrameTimeout, DefaultFrameTimeout)
		setDefault(&l.HandshakeTimeout, DefaultHandshake)
		setDefault(&l.MaxFrame, DefaultMaxFrame)
		setDefault(&l.BodyChecks.MaxSegments, hl7.DefaultMaxSegments)
		setDefault(&l.BodyChecks.MaxSegmentLength, hl7.DefaultMaxSegmentLen)
		ls[i] = l
	}
	c.Listeners = ls
	ss := make([]StationConfig, len(c.Stations))
	for i, s := range c.Stations {
		setDefault(&s.Connections, DefaultConnections)
		setDefault(&s.Pipeline, 1)
		setDefault(&s.Queue, DefaultQueue)
		setDefault(&s.ConnectTimeout, DefaultConnectTimeout)
		setDefault(&s.AckTimeout, DefaultAckTimeout)
		ss[i] = s
	}
	c.Stations = ss
	rs := make([]policy.RouteConfig, len(c.Routes))
	for i, r := range c.Routes {
		setDefault(&r.AckFrom, policy.AckPrimary)
		setDefault(&r.Delivery, DeliveryRelay)
		rs[i] = r
	}
	c.Routes = rs
	setDefault(&c.Delivery.OnFailure, OnFailureNak)
	setDefault(&c.Delivery.ShutdownGrace, DefaultShutdownGrace)
	if c.Delivery.BusyPoll == nil {
		d := DefaultBusyPoll
		c.Delivery.BusyPoll = &d
	}
	setDefault(&c.Log.Level, "info")
	setDefault(&c.Log.Format, "json")
	setDefault(&c.State.MaxEvents, DefaultMaxEvents)
	setDefault(&c.State.Journal.MaxBytes, DefaultJournalBytes)
	c.Egress = c.Egress.withDefaults()
	setDefault(&c.Inventory.MaxDevices, DefaultMaxDevices)
	c.Queue = c.Queue.withDefaults()
	return c
}

// mappedPrefix says why a prefix of IPv4-mapped IPv6 addresses (::ffff:10.0.0.0/104) in allow_sources or
// source_rates is refused: a source is compared unmapped, so such a prefix would hold none.
const mappedPrefix = "is IPv4-mapped IPv6, which no source is (an IPv4 source is compared as IPv4): write it as IPv4"

// checkSourceRates checks a listener's source_rates (key): each a CIDR prefix, not IPv4-mapped IPv6 (a
// source is compared unmapped: such a prefix would hold none), none twice, each rate -1 (unlimited) or at
// least MinSourceRate.
func checkSourceRates(key string, rs []SourceRate) []error {
	var errs []error
	seen := map[netip.Prefix]int{}
	for i, r := range rs {
		k := fmt.Sprintf("%s[%d]", key, i)
		if p, err := netip.ParsePrefix(r.Sources); err != nil {
			errs = append(errs, fmt.Errorf("%s.sources: %q is not a CIDR prefix (a single address is its /32 or /128)", k, r.Sources))
		} else if p.Addr().Is4In6() {
			errs = append(errs, fmt.Errorf("%s.sources: %s %s", k, r.Sources, mappedPrefix))
		} else if j, dup := seen[p.Masked()]; dup {
			errs = append(errs, fmt.Errorf("%s.sources: %s is %s[%d]'s network already", k, p.Masked(), key, j))
		} else {
			seen[p.Masked()] = i
		}
		if r.MaxSourceRate == 0 {
			errs = append(errs, fmt.Errorf("%s.max_source_rate: required: bytes per second (at least %d), or -1 for unlimited", k, MinSourceRate))
		} else if r.MaxSourceRate != -1 && r.MaxSourceRate < MinSourceRate {
			errs = append(errs, fmt.Errorf("%s.max_source_rate: %d must be -1 (unlimited) or at least %d bytes per second", k, r.MaxSourceRate, MinSourceRate))
		}
	}
	return errs
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// Validate checks c (after WithDefaults) and reports every problem at once, each naming its key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if len(c.Listeners) == 0 {
		bad("listeners", "at least one listener is required")
	}
	names := map[string]string{}
	unique := func(kind, key, name string) {
		if name == "" {
			bad(key+".name", "required")
			return
		}
		if prev, ok := names[kind+"/"+name]; ok {
			bad(key+".name", "%q already used by %s", name, prev)
		}
		names[kind+"/"+name] = key
	}
	for i, l := range c.Listeners {
		key := fmt.Sprintf("listeners[%d]", i)
		unique("listener", key, l.Name)
		if _, err := netip.ParseAddrPort(l.Address); err != nil {
			bad(key+".address", "%q is not ip:port", l.Address)
		}
		if l.Mode != ModeDirect && l.Mode != ModeIntercept {
			bad(key+".mode", "%q is not direct or intercept", l.Mode)
		}
		if len(l.AllowSources) == 0 {
			bad(key+".allow_sources", "at least one source network is required (the monitor segment)")
		}
		for j, s := range l.AllowSources {
			if p, err := netip.ParsePrefix(s); err != nil {
				bad(fmt.Sprintf("%s.allow_sources[%d]", key, j), "%q is not a CIDR prefix", s)
			} else if p.Addr().Is4In6() {
				bad(fmt.Sprintf("%s.allow_sources[%d]", key, j), "%s %s", s, mappedPrefix)
			}
		}
		if l.MaxFrame < 64 || l.MaxFrame > 16<<20 {
			bad(key+".max_frame", "%d not in 64..16777216", l.MaxFrame)
		}
		if l.MaxConnections < 1 {
			bad(key+".max_connections", "%d must be at least 1", l.MaxConnections)
		}
		if l.MaxPerSource < 1 {
			bad(key+".max_connections_per_source", "%d must be at least 1", l.MaxPerSource)
		}
		if l.MaxSourceRate != -1 && l.MaxSourceRate < MinSourceRate {
			bad(key+".max_source_rate", "%d must be -1 (off) or at least %d bytes per second", l.MaxSourceRate, MinSourceRate)
		}
		errs = append(errs, checkSourceRates(key+".source_rates", l.SourceRates)...)
		if l.IdleTimeout < time.Millisecond {
			bad(key+".idle_timeout", "%s is too short", l.IdleTimeout)
		}
		if l.FrameTimeout < time.Millisecond {
			bad(key+".frame_timeout", "%s is too short", l.FrameTimeout)
		}
		if l.HandshakeTimeout < time.Millisecond {
			bad(key+".handshake_timeout", "%s is too short", l.HandshakeTimeout)
		}
		if b := l.BodyChecks; b.MaxSegments < 1 || b.MaxSegments > 1<<20 {
			bad(key+".body_checks.max_segments", "%d not in 1..1048576", b.MaxSegments)
		}
		if b := l.BodyChecks; b.MaxSegmentLength < 16 || b.MaxSegmentLength > 16<<20 {
			bad(key+".body_checks.max_segment_length", "%d not in 16..16777216", b.MaxSegmentLength)
		}
		errs = append(errs, l.TLS.check(key+".tls")...)
	}
	if len(c.Stations) == 0 {
		bad("stations", "at least one allowlisted central station is required")
	}
	for i, s := range c.Stations {
		key := fmt.Sprintf("stations[%d]", i)
		unique("station", key, s.Name)
		if _, _, err := net.SplitHostPort(s.Address); err != nil || s.Address == "" {
			bad(key+".address", "%q is not host:port", s.Address)
		}
		if s.Connections < 1 || s.Connections > 1024 {
			bad(key+".connections", "%d not in 1..1024", s.Connections)
		}
		if s.Pipeline < 1 || s.Pipeline > 256 {
			bad(key+".pipeline", "%d not in 1..256", s.Pipeline)
		}
		if s.Queue < 1 || s.Queue > 65536 {
			bad(key+".queue", "%d not in 1..65536", s.Queue)
		}
		if s.AckTimeout < time.Millisecond {
			bad(key+".ack_timeout", "%s is too short", s.AckTimeout)
		}
		if s.ConnectTimeout < time.Millisecond {
			bad(key+".connect_timeout", "%s is too short", s.ConnectTimeout)
		}
		for j, d := range s.Capture {
			if _, err := netip.ParseAddrPort(d); err != nil {
				bad(fmt.Sprintf("%s.capture[%d]", key, j), "%q is not ip:port", d)
			}
		}
		if (s.TLS.CertFile == "") != (s.TLS.KeyFile == "") {
			bad(key+".tls", "cert_file and key_file go together")
		}
		if other := s.TLS.others(); s.TLS.Enabled != nil && !*s.TLS.Enabled && other != "" {
			bad(key+".tls.enabled", "false, but %s is set: TLS would be off; remove the tls block or set enabled: true", other)
		}
		for _, f := range []struct{ k, v string }{{"ca_file", s.TLS.CAFile}, {"cert_file", s.TLS.CertFile}, {"key_file", s.TLS.KeyFile}} {
			if f.v != "" {
				if _, err := os.Stat(f.v); err != nil {
					bad(key+".tls."+f.k, "%v", err)
				}
			}
		}
	}
	stationNames := make([]string, len(c.Stations))
	for i, s := range c.Stations {
		stationNames[i] = s.Name
	}
	listenerNames := make([]string, len(c.Listeners))
	for i, l := range c.Listeners {
		listenerNames[i] = l.Name
	}
	if _, err := policy.NewRouter(c.Routes, stationNames, listenerNames); err != nil {
		errs = append(errs, err)
	}
	if c.Delivery.OnFailure != OnFailureNak && c.Delivery.OnFailure != OnFailureSilent {
		bad("delivery.on_failure", "%q is not nak or silent", c.Delivery.OnFailure)
	}
	if d := c.Delivery.BusyPollBound(); d < 0 || d > MaxBusyPoll {
		bad("delivery.busy_poll", "%s not in 0..%s (0 turns busy polling off)", d, MaxBusyPoll)
	}
	if c.Admin.Address != "" {
		ap, err := netip.ParseAddrPort(c.Admin.Address)
		switch {
		case err != nil:
			bad("admin.address", "%q is not ip:port", c.Admin.Address)
		case !ap.Addr().IsLoopback() && c.Admin.TokenFile == "":
			bad("admin.token_file", "required when admin.address %s is not a loopback address", c.Admin.Address)
		case !ap.Addr().IsLoopback() && c.Admin.TLS.CertFile == "":
			bad("admin.tls", "required when admin.address %s is not a loopback address (the token would travel in clear)", c.Admin.Address)
		}
		if c.Admin.TokenFile != "" {
			if _, err := ReadToken(c.Admin.TokenFile); err != nil {
				bad("admin.token_file", "%v", err)
			}
		}
		errs = append(errs, c.Admin.TLS.check("admin.tls")...)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q is not debug, info, warn or error", c.Log.Level)
	}
	if c.Log.Format != "json" && c.Log.Format != "console" {
		bad("log.format", "%q is not json or console", c.Log.Format)
	}
	if c.Vitals.Enabled {
		if err := c.Vitals.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.State.MaxEvents < 1 {
		bad("state.max_events", "%d must be at least 1", c.State.MaxEvents)
	}
	if c.State.Journal.MaxBytes < MinJournalBytes {
		bad("state.journal.max_bytes", "%d must be at least %d", c.State.Journal.MaxBytes, MinJournalBytes)
	}
	errs = append(errs, c.validateEgress()...)
	errs = append(errs, c.Export.Validate("export"))
	errs = append(errs, c.validateInventory()...)
	errs = append(errs, c.validateQueue()...)
	return errors.Join(errs...)
}

// ErrorLines splits an error into its problems, one a line: Validate joins one
// problem a line, and a reload refused reports them one by one. A line ending
// in a colon heads the lines after it ("config FILE:" above the file's
// problems) and is put in front of each of them rather than standing as a
// problem of its own.
func ErrorLines(err error) []string {
	var out []string
	heading := ""
	for l := range strings.SplitSeq(err.Error(), "\n") {
		switch l = strings.TrimSpace(l); {
		case l == "":
		case strings.HasSuffix(l, ":"):
			heading = l + " "
		default:
			out = append(out, heading+l)
		}
	}
	return out
}

// MinTokenLen is the shortest admin token accepted.
const MinTokenLen = 16

// ReadToken reads the admin bearer token from path (surrounding white space removed) and refuses one
// shorter than MinTokenLen. The error never contains the token.
func ReadToken(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	token := bytes.TrimSpace(b)
	if len(token) < MinTokenLen {
		return nil, fmt.Errorf("the token in %s has %d characters, want at least %d", path, len(token), MinTokenLen)
	}
	return token, nil
}

// Warnings returns what c allows but an operator should know, each naming its key: a station reached
// over TLS whose certificate is checked against the system roots rather than a pinned CA, a station
// that is one of the gateway's own listeners, a route that takes every message type, a listener open
// to every address, and patient data in the log.
func (c Config) Warnings() []string {
	var ws []string
	for i, s := range c.Stations {
		if s.TLS.On() && s.TLS.CAFile == "" {
			ws = append(ws, fmt.Sprintf("stations[%d].tls.ca_file: not set, so any certificate authority the "+
				"system trusts can vouch for station %q; pin the CA that signs the station's certificate", i, s.Name))
		}
		for _, l := range c.Listeners {
			if sameEndpoint(l.Address, s.Address) {
				ws = append(ws, fmt.Sprintf("stations[%d].address: %s is listener %q of this gateway: its messages "+
					"would loop through it until ack_timeout", i, s.Address, l.Name))
			}
		}
	}
	for i, r := range c.Routes {
		if len(r.Match.MessageTypes) == 0 {
			ws = append(ws, fmt.Sprintf("routes[%d].match.message_types: empty, so route %q forwards every message "+
				"type its listeners receive (ADT, orders, queries); list the types the monitors send, e.g. ORU^R01", i, r.Name))
		}
	}
	for i, l := range c.Listeners {
		for _, src := range l.AllowSources {
			if p, err := netip.ParsePrefix(src); err == nil && p.Bits() == 0 {
				ws = append(ws, fmt.Sprintf("listeners[%d].allow_sources: %s lets any address connect to listener %q; "+
					"list the monitor networks", i, src, l.Name))
			}
		}
		ws = append(ws, sourceRatesOutside(i, l)...)
	}
	if c.Log.IncludePatientData {
		ws = append(ws, "log.include_patient_data: on, so debug log lines carry patient data; turn it off in production")
	}
	return ws
}

// sourceRatesOutside warns of the source_rates entries of listener i no address of its allow_sources is
// in: source_rates admits nobody, so their rates apply to none.
func sourceRatesOutside(i int, l ListenerConfig) []string {
	var ws []string
	for j, r := range l.SourceRates {
		p, err := netip.ParsePrefix(r.Sources)
		if err != nil || slices.ContainsFunc(l.AllowSources, func(a string) bool {
			q, err := netip.ParsePrefix(a)
			return err == nil && q.Overlaps(p)
		}) {
			continue
		}
		ws = append(ws, fmt.Sprintf("listeners[%d].source_rates[%d].sources: %s is outside allow_sources, so its rate "+
			"applies to no connection (source_rates does not admit a source); add it to allow_sources or remove the entry", i, j, r.Sources))
	}
	return ws
}

// sameEndpoint reports whether a station at station would be the listener at listener: the same
// address and port, or the same port on a loopback address when the listener binds every address.
func sameEndpoint(listener, station string) bool {
	l, errL := netip.ParseAddrPort(listener)
	s, errS := netip.ParseAddrPort(station)
	if errL != nil || errS != nil || l.Port() != s.Port() {
		return false
	}
	return l.Addr().Unmap() == s.Addr().Unmap() || l.Addr().IsUnspecified() && s.Addr().IsLoopback()
}

// ServerCipherSuites are the TLS 1.2 suites a listener offers: ECDHE with AEAD ciphers only (no CBC, no
// SHA-1 MACs, no static RSA key exchange). TLS 1.3 suites are all AEAD and not configurable in Go.
var ServerCipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// Load reads the certificate, key and client CA into a TLS server configuration: TLS 1.2 (AEAD suites
// only, ServerCipherSuites) or 1.3, and no session tickets, so that every connection presents and has
// checked its client certificate again instead of resuming a session for up to a week.
func (t ServerTLS) Load() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, CipherSuites: ServerCipherSuites, Certificates: []tls.Certificate{cert},
		SessionTicketsDisabled: true}
	if t.ClientCAFile != "" {
		pem, err := os.ReadFile(t.ClientCAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", t.ClientCAFile)
		}
		tc.ClientCAs, tc.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return tc, nil
}

func (t ServerTLS) check(key string) []error {
	var errs []error
	if (t.CertFile == "") != (t.KeyFile == "") {
		errs = append(errs, fmt.Errorf("%s: cert_file and key_file go together", key))
	}
	if t.ClientCAFile != "" && t.CertFile == "" {
		errs = append(errs, fmt.Errorf("%s.client_ca_file: needs cert_file and key_file", key))
	}
	for _, f := range []struct{ k, v string }{{"cert_file", t.CertFile}, {"key_file", t.KeyFile}, {"client_ca_file", t.ClientCAFile}} {
		if f.v != "" {
			if _, err := os.Stat(f.v); err != nil {
				errs = append(errs, fmt.Errorf("%s.%s: %w", key, f.k, err))
			}
		}
	}
	return errs
}
