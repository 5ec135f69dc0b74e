package loadgen

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestReadProcStatOwnProcess(t *testing.T) {
	// Memory the heap freed but kept (an earlier run of this test with -count, another test's) would be
	// reused by the allocation below without growing the resident size, or handed back to the system
	// by the scavenger while it is measured: hand it back first (review15: with -count 5 the resident
	// size grew by nothing, or shrank, in 3 of 5 runs).
	debug.FreeOSMemory()
	before, err := ReadProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if before.RSS == 0 || before.PeakRSS < before.RSS {
		t.Fatalf("rss %d peak %d: want 0 < rss <= peak", before.RSS, before.PeakRSS)
	}
	// Touch 64 MiB so the resident peak must grow by most of it, and spin
	// until the kernel has charged at least 3 clock ticks of CPU.
	const n = 64 << 20
	mem := make([]byte, n)
	for i := 0; i < n; i += os.Getpagesize() {
		mem[i] = 1
	}
	var after ProcStat
	for spins := 0; ; spins++ {
		if after, err = ReadProcStat(os.Getpid()); err != nil {
			t.Fatal(err)
		}
		if after.CPU-before.CPU >= 30e6 { // 30 ms
			break
		}
		for x := 0; x < 1e6; x++ {
			spins += x & 1
		}
	}
	runtime.KeepAlive(mem)
	// The peak is compared with the resident size, not the peak before: that may be higher already (an
	// earlier run of this test, another test's allocations), and then it need not grow at all.
	if after.PeakRSS < after.RSS || after.PeakRSS < before.RSS+n/2 {
		t.Errorf("peak rss %d (rss %d → %d) after touching %d bytes, want at least the rss now and at least half of them above the rss before",
			after.PeakRSS, before.RSS, after.RSS, n)
	}
	if after.RSS < before.RSS+n/2 {
		t.Errorf("rss %d → %d after touching %d bytes, want it to grow by at least half", before.RSS, after.RSS, n)
	}
}

func TestReadProcStatNoProcess(t *testing.T) {
	if _, err := ReadProcStat(1 << 30); err == nil { // above pid_max
		t.Fatal("want an error for a pid that cannot exist")
	}
}

func TestCPUTicks(t *testing.T) {
	tail := " S 1 2 3 4 5 6 7 8 9 10 250 37 0 0 20 0 4 0 100 1000 50"
	tests := []struct {
		name    string
		stat    string
		want    uint64
		wantErr bool
	}{
		{"plain", "1234 (hl7gate)" + tail, 287, false},
		{"spaces and parens in the name", "1234 (a) b (c)" + tail, 287, false},
		{"no name", "1234 hl7gate" + tail, 0, true},
		{"truncated", "1234 (x) S 1 2", 0, true},
		{"not numbers", "1 (x) S 1 2 3 4 5 6 7 8 9 10 u s", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cpuTicks([]byte(tc.stat))
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("cpuTicks = %d, %v; want %d, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestStatusKB(t *testing.T) {
	status := []byte("Name:\thl7gate\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nVmBad:\t12 MB\n")
	tests := []struct {
		key     string
		want    uint64
		wantErr bool
	}{
		{"VmHWM:", 20 << 20, false},
		{"VmRSS:", 10 << 20, false},
		{"VmBad:", 0, true},
		{"VmSwap:", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			got, err := statusKB(status, tc.key)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("statusKB(%s) = %d, %v; want %d, error %v", tc.key, got, err, tc.want, tc.wantErr)
			}
		})
	}
}
