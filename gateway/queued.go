package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/admin"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/queue"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/inventory"
)

// Store mode (a route's delivery: store). The session appends the message to the route's queue, one
// record per station of the route under the key "<station>/<device>", and answers the monitor with a
// positive commit ACK only once every append is fsynced. One deliverer goroutine per key sends the key's
// messages to its station in order, retrying with backoff until the station's positive ACK; AE/AR follow
// queue.on_reject. A message the station had but never answered with a matching ACK, queue.poison_attempts
// times, each after the station answered other messages, is dead-lettered as a poison message so that
// the key's later messages go on (per-key order yields to liveness there, and only there); while the
// station answers nothing (down, restarting) a message is retried without limit. A deliverer ends after
// deliverIdle without messages and is started again by the next append; after a restart, Start starts
// one for every key the queue recovered. A failed queue (a full disk) reopens itself (gateway/queue,
// "Failure"): meanwhile appends get AE, deliverers wait, /readyz fails and hl7gate_queue_failed is 1;
// watch logs and records each change and, after the reopen, starts the deliverers of the keys it
// recovered, as a restart would.
//
// The bounds the monitor meets (queue package, Bounds): the route's queue.max_bytes, its connection
// address's queue.max_source_bytes (the address: a device ID is what the message claims), and each
// key's queue.max_age. In a fan-out, a station whose key is past max_age is skipped (counted, one event
// per episode) while another station of the route queued the message: one dead station does not close
// the route.

// deliverIdle is how long a deliverer waits for its key's next message before it ends.
const deliverIdle = time.Minute

// commitReason is the text of the gateway's positive commit ACK in store mode.
const commitReason = "durably queued, not yet delivered"

// routeQueue is one store-mode route's durable queue and its deliverers.
type routeQueue struct {
	g        *Gateway
	name     string
	q        *queue.Queue
	stations []int // the route's stations, indexes into g.stations
	log      zerolog.Logger

	delivered *prometheus.CounterVec // station
	dead      prometheus.Counter
	poison    *prometheus.CounterVec // station
	skipped   *prometheus.CounterVec // station

	mu      sync.Mutex
	running map[queue.Key]bool // keys with a deliverer
	stale   map[queue.Key]bool // keys skipped in a fan-out since they last took a message (max_age)
	closed  bool
	wg      sync.WaitGroup
}

// openQueues opens the queue of every store-mode route and registers its metrics. On error nothing is
// left open.
func (g *Gateway) openQueues() error {
	for _, rc := range g.cfg.Routes {
		if rc.Delivery != config.DeliveryStore {
			continue
		}
		maxFrame := 0
		for _, l := range g.cfg.Listeners {
			maxFrame = max(maxFrame, l.MaxFrame)
		}
		q, err := queue.Open(g.cfg.QueueDir(rc.Name), queue.Options{
			MaxBytes: g.cfg.Queue.MaxBytes, MaxSourceBytes: g.cfg.Queue.MaxSourceBytes, MaxAge: g.cfg.Queue.MaxAge,
			MaxMessage: maxFrame,
		})
		if err != nil {
			g.closeQueues()
			return fmt.Errorf("route %s: %w", rc.Name, err)
		}
		rq := &routeQueue{
			g: g, name: rc.Name, q: q, running: map[queue.Key]bool{}, stale: map[queue.Key]bool{},
			log:       g.log.With().Str("route", rc.Name).Logger(),
			delivered: g.metrics.queueDelivered.MustCurryWith(prometheus.Labels{"route": rc.Name}),
			dead:      g.metrics.queueDead.WithLabelValues(rc.Name),
			poison:    g.metrics.queuePoison.MustCurryWith(prometheus.Labels{"route": rc.Name}),
			skipped:   g.metrics.queueSkipped.MustCurryWith(prometheus.Labels{"route": rc.Name}),
		}
		for _, s := range rc.Stations {
			rq.stations = append(rq.stations, slices.IndexFunc(g.stations, func(st *station) bool { return st.cfg.Name == s }))
		}
		g.metrics.registerQueue(rc.Name, q)
		g.queues[rc.Name] = rq
		st := q.Stats()
		rq.log.Info().Int("queued", st.Depth).Int("keys", st.Keys).Int("dead_letters", st.DeadLetters).Msg("queue open")
	}
	g.warnOrphanQueues()
	g.warnQueueSpace()
	return nil
}

