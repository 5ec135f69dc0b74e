package gateway

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/intercept"
	"github.com/hl7gate/hl7gate/gateway/queue"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/policy/inventory"
)

// At most logBurst lines per logWindow per connection (rejected messages) and per listener (refused
// and closed connections); the rest are counted and reported, so a misbehaving device cannot flood the
// logs.
const (
	logBurst  = 20
	logWindow = 10 * time.Second
)

// logBudget spends logBurst lines per logWindow and counts the rest. Not safe for concurrent use.
type logBudget struct {
	start      time.Time
	logged     int
	suppressed int // lines not logged, over the budget's life
}

// allow spends one line, or counts it as suppressed.
func (b *logBudget) allow(now time.Time) bool {
	if now.Sub(b.start) > logWindow {
		b.start, b.logged = now, 0
	}
	if b.logged >= logBurst {
		b.suppressed++
		return false
	}
	b.logged++
	return true
}

// ackWriteBuffer sizes a session's MLLP writer: a monitor is only sent ACKs, a few hundred bytes each,
// and with thousands of connections the default 4 KiB per connection adds up. A larger ACK still goes
// out whole, in up to three writes.
const ackWriteBuffer = 1 << 10

// session is one monitor connection: read a frame, decide, forward, answer, repeat.
type session struct {
	g       *Gateway
	l       *listener
	raw     net.Conn // the accepted connection; other goroutines touch only this one (stopIdle, Shutdown)
	c       net.Conn // raw, or the TLS connection over it once prepare's handshake succeeded
	src     netip.Addr
	remote  netip.AddrPort // src with its port, for exported events
	id      string
	monitor string // store ID: listener/source
	target  string // intercepted: the station the original destination maps to; else ""
	rt      *live  // the configuration the message being handled is decided and delivered under

	r       *mllp.Reader // reads monitorIn
	w       *mllp.Writer // writes monitorOut
	msg     hl7.Message
	req     policy.Request
	v       policy.Verdict
	reply   []byte   // the gateway's own ACKs
	acks    [][]byte // one ACK buffer per station of a route
	codes   []hl7.AckCode
	fanErrs []error // per station of an all/any route
	out     []byte  // an annotated copy of the message, when a vital-sign rule asks for one
	alert   []byte  // ORU^R40 alerts

	// The read deadline armed on c (zero: none), when the wait for the next message began, whether a
	// frame has started whose deadline is not armed yet, and whether it was (see sessionio.go).
	readDeadline time.Time
	waitSince    time.Time
	inFrame      bool
	framing      bool // the read deadline armed is a frame's
	armed        bool // the wait for the next message is armed: the loop's last turn ended waiting (stepWait)

	// A plain TCP connection is read without the poller's reset before each wait (loopPolled): then
	// monitorIn reads fd (-1: wait for readiness first), or returns waitErr, how the latest wait ended;
	// drained: the latest read took all the socket held.
	polled  bool
	drained bool
	fd      int
	waitErr error
	wfd     int // inside loopPolled's RawConn.Read: the socket's descriptor, which answers are written to; else -1

	counted bool // the connection counts against its source's limit (see listener.handshaken)

	// The source's max_source_rate budget on the listener (nil: off), the listener's rates it was taken
	// under, and the bytes read since the latest frame was charged to it (see pace).
	budget *sourceBudget
	rates  *sourceRates
	unpaid int
	// share is the station connections the frame being handled may take: unreserved while its source sends
	// more than half its rate (see poolShare; set by pace).
	share poolShare

	// Parking (park_linux.go): whether this connection can be parked, and, guarded by the parker's
	// mutex, its token, idle timer, and whether its socket was ever registered with the parker.
	parkable   bool
	parkTok    uint64
	parkTimer  *time.Timer
	parkUntil  time.Time // when parkTimer's idle timeout is due
	epollAdded bool
	slowWaits  uint8 // how many of the latest waits for a message in a row took longer than quickGap
	spinWait   bool  // the latest wait for a message took less than 2 × delivery.busy_poll (loopPolled spins for the next)

	busy atomic.Bool // between a complete frame and its answer
	stop atomic.Bool // shutting down: finish the message in flight, then close

	opened      time.Time
	msgType     string     // MSH-9.1^MSH-9.2 of the latest message (the inventory's sighting)
	delivered   uint64     // messages a station accepted
	queued      uint64     // messages durably queued (store mode)
	identity    bool       // sending application etc. recorded in the store
	logMu       sync.Mutex // logs is spent by fan-out goroutines too
	logs        logBudget  // rejection lines
	closeReason string

	// This connection's share of its monitor's record (see tally). It reaches the store once, when the
	// session ends; until then Gateway.monitors adds it to what the store has, so a message costs no
	// store write.
	lastFrame  atomic.Int64 // Unix ns of the latest frame; 0 before the first
	msgs, errs atomic.Uint64

	// The device the latest message names (updated by observe for every parsed message: the inventory's
	// key) and, in store mode, its queue keys (see queueKeys).
	ident   inventory.Identity
	invLast inventory.Last // the inventory's device of ident's latest sighting
	qEUI64  string         // the identity qdev was made for (its two fields deviceKey reads)
	qEquip  string
	qdev    string
	qrq     *routeQueue
	qkeys   []queue.Key
}

