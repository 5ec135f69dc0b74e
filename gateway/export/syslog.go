package export

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// SyslogConfig configures one syslog target (export.syslog in the gateway's configuration).
type SyslogConfig struct {
	// Name labels the target in logs and metrics; default "syslog".
	Name string `mapstructure:"name"`
	// Address is the receiver's host:port.
	Address string `mapstructure:"address"`
	// Transport is "tcp" (RFC 6587 octet counting) or "tls" (RFC 5425); default "tls".
	Transport string `mapstructure:"transport"`
	// CAFile verifies the receiver's certificate (PEM); empty uses the system roots. ServerName is the
	// name checked in it; default the host of Address. CertFile and KeyFile, both or neither, are the
	// client certificate for receivers that authenticate senders.
	CAFile     string `mapstructure:"ca_file"`
	ServerName string `mapstructure:"server_name"`
	CertFile   string `mapstructure:"cert_file"`
	KeyFile    string `mapstructure:"key_file"`
	// Facility is the syslog facility, 0..23; default 13 (log audit).
	Facility *int `mapstructure:"facility"`
	// Hostname and AppName fill the RFC 5424 header; defaults os.Hostname() and "hl7gate".
	Hostname string `mapstructure:"hostname"`
	AppName  string `mapstructure:"app_name"`
	// Buffer is how many events wait in memory while the receiver is slow or unreachable; when it is
	// full, new events are dropped and counted. Default 4096, at most 1<<20.
	Buffer int `mapstructure:"buffer"`
	// DialTimeout and WriteTimeout bound each connection attempt and each write; defaults 5s and 10s.
	DialTimeout  time.Duration `mapstructure:"dial_timeout"`
	WriteTimeout time.Duration `mapstructure:"write_timeout"`
	// MinBackoff and MaxBackoff bound the wait between connection attempts, doubling from the first
	// to the second; defaults 100ms and 30s.
	MinBackoff time.Duration `mapstructure:"min_backoff"`
	MaxBackoff time.Duration `mapstructure:"max_backoff"`
	// IncludePatientData exports Event.PatientData. Off by default; for an operator who must.
	IncludePatientData bool `mapstructure:"include_patient_data"`
	// Version is hl7gate's version, written in the CEF header and the origin SD element; set by the
	// binary, not by configuration.
	Version string `mapstructure:"-"`
}

// Defaults of SyslogConfig.
const (
	DefaultSyslogBuffer = 4096
	DefaultFacility     = 13 // log audit
	maxSyslogBuffer     = 1 << 20
)

