package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// Fleet is a set of simulated monitors. Each monitor has its own MLLP
// connection and, like a real monitor, sends one message, waits for its ACK
// and only then sends the next.
//
// In closed loop (Rate 0) each monitor sends its next message as soon as the
// previous one is answered; latency runs from the send. In open loop each
// monitor sends at fixed intended times, Rate per second; latency runs from
// the intended time, so a slow answer that delays the next send shows up in
// the latency of both (no coordinated omission).
//
// With a Ramp the monitors start one after another, evenly over the Ramp,
// and each sends from the moment it starts, as monitors switched on one by
// one would. The measured phase (Duration) begins when the Ramp ends: what
// was sent before is verified like the rest, but its latency goes to a
// separate histogram and it does not count in the throughput.
//
// Set the fields, then call Run once.
type Fleet struct {
	Addrs      []string      // host:port of the gateway, relay or station; monitor i uses Addrs[i%len(Addrs)]
	Monitors   int           // number of monitors (connections)
	Rate       float64       // messages per second per monitor; 0 means closed loop
	Idle       bool          // connect and hold the connection, send nothing
	Duration   time.Duration // length of the measured phase (after the Ramp); 0 means until Messages are sent
	Messages   int           // messages per monitor; 0 means until Duration ends
	Ramp       time.Duration // monitors start evenly spread over Ramp; the measured phase starts after it
	Content    Content       // what the monitors send
	AckTimeout time.Duration // longest wait for an ACK (and for a connect); 0 means 10 s
	TLS        *tls.Config   // when set, connect with TLS
	Sources    []netip.Addr  // local addresses to connect from, round robin; empty lets the kernel choose
	MaxFrame   int           // largest ACK accepted; 0 means 1 MiB

	connected atomic.Int64
	sent      atomic.Uint64
	bytes     atomic.Uint64
	acked     atomic.Uint64
	failed    atomic.Uint64
}

// Progress is a snapshot of a running Fleet.
type Progress struct {
	Connected int64  // connections open now
	Sent      uint64 // messages sent
	Acked     uint64 // ACKs received
	Failed    uint64 // sends or waits that failed (timeouts, closed connections, failed dials)
}

// Progress returns the current counters; safe to call while Run runs.
func (f *Fleet) Progress() Progress {
	return Progress{
		Connected: f.connected.Load(),
		Sent:      f.sent.Load(),
		Acked:     f.acked.Load(),
		Failed:    f.failed.Load(),
	}
}

// FleetResult is what a Fleet measured.
type FleetResult struct {
	Monitors    int                 // monitors run
	PeakConns   int64               // most connections open at once
	Sent        uint64              // messages written
	Bytes       uint64              // payload bytes written
	Answers     [numOutcomes]uint64 // by outcome; Answers[NoAck] counts sends without an ACK
	DialErrors  uint64              // failed connects
	ConnErrors  uint64              // connections lost or reset while in use
	Measured    uint64              // ACKs of messages sent in the measured phase (after the Ramp)
	Elapsed     time.Duration       // measured phase, from its start to the last ACK
	Latency     Histogram           // send (closed loop) or intended send (open loop) to ACK, measured phase
	RampLatency Histogram           // the same for messages sent during the Ramp
	SendLag     Histogram           // open loop, measured phase: the load generator's own delay in sending (see monitor.run)
	BySecond    []Histogram         // open loop with a Duration of at most maxBySecond: Latency by the second of the intended send
	SentRecords [][]Record          // per monitor, in send order, for Verify
}

// maxBySecond bounds the measured phases whose latencies are also kept by second (37 KB per second).
const maxBySecond = 10 * time.Minute

// maxRate bounds the messages per second of one monitor: the pacer works in microseconds at best.
const maxRate = 100_000

// ErrBadFleet means the Fleet's settings cannot run.
var ErrBadFleet = errors.New("load: bad fleet settings")

