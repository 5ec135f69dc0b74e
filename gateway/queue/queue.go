package queue

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Errors callers branch on.
var (
	// ErrFull is returned by Append when the queue (queued messages and dead letters) holds
	// Options.MaxBytes. Nothing already queued is dropped; the caller answers the sender negatively.
	// ErrSourceFull and ErrStale are ErrFull too (errors.Is).
	ErrFull = errors.New("queue: full")
	// ErrSourceFull is returned by AppendFrom when the source's messages and dead letters hold
	// Options.MaxSourceBytes: one sender cannot take the others' room.
	ErrSourceFull = fmt.Errorf("%w: the source's share is used up", ErrFull)
	// ErrStale is returned by Append when the key's oldest queued message is older than Options.MaxAge:
	// its receiver has taken nothing of the key for that long. Other keys are not affected.
	ErrStale = fmt.Errorf("%w: the key's oldest message is older than max_age", ErrFull)
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("queue: closed")
	// ErrCorrupt is returned by Open when a record other than the torn tail fails its checksum.
	ErrCorrupt = errors.New("queue: corrupt record")
	// ErrNotHead is returned by Ack and DeadLetter for a seq that is not the key's oldest message.
	ErrNotHead = errors.New("queue: not the oldest message of its key")
	// ErrNotFound is returned for a dead letter that does not exist.
	ErrNotFound = errors.New("queue: not found")
	// ErrInvalid is returned for an empty or too long key, or a message larger than Options.MaxMessage.
	ErrInvalid = errors.New("queue: invalid key or message size")
)

// Key names the sender whose messages are kept in order, e.g. a monitor's device ID. 1 to 255 bytes.
type Key string

// Options bound the queue. Zero means the default.
type Options struct {
	MaxBytes int64         // bytes of queued records and dead letters (default 1 GiB)
	MaxAge   time.Duration // age of a key's oldest queued message (default 24 h)
	// MaxSourceBytes bounds the bytes of queued records and dead letters one source appended since Open
	// (AppendFrom; default MaxBytes/8, at most MaxBytes).
	MaxSourceBytes int64
	MaxMessage     int           // largest payload (default 1 MiB, at most 16 MiB minus the record header)
	SegmentSize    int64         // a segment is closed once it holds this many bytes (default 64 MiB)
	FlushInterval  time.Duration // longest delay before Ack and DeadLetter records are fsynced (default 100 ms)
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 30
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 24 * time.Hour
	}
	if o.MaxSourceBytes <= 0 {
		o.MaxSourceBytes = o.MaxBytes / 8
	}
	o.MaxSourceBytes = min(o.MaxSourceBytes, o.MaxBytes)
	if o.MaxMessage <= 0 {
		o.MaxMessage = 1 << 20
	}
	o.MaxMessage = min(o.MaxMessage, maxBody-deadFixed-maxKey-maxReason)
	if o.SegmentSize <= 0 {
		o.SegmentSize = 64 << 20
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 100 * time.Millisecond
	}
	return o
}

// Stats is a snapshot of the queue's counters. It holds no message content.
type Stats struct {
	Depth       int           // messages queued, not yet delivered or dead-lettered
	Bytes       int64         // their record bytes (MaxBytes bounds Bytes plus DeadBytes)
	OldestAge   time.Duration // age of the oldest queued message, 0 when empty
	Keys        int           // keys with queued messages
	Appended    uint64        // appends since Open
	Delivered   uint64        // Acks since Open
	DeadLetters int           // dead letters kept in the dead/ directory
	DeadBytes   int64         // their file bytes
	Sources     int           // sources (AppendFrom) holding queued messages or dead letters
	Fsyncs      uint64        // fsyncs of segment files since Open (group commits)
	Moved       uint64        // messages copied forward to reclaim their old segment, since Open
	Segments    int           // segment files
	DiskBytes   int64         // their size
}

// segment is one log file, named by the first seq it may hold.
type segment struct {
	id        uint64
	f         *os.File
	size      int64 // bytes assigned to it, written or still in a batch
	synced    int64 // bytes written and fsynced
	live      int   // queued messages whose current record is here
	liveBytes int64
	dirSynced bool // its directory entry is durable
}

// batch is the bytes of one group commit for one segment, written at off.
type batch struct {
	seg  *segment
	off  int64
	buf  []byte
	done chan struct{} // closed once written and fsynced, or failed
	err  error
}

// entry is one queued message in memory: where its current record is.
type entry struct {
	seq       uint64
	t         int64 // append time, unix ns
	seg       *segment
	off       int64
	n         int     // record length
	b         *batch  // the group commit that makes it durable; nil once known durable
	src       *source // who appended it since Open (AppendFrom); nil for recovered and Append
	attempt   int
	recovered bool
}

