//go:build linux

package journal

import (
	"errors"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/test/testkit"
)

// Report hears of the failure once, however many events are lost, and of the recovery once, with the
// number lost: what the gateway logs.
func TestReportsEachChangeOnce(t *testing.T) {
	mnt := testkit.Tmpfs(t, 512<<10)
	var (
		mu      sync.Mutex
		reports []error
		lost    []uint64
	)
	j, err := Open(Options{Dir: filepath.Join(mnt, "journal"), SyncInterval: 10 * time.Millisecond,
		Report: func(err error, n uint64) {
			mu.Lock()
			defer mu.Unlock()
			reports, lost = append(reports, err), append(lost, n)
		}}, "b")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(reports)
	}
	free := testkit.Fill(t, mnt)
	until(t, j, "during", func() bool { return count() > 0 })
	until(t, j, "during-more", func() bool { return j.Dropped() >= 100 })
	free()
	until(t, j, "after", func() bool { return count() > 1 })
	if err := j.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 2 || !errors.Is(reports[0], syscall.ENOSPC) || reports[1] != nil || lost[1] != j.Dropped() {
		t.Fatalf("reports %v (lost %v), want ENOSPC once, then nil once with all %d dropped", reports, lost, j.Dropped())
	}
}
