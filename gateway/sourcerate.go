package gateway

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
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

// sourceRates is a listener's max_source_rate and source_rates as last configured (at start, or by a
// reload: listener.setRates). A session compares the one its budget was taken under with the listener's
// at each frame, one pointer load, and takes its budget anew when a reload replaced it.
type sourceRates struct {
	def     rateRule      // max_source_rate
	nets    []netRate     // source_rates, the longest prefix first
	changed chan struct{} // closed when a reload replaces these rates: the waits taken under them recompute
}

// rateRule is a source's rate and the setting that gave it, as an event about a source over it names it.
type rateRule struct {
	rate int    // bytes per second; -1: none
	name string // the setting: "max_source_rate", or "source_rates" and the entry's network
	// class is name and rate, made once per configuration: what the source's throttle events aggregate
	// under, so that a reload that changes its rate starts an event that names the new one.
	class string
}

func newRateRule(rate int, name string) rateRule {
	return rateRule{rate: rate, name: name, class: fmt.Sprintf("%s %d", name, rate)}
}

// netRate is one of source_rates: the rate of each source in p.
type netRate struct {
	p netip.Prefix
	rateRule
}

// newSourceRates compiles lc's max_source_rate and source_rates (validated).
func newSourceRates(lc config.ListenerConfig) *sourceRates {
	r := &sourceRates{def: newRateRule(lc.MaxSourceRate, "max_source_rate"), changed: make(chan struct{})}
	for _, sr := range lc.SourceRates {
		p := netip.MustParsePrefix(sr.Sources).Masked()
		r.nets = append(r.nets, netRate{p, newRateRule(sr.MaxSourceRate, "source_rates "+p.String())})
	}
	slices.SortStableFunc(r.nets, func(a, b netRate) int { return b.p.Bits() - a.p.Bits() })
	return r
}

// of returns src's rate and the setting that gives it: the longest source_rates prefix that holds src,
// or max_source_rate.
func (r *sourceRates) of(src netip.Addr) *rateRule {
	for i := range r.nets {
		if r.nets[i].p.Contains(src) {
			return &r.nets[i].rateRule
		}
	}
	return &r.def
}

// sourceBudget is one source's budget on a listener, shared by its connections: a token bucket holding
// at most one second of the rate, that goes into debt rather than refuse, so a frame larger than the
// bucket waits for its own bytes only. A second bucket, filled at half the rate, says whether the source
// sends more than half its rate (take): the first one's level cannot, since a source paced just under its
// rate keeps it nearly full.
type sourceBudget struct {
	mu     sync.Mutex
	rate   float64   // bytes per second
	tokens float64   // bytes that may be read without waiting; negative: owed
	half   float64   // bytes the source may send within half its rate: at most half a second's rate, never owed
	at     time.Time // when tokens and half were last brought up to date
}

func newSourceBudget(rate int, now time.Time) *sourceBudget {
	return &sourceBudget{rate: float64(rate), tokens: float64(rate), half: float64(rate) / 2, at: now}
}

// take spends n bytes read at now and returns how long to wait before handling what they carried, the
// rate (bytes per second) that wait is paid at, and whether the source sends more than half its rate
// (its messages are then of a station pool's unreserved share: poolShare): the n bytes did not fit in
// what half the rate gave back since, after a burst of at most half a second's rate.
func (b *sourceBudget) take(now time.Time, n int) (time.Duration, float64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	b.tokens -= float64(n)
	spent := float64(n) > b.half
	b.half = max(0, b.half-float64(n))
	if b.tokens >= 0 {
		return 0, b.rate, spent
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second)), b.rate, spent
}

// setRate makes rate b's rate from now on (a reload): what the source owes stays owed, and is paid back
// at the new rate; what it may send at once is at most one second of the new rate.
func (b *sourceBudget) setRate(rate int, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	b.rate = float64(rate)
	b.tokens = min(b.tokens, b.rate)
	b.half = min(b.half, b.rate/2)
}

// refill adds what the rate gave since the last call, up to one second of it, and half of it to half, up
// to half a second's rate. Under b.mu.
func (b *sourceBudget) refill(now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(b.rate, b.tokens+d.Seconds()*b.rate)
		b.half = min(b.rate/2, b.half+d.Seconds()*b.rate/2)
		b.at = now
	}
}

// full says whether b is as a new one would be at now: then it can be forgotten.
func (b *sourceBudget) full(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	return b.tokens >= b.rate && b.half >= b.rate/2
}

