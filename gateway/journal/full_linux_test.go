//go:build linux

package journal

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// journaled returns the journal's records whose reason starts with prefix.
func journaled(t *testing.T, dir, prefix string) []Record {
	t.Helper()
	var out []Record
	for _, r := range readAll(t, dir) {
		if strings.HasPrefix(r.Reason, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// until appends events named prefix0, prefix1, ... one every 10 ms until cond holds, at most for 15 s
// (the writer gives no signal to wait on: poll, bounded); it returns how many it appended.
func until(t *testing.T, j *Journal, prefix string, cond func() bool) int {
	t.Helper()
	n := 0
	for deadline := time.Now().Add(15 * time.Second); !cond(); n++ {
		if time.Now().After(deadline) {
			t.Fatalf("after %d %s events (15 s) the condition still does not hold; dropped %d", n, prefix, j.Dropped())
		}
		j.Append(store.Event{Kind: store.KindPolicy, Reason: fmt.Sprintf("%s%d", prefix, n)})
		time.Sleep(10 * time.Millisecond)
	}
	return n
}

// A full disk (a real tmpfs filled up) stops the writing, not the journal: every event it could not write
// is counted in Dropped, and once space is back it writes again, in a new segment that starts with a
// gap record counting them, without a restart.
func TestFullDiskCountsAndRecordsTheGap(t *testing.T) {
	mnt := testkit.Tmpfs(t, 512<<10)
	dir := filepath.Join(mnt, "journal")
	j, err := Open(Options{Dir: dir, SyncInterval: 10 * time.Millisecond}, "b")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	before := until(t, j, "before", func() bool { return len(journaled(t, dir, "before")) > 0 })

	free := testkit.Fill(t, mnt)
	during := until(t, j, "during", func() bool { return j.Dropped() > 0 })
	lostAt := j.Dropped()
	during += until(t, j, "during-more", func() bool { return j.Dropped() >= lostAt+20 })

	free()
	after := until(t, j, "after", func() bool { return len(journaled(t, dir, "after")) > 0 })
	if err := j.Close(); err != nil {
		t.Fatalf("close after the recovery: %v", err)
	}
	var gaps []Record
	for _, r := range readAll(t, dir) {
		if r.Rule == "journal_gap" {
			gaps = append(gaps, r)
		}
		if strings.HasPrefix(r.Reason, "after") && len(gaps) == 0 {
			t.Fatalf("event %s journaled before the gap record", r.Reason)
		}
	}
	if len(gaps) != 1 || gaps[0].Count != j.Dropped() || gaps[0].Kind != store.KindGateway || gaps[0].FirstSeen.IsZero() {
		t.Fatalf("gap records %+v, want one gateway event counting the %d dropped events", gaps, j.Dropped())
	}
	written := len(journaled(t, dir, "before")) + len(journaled(t, dir, "during")) + len(journaled(t, dir, "after"))
	if total := before + during + after; uint64(written)+j.Dropped() < uint64(total) {
		t.Errorf("%d events appended, %d journaled and %d counted as dropped: some went missing uncounted", total, written, j.Dropped())
	}
	if got := len(journaled(t, dir, "after")); got < 1 {
		t.Errorf("no event journaled after the disk was freed")
	}
}
