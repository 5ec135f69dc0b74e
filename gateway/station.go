package gateway

import (
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/export"

	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
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
// connections. By default each connection carries one message at a time (MLLP is stop-and-wait);
// cfg.Pipeline > 1 lets a connection carry that many, for stations known to answer a stream of
// messages (see stationconn.go). A message waits for room on a connection instead of queueing in memory.
type station struct {
	cfg   config.StationConfig
	log   zerolog.Logger
	store *store.Store
	tls   *tls.Config

	backlog *backlog      // background delivery as a secondary of ack_from: primary routes
	tokens  chan struct{} // one per message in flight, at most Connections × Pipeline
	// shared holds one token per message of the unreserved share in flight (see poolShare), taken before
	// tokens: at most the pool's connections less reservedConns's, times Pipeline. nil with one connection,
	// which has nothing to reserve.
	shared  chan struct{}
	readers sync.WaitGroup

	latency   prometheus.Observer
	forwarded prometheus.Counter
	up        prometheus.Gauge
	conns     prometheus.Gauge
	polled    prometheus.Counter // waits for an answer that polled (hl7gate_busy_polls_total)
	found     prometheus.Counter // and those whose poll read the answer (hl7gate_busy_polls_found_total)
	reserved  prometheus.Counter // messages that waited because the unreserved share was full (hl7gate_station_reserve_waits_total)

	mu      sync.Mutex
	pool    []*stationConn // open connections
	idle    []*stationConn // the pooled ones with nothing reserved on them, the latest released last
	dialing int
	dialed  chan struct{} // closed and replaced when a dial ends
	closed  bool          // closeAll ran: no new connections
	lastRTT atomic.Int64  // nanoseconds, the last acknowledged message's round trip (the dashboard's latency)
	// answered counts the messages the station answered with a matching ACK (any code): a store-mode
	// deliverer tells a station that is down (it answers nothing) from one that fails on one message.
	answered atomic.Uint64
	retryAt  time.Time // no probe dial before this while the station is down
	backoff  time.Duration
	// dialLogs bounds "station connect failed" lines: during an outage every message dials.
	dialLogs logBudget

	export *export.Exporter // set by New before Start
	spins  *spinGate        // the gateway's (Gateway.spins); nil outside a gateway: config.DefaultBusyPoll, nothing counted
	// Closed when the health keeper Gateway.startStation ran for it has returned (set by startStation).
	keeperDone chan struct{}

	// Held by setHealth from deciding a change to publishing it (export, gauge, store), so that two
	// reports at once (a message's failure, another's success) are published in the order they were
	// decided, and what the store and hl7gate_station_up show is the health isUp says.
	healthMu sync.Mutex
	isUp     atomic.Bool // read on every message; written under healthMu
	lastErr  string
	reported bool // a health change was exported: later ones only when up/down flips
}

func newStation(cfg config.StationConfig, log zerolog.Logger, st *store.Store, m *metrics) (*station, error) {
	s := &station{
		cfg:       cfg,
		log:       log.With().Str("station", cfg.Name).Logger(),
		store:     st,
		tokens:    make(chan struct{}, cfg.Connections*cfg.Pipeline),
		dialed:    make(chan struct{}),
		latency:   m.latency.WithLabelValues(cfg.Name),
		forwarded: m.forwarded.WithLabelValues(cfg.Name),
		up:        m.stationUp.WithLabelValues(cfg.Name),
		conns:     m.stationConns.WithLabelValues(cfg.Name),
		polled:    m.answerPolls,
		found:     m.answerFound,
		reserved:  m.reserveWaits.WithLabelValues(cfg.Name),
	}
	if r := reservedConns(cfg.Connections); r > 0 {
		s.shared = make(chan struct{}, (cfg.Connections-r)*cfg.Pipeline)
	}
	if cfg.TLS.On() {
		tc, err := clientTLS(cfg)
		if err != nil {
			return nil, err
		}
		s.tls = tc
	}
	s.backlog = newBacklog(s, m)
	s.setHealth(false, "not contacted yet")
	return s, nil
}

func clientTLS(cfg config.StationConfig) (*tls.Config, error) {
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

// poolShare says which of a station's connections a message may take.
//
// A station slow on big messages (30 ms over each 1 MB one, say) holds a connection for as long as it
// takes over a message, and MLLP stop-and-wait gives a connection to one message at a time: a few sources
// sending big messages back to back would hold the whole pool, and every other monitor's small message would
// wait behind them (BENCHMARKS.md, "Session 54": p50 3.3 s with the byte budget off, p99 10.6 ms with it on).
// So the messages of a source that sends more than half of its byte budget (max_source_rate, bytes per
// second; sourceBudget.take) are unreserved: together they hold at most the pool less reservedConns's
// connections, and a monitor under half its rate always finds the rest held by none of them. A source
// without a budget (max_source_rate -1) is never told apart: with the budget off the pool is shared as it
// comes.
type poolShare uint8

const (
	wholePool  poolShare = iota // any connection: a source under half its rate, or the gateway's own messages
	unreserved                  // any but the reserved connections: a source over half its rate
)

// reservedConns is how many of a pool of n connections the unreserved share may not take: a quarter, at
// least one, none of a pool of one (which a source alone must be able to use).
func reservedConns(n int) int {
	if n < 2 {
		return 0
	}
	return max(1, n/4)
}

// forward sends msg (whose MSH-10 is ctrl) and appends the station's ACK frame to dst. It returns the
// ACK's MSA-1 code (CA for an MLLP release 2 commit ACK). A nil error means the station answered with an
// ACK that matches ctrl; the code says whether it accepted the message. share says which connections the
// message may take.
//
// A commit accept (CA) is not an application accept: when wantApp (the monitor expects an application
// ACK: its MSH-16 is not NE or ER) forward waits past a CA for the station's application ACK, within
// the same ack_timeout, and returns that; otherwise the CA is the answer. A CE or CR is always final.
func (s *station) forward(ctx context.Context, msg, ctrl, dst []byte, wantApp bool, share poolShare) ([]byte, hl7.AckCode, error) {
	deadline := monoNow().Add(s.cfg.AckTimeout)
	if share == unreserved && s.shared != nil {
		if err := s.enterShared(ctx, deadline); err != nil {
			return dst, "", err
		}
		defer func() { <-s.shared }()
	}
	cl := getCall()
	defer putCall(cl)
	mode := getAny
	for attempt := 0; ; attempt++ {
		c, err := s.get(ctx, deadline, mode)
		if err != nil {
			return dst, "", err
		}
		start := monoNow()
		cl.ctrl, cl.ack, cl.code, cl.err, cl.wantApp, cl.committed = ctrl, dst, "", nil, wantApp, false
		var reused bool
		if s.cfg.Pipeline == 1 {
			reused, err = c.exchange(cl, msg, deadline)
		} else if reused, err = c.send(cl, msg); err == nil {
			err = c.wait(ctx, cl, deadline)
		}
		s.release(c)
		if err == nil {
			rtt := time.Since(start)
			s.latency.Observe(rtt.Seconds())
			s.lastRTT.Store(int64(rtt))
			s.answered.Add(1)
			s.forwarded.Inc()
			if !s.healthy() {
				s.setHealth(true, "")
			}
			return cl.ack, cl.code, nil
		}
		// A message that never went out (its connection had just died) can go on another. A connection
		// that sat idle may have been closed by the station: if it failed without any answer, try again
		// on a fresh connection; the station may see the message twice, which HL7's at-least-once
		// delivery allows, but never zero times with a positive ACK.
		retry := errors.Is(err, errNotSent) && attempt < 2 || reused && isStale(err) && attempt == 0
		if reused && isStale(err) {
			// A station that closed one idle connection (a restart, an idle limit) has most likely
			// closed the others too: drop them, and retry on a connection dialled now, never on
			// another idle one that would fail the same way.
			s.dropIdle()
			mode = getFresh
		}
		if retry && ctx.Err() == nil && time.Now().Before(deadline) {
			continue
		}
		s.setHealth(false, err.Error())
		return dst, "", err
	}
}

// enterShared takes a token of the unreserved share for a message, waiting for one until deadline (and
// counting the wait); the caller gives it back once the message is answered or failed.
func (s *station) enterShared(ctx context.Context, deadline time.Time) error {
	t := lazyTimer{deadline: deadline}
	defer t.stop()
	return enter(ctx, s.shared, &t, s.reserved.Inc)
}

// lazyTimer is a deadline's timer, made only when a wait needs it: most takes of a token do not wait.
type lazyTimer struct {
	deadline time.Time
	t        *time.Timer
}

// c returns the timer's channel, making the timer on first use.
func (l *lazyTimer) c() <-chan time.Time {
	if l.t == nil {
		l.t = time.NewTimer(time.Until(l.deadline))
	}
	return l.t.C
}

func (l *lazyTimer) stop() {
	if l.t != nil {
		l.t.Stop()
	}
}

// enter takes a token of ch (a send into its room), at once if there is room, else waiting until the
// timer fires (ErrStationBusy) or ctx ends; waiting, if set, is called when it has to wait.
func enter(ctx context.Context, ch chan struct{}, t *lazyTimer, waiting func()) error {
	select {
	case ch <- struct{}{}:
		return nil
	default:
	}
	if waiting != nil {
		waiting()
	}
	select {
	case ch <- struct{}{}:
		return nil
	case <-t.c():
		return ErrStationBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// spinGate decides how long a wait may busy-poll (spin) before it sleeps: one per gateway, shared by its
// sessions and stations.
type spinGate struct {
	// bound is delivery.busy_poll as last (re)loaded, in nanoseconds; 0: no wait spins, and serving is not
	// counted (no atomic write per message).
	bound atomic.Int64
	// serving counts the sessions between a complete frame and its answer (session.serve) while bound is
	// not 0: the waits for a station's answer and for a monitor's next message spin only while no other
	// session has a message to handle (station.spin, loopPolled), so that a spin never takes a CPU that
	// another message could use.
	serving atomic.Int32
}

// set applies d's busy_poll (validated) to the waits that begin from now on.
func (g *spinGate) set(d config.DeliveryConfig) { g.bound.Store(int64(d.BusyPollBound())) }

// budget is how long a wait may spin: delivery.busy_poll, 0 when off.
func (g *spinGate) budget() time.Duration { return time.Duration(g.bound.Load()) }

// spin is how long an exchange on s polls for its answer before it waits: delivery.busy_poll when its
// message is the only one in flight to s, no other session has a message to handle (serving: with more,
// their goroutines have the CPU's time to use) and the last answer came within that bound (a station
// farther away is not polled for at all); else 0. In the benchmark's one-connection scenario this alone
// took about 12 µs off the median round trip, for about 20 µs more CPU per message (BENCHMARKS.md,
// "Twelfth round, session 12: one connection's latency").
func (s *station) spin() time.Duration {
	if len(s.tokens) != 1 {
		return 0
	}
	bound := config.DefaultBusyPoll
	if g := s.spins; g != nil {
		if bound = g.budget(); bound == 0 || g.serving.Load() > 1 {
			return 0
		}
	}
	if time.Duration(s.lastRTT.Load()) < bound {
		return bound
	}
	return 0
}

func isStale(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, errPeerClosed) || errors.Is(err, mllp.ErrIncomplete) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// How get picks a connection.
type getMode int

const (
	getAny   getMode = iota // an idle pooled connection, else a new one, else the least busy
	getFresh                // a connection dialled now: the pooled ones are suspect (idle ones are closed)
	getProbe                // as getAny, but a dial respects the backoff after failures (the keeper's)
)

// get reserves room for one message on a connection: the least busy open one if it is idle, else a
// new one while the pool has room, else the least busy one with room. It waits for room until
// deadline. The caller gives the room back with release.
func (s *station) get(ctx context.Context, deadline time.Time, mode getMode) (*stationConn, error) {
	t := lazyTimer{deadline: deadline}
	defer t.stop()
	if err := enter(ctx, s.tokens, &t, nil); err != nil {
		return nil, err
	}
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			<-s.tokens
			return nil, fmt.Errorf("%w: gateway shutting down", ErrStationDown)
		}
		if n := len(s.idle); n > 0 && mode != getFresh {
			// An idle connection is as little busy as one can be: take the one released last (its
			// buffers are the likeliest in cache) without looking at the load of every pooled one.
			c := s.idle[n-1]
			s.idle = s.idle[:n-1]
			c.load++
			s.mu.Unlock()
			return c, nil
		}
		var best *stationConn
		for _, c := range s.pool {
			if best == nil || c.load < best.load {
				best = c
			}
		}
		full := len(s.pool)+s.dialing >= s.cfg.Connections
		if mode == getFresh && full && best != nil && best.load == 0 {
			// Make room for the fresh connection by closing an idle, suspect one.
			s.unpool(best)
			s.mu.Unlock()
			best.kill(errSuspect)
			continue
		}
		if mode == getFresh && !full {
			best = nil
		}
		if best != nil && best.load < s.cfg.Pipeline && (best.load == 0 || full) {
			if best.load == 0 {
				s.unidle(best)
			}
			best.load++
			s.mu.Unlock()
			return best, nil
		}
		if !full {
			s.dialing++
			s.mu.Unlock()
			return s.grow(ctx, deadline, mode == getProbe)
		}
		// Every open connection is busy and the rest of the pool is being dialed: the token says
		// there will be room once a dial ends.
		dialed := s.dialed
		s.mu.Unlock()
		select {
		case <-dialed:
		case <-t.c():
			<-s.tokens
			return nil, ErrStationBusy
		case <-ctx.Done():
			<-s.tokens
			return nil, ctx.Err()
		}
	}
}

// grow dials a connection for get, which counted it in s.dialing and holds a token for it.
func (s *station) grow(ctx context.Context, deadline time.Time, probe bool) (*stationConn, error) {
	c, err := s.dial(ctx, deadline, probe)
	s.mu.Lock()
	s.dialing--
	close(s.dialed)
	s.dialed = make(chan struct{})
	closed := s.closed
	if err == nil && !closed {
		c.load++
		c.pooled = true
		s.pool = append(s.pool, c)
		if s.cfg.Pipeline > 1 {
			s.readers.Add(1) // under mu and before closed is set: closeAll waits for it
			go c.readLoop()
		}
	}
	s.mu.Unlock()
	if err == nil && closed {
		c.kill(net.ErrClosed)
		err = fmt.Errorf("%w: gateway shutting down", ErrStationDown)
	}
	if err != nil {
		<-s.tokens
		return nil, err
	}
	return c, nil
}

// release gives back the room get reserved on c.
func (s *station) release(c *stationConn) {
	s.mu.Lock()
	if c.load--; c.load == 0 && c.pooled {
		s.idle = append(s.idle, c)
	}
	s.mu.Unlock()
	<-s.tokens
}

// unidle takes c out of the idle list, if it is there. Under s.mu.
func (s *station) unidle(c *stationConn) {
	if i := slices.Index(s.idle, c); i >= 0 {
		s.idle = slices.Delete(s.idle, i, i+1)
	}
}

// dial opens a connection. A probe (the keeper's, without a message waiting) does not dial during the
// backoff period after a failure; a message always dials, so that monitors sending reach a station the
// moment it is back, not after a backoff of seconds. The number of dials at once is bounded by the pool.
func (s *station) dial(ctx context.Context, deadline time.Time, probe bool) (*stationConn, error) {
	s.mu.Lock()
	wait := time.Until(s.retryAt)
	s.mu.Unlock()
	if probe && wait > 0 {
		return nil, ErrStationDown
	}
	// The TLS handshake is part of connecting: connect_timeout and the message's deadline bound both
	// together, so a station that accepts TCP and never answers the handshake costs a dial no more than
	// one that does not answer at all.
	if limit := time.Now().Add(s.cfg.ConnectTimeout); limit.Before(deadline) {
		deadline = limit
	}
	d := net.Dialer{Deadline: deadline}
	nc, err := d.DialContext(ctx, "tcp", s.cfg.Address)
	if err == nil && s.tls != nil {
		tc := tls.Client(nc, s.tls)
		if err = nc.SetDeadline(deadline); err == nil {
			err = tc.HandshakeContext(ctx)
		}
		if err == nil {
			err = nc.SetDeadline(time.Time{})
		}
		if err != nil {
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
		s.mu.Lock()
		log, notLogged := s.dialLogs.allow(time.Now()), s.dialLogs.suppressed
		s.mu.Unlock()
		if log {
			s.log.Warn().Err(err).Int("failures_not_logged", notLogged).Msg("station connect failed")
		}
		return nil, fmt.Errorf("%w: %w", ErrStationDown, err)
	}
	in := ackIn(nc)
	c := &stationConn{s: s, c: nc, in: in, r: mllp.NewReader(in, maxAckFrame)}
	c.settled.L = &c.mu
	s.mu.Lock()
	s.backoff, s.retryAt = 0, time.Time{}
	s.mu.Unlock()
	s.setHealth(true, "")
	s.conns.Inc()
	return c, nil
}

// remove takes a dead connection out of the pool.
func (s *station) remove(c *stationConn) {
	s.mu.Lock()
	s.unpool(c)
	s.mu.Unlock()
}

// unpool takes c out of the pool, if it is still there. Under s.mu.
func (s *station) unpool(c *stationConn) {
	if i := slices.Index(s.pool, c); i >= 0 {
		s.pool = slices.Delete(s.pool, i, i+1)
		s.conns.Dec()
	}
	c.pooled = false
	s.unidle(c)
}

// errSuspect closes idle connections to a station that has just closed one of them.
var errSuspect = errors.New("idle connection suspect: the station closed another one")

// dropIdle closes every idle pooled connection: one of them proved dead, so the others are suspect.
func (s *station) dropIdle() {
	s.mu.Lock()
	var idle []*stationConn
	for _, c := range s.pool {
		if c.load == 0 {
			idle = append(idle, c)
		}
	}
	for _, c := range idle {
		s.unpool(c)
	}
	s.mu.Unlock()
	for _, c := range idle {
		c.kill(errSuspect)
	}
}

// closeAll closes every connection, idle or in use, and waits for their readers: a message waiting
// on one fails and gets no positive ACK.
func (s *station) closeAll() {
	s.mu.Lock()
	s.closed = true
	pool := slices.Clone(s.pool)
	s.mu.Unlock()
	for _, c := range pool {
		c.kill(net.ErrClosed)
	}
	s.readers.Wait()
}

// warm opens a connection when there is none, so that the station's health is known before the first
// message.
func (s *station) warm(ctx context.Context) {
	s.mu.Lock()
	n := len(s.pool) + s.dialing
	s.mu.Unlock()
	if n > 0 {
		return
	}
	if c, err := s.get(ctx, time.Now().Add(s.cfg.ConnectTimeout), getProbe); err == nil {
		c.mu.Lock()
		c.used = true // from now on it sits idle in the pool, and may go stale like any other
		c.mu.Unlock()
		s.release(c)
	}
}

func (s *station) setHealth(up bool, lastErr string) {
	s.healthMu.Lock()
	defer s.healthMu.Unlock()
	changed := up != s.isUp.Load()
	if !changed && lastErr == s.lastErr {
		return
	}
	s.isUp.Store(up)
	s.lastErr = lastErr
	export := s.export != nil && (changed || !s.reported) // the first result after "not contacted yet" too
	s.reported = s.reported || export
	if export {
		s.exportHealth(up, lastErr)
	}
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
