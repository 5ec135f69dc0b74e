// Package journal keeps the gateway's events on disk so that they survive a restart: an append-only set
// of JSON-lines segment files in one directory, bounded in total size (the oldest segment goes first),
// written by one goroutine off the message path and fsynced periodically and on Close.
//
// The relay never waits for the disk: Append hands an event to a bounded channel and, when that is
// full, counts it as dropped instead of blocking (Dropped). Events carry no patient data (see
// gateway/store), so neither does the journal.
//
// A write or fsync error (a full disk) stops the writing, not the journal: the events buffered since the
// last good fsync and every event until it writes again are counted in Dropped. Every SyncInterval, and
// on an event 100 ms after its last try, it tries a new segment; there the first record is the gap
// record (Rule GapRule: how many events are missing and since when), fsynced, before anything else.
// Options.Report hears of each change.
//
//	j, err := journal.Open(journal.Options{Dir: "/var/lib/hl7gate/journal", MaxBytes: 64 << 20}, boot)
//	if err != nil { ... }
//	st.SetSink(j)    // every event the store records is journaled too
//	defer j.Close()
//	err = journal.Read(dir, func(r journal.Record) error { ... }) // oldest first
package journal

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hl7gate/hl7gate/gateway/store"
)

// Defaults for the zero fields of Options.
const (
	DefaultMaxBytes     = 64 << 20
	DefaultSyncInterval = time.Second
	DefaultBuffer       = 4096
	minSegmentBytes     = 64 << 10
	segmentsPerJournal  = 8 // a segment is MaxBytes/8: dropping the oldest keeps 7/8 of the history
)

// resumeEvery is how long after its last try a failed journal tries again on an event (else on the tick).
const resumeEvery = 100 * time.Millisecond

// Options configure a journal. Zero fields take the defaults.
type Options struct {
	Dir          string        // created (0750) when missing
	MaxBytes     int64         // total size of the segments kept
	SyncInterval time.Duration // how often written events are fsynced
	Buffer       int           // events waiting to be written; beyond it Append drops
	// Report, when set, is called by the writer at each change of its health: with the error when
	// writing fails, and with nil and the number of events lost meanwhile once it writes again (after
	// the gap record). It runs on the writer goroutine: it may Append, not wait for the journal.
	Report func(err error, lost uint64)
}

// GapRule is the Rule of a gap record: a gateway event the journal writes itself (ID 0) where it writes
// again after a failure. Count is the number of events missing, FirstSeen..LastSeen when they were
// recorded (from the last good fsync to the recovery).
const GapRule = "journal_gap"

// Record is one journaled event: the event as the store numbered it, and the boot it belongs to (event
// IDs start again at 1 after a restart; Boot tells the runs apart).
type Record struct {
	Boot string `json:"boot"`
	store.Event
}

// Journal writes events to the segment files. Append and Dropped are safe for concurrent use.
type Journal struct {
	opt  Options
	boot string
	ch   chan store.Event
	done chan struct{}

	dropped atomic.Uint64
	closed  atomic.Bool
	mu      sync.RWMutex // Append holds it shared while sending; Close exclusively, to close ch once

	// Owned by the writer goroutine.
	f        *os.File
	w        *bufio.Writer
	size     int64 // of the current segment
	seq      uint64
	segments []segment // oldest first, the current one last
	unsynced uint64    // events written since the last good fsync
	synced   time.Time // when that was (or Open): what follows may be lost by a failure
	failed   error     // the write error writing stopped at; nil while writing
	lost     uint64    // events not journaled since it failed
	tried    time.Time // its last try to write again
}

type segment struct {
	seq  uint64
	size int64
}

// segmentName is the file name of segment seq; names sort in sequence order.
func segmentName(seq uint64) string { return fmt.Sprintf("events-%016d.jsonl", seq) }

func parseSegmentName(name string) (uint64, bool) {
	s, ok := strings.CutPrefix(name, "events-")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".jsonl")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.SyncInterval <= 0 {
		o.SyncInterval = DefaultSyncInterval
	}
	if o.Buffer <= 0 {
		o.Buffer = DefaultBuffer
	}
	return o
}

func (o Options) segmentBytes() int64 { return max(o.MaxBytes/segmentsPerJournal, minSegmentBytes) }

