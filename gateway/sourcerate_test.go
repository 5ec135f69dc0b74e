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
		if got, _, _ := b.take(t0.Add(s.at), s.n); got != s.want {
			t.Errorf("%s: take(%d) at +%s = %s, want %s", s.name, s.n, s.at, got, s.want)
		}
	}
}

// take says when a source sends more than half its rate (its messages then take a station pool's
// unreserved share): a burst of more than half a second's rate, or a source paced under its rate but over
// half of it, which never waits; and no longer once it slows to half its rate or less.
func TestSourceBudgetSpent(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newSourceBudget(1000, t0)
	for _, s := range []struct {
		name  string
		at    time.Duration
		n     int
		spent bool
	}{
		{"a burst of half a second's rate", 0, 500, false},
		{"one byte more", 0, 1, true},
		{"owing", 0, 1000, true},
		{"quiet long enough", 2 * time.Second, 0, false},
		{"400 bytes every 410 ms (976 bytes/s, under the rate): the first", 2 * time.Second, 400, false},
		{"the second, within its budget", 2410 * time.Millisecond, 400, true},
		{"the third", 2820 * time.Millisecond, 400, true},
		{"400 bytes every 810 ms (494 bytes/s, under half the rate)", 3630 * time.Millisecond, 400, false},
		{"and the next", 4440 * time.Millisecond, 400, false},
	} {
		d, _, spent := b.take(t0.Add(s.at), s.n)
		if spent != s.spent {
			t.Errorf("%s: take(%d) at +%s spent %v, want %v", s.name, s.n, s.at, spent, s.spent)
		}
		if s.at >= 2*time.Second && d != 0 {
			t.Errorf("%s: take(%d) at +%s waits %s, want 0 (under the rate)", s.name, s.n, s.at, d)
		}
	}
}

// A budget outlives its source's connections while it is owed (a device cannot start afresh by
// reconnecting), and is forgotten once full.
func TestListenerBudgets(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := rateListener(config.ListenerConfig{MaxSourceRate: 1000})
	a := netip.MustParseAddr("10.0.0.1")
	b, _ := l.budget(a, t0)
	b.take(t0, 5000)
	other := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}) }
	for i := range 40 { // other sources, without connections: their full budgets are forgotten, a's is kept
		l.budget(other(i), t0)
	}
	if n := len(l.budgets); n > 17 {
		t.Errorf("%d budgets kept for no source connected, want at most 17", n)
	}
	if got, _ := l.budget(a, t0.Add(time.Second)); got != b {
		t.Fatal("an owed budget was forgotten")
	}
	for i := range 40 { // a's budget is full again 5 s after its 5000 bytes
		l.budget(other(100+i), t0.Add(10*time.Second))
	}
	if _, ok := l.budgets[a]; ok {
		t.Fatal("a full budget of a source without connections was kept")
	}
	if b, _ := rateListener(config.ListenerConfig{MaxSourceRate: -1}).budget(a, t0); b != nil {
		t.Fatal("max_source_rate -1 made a budget")
	}
}

// rateListener is a listener with lc's rates and no socket, for its budgets.
func rateListener(lc config.ListenerConfig) *listener {
	l := &listener{cfg: lc, perSource: map[netip.Addr]int{}, budgets: map[netip.Addr]*sourceBudget{}}
	l.rates.Store(newSourceRates(lc))
	return l
}

// source_rates: the longest prefix holding a source gives its rate (-1: none), max_source_rate the others'.
func TestSourceRates(t *testing.T) {
	r := newSourceRates(config.ListenerConfig{MaxSourceRate: 1 << 20, SourceRates: []config.SourceRate{
		{Sources: "10.0.0.0/8", MaxSourceRate: 2 << 20},
		{Sources: "10.1.2.3/32", MaxSourceRate: -1},
		{Sources: "10.1.0.0/16", MaxSourceRate: 3 << 20},
		{Sources: "fd00::/64", MaxSourceRate: 4 << 20},
	}})
	for src, want := range map[string]int{"10.9.9.9": 2 << 20, "10.1.2.3": -1, "10.1.2.4": 3 << 20,
		"192.168.1.1": 1 << 20, "fd00::5": 4 << 20, "fd01::5": 1 << 20} {
		if got := r.of(netip.MustParseAddr(src)).rate; got != want {
			t.Errorf("rate of %s = %d, want %d", src, got, want)
		}
	}
}

