package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// Forwarding errors. None of them means the station accepted the message.
var (
	ErrStationDown  = errors.New("station unavailable")
	ErrStationBusy  = errors.New("no free connection to the station in time")
	ErrAckTimeout   = errors.New("no acknowledgement from the station in time")
	ErrAckMismatch  = errors.New("acknowledgement does not match the message control id")
	ErrAckMalformed = errors.New("station reply is not an acknowledgement")
)

// maxAckFrame bounds an ACK read from a station; ACKs are a few hundred bytes.
const maxAckFrame = 64 << 10

const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// station forwards messages to one allowlisted central station over a bounded pool of MLLP
// connections. Each connection carries one message at a time (MLLP is stop-and-wait); a message
// waits for a free connection instead of queueing in memory.
type station struct {
	cfg   StationConfig
	log   zerolog.Logger
	store *store.Store
	tls   *tls.Config

	idle  chan *stationConn // connections ready for a message
	slots chan struct{}     // one token per open connection, at most cfg.Connections

	latency   prometheus.Observer
	forwarded prometheus.Counter
	up        prometheus.Gauge
	conns     prometheus.Gauge

	mu      sync.Mutex
	open    map[*stationConn]struct{} // every open connection, idle or in use
	isUp    atomic.Bool               // read on every message; written under mu
	lastErr string
	retryAt time.Time // no dial before this while the station is down
	backoff time.Duration
}

type stationConn struct {
	c      net.Conn
	r      *mllp.Reader
	w      *mllp.Writer
	ack    hl7.Message
	reused bool // it has carried a message before
}

func newStation(cfg StationConfig, log zerolog.Logger, st *store.Store, m *metrics) (*station, error) {
	s := &station{
		cfg:       cfg,
		log:       log.With().Str("station", cfg.Name).Logger(),
		store:     st,
		idle:      make(chan *stationConn, cfg.Connections),
		open:      map[*stationConn]struct{}{},
		slots:     make(chan struct{}, cfg.Connections),
		latency:   m.latency.WithLabelValues(cfg.Name),
		forwarded: m.forwarded.WithLabelValues(cfg.Name),
		up:        m.stationUp.WithLabelValues(cfg.Name),
		conns:     m.stationConns.WithLabelValues(cfg.Name),
	}
	if cfg.TLS.Enabled || cfg.TLS.CAFile != "" {
		tc, err := clientTLS(cfg)
		if err != nil {
			return nil, err
		}
		s.tls = tc
	}
	s.setHealth(false, "not contacted yet")
	return s, nil
}

