//go:build linux

package queue

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/hl7gate/hl7gate/test/testkit"
)

// copyDir copies the files of src and its subdirectories (a queue directory: segments, dead/) into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o700)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, in)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A SIGKILL at any point of a reopen leaves the directory as it was at the failure (a PROBE file
// perhaps) with the first k segments cut back to their fsynced size, k = 0 … all. Each such crash image
// opens, and hands out every message an Append reported durable and not yet acked, in order per key;
// nothing else but the failed appends (answered with an error: a duplicate at most) and messages whose
// Ack was not durable. The images are taken from a queue that a full tmpfs failed with appends of
// several keys in flight (batches of several records, segments of 64 KiB).
func TestCrashDuringReopen(t *testing.T) {
	mnt := testkit.Tmpfs(t, 2<<20)
	dir := filepath.Join(mnt, "q")
	q := open(t, dir, Options{SegmentSize: 64 << 10})
	keys := []Key{"central/eui64:A", "central/eui64:B", "central/eui64:C", "central/eui64:D"}
	var (
		mu      sync.Mutex
		acked   = map[Key][]int{}
		failed  = map[Key][]int{}
		started = make(chan struct{})
	)
	for i := range 40 { // some history, half of it delivered (done records)
		mustAppend(t, q, keys[0], i)
		acked[keys[0]] = append(acked[keys[0]], i)
	}
	delivered := map[Key][]int{keys[0]: drainN(t, q, keys[0], 20)}
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Go(func() {
			<-started
			for i := 100; ; i++ {
				_, err := q.Append(context.Background(), k, payload(k, i))
				mu.Lock()
				if err != nil {
					failed[k] = append(failed[k], i)
					mu.Unlock()
					return
				}
				acked[k] = append(acked[k], i)
				mu.Unlock()
			}
		})
	}
	testkit.Fill(t, mnt)
	fill := filepath.Join(mnt, "FILL") // leave 400 KiB for the appends to fill
	if st, err := os.Stat(fill); err != nil || os.Truncate(fill, st.Size()-400<<10) != nil {
		t.Fatalf("shrink the filler: %v", err)
	}
	close(started)
	wg.Wait()
	if _, err := q.Health(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("queue after the disk filled: %v, want ENOSPC", err)
	}

	q.mu.Lock()
	type cut struct {
		name   string
		synced int64
	}
	var cuts []cut
	for _, sg := range q.segs {
		cuts = append(cuts, cut{filepath.Base(sg.f.Name()), sg.synced})
	}
	q.mu.Unlock()
	img := t.TempDir()
	copyDir(t, dir, img)
	if err := os.WriteFile(filepath.Join(img, probeName), probeData[:4096], 0o600); err != nil { // killed in the probe
		t.Fatal(err)
	}

	for k := 0; k <= len(cuts); k++ {
		crash := t.TempDir()
		copyDir(t, img, crash)
		for _, c := range cuts[:k] {
			if err := os.Truncate(filepath.Join(crash, c.name), c.synced); err != nil {
				t.Fatal(err)
			}
		}
		r, err := Open(crash, Options{SegmentSize: 64 << 10})
		if err != nil {
			t.Fatalf("crash after cutting %d of %d segments: Open: %v", k, len(cuts), err)
		}
		for _, key := range keys {
			got := drain(t, r, key)
			want := slices.DeleteFunc(slices.Clone(acked[key]), func(i int) bool { return slices.Contains(delivered[key], i) })
			for _, i := range want {
				if !slices.Contains(got, i) {
					t.Errorf("crash after cutting %d of %d segments: key %s lost message %d, acknowledged as durable", k, len(cuts), key, i)
				}
			}
			for _, i := range got {
				if !slices.Contains(acked[key], i) && !slices.Contains(failed[key], i) {
					t.Errorf("crash after cutting %d of %d segments: key %s handed out %d, never appended", k, len(cuts), key, i)
				}
			}
		}
		if _, err := os.Stat(filepath.Join(crash, probeName)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("crash after cutting %d segments: the probe file is still there after Open: %v", k, err)
		}
		r.Close()
	}
	t.Logf("%d segments; acked %d/%d/%d/%d; failed %v", len(cuts), len(acked[keys[0]]), len(acked[keys[1]]),
		len(acked[keys[2]]), len(acked[keys[3]]), failed)
}