// keyq is one key's messages, oldest first (q[head:]).
type keyq struct {
	key  Key
	q    []entry
	head int
	wake chan struct{} // capacity 1: a message was appended
	hidx int           // index in the oldest-first heap, -1 when empty
}

func (k *keyq) len() int { return len(k.q) - k.head }

// source is one sender's use of the queue since Open: the record bytes of its queued messages and of
// the dead letters made of them, bounded by Options.MaxSourceBytes.
type source struct {
	name  string
	bytes int64
}

// Queue is a durable, ordered-per-key message queue in one directory. Its methods are safe for
// concurrent use; deliveries for one key must be made by one goroutine at a time.
type Queue struct {
	dir  string
	opts Options
	dirf *os.File
	lock *os.File // flock'd while open

	mu       sync.Mutex
	keys     map[Key]*keyq
	oldest   keyHeap
	segs     []*segment // oldest first; the last is the tail being written
	open     *batch     // accumulating the next group commit
	sealed   []*batch   // complete batches of earlier segments, not yet written
	free     [][]byte
	nextSeq  uint64
	depth    int
	bytes    int64
	deadN    int
	deadSize int64              // bytes of the dead-letter files, counted in MaxBytes
	sources  map[string]*source // senders with bytes (AppendFrom)
	deadSrc  map[uint64]*source // the source of each dead letter made since Open
	closed   bool
	cut      bool          // recover: every segment was cut back to its fsynced bytes (a reopen), so nothing is torn
	err      error         // after a failed write, fsync or read: no writes until a reopen (reopen.go)
	changed  chan struct{} // closed at the next change of err between nil and not nil
	appended uint64
	acked    uint64
	fsyncs   uint64
	moved    uint64

	// filesMu is held shared by whoever reads a segment or writes or removes a dead letter (taken while
	// the queue is open, under mu); deleting a segment, Close closing the files and a reopen take it
	// exclusively.
	filesMu sync.RWMutex
	kick    chan struct{}
	compact chan struct{}
	stop    chan struct{}
	wg      sync.WaitGroup

	// commitMu is held by a commit while it writes, and by a reopen: a reopen never cuts a segment
	// under a write.
	commitMu sync.Mutex
}

