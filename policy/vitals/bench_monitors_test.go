//go:build unix

package vitals_test

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/internal/sim"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// BenchmarkObserveMonitors measures Observe per message as the gateway calls
// it: 64 clean monitors, each with its own state (its own patient, clock and
// address), their ~2 KB messages observed round-robin, so that a monitor's
// state has mostly left the caches by its next message; and, for comparison,
// one monitor, whose state stays in them (as BenchmarkObserve's). The
// messages are generated and parsed 64 at a time (one per monitor, or 64 of
// the one) with the timer stopped, into reused buffers, so that, as in the
// gateway, a message's bytes are in the cache (just parsed) when it is
// observed and the streams never see a repeated run (a lap of pre-generated
// messages would be a replay); cpu-ns/op is the process's user+sys CPU over
// the timed parts only (getrusage), the figure to judge by on a shared
// machine. The clean streams carry no findings (findings counts them): it is
// the common path that is measured.
func BenchmarkObserveMonitors(b *testing.B) {
	for _, monitors := range []int{64, 1} {
		b.Run(strconv.Itoa(monitors), func(b *testing.B) { observeMonitors(b, monitors) })
	}
}

// observeMonitors runs BenchmarkObserveMonitors with the given number of
// monitors (a divisor of 64).
func observeMonitors(b *testing.B, monitors int) {
	const batch = 64
	mons := make([]*sim.Monitor, monitors)
	srcs := make([]netip.Addr, monitors)
	for i := range mons {
		mons[i] = sim.NewMonitor(sim.Options{ID: i + 1, Seed: uint64(7 + i), Size: 2 << 10})
		srcs[i] = netip.AddrFrom4([4]byte{10, 2, 0, byte(i + 1)})
	}
	msgs := make([][]byte, batch)
	parsed := make([]hl7.Message, batch)
	at := make([]time.Time, batch)
	fill := func() {
		for k := range batch {
			msgs[k], at[k], _ = mons[k%monitors].Next(msgs[k][:0]) // round-robin: one message of each monitor in turn
			if err := parsed[k].Parse(msgs[k]); err != nil {
				b.Fatal(err)
			}
		}
	}
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	var fs []vitals.Finding
	var cpu time.Duration // user+sys over the timed parts
	b.ReportAllocs()
	b.StopTimer()
	findings := 0
	for i := 0; i < b.N; i++ {
		k := i % len(msgs)
		if k == 0 {
			fill()
			b.StartTimer()
			cpu -= processCPU(b)
		}
		fs = e.Observe(srcs[k%monitors], &parsed[k], at[k], fs[:0])
		findings += len(fs)
		if k == len(msgs)-1 || i == b.N-1 {
			cpu += processCPU(b)
			b.StopTimer()
		}
	}
	if want := min(b.N, monitors); e.Monitors() != want {
		b.Fatalf("tracking %d monitors, want %d", e.Monitors(), want)
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(findings), "findings")
}
