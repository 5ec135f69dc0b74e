package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// payload returns message i of key: "key/i|" then filler derived from i, 500 to 2000 bytes (PCD-01 sizes).
func payload(key Key, i int) []byte {
	b := fmt.Appendf(nil, "%s/%d|", key, i)
	size := 500 + i*7919%1500
	for j := len(b); j < size; j++ {
		b = append(b, byte('a'+(i+j)%26))
	}
	return b
}

// counter checks that body is an intact payload of key and returns its i.
func counter(t *testing.T, key Key, body []byte) int {
	t.Helper()
	p := bytes.TrimPrefix(body, []byte(key+"/"))
	end := bytes.IndexByte(p, '|')
	if len(p) == len(body) || end < 0 {
		t.Fatalf("key %s: body does not start with its key: %.40q", key, body)
	}
	i, err := strconv.Atoi(string(p[:end]))
	if err != nil || !bytes.Equal(body, payload(key, i)) {
		t.Fatalf("key %s: body damaged: %.40q", key, body)
	}
	return i
}

func open(t *testing.T, dir string, opts Options) *Queue {
	t.Helper()
	q, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

func mustAppend(t *testing.T, q *Queue, key Key, i int) uint64 {
	t.Helper()
	seq, err := q.Append(context.Background(), key, payload(key, i))
	if err != nil {
		t.Fatalf("append %s/%d: %v", key, i, err)
	}
	return seq
}

// depth returns how many messages key has queued.
func depth(q *Queue, key Key) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if kq := q.keys[key]; kq != nil {
		return kq.len()
	}
	return 0
}

// drain delivers and acks every queued message of key, checking seq order and content; it returns the
// payload counters in delivery order.
func drain(t *testing.T, q *Queue, key Key) []int {
	t.Helper()
	var got []int
	var buf []byte
	var last uint64
	for depth(q, key) > 0 {
		m, err := q.Next(context.Background(), key, buf)
		if err != nil {
			t.Fatal(err)
		}
		buf = m.Body
		i := counter(t, key, m.Body)
		if m.Seq <= last {
			t.Fatalf("key %s: seq %d after seq %d: out of order", key, m.Seq, last)
		}
		last = m.Seq
		got = append(got, i)
		if err := q.Ack(key, m.Seq); err != nil {
			t.Fatal(err)
		}
	}
	return got
}

