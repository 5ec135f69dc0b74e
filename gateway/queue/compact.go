package queue

import (
	"errors"
	"fmt"
	"os"
)

// compactLoop reclaims space from the oldest segment whenever an Ack or a new segment may have made
// that possible, and reopens the queue after a failure (one goroutine: no segment is deleted meanwhile).
func (q *Queue) compactLoop() {
	defer q.wg.Done()
	r := newReopenLoop()
	defer r.timer.Stop()
	for {
		select {
		case <-q.compact:
		case <-r.timer.C:
		case <-q.stop:
			return
		}
		if _, err := q.Health(); err != nil {
			if r.try(q) {
				q.kickCompact() // reclaim what the rescan found
			}
			continue
		}
		if err := q.reclaim(); err != nil && !errors.Is(err, ErrClosed) {
			q.mu.Lock()
			q.fail(err)
			q.mu.Unlock()
		}
	}
}

// reclaim deletes the oldest segments while they hold no queued message. An oldest segment whose
// queued messages fill at most a quarter of it (a key whose station is down, among delivered traffic),
// or any oldest segment once the segments take more than twice the queued bytes plus two segments, has
// them copied to the tail first, same seq and time; the copies are fsynced before the segment is
// deleted. Only the oldest segment is ever deleted, so no done record is lost while the message it
// marks still exists.
func (q *Queue) reclaim() error {
	for {
		q.mu.Lock()
		if len(q.segs) < 2 || q.closed {
			q.mu.Unlock()
			return nil
		}
		h := q.segs[0]
		if h.synced < h.size {
			q.mu.Unlock() // its last batch is not written yet; the commit kicks again
			return nil
		}
		if h.live == 0 {
			q.segs = q.segs[1:]
			q.mu.Unlock()
			q.filesMu.Lock()
			h.f.Close()
			err := os.Remove(h.f.Name())
			q.filesMu.Unlock()
			if err != nil {
				return fmt.Errorf("queue: remove segment: %w", err)
			}
			continue
		}
		var disk int64
		for _, sg := range q.segs {
			disk += sg.size
		}
		if h.liveBytes*4 > h.size && disk <= 2*(q.bytes+q.opts.SegmentSize) {
			q.mu.Unlock()
			return nil
		}
		q.mu.Unlock()
		if err := q.copyForward(h); err != nil {
			return err
		}
	}
}

// copyForward re-appends the queued messages of the sealed segment h at the tail and waits for the fsync.
func (q *Queue) copyForward(h *segment) error {
	data, err := os.ReadFile(h.f.Name()) // h is sealed: no more writes
	if err != nil {
		return fmt.Errorf("queue: compact: %w", err)
	}
	var last *batch
	for off := 0; off < len(data); {
		r, n, err := decode(data[off:])
		if err != nil {
			return fmt.Errorf("queue: compact segment %d offset %d: %w", h.id, off, err)
		}
		if r.kind == kindMsg {
			if b, err := q.move(h, Key(r.key), data[off:off+n], r.seq); err != nil {
				return err
			} else if b != nil {
				last = b
			}
		}
		off += n
	}
	if last == nil {
		return nil
	}
	notify(q.kick)
	<-last.done
	return last.err
}

// move re-appends rec, the record of seq in h, at the tail if seq is still queued there.
func (q *Queue) move(h *segment, key Key, rec []byte, seq uint64) (*batch, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.usable(); err != nil {
		return nil, err
	}
	kq := q.keys[key]
	if kq == nil {
		return nil, nil
	}
	i := kq.find(seq)
	if i < 0 || kq.q[i].seg != h {
		return nil, nil // delivered, or a copy already moved it
	}
	b, err := q.reserve(len(rec))
	if err != nil {
		return nil, err
	}
	e := &kq.q[i]
	h.live--
	h.liveBytes -= int64(e.n)
	e.seg, e.off, e.b = b.seg, b.off+int64(len(b.buf)), b
	b.buf = append(b.buf, rec...)
	b.seg.live++
	b.seg.liveBytes += int64(e.n)
	q.moved++
	return b, nil
}