func (g *Gateway) newSession(l *listener, c net.Conn, src netip.Addr) *session {
	id := strconv.FormatUint(g.ackID.Add(1), 36)
	s := &session{
		g: g, l: l, raw: c, c: c, src: src, remote: remoteAddrPort(c.RemoteAddr()), id: id, counted: l.tls == nil,
		monitor: l.cfg.Name + "/" + src.String(),
		opened:  time.Now(),
	}
	return s
}

// logger is the session's logger: the gateway's, with sessionFields. Made for each line rather than kept:
// a kept logger is 112 bytes of every connection, most of which never log a line.
func (s *session) logger() *zerolog.Logger {
	l := s.g.log.Hook(sessionFields{s})
	return &l
}

// sessionFields adds the connection's conn, remote, listener and (intercepted) station to each of its
// session's log lines. A hook rather than a logger context: zerolog's With allocates a 500-byte context per
// connection, most of which never log a line (the level filters them), and that was a fourteenth of an
// idle connection's memory.
type sessionFields struct{ s *session }

// Run implements zerolog.Hook.
func (h sessionFields) Run(e *zerolog.Event, _ zerolog.Level, _ string) {
	e.Str("conn", h.s.id).Stringer("remote", h.s.raw.RemoteAddr()).Str("listener", h.s.l.cfg.Name)
	if h.s.target != "" {
		e.Str("station", h.s.target)
	}
}

// stopIdle asks the session to end: at once when it waits for a message, after its answer otherwise.
// It runs outside the session's goroutine, so it uses s.raw, never s.c, which prepare replaces; a
// deadline on the raw connection holds for the TLS connection over it too.
func (s *session) stopIdle() {
	s.stop.Store(true)
	if !s.busy.Load() {
		_ = s.raw.SetReadDeadline(time.Now())
	}
	if s.g.parker != nil {
		s.g.parker.wakeSession(s)
	}
}

// waking says why runSession runs a session.
type waking int

const (
	wokeNone waking = iota // a new connection
	wokeRead               // parked, and its socket became readable (or Shutdown woke it)
	wokeIdle               // parked for its whole idle timeout
)

// runSession serves s until its connection ends or it is parked. A session counts in g.wg from its
// accept to its end, parked or not.
func (g *Gateway) runSession(s *session, why waking) {
	parked := false
	defer func() {
		if p := recover(); p != nil { // a bug must cost one connection, not the gateway
			s.panicked(p)
			parked = false
		}
		if !parked {
			g.endSession(s)
		}
	}()
	switch why {
	case wokeNone:
		s.l.open.Inc()
		if err := s.prepare(); err != nil {
			s.closeReason = err.Error()
			return
		}
	case wokeIdle:
		s.closeReason = readEndReason(os.ErrDeadlineExceeded, s.stop.Load())
		return
	}
	var end string
	if end, parked = s.loop(why == wokeRead); !parked { // parked: s is another goroutine's already
		s.closeReason = end
	}
}

// panicked records the panic p recovered from s's session as the reason its connection ends.
func (s *session) panicked(p any) {
	s.closeReason = "internal error"
	s.logger().Error().Str("panic", fmt.Sprint(p)).Msg("session panic")
}

