package gateway

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// maxBacklogBytes bounds the bytes a station's backlog holds, whatever its queue length: a frozen
// secondary costs at most this much memory.
const maxBacklogBytes = 32 << 20

// A delivery to a secondary that fails (station unreachable, connection lost, no or a wrong answer) is
// tried again after backlogRetryFirst, the wait doubling, up to backlogAttempts tries in all: about
// 30 s of waits, so a secondary that restarts or loses its network for less misses nothing. Meanwhile
// the backlog keeps taking messages; what it cannot hold is dropped and recorded (session.dropSecondary).
// A message given up is counted failed. A retried message may reach the station twice (it took the
// message but its answer was lost), as with any at-least-once delivery.
const (
	backlogAttempts   = 8
	backlogRetryFirst = 250 * time.Millisecond
)

// backlog delivers messages to a station in the background, for routes where it is a secondary of an
// ack_from: primary route: the monitor's answer is the primary's and never waits for a secondary. It
// holds at most cfg.Queue messages and maxBacklogBytes; a message that does not fit is not delivered and
// the caller counts and records it.
type backlog struct {
	st     *station
	q      chan queued
	bytes  atomic.Int64
	result *prometheus.CounterVec // result: accepted, rejected, failed, dropped
	retire chan struct{}          // closed when a reload retired the station: deliver what is queued, then stop
	done   chan struct{}          // closed when run returns
}

// queued is one message waiting in a backlog: its own copy, and its MSH-10.
type queued struct {
	msg, ctrl []byte
	wantApp   bool // see station.forward
}

func newBacklog(st *station, m *metrics) *backlog {
	return &backlog{st: st, q: make(chan queued, st.cfg.Queue),
		result: m.secondary.MustCurryWith(prometheus.Labels{"station": st.cfg.Name}),
		retire: make(chan struct{}), done: make(chan struct{})}
}

// offer queues a copy of msg (whose MSH-10 is ctrl) and reports whether it fit. It never blocks.
func (b *backlog) offer(msg, ctrl []byte, wantApp bool) bool {
	n := int64(len(msg) + len(ctrl))
	if b.bytes.Add(n) > maxBacklogBytes {
		b.bytes.Add(-n)
		b.result.WithLabelValues("dropped").Inc()
		return false
	}
	buf := make([]byte, 0, n)
	buf = append(append(buf, msg...), ctrl...)
	select {
	case b.q <- queued{msg: buf[:len(msg)], ctrl: buf[len(msg):], wantApp: wantApp}:
		return true
	default:
		b.bytes.Add(-n)
		b.result.WithLabelValues("dropped").Inc()
		return false
	}
}

// run delivers queued messages one at a time until ctx ends, or, once stopAfterQueued was called, until
// the queue is empty; what is still queued when ctx ends is dropped.
func (b *backlog) run(ctx context.Context) {
	defer close(b.done)
	var ack []byte
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-b.q:
			ack = b.deliver(ctx, m, ack)
		case <-b.retire:
			for {
				select {
				case <-ctx.Done():
					return
				case m := <-b.q:
					ack = b.deliver(ctx, m, ack)
				default:
					return
				}
			}
		}
	}
}

// stopAfterQueued makes run return once it has delivered what is queued. Call it once, when nothing
// offers to the backlog any more (the station is retired and no message of a configuration that had it
// is in flight); wait for done before closing the station.
func (b *backlog) stopAfterQueued() { close(b.retire) }

// deliver forwards one queued message, trying again after a failure (see backlogAttempts) unless the
// station is being retired, counts the result and returns the ACK buffer for reuse.
func (b *backlog) deliver(ctx context.Context, m queued, ack []byte) []byte {
	b.bytes.Add(-int64(len(m.msg) + len(m.ctrl)))
	// One message at a time, the monitor answered already: any of the station's connections.
	a, code, err := b.st.forward(ctx, m.msg, m.ctrl, ack[:0], m.wantApp, wholePool)
	for try, wait := 1, backlogRetryFirst; err != nil && try < backlogAttempts; try, wait = try+1, wait*2 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-b.retire:
		case <-t.C:
			a, code, err = b.st.forward(ctx, m.msg, m.ctrl, a[:0], m.wantApp, wholePool)
			continue
		}
		t.Stop()
		break
	}
	switch {
	case err != nil:
		b.result.WithLabelValues("failed").Inc()
	case code.Positive():
		b.result.WithLabelValues("accepted").Inc()
	default:
		b.result.WithLabelValues("rejected").Inc()
	}
	return a
}