// warnQueueSpace logs a warning when the store-mode queues could grow to their queue.max_bytes (queued
// messages and dead letters) and the disk hold less: then the disk, not the bound, ends the appends, and
// a full disk fails the queue for every monitor instead of one monitor getting AE.
func (g *Gateway) warnQueueSpace() {
	if len(g.queues) == 0 {
		return
	}
	free, ok := queue.AvailableBytes(g.cfg.Queue.Directory)
	if !ok {
		return
	}
	room := int64(0) // what the queues may still add within their bounds
	for _, rq := range g.queues {
		st := rq.q.Stats()
		room += max(0, g.cfg.Queue.MaxBytes-st.Bytes-st.DeadBytes)
	}
	if room > free {
		g.log.Warn().Str("directory", g.cfg.Queue.Directory).Int64("free_bytes", free).Int64("room_bytes", room).
			Int("routes", len(g.queues)).
			Msg("queue.max_bytes of the store-mode routes exceeds the free space of queue.directory: the disk can fill before the bound (set max_bytes below the free space, per route)")
	}
}

// warnOrphanQueues logs a warning for each queue directory of a route that is not (or no longer) in store
// mode: its messages stay on disk, undelivered, until the route is configured with delivery: store again.
func (g *Gateway) warnOrphanQueues() {
	if g.cfg.Queue.Directory == "" {
		return
	}
	des, err := os.ReadDir(g.cfg.Queue.Directory)
	if err != nil {
		return // none yet
	}
	for _, de := range des {
		if de.IsDir() && g.queues[de.Name()] == nil {
			g.log.Warn().Str("route", de.Name()).Str("directory", filepath.Join(g.cfg.Queue.Directory, de.Name())).
				Msg("queue of a route that is not in store mode: its messages wait there, undelivered, until the route has delivery: store again")
		}
	}
}

// startDeliverers starts a deliverer for every key with queued messages (those recovered at open), and
// each queue's watch.
func (g *Gateway) startDeliverers() {
	for _, rq := range g.queues {
		rq.startKeys()
		rq.wg.Add(1)
		go rq.watch()
	}
}

// startKeys starts a deliverer for every key with queued messages.
func (rq *routeQueue) startKeys() {
	for _, k := range rq.q.Keys() {
		rq.start(k)
	}
}

// watch follows the queue's health until the gateway stops: one log line and one event for each change
// between failed and usable (not one per message), and after a reopen the deliverers of the keys it
// recovered (a deliverer that went idle meanwhile has messages again: acknowledgements not yet durable).
func (rq *routeQueue) watch() {
	defer rq.wg.Done()
	var failed error
	for {
		changed, err := rq.q.Health()
		switch {
		case err != nil && failed == nil:
			rq.log.Error().Err(err).Msg("queue failed: monitors get AE and delivery waits until the disk takes writes again")
			rq.g.store.AddEvent(store.Event{Kind: store.KindGateway, Severity: "error",
				Reason: "queue of route " + rq.name + " failed: " + err.Error() + "; store mode answers AE until it recovers"})
		case err == nil && failed != nil:
			st := rq.q.Stats()
			rq.log.Warn().Int("queued", st.Depth).Int("keys", st.Keys).Msg("queue recovered: reopened from disk, delivery resumes")
			rq.g.store.AddEvent(store.Event{Kind: store.KindGateway, Severity: "info",
				Reason: "queue of route " + rq.name + " recovered: reopened from disk, " + strconv.Itoa(st.Depth) + " messages queued"})
			rq.startKeys()
		}
		failed = err
		select {
		case <-changed:
		case <-rq.g.ctx.Done():
			return
		}
	}
}

// queueFailure returns why a store-mode route's queue takes no messages, nil when every one does.
func (g *Gateway) queueFailure() error {
	for _, rc := range g.cfg.Routes {
		if rq := g.queues[rc.Name]; rq != nil {
			if _, err := rq.q.Health(); err != nil {
				return fmt.Errorf("queue of route %s failed: %w", rc.Name, err)
			}
		}
	}
	return nil
}

// closeQueues stops the deliverers (g.ctx must be cancelled first, or nothing may have started them) and
// closes the queues, which fsyncs the acknowledgements still pending.
func (g *Gateway) closeQueues() {
	for _, rq := range g.queues {
		rq.mu.Lock()
		rq.closed = true
		rq.mu.Unlock()
		rq.wg.Wait()
		if err := rq.q.Close(); err != nil && !errors.Is(err, queue.ErrClosed) {
			rq.log.Error().Err(err).Msg("queue close")
		}
	}
}

