package gateway

import (
	"context"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// maxBacklogBytes bounds the bytes a station's backlog holds, whatever its queue length: a frozen
// secondary costs at most this much memory.
const maxBacklogBytes = 32 << 20

// backlog delivers messages to a station in the background, for routes where it is a secondary of an
// ack_from: primary route: the monitor's answer is the primary's and never waits for a secondary. It
// holds at most cfg.Queue messages and maxBacklogBytes; a message that does not fit is not delivered and
// the caller counts and records it.
type backlog struct {
	st     *station
	q      chan queued
	bytes  atomic.Int64
	result *prometheus.CounterVec // result: accepted, rejected, failed, dropped
}

// queued is one message waiting in a backlog: its own copy, and its MSH-10.
type queued struct {
	msg, ctrl []byte
	wantApp   bool // see station.forward
}

func newBacklog(st *station, m *metrics) *backlog {
	return &backlog{st: st, q: make(chan queued, st.cfg.Queue),
		result: m.secondary.MustCurryWith(prometheus.Labels{"station": st.cfg.Name})}
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

// run delivers queued messages one at a time until ctx ends; what is still queued then is dropped.
func (b *backlog) run(ctx context.Context) {
	var ack []byte
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-b.q:
			b.bytes.Add(-int64(len(m.msg) + len(m.ctrl)))
			a, code, err := b.st.forward(ctx, m.msg, m.ctrl, ack[:0], m.wantApp)
			ack = a
			switch {
			case err != nil:
				b.result.WithLabelValues("failed").Inc()
			case code.Positive():
				b.result.WithLabelValues("accepted").Inc()
			default:
				b.result.WithLabelValues("rejected").Inc()
			}
		}
	}
}