// endSession closes s's connection and accounts for it.
func (g *Gateway) endSession(s *session) {
	defer g.wg.Done()
	s.c.Close()
	s.l.release(s.src, s.counted)
	s.l.open.Dec()
	s.l.junk.Add(float64(s.skipped()))
	// Under g.mu, so that Gateway.monitors counts this session's messages either live or in the
	// store, never both and never neither.
	closed := time.Now()
	g.mu.Lock()
	delete(g.sessions, s)
	g.noteDrained()
	g.store.UpdateMonitor(s.monitor, func(m store.Monitor) store.Monitor {
		m = s.tally(m)
		m.LastSeen = closed
		return m
	})
	g.mu.Unlock()
	if n := s.msgs.Load(); n > 0 { // a connection that sent nothing is a scan, recorded only if refused
		g.store.AddEvent(store.Event{Time: closed, Kind: store.KindSession, Severity: "info", Listener: s.l.cfg.Name,
			Source: s.src.String(), SendingApp: s.ident.Sender, Equipment: s.ident.Equipment,
			Reason: fmt.Sprintf("connection opened %s, closed after %d messages (%d delivered, %d queued, %d rejected): %s",
				s.opened.UTC().Format(time.RFC3339), n, s.delivered, s.queued, s.errs.Load(), s.closeReason)})
	}
	s.l.closedMu.Lock()
	log, notLogged := s.l.closedLogs.allow(closed), s.l.closedLogs.suppressed
	s.l.closedMu.Unlock()
	if log {
		s.logger().Info().Uint64("messages", s.msgs.Load()).Uint64("delivered", s.delivered).Uint64("queued", s.queued).Uint64("rejected", s.errs.Load()).
			Int("log_suppressed", s.logs.suppressed).Int64("skipped_bytes", s.skipped()).
			Dur("duration", time.Since(s.opened)).Str("reason", s.closeReason).
			Int("closes_not_logged", notLogged).Msg("connection closed")
	}
}

func (s *session) skipped() int64 {
	if s.r == nil {
		return 0
	}
	return s.r.Skipped()
}

// prepare does the TLS handshake and, for intercepted connections, maps the original destination.
func (s *session) prepare() error {
	lc := s.l.cfg
	if s.l.tls != nil {
		if err := s.handshake(); err != nil {
			return err
		}
	}
	if lc.Mode == config.ModeIntercept {
		if err := s.mapDestination(); err != nil {
			return err
		}
	}
	s.r = mllp.NewReader(monitorIn{s}, lc.MaxFrame)
	s.r.TolerateMissingCR = lc.TolerateMissingCR
	s.r.OnFrameStart = func() { s.inFrame = true }
	s.parkable = s.parks()
	s.polled = s.pollable()
	s.budget, s.rates = s.l.budget(s.src, time.Now())
	return nil
}

// mapDestination maps an intercepted connection's original destination to its station. Apart from
// prepare, so that prepare's stack frame stays small: a session's goroutine keeps the stack its deepest
// call needed, and an idle connection's stack is most of what it costs.
func (s *session) mapDestination() error {
	lc := s.l.cfg
	dst, err := intercept.OriginalDst(s.raw)
	if err != nil {
		return fmt.Errorf("original destination: %w", err)
	}
	name, ok := s.g.rt.Load().targets[dst]
	if !ok {
		s.g.events.note(aggKey{lc.Name, s.src, store.KindConnection, "unmapped_destination"}, time.Now(), 0, func() store.Event {
			return store.Event{Kind: store.KindConnection, Severity: "warning", Listener: lc.Name,
				Source: s.src.String(), Reason: "intercepted destination " + dst.String() + " maps to no station"}
		})
		s.g.metrics.refused.WithLabelValues(lc.Name, "unmapped_destination").Inc()
		s.g.exportRefused(s.l, s.remote, "unmapped_destination")
		return errors.New("intercepted destination maps to no station")
	}
	s.target = name
	return nil
}

// handshake runs the TLS handshake within the listener's handshake_timeout, then counts the connection
// against its source. Each failure is counted in connections_refused and recorded (rate-limited).
func (s *session) handshake() error {
	tc := tls.Server(s.raw, s.l.tls)
	err := s.raw.SetDeadline(time.Now().Add(s.l.cfg.HandshakeTimeout))
	if err == nil {
		err = tc.HandshakeContext(s.g.ctx)
	}
	if err == nil {
		err = s.raw.SetDeadline(time.Time{})
	}
	reason := s.l.handshaken(s.src, s.raw, err == nil)
	if reason == "" {
		s.counted, s.c = true, tc
		return nil
	}
	detail := ""
	switch {
	case reason == "handshake_evicted":
		detail = "closed for a newer handshake from the same source"
	case err == nil:
	case errors.Is(err, os.ErrDeadlineExceeded):
		detail = "tls handshake: timeout"
	default:
		detail = "tls handshake: " + errText(err)
	}
	s.g.refuse(s.l, s.src, s.raw.RemoteAddr(), reason, detail)
	if detail == "" {
		return errors.New(reason)
	}
	return errors.New(detail)
}