// deviceKey names the monitor whose messages are kept in order: its EUI-64 or equipment identifier
// when its messages carry one, with its connection address, else its address alone. The ID is what the
// message claims; with the address in the key, a monitor claiming another's ID gets a key of its own and
// can never make the other's messages wait behind its own (a stream of poison messages, each held for
// queue.poison_attempts, would otherwise delay the victim at will and then get it AE at max_age).
func deviceKey(id *inventory.Identity, src netip.Addr) string {
	switch {
	case id.EUI64 != "":
		return "eui64:" + id.EUI64 + "@" + src.String()
	case id.Equipment != "":
		return "equipment:" + id.Equipment + "@" + src.String()
	}
	return "addr:" + src.String()
}

// queueKeys returns the keys of the session's current device in rq, one per station, cached per session.
// s.ident is the current message's (observe updated it).
func (s *session) queueKeys(rq *routeQueue) []queue.Key {
	dev := s.qdev
	if s.ident.EUI64 != s.qEUI64 || s.ident.Equipment != s.qEquip || dev == "" {
		dev = deviceKey(&s.ident, s.src)
		s.qEUI64, s.qEquip = s.ident.EUI64, s.ident.Equipment
		s.qdev = dev
		s.qrq = nil
	}
	if s.qrq != rq {
		s.qkeys = s.qkeys[:0]
		for _, i := range rq.stations {
			k := s.g.stations[i].cfg.Name + "/" + dev
			if len(k) > 255 {
				k = k[:255]
			}
			s.qkeys = append(s.qkeys, queue.Key(k))
		}
		s.qrq = rq
	}
	return s.qkeys
}

// enqueue appends msg to rq for each of its stations and answers the monitor: a positive commit ACK
// once every append is durable, AE (CE) otherwise. A message a station append failed for may still
// reach the other stations of a fan-out route; the monitor re-sends it (at-least-once). The one
// exception: a fan-out station whose key is past queue.max_age is skipped when another station queued
// the message (skipStale).
func (s *session) enqueue(now time.Time, rq *routeQueue, msg []byte) ([]byte, bool) {
	keys := s.queueKeys(rq)
	src := s.src.Unmap().String()
	var err error
	if len(keys) == 1 {
		if _, err = rq.q.AppendFrom(s.g.ctx, src, keys[0], msg); err == nil {
			rq.start(keys[0])
		}
	} else {
		errs := make([]error, len(keys))
		var wg sync.WaitGroup
		for k, key := range keys {
			wg.Go(func() { _, errs[k] = rq.q.AppendFrom(s.g.ctx, src, key, msg) })
		}
		wg.Wait()
		for k, key := range keys {
			if errs[k] == nil {
				rq.start(key) // also when another append failed: what did go in must be delivered
			}
		}
		err = rq.skipStale(keys, errs, &s.msg)
	}
	if err != nil {
		reason, text := reasonNotQueued, "message not queued"
		switch {
		case errors.Is(err, queue.ErrSourceFull):
			reason, text = reasonQueueShare, "queue share of this address full"
		case errors.Is(err, queue.ErrFull):
			reason, text = reasonQueueFull, "queue full"
		}
		s.reject(now, reason, &s.msg, text+": route "+rq.name)
		return s.ownAck(now, hl7.AE, hl7.CodeInternalError, text), true
	}
	s.queued++
	code := hl7.AA
	if s.msg.WantsAcceptAck() {
		code = hl7.CA
	}
	s.reply = hl7.AppendAck(s.reply[:0], &s.msg, hl7.Ack{Code: code, Reason: commitReason,
		ControlID: s.g.nextControlID(), Time: now})
	s.g.metrics.gatewayAcks.of(code).Inc()
	return s.reply, true
}

// skipStale returns the error of a fan-out's appends (errs[i] of keys[i]), treating a station whose key
// was past queue.max_age (queue.ErrStale) as skipped when every other append succeeded and at least one
// did: that station has taken nothing from this device for max_age, and refusing the message would
// take it from the stations that work. Each skip is counted; the first of a key's episode (until it
// takes a message again) is an event.
func (rq *routeQueue) skipStale(keys []queue.Key, errs []error, msg *hl7.Message) error {
	queued := 0
	for _, err := range errs {
		switch {
		case err == nil:
			queued++
		case !errors.Is(err, queue.ErrStale):
			return errors.Join(errs...)
		}
	}
	if queued == 0 {
		return errors.Join(errs...)
	}
	for k, err := range errs {
		si := rq.stationOf(keys[k])
		if si < 0 {
			continue
		}
		name := rq.g.stations[si].cfg.Name
		rq.mu.Lock()
		first := err != nil && !rq.stale[keys[k]]
		if err != nil {
			rq.stale[keys[k]] = true
		} else {
			delete(rq.stale, keys[k])
		}
		rq.mu.Unlock()
		if err == nil {
			continue
		}
		rq.skipped.WithLabelValues(name).Inc()
		if first {
			rq.g.store.AddEvent(store.Event{Kind: store.KindDelivery, Severity: "warning", Station: name,
				ControlID: string(msg.ControlID()), Reason: "route " + rq.name + ": station " + name +
					" has taken nothing of a device's queued messages for longer than queue.max_age: that device's new messages are not queued for it, the route's other stations get them"})
			rq.log.Warn().Str("station", name).Str("key", string(keys[k])).Msg("store-mode fan-out: station past queue.max_age skipped for a device")
		}
	}
	return nil
}

