package queue

import (
	"cmp"
	"container/heap"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// recover rebuilds the in-memory index from the segments and the dead letters, and repairs a torn tail.
func (q *Queue) recover() error {
	dead, err := deadIDs(filepath.Join(q.dir, deadDir), true)
	if err != nil {
		return err
	}
	q.deadN = len(dead)
	done := make(map[uint64]bool, len(dead))
	for _, id := range dead {
		fi, err := os.Stat(filepath.Join(q.dir, deadDir, deadName(id)))
		if err != nil {
			return fmt.Errorf("queue: %w", err)
		}
		q.deadSize += fi.Size()
		done[id] = true
		q.nextSeq = max(q.nextSeq, id+1)
	}
	ids, err := segmentIDs(q.dir)
	if err != nil {
		return err
	}
	type found struct {
		key string
		e   entry
	}
	msgs := make(map[uint64]found)
	for i, id := range ids {
		f, err := os.OpenFile(filepath.Join(q.dir, segName(id)), os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("queue: %w", err)
		}
		sg := &segment{id: id, f: f, dirSynced: true}
		q.segs = append(q.segs, sg)
		q.nextSeq = max(q.nextSeq, id)
		data, err := os.ReadFile(f.Name())
		if err != nil {
			return fmt.Errorf("queue: %w", err)
		}
		off := 0
		for off < len(data) {
			r, n, err := decode(data[off:])
			if err != nil {
				break
			}
			switch r.kind {
			case kindMsg: // a later copy (compaction) of the same seq replaces the earlier one
				msgs[r.seq] = found{string(r.key), entry{seq: r.seq, t: r.time, seg: sg, off: int64(off), n: n, recovered: true}}
			case kindDone:
				done[r.seq] = true
			default:
				return fmt.Errorf("queue: segment %d offset %d: %w", id, off, ErrCorrupt)
			}
			q.nextSeq = max(q.nextSeq, r.seq+1)
			off += n
		}
		sg.size, sg.synced = int64(off), int64(off)
		if off == len(data) {
			continue
		}
		if q.cut { // what does not decode was fsynced: damage, not a torn tail, and never cut
			return fmt.Errorf("queue: segment %d offset %d: %w", id, off, ErrCorrupt)
		}
		// A record that does not decode ends the log only if it is the torn tail of the last write:
		// then no later segment holds a record, because a segment is fsynced before the next is written.
		for _, later := range ids[i+1:] {
			b, err := os.ReadFile(filepath.Join(q.dir, segName(later)))
			if err != nil {
				return fmt.Errorf("queue: %w", err)
			}
			if _, _, err := decode(b); err == nil {
				return fmt.Errorf("queue: segment %d offset %d: %w", id, off, ErrCorrupt)
			}
		}
		if err := f.Truncate(int64(off)); err != nil {
			return fmt.Errorf("queue: truncate torn tail: %w", err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("queue: %w", err)
		}
		for _, later := range ids[i+1:] {
			if err := os.Remove(filepath.Join(q.dir, segName(later))); err != nil {
				return fmt.Errorf("queue: %w", err)
			}
		}
		if len(ids) > i+1 {
			if err := q.dirf.Sync(); err != nil {
				return fmt.Errorf("queue: %w", err)
			}
		}
		break
	}
	if len(q.segs) == 0 {
		q.nextSeq = max(q.nextSeq, 1)
		sg, err := q.createSegment(q.nextSeq)
		if err != nil {
			return err
		}
		q.segs = append(q.segs, sg) // dirSynced false: the first commit syncs the directory
	}
	live := make([]found, 0, len(msgs))
	for seq, m := range msgs {
		if !done[seq] {
			live = append(live, m)
		}
	}
	slices.SortFunc(live, func(a, b found) int { return cmp.Compare(a.e.seq, b.e.seq) })
	for _, m := range live {
		q.push(q.keyq(Key(m.key)), m.e)
	}
	heap.Init(&q.oldest)
	tail := q.segs[len(q.segs)-1]
	q.open = q.newBatch(tail, tail.size)
	return nil
}

// segmentIDs lists the segment IDs in dir, ascending.
func segmentIDs(dir string) ([]uint64, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	var ids []uint64
	for _, de := range des {
		if id, ok := strings.CutSuffix(de.Name(), ".seg"); ok {
			if n, err := strconv.ParseUint(id, 10, 64); err == nil {
				ids = append(ids, n)
			}
		}
	}
	return ids, nil
}