// budget returns src's budget on l, made on first use, under the listener's current rates, and those rates;
// nil when src has no rate. A budget outlives its source's connections until it is full again, so a device
// cannot start afresh by reconnecting.
func (l *listener) budget(src netip.Addr, now time.Time) (*sourceBudget, *sourceRates) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rates.Load()
	rate := r.of(src).rate
	if rate < 0 {
		return nil, r
	}
	if b := l.budgets[src]; b != nil {
		return b, r
	}
	if len(l.budgets) > 2*len(l.perSource)+16 {
		l.forgetBudgets(now)
	}
	b := newSourceBudget(rate, now)
	l.budgets[src] = b
	return b, r
}

// setRates makes r the listener's rates (a reload changed max_source_rate or source_rates): each source's
// budget takes its new rate, keeping what the source owes, or goes when the source has no rate now. Each
// session takes its budget anew at its next frame (pace), and the waits in progress recompute what is left
// of them at the new rate (waitBudget).
func (l *listener) setRates(r *sourceRates, now time.Time) {
	l.mu.Lock()
	old := l.rates.Swap(r)
	for src, b := range l.budgets {
		if rate := r.of(src).rate; rate < 0 {
			delete(l.budgets, src)
		} else {
			b.setRate(rate, now)
		}
	}
	l.mu.Unlock()
	close(old.changed)
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
// over its budget, counts it and waits before the frame (read at now) is handled (waitBudget). It takes the
// source's budget anew first when a reload changed the listener's rates since the latest frame. It sets
// the share of the stations' connections the frame may take (s.share): unreserved when the source sends
// more than half its rate; a source without a budget is never told apart.
func (s *session) pace(now time.Time) {
	n := s.unpaid
	s.unpaid = 0
	s.share = wholePool
	if s.l.rates.Load() != s.rates {
		s.budget, s.rates = s.l.budget(s.src, now)
	}
	if s.budget == nil {
		return
	}
	d, rate, spent := s.budget.take(now, n)
	if spent {
		s.share = unreserved
	}
	if d <= 0 {
		return
	}
	s.overBudget(now, d)
	s.waitBudget(now, d, rate)
}

// waitBudget waits d from now, what the source's budget needs at rate (bytes per second) to pay for the
// frame, or less. It ends early when Shutdown begins: the frame, read and not yet answered, is handled then
// like any other message in flight (delivered and answered within the grace period), rather than holding
// the shutdown for up to the source's whole debt. When a reload changes the source's rate, what is left of
// the wait is paid at the new rate: it ends at once when the source has no rate now, and an unrelated
// reload leaves it as it was.
func (s *session) waitBudget(now time.Time, d time.Duration, rate float64) {
	t := time.NewTimer(d)
	defer t.Stop()
	end, r := now.Add(d), s.rates
	for {
		select {
		case <-t.C:
			return
		case <-s.g.stopping:
			return
		case <-r.changed:
		}
		r = s.l.rates.Load()
		next := r.of(s.src).rate
		left := time.Until(end)
		if next < 0 || left <= 0 {
			return
		}
		left = time.Duration(float64(left) * rate / float64(next))
		end, rate = time.Now().Add(left), float64(next)
		t.Reset(left)
	}
}

// overBudget counts a frame of a source over its budget that waits d, and records it: one event per
// source and rate while it stays over (aggregated like every event), logged and exported to the SOC when
// stored (a device flooding the segment is a security event, as a refused connection is), naming the
// setting that gave the source its rate. No message content.
func (s *session) overBudget(now time.Time, d time.Duration) {
	s.l.throttled.Inc()
	s.l.throttledWait.Add(d.Seconds())
	name := s.l.cfg.Name
	r := s.rates.of(s.src) // the rates pace took the budget under
	stored := false
	s.g.events.note(aggKey{name, s.src, store.KindThrottle, r.class}, now, 0, func() store.Event {
		stored = true
		reason := fmt.Sprintf("source over %s (%d bytes/s, all its connections): its messages are handled later, none refused", r.name, r.rate)
		// The device is the one the connection's latest message named (none before its first).
		s.g.export.Send(export.Event{Kind: export.KindSourceThrottled, Time: now, Device: deviceOf(&s.ident), Listener: name,
			Src: s.remote, Proto: "TCP", Action: "delayed", Rule: r.name,
			Reason: fmt.Sprintf("over %d bytes/s", r.rate), Detail: "all its connections together: its messages are delivered later, none refused"})
		return store.Event{Kind: store.KindThrottle, Severity: "warning", Listener: name, Source: s.src.String(), Reason: reason}
	})
	if stored { // logged outside the event log's lock
		s.logger().Warn().Str("rule", r.name).Int("rate", r.rate).Dur("wait", d).Msg("source over its byte-rate budget: messages delayed")
	}
}