// loop serves messages until the connection ends, and says why it ended, or until it was parked. resumed:
// the session was parked, and still waits for the message it waited for then.
func (s *session) loop(resumed bool) (end string, parked bool) {
	if s.polled {
		return s.loopPolled(resumed)
	}
	for {
		if end, parked, next := s.step(&resumed); next == stepEnd {
			return end, parked
		}
	}
}

// What a turn of the session's loop (step) leaves to do.
const (
	stepNext = iota // take the next turn
	stepWait        // wait until the connection has something to read, then take the next turn (loopPolled)
	stepEnd         // the connection ends, or the session was parked
)

// step takes one turn of the session's loop: it arms the wait for the next message unless that is armed
// already (a turn that ended in stepWait), reads a frame and serves it.
func (s *session) step(resumed *bool) (end string, parked bool, next int) {
	if !s.armed {
		if s.stop.Load() {
			return "shutdown", false, stepEnd
		}
		if *resumed {
			s.armResumed()
			*resumed = false
		} else if s.parkNow() {
			return "", true, stepEnd
		} else {
			s.armIdle()
		}
		if s.stop.Load() { // re-check: stopIdle may have moved the deadline just before ours
			return "shutdown", false, stepEnd
		}
		s.armed = true
	}
	frame, ferr := s.r.ReadFrame()
	if ferr == mllp.ErrWouldBlock {
		return "", false, stepWait
	}
	s.armed, s.inFrame = false, false
	now := time.Now() // when the frame arrived: one reading of the clock for its whole handling
	if ferr == nil {
		s.waited(now)
	}
	if ferr != nil && !isFrameError(ferr) {
		switch s.park(ferr) {
		case parkDone:
			return "", true, stepEnd
		case parkWait:
			*resumed = true
			return "", false, stepNext
		}
		return readEndReason(ferr, s.stop.Load()), false, stepEnd
	}
	s.pace(now)
	if end := s.serve(now, frame, ferr); end != "" {
		return end, false, stepEnd
	}
	return "", false, stepNext
}

// ackWriters holds the ACK writers of parked sessions: a connection parked between messages takes one
// back for its answer and costs no garbage per message.
var ackWriters = sync.Pool{New: func() any { return mllp.NewWriterSize(nil, ackWriteBuffer) }}

// serve handles one frame and answers it; a non-empty result ends the connection and says why. Apart from
// loop, so that the stack of a connection waiting for its next message stays small.
func (s *session) serve(now time.Time, frame []byte, ferr error) string {
	s.busy.Store(true)
	if s.g.spins.budget() > 0 { // counted only when a wait may spin (station.spin, loopPolled)
		s.g.spins.serving.Add(1)
		defer s.g.spins.serving.Add(-1)
	}
	defer s.busy.Store(false)
	s.rt = s.g.acquire()
	defer s.rt.release()
	reply, send := s.handle(now, frame, ferr)
	if send {
		if s.w == nil { // the first answer, or the first since the session was parked
			s.w = ackWriters.Get().(*mllp.Writer)
			s.w.Reset(monitorOut{s})
		}
		if err := s.w.WriteFrame(reply); err != nil {
			return "write ack: " + errText(err)
		}
	}
	if len(s.v.Findings) > 0 {
		s.sendAlerts()
	}
	return ""
}

func isFrameError(err error) bool {
	return errors.Is(err, mllp.ErrFrameTooLarge) || errors.Is(err, mllp.ErrTruncated) || errors.Is(err, mllp.ErrMissingCR)
}

func readEndReason(err error, stopping bool) string {
	switch {
	case errors.Is(err, io.EOF):
		return "closed by monitor"
	case errors.Is(err, os.ErrDeadlineExceeded) && stopping:
		return "shutdown"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, mllp.ErrIncomplete):
		return "closed inside a frame"
	}
	return errText(err)
}

// errText names an error without echoing anything a peer sent.
func errText(err error) string {
	var ne *net.OpError
	if errors.As(err, &ne) && ne.Err != nil {
		return ne.Op + ": " + ne.Err.Error()
	}
	return err.Error()
}