// Open opens (creating it when missing) the journal in opt.Dir and starts its writer. New events go to a
// new segment, after those of earlier runs; boot names this run in every record.
func Open(opt Options, boot string) (*Journal, error) {
	opt = opt.withDefaults()
	if opt.Dir == "" {
		return nil, errors.New("journal: no directory")
	}
	if err := os.MkdirAll(opt.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	segs, err := listSegments(opt.Dir)
	if err != nil {
		return nil, err
	}
	j := &Journal{opt: opt, boot: boot, ch: make(chan store.Event, opt.Buffer), done: make(chan struct{}), segments: segs,
		synced: time.Now()}
	if n := len(segs); n > 0 {
		j.seq = segs[n-1].seq
	}
	if err := j.rotate(); err != nil {
		return nil, err
	}
	go j.run()
	return j, nil
}

func listSegments(dir string) ([]segment, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	var segs []segment
	for _, e := range ents {
		seq, ok := parseSegmentName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		segs = append(segs, segment{seq: seq, size: info.Size()})
	}
	slices.SortFunc(segs, func(a, b segment) int { return cmpU64(a.seq, b.seq) })
	return segs, nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Append queues e for writing without waiting; when the buffer is full (the disk is slower than the
// events) e is dropped and counted. It implements store.Sink.
func (j *Journal) Append(e store.Event) {
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.closed.Load() {
		j.dropped.Add(1)
		return
	}
	select {
	case j.ch <- e:
	default:
		j.dropped.Add(1)
	}
}

// Dropped is the number of events not journaled: the buffer was full, writing had failed (until it
// recovers; with the events of the last second before the failure), or the journal was closed.
func (j *Journal) Dropped() uint64 { return j.dropped.Load() }

// Close writes what is queued, fsyncs and closes the current segment. A failed journal tries once more
// to write again (and its gap record); Close returns the write error still in force, if any.
func (j *Journal) Close() error {
	j.mu.Lock()
	if !j.closed.CompareAndSwap(false, true) {
		j.mu.Unlock()
		<-j.done
		return nil
	}
	close(j.ch)
	j.mu.Unlock()
	<-j.done
	return j.failed
}

// run writes queued events until Close, syncing every SyncInterval when something was written, or
// trying to write again when writing failed.
func (j *Journal) run() {
	defer close(j.done)
	t := time.NewTicker(j.opt.SyncInterval)
	defer t.Stop()
	for {
		select {
		case e, ok := <-j.ch:
			if !ok {
				j.tick()
				if j.f != nil {
					j.check(j.f.Close())
				}
				return
			}
			j.write(e)
		case <-t.C:
			j.tick()
		}
	}
}

// tick fsyncs what was written since the last good fsync, or resumes a failed journal.
func (j *Journal) tick() {
	switch {
	case j.failed != nil:
		j.resume()
	case j.unsynced > 0:
		if err := j.sync(); err != nil {
			j.fail(err, 0)
			return
		}
		j.unsynced, j.synced = 0, time.Now()
	}
}

func (j *Journal) write(e store.Event) {
	if j.failed != nil && time.Since(j.tried) >= resumeEvery {
		j.resume()
	}
	if j.failed != nil {
		j.lose(1)
		return
	}
	line, err := json.Marshal(Record{Boot: j.boot, Event: e})
	if err != nil {
		j.dropped.Add(1)
		return
	}
	line = append(line, '\n')
	if j.size > 0 && j.size+int64(len(line)) > j.opt.segmentBytes() {
		if err := j.rotate(); err != nil {
			j.fail(err, 1)
			return
		}
	}
	j.unsynced++
	j.check(j.add(line))
}

// add writes line to the current segment's buffer.
func (j *Journal) add(line []byte) error {
	n, err := j.w.Write(line)
	j.size += int64(n)
	j.segments[len(j.segments)-1].size = j.size
	return err
}

// check fails the journal on err.
func (j *Journal) check(err error) {
	if err != nil {
		j.fail(err, 0)
	}
}

// fail stops writing after err: the events written since the last good fsync and more (one the caller
// could not write) are counted lost, what the buffer holds is discarded and the segment closed (the
// page cache may hold bytes the disk never got: a later write goes to a new segment), and Report hears it.
func (j *Journal) fail(err error, more uint64) {
	j.failed = fmt.Errorf("journal: %w", err)
	j.lose(j.unsynced + more)
	j.unsynced = 0
	j.w.Reset(io.Discard)
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
	if j.opt.Report != nil {
		j.opt.Report(j.failed, j.lost)
	}
}

func (j *Journal) lose(n uint64) {
	j.lost += n
	j.dropped.Add(n)
}

// resume tries to write again after a failure: a new segment whose first record is the gap record,
// fsynced. If that fails too the new segment is removed and the journal stays failed.
func (j *Journal) resume() {
	now := time.Now()
	j.tried = now
	gap, err := json.Marshal(Record{Boot: j.boot, Event: store.Event{Time: now, Kind: store.KindGateway, Severity: "warning",
		Rule: GapRule, Count: j.lost, FirstSeen: j.synced, LastSeen: now,
		Reason: fmt.Sprintf("event journal gap: %d events recorded between %s and %s are not journaled (%v)",
			j.lost, j.synced.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), j.failed)}})
	if err == nil {
		err = j.rotate() // j.f is nil: nothing of the failed segment is written again
	}
	if err == nil {
		err = j.add(append(gap, '\n'))
	}
	if err == nil {
		err = j.sync()
	}
	if err != nil {
		j.w.Reset(io.Discard)
		if j.f != nil {
			j.f.Close()
			os.Remove(j.f.Name())
			j.segments = j.segments[:len(j.segments)-1]
			j.f = nil
		}
		return
	}
	lost := j.lost
	j.failed, j.lost, j.synced = nil, 0, now
	if j.opt.Report != nil {
		j.opt.Report(nil, lost)
	}
}

func (j *Journal) sync() error {
	if err := j.w.Flush(); err != nil {
		return err
	}
	return j.f.Sync()
}

// rotate closes the current segment (if any), starts the next one and removes the oldest segments while
// the total is over MaxBytes.
func (j *Journal) rotate() error {
	if j.f != nil {
		if err := j.sync(); err != nil {
			return err
		}
		if err := j.f.Close(); err != nil {
			return err
		}
		j.unsynced, j.synced = 0, time.Now()
	}
	j.seq++
	f, err := os.OpenFile(filepath.Join(j.opt.Dir, segmentName(j.seq)), os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.f, j.size = f, 0
	if j.w == nil {
		j.w = bufio.NewWriterSize(f, 64<<10)
	} else {
		j.w.Reset(f)
	}
	j.segments = append(j.segments, segment{seq: j.seq})
	var total int64
	for _, s := range j.segments {
		total += s.size
	}
	for len(j.segments) > 1 && total+j.opt.segmentBytes() > j.opt.MaxBytes {
		old := j.segments[0]
		if err := os.Remove(filepath.Join(j.opt.Dir, segmentName(old.seq))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("journal: %w", err)
		}
		total -= old.size
		j.segments = j.segments[1:]
	}
	return syncDir(j.opt.Dir)
}

// syncDir makes the creation and removal of segments durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Read calls fn for every record in the journal in dir, oldest first. A line that does not decode (the
// torn tail of a segment written when the host lost power) is skipped; an error from fn stops the walk
// and is returned.
func Read(dir string, fn func(Record) error) error {
	segs, err := listSegments(dir)
	if err != nil {
		return err
	}
	for _, s := range segs {
		if err := readSegment(filepath.Join(dir, segmentName(s.seq)), fn); err != nil {
			return err
		}
	}
	return nil
}

func readSegment(path string, fn func(Record) error) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil // removed by a running gateway's rotation meanwhile
	}
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	return decode(f, fn)
}

// decode reads JSON lines from r; lines longer than 64 KiB or that do not decode are skipped.
func decode(r io.Reader, fn func(Record) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			for errors.Is(err, bufio.ErrBufferFull) { // an over-long line: skip it whole
				_, err = br.ReadSlice('\n')
			}
			continue
		}
		if len(line) > 0 {
			var rec Record
			if json.Unmarshal(line, &rec) == nil {
				if ferr := fn(rec); ferr != nil {
					return ferr
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
	}
}
