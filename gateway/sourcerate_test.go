package gateway

import (
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
)

func TestSourceBudget(t *testing.T) {
	t0 := time.Unix(1000, 0)
	const rate = 1000 // bytes per second
	steps := []struct {
		name string
		at   time.Duration // after t0
		n    int
		want time.Duration
	}{
		{"a full second of the rate goes at once", 0, 1000, 0},
		{"the next byte waits for its own time", 0, 1, time.Millisecond},
		{"what is owed adds up", 0, 499, 500 * time.Millisecond},
		{"time pays it back", 250 * time.Millisecond, 0, 250 * time.Millisecond},
		{"a frame larger than the bucket waits for its own bytes", 500 * time.Millisecond, 3000, 3 * time.Second},
		{"the bucket holds one second, however long the source was quiet", time.Hour, 1500, 500 * time.Millisecond},
	}
	b := newSourceBudget(rate, t0)
	for _, s := range steps {
		if got := b.take(t0.Add(s.at), s.n); got != s.want {
			t.Errorf("%s: take(%d) at +%s = %s, want %s", s.name, s.n, s.at, got, s.want)
		}
	}
}

// A budget outlives its source's connections while it is owed (a device cannot start afresh by
// reconnecting), and is forgotten once full.
func TestListenerBudgets(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := &listener{cfg: config.ListenerConfig{MaxSourceRate: 1000}, perSource: map[netip.Addr]int{}, budgets: map[netip.Addr]*sourceBudget{}}
	a := netip.MustParseAddr("10.0.0.1")
	b := l.budget(a, t0)
	b.take(t0, 5000)
	other := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}) }
	for i := range 40 { // other sources, without connections: their full budgets are forgotten, a's is kept
		l.budget(other(i), t0)
	}
	if n := len(l.budgets); n > 17 {
		t.Errorf("%d budgets kept for no source connected, want at most 17", n)
	}
	if l.budget(a, t0.Add(time.Second)) != b {
		t.Fatal("an owed budget was forgotten")
	}
	for i := range 40 { // a's budget is full again 5 s after its 5000 bytes
		l.budget(other(100+i), t0.Add(10*time.Second))
	}
	if _, ok := l.budgets[a]; ok {
		t.Fatal("a full budget of a source without connections was kept")
	}
	if off := (&listener{cfg: config.ListenerConfig{MaxSourceRate: -1}}); off.budget(a, t0) != nil {
		t.Fatal("max_source_rate -1 made a budget")
	}
}

// BenchmarkSourceBudget is what max_source_rate adds to a message on the relay path: one take on the
// source's budget (the byte count per read is one addition), by one connection and by several of the
// source's connections at once, under the rate.
func BenchmarkSourceBudget(b *testing.B) {
	b.Run("one", func(b *testing.B) {
		budget, now := newSourceBudget(math.MaxInt, time.Now()), time.Now()
		b.ReportAllocs()
		for b.Loop() {
			now = now.Add(time.Microsecond)
			if budget.take(now, 4096) != 0 {
				b.Fatal("throttled")
			}
		}
	})
	b.Run("shared", func(b *testing.B) {
		budget := newSourceBudget(math.MaxInt, time.Now())
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if budget.take(time.Now(), 4096) != 0 {
					b.Fatal("throttled")
				}
			}
		})
	})
}

// What max_source_rate costs a message under the rate allocates nothing.
func TestSourceBudgetAllocs(t *testing.T) {
	b, now := newSourceBudget(math.MaxInt, time.Now()), time.Now()
	if n := testing.AllocsPerRun(1000, func() {
		now = now.Add(time.Microsecond)
		b.take(now, 4096)
	}); n != 0 {
		t.Errorf("take allocates %v times per message, want 0", n)
	}
}