// handle decides what to do with one frame, which arrived at now, and returns the answer for the monitor,
// if any.
func (s *session) handle(now time.Time, frame []byte, ferr error) ([]byte, bool) {
	s.msgs.Add(1)
	s.lastFrame.Store(now.UnixNano())
	s.l.received.Inc()
	s.v.Findings = s.v.Findings[:0] // no alerts for a frame that never reaches the checks
	if s.g.cfg.Log.IncludePatientData {
		s.logger().Debug().Bytes("frame", frame).Msg("frame received (log.include_patient_data is on)")
	}

	switch {
	case errors.Is(ferr, mllp.ErrTruncated):
		// The sender abandoned this frame and started another: answering would be read as the reply to
		// the new message. Count it and let the sender's own retry deal with it.
		s.reject(now, reasonTruncated, nil, "frame truncated by a new start block")
		return nil, false
	case errors.Is(ferr, mllp.ErrFrameTooLarge):
		return s.nak(now, frame, reasonFrameTooLarge, hl7.AE, 100, "message exceeds the size limit"), true
	case errors.Is(ferr, mllp.ErrMissingCR):
		return s.nak(now, frame, reasonFraming, hl7.AE, 100, "malformed MLLP frame"), true
	}
	if err := s.msg.Parse(frame); err != nil {
		return s.nak(now, frame, reasonParse, hl7.AE, 100, "message header could not be parsed"), true
	}
	if err := s.msg.CheckOneMessage(); err != nil {
		// Always checked, whatever the listener's body checks: routing and the policy read the first
		// message only, so a second one in the frame would pass the message-type allowlist unread.
		return s.refuseBody(now, "message refused: ", err), true
	}
	if s.msg.IsAck() {
		// HL7 never acknowledges an acknowledgement (a monitor answering ours would loop forever), and a
		// monitor's ACK is for no station: count and record it, answer and forward nothing.
		s.g.metrics.acksIgnored.WithLabelValues(s.l.cfg.Name).Inc()
		s.reject(now, reasonMonitorAck, &s.msg, "acknowledgement from a monitor: not answered, not forwarded")
		return nil, false
	}
	if s.l.body {
		if err := s.msg.CheckBody(s.l.limits); err != nil {
			return s.refuseBody(now, "message body refused: ", err), true
		}
	}
	if !s.identity {
		s.recordIdentity(now)
	}
	s.observe(now)
	station := -1
	if s.target != "" {
		if station = s.rt.stationIndex(s.target); station < 0 { // its station was removed by a reload
			s.v.Reset()
			s.reject(now, reasonPolicy, &s.msg, "intercepted destination maps to no station")
			return s.ownAck(now, hl7.AR, hl7.CodeInternalError, "intercepted destination maps to no station"), true
		}
	}
	arrival := steady(now) // the checks' clock, read once: the steps are its distance from now
	s.req = policy.Request{Listener: s.l.cfg.Name, Source: s.src, Msg: &s.msg, Arrival: arrival, Skew: clockSteps(now, arrival), Station: station}
	s.rt.chain.Evaluate(s.g.ctx, &s.req, &s.v)
	if len(s.v.Findings) > 0 {
		onWallClock(s.v.Findings, s.req.Arrival, s.req.Skew)
		s.recordFindings(now)
	}
	if s.v.Drop {
		s.reject(now, reasonPolicy, &s.msg, s.v.Reason)
		return s.ownAck(now, s.v.Code, s.v.ErrorCode, s.v.Reason), true
	}
	out := frame
	if annotated, ok := s.v.AppendAnnotated(s.out[:0], &s.msg); ok {
		s.out, out = annotated, annotated
	}
	if rq := s.g.queues[s.v.Route.Name]; rq != nil && s.target == "" { // intercepted: always relayed, to its station
		return s.enqueue(now, rq, out)
	}
	ack, code, err := s.deliver(now, s.v.Route, out, s.msg.ControlID())
	if err != nil {
		s.reject(now, reasonUndelivered, &s.msg, "not delivered: "+err.Error())
		if s.rt.cfg.Delivery.OnFailure == config.OnFailureSilent {
			return nil, false
		}
		return s.ownAck(now, hl7.AE, hl7.CodeInternalError, "central station did not accept the message"), true
	}
	if code.Positive() {
		s.delivered++
	} else {
		s.errs.Add(1)
		s.g.metrics.rejected.WithLabelValues(s.l.cfg.Name, reasonStationNak).Inc()
	}
	s.g.metrics.stationAcks.of(code).Inc()
	return ack, true
}