// Validate reports every problem of c at once, each naming its key under prefix (e.g. "export.syslog").
func (c SyslogConfig) Validate(prefix string) error {
	var errs []error
	bad := func(key, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: "+format, append([]any{prefix, key}, a...)...))
	}
	if _, _, err := net.SplitHostPort(c.Address); err != nil {
		bad("address", "%q is not host:port", c.Address)
	}
	switch c.Transport {
	case "", "tls", "tcp":
	default:
		bad("transport", "%q is neither tcp nor tls", c.Transport)
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		bad("cert_file", "cert_file and key_file go together")
	}
	if c.Transport == "tcp" && (c.CAFile != "" || c.CertFile != "" || c.ServerName != "") {
		bad("transport", "ca_file, server_name and cert_file need transport tls")
	}
	if host, _, err := net.SplitHostPort(c.Address); err == nil && c.Transport == "tcp" && c.IncludePatientData &&
		!isLoopbackHost(host) {
		// As a webhook's http: patient data never crosses a network in clear.
		bad("include_patient_data", "patient data over plain tcp is allowed only to a loopback address; use transport tls")
	}
	if c.Facility != nil && (*c.Facility < 0 || *c.Facility > 23) {
		bad("facility", "%d not in 0..23", *c.Facility)
	}
	if c.Buffer < 0 || c.Buffer > maxSyslogBuffer {
		bad("buffer", "%d not in 0..%d", c.Buffer, maxSyslogBuffer)
	}
	for key, d := range map[string]time.Duration{"dial_timeout": c.DialTimeout, "write_timeout": c.WriteTimeout,
		"min_backoff": c.MinBackoff, "max_backoff": c.MaxBackoff} {
		if d < 0 {
			bad(key, "%s is negative", d)
		}
	}
	if c.MinBackoff > 0 && c.MaxBackoff > 0 && c.MinBackoff > c.MaxBackoff {
		bad("min_backoff", "%s is more than max_backoff %s", c.MinBackoff, c.MaxBackoff)
	}
	return errors.Join(errs...)
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// Syslog sends events to one syslog receiver. Send never blocks; one goroutine connects, writes, and
// reconnects with backoff. Create it with NewSyslog; a Syslog is also a prometheus.Collector.
type Syslog struct {
	cfg    SyslogConfig
	log    zerolog.Logger
	cef    CEF
	hdr    header
	tlsCfg *tls.Config

	outbox
}

// NewSyslog validates cfg, fills its defaults, and starts sending; events given to Send before the
// first connection wait in the buffer. Close it to flush and stop.
func NewSyslog(cfg SyslogConfig, log zerolog.Logger) (*Syslog, error) {
	if err := cfg.Validate("syslog"); err != nil {
		return nil, err
	}
	setDefault(&cfg.Name, "syslog")
	setDefault(&cfg.Transport, "tls")
	setDefault(&cfg.AppName, "hl7gate")
	setDefault(&cfg.Buffer, DefaultSyslogBuffer)
	setDefault(&cfg.DialTimeout, 5*time.Second)
	setDefault(&cfg.WriteTimeout, 10*time.Second)
	setDefault(&cfg.MinBackoff, 100*time.Millisecond)
	setDefault(&cfg.MaxBackoff, 30*time.Second)
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.MinBackoff)
	if cfg.Hostname == "" {
		cfg.Hostname, _ = os.Hostname()
	}
	facility := DefaultFacility
	if cfg.Facility != nil {
		facility = *cfg.Facility
	}
	s := &Syslog{
		cfg: cfg,
		log: log.With().Str("export", cfg.Name).Logger(),
		cef: CEF{Version: cfg.Version, IncludePatientData: cfg.IncludePatientData},
		hdr: header{
			facility: facility,
			hostname: printASCII(cfg.Hostname, maxHostname),
			appName:  printASCII(cfg.AppName, maxAppName),
			procID:   strconv.Itoa(os.Getpid()),
			version:  cfg.Version,
		},
	}
	if cfg.Transport == "tls" {
		tc, err := clientTLS(cfg)
		if err != nil {
			return nil, err
		}
		s.tlsCfg = tc
	}
	s.outbox.init(cfg.Name, cfg.Buffer)
	go s.run()
	return s, nil
}

// clientTLS builds the TLS client configuration of cfg (TLS 1.2 or later, as RFC 5425 and BSI
// guidance expect).
func clientTLS(cfg SyslogConfig) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.ServerName}
	if tc.ServerName == "" {
		tc.ServerName, _, _ = net.SplitHostPort(cfg.Address)
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("syslog.ca_file: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("syslog.ca_file: no PEM certificate in %s", cfg.CAFile)
		}
	}
	if cfg.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("syslog.cert_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// errClosed ends a connection when the sender has drained its queue after Close.
var errClosed = errors.New("closed")

// run is the sender goroutine: connect, write until the connection fails, wait, connect again. The wait
// doubles from MinBackoff to MaxBackoff and starts again once a connection has taken events.
func (s *Syslog) run() {
	defer close(s.done)
	defer s.dropQueued()
	var (
		pending  *queued // taken from the queue, not yet written
		backoff  = s.cfg.MinBackoff
		everConn bool
		failing  bool // the last attempt failed: log the next success
		buf      []byte
	)
	defer func() {
		if pending != nil { // taken from the queue and never written: dropped like the rest
			s.dropped.Add(1)
		}
	}()
	for {
		if s.drained(pending) {
			return
		}
		conn, err := s.dial()
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			s.dialErrors.Add(1)
			if !failing {
				s.log.Warn().Err(err).Str("address", s.cfg.Address).Msg("syslog receiver unreachable; retrying")
				failing = true
			}
		} else {
			if everConn {
				s.reconnects.Add(1)
			}
			everConn = true
			if failing {
				s.log.Info().Str("address", s.cfg.Address).Msg("syslog receiver reachable again")
				failing = false
			}
			s.connected.Store(true)
			var wrote bool
			pending, buf, wrote, err = s.serve(conn, pending, buf)
			s.connected.Store(false)
			if err == errClosed || s.ctx.Err() != nil {
				return
			}
			if wrote {
				backoff = s.cfg.MinBackoff // a receiver that took events is not one that closes at once
			}
			s.log.Warn().Err(err).Str("address", s.cfg.Address).Msg("syslog connection lost; reconnecting")
			failing = true
		}
		// Wait before the next attempt, also after a lost connection, so that a receiver which accepts
		// and closes at once is not hammered.
		if !s.wait(backoff) {
			return
		}
		backoff = min(2*backoff, s.cfg.MaxBackoff)
	}
}