// A reload's new rates reach the budgets kept: a source's debt stays owed and is paid back at its new rate,
// what it may send at once is at most a second of the new rate, and a source without a rate now loses its
// budget (its sessions take none at their next frame).
func TestSetRates(t *testing.T) {
	t0 := time.Unix(1000, 0)
	lc := config.ListenerConfig{MaxSourceRate: 1000}
	l := rateListener(lc)
	owing, full, freed := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3")
	bo, r0 := l.budget(owing, t0)
	bf, _ := l.budget(full, t0)
	l.budget(freed, t0)
	bo.take(t0, 3000) // owes 2000 bytes: 2 s at 1000 bytes/s
	lc.MaxSourceRate = 4000
	lc.SourceRates = []config.SourceRate{{Sources: "10.0.0.3/32", MaxSourceRate: -1}, {Sources: "10.0.0.2/32", MaxSourceRate: 500}}
	l.setRates(newSourceRates(lc), t0)
	select {
	case <-r0.changed:
	default:
		t.Fatal("the replaced rates' changed is not closed: waits under them would not recompute")
	}
	if d, rate, _ := bo.take(t0, 0); d != 500*time.Millisecond || rate != 4000 {
		t.Errorf("owing 2000 bytes at the new 4000 bytes/s: wait %s at %v bytes/s, want 500ms at 4000", d, rate)
	}
	if d, _, _ := bf.take(t0, 500); d != 0 {
		t.Errorf("a full budget lowered to 500 bytes/s: 500 bytes wait %s, want 0", d)
	}
	if d, _, _ := bf.take(t0, 1); d != 2*time.Millisecond {
		t.Errorf("a full budget lowered to 500 bytes/s: one byte more waits %s, want 2ms (it holds one second of the new rate)", d)
	}
	if b, r := l.budget(freed, t0); b != nil || r != l.rates.Load() {
		t.Errorf("a source made unlimited: budget %p under rates %p, want none under the current rates", b, r)
	}
	if _, kept := l.budgets[freed]; kept {
		t.Error("a source made unlimited kept its budget")
	}
}

// A wait in progress when a reload replaces the listener's rates: a reload that leaves the source's rate as
// it was leaves the wait going; one that raises it pays what is left at the new rate (an hour at 64 KiB/s is
// a second at 3600 times that); one that makes the source unlimited ends it.
func TestWaitBudgetReload(t *testing.T) {
	src := netip.MustParseAddr("10.0.0.1")
	for name, change := range map[string]func(*config.ListenerConfig){
		"raised": func(lc *config.ListenerConfig) { lc.MaxSourceRate = 3600 * config.MinSourceRate },
		"unlimited": func(lc *config.ListenerConfig) {
			lc.SourceRates = []config.SourceRate{{Sources: "10.0.0.1/32", MaxSourceRate: -1}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			lc := config.ListenerConfig{MaxSourceRate: config.MinSourceRate}
			l := rateListener(lc)
			s := &session{g: &Gateway{stopping: make(chan struct{})}, l: l, src: src}
			s.budget, s.rates = l.budget(src, time.Now())
			done := make(chan struct{})
			go func() {
				defer close(done)
				s.waitBudget(time.Now(), time.Hour, config.MinSourceRate)
			}()
			unrelated := lc
			unrelated.SourceRates = []config.SourceRate{{Sources: "10.9.0.0/16", MaxSourceRate: -1}}
			l.setRates(newSourceRates(unrelated), time.Now())
			select {
			case <-done:
				t.Fatal("a reload that left the source's rate as it was ended its wait")
			case <-time.After(100 * time.Millisecond): // it may also not have seen the reload yet: no false failure
			}
			change(&unrelated)
			l.setRates(newSourceRates(unrelated), time.Now())
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the wait did not end (an hour at the old rate is a second at the new one, or none)")
			}
		})
	}
}

// BenchmarkSourceBudget is what max_source_rate adds to a message on the relay path: one take on the
// source's budget (the byte count per read is one addition), by one connection (alone, and with the
// session's check for rates a reload changed: pace) and by several of the source's connections at once,
// under the rate.
func BenchmarkSourceBudget(b *testing.B) {
	b.Run("one", func(b *testing.B) {
		budget, now := newSourceBudget(math.MaxInt, time.Now()), time.Now()
		b.ReportAllocs()
		for b.Loop() {
			now = now.Add(time.Microsecond)
			if d, _, _ := budget.take(now, 4096); d != 0 {
				b.Fatal("throttled")
			}
		}
	})
	b.Run("pace", func(b *testing.B) { // the session's side: the check for reloaded rates, then the take
		l := rateListener(config.ListenerConfig{MaxSourceRate: math.MaxInt})
		s, now := &session{l: l, src: netip.MustParseAddr("10.0.0.1")}, time.Now()
		s.budget, s.rates = l.budget(s.src, now)
		b.ReportAllocs()
		for b.Loop() {
			now = now.Add(time.Microsecond)
			s.unpaid = 4096
			s.pace(now)
		}
	})
	b.Run("shared", func(b *testing.B) {
		budget := newSourceBudget(math.MaxInt, time.Now())
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if d, _, _ := budget.take(time.Now(), 4096); d != 0 {
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
