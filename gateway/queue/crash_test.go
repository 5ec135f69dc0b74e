package queue

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var crashKills = flag.Int("crash.kills", 5, "SIGKILLs in TestCrashSIGKILL (the long version uses 20 or more)")

const (
	crashEnvDir  = "QUEUE_CRASH_DIR"  // set in the child: the queue directory
	crashEnvBase = "QUEUE_CRASH_BASE" // payload counters start here, so they grow across runs
	crashKeys    = 8                  // keys appended to; all but the last are also delivered
	crashSegment = 128 << 10          // small segments: rolls, reclaims and copies happen under the kill
)

// TestCrashSIGKILL runs a child that appends as fast as it can and prints every acknowledged
// (durable) append, kills it with SIGKILL after a random number of them, reopens the queue and checks
// that every acknowledged message is there, intact, in order per key.
func TestCrashSIGKILL(t *testing.T) {
	if dir := os.Getenv(crashEnvDir); dir != "" {
		crashChild(dir)
		return
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d kills", seed, *crashKills)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	for kill := range *crashKills {
		acked, delivered := runAndKill(t, dir, kill*1_000_000, 100+rng.IntN(3000))
		q, err := Open(dir, Options{SegmentSize: crashSegment})
		if err != nil {
			t.Fatalf("kill %d: reopen: %v", kill, err)
		}
		found := make(map[uint64]bool)
		for k := range crashKeys {
			key := Key(fmt.Sprintf("k%d", k))
			got := drain(t, q, key)
			for j, i := range got {
				if j > 0 && i <= got[j-1] {
					t.Fatalf("kill %d: key %s: payload %d delivered after %d", kill, key, i, got[j-1])
				}
				found[uint64(i)] = true // counters are unique across keys and runs: base + key + 16n
			}
		}
		missing, again := 0, 0
		for seqKey, i := range acked {
			switch {
			case found[i] && delivered[seqKey]:
				again++ // its Ack was not durable yet: at-least-once
			case !found[i] && !delivered[seqKey]:
				missing++
				t.Errorf("kill %d: acknowledged append %s (payload %d) lost", kill, seqKey, i)
			}
		}
		if err := q.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("kill %d: %d appends acknowledged, %d handed out before the kill, %d recovered (%d of them again), %d lost",
			kill, len(acked), len(delivered), len(found), again, missing)
		if t.Failed() {
			return
		}
	}
}

// runAndKill starts the child on dir, SIGKILLs it after n acknowledged appends, and returns the
// acknowledged appends ("key/seq" → payload counter) and the ones whose delivery started ("key/seq").
func runAndKill(t *testing.T, dir string, base, n int) (acked map[string]uint64, delivered map[string]bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSIGKILL$")
	cmd.Env = append(os.Environ(), crashEnvDir+"="+dir, crashEnvBase+"="+strconv.Itoa(base),
		"GORACE=halt_on_error=1") // under -race, a race in the child ends it before the kill: a failure
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked, delivered = make(map[string]uint64), make(map[string]bool)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text()) // "A key seq counter" or "D key seq"
		switch {
		case len(f) == 4 && f[0] == "A":
			i, _ := strconv.ParseUint(f[3], 10, 64)
			acked[f[1]+"/"+f[2]] = i
			if len(acked) == n {
				cmd.Process.Signal(syscall.SIGKILL)
			}
		case len(f) == 3 && f[0] == "D":
			delivered[f[1]+"/"+f[2]] = true
		default:
			t.Fatalf("child said %q", sc.Text())
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die of SIGKILL: %v", err)
	}
	return acked, delivered
}

// crashChild appends to crashKeys keys from as many goroutines, printing each acknowledged append,
// and delivers all keys but the last, printing each delivery before its Ack. It runs until killed.
func crashChild(dir string) {
	base, _ := strconv.Atoi(os.Getenv(crashEnvBase))
	q, err := Open(dir, Options{SegmentSize: crashSegment})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	say := func(format string, a ...any) {
		mu.Lock()
		fmt.Fprintf(os.Stdout, format, a...) // unbuffered: the parent sees it before the next append
		mu.Unlock()
	}
	ctx := context.Background()
	for k := range crashKeys {
		key := Key(fmt.Sprintf("k%d", k))
		go func() {
			for n := 0; ; n++ {
				i := base + k + 16*n
				seq, err := q.Append(ctx, key, payload(key, i))
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				say("A %s %d %d\n", key, seq, i)
			}
		}()
		if k < crashKeys-1 { // the last key piles up, so compaction copies it forward
			go func() {
				var buf []byte
				for {
					m, err := q.Next(ctx, key, buf)
					if err != nil {
						fmt.Fprintln(os.Stderr, err)
						os.Exit(2)
					}
					buf = m.Body
					say("D %s %d\n", key, m.Seq)
					if err := q.Ack(key, m.Seq); err != nil {
						fmt.Fprintln(os.Stderr, err)
						os.Exit(2)
					}
				}
			}()
		}
	}
	select {}
}
