package queue

import (
	"context"
	"errors"
	"testing"
)

// msgLen is the record bytes of payload(key, i).
func msgLen(key Key, i int) int64 { return int64(hdrLen + msgFixed + len(key) + len(payload(key, i))) }

// appendFrom appends payload(key, i) from src.
func appendFrom(q *Queue, src string, key Key, i int) error {
	_, err := q.AppendFrom(context.Background(), src, key, payload(key, i))
	return err
}

// One source at its MaxSourceBytes gets ErrSourceFull (an ErrFull) while another source, and an append
// without a source, still get room; delivering the source's messages gives it room again.
func TestBoundSourceShare(t *testing.T) {
	q := open(t, t.TempDir(), Options{MaxBytes: 1 << 20, MaxSourceBytes: 3 * msgLen("victim", 0)})
	for range 3 {
		if err := appendFrom(q, "10.0.0.5", "hog", 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := appendFrom(q, "10.0.0.5", "victim-key-claimed", 0); !errors.Is(err, ErrSourceFull) || !errors.Is(err, ErrFull) {
		t.Fatalf("4th append of the source at its share, under any key: %v, want ErrSourceFull", err)
	}
	for range 3 {
		if err := appendFrom(q, "10.0.0.6", "victim", 0); err != nil {
			t.Fatalf("another source while the first is at its share: %v", err)
		}
	}
	if st := q.Stats(); st.Sources != 2 || st.Depth != 6 {
		t.Fatalf("stats: %+v", st)
	}
	if got := drain(t, q, "hog"); len(got) != 3 {
		t.Fatalf("hog's messages: %v", got)
	}
	if err := appendFrom(q, "10.0.0.5", "hog", 1); err != nil {
		t.Fatalf("after its messages were delivered: %v", err)
	}
	drain(t, q, "hog")
	drain(t, q, "victim")
	if st := q.Stats(); st.Sources != 0 || st.Bytes != 0 {
		t.Fatalf("stats when empty: %+v", st)
	}
}

// The default share is an eighth of MaxBytes, and a share is never more than MaxBytes.
func TestSourceShareDefault(t *testing.T) {
	if o := (Options{MaxBytes: 8 << 20}).withDefaults(); o.MaxSourceBytes != 1<<20 {
		t.Fatalf("default share of 8 MiB: %d", o.MaxSourceBytes)
	}
	if o := (Options{MaxBytes: 8 << 20, MaxSourceBytes: 9 << 20}).withDefaults(); o.MaxSourceBytes != 8<<20 {
		t.Fatalf("share above MaxBytes: %d", o.MaxSourceBytes)
	}
}

// deadLetterHead dead-letters key's oldest message.
func deadLetterHead(t *testing.T, q *Queue, key Key) {
	t.Helper()
	m, err := q.Next(context.Background(), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.DeadLetter(key, m.Seq, "AR from station"); err != nil {
		t.Fatal(err)
	}
}

// Dead letters stay counted in MaxBytes and in their source's share until they are discarded or
// replayed, also after a reopen (MaxBytes; the source is not on disk): a source whose messages the
// station refuses fills its own share, not the disk, and the other sources keep their room.
func TestBoundDeadLetters(t *testing.T) {
	dir := t.TempDir()
	one := msgLen("hog", 0)
	q := open(t, dir, Options{MaxBytes: 1 << 20, MaxSourceBytes: 4 * one})
	n := 0
	for ; n < 10; n++ {
		if err := appendFrom(q, "10.0.0.5", "hog", 0); err != nil {
			if !errors.Is(err, ErrSourceFull) {
				t.Fatal(err)
			}
			break
		}
		deadLetterHead(t, q, "hog")
	}
	st := q.Stats()
	if n >= 4 || st.DeadLetters != n || st.DeadBytes <= int64(n)*one || st.Depth != 0 {
		t.Fatalf("after %d appends refused by the station: %+v, want the share to end them before 4", n, st)
	}
	if err := appendFrom(q, "10.0.0.6", "victim", 0); err != nil {
		t.Fatalf("another source: %v", err)
	}
	dls, err := q.DeadLetters()
	if err != nil || len(dls) != n {
		t.Fatalf("dead letters: %v %v", dls, err)
	}
	if err := q.Discard(dls[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := appendFrom(q, "10.0.0.5", "hog", 1); err != nil {
		t.Fatalf("after a discard: %v", err)
	}
	deadBytes := q.Stats().DeadBytes
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	q = open(t, dir, Options{MaxBytes: q.Stats().Bytes + deadBytes})
	if st := q.Stats(); st.DeadBytes != deadBytes || st.DeadLetters != n-1 {
		t.Fatalf("after reopen: %+v, want %d dead bytes", st, deadBytes)
	}
	if err := appendFrom(q, "10.0.0.7", "x", 0); !errors.Is(err, ErrFull) {
		t.Fatalf("append with queued and dead bytes at MaxBytes: %v, want ErrFull", err)
	}
	// A replay is credited with its dead letter's bytes: a queue full of dead letters can replay them.
	if _, err := q.Replay(context.Background(), dls[1].ID); err != nil {
		t.Fatalf("replay at MaxBytes: %v", err)
	}
}