// deliver forwards msg along rt and picks the ACK for the monitor as the route's ack_from says. An error
// means no ACK may be relayed; a negative station ACK is relayed as it is.
//
// With ack_from: primary only the primary is waited for; the secondaries get a copy through their
// backlogs, in the background. With all or any every station is forwarded to at once, so the answer
// takes as long as the slowest station, never the sum of them.
func (s *session) deliver(now time.Time, rt *policy.Route, msg, ctrl []byte) ([]byte, hl7.AckCode, error) {
	n := len(rt.Stations)
	for k := range n {
		s.acks[k] = s.ackBuf(k)
	}
	if rt.AckFrom == policy.AckPrimary {
		for _, i := range rt.Stations[1:] {
			if st := s.rt.stations[i]; !st.backlog.offer(msg, ctrl, s.msg.WantsAppAck()) {
				s.dropSecondary(now, st, ctrl)
			}
		}
		ack, code, err := s.forwardTo(0, rt.Stations[0], msg, ctrl)
		if err != nil {
			return nil, "", err
		}
		return ack, code, nil
	}
	codes, errs := s.codes[:0], s.fanErrs[:0]
	for range n {
		codes, errs = append(codes, ""), append(errs, nil)
	}
	s.codes, s.fanErrs = codes, errs
	var wg sync.WaitGroup
	for k, i := range rt.Stations[1:] {
		wg.Go(func() { s.acks[k+1], codes[k+1], errs[k+1] = s.forwardTo(k+1, i, msg, ctrl) })
	}
	s.acks[0], codes[0], errs[0] = s.forwardTo(0, rt.Stations[0], msg, ctrl)
	wg.Wait()

	var firstErr error
	chosen, neg := -1, -1
	for k := range n {
		switch {
		case errs[k] != nil:
			if firstErr == nil {
				firstErr = errs[k]
			}
		case !codes[k].Positive():
			if neg < 0 {
				neg = k
			}
		case chosen < 0:
			chosen = k
		}
	}
	pick := func(k int) ([]byte, hl7.AckCode, error) { return s.acks[k], codes[k], nil }
	if rt.AckFrom == policy.AckAll {
		switch {
		case neg >= 0:
			return pick(neg)
		case firstErr != nil:
			return nil, "", firstErr
		}
		return pick(0)
	}
	switch { // any
	case chosen >= 0:
		return pick(chosen)
	case neg >= 0:
		return pick(neg)
	}
	return nil, "", firstErr
}

// forwardTo forwards msg to station i into the session's k-th ACK buffer, and logs a failure (rate
// limited: during an outage every message fails).
func (s *session) forwardTo(k, i int, msg, ctrl []byte) ([]byte, hl7.AckCode, error) {
	st := s.rt.stations[i]
	ack, code, err := st.forward(s.g.ctx, msg, ctrl, s.acks[k][:0], s.msg.WantsAppAck(), s.share)
	if err != nil {
		if s.logAllow(time.Now()) {
			s.logger().Warn().Str("station", st.cfg.Name).Str("msh10", string(ctrl)).Err(err).
				Int("log_suppressed", s.logSuppressed()).Msg("forward failed")
		}
		return ack, "", fmt.Errorf("%s: %w", st.cfg.Name, err)
	}
	return ack, code, nil
}

// dropSecondary counts, records and (rate-limited) logs a message a secondary's full backlog refused.
func (s *session) dropSecondary(now time.Time, st *station, ctrl []byte) {
	s.g.events.note(aggKey{s.l.cfg.Name, s.src, store.KindDelivery, "backlog_full:" + st.cfg.Name}, now, 0, func() store.Event {
		return store.Event{Kind: store.KindDelivery, Severity: "warning", Listener: s.l.cfg.Name, Station: st.cfg.Name,
			Source: s.src.String(), ControlID: string(ctrl), Reason: "secondary station " + st.cfg.Name + " backlog full: not delivered there"}
	})
	if s.logAllow(now) {
		s.logger().Warn().Str("station", st.cfg.Name).Str("msh10", string(ctrl)).Msg("secondary backlog full: not delivered there")
	}
}

// logAllow spends one of the connection's log lines; safe from the fan-out goroutines.
func (s *session) logAllow(now time.Time) bool {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.logs.allow(now)
}