func (f *Fleet) validate() error {
	var errs []error
	if len(f.Addrs) == 0 {
		errs = append(errs, errors.New("no address to connect to"))
	}
	if f.Monitors < 1 {
		errs = append(errs, errors.New("monitors must be at least 1"))
	}
	if f.Rate < 0 || f.Rate > maxRate {
		errs = append(errs, fmt.Errorf("rate must be between 0 and %d per monitor", maxRate))
	}
	if !f.Idle && f.Duration <= 0 && f.Messages <= 0 {
		errs = append(errs, errors.New("duration or messages is required"))
	}
	if f.Idle && f.Duration <= 0 {
		errs = append(errs, errors.New("idle needs a duration"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrBadFleet, err)
	}
	return nil
}

func (f *Fleet) ackTimeout() time.Duration {
	if f.AckTimeout > 0 {
		return f.AckTimeout
	}
	return 10 * time.Second
}

func (f *Fleet) maxFrame() int {
	if f.MaxFrame > 0 {
		return f.MaxFrame
	}
	return 1 << 20
}

// Run opens the connections, sends, waits for the last ACK and closes the
// connections. Cancelling ctx stops it early; what was measured until then
// is returned.
func (f *Fleet) Run(ctx context.Context) (*FleetResult, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	res := &FleetResult{Monitors: f.Monitors, SentRecords: make([][]Record, f.Monitors)}
	// Prebuilt messages are rendered before the first monitor starts, and the garbage of rendering them
	// is collected then: rendered during the ramp, 5,000 monitors' 64 messages each took about a vCPU
	// for the whole ramp, and the load generator's heap (about 600 MB of messages) doubled into a
	// collection at the ramp's end, in or next to the measured phase (BENCHMARKS.md, "Thirteenth round,
	// session 13: the open loop's tail"). Their timestamps are then behind their send times by the time the
	// rendering took (seconds), as a monitor's clock may be.
	var srcs []*source
	if f.Content.Prebuilt > 0 && !f.Idle {
		var err error
		if srcs, err = f.prebuild(time.Now()); err != nil {
			return res, fmt.Errorf("monitor content: %w", err)
		}
		runtime.GC()
	}
	t0 := time.Now()
	start := t0.Add(f.Ramp)
	var end time.Time
	if f.Duration > 0 {
		end = start.Add(f.Duration)
	}
	var (
		wg       sync.WaitGroup
		peakMu   sync.Mutex
		dialErrs atomic.Uint64
		connErrs atomic.Uint64
		answers  [numOutcomes]atomic.Uint64
		measured atomic.Uint64
	)
	var (
		errOnce    sync.Once
		contentErr error
	)
	fail := func(err error) { errOnce.Do(func() { contentErr = err }) }
	trackPeak := func() {
		n := f.connected.Load()
		peakMu.Lock()
		res.PeakConns = max(res.PeakConns, n)
		peakMu.Unlock()
	}
	if f.Rate > 0 && !f.Idle && f.Duration > 0 && f.Duration <= maxBySecond {
		res.BySecond = make([]Histogram, (f.Duration+time.Second-1)/time.Second)
	}
	var wake []chan struct{} // open loop: monitor i's send times, from pace
	if f.Rate > 0 && !f.Idle {
		wake = make([]chan struct{}, f.Monitors)
		for i := range wake {
			wake[i] = make(chan struct{}, 1)
		}
		stop, paced := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(paced)
			pace(stop, t0, f.interval(), end, wake)
		}()
		defer func() {
			close(stop)
			<-paced
		}()
	}
	for i := range f.Monitors {
		connect, first, stamp := f.schedule(t0, i)
		m := &monitor{
			connect: connect,
			first:   first,
			stamp:   stamp,
			f:       f,
			i:       i,
			start:   start,
			end:     end,
			lat:     &res.Latency,
			rampLat: &res.RampLatency,
			sendLag: &res.SendLag,
			bySec:   res.BySecond,
			counted: &measured,
			peak:    trackPeak,
			dialErr: &dialErrs,
			connErr: &connErrs,
			answers: &answers,
			fail:    fail,
		}
		if wake != nil {
			m.wake = wake[i]
		}
		if srcs != nil {
			m.src = srcs[i]
		}
		wg.Go(func() { res.SentRecords[i] = m.run(ctx) })
	}
	wg.Wait()
	res.Elapsed = max(time.Since(start), 0)
	res.Measured = measured.Load()
	res.DialErrors, res.ConnErrors = dialErrs.Load(), connErrs.Load()
	res.Sent, res.Bytes = f.sent.Load(), f.bytes.Load()
	for o := range answers {
		res.Answers[o] = answers[o].Load()
	}
	if contentErr != nil {
		return res, fmt.Errorf("monitor content: %w", contentErr)
	}
	return res, nil
}