// dial opens one connection, TLS handshake included, within DialTimeout.
func (s *Syslog) dial() (net.Conn, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.DialTimeout)
	defer cancel()
	if s.tlsCfg != nil {
		d := tls.Dialer{Config: s.tlsCfg}
		return d.DialContext(ctx, "tcp", s.cfg.Address)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.cfg.Address)
}

// serve writes queued events to conn until the queue is drained after Close (errClosed), the
// connection fails, or the sender is cancelled. It returns the event it could not write, if any, to be
// written first on the next connection.
func (s *Syslog) serve(conn net.Conn, pending *queued, buf []byte) (_ *queued, _ []byte, wrote bool, _ error) {
	lost := make(chan struct{}) // closed when the receiver closes the connection or it fails
	go watchConn(conn, lost)
	defer func() { conn.Close(); <-lost }() // the watcher ends with the connection
	stop := context.AfterFunc(s.ctx, func() { conn.Close() })
	defer stop()
	var e queued
	for {
		if pending != nil {
			e = *pending
		} else {
			var ok bool
			if e, ok = s.next(lost); !ok {
				switch {
				case s.ctx.Err() != nil:
					return nil, buf, wrote, s.ctx.Err()
				case s.drained(nil):
					return nil, buf, wrote, errClosed
				}
				return nil, buf, wrote, errors.New("receiver closed the connection")
			}
		}
		select {
		case <-lost:
			return &e, buf, wrote, errors.New("receiver closed the connection")
		default:
		}
		var start int
		buf, start = s.frame(buf[:0], &e.Event, e.seq)
		conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		if _, err := conn.Write(buf[start:]); err != nil {
			return &e, buf, wrote, err
		}
		pending, wrote = nil, true
		s.sent.Add(1)
	}
}

// watchConn reads conn until it fails (a syslog receiver sends nothing), then closes lost: so a receiver
// that went away is noticed before the next event is written into a dead connection.
func watchConn(conn net.Conn, lost chan<- struct{}) {
	defer close(lost)
	var b [512]byte
	for {
		if _, err := conn.Read(b[:]); err != nil {
			return
		}
	}
}

// MaxMessageLen bounds one syslog message: RFC 5425 receivers should take 8192 octets (rsyslog's default
// limit too). Longer messages are cut, at worst in the last CEF value; an event this long has
// several values near MaxValueLen.
const MaxMessageLen = 8192

// safeCut returns the longest length ≤ n at which b can be cut without splitting a UTF-8 sequence or a
// backslash escape.
func safeCut(b []byte, n int) int {
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	bs := 0
	for i := n - 1; i >= 0 && b[i] == '\\'; i-- {
		bs++
	}
	return n - bs%2
}

// frame appends e as one octet-counted RFC 5424 message (RFC 6587 section 3.4.1: "LEN SP MSG") to dst;
// the frame is dst[start:].
func (s *Syslog) frame(dst []byte, e *Event, seq uint32) (_ []byte, start int) {
	const room = 8 // "1048576 " at most: a message is far below 10^7 bytes
	dst = append(dst, make([]byte, room)...)
	dst = s.hdr.appendMessage(dst, e.severity(), e.Time, printASCII(string(e.Kind), 32), seq)
	dst = s.cef.Append(dst, e)
	if len(dst)-room > MaxMessageLen {
		dst = dst[:room+safeCut(dst[room:], MaxMessageLen)]
	}
	n := strconv.AppendInt(nil, int64(len(dst)-room), 10)
	start = room - len(n) - 1
	copy(dst[start:], n)
	dst[room-1] = ' '
	return dst, start
}
