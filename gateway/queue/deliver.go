package queue

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sort"
	"time"
)

// Message is a queued message handed out for delivery.
type Message struct {
	Key  Key
	Seq  uint64    // unique in the queue, increasing per key; with the payload's MSH-10 it names a duplicate
	Time time.Time // when it was appended
	// Attempt counts how often Next handed it out since Open, starting at 1.
	Attempt int
	// Recovered is true for a message queued before the last Open: it may have been delivered already
	// (its Ack was not yet durable), so the receiver may see it twice.
	Recovered bool
	Body      []byte // aliases the buffer given to Next
}

// Keys returns the keys that have queued messages, e.g. to start their deliverers after Open.
func (q *Queue) Keys() []Key {
	q.mu.Lock()
	defer q.mu.Unlock()
	ks := make([]Key, 0, len(q.oldest))
	for _, kq := range q.oldest {
		ks = append(ks, kq.key)
	}
	slices.Sort(ks)
	return ks
}

// Next returns key's oldest queued message once it is durable, waiting for one if there is none, and
// while the queue is failed (until a reopen). It returns the same message again until Ack or DeadLetter
// removes it. The body is read into buf (grown if needed). A read error fails the queue. Call it from one
// goroutine per key.
func (q *Queue) Next(ctx context.Context, key Key, buf []byte) (Message, error) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return Message{}, ErrClosed
		}
		kq := q.keyq(key)
		var wait <-chan struct{}
		changed := q.changed // a reopen replaces the index: look the key up again
		if q.err != nil {
			wait = changed
		} else if kq.len() == 0 {
			wait = kq.wake
		} else if b := kq.q[kq.head].b; b != nil {
			select {
			case <-b.done:
				if b.err != nil {
					q.mu.Unlock()
					return Message{}, b.err
				}
				kq.q[kq.head].b = nil
			default:
				wait = b.done
			}
		}
		if wait != nil {
			q.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-changed:
				continue
			case <-ctx.Done():
				return Message{}, ctx.Err()
			case <-q.stop:
				return Message{}, ErrClosed
			}
		}
		e := &kq.q[kq.head]
		e.attempt++
		m := Message{Key: key, Seq: e.seq, Time: time.Unix(0, e.t), Attempt: e.attempt, Recovered: e.recovered}
		q.filesMu.RLock() // before q.mu is released: the segment cannot be deleted under the read
		sg, off, n := e.seg, e.off, e.n
		q.mu.Unlock()
		r, err := readRecord(sg, off, n, &buf)
		q.filesMu.RUnlock()
		if err == nil && (r.kind != kindMsg || r.seq != m.Seq) {
			err = fmt.Errorf("queue: segment %d offset %d: %w", sg.id, off, ErrCorrupt)
		}
		if err != nil {
			q.mu.Lock()
			q.fail(err)
			q.mu.Unlock()
			return Message{}, err
		}
		m.Body = r.body
		return m, nil
	}
}

// readRecord reads and decodes the n-byte record at off in sg into *buf. filesMu is held.
func readRecord(sg *segment, off int64, n int, buf *[]byte) (record, error) {
	*buf = slices.Grow((*buf)[:0], n)[:n]
	if _, err := sg.f.ReadAt(*buf, off); err != nil {
		return record{}, fmt.Errorf("queue: read segment %d: %w", sg.id, err)
	}
	r, _, err := decode(*buf)
	if err != nil {
		return record{}, fmt.Errorf("queue: segment %d offset %d: %w", sg.id, off, ErrCorrupt)
	}
	return r, nil
}

// Ack marks key's oldest message, seq, delivered and frees its space. The mark is fsynced with the next
// group commit or within Options.FlushInterval: after a crash before that, the message is delivered
// again (at-least-once).
func (q *Queue) Ack(key Key, seq uint64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.finish(key, seq, doneDelivered)
}

// finish removes key's oldest message, seq, and logs how it left. q.mu is held.
func (q *Queue) finish(key Key, seq uint64, how byte) error {
	if err := q.usable(); err != nil {
		return err
	}
	kq := q.keys[key]
	if kq == nil || kq.len() == 0 || kq.q[kq.head].seq != seq {
		return ErrNotHead
	}
	b, err := q.reserve(doneLen)
	if err != nil {
		return err
	}
	b.buf = appendDone(b.buf, seq, how)
	e := kq.q[kq.head]
	kq.q[kq.head] = entry{}
	kq.head++
	if kq.len() == 0 {
		kq.q, kq.head = kq.q[:0], 0
		heap.Remove(&q.oldest, kq.hidx)
	} else {
		if kq.head > len(kq.q)/2 {
			k := copy(kq.q, kq.q[kq.head:])
			clear(kq.q[k:])
			kq.q, kq.head = kq.q[:k], 0
		}
		heap.Fix(&q.oldest, kq.hidx)
	}
	e.seg.live--
	e.seg.liveBytes -= int64(e.n)
	q.depth--
	q.bytes -= int64(e.n)
	q.charge(e.src, -int64(e.n))
	if how == doneDelivered {
		q.acked++
	}
	if e.seg == q.segs[0] && len(q.segs) > 1 {
		q.kickCompact()
	}
	return nil
}

// find returns the index in kq.q of seq, or -1. q.mu is held.
func (kq *keyq) find(seq uint64) int {
	live := kq.q[kq.head:]
	i := sort.Search(len(live), func(i int) bool { return live[i].seq >= seq })
	if i < len(live) && live[i].seq == seq {
		return kq.head + i
	}
	return -1
}
