package export

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Stats are a sender's counters since it started. Every event given to Send is, in the end, either
// sent or dropped: Sent+Dropped+Queued (+1 while one is being written) is what Send was given.
type Stats struct {
	Sent    uint64 // events delivered: written to the syslog connection, or a webhook answered 2xx
	Dropped uint64 // events dropped: buffer full, sent after Close, refused or retried out, or left at Close
	// Reconnects counts syslog connections made after the first, and webhook requests retried.
	Reconnects uint64
	// DialErrors counts failed syslog connection attempts (TLS handshake included), and failed webhook
	// requests (no answer, or not 2xx).
	DialErrors uint64
	Queued     int  // events waiting in the buffer now
	Connected  bool // syslog: a connection is open now; webhook: the last request succeeded
}

// outbox is the bounded buffer between Send and a sender's goroutine, with the counters and the Close
// protocol every sender shares. A sender calls init, starts its goroutine, and in it takes events from
// queue until drained after Close or ctx is cancelled; the goroutine must close done when it ends and
// call dropQueued before.
type outbox struct {
	name    string
	mu      sync.RWMutex // Send holds it shared while enqueueing, Close exclusively to set closed
	closed  bool
	queue   chan queued
	seq     atomic.Uint64      // events given to Send
	closing chan struct{}      // closed by Close: drain the queue, then stop
	ctx     context.Context    // cancelled when Close gives up
	cancel  context.CancelFunc //
	done    chan struct{}      // closed when the sender goroutine has ended

	sent, dropped, reconnects, dialErrors atomic.Uint64
	connected                             atomic.Bool

	descs descs
}

func (o *outbox) init(name string, size int) {
	o.name = name
	o.queue = make(chan queued, size)
	o.closing = make(chan struct{})
	o.done = make(chan struct{})
	o.ctx, o.cancel = context.WithCancel(context.Background())
	o.descs = newDescs(name)
}

// queued is an event in the buffer with its sequence number.
type queued struct {
	Event
	seq uint32
}

// Send numbers e and queues it, and returns at once. When the buffer is full, or after Close, e is
// dropped and counted; its number is then missing from what the receiver gets, so the SIEM sees the
// gap. Numbers count from 1 per sender and wrap after 2147483647 (RFC 5424's sequenceId range). A zero
// e.Time is set to now.
func (o *outbox) Send(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	q := queued{Event: e, seq: uint32((o.seq.Add(1)-1)%2147483647 + 1)}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.closed {
		o.dropped.Add(1)
		return
	}
	select {
	case o.queue <- q:
	default:
		o.dropped.Add(1)
	}
}

// Stats returns the sender's counters.
func (o *outbox) Stats() Stats {
	return Stats{
		Sent:       o.sent.Load(),
		Dropped:    o.dropped.Load(),
		Reconnects: o.reconnects.Load(),
		DialErrors: o.dialErrors.Load(),
		Queued:     len(o.queue),
		Connected:  o.connected.Load(),
	}
}

// Close stops taking events and delivers what is buffered until ctx ends; then it aborts the delivery
// in progress, counts what is left as dropped, and returns ctx's error with how many were left. Close
// is safe to call more than once.
func (o *outbox) Close(ctx context.Context) error {
	o.mu.Lock()
	first := !o.closed
	o.closed = true
	o.mu.Unlock()
	if first {
		close(o.closing)
	}
	select {
	case <-o.done:
		return nil
	case <-ctx.Done():
	}
	before := o.dropped.Load()
	o.cancel()
	<-o.done // the sender counts what is left as dropped
	return fmt.Errorf("export %s: close: %d events left unsent: %w", o.name, o.dropped.Load()-before, ctx.Err())
}

// drained reports whether Close was called and nothing is left to send.
func (o *outbox) drained(pending *queued) bool {
	select {
	case <-o.closing:
		return pending == nil && len(o.queue) == 0
	default:
		return false
	}
}

// next returns the next queued event; false when the queue is drained after Close or the sender is
// cancelled. lost, when not nil, also ends the wait (a connection that went away).
func (o *outbox) next(lost <-chan struct{}) (e queued, ok bool) {
	select {
	case e = <-o.queue:
		return e, true
	case <-lost:
		return e, false
	case <-o.ctx.Done():
		return e, false
	case <-o.closing:
		select {
		case e = <-o.queue:
			return e, true
		default:
			return e, false
		}
	}
}

// dropQueued counts what is still queued as dropped, when the sender stops.
func (o *outbox) dropQueued() {
	for {
		select {
		case <-o.queue:
			o.dropped.Add(1)
		default:
			return
		}
	}
}

// wait sleeps for d; false when the sender was cancelled meanwhile.
func (o *outbox) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-o.ctx.Done():
		return false
	}
}
