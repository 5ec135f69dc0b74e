package queue

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const deadDir = "dead"

// DeadLetter describes a message moved aside; ID is the seq it had in the queue.
type DeadLetter struct {
	ID     uint64
	Key    Key
	Queued time.Time // when it was appended
	Dead   time.Time // when it was dead-lettered
	Reason string
	Size   int // payload bytes
}

// DeadLetter moves key's oldest message, seq, out of the queue into the dead-letter directory with
// reason (e.g. "AR from station"; keep patient data out of it). The dead letter is fsynced before the
// message leaves the queue; after a crash in between, Open counts the message as dead-lettered. Its
// bytes stay counted in MaxBytes, and in its source's MaxSourceBytes, until it is replayed or discarded:
// a sender whose messages a station refuses fills its own share, not the disk.
func (q *Queue) DeadLetter(key Key, seq uint64, reason string) error {
	if len(reason) > maxReason {
		reason = reason[:maxReason]
	}
	var e entry
	for {
		q.mu.Lock()
		kq := q.keys[key]
		if err := q.usable(); err != nil {
			q.mu.Unlock()
			return err
		}
		if kq == nil || kq.len() == 0 || kq.q[kq.head].seq != seq {
			q.mu.Unlock()
			return ErrNotHead
		}
		e = kq.q[kq.head]
		if e.b == nil {
			break
		}
		q.mu.Unlock()
		<-e.b.done // its record is being written (appended or moved by compaction)
		if e.b.err != nil {
			return e.b.err
		}
		q.mu.Lock()
		if i := kq.find(seq); i >= 0 && kq.q[i].b == e.b {
			kq.q[i].b = nil
		}
		q.mu.Unlock()
	}
	q.filesMu.RLock() // until the dead letter is written: Close waits for it
	q.mu.Unlock()
	var buf, rec []byte
	r, err := readRecord(e.seg, e.off, e.n, &buf)
	if err == nil {
		rec = appendDead(nil, seq, r.time, time.Now().UnixNano(), string(key), reason, r.body)
		err = q.writeDead(seq, rec)
	}
	q.filesMu.RUnlock()
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.finish(key, seq, doneDead); err != nil {
		return err
	}
	q.deadN++
	q.deadSize += int64(len(rec))
	if e.src != nil {
		q.charge(q.sourceOf(e.src.name), int64(len(rec)))
		q.deadSrc[seq] = q.sources[e.src.name]
	}
	return nil
}

// hold takes filesMu shared for a use of the queue's files (release it with q.filesMu.RUnlock), or
// returns ErrClosed after Close.
func (q *Queue) hold() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	q.filesMu.RLock()
	return nil
}

// writeDead writes a dead-letter file atomically and durably: temp file, fsync, rename, directory fsync.
func (q *Queue) writeDead(id uint64, rec []byte) error {
	dir := filepath.Join(q.dir, deadDir)
	name := filepath.Join(dir, deadName(id))
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("queue: dead letter: %w", err)
	}
	_, err = f.Write(rec)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("queue: dead letter: %w", err)
	}
	return nil
}

func deadName(id uint64) string { return fmt.Sprintf("%020d.dead", id) }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	d.Close()
	return err
}

// DeadLetters lists the dead letters, oldest first, without their payloads.
func (q *Queue) DeadLetters() ([]DeadLetter, error) {
	if err := q.hold(); err != nil {
		return nil, err
	}
	ids, err := deadIDs(filepath.Join(q.dir, deadDir), false)
	q.filesMu.RUnlock()
	if err != nil {
		return nil, err
	}
	out := make([]DeadLetter, 0, len(ids))
	for _, id := range ids {
		d, _, err := q.Inspect(id)
		if errors.Is(err, ErrNotFound) {
			continue // replayed or discarded meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Inspect returns dead letter id and its payload, which may hold patient data: show it only when an
// operator asked for it explicitly.
func (q *Queue) Inspect(id uint64) (DeadLetter, []byte, error) {
	if err := q.hold(); err != nil {
		return DeadLetter{}, nil, err
	}
	b, err := os.ReadFile(filepath.Join(q.dir, deadDir, deadName(id)))
	q.filesMu.RUnlock()
	if errors.Is(err, fs.ErrNotExist) {
		return DeadLetter{}, nil, ErrNotFound
	}
	if err != nil {
		return DeadLetter{}, nil, fmt.Errorf("queue: dead letter %d: %w", id, err)
	}
	r, n, err := decode(b)
	if err != nil || n != len(b) || r.kind != kindDead || r.seq != id {
		return DeadLetter{}, nil, fmt.Errorf("queue: dead letter %d: %w", id, ErrCorrupt)
	}
	d := DeadLetter{
		ID: id, Key: Key(r.key), Queued: time.Unix(0, r.time), Dead: time.Unix(0, r.deadAt),
		Reason: string(r.reason), Size: len(r.body),
	}
	return d, r.body, nil
}

// Replay appends dead letter id to its key's messages again (after those queued now) and then removes
// it; it returns the new seq. A crash in between leaves both: the message may be delivered twice. The
// dead letter's bytes are credited against MaxBytes: a queue full of dead letters can replay them.
func (q *Queue) Replay(ctx context.Context, id uint64) (uint64, error) {
	d, body, err := q.Inspect(id)
	if err != nil {
		return 0, err
	}
	size := int64(hdrLen + deadFixed + len(d.Key) + len(d.Reason) + len(body))
	seq, err := q.appendBounded(ctx, "", d.Key, body, size)
	if err != nil {
		return 0, err
	}
	return seq, q.Discard(id)
}

// Discard deletes dead letter id.
func (q *Queue) Discard(id uint64) error {
	if err := q.hold(); err != nil {
		return err
	}
	dir := filepath.Join(q.dir, deadDir)
	name := filepath.Join(dir, deadName(id))
	fi, err := os.Stat(name)
	if err == nil {
		err = os.Remove(name)
	}
	if err == nil {
		err = syncDir(dir)
	}
	q.filesMu.RUnlock()
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("queue: discard dead letter %d: %w", id, err)
	}
	q.mu.Lock()
	q.deadN--
	q.deadSize -= fi.Size()
	q.charge(q.deadSrc[id], -fi.Size())
	delete(q.deadSrc, id)
	q.mu.Unlock()
	return nil
}

// deadIDs lists the dead-letter IDs in dir, ascending; with clean (in Open) it removes the temp files a
// crash left.
func deadIDs(dir string, clean bool) ([]uint64, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	var ids []uint64
	for _, de := range des {
		name := de.Name()
		if clean && strings.HasSuffix(name, ".tmp") {
			os.Remove(filepath.Join(dir, name))
			continue
		}
		if id, ok := strings.CutSuffix(name, ".dead"); ok {
			if n, err := strconv.ParseUint(id, 10, 64); err == nil {
				ids = append(ids, n)
			}
		}
	}
	return ids, nil // ReadDir sorts by name, and names are zero-padded
}