// start runs key's deliverer unless it runs already or the queue is closing.
func (rq *routeQueue) start(key queue.Key) {
	rq.mu.Lock()
	defer rq.mu.Unlock()
	if rq.closed || rq.running[key] {
		return
	}
	rq.running[key] = true
	rq.wg.Add(1)
	go rq.deliver(key)
}

// idle ends key's deliverer unless messages arrived meanwhile; it reports whether the deliverer ends.
func (rq *routeQueue) idle(key queue.Key) bool {
	rq.mu.Lock()
	defer rq.mu.Unlock()
	if slices.Contains(rq.q.Keys(), key) {
		return false
	}
	delete(rq.running, key)
	delete(rq.stale, key) // nothing queued: its next append starts a new episode
	return true
}

// stationOf returns the station index key is for, or -1 when the route no longer has that station.
func (rq *routeQueue) stationOf(key queue.Key) int {
	for _, i := range rq.stations {
		if i >= 0 && strings.HasPrefix(string(key), rq.g.stations[i].cfg.Name+"/") {
			return i
		}
	}
	return -1
}

// deliver sends key's messages to its station in order until the gateway stops or the key stays empty
// for deliverIdle. While the queue is failed it waits (Next does) and resumes after the reopen.
func (rq *routeQueue) deliver(key queue.Key) {
	defer rq.wg.Done()
	g := rq.g
	qc := g.cfg.Queue
	log := rq.log.With().Str("key", string(key)).Logger()
	si := rq.stationOf(key)
	var (
		buf, ack []byte
		m        queue.Message
		err      error
		lastSeq  uint64
		rejects  int
		strikes  int    // failures of m, each after its station answered another message
		seen     uint64 // the station's answered count at m's last failure (or first attempt)
		backoff  time.Duration
		msg      hl7.Message
	)
	wait := func() bool { // false when the gateway stops
		backoff = min(max(2*backoff, qc.RetryMin), qc.RetryMax)
		t := time.NewTimer(backoff)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-g.ctx.Done():
			return false
		}
	}
	for {
		ctx, cancel := context.WithTimeout(g.ctx, deliverIdle)
		m, err = rq.q.Next(ctx, key, buf)
		cancel()
		if err != nil {
			switch {
			case g.ctx.Err() != nil, errors.Is(err, queue.ErrClosed):
				return
			case errors.Is(err, context.DeadlineExceeded):
				if rq.idle(key) {
					return
				}
				continue
			}
			if !wait() { // a read failed the queue (watch logs it): Next waits for the reopen
				return
			}
			continue
		}
		buf = m.Body
		if m.Seq != lastSeq {
			lastSeq, rejects, strikes = m.Seq, 0, 0
			if si >= 0 {
				seen = g.stations[si].answered.Load()
			}
		}
		var ctrl []byte
		if msg.Parse(m.Body) == nil {
			ctrl = msg.ControlID()
		}
		if si < 0 || ctrl == nil {
			why := "its station is no longer in the route"
			if ctrl == nil {
				why = "it does not parse"
			}
			if !rq.deadLetter(log, key, m, ctrl, "", why) {
				return
			}
			continue
		}
		st := g.stations[si]
		var code hl7.AckCode
		// The monitor was answered when the message was queued: its delivery is no monitor's wait, and
		// each deliverer sends one message at a time, so it takes any connection.
		ack, code, err = st.forward(g.ctx, m.Body, ctrl, ack[:0], msg.WantsAppAck(), wholePool)
		switch {
		case err != nil:
			if m.Attempt == 1 || m.Attempt%100 == 0 {
				log.Warn().Str("station", st.cfg.Name).Str("msh10", string(ctrl)).Int("attempt", m.Attempt).Err(err).
					Msg("queued message not delivered yet")
			}
			if n := st.answered.Load(); n != seen && stationHad(err) {
				seen = n
				strikes++
			}
			if strikes >= qc.PoisonAttempts {
				backoff = 0
				rq.poison.WithLabelValues(st.cfg.Name).Inc()
				why := fmt.Sprintf("poison message: not answered by station %s in %d attempts while it answered other messages (last: %v)",
					st.cfg.Name, strikes, err)
				if !rq.deadLetter(log, key, m, ctrl, st.cfg.Name, why) {
					return
				}
				continue
			}
			if !wait() {
				return
			}
		case code.Positive():
			backoff = 0
			if err := rq.q.Ack(key, m.Seq); err != nil {
				continue // the queue failed or closed: Next waits for the reopen, which hands m out again
			}
			rq.delivered.WithLabelValues(st.cfg.Name).Inc()
		default:
			rejects++
			if qc.OnReject == config.OnRejectRetry && rejects <= qc.RejectRetries {
				if !wait() {
					return
				}
				continue
			}
			backoff = 0
			if !rq.deadLetter(log, key, m, ctrl, st.cfg.Name, fmt.Sprintf("%s from station %s after %d attempts", code, st.cfg.Name, rejects)) {
				return
			}
		}
	}
}

