package gateway

import (
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
	for i := range 40 { // other sources, which forget a's budget only once it is full again
		l.budget(netip.AddrFrom4([4]byte{10, 1, 0, byte(i)}), t0)
	}
	if l.budget(a, t0.Add(time.Second)) != b {
		t.Fatal("an owed budget was forgotten")
	}
	l.budget(netip.MustParseAddr("10.2.0.1"), t0.Add(10*time.Second))
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
		budget, now := newSourceBudget(1<<30, time.Now()), time.Now()
		b.ReportAllocs()
		for b.Loop() {
			now = now.Add(time.Microsecond)
			if budget.take(now, 4096) != 0 {
				b.Fatal("throttled")
			}
		}
	})
	b.Run("shared", func(b *testing.B) {
		budget := newSourceBudget(1<<30, time.Now())
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
	b, now := newSourceBudget(1<<30, time.Now()), time.Now()
	if n := testing.AllocsPerRun(1000, func() {
		now = now.Add(time.Microsecond)
		b.take(now, 4096)
	}); n != 0 {
		t.Errorf("take allocates %v times per message, want 0", n)
	}
}
