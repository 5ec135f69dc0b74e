//go:build linux

package gateway

import (
	"bytes"
	"context"
	"net"
	"runtime"
	"syscall"
	"testing"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/internal/sim"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// pathMonitors is how many monitors BenchmarkMessagePath drives, each from its own loopback address (the
// checks keep their state per source), as test/bench's light50 does.
const pathMonitors = 50

// pathMonitor is one of BenchmarkMessagePath's monitors: a raw socket and its prebuilt MLLP frames, each
// with a fixed-width MSH-10 (ctrl: where it is in the frame) that send overwrites with a fresh number.
type pathMonitor struct {
	fd     int
	frames [][]byte
	ctrl   []int
	ack    []byte
	want   []byte // "MSA|AA|" and the latest MSH-10
}

// pathIDLen is the width of a pathMonitor's MSH-10.
const pathIDLen = 16

// newPathMonitor connects monitor i from 127.1.0.(i+1) to sa and prebuilds n of its simulated messages
// (clean, or range-manipulated on every one: a flagged monitor, fewer when the manipulation's span ends
// sooner).
func newPathMonitor(tb testing.TB, sa *syscall.SockaddrInet4, i, n int, flagged bool) *pathMonitor {
	tb.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 1, 0, byte(i + 1)}}); err != nil {
		tb.Fatal(err)
	}
	if err := syscall.Connect(fd, sa); err != nil {
		tb.Fatal(err)
	}
	o := sim.Options{ID: i, Seed: 7 + uint64(i)}
	if flagged {
		o.Manipulation, o.ManipulateAt = sim.Range, 1
	}
	mon := sim.NewMonitor(o)
	pm := &pathMonitor{fd: fd, ack: make([]byte, 4096), want: make([]byte, 0, 7+pathIDLen)}
	var m hl7.Message
	for len(pm.frames) < n {
		msg, _, label := mon.Next(nil)
		if label.Resend || (flagged && !label.Active) {
			if flagged && label.Index > label.Last {
				break // past the manipulation's span
			}
			continue
		}
		if err := m.Parse(msg); err != nil {
			tb.Fatal(err)
		}
		ctrl := m.ControlID()
		off := bytes.Index(msg, ctrl)
		var frame bytes.Buffer
		body := append(append(append([]byte(nil), msg[:off]...), bytes.Repeat([]byte{'0'}, pathIDLen)...), msg[off+len(ctrl):]...)
		if err := mllp.NewWriter(&frame).WriteFrame(body); err != nil {
			tb.Fatal(err)
		}
		pm.frames = append(pm.frames, frame.Bytes())
		pm.ctrl = append(pm.ctrl, off+1) // after the start block
	}
	return pm
}

// send sends message seq (its MSH-10 the monitor's number and seq) and reads and checks its ACK.
func (pm *pathMonitor) send(tb testing.TB, mon, seq int) {
	j := seq % len(pm.frames)
	frame := pm.frames[j]
	id := frame[pm.ctrl[j] : pm.ctrl[j]+pathIDLen]
	putPathID(id, mon, seq)
	if _, err := syscall.Write(pm.fd, frame); err != nil {
		tb.Fatal(err)
	}
	n := 0
	for n == 0 || pm.ack[n-1] != '\r' || n < 2 || pm.ack[n-2] != 0x1c {
		k, err := syscall.Read(pm.fd, pm.ack[n:])
		if err != nil || k <= 0 {
			tb.Fatalf("monitor %d message %d: ACK read: %d, %v", mon, seq, k, err)
		}
		n += k
	}
	pm.want = append(append(pm.want[:0], "MSA|AA|"...), id...)
	if !bytes.Contains(pm.ack[:n], pm.want) {
		tb.Fatalf("monitor %d message %d: ACK %q", mon, seq, pm.ack[:n])
	}
}

// putPathID writes monitor mon's message seq into id: three digits of the monitor, the rest the number.
func putPathID(id []byte, mon, seq int) {
	for k := len(id) - 1; k >= 3; k-- {
		id[k] = byte('0' + seq%10)
		seq /= 10
	}
	for k := 2; k >= 0; k-- {
		id[k] = byte('0' + mon%10)
		mon /= 10
	}
}

// BenchmarkMessagePath is a whole message through the gateway as test/bench's light50 (clean) and flagged1
// (one monitor of 50 tripping the range check on every message) send it: 50 monitors on raw loopback
// sockets, each sending its next prebuilt ~2 KB PCD-01 message in turn and waiting for its ACK; the bench
// configuration (every check on, a route matching ORU^R01, one station, stop-and-wait) and an in-process
// station. allocs/msg counts every heap allocation of the process per message (the raw-socket monitors
// allocate nothing), cpu-µs/msg its user and system CPU time, station and monitors included.
//
//	go test -run XXX -bench MessagePath -benchtime 20000x ./gateway/
func BenchmarkMessagePath(b *testing.B) {
	for _, flagged := range []bool{false, true} {
		b.Run(map[bool]string{false: "clean", true: "flagged1"}[flagged], func(b *testing.B) {
			cfg := config.Default() // every vital-sign check on
			cfg.Listeners = []config.ListenerConfig{{Name: "bench", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"},
				MaxConnections: 2 * pathMonitors, MaxPerSource: 2 * pathMonitors}}
			cfg.Stations = []config.StationConfig{{Name: "central", Address: testkit.AckStation(b).String(), Connections: 64}}
			cfg.Routes = []policy.RouteConfig{{Name: "vitals", Match: policy.MatchConfig{MessageTypes: []string{"ORU^R01", "ORU^R40"}},
				Stations: []string{"central"}}}
			g := startConfig(b, cfg, nil)
			defer g.Shutdown(context.Background())
			ap := g.ListenerAddr("bench").(*net.TCPAddr).AddrPort()
			sa := &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
			mons := make([]*pathMonitor, pathMonitors)
			for i := range mons {
				mons[i] = newPathMonitor(b, sa, i, 64, flagged && i == 0)
			}
			seq := 0
			for range 64 { // every monitor's state and buffers made, every frame once through the checks
				for i, pm := range mons {
					pm.send(b, i, seq)
				}
				seq++
			}
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			cpu0 := cpuTime(b)
			b.ResetTimer()
			for b.Loop() {
				for i, pm := range mons {
					pm.send(b, i, seq)
				}
				seq++
			}
			b.StopTimer()
			runtime.ReadMemStats(&m1)
			msgs := float64(b.N * pathMonitors)
			b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/msgs, "allocs/msg")
			b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/msgs, "B/msg")
			b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/msgs/1e3, "cpu-µs/msg")
			b.ReportMetric(0, "ns/op")
		})
	}
}