// stationHad reports whether a failed forward had sent the message to the station, which then did not
// answer it with a matching ACK (closed, timed out, a wrong MSA-2): not a dial failure, no free
// connection, or a message that never went out, which say nothing about the message itself; nor a
// pipelined connection that died with other messages in flight (errShared), which may be another's
// doing (a hostile monitor's poison message would otherwise get the messages beside it dead-lettered).
func stationHad(err error) bool {
	return !errors.Is(err, errNotSent) && !errors.Is(err, ErrStationDown) && !errors.Is(err, ErrStationBusy) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, errShared)
}

// deadLetter moves m aside, records an event and counts it. When that fails it tries again after the
// queue's reopen (or, the queue not failed, the dead letter's own write failing, after a pause); false
// when the gateway stops.
func (rq *routeQueue) deadLetter(log zerolog.Logger, key queue.Key, m queue.Message, ctrl []byte, station, why string) bool {
	for {
		changed, failed := rq.q.Health()
		err := rq.q.DeadLetter(key, m.Seq, why)
		if err == nil || errors.Is(err, queue.ErrNotHead) { // not head: the reopen found its dead letter on disk
			break
		}
		if errors.Is(err, queue.ErrClosed) {
			return false
		}
		if failed == nil {
			log.Warn().Err(err).Uint64("seq", m.Seq).Msg("queued message not dead-lettered yet")
		}
		if !rq.pause(changed) {
			return false
		}
	}
	rq.dead.Inc()
	rq.g.store.AddEvent(store.Event{Kind: store.KindDelivery, Severity: "warning", Station: station,
		ControlID: string(ctrl), Reason: "dead letter " + strconv.FormatUint(m.Seq, 10) + " of route " + rq.name + ": " + why})
	log.Warn().Str("msh10", string(ctrl)).Uint64("dead_letter", m.Seq).Str("reason", why).Msg("queued message dead-lettered")
	return true
}

// pause waits after a failed queue call for the queue's change (changed, from Health before the call:
// its failure or its reopen) or queue.retry_max; false when the gateway stops.
func (rq *routeQueue) pause(changed <-chan struct{}) bool {
	t := time.NewTimer(rq.g.cfg.Queue.RetryMax)
	defer t.Stop()
	select {
	case <-changed:
	case <-t.C:
	case <-rq.g.ctx.Done():
		return false
	}
	return true
}

// queueStatus reads every store-mode route's queue for the admin endpoint.
func (g *Gateway) queueStatus() []admin.QueueStatus {
	out := make([]admin.QueueStatus, 0, len(g.queues))
	for _, rc := range g.cfg.Routes {
		rq := g.queues[rc.Name]
		if rq == nil {
			continue
		}
		st := rq.q.Stats()
		rq.mu.Lock()
		running := len(rq.running)
		rq.mu.Unlock()
		qs := admin.QueueStatus{Route: rq.name, Depth: st.Depth, Bytes: st.Bytes, OldestSeconds: st.OldestAge.Seconds(),
			Keys: st.Keys, Deliverers: running, Appended: st.Appended, Delivered: st.Delivered, DiskBytes: st.DiskBytes}
		dls, err := rq.q.DeadLetters()
		if _, qerr := rq.q.Health(); qerr != nil {
			err = qerr
		}
		if err != nil {
			qs.Error = err.Error()
		}
		qs.DeadLetters = dls
		out = append(out, qs)
	}
	return out
}
