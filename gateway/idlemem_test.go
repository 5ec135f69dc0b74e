//go:build linux

package gateway

import (
	"bytes"
	"context"
	"net"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// idleConns is how many idle monitor connections TestIdleConnMemory opens: enough that the gateway's fixed
// costs vanish in the per-connection figure, few enough for a test.
const idleConns = 2000

// idleConnBudget is what an idle monitor connection may cost the gateway in Go heap and stack, measured
// after a collection: issue 15's 6 KiB per idle connection (RSS, test/bench/run.sh's idle scenario), less
// what RSS adds to the live heap (the collector's slack and the runtime's own structures).
const idleConnBudget = 4 << 10

// What idleConns idle connections to a running gateway cost it, per connection: the live heap and the
// goroutine stacks after a collection, when every connection waits for its next message. Two states:
// connected and silent, and after one message answered (buffers used once); each with the connections
// waiting in their goroutines (the gateway without its parker) and parked (quiet for parkAfter). The
// parked figures must stay within idleConnBudget. The client side uses raw sockets, which cost the test
// process's Go heap nothing, so the figures are the gateway's alone.
//
//	go test -run TestIdleConnMemory -v ./gateway/
func TestIdleConnMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2,000 connections twice, waits for parking")
	}
	for _, parking := range []bool{false, true} {
		t.Run(map[bool]string{false: "goroutines", true: "parked"}[parking], func(t *testing.T) {
			silent, used := idleConnMemory(t, parking)
			if !parking {
				return
			}
			for _, c := range []struct {
				what string
				per  uint64
			}{{"silent", silent}, {"after one message", used}} {
				if c.per > idleConnBudget {
					t.Errorf("%s: a parked connection costs %d bytes of Go heap and stack, budget %d", c.what, c.per, idleConnBudget)
				}
			}
		})
	}
}

// idleConnMemory measures TestIdleConnMemory's figures for one gateway, with or without parking, and
// returns the Go heap and stack per connection, silent and after one message.
func idleConnMemory(t *testing.T, parking bool) (silent, used uint64) {
	g, sa := rawGateway(t, idleConns, func(g *Gateway) { g.parkOff = !parking })
	defer g.Shutdown(context.Background())
	wait := func(n int) { // until n sessions wait for their next message, in their goroutine or parked
		if parking {
			waitSessions(t, g, 0, n)
		} else {
			waitSessions(t, g, n, 0)
		}
	}

	// One message first, so that the station's pool connection and the per-device state of the one
	// device every message names exist before the baseline.
	fds := make([]int, idleConns+1)
	fds[0] = dialRaw(t, sa)
	exchangeRaw(t, fds[0], 0)
	wait(1)
	before := memNow(t)
	for i := 1; i < len(fds); i++ {
		fds[i] = dialRaw(t, sa)
	}
	wait(len(fds))
	m := memNow(t)
	m.report(t, "connected, silent", before, idleConns)
	silent = m.goBytes(before) / idleConns
	for i := 1; i < len(fds); i++ {
		exchangeRaw(t, fds[i], i)
	}
	wait(len(fds))
	m = memNow(t)
	m.report(t, "after one message", before, idleConns)
	return silent, m.goBytes(before) / idleConns
}

// rawGateway starts a gateway taking up to 2 × conns monitor connections, with its default vital-sign
// checks (see startGateway), and returns it and its listener's address for raw sockets. The caller shuts
// it down: the memory tests measure two gateways one after the other.
func rawGateway(tb testing.TB, conns int, tune func(*Gateway)) (*Gateway, *syscall.SockaddrInet4) {
	tb.Helper()
	lc := config.ListenerConfig{MaxConnections: 2 * conns, MaxPerSource: 2 * conns}
	g := startGateway(tb, lc, testkit.AckStation(tb), true, tune)
	addr := g.ListenerAddr("icu").(*net.TCPAddr).AddrPort()
	return g, &syscall.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}
}

// dialRaw connects a blocking raw socket to sa.
func dialRaw(t testing.TB, sa *syscall.SockaddrInet4) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Connect(fd, sa); err != nil {
		t.Fatal(err)
	}
	return fd
}