func TestOrderPerKeyConcurrent(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, Options{SegmentSize: 64 << 10})
	const keys, per = 24, 60
	var wg sync.WaitGroup
	errs := make(chan error, 2*keys)
	for k := range keys {
		key := Key(fmt.Sprintf("monitor-%02d", k))
		wg.Go(func() { // appender
			for i := range per {
				if _, err := q.Append(context.Background(), key, payload(key, i)); err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Go(func() { // deliverer, concurrently
			var buf []byte
			for want := range per {
				m, err := q.Next(context.Background(), key, buf)
				if err != nil {
					errs <- err
					return
				}
				buf = m.Body
				if got, err := strconv.Atoi(string(bytes.SplitN(bytes.TrimPrefix(m.Body, []byte(key+"/")), []byte("|"), 2)[0])); err != nil || got != want || !bytes.Equal(m.Body, payload(key, want)) {
					errs <- fmt.Errorf("key %s: got payload %d, want %d", key, got, want)
					return
				}
				if err := q.Ack(key, m.Seq); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	st := q.Stats()
	if st.Depth != 0 || st.Bytes != 0 || st.Appended != keys*per || st.Delivered != keys*per {
		t.Fatalf("stats after delivering everything: %+v", st)
	}
	if st.Fsyncs >= st.Appended {
		t.Errorf("%d fsyncs for %d concurrent appends: no group commit", st.Fsyncs, st.Appended)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q = open(t, dir, Options{SegmentSize: 64 << 10})
	if st := q.Stats(); st.Depth != 0 {
		t.Fatalf("acked messages back after reopen: %+v", st)
	}
}

func TestReopenRedeliversUnacked(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, Options{})
	var seqs []uint64
	for i := range 5 {
		seqs = append(seqs, mustAppend(t, q, "a", i))
	}
	mustAppend(t, q, "b", 0)
	for range 2 {
		m, err := q.Next(context.Background(), "a", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Ack("a", m.Seq); err != nil {
			t.Fatal(err)
		}
	}
	m, err := q.Next(context.Background(), "a", nil)
	if err != nil || m.Seq != seqs[2] || m.Attempt != 1 || m.Recovered {
		t.Fatalf("third message: %+v, %v", m, err)
	}
	if err := q.Ack("a", seqs[3]); !errors.Is(err, ErrNotHead) {
		t.Fatalf("ack out of order: %v, want ErrNotHead", err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	q = open(t, dir, Options{})
	if ks := q.Keys(); len(ks) != 2 || ks[0] != "a" || ks[1] != "b" {
		t.Fatalf("keys after reopen: %v", ks)
	}
	m, err = q.Next(context.Background(), "a", nil)
	if err != nil || m.Seq != seqs[2] || !m.Recovered || m.Attempt != 1 || counter(t, "a", m.Body) != 2 {
		t.Fatalf("after reopen: %+v, %v; want seq %d recovered", m, err, seqs[2])
	}
	if seq := mustAppend(t, q, "a", 5); seq <= seqs[4] {
		t.Fatalf("seq %d reused after reopen (last %d)", seq, seqs[4])
	}
	if got := drain(t, q, "a"); fmt.Sprint(got) != "[2 3 4 5]" {
		t.Fatalf("a after reopen: %v", got)
	}
	if got := drain(t, q, "b"); fmt.Sprint(got) != "[0]" {
		t.Fatalf("b after reopen: %v", got)
	}
}

func TestBoundBytes(t *testing.T) {
	q := open(t, t.TempDir(), Options{})
	one := int64(hdrLen + msgFixed + 1 + len(payload("k", 0)))
	q.opts.MaxBytes = 3 * one
	for range 3 {
		mustAppend(t, q, "k", 0)
	}
	if _, err := q.Append(context.Background(), "k", payload("k", 0)); !errors.Is(err, ErrFull) {
		t.Fatalf("append beyond MaxBytes: %v, want ErrFull", err)
	}
	if st := q.Stats(); st.Depth != 3 || st.Bytes != 3*one {
		t.Fatalf("stats when full: %+v", st)
	}
	m, err := q.Next(context.Background(), "k", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Ack("k", m.Seq); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, q, "k", 0) // room again
}

// MaxAge is judged per key: a key whose oldest message is too old refuses its own new messages
// (ErrStale, an ErrFull), the other keys go on.
func TestBoundAge(t *testing.T) {
	q := open(t, t.TempDir(), Options{MaxAge: 1}) // 1 ns: the first message is at once too old
	mustAppend(t, q, "k", 0)
	if _, err := q.Append(context.Background(), "k", payload("k", 1)); !errors.Is(err, ErrStale) || !errors.Is(err, ErrFull) {
		t.Fatalf("append while the key's oldest message is older than MaxAge: %v, want ErrStale", err)
	}
	mustAppend(t, q, "other", 0) // another key (another station or monitor) is not refused
	if st := q.Stats(); st.Depth != 2 || st.OldestAge <= 0 {
		t.Fatalf("stats: %+v", st)
	}
	if got := drain(t, q, "k"); len(got) != 1 {
		t.Fatalf("queued message lost: %v", got)
	}
	mustAppend(t, q, "k", 1)
}

func TestInvalid(t *testing.T) {
	q := open(t, t.TempDir(), Options{MaxMessage: 100})
	for _, tc := range []struct {
		key Key
		n   int
	}{{"", 10}, {Key(bytes.Repeat([]byte("k"), 256)), 10}, {"k", 101}} {
		if _, err := q.Append(context.Background(), tc.key, make([]byte, tc.n)); !errors.Is(err, ErrInvalid) {
			t.Errorf("key of %d bytes, message of %d: %v, want ErrInvalid", len(tc.key), tc.n, err)
		}
	}
	if _, err := Open(q.dir, Options{}); err == nil {
		t.Fatal("a second Open of an open queue succeeded")
	}
}

func TestDeadLetterReplay(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, Options{})
	s0 := mustAppend(t, q, "k", 0)
	mustAppend(t, q, "k", 1)
	if _, err := q.Next(context.Background(), "k", nil); err != nil {
		t.Fatal(err)
	}
	if err := q.DeadLetter("k", s0, "AR from station"); err != nil {
		t.Fatal(err)
	}
	if st := q.Stats(); st.Depth != 1 || st.DeadLetters != 1 || st.Delivered != 0 {
		t.Fatalf("stats after dead letter: %+v", st)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	q = open(t, dir, Options{})
	dls, err := q.DeadLetters()
	if err != nil || len(dls) != 1 {
		t.Fatalf("dead letters after reopen: %v, %v", dls, err)
	}
	d := dls[0]
	if d.ID != s0 || d.Key != "k" || d.Reason != "AR from station" || d.Size != len(payload("k", 0)) || d.Dead.Before(d.Queued) {
		t.Fatalf("dead letter: %+v", d)
	}
	if _, body, err := q.Inspect(s0); err != nil || counter(t, "k", body) != 0 {
		t.Fatalf("inspect: %v", err)
	}
	seq, err := q.Replay(context.Background(), s0)
	if err != nil || seq <= s0 {
		t.Fatalf("replay: seq %d, %v", seq, err)
	}
	if dls, err := q.DeadLetters(); err != nil || len(dls) != 0 || q.Stats().DeadLetters != 0 {
		t.Fatalf("dead letters after replay: %v, %v", dls, err)
	}
	if _, err := q.Replay(context.Background(), s0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second replay: %v, want ErrNotFound", err)
	}
	if got := drain(t, q, "k"); fmt.Sprint(got) != "[1 0]" { // replayed after what was queued
		t.Fatalf("after replay: %v", got)
	}
}

// segmentFiles returns the paths of dir's segments, oldest first.
func segmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	ids, err := segmentIDs(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, id := range ids {
		out = append(out, filepath.Join(dir, segName(id)))
	}
	return out
}

// copyQueue copies src's segment (with the given content) into a new directory.
func copyQueue(t *testing.T, seg string, data []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(seg)), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestTornTail(t *testing.T) {
	src := t.TempDir()
	q := open(t, src, Options{})
	bodies := [][]byte{[]byte("first"), []byte("second"), bytes.Repeat([]byte("third|"), 20)}
	for _, b := range bodies {
		if _, err := q.Append(context.Background(), "k", b); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	segs := segmentFiles(t, src)
	if len(segs) != 1 {
		t.Fatalf("%d segments", len(segs))
	}
	data, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	_, n0, _ := decode(data)
	_, n1, _ := decode(data[n0:])
	last := n0 + n1 // the last record is data[last:]

	// check opens dir and expects the first want bodies, intact and in order, and a segment of size bytes.
	// Close writes the Acks: a queue whose files were closed under its goroutines would fail and reopen.
	check := func(t *testing.T, what string, dir string, want int, size int) {
		t.Helper()
		q, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer q.Close()
		if st := q.Stats(); st.Depth != want || st.DiskBytes != int64(size) {
			t.Fatalf("%s: recovered %d messages in %d bytes, want %d in %d", what, st.Depth, st.DiskBytes, want, size)
		}
		if fi, err := os.Stat(segmentFiles(t, dir)[0]); err != nil || fi.Size() != int64(size) {
			t.Fatalf("%s: segment file not repaired: %v", what, err)
		}
		var buf []byte
		for i := range want {
			m, err := q.Next(context.Background(), "k", buf)
			if err != nil || !bytes.Equal(m.Body, bodies[i]) || !m.Recovered {
				t.Fatalf("%s: message %d: %+v, %v", what, i, m, err)
			}
			buf = m.Body
			if err := q.Ack("k", m.Seq); err != nil {
				t.Fatal(err)
			}
		}
	}
	for cut := last; cut < len(data); cut++ {
		check(t, fmt.Sprintf("cut at %d", cut), copyQueue(t, segs[0], data[:cut]), 2, last)
	}
	for p := last; p < len(data); p++ {
		bad := bytes.Clone(data)
		bad[p] ^= 0x5a
		check(t, fmt.Sprintf("byte %d damaged", p), copyQueue(t, segs[0], bad), 2, last)
	}
	// the file size extended but the data never written: a zero-filled tail
	check(t, "zero-filled tail", copyQueue(t, segs[0], append(bytes.Clone(data), make([]byte, 4096)...)), 3, len(data))

	// after a repair, appends go on with fresh seqs and survive a reopen
	dir := copyQueue(t, segs[0], data[:len(data)-1])
	q = open(t, dir, Options{})
	seq, err := q.Append(context.Background(), "k", []byte("after"))
	if err != nil || seq != 3 {
		t.Fatalf("append after repair: seq %d, %v; want 3 (the torn seq was never acknowledged)", seq, err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q = open(t, dir, Options{})
	if st := q.Stats(); st.Depth != 3 {
		t.Fatalf("after repair, append and reopen: %+v", st)
	}
}

func TestCorruptionBeforeTheTailFailsOpen(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, Options{SegmentSize: 4096})
	for i := range 12 {
		mustAppend(t, q, "k", i)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	segs := segmentFiles(t, dir)
	if len(segs) < 3 {
		t.Fatalf("%d segments, want several", len(segs))
	}
	data, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	data[20] ^= 1
	if err := os.WriteFile(segs[0], data, 0o600); err != nil {
		t.Fatal(err)
	}
	if q, err := Open(dir, Options{}); !errors.Is(err, ErrCorrupt) {
		if err == nil {
			q.Close()
		}
		t.Fatalf("open with a damaged first segment: %v, want ErrCorrupt", err)
	}
}

func TestReclaimKeepsStuckMessages(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentSize: 16 << 10}
	q := open(t, dir, opts)
	for i := range 3 {
		mustAppend(t, q, "stuck", i) // a monitor whose station is down
	}
	for i := range 400 {
		mustAppend(t, q, "flow", i)
		if got := drain(t, q, "flow"); len(got) != 1 || got[0] != i {
			t.Fatalf("flow %d: %v", i, got)
		}
	}
	if err := q.reclaim(); err != nil {
		t.Fatal(err)
	}
	st := q.Stats()
	if st.Segments > 3 || st.DiskBytes > 3*opts.SegmentSize || st.Moved < 3 {
		t.Fatalf("space not reclaimed: %+v", st)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(segmentFiles(t, dir)); n != st.Segments {
		t.Fatalf("%d segment files, Stats said %d", n, st.Segments)
	}
	q = open(t, dir, opts)
	if got := fmt.Sprint(drain(t, q, "stuck")); got != "[0 1 2]" {
		t.Fatalf("stuck messages after compaction and reopen: %s", got)
	}
	if st := q.Stats(); st.Depth != 0 {
		t.Fatalf("delivered messages back: %+v", st)
	}
}

func TestNextWaitsAndCloseEndsIt(t *testing.T) {
	q := open(t, t.TempDir(), Options{})
	got := make(chan error, 1)
	go func() {
		m, err := q.Next(context.Background(), "k", nil)
		if err == nil && counter(t, "k", m.Body) != 7 {
			err = errors.New("wrong message")
		}
		got <- err
	}()
	mustAppend(t, q, "k", 7)
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := q.Next(context.Background(), "empty", nil)
		got <- err
	}()
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after Close: %v, want ErrClosed", err)
	}
}
