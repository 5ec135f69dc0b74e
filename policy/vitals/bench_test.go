package vitals_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/internal/sim"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// benchMessages returns n consecutive simulated messages of one clean
// monitor, padded to size bytes, with their arrival times and OBX counts.
func benchMessages(b *testing.B, n, size int) (msgs [][]byte, at []time.Time, obx int) {
	b.Helper()
	mon := sim.NewMonitor(sim.Options{ID: 1, Seed: 7, Size: size})
	var m hl7.Message
	for range n {
		msg, t, _ := mon.Next(nil)
		msgs, at = append(msgs, msg), append(at, t)
		if err := m.Parse(msg); err != nil {
			b.Fatal(err)
		}
		for i := range m.NumSegments() {
			if string(m.Segment(i).Name()) == "OBX" {
				obx++
			}
		}
	}
	return msgs, at, obx
}

// BenchmarkObserve measures Observe alone (messages pre-parsed) per message
// and per OBX row, for the simulator's standard message (~1.4 KB), the same
// flagged on every message, one padded to 2 KB, and one padded to 16 KB;
// cpu-ns/op is the process's CPU over the loop (processCPU).
func BenchmarkObserve(b *testing.B) {
	for _, bc := range []struct {
		name    string
		size    int
		flagged bool
		mono    bool // arrivals with a monotonic clock reading, as the gateway's time.Now()
	}{{"std", 0, false, false}, {"std-flagged", 0, true, false}, {"2KB", 2 << 10, false, false}, {"2KB-monotonic", 2 << 10, false, true}, {"16KB", 16 << 10, false, false}} {
		b.Run(bc.name, func(b *testing.B) {
			const n = 4096
			msgs, at, obx := benchMessages(b, n, bc.size)
			parsed := make([]hl7.Message, n)
			for i := range msgs {
				if bc.flagged {
					// Marked as demonstration data (MSH-11 D): every message
					// carries a finding, one open episode that each message
					// updates, while every check still runs.
					msgs[i] = bytes.Replace(msgs[i], []byte("|P|2.6|"), []byte("|D|2.6|"), 1)
				}
				if err := parsed[i].Parse(msgs[i]); err != nil {
					b.Fatal(err)
				}
			}
			e, err := vitals.NewEngine(vitals.DefaultConfig())
			if err != nil {
				b.Fatal(err)
			}
			src := netip.MustParseAddr("10.0.0.1")
			if bc.mono {
				// hl7gate check's arrivals, like at's, carry no monotonic
				// reading, and time.Time.Sub takes another path for them
				// (review45v).
				now, a0 := time.Now(), at[0]
				base := now.Add(a0.Sub(now.Round(0))) // a0's wall clock, with a monotonic reading
				for k := range at {
					at[k] = base.Add(at[k].Sub(a0))
				}
			}
			var fs []vitals.Finding
			b.ReportAllocs()
			i := 0
			cpu := -processCPU(b)
			for b.Loop() {
				// Time moves on across laps so the stream stays a live one.
				lap := time.Duration(i/n) * time.Duration(n) * 10 * time.Second
				fs = e.Observe(src, &parsed[i%n], at[i%n].Add(lap), fs[:0])
				i++
			}
			cpu += processCPU(b)
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			if bc.flagged && e.Monitors() != 1 {
				b.Fatal("flagged stream not tracked")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(float64(obx)/n), "ns/obx")
		})
	}
}

// BenchmarkMemoryPerMonitor reports the heap each tracked monitor costs after
// its first message (new: 10,000 monitors), and once the control-ID history,
// the one that grows, has reached its steady size (steady: 500 monitors
// after 1,100 messages at 1 s; the other histories are fixed-size), for a
// device that numbers its messages with a counter and for one whose control
// IDs are random.
func BenchmarkMemoryPerMonitor(b *testing.B) {
	for _, bc := range []struct {
		name           string
		monitors, msgs int
		random         bool
	}{{"new", 10000, 1, false}, {"steady-counter", 500, 1100, false}, {"steady-random", 500, 1100, true}} {
		b.Run(bc.name, func(b *testing.B) {
			mon := sim.NewMonitor(sim.Options{ID: 1, Seed: 7, Interval: time.Second})
			r := rand.New(rand.NewPCG(7, 1)) // the same random IDs every run
			ms := make([]hl7.Message, bc.msgs)
			at := make([]time.Time, bc.msgs)
			for i := range ms {
				msg, t, _ := mon.Next(nil)
				if bc.random {
					// MSH-10 is the tenth field: replace it with a random token.
					f := bytes.SplitN(msg, []byte("|"), 11)
					f[9] = fmt.Appendf(nil, "%016x", r.Uint64())
					msg = bytes.Join(f, []byte("|"))
				}
				if err := ms[i].Parse(msg); err != nil {
					b.Fatal(err)
				}
				at[i] = t
			}
			for b.Loop() {
				e, err := vitals.NewEngine(vitals.DefaultConfig())
				if err != nil {
					b.Fatal(err)
				}
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				for j := range ms {
					for i := range bc.monitors {
						e.Observe(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), &ms[j], at[j], nil)
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				if e.Monitors() != bc.monitors {
					b.Fatalf("tracking %d monitors, want %d", e.Monitors(), bc.monitors)
				}
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(bc.monitors), "B/monitor")
			}
		})
	}
}
