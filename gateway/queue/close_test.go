package queue

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// TestCloseWaitsForSegmentRead holds the queue's files as Next does while it reads a segment (filesMu
// taken under q.mu, the queue open) and closes the queue meanwhile: Close must wait for the read to end
// before it closes the segment files, not leave the reader with a closed descriptor (review15). The test
// sees Close waiting when its write lock of filesMu is pending (TryRLock fails), or Close returning
// while the read is in progress, which fails it.
func TestCloseWaitsForSegmentRead(t *testing.T) {
	q, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, q, "k", 1)

	q.mu.Lock() // as Next: the message's place, and the files held, before q.mu is released
	kq := q.keys["k"]
	e := kq.q[kq.head]
	q.filesMu.RLock()
	q.mu.Unlock()

	closed := make(chan error, 1)
	go func() { closed <- q.Close() }()
	for waiting := false; !waiting; runtime.Gosched() {
		select {
		case err := <-closed:
			var buf []byte
			_, rerr := readRecord(e.seg, e.off, e.n, &buf)
			q.filesMu.RUnlock()
			t.Fatalf("Close returned (%v) while a segment was being read; the read then: %v", err, rerr)
		default:
		}
		if waiting = !q.filesMu.TryRLock(); !waiting {
			q.filesMu.RUnlock()
		}
	}
	var buf []byte
	r, err := readRecord(e.seg, e.off, e.n, &buf)
	q.filesMu.RUnlock()
	if err != nil || counter(t, "k", r.body) != 1 {
		t.Fatalf("read while Close waits: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

// TestNextDuringClose runs Next for a queued message again and again while the queue closes: each call
// returns the message or ErrClosed, never a read of a closed file.
func TestNextDuringClose(t *testing.T) {
	for range 20 {
		q, err := Open(t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		mustAppend(t, q, "k", 1)
		res := make(chan error, 1)
		go func() {
			var buf []byte
			for {
				m, err := q.Next(context.Background(), "k", buf)
				if err != nil {
					res <- err
					return
				}
				buf = m.Body
			}
		}()
		if err := q.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-res; !errors.Is(err, ErrClosed) {
			t.Fatalf("Next while the queue closed: %v, want ErrClosed", err)
		}
	}
}

// deadFiles lists the dead/ directory of the queue in dir.
func deadFiles(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(dir, deadDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

// TestNothingWrittenAfterClose dead-letters and discards while the queue closes: once Close returned
// (its directory lock released, so that another process may open it), the dead/ directory must not change
// any more, and a call that came too late returns ErrClosed.
func TestNothingWrittenAfterClose(t *testing.T) {
	for i := range 20 {
		dir := t.TempDir()
		q, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		seq := mustAppend(t, q, "k", 1)
		old := mustAppend(t, q, "old", 2)
		if err := q.DeadLetter("old", old, "test"); err != nil {
			t.Fatal(err)
		}
		res := make(chan error, 1)
		go func() {
			if i%2 == 0 {
				res <- q.DeadLetter("k", seq, "test")
			} else {
				res <- q.Discard(old)
			}
		}()
		if err := q.Close(); err != nil {
			t.Fatal(err)
		}
		after := deadFiles(t, dir)
		if err := <-res; err != nil && !errors.Is(err, ErrClosed) {
			t.Fatalf("call %d while the queue closed: %v", i, err)
		}
		if later := deadFiles(t, dir); !slices.Equal(after, later) {
			t.Fatalf("call %d changed the dead letters after Close returned: %v, then %v", i, after, later)
		}
	}
}

// TestClosedQueueRefusesDeadLetterCalls: after Close every dead-letter call returns ErrClosed and leaves
// the directory as it was (another process may hold it by then).
func TestClosedQueueRefusesDeadLetterCalls(t *testing.T) {
	dir := t.TempDir()
	q, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	seq := mustAppend(t, q, "k", 1)
	if err := q.DeadLetter("k", seq, "test"); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	before := deadFiles(t, dir)
	if _, err := q.DeadLetters(); !errors.Is(err, ErrClosed) {
		t.Errorf("DeadLetters after Close: %v, want ErrClosed", err)
	}
	if _, _, err := q.Inspect(seq); !errors.Is(err, ErrClosed) {
		t.Errorf("Inspect after Close: %v, want ErrClosed", err)
	}
	if _, err := q.Replay(context.Background(), seq); !errors.Is(err, ErrClosed) {
		t.Errorf("Replay after Close: %v, want ErrClosed", err)
	}
	if err := q.Discard(seq); !errors.Is(err, ErrClosed) {
		t.Errorf("Discard after Close: %v, want ErrClosed", err)
	}
	if after := deadFiles(t, dir); !slices.Equal(before, after) {
		t.Errorf("dead letters after Close: %v, then %v", before, after)
	}
}
