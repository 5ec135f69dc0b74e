package queue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// A failed queue (a write, fsync or read error) takes no writes until it is reopened: the compaction
// goroutine probes the file system every reopenRetry and, once a probe write succeeds, cuts every segment
// back to what was fsynced and scans the directory again as Open does (see the package doc, "Failure").
const (
	reopenRetry    = time.Second            // between probes while the probe write fails (a full disk: cheap)
	reopenKicked   = 100 * time.Millisecond // an Append's probe comes at least this long after the last
	reopenMaxRetry = 30 * time.Second       // back-off ceiling when the probe passed but the rescan failed (costly)
	probeSize      = 256 << 10              // bytes the probe writes: room for a few messages, not only one byte
	probeName      = "PROBE"
)

// probeData is what the probe writes; zero pages that are never written to.
var probeData [probeSize]byte

// errProbe marks a reopen that stopped at the probe: the file system does not take writes yet.
var errProbe = errors.New("queue: probe write")

// Health returns why the queue takes no writes now (nil when it does: it never failed, or a reopen
// recovered it), and a channel that is closed at the queue's next change between failed and usable.
// While it is failed, Append, Ack and DeadLetter return the error and Next waits.
func (q *Queue) Health() (<-chan struct{}, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.changed, q.err
}

// fail stops the queue's writes with err until a reopen; the first error is kept. q.mu is held.
func (q *Queue) fail(err error) {
	if q.err != nil {
		return
	}
	q.err = err
	q.transition()
	q.kickCompact() // the compaction goroutine reopens
}

// transition wakes whoever waits for the queue's next change (Health, Next). q.mu is held.
func (q *Queue) transition() {
	close(q.changed)
	q.changed = make(chan struct{})
}

// reopenLoop is the failed queue's part of the compaction goroutine: it tries to reopen at once, then on
// the retry timer, and on an Append (kicked) reopenKicked after the last try while only the probe failed,
// until the queue is usable or closed.
type reopenLoop struct {
	timer   *time.Timer
	due     time.Time // the timer's next try (zero: at once)
	last    time.Time // the last try
	probing bool      // the last try stopped at the probe (cheap to repeat)
	backoff time.Duration
}

func newReopenLoop() *reopenLoop {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &reopenLoop{timer: t, backoff: reopenRetry}
}

// try reopens q if a try is due and arms the timer for the next one; it reports whether q is usable.
func (r *reopenLoop) try(q *Queue) bool {
	now := time.Now()
	if now.Before(r.due) && !(r.probing && now.Sub(r.last) >= reopenKicked) {
		return false // woken early (a kick) and not due: the timer is armed
	}
	r.last = now
	err := q.reopen()
	if err == nil {
		r.due, r.probing, r.backoff = time.Time{}, false, reopenRetry
		return true
	}
	wait := reopenRetry
	r.probing = errors.Is(err, errProbe)
	if !r.probing {
		wait, r.backoff = r.backoff, min(2*r.backoff, reopenMaxRetry)
	}
	r.due = now.Add(wait)
	r.timer.Reset(wait)
	return false
}