// exchangeRaw sends message i on fd and reads its ACK.
func exchangeRaw(t testing.TB, fd, i int) {
	t.Helper()
	var b bytes.Buffer
	msg := "MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ORU^R01|M" + strconv.Itoa(i) + "|P|2.6\r" +
		"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97|%|||||F\r"
	if err := mllp.NewWriter(&b).WriteFrame([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	if _, err := syscall.Write(fd, b.Bytes()); err != nil {
		t.Fatal(err)
	}
	ack, err := mllp.NewReader(rawReader(fd), 0).ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(ack, []byte("MSA|AA|M"+strconv.Itoa(i)+"\r")) {
		t.Fatalf("message %d: ACK %q", i, ack)
	}
}

type rawReader int

func (r rawReader) Read(p []byte) (int, error) {
	n, err := syscall.Read(int(r), p)
	if n < 0 {
		n = 0
	}
	if err == nil && n == 0 {
		err = os.ErrClosed
	}
	return n, err
}

// stackBuf holds waitSessionsIdle's goroutine dumps: allocated with the test binary, not between the
// samples.
var stackBuf [4 << 20]byte

// waitSessions waits until waiting sessions wait in their connection's read for the next message (the
// goroutine dump names them) and parked sessions are parked, so that what they hold is allocated and
// nothing of a message is in flight. The dump is the whole process's: a test running in parallel with
// others waits with waitParked instead, which looks at g alone.
func waitSessions(t *testing.T, g *Gateway, waiting, parked int) {
	t.Helper()
	buf := stackBuf[:]
	for deadline := time.Now().Add(30 * time.Second); ; runtime.Gosched() {
		w := 0
		for g := range bytes.SplitSeq(buf[:runtime.Stack(buf, true)], []byte("\n\n")) {
			if bytes.Contains(g, []byte("[IO wait")) && bytes.Contains(g, []byte("gateway.(*session).loop")) {
				w++
			}
		}
		p := 0
		if g.parker != nil {
			g.parker.mu.Lock()
			p = len(g.parker.parked)
			g.parker.mu.Unlock()
		}
		if w == waiting && p == parked {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions waiting for a message and %d parked, want %d and %d", w, p, waiting, parked)
		}
	}
}

// memSample is the process's Go heap and stacks at one moment, after a collection.
type memSample struct{ heap, stack uint64 }

func memNow(t *testing.T) memSample {
	t.Helper()
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSample{heap: ms.HeapAlloc, stack: ms.StackInuse}
}

// goBytes is what the Go heap and stacks grew by since before.
func (m memSample) goBytes(before memSample) uint64 {
	return m.heap + m.stack - before.heap - before.stack
}

// report logs the growth per connection since before, signed: the stacks may shrink (a goroutine of the
// baseline, such as the waker of its one message, ends while connections park without one).
func (m memSample) report(t *testing.T, what string, before memSample, n int) {
	per := func(now, then uint64) int64 { return (int64(now) - int64(then)) / int64(n) }
	t.Logf("%s, per connection: heap %d, stack %d, heap+stack %d bytes", what,
		per(m.heap, before.heap), per(m.stack, before.stack), per(m.heap+m.stack, before.heap+before.stack))
}

// activeConns and activeRounds: how many connections TestActiveConnMemory opens and how many messages
// each sends before the figure is taken (enough for the second wait in a row to count).
const (
	activeConns  = 2000
	activeRounds = quickParkGaps + 1
)

// What an active monitor connection, one that sends a message every second or so and is therefore never
// quiet for parkAfter, costs the gateway between its messages: the live heap and the goroutine stacks
// per connection after a collection, once each of activeConns connections has sent activeRounds
// messages. Two gateways: without parking (such a connection waits in its goroutine, as every one did
// before quick parking) and with quick parking (quickGap 0 here, so that every wait counts as slow: the
// test is about what a parked-between-messages connection holds, not about the clock). The quickly parked
// figure must stay within idleConnBudget, like a connection parked when quiet (not judged under the race
// detector, whose bookkeeping adds to it).
//
//	go test -run TestActiveConnMemory -v ./gateway/
func TestActiveConnMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2,000 connections twice")
	}
	for _, quick := range []bool{false, true} {
		t.Run(map[bool]string{false: "goroutines", true: "parked between messages"}[quick], func(t *testing.T) {
			per := activeConnMemory(t, quick)
			if quick && !raceOn && per > idleConnBudget {
				t.Errorf("a connection parked between its messages costs %d bytes of Go heap and stack, budget %d", per, idleConnBudget)
			}
		})
	}
}

// activeConnMemory measures TestActiveConnMemory's figure for one gateway and returns the Go heap and
// stack per connection.
func activeConnMemory(t *testing.T, quick bool) uint64 {
	g, sa := rawGateway(t, activeConns, func(g *Gateway) { g.parkOff, g.quickGap = !quick, 0 })
	defer g.Shutdown(context.Background())
	wait := func(n int) {
		if quick {
			waitSessions(t, g, 0, n)
		} else {
			waitSessions(t, g, n, 0)
		}
	}
	fds := make([]int, activeConns+1)
	fds[0] = dialRaw(t, sa)
	for r := range activeRounds {
		exchangeRaw(t, fds[0], r)
	}
	wait(1)
	before := memNow(t)
	for i := 1; i < len(fds); i++ {
		fds[i] = dialRaw(t, sa)
	}
	for r := range activeRounds {
		for i := 1; i < len(fds); i++ {
			exchangeRaw(t, fds[i], r*len(fds)+i)
		}
	}
	wait(len(fds))
	m := memNow(t)
	m.report(t, "between messages", before, activeConns)
	return m.goBytes(before) / activeConns
}

// What a message costs when its connection is parked after it and woken for the next (quickGap 0: every
// connection parked between messages) against a connection that waits in its goroutine (no parker):
// 200 connections send one message each per round, one connection after another, so that each message
// finds its connection waiting. cpu-µs/msg is the process's user and system CPU time per message (the
// client's raw-socket writes and reads included, the same in both).
//
//	go test -run XXX -bench ParkedMessage -benchtime 20x ./gateway/
func BenchmarkParkedMessage(b *testing.B) {
	for _, quick := range []bool{false, true} {
		b.Run(map[bool]string{false: "goroutines", true: "parked"}[quick], func(b *testing.B) {
			const conns = 200
			g, sa := rawGateway(b, conns, func(g *Gateway) { g.parkOff, g.quickGap = !quick, 0 })
			defer g.Shutdown(context.Background())
			fds := make([]int, conns)
			for i := range fds {
				fds[i] = dialRaw(b, sa)
				for r := range activeRounds {
					exchangeRaw(b, fds[i], r*conns+i)
				}
			}
			id := activeRounds * conns
			cpu0 := cpuTime(b)
			b.ResetTimer()
			for b.Loop() {
				for _, fd := range fds {
					exchangeRaw(b, fd, id)
					id++
				}
			}
			b.StopTimer()
			msgs := float64(b.N * conns)
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/msgs, "cpu-µs/msg")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/msgs, "µs/msg")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