// monitor is one simulated monitor of a Fleet.
type monitor struct {
	f       *Fleet
	i       int
	connect time.Time     // when to open the first connection and start sending
	first   time.Time     // when the first message is due
	stamp   time.Duration // how far the messages' timestamps advance per message
	start   time.Time     // when the measured phase starts
	end     time.Time     // when sending stops; zero: after f.Messages
	lat     *Histogram
	rampLat *Histogram
	sendLag *Histogram
	bySec   []Histogram    // the measured phase's latencies by second of the intended send; nil: not kept
	counted *atomic.Uint64 // ACKs in the measured phase
	peak    func()
	dialErr *atomic.Uint64
	connErr *atomic.Uint64
	answers *[numOutcomes]atomic.Uint64

	conn     net.Conn
	stopConn func() bool // cancels the close-on-cancel of conn
	r        *mllp.Reader
	w        *mllp.Writer
	ack      hl7.Message
	fail     func(error)   // records the first content error of the run
	wake     chan struct{} // open loop: a signal at each of this monitor's send times
	src      *source       // the monitor's messages, rendered before the run (prebuilt); nil: made in run
}

// prebuild renders every monitor's prebuilt messages (Content.Prebuilt > 0), on every CPU, timestamped as
// if the run started at t0.
func (f *Fleet) prebuild(t0 time.Time) ([]*source, error) {
	srcs := make([]*source, f.Monitors)
	workers := min(runtime.GOMAXPROCS(0), f.Monitors)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < f.Monitors && errs[w] == nil; i += workers {
				_, first, stamp := f.schedule(t0, i)
				srcs[i] = f.Content.source(i, first, stamp)
				errs[w] = srcs[i].build()
			}
		})
	}
	wg.Wait()
	return srcs, errors.Join(errs...)
}

// schedule returns when monitor i opens its connection, when its first message is due and the interval its
// messages' timestamps advance by, for a run that starts at t0.
func (f *Fleet) schedule(t0 time.Time, i int) (connect, first time.Time, stamp time.Duration) {
	connect = t0.Add(time.Duration(int64(f.Ramp) * int64(i) / int64(f.Monitors)))
	first, stamp = connect, time.Second // closed loop: timestamps run ahead of the clock
	if f.Rate > 0 {
		// Monitor i's sends are offset by its share of one interval, so the fleet's spread evenly; it
		// starts at the first of its send times after it connected.
		interval := f.interval()
		first = sendTime(t0, interval, i, f.Monitors, 0)
		if late := connect.Sub(first); late > 0 {
			first = first.Add((late + interval - 1) / interval * interval)
		}
		stamp = interval
	}
	return connect, first, stamp
}

