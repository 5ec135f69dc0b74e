//go:build linux

package test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/hl7gate/hl7gate/test/testkit"
)

// probeDeleted watches dir (inotify) and returns a function that waits, at most d, until a file named
// PROBE is removed there: the queue's probe passed (it writes nothing while the disk is full) and the
// reopen's cut and rescan follow at once.
func probeDeleted(t *testing.T, dir string) (wait func(d time.Duration) bool, stop func()) {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_DELETE); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "inotify") // non-blocking: read deadlines work
	buf := make([]byte, 4096)
	wait = func(d time.Duration) bool {
		_ = f.SetReadDeadline(time.Now().Add(d))
		for {
			n, err := f.Read(buf)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return false
			}
			if err != nil {
				t.Fatal(err)
			}
			for off := 0; off+syscall.SizeofInotifyEvent <= n; {
				ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
				name := string(buf[off+syscall.SizeofInotifyEvent : off+syscall.SizeofInotifyEvent+int(ev.Len)])
				if strings.TrimRight(name, "\x00") == "PROBE" {
					return true
				}
				off += syscall.SizeofInotifyEvent + int(ev.Len)
			}
		}
	}
	return wait, func() { f.Close() }
}

// TestStoreDiskFullKill9 with the SIGKILL inside the reopen: three times the disk fills under four
// monitors (AE), is freed, and the gateway is killed the moment its queue's probe file is removed (the
// cut of the segments and the rescan run then), and started again. When the station comes back, every
// message a monitor got a positive ACK for reaches it, in order per monitor.
func TestStoreKill9DuringReopen(t *testing.T) {
	r := newDiskFullRig(t, 4)
	gw, mnt, acked, nacks := r.gw, r.mnt, &r.acked, &r.nacks

	killed := 0
	for round := range 3 {
		waitCount(t, gw, "positive ACKs before the disk fills", acked, acked.Load()+150)
		free := testkit.Fill(t, mnt)
		waitCount(t, gw, "negative ACKs on the full disk", nacks, nacks.Load()+20)
		wait, unwatch := probeDeleted(t, filepath.Join(mnt, "queue", "vitals"))
		free()
		if wait(10 * time.Second) {
			gw.kill()
			killed++
		} else {
			t.Logf("round %d: no probe within 10 s of the disk being freed", round)
			gw.kill()
		}
		unwatch()
		gw.start()
	}
	waitCount(t, gw, "positive ACKs after the last restart", acked, acked.Load()+50)
	r.stopMonitors()
	if killed == 0 {
		t.Fatal("no kill came during a reopen")
	}

	st := newStationAt(t, r.stAddr, accept)
	tally := waitAllArrived(t, st, r.next)
	b, _ := os.ReadFile(r.logPath)
	t.Logf("%d kills at the probe's removal (%d reopens finished before the kill); %d positive ACKs, %d negative; %d arrivals, %d duplicates",
		killed, strings.Count(string(b), "queue recovered"), acked.Load(), nacks.Load(), tally.seen, tally.dups)
}
