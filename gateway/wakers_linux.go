package gateway

import (
	"sync"
	"time"
)

// wakers runs the sessions the parker wakes. A woken session goes to a goroutine that ran one before and
// now waits for the next (the one idle for the shortest time first); a goroutine is started only when none
// waits. A connection parked after every message (a monitor sending every second) therefore costs no
// goroutine start per message, and its message is handled on a stack that earlier messages have grown
// already, instead of a new 2 KiB one that grows (runtime.copystack) for every message.
//
// There is no bound on the goroutines: a session held up by a slow station keeps its goroutine, as it
// would keep its own, and never delays another session's wake. At most maxIdleWakers goroutines wait
// (the others end when their session ends or parks), and one that stayed idle through a whole wakerIdle
// period ends (reap): a burst of wakes, thousands of sessions at once when the machine stalls, leaves no
// more than maxIdleWakers stacks behind, and those for at most two periods.
type wakers struct {
	g *Gateway

	mu      sync.Mutex
	idle    []*waker // the longest idle first
	epoch   uint64   // reap periods so far
	reaping *time.Timer
	closed  bool
}

// waker is one goroutine of wakers, while it waits for a session to run.
type waker struct {
	next  chan wakeJob // buffered: run never waits for it
	epoch uint64       // the reap period in which it became idle
}

// wakeJob is a session to run and why it was woken.
type wakeJob struct {
	s   *session
	why waking
}

// wakerIdle is the reap period: a goroutine idle through a whole one ends. maxIdleWakers: how many
// goroutines may wait at once, far more than the sessions a gateway that keeps up has awake at once
// (5,000 monitors at 1 msg/s: about one).
const (
	wakerIdle     = time.Second
	maxIdleWakers = 32
)

// run runs s (runSession) in an idle goroutine, or in a new one when none is idle.
func (w *wakers) run(s *session, why waking) {
	w.mu.Lock()
	if n := len(w.idle); n > 0 && !w.closed {
		k := w.idle[n-1]
		w.idle[n-1] = nil
		w.idle = w.idle[:n-1]
		w.mu.Unlock()
		k.next <- wakeJob{s, why}
		return
	}
	w.mu.Unlock()
	go w.serve(&waker{next: make(chan wakeJob, 1)}, wakeJob{s, why})
}

// serve is a waker's goroutine: it runs j's session, then each session it is handed, until it is reaped
// or the wakers are closed.
func (w *wakers) serve(k *waker, j wakeJob) {
	for ok := true; ok; j, ok = <-k.next {
		w.g.runSession(j.s, j.why)
		j = wakeJob{} // an idle goroutine keeps no ended session alive
		if !w.rest(k) {
			return
		}
	}
}

// rest puts k among the idle goroutines; false when the wakers are closed or enough wait, and k must end.
func (w *wakers) rest(k *waker) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || len(w.idle) >= maxIdleWakers {
		return false
	}
	k.epoch = w.epoch
	w.idle = append(w.idle, k)
	if w.reaping == nil {
		w.reaping = time.AfterFunc(wakerIdle, w.reap)
	} else if len(w.idle) == 1 {
		w.reaping.Reset(wakerIdle)
	}
	return true
}

// reap ends the goroutines that have been idle since before the latest period began, and starts the next
// period while any goroutine is idle.
func (w *wakers) reap() {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for n < len(w.idle) && w.idle[n].epoch < w.epoch {
		close(w.idle[n].next)
		n++
	}
	w.idle = append(w.idle[:0], w.idle[n:]...)
	clear(w.idle[len(w.idle):cap(w.idle)])
	w.epoch++
	if len(w.idle) > 0 && !w.closed {
		w.reaping.Reset(wakerIdle)
	}
}

// close ends the idle goroutines; those still running a session end after it.
func (w *wakers) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	for _, k := range w.idle {
		close(k.next)
	}
	w.idle = nil
	if w.reaping != nil {
		w.reaping.Stop()
	}
}