func clientTLS(cfg StationConfig) (*tls.Config, error) {
	host, _, _ := net.SplitHostPort(cfg.Address)
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	if cfg.TLS.ServerName != "" {
		tc.ServerName = cfg.TLS.ServerName
	}
	if cfg.TLS.CAFile != "" {
		pem, err := os.ReadFile(cfg.TLS.CAFile)
		if err != nil {
			return nil, fmt.Errorf("station %s: %w", cfg.Name, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("station %s: no certificate in %s", cfg.Name, cfg.TLS.CAFile)
		}
		tc.RootCAs = pool // pinned: only this CA, not the system roots
	}
	if cfg.TLS.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("station %s: %w", cfg.Name, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// forward sends msg (whose MSH-10 is ctrl) and appends the station's ACK frame to dst. It returns the
// ACK's MSA-1 code (CA for an MLLP release 2 commit ACK). A nil error means the station answered with an
// ACK that matches ctrl; the code says whether it accepted the message.
func (s *station) forward(ctx context.Context, msg, ctrl, dst []byte) ([]byte, hl7.AckCode, error) {
	deadline := time.Now().Add(s.cfg.AckTimeout)
	for attempt := 0; ; attempt++ {
		c, err := s.get(ctx, deadline)
		if err != nil {
			return dst, "", err
		}
		start, reused := time.Now(), c.reused
		ack, code, err := s.exchange(c, msg, ctrl, dst, deadline)
		if err == nil {
			s.latency.Observe(time.Since(start).Seconds())
			s.forwarded.Inc()
			if !s.healthy() {
				s.setHealth(true, "")
			}
			s.idle <- c
			return ack, code, nil
		}
		s.drop(c)
		// A connection that sat idle may have been closed by the station. If it failed without any
		// answer, try once more on a fresh connection; the station may see the message twice, which
		// HL7's at-least-once delivery allows, but never zero times with a positive ACK.
		if reused && attempt == 0 && isStale(err) && ctx.Err() == nil && time.Now().Before(deadline) {
			continue
		}
		s.setHealth(false, err.Error())
		return dst, "", err
	}
}

func isStale(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, mllp.ErrIncomplete) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// exchange writes one message and reads its ACK on c.
func (s *station) exchange(c *stationConn, msg, ctrl, dst []byte, deadline time.Time) ([]byte, hl7.AckCode, error) {
	if err := c.c.SetDeadline(deadline); err != nil {
		return dst, "", err
	}
	if err := c.w.WriteFrame(msg); err != nil {
		return dst, "", fmt.Errorf("write: %w", err)
	}
	c.reused = true
	frame, err := c.r.ReadFrame()
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// Closing the connection (the caller does) is what keeps a late ACK from being read as the
			// answer to the next message.
			return dst, "", ErrAckTimeout
		}
		return dst, "", fmt.Errorf("read ack: %w", err)
	}
	switch {
	case mllp.IsCommitACK(frame):
		return append(dst, frame...), hl7.CA, nil
	case mllp.IsCommitNAK(frame):
		return append(dst, frame...), hl7.CE, nil
	}
	if err := c.ack.Parse(frame); err != nil {
		return dst, "", ErrAckMalformed
	}
	code, id, ok := hl7.ParseAck(&c.ack)
	if !ok {
		return dst, "", ErrAckMalformed
	}
	if !bytes.Equal(id, ctrl) {
		return dst, "", ErrAckMismatch
	}
	return append(dst, frame...), code, nil
}

// get returns an idle connection, or dials a new one when the pool has room, or waits for one until
// deadline.
func (s *station) get(ctx context.Context, deadline time.Time) (*stationConn, error) {
	select {
	case c := <-s.idle:
		return c, nil
	default:
	}
	select {
	case c := <-s.idle:
		return c, nil
	case s.slots <- struct{}{}:
		c, err := s.dial(ctx, deadline)
		if err != nil {
			<-s.slots
			return nil, err
		}
		return c, nil
	default:
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case c := <-s.idle:
		return c, nil
	case s.slots <- struct{}{}:
		c, err := s.dial(ctx, deadline)
		if err != nil {
			<-s.slots
			return nil, err
		}
		return c, nil
	case <-t.C:
		return nil, ErrStationBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// dial opens a connection unless the station is in its backoff period after a failure.
func (s *station) dial(ctx context.Context, deadline time.Time) (*stationConn, error) {
	s.mu.Lock()
	wait := time.Until(s.retryAt)
	s.mu.Unlock()
	if wait > 0 {
		return nil, ErrStationDown
	}
	d := net.Dialer{Timeout: s.cfg.ConnectTimeout, Deadline: deadline}
	nc, err := d.DialContext(ctx, "tcp", s.cfg.Address)
	if err == nil && s.tls != nil {
		tc := tls.Client(nc, s.tls)
		if err = tc.HandshakeContext(ctx); err != nil {
			nc.Close()
		}
		nc = tc
	}
	if err != nil {
		s.mu.Lock()
		s.backoff = min(max(2*s.backoff, minBackoff), maxBackoff)
		s.retryAt = time.Now().Add(s.backoff)
		s.mu.Unlock()
		s.setHealth(false, "connect failed")
		s.log.Warn().Err(err).Msg("station connect failed")
		return nil, fmt.Errorf("%w: %w", ErrStationDown, err)
	}
	c := &stationConn{c: nc, r: mllp.NewReader(nc, maxAckFrame), w: mllp.NewWriter(nc)}
	s.mu.Lock()
	s.backoff, s.retryAt = 0, time.Time{}
	s.open[c] = struct{}{}
	s.mu.Unlock()
	s.setHealth(true, "")
	s.conns.Inc()
	return c, nil
}

// drop closes a connection that failed and frees its slot.
func (s *station) drop(c *stationConn) {
	c.c.Close()
	s.mu.Lock()
	delete(s.open, c)
	s.mu.Unlock()
	s.conns.Dec()
	<-s.slots
}

// closeAll closes every connection, idle or in use: a message waiting on one fails and gets no
// positive ACK.
func (s *station) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.open {
		c.c.Close()
	}
}

// warm dials one connection so that the station's health is known before the first message.
func (s *station) warm(ctx context.Context) {
	c, err := s.get(ctx, time.Now().Add(s.cfg.ConnectTimeout))
	if err == nil {
		s.idle <- c
	}
}

func (s *station) setHealth(up bool, lastErr string) {
	s.mu.Lock()
	changed := up != s.isUp.Load()
	if !changed && lastErr == s.lastErr {
		s.mu.Unlock()
		return
	}
	s.isUp.Store(up)
	s.lastErr = lastErr
	s.mu.Unlock()
	if up {
		s.up.Set(1)
	} else {
		s.up.Set(0)
	}
	s.store.SetStation(store.Station{Name: s.cfg.Name, Address: s.cfg.Address, Up: up, LastError: lastErr, LastChange: time.Now()})
	if changed {
		s.log.Info().Bool("up", up).Str("reason", lastErr).Msg("station health changed")
	}
}

// keep re-dials a station that is down, with backoff, so its health is current without traffic.
func (s *station) keep(ctx context.Context) {
	t := time.NewTicker(minBackoff)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if !s.healthy() {
				s.warm(ctx)
			}
		}
	}
}

func (s *station) healthy() bool { return s.isUp.Load() }
