//go:build linux

package queue

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/test/testkit"
)

// fillQueue appends messages of keys, round robin from *i, until an append fails; it records the
// acknowledged ones in acked and returns the error.
func fillQueue(t *testing.T, q *Queue, keys []Key, i *int, acked map[Key][]int) error {
	t.Helper()
	for ; *i < 100000; *i++ {
		k := keys[*i%len(keys)]
		if _, err := q.Append(context.Background(), k, payload(k, *i)); err != nil {
			*i++
			return err
		}
		acked[k] = append(acked[k], *i)
	}
	t.Fatal("the full disk took 100000 appends")
	return nil
}

// appendWhenUsable appends message i of k, retrying until the queue takes it (it reopens itself on its
// own timer once the disk takes writes: poll, bounded).
func appendWhenUsable(t *testing.T, q *Queue, k Key, i int) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err := q.Append(context.Background(), k, payload(k, i))
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("append still fails %v after the disk was freed: %v", time.Since(deadline.Add(-15*time.Second)).Round(time.Second), err)
		}
	}
}

// A full disk (ENOSPC on a real tmpfs) fails the queue: appends fail and Next hands nothing out. Once
// space is back the queue reopens itself, without a restart: appends succeed again and every message
// acknowledged before, during and after is delivered, in order per key; the appends that failed are not.
func TestDiskFullReopens(t *testing.T) {
	mnt := testkit.Tmpfs(t, 2<<20)
	dir := filepath.Join(mnt, "q")
	q := open(t, dir, Options{SegmentSize: 96 << 10})
	keys := []Key{"central/eui64:A", "central/eui64:B"}
	acked := map[Key][]int{}
	i := 0
	for range 40 {
		k := keys[i%2]
		mustAppend(t, q, k, i)
		acked[k] = append(acked[k], i)
		i++
	}
	free := testkit.Fill(t, mnt)
	err := fillQueue(t, q, keys, &i, acked)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("append on a full disk: %v, want ENOSPC", err)
	}
	failed := i - 1
	if _, err := q.Append(context.Background(), keys[0], payload(keys[0], i)); err == nil {
		t.Fatal("an append after the failure succeeded on the full disk")
	}
	i++
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if m, err := q.Next(ctx, keys[0], nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next on the failed queue: seq %d, %v; want it to wait (context canceled)", m.Seq, err)
	}

	free()
	k := keys[i%2]
	appendWhenUsable(t, q, k, i)
	acked[k] = append(acked[k], i)
	i++
	for range 20 {
		k := keys[i%2]
		mustAppend(t, q, k, i)
		acked[k] = append(acked[k], i)
		i++
	}
	for _, k := range keys {
		got := drain(t, q, k)
		if !slices.Equal(got, acked[k]) {
			t.Errorf("key %s delivered %v,\nwant the acknowledged %v", k, got, acked[k])
		}
		if slices.Contains(got, failed) {
			t.Errorf("key %s: the failed append %d was delivered", k, failed)
		}
	}
	if err := q.Close(); err != nil {
		t.Fatalf("close after the reopen: %v", err)
	}
	q = open(t, dir, Options{SegmentSize: 96 << 10})
	if st := q.Stats(); st.Depth != 0 {
		t.Fatalf("after a restart %d messages are queued again, want 0: the acks after the reopen were durable", st.Depth)
	}
}

// Health reports the failure and the reopen, each through its channel; an Ack the failed queue refused
// leaves the message queued, handed out again after the reopen as Recovered (at-least-once).
func TestHealthFollowsFailureAndReopen(t *testing.T) {
	mnt := testkit.Tmpfs(t, 1<<20)
	q := open(t, filepath.Join(mnt, "q"), Options{})
	changed, err := q.Health()
	if err != nil {
		t.Fatalf("new queue: Health %v", err)
	}
	k := Key("central/eui64:A")
	acked := map[Key][]int{}
	i := 0
	for ; i < 5; i++ {
		mustAppend(t, q, k, i)
		acked[k] = append(acked[k], i)
	}
	m, err := q.Next(context.Background(), k, nil)
	if err != nil {
		t.Fatal(err)
	}
	free := testkit.Fill(t, mnt)
	if err := fillQueue(t, q, []Key{k}, &i, acked); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("append on a full disk: %v, want ENOSPC", err)
	}
	select {
	case <-changed:
	default:
		t.Fatal("Health's channel not closed at the failure")
	}
	changed, err = q.Health()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Health of the failed queue: %v, want ENOSPC", err)
	}
	if err := q.Ack(k, m.Seq); err == nil {
		t.Fatal("Ack on the failed queue succeeded")
	}

	free()
	select {
	case <-changed:
	case <-time.After(15 * time.Second):
		t.Fatal("no reopen within 15 s of the disk being freed")
	}
	if _, err := q.Health(); err != nil {
		t.Fatalf("Health after the reopen: %v", err)
	}
	again, err := q.Next(context.Background(), k, nil)
	if err != nil || again.Seq != m.Seq || !again.Recovered {
		t.Fatalf("after the reopen Next gave seq %d (recovered %v), %v; want seq %d again, recovered", again.Seq, again.Recovered, err, m.Seq)
	}
	if got := drain(t, q, k); !slices.Equal(got, acked[k]) {
		t.Fatalf("delivered %v, want the acknowledged %v", got, acked[k])
	}
}

// A reopen starts the sources' shares again from zero, as a restart does: the rescanned messages know
// no source, so a share still charged for them would never be freed and its monitor would get AE for
// good.
func TestReopenStartsSharesAgain(t *testing.T) {
	mnt := testkit.Tmpfs(t, 1<<20)
	q := open(t, filepath.Join(mnt, "q"), Options{})
	k := Key("central/eui64:A")
	for i := range 3 {
		if _, err := q.AppendFrom(context.Background(), "10.20.0.7", k, payload(k, i)); err != nil {
			t.Fatal(err)
		}
	}
	if st := q.Stats(); st.Sources != 1 {
		t.Fatalf("%d sources before the failure, want 1", st.Sources)
	}
	free := testkit.Fill(t, mnt)
	i := 3
	if err := fillQueue(t, q, []Key{k}, &i, map[Key][]int{}); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("append on a full disk: %v, want ENOSPC", err)
	}
	free()
	appendWhenUsable(t, q, k, i)
	if st := q.Stats(); st.Sources != 0 {
		t.Errorf("after the reopen %d sources hold a share, want 0", st.Sources)
	}
}
