package gateway

import (
	"net/netip"
	"sync"
	"time"

	"github.com/hl7gate/hl7gate/gateway/store"
)

// Event aggregation bounds what one misbehaving source costs the store. Each (listener, source, kind,
// class) is one stored event (vital-sign findings: the first logBurst, see note): the first
// occurrence is written with Count 1, repeats are only counted in memory (no store write, no allocation) and folded into that event (Count, LastSeen) by the flusher
// every aggFlush. So one source flooding rejected messages writes one event, not one per message, and
// can never evict another source's evidence. An aggregate idle for aggIdle is forgotten: the next
// occurrence starts a new event. At most aggMaxKeys aggregates are open at once; beyond that, new ones
// go to one overflow aggregate per kind (source empty), so many sources cannot flood either.
const (
	aggFlush   = time.Second
	aggIdle    = time.Minute
	aggMaxKeys = 4096
)

// aggKey names one aggregate. It holds no allocated text of its own: class is a reason label made once (a
// constant, or with the configuration: rateRule.class).
type aggKey struct {
	listener string
	src      netip.Addr
	kind     string
	class    string
}

// aggregate is the stored event of a key and what is not yet folded into it.
type aggregate struct {
	ev      store.Event // as stored, with Count, FirstSeen and LastSeen
	pending uint64      // occurrences since the last flush
	last    time.Time
	stored  int // events stored for it (see note)
}

// eventLog writes events through aggregation. Safe for concurrent use.
type eventLog struct {
	store *store.Store
	mu    sync.Mutex
	aggs  map[aggKey]*aggregate
}

func newEventLog(st *store.Store) *eventLog {
	return &eventLog{store: st, aggs: map[aggKey]*aggregate{}}
}

// note records one occurrence of k at now. build makes the event; it is called only for an occurrence
// that is stored, so a repeat costs a map lookup and no allocation. burst > 0 stores the first burst
// occurrences of k each as its own event (vital-sign findings: each carries its values) before
// repeats are folded into the last one, until the aggregate has been idle for aggIdle; 0 stores only
// the first.
func (l *eventLog) note(k aggKey, now time.Time, burst int, build func() store.Event) {
	l.mu.Lock()
	a, ok := l.aggs[k]
	if ok && burst > 0 {
		if a.stored < burst && a.ev.ID != 0 {
			a.stored++
			prev := a.ev
			if a.pending > 0 {
				prev.Count += a.pending
				prev.LastSeen = a.last
			}
			pending := a.pending
			ev := build()
			ev.Time, ev.Count, ev.FirstSeen, ev.LastSeen = now, 1, now, now
			a.ev, a.pending, a.last = ev, 0, now
			l.mu.Unlock()
			if pending > 0 {
				l.store.UpdateEvent(prev)
			}
			id := l.store.AddEvent(ev)
			l.mu.Lock()
			a.ev.ID = id
			l.mu.Unlock()
			return
		}
	}
	if ok {
		a.pending++
		a.last = now
		l.mu.Unlock()
		return
	}
	if len(l.aggs) >= aggMaxKeys {
		k = aggKey{kind: k.kind, class: "overflow"}
		if a, ok = l.aggs[k]; ok {
			a.pending++
			a.last = now
			l.mu.Unlock()
			return
		}
	}
	ev := build()
	if k.class == "overflow" {
		ev.Listener, ev.Source, ev.ControlID = "", "", ""
		ev.Reason = "more sources than hl7gate aggregates at once: " + ev.Reason
	}
	ev.Time, ev.Count, ev.FirstSeen, ev.LastSeen = now, 1, now, now
	a = &aggregate{ev: ev, last: now, stored: 1}
	l.aggs[k] = a
	l.mu.Unlock()
	// Written outside the lock; the flusher folds repeats in only once ev.ID is set.
	id := l.store.AddEvent(ev)
	l.mu.Lock()
	a.ev.ID = id
	l.mu.Unlock()
}

// flush folds pending repeats into their stored events and forgets idle aggregates.
func (l *eventLog) flush(now time.Time) {
	var updates []store.Event
	l.mu.Lock()
	for k, a := range l.aggs {
		if a.pending > 0 && a.ev.ID != 0 {
			a.ev.Count += a.pending
			a.ev.LastSeen = a.last
			a.pending = 0
			updates = append(updates, a.ev)
		}
		if a.pending == 0 && now.Sub(a.last) > aggIdle {
			delete(l.aggs, k)
		}
	}
	l.mu.Unlock()
	for _, ev := range updates {
		l.store.UpdateEvent(ev)
	}
}

// run flushes every aggFlush until done is closed, then once more, and calls tick at each of those ticks
// after the flush.
func (l *eventLog) run(done <-chan struct{}, tick func(now time.Time)) {
	t := time.NewTicker(aggFlush)
	defer t.Stop()
	for {
		select {
		case <-done:
			l.flush(time.Now())
			return
		case now := <-t.C:
			l.flush(now)
			tick(now)
		}
	}
}