func (s *session) logSuppressed() int {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.logs.suppressed
}

func (s *session) ackBuf(k int) []byte {
	for len(s.acks) <= k {
		s.acks = append(s.acks, make([]byte, 0, 512))
	}
	return s.acks[k][:0]
}

// nak answers a frame that could not be handled, with what MSH fields can be recovered from it.
func (s *session) nak(now time.Time, frame []byte, reason string, code hl7.AckCode, errCode int, text string) []byte {
	s.reject(now, reason, nil, text)
	if enhancedRaw(frame) {
		code = enhanced(code)
	}
	s.reply = hl7.AppendNak(s.reply[:0], frame, hl7.Ack{Code: code, ErrorCode: errCode, Reason: text,
		ControlID: s.g.nextControlID(), Time: now})
	s.g.metrics.gatewayAcks.of(code).Inc()
	return s.reply
}

// refuseBody records a message the hl7 package's body checks refused (err, a *hl7.BodyError) and
// returns the gateway's AE for it, its ERR code the one the check names.
func (s *session) refuseBody(now time.Time, prefix string, err error) []byte {
	code := hl7.CodeDataType
	var be *hl7.BodyError
	if errors.As(err, &be) {
		code = be.ErrorCode()
	}
	text := prefix + strings.TrimPrefix(err.Error(), "hl7: ")
	s.reject(now, reasonBody, &s.msg, text)
	return s.ownAck(now, hl7.AE, code, text)
}

// ownAck answers a parsed message with the gateway's own negative ACK (never a positive one).
func (s *session) ownAck(now time.Time, code hl7.AckCode, errCode int, text string) []byte {
	if s.msg.WantsAcceptAck() {
		code = enhanced(code)
	}
	s.reply = hl7.AppendAck(s.reply[:0], &s.msg, hl7.Ack{Code: code, ErrorCode: errCode, Reason: text,
		ControlID: s.g.nextControlID(), Time: now})
	s.g.metrics.gatewayAcks.of(code).Inc()
	return s.reply
}

func (g *Gateway) nextControlID() string {
	return "HL7GATE" + strconv.FormatUint(g.ackID.Add(1), 10)
}

// enhanced maps an original-mode negative code to its enhanced-mode twin, for senders that asked for
// accept acknowledgements (MSH-15 AL, ER or SU; NE or empty means they expect application ACKs).
func enhanced(c hl7.AckCode) hl7.AckCode {
	switch c {
	case hl7.AE:
		return hl7.CE
	case hl7.AR:
		return hl7.CR
	}
	return c
}

func enhancedRaw(frame []byte) bool {
	var m hl7.Message
	return m.Parse(frame) == nil && m.WantsAcceptAck()
}

func codeLabel(c hl7.AckCode) string {
	switch c {
	case hl7.AA, hl7.AE, hl7.AR, hl7.CA, hl7.CE, hl7.CR:
		return string(c)
	}
	return "other"
}

// reject counts, records and (rate-limited) logs a message the gateway did not deliver. msg is nil when
// the frame could not be parsed.
func (s *session) reject(now time.Time, reason string, msg *hl7.Message, text string) {
	s.errs.Add(1)
	s.g.metrics.rejected.WithLabelValues(s.l.cfg.Name, reason).Inc()
	kind := store.KindPolicy
	delivery := reason == reasonUndelivered || reason == reasonQueueFull || reason == reasonQueueShare || reason == reasonNotQueued
	if delivery {
		kind = store.KindDelivery
	}
	s.g.events.note(aggKey{s.l.cfg.Name, s.src, kind, reason}, now, 0, func() store.Event {
		ev := store.Event{Kind: kind, Severity: "warning", Listener: s.l.cfg.Name, Source: s.src.String(), Reason: text}
		if msg != nil {
			ev.ControlID = string(msg.ControlID())
		}
		if !delivery {
			// Exported as the store keeps it: the first of its aggregate, so a flood is one SIEM event.
			rule := reason
			if reason == reasonPolicy {
				rule = s.v.By
			}
			s.exportRejection(now, rule, text)
		}
		return ev
	})
	if !s.logAllow(now) {
		return
	}
	var ctrl, typ []byte
	if msg != nil {
		ctrl = msg.ControlID()
		t, trig, _ := msg.MessageType()
		typ = append(append(append(typ, t...), '^'), trig...)
	}
	s.logger().Warn().Bytes("msh10", ctrl).Bytes("type", typ).Str("check", reason).Str("reason", text).Msg("message rejected")
}