// Open opens or creates the queue in dir, recovering what a crash left: a torn last record is
// discarded, everything fsynced is kept, in order. Only one Queue may have dir open at a time.
func Open(dir string, opts Options) (*Queue, error) {
	q := &Queue{
		dir:     dir,
		opts:    opts.withDefaults(),
		keys:    make(map[Key]*keyq),
		changed: make(chan struct{}),
		sources: make(map[string]*source),
		deadSrc: make(map[uint64]*source),
		kick:    make(chan struct{}, 1),
		compact: make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
	if err := os.MkdirAll(filepath.Join(dir, deadDir), 0o700); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if err := syncDir(filepath.Dir(filepath.Clean(dir))); err != nil { // a new dir's name must survive
		return nil, fmt.Errorf("queue: %w", err)
	}
	var err error
	if q.lock, err = lockDir(dir); err != nil {
		return nil, err
	}
	os.Remove(filepath.Join(dir, probeName)) // a crash during a reopen's probe left it
	if q.dirf, err = os.Open(dir); err == nil {
		err = q.recover()
	}
	if err != nil {
		q.closeFiles()
		return nil, err
	}
	q.wg.Add(2)
	go q.syncLoop()
	go q.compactLoop()
	q.kickCompact()
	return q, nil
}

// Append adds msg to key's messages and returns its seq once the record is fsynced; it is AppendFrom
// without a source (counted in MaxBytes only), e.g. for an operator's replay.
func (q *Queue) Append(ctx context.Context, key Key, msg []byte) (uint64, error) {
	return q.appendBounded(ctx, "", key, msg, 0)
}

// AppendFrom adds msg, received from src (e.g. the sender's network address: not something the message
// claims), to key's messages and returns its seq once the record is fsynced. It returns an error that is
// ErrFull when a bound would be passed: the queue's MaxBytes, src's MaxSourceBytes (ErrSourceFull), or
// key's MaxAge (ErrStale). When ctx ends first it returns ctx's error: the message may still be queued
// and delivered, but the caller must not acknowledge it. After a write or fsync error every call fails
// until the queue is reopened (Health), which it does on its own once the disk takes writes again.
func (q *Queue) AppendFrom(ctx context.Context, src string, key Key, msg []byte) (uint64, error) {
	return q.appendBounded(ctx, src, key, msg, 0)
}

// appendBounded appends as AppendFrom does; credit is bytes about to be freed (a replayed dead letter's).
func (q *Queue) appendBounded(ctx context.Context, src string, key Key, msg []byte, credit int64) (uint64, error) {
	if len(key) == 0 || len(key) > maxKey || len(msg) > q.opts.MaxMessage {
		return 0, ErrInvalid
	}
	n := hdrLen + msgFixed + len(key) + len(msg)
	now := time.Now().UnixNano()
	q.mu.Lock()
	if err := q.usable(); err != nil {
		q.kickCompact() // a failed queue tries to reopen (reopen.go)
		q.mu.Unlock()
		return 0, err
	}
	if err := q.bound(q.keys[key], src, int64(n)-credit, now); err != nil {
		q.mu.Unlock()
		return 0, err
	}
	b, err := q.reserve(n)
	if err != nil {
		q.mu.Unlock()
		return 0, err
	}
	seq := q.nextSeq
	q.nextSeq++
	e := entry{seq: seq, t: now, seg: b.seg, off: b.off + int64(len(b.buf)), n: n, b: b, src: q.sourceOf(src)}
	b.buf = appendMsg(b.buf, seq, now, string(key), msg)
	kq := q.keyq(key)
	q.push(kq, e)
	q.appended++
	q.mu.Unlock()
	notify(kq.wake)
	notify(q.kick)
	select {
	case <-b.done:
		return seq, b.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// bound returns why n more bytes from src cannot go to kq (nil for a new key) now, or nil. The age is
// judged per key, so a key whose receiver takes nothing (a station down, a message it never answers)
// refuses only its own new messages. q.mu is held.
func (q *Queue) bound(kq *keyq, src string, n int64, now int64) error {
	if q.bytes+q.deadSize+n > q.opts.MaxBytes {
		return ErrFull
	}
	if src != "" {
		used := int64(0)
		if s := q.sources[src]; s != nil {
			used = s.bytes
		}
		if used+n > q.opts.MaxSourceBytes {
			return ErrSourceFull
		}
	}
	if kq != nil && kq.len() > 0 && time.Duration(now-kq.q[kq.head].t) > q.opts.MaxAge {
		return ErrStale
	}
	return nil
}

// sourceOf returns src's account, creating it; nil for "". q.mu is held.
func (q *Queue) sourceOf(src string) *source {
	if src == "" {
		return nil
	}
	s := q.sources[src]
	if s == nil {
		s = &source{name: src}
		q.sources[src] = s
	}
	return s
}

// charge adds n (negative: frees) to s's bytes and forgets s once it holds none. q.mu is held.
func (q *Queue) charge(s *source, n int64) {
	if s == nil {
		return
	}
	s.bytes += n
	if s.bytes <= 0 {
		delete(q.sources, s.name)
	}
}

// Stats returns a snapshot of the counters.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := Stats{
		Depth: q.depth, Bytes: q.bytes, Keys: len(q.oldest), Appended: q.appended, Delivered: q.acked,
		DeadLetters: q.deadN, DeadBytes: q.deadSize, Sources: len(q.sources), Fsyncs: q.fsyncs, Moved: q.moved,
		Segments: len(q.segs),
	}
	if len(q.oldest) > 0 {
		s.OldestAge = time.Duration(time.Now().UnixNano() - q.oldest[0].q[q.oldest[0].head].t)
	}
	for _, sg := range q.segs {
		s.DiskBytes += sg.size
	}
	return s
}

// Close writes and fsyncs what is pending (Acks included), stops the queue and closes its files once
// the reads and dead-letter writes in progress ended: after it returns nothing touches the directory,
// whose lock it released. Blocked Next calls return ErrClosed, and so do calls made later.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	q.closed = true
	q.mu.Unlock()
	close(q.stop)
	q.wg.Wait()
	q.mu.Lock()
	err := q.err
	q.mu.Unlock()
	q.filesMu.Lock()
	q.closeFiles()
	q.filesMu.Unlock()
	return err
}

func (q *Queue) closeFiles() {
	for _, s := range q.segs {
		s.f.Close()
	}
	if q.dirf != nil {
		q.dirf.Close()
	}
	q.lock.Close() // releases the flock
}

// usable reports why the queue cannot take writes. q.mu is held.
func (q *Queue) usable() error {
	if q.closed {
		return ErrClosed
	}
	return q.err
}

// keyq returns key's queue, creating it. q.mu is held.
func (q *Queue) keyq(key Key) *keyq {
	kq := q.keys[key]
	if kq == nil {
		kq = &keyq{key: key, wake: make(chan struct{}, 1), hidx: -1}
		q.keys[key] = kq
	}
	return kq
}

// push appends e to kq and counts it. q.mu is held.
func (q *Queue) push(kq *keyq, e entry) {
	kq.q = append(kq.q, e)
	if kq.hidx < 0 {
		heap.Push(&q.oldest, kq)
	}
	e.seg.live++
	e.seg.liveBytes += int64(e.n)
	q.depth++
	q.bytes += int64(e.n)
	q.charge(e.src, int64(e.n))
}