// run is the monitor's life; it returns its sent records.
func (m *monitor) run(ctx context.Context) []Record {
	defer m.hangUp()
	if !sleepUntil(ctx, m.connect) {
		return nil
	}
	if m.f.Idle {
		m.idle(ctx)
		return nil
	}
	m.dial(ctx) // a failure is retried at the first send
	var (
		buf      []byte
		err      error
		interval time.Duration
		expect   = m.f.Messages // messages this monitor will send, if known
		prevDone time.Time      // when the previous exchange ended
	)
	first := m.first
	if m.f.Rate > 0 {
		interval = m.f.interval()
		if expect == 0 && !m.end.IsZero() {
			expect = int(m.end.Sub(first)/interval) + 1
		}
	}
	// Sized up front when the count is known (within reason): fewer allocations while measuring.
	recs := make([]Record, 0, min(max(expect, 0), 256))
	src := m.src
	if src == nil {
		src = m.f.Content.source(m.i, first, m.stamp)
	}
	for k := 0; m.f.Messages == 0 || k < m.f.Messages; k++ {
		intended := first.Add(time.Duration(k) * interval)
		if interval == 0 {
			intended = time.Now()
		}
		if !m.end.IsZero() && !intended.Before(m.end) {
			break
		}
		if !m.waitUntil(ctx, intended) {
			break
		}
		if m.conn == nil && !m.dial(ctx) {
			m.f.failed.Add(1)
			if interval == 0 && !sleepUntil(ctx, time.Now().Add(100*time.Millisecond)) {
				break // closed loop: back off before the next try
			}
			continue
		}
		var rec Record
		buf, rec.ID, err = src.next(buf[:0])
		if err != nil {
			m.fail(err)
			break
		}
		rec.Sum = hash64(buf)
		measured := !intended.Before(m.start)
		if interval > 0 && measured {
			// The monitor's own delay: from when it could send (the intended time, or the previous ACK
			// if that came later) to now.
			ready := intended
			if prevDone.After(ready) {
				ready = prevDone
			}
			m.sendLag.Record(time.Since(ready))
		}
		rec.Answer = m.exchange(ctx, buf, rec.ID)
		prevDone = time.Now()
		m.answers[rec.Answer].Add(1)
		if rec.Answer != NoAck {
			if measured {
				lat := time.Since(intended)
				m.lat.Record(lat)
				if sec := int(intended.Sub(m.start) / time.Second); sec < len(m.bySec) {
					m.bySec[sec].Record(lat)
				}
				m.counted.Add(1)
			} else {
				m.rampLat.Record(time.Since(intended))
			}
			m.f.acked.Add(1)
		} else {
			m.f.failed.Add(1)
		}
		recs = append(recs, rec)
	}
	return recs
}

// exchange sends one message and waits for its ACK. On a timeout, a
// connection error or a mismatched ACK it hangs up, so a late ACK can never be
// taken for the next message's.
func (m *monitor) exchange(ctx context.Context, msg []byte, id uint64) Outcome {
	m.conn.SetDeadline(time.Now().Add(m.f.ackTimeout()))
	if err := m.w.WriteFrame(msg); err != nil {
		m.lost(ctx)
		return NoAck
	}
	m.f.sent.Add(1)
	m.f.bytes.Add(uint64(len(msg)))
	frame, err := m.r.ReadFrame()
	if err != nil {
		m.lost(ctx)
		return NoAck
	}
	if m.ack.Parse(frame) != nil {
		m.hangUp()
		return AckOther
	}
	code, ctrl, ok := hl7.ParseAck(&m.ack)
	switch {
	case !ok:
		m.hangUp()
		return AckOther
	case hash64(ctrl) != id:
		m.hangUp()
		return AckMismatch
	}
	return outcomeOf(code)
}

// idle holds one connection open until the end of the run, counting it lost
// if the peer closes it first.
func (m *monitor) idle(ctx context.Context) {
	if !m.dial(ctx) {
		return
	}
	ctx, cancel := context.WithDeadline(ctx, m.end)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { m.conn.SetReadDeadline(time.Now()) })
	defer stop()
	var b [1]byte
	m.conn.SetReadDeadline(time.Time{})
	if _, err := m.conn.Read(b[:]); err != nil && ctx.Err() == nil {
		m.connErr.Add(1)
	}
}