// tally adds the session to its monitor's record m: its counters, and its times when they are the
// first or the latest the record has seen.
func (s *session) tally(m store.Monitor) store.Monitor {
	m = s.seen(m, s.opened)
	if last := s.lastFrame.Load(); last != 0 {
		m = s.seen(m, time.Unix(0, last))
	}
	m.Messages += s.msgs.Load()
	m.Errors += s.errs.Load()
	return m
}

// seen marks the monitor's record m as seen at t.
func (s *session) seen(m store.Monitor, t time.Time) store.Monitor {
	if m.FirstSeen.IsZero() {
		m.FirstSeen, m.Listener, m.Source = t, s.l.cfg.Name, s.src.String()
	}
	if t.After(m.LastSeen) {
		m.LastSeen = t
	}
	return m
}

// recordIdentity stores the monitor's sending application, facility and equipment id (OBX-18) from its
// first parsed message. These identify devices, not patients.
func (s *session) recordIdentity(now time.Time) {
	s.identity = true
	app, fac := string(s.msg.SendingApplication()), string(s.msg.SendingFacility())
	var equip string
	for i := range s.msg.NumSegments() {
		if seg := s.msg.Segment(i); string(seg.Name()) == "OBX" {
			if f := seg.Field(18); !f.IsEmpty() {
				equip = string(f.Bytes())
				break
			}
		}
	}
	s.g.store.UpdateMonitor(s.monitor, func(m store.Monitor) store.Monitor {
		m = s.seen(s.seen(m, s.opened), now)
		m.SendingApplication, m.SendingFacility, m.Equipment = app, fac, equip
		return m
	})
}

// recordFindings counts, stores and (rate-limited) logs the message's vital-sign findings. They carry
// the monitor's identity and the values involved, never the patient's.
func (s *session) recordFindings(now time.Time) {
	for _, f := range s.v.Findings {
		sev := f.Severity.String()
		s.g.metrics.findings.WithLabelValues(f.Rule, sev).Inc()
		s.g.events.note(aggKey{s.l.cfg.Name, s.src, store.KindVitals, f.Rule}, now, logBurst, func() store.Event {
			value, other, threshold := f.Value, f.Other, f.Threshold
			return store.Event{Kind: store.KindVitals, Severity: sev, Listener: s.l.cfg.Name,
				Source: s.src.String(), SendingApp: f.SendingApplication, Equipment: f.Equipment, ControlID: f.ControlID,
				Rule: f.Rule, Parameter: f.Parameter, Value: &value, Other: &other, Threshold: &threshold,
				ObservedAt: f.ObservedAt, Reason: f.Explanation}
		})
		s.exportFinding(now, &f)
		if !s.logAllow(now) {
			continue
		}
		s.logger().Warn().Str("msh10", f.ControlID).Str("rule", f.Rule).Str("severity", sev).Str("kind", f.Kind).
			Str("parameter", f.Parameter).Float64("value", f.Value).Float64("other", f.Other).
			Float64("threshold", f.Threshold).Str("action", f.Action.String()).Str("explanation", f.Explanation).
			Msg("vital-sign finding")
	}
}

// sendAlerts sends an ORU^R40 alert for each finding the configuration wants alerted, to the stations of
// the message's route, after the monitor has its answer. An alert that fails is counted and logged; it
// never changes what the monitor was told.
func (s *session) sendAlerts() {
	rt := s.v.Route
	if rt == nil {
		return
	}
	for _, f := range s.v.Findings {
		if !s.rt.chain.ShouldAlert(f) {
			continue
		}
		id := s.g.nextControlID()
		s.alert = policy.AppendAlert(s.alert[:0], f, id, time.Now())
		for k, i := range rt.Stations {
			st := s.rt.stations[i]
			ack, code, err := st.forward(s.g.ctx, s.alert, []byte(id), s.ackBuf(k), true, wholePool)
			s.acks[k] = ack
			result := "accepted"
			switch {
			case err != nil:
				result = "failed"
				s.logger().Warn().Str("station", st.cfg.Name).Str("rule", f.Rule).Err(err).Msg("alert not delivered")
			case !code.Positive():
				result = "rejected"
			}
			s.g.metrics.alertsSent.WithLabelValues(st.cfg.Name, result).Inc()
		}
	}
}