// reserve returns the batch to append an n-byte record to, starting a new segment when the tail is
// full. q.mu is held.
func (q *Queue) reserve(n int) (*batch, error) {
	b := q.open
	if b.off+int64(len(b.buf)) > 0 && b.off+int64(len(b.buf)+n) > q.opts.SegmentSize {
		// Named by the next seq; a tail of done records only takes no seq, so skip one past it.
		q.nextSeq = max(q.nextSeq, b.seg.id+1)
		sg, err := q.createSegment(q.nextSeq)
		if err != nil {
			q.fail(err)
			return nil, err
		}
		if len(b.buf) > 0 {
			q.sealed = append(q.sealed, b)
		} else {
			q.free = append(q.free, b.buf)
			close(b.done) // nothing refers to an empty batch
		}
		q.segs = append(q.segs, sg)
		q.open = q.newBatch(sg, 0)
		q.kickCompact() // the old tail may be empty already
		b = q.open
	}
	b.seg.size += int64(n)
	return b, nil
}

func (q *Queue) newBatch(sg *segment, off int64) *batch {
	b := &batch{seg: sg, off: off, done: make(chan struct{})}
	if k := len(q.free); k > 0 {
		b.buf, q.free = q.free[k-1][:0], q.free[:k-1]
	}
	return b
}

func (q *Queue) createSegment(id uint64) (*segment, error) {
	f, err := os.OpenFile(filepath.Join(q.dir, segName(id)), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("queue: create segment: %w", err)
	}
	return &segment{id: id, f: f}, nil
}

func segName(id uint64) string { return fmt.Sprintf("%020d.seg", id) }

// syncLoop writes and fsyncs batches: everything appended while one fsync runs shares the next.
func (q *Queue) syncLoop() {
	defer q.wg.Done()
	t := time.NewTicker(q.opts.FlushInterval)
	defer t.Stop()
	var bs []*batch
	for {
		select {
		case <-q.kick:
		case <-t.C:
		case <-q.stop:
			q.commit(bs[:0])
			return
		}
		bs = q.commit(bs[:0])
	}
}

// commit writes and fsyncs every pending batch, then releases their waiters. Batches of one segment are
// fsynced before anything is written to the next, so a later segment never holds data while an earlier
// one is torn. It returns bs for reuse.
func (q *Queue) commit(bs []*batch) []*batch {
	q.commitMu.Lock()
	defer q.commitMu.Unlock()
	q.mu.Lock()
	bs = append(bs, q.sealed...)
	clear(q.sealed)
	q.sealed = q.sealed[:0]
	if len(q.open.buf) > 0 {
		bs = append(bs, q.open)
		q.open = q.newBatch(q.open.seg, q.open.off+int64(len(q.open.buf)))
	}
	err := q.err
	q.mu.Unlock()
	if len(bs) == 0 {
		return bs
	}
	var syncs uint64
	for i, b := range bs {
		if err == nil {
			_, err = b.seg.f.WriteAt(b.buf, b.off)
		}
		if err == nil && (i == len(bs)-1 || bs[i+1].seg != b.seg) {
			err = b.seg.f.Sync()
			syncs++
			if err == nil && !b.seg.dirSynced {
				err = q.dirf.Sync() // the new file's name must survive too
				b.seg.dirSynced = err == nil
			}
		}
	}
	q.mu.Lock()
	if err != nil {
		q.fail(fmt.Errorf("queue: write: %w", err))
	}
	q.fsyncs += syncs
	for _, b := range bs {
		b.err = q.err
		if b.err == nil {
			b.seg.synced = b.off + int64(len(b.buf))
		}
		q.free = append(q.free, b.buf)
		b.buf = nil
	}
	if len(q.segs) > 1 {
		q.kickCompact() // an old segment may be complete on disk now
	}
	q.mu.Unlock()
	for i, b := range bs {
		close(b.done)
		bs[i] = nil
	}
	return bs
}

func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (q *Queue) kickCompact() { notify(q.compact) }

// keyHeap orders keys with queued messages by their oldest message's seq, for Stats.OldestAge.
type keyHeap []*keyq

func (h keyHeap) Len() int { return len(h) }
func (h keyHeap) Less(i, j int) bool {
	return h[i].q[h[i].head].seq < h[j].q[h[j].head].seq
}
func (h keyHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx, h[j].hidx = i, j
}
func (h *keyHeap) Push(x any) {
	k := x.(*keyq)
	k.hidx = len(*h)
	*h = append(*h, k)
}
func (h *keyHeap) Pop() any {
	old := *h
	k := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	k.hidx = -1
	return k
}