// reopen recovers a failed queue the way a restart would, without giving up the directory's lock: it
// releases the waiters of the batches not yet written, cuts each segment back to the bytes fsynced
// before the failure, fsyncs the directory and rebuilds the index by scanning it. Nothing an Append
// reported durable is lost; records after the cut were in batches whose Appends failed (never
// acknowledged) or were done records not yet durable (those messages are delivered again). On error the
// queue stays failed and keeps its last index (for Stats). It returns nil also when q is not failed.
func (q *Queue) reopen() error {
	q.commitMu.Lock() // no commit writes meanwhile
	defer q.commitMu.Unlock()
	if err := q.probe(); err != nil {
		return fmt.Errorf("%w: %w", errProbe, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.err == nil {
		return nil
	}
	q.filesMu.Lock() // no segment read or dead-letter write in progress from here on
	defer q.filesMu.Unlock()
	q.failPending()
	err := q.truncateUnsynced()
	var t *Queue
	if err == nil {
		t, err = q.rescan()
	}
	if err != nil {
		q.err = fmt.Errorf("queue: reopen: %w", err)
		return q.err
	}
	q.adopt(t)
	return nil
}

// probe writes, fsyncs and removes probeSize bytes in the directory: whether the file system takes writes
// again, tried before the costlier rescan (a disk that is still full fails here, without a scan). With
// less than twice probeSize available it writes nothing: the probe would take the last free bytes, for a
// moment, from whoever else writes there (the other routes' queues, the event journal), which would then
// fail too.
func (q *Queue) probe() error {
	if n, ok := AvailableBytes(q.dir); ok && n < 2*probeSize {
		return fmt.Errorf("%d bytes available: %w", n, syscall.ENOSPC)
	}
	name := filepath.Join(q.dir, probeName)
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(probeData[:])
	if err == nil {
		err = f.Sync()
	}
	f.Close()
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	return err
}

// failPending releases the waiters of the batches no commit wrote, with the queue's error. q.mu and
// commitMu are held.
func (q *Queue) failPending() {
	bs := q.sealed
	if len(q.open.buf) > 0 {
		bs = append(bs, q.open)
		q.open = q.newBatch(q.open.seg, q.open.off+int64(len(q.open.buf)))
	}
	for _, b := range bs {
		b.err = q.err
		close(b.done)
	}
	q.sealed = nil
}

// truncateUnsynced closes the segments and cuts each back to its bytes fsynced before the failure.
// After a failed fsync the page cache may hold bytes the disk never got, so nothing past that is trusted;
// cutting it also frees what a failed write took. q.mu and filesMu are held.
func (q *Queue) truncateUnsynced() error {
	for _, sg := range q.segs {
		sg.f.Close()
		if sg.size == sg.synced {
			continue // nothing was written past it
		}
		f, err := os.OpenFile(sg.f.Name(), os.O_WRONLY, 0)
		if err == nil {
			err = f.Truncate(sg.synced)
			if err == nil {
				err = f.Sync()
			}
			f.Close()
		}
		if err != nil {
			return fmt.Errorf("queue: truncate segment %d: %w", sg.id, err)
		}
		sg.size = sg.synced
	}
	return nil
}

// rescan reads the directory as Open does, into a new Queue whose index adopt takes over. Its directory
// fsync makes durable the names of segments created before the failure. Unlike Open it repairs nothing:
// after the cut every segment ends where an fsync did, so a record that does not decode (a checksum
// failure Next found, say) is damage to acknowledged messages, and cutting the log there would drop the
// intact ones after it; the queue stays failed instead. q.mu and filesMu are held.
func (q *Queue) rescan() (*Queue, error) {
	t := &Queue{dir: q.dir, opts: q.opts, keys: make(map[Key]*keyq), nextSeq: q.nextSeq, cut: true}
	var err error
	if t.dirf, err = os.Open(q.dir); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if err = t.dirf.Sync(); err == nil {
		err = t.recover()
	}
	if err != nil {
		for _, s := range t.segs {
			s.f.Close()
		}
		t.dirf.Close()
		return nil, err
	}
	return t, nil
}

// adopt takes over t's files and index and makes the queue usable. Next callers wake (transition) and
// look their key up again. q.mu and filesMu are held.
func (q *Queue) adopt(t *Queue) {
	q.dirf.Close()
	q.dirf, q.segs, q.open, q.keys, q.oldest = t.dirf, t.segs, t.open, t.keys, t.oldest
	q.nextSeq, q.depth, q.bytes, q.deadN, q.deadSize = t.nextSeq, t.depth, t.bytes, t.deadN, t.deadSize
	// The rescanned messages and dead letters know no source, as after a restart: the shares start again
	// from zero (a share still charged for messages no longer tied to it would never be freed).
	q.sources, q.deadSrc = make(map[string]*source), make(map[uint64]*source)
	q.err = nil
	q.transition()
}