// dial connects, reporting success; failures are counted.
func (m *monitor) dial(ctx context.Context) bool {
	d := net.Dialer{Timeout: m.f.ackTimeout()}
	if n := len(m.f.Sources); n > 0 {
		d.LocalAddr = &net.TCPAddr{IP: m.f.Sources[m.i%n].AsSlice()}
	}
	c, err := d.DialContext(ctx, "tcp", m.f.Addrs[m.i%len(m.f.Addrs)])
	if err == nil && m.f.TLS != nil {
		tc := tls.Client(c, m.f.TLS)
		hctx, cancel := context.WithTimeout(ctx, m.f.ackTimeout())
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			c.Close()
		}
		c = tc
	}
	if err != nil {
		if ctx.Err() == nil {
			m.dialErr.Add(1)
		}
		return false
	}
	m.conn = c
	m.stopConn = context.AfterFunc(ctx, func() { c.Close() })
	if m.r == nil {
		m.r = mllp.NewReader(c, m.f.maxFrame())
		m.w = mllp.NewWriter(c)
	} else {
		m.r.Reset(c)
		m.w.Reset(c)
	}
	m.f.connected.Add(1)
	m.peak()
	return true
}

// lost hangs up after an I/O error, counting it unless the run was cancelled.
func (m *monitor) lost(ctx context.Context) {
	if ctx.Err() == nil {
		m.connErr.Add(1)
	}
	m.hangUp()
}

// hangUp closes the connection, if any.
func (m *monitor) hangUp() {
	if m.conn == nil {
		return
	}
	m.stopConn()
	m.conn.Close()
	m.conn = nil
	m.f.connected.Add(-1)
}

// interval is the time between two sends of one monitor in open loop.
func (f *Fleet) interval() time.Duration { return time.Duration(float64(time.Second) / f.Rate) }

// sendTime is the k-th send time of monitor i of n in open loop: origin, plus the monitor's share i/n of
// one interval (so that the fleet's sends are spread evenly), plus k whole intervals.
func sendTime(origin time.Time, interval time.Duration, i, n, k int) time.Time {
	return origin.Add(time.Duration(int64(k)*int64(interval) + int64(interval)*int64(i)/int64(n)))
}

// pace signals wake[i] at each of monitor i's send times (sendTime) until end (never, if end is zero)
// or until stop is closed. A signal that finds the previous one not yet taken is dropped.
//
// It sleeps with preciseSleep instead of a Go timer. When a Go process is idle its timers fire on a
// 1 ms grid (the runtime's poller waits in whole milliseconds), which would bunch the monitors' sends
// into bursts and count up to a millisecond of the load generator's own delay as latency.
func pace(stop <-chan struct{}, origin time.Time, interval time.Duration, end time.Time, wake []chan struct{}) {
	for k := 0; ; k++ {
		for i := range wake {
			due := sendTime(origin, interval, i, len(wake), k)
			if !end.IsZero() && !due.Before(end) {
				return
			}
			for d := time.Until(due); ; d = time.Until(due) {
				select {
				case <-stop:
					return
				default:
				}
				if d <= 0 {
					break
				}
				preciseSleep(min(d, 50*time.Millisecond)) // in steps, so that a stop is noticed soon
			}
			select {
			case wake[i] <- struct{}{}:
			default:
			}
		}
	}
}

// waitUntil waits until t, reporting false if ctx ended first. In open loop it waits for the signals
// of pace, otherwise for a timer.
func (m *monitor) waitUntil(ctx context.Context, t time.Time) bool {
	if m.wake == nil {
		return sleepUntil(ctx, t)
	}
	for time.Now().Before(t) {
		select {
		case <-ctx.Done():
			return false
		case <-m.wake:
		}
	}
	return ctx.Err() == nil
}

// sleepUntil waits until t, reporting false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