// drainN delivers and acks the first n queued messages of key and returns their counters.
func drainN(t *testing.T, q *Queue, key Key, n int) []int {
	t.Helper()
	var got []int
	for range n {
		m, err := q.Next(context.Background(), key, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, counter(t, key, m.Body))
		if err := q.Ack(key, m.Seq); err != nil {
			t.Fatal(err)
		}
	}
	return got
}

// created returns the names of the files created in the directory inotify fd in watches, since the last call.
func created(t *testing.T, in int) []string {
	t.Helper()
	var names []string
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.Read(in, buf)
		if errors.Is(err, syscall.EAGAIN) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off+syscall.SizeofInotifyEvent <= n; {
			ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := buf[off+syscall.SizeofInotifyEvent : off+syscall.SizeofInotifyEvent+int(ev.Len)]
			names = append(names, strings.TrimRight(string(name), "\x00"))
			off += syscall.SizeofInotifyEvent + int(ev.Len)
		}
	}
}

// The probe of a failed queue does not take the last free bytes of its file system, not even for a
// moment: the other routes' queues and the event journal write there too and would fail meanwhile. With
// less than twice its size available it writes nothing; with room it passes.
func TestProbeLeavesTheLastBytes(t *testing.T) {
	mnt := testkit.Tmpfs(t, 2<<20)
	dir := filepath.Join(mnt, "q")
	q := open(t, dir, Options{})
	testkit.Fill(t, mnt)
	fill := filepath.Join(mnt, "FILL")
	st, err := os.Stat(fill)
	if err != nil {
		t.Fatal(err)
	}
	in, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(in)
	if _, err := syscall.InotifyAddWatch(in, dir, syscall.IN_CREATE); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(fill, st.Size()-probeSize/2); err != nil { // 128 KiB free: room for messages
		t.Fatal(err)
	}
	if err := q.probe(); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("probe with %d KiB free: %v, want ENOSPC", probeSize/2>>10, err)
	}
	if names := created(t, in); slices.Contains(names, probeName) {
		t.Errorf("probe with %d KiB free wrote its file (took the last free bytes)", probeSize/2>>10)
	}
	if err := os.Truncate(fill, st.Size()-3*probeSize); err != nil {
		t.Fatal(err)
	}
	if err := q.probe(); err != nil {
		t.Errorf("probe with %d KiB free: %v", 3*probeSize>>10, err)
	}
}

// A record that fails its checksum in the middle of the last segment (bit rot Next finds) fails the
// queue, and the reopen does not take it for a torn tail: cutting the log there would drop the intact,
// acknowledged messages after it. The queue stays failed with ErrCorrupt and the segment keeps its bytes.
func TestReopenDoesNotCutCorruption(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, Options{})
	k := Key("central/eui64:A")
	var offs []int64
	for i := range 5 {
		mustAppend(t, q, k, i)
		q.mu.Lock()
		offs = append(offs, q.keys[k].q[q.keys[k].len()-1].off)
		q.mu.Unlock()
	}
	seg := segmentFiles(t, dir)[0]
	before, err := os.Stat(seg)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(seg, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{'#'}, offs[2]+hdrLen+msgFixed+int64(len(k))+3); err != nil { // message 2's payload
		t.Fatal(err)
	}
	f.Close()
	if got := drainN(t, q, k, 2); !slices.Equal(got, []int{0, 1}) {
		t.Fatalf("delivered %v, want [0 1]", got)
	}
	if _, err := q.Next(context.Background(), k, nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Next on the damaged record: %v, want ErrCorrupt", err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) { // the reopen runs at once: poll, bounded
		_, err = q.Health()
		if err == nil || strings.Contains(err.Error(), "reopen") || time.Now().After(deadline) {
			break
		}
	}
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "reopen") {
		t.Errorf("queue after the reopen: %v, want it still failed: reopen: corrupt record", err)
	}
	if after, err := os.Stat(seg); err != nil || after.Size() != before.Size() {
		t.Errorf("segment after the reopen: %v bytes (%v), want its %d bytes kept", after.Size(), err, before.Size())
	}
}
