package gateway

import (
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/gateway/store"
)

// A listener's max_source_rate bounds the bytes per second one source address sends, all its connections
// together. The gateway does not refuse a source over it: it handles that source's next message later, so
// that one device sending big messages back to back takes no more than its share of the CPU (parsing, body
// and vital-sign checks of a 1 MiB message) and of the stations' connections, and every other monitor's
// message still finds them free. A delayed message is answered as any other: the ACK semantics stay.
//
// The wait comes after a frame was read and before it is handled, never inside a frame: a throttled
// source cannot run into frame_timeout, and while it waits its connection reads nothing, so its socket
// buffers fill and TCP slows the sender down.

// sourceBudget is one source's budget on a listener, shared by its connections: a token bucket holding
// at most one second of the rate, that goes into debt rather than refuse, so a frame larger than the
// bucket waits for its own bytes only.
type sourceBudget struct {
	mu     sync.Mutex
	rate   float64   // bytes per second
	tokens float64   // bytes that may be read without waiting; negative: owed
	at     time.Time // when tokens was last brought up to date
}

func newSourceBudget(rate int, now time.Time) *sourceBudget {
	return &sourceBudget{rate: float64(rate), tokens: float64(rate), at: now}
}

// take spends n bytes read at now and returns how long to wait before handling what they carried.
func (b *sourceBudget) take(now time.Time, n int) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	b.tokens -= float64(n)
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// refill adds what the rate gave since the last call, up to one second of it. Under b.mu.
func (b *sourceBudget) refill(now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(b.rate, b.tokens+d.Seconds()*b.rate)
		b.at = now
	}
}

// full says whether b is as a new one would be at now: then it can be forgotten.
func (b *sourceBudget) full(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	return b.tokens >= b.rate
}

// budget returns src's budget on l, made on first use; nil when max_source_rate is off. A budget outlives
// its source's connections until it is full again, so a device cannot start afresh by reconnecting.
func (l *listener) budget(src netip.Addr, now time.Time) *sourceBudget {
	if l.cfg.MaxSourceRate <= 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.budgets[src]; b != nil {
		return b
	}
	if len(l.budgets) > 2*len(l.perSource)+16 {
		l.forgetBudgets(now)
	}
	b := newSourceBudget(l.cfg.MaxSourceRate, now)
	l.budgets[src] = b
	return b
}

// forgetBudgets drops the budgets of sources without a connection that are full again; budget calls it
// when the budgets outnumber twice the sources with connections (plus 16), so what is kept is bounded by
// the connections and the sources that left owing. Under l.mu.
func (l *listener) forgetBudgets(now time.Time) {
	for src, b := range l.budgets {
		if l.perSource[src] == 0 && b.full(now) {
			delete(l.budgets, src)
		}
	}
}

// pace charges the bytes read since the previous frame to the session's source and, when the source is
// over its budget, counts it and waits before the frame (read at now) is handled. A wait ends early when
// Shutdown begins: the frame, read and not yet answered, is handled then like any other message in flight
// (delivered and answered within the grace period), rather than holding the shutdown for up to the
// source's whole debt.
func (s *session) pace(now time.Time) {
	n := s.unpaid
	s.unpaid = 0
	if s.budget == nil {
		return
	}
	d := s.budget.take(now, n)
	if d <= 0 {
		return
	}
	s.overBudget(now, d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.g.stopping:
	}
}

// overBudget counts a frame of a source over its budget that waits d, and records it: one event per
// source while it stays over (aggregated like every event), logged and exported to the SOC when stored
// (a device flooding the segment is a security event, as a refused connection is). No message content.
func (s *session) overBudget(now time.Time, d time.Duration) {
	s.l.throttled.Inc()
	s.l.throttledWait.Add(d.Seconds())
	lc := s.l.cfg
	stored := false
	s.g.events.note(aggKey{lc.Name, s.src, store.KindThrottle, "max_source_rate"}, now, 0, func() store.Event {
		stored = true
		reason := fmt.Sprintf("source over max_source_rate (%d bytes/s, all its connections): its messages are handled later, none refused", lc.MaxSourceRate)
		// The device is the one the connection's latest message named (none before its first).
		s.g.export.Send(export.Event{Kind: export.KindSourceThrottled, Time: now, Device: deviceOf(&s.ident), Listener: lc.Name,
			Src: s.remote, Proto: "TCP", Action: "delayed", Rule: "max_source_rate",
			Reason: fmt.Sprintf("over %d bytes/s", lc.MaxSourceRate), Detail: "all its connections together: its messages are delivered later, none refused"})
		return store.Event{Kind: store.KindThrottle, Severity: "warning", Listener: lc.Name, Source: s.src.String(), Reason: reason}
	})
	if stored { // logged outside the event log's lock
		s.logger().Warn().Int("max_source_rate", lc.MaxSourceRate).Dur("wait", d).Msg("source over its byte-rate budget: messages delayed")
	}
}
