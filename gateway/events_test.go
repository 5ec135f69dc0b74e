package gateway

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/store"
)

// Repeats of one (listener, source, kind, reason) are folded into one stored event, or with a burst
// into at most burst events per window; another source's event is never evicted by them.
func TestEventLogAggregates(t *testing.T) {
	st, err := store.New(30)
	if err != nil {
		t.Fatal(err)
	}
	l := newEventLog(st)
	src, other := netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("192.0.2.11")
	t0 := time.Unix(1_800_000_000, 0)
	ev := func(kind string) func() store.Event {
		return func() store.Event { return store.Event{Kind: kind, Reason: "r"} }
	}
	l.note(aggKey{"icu", other, store.KindPolicy, "policy"}, t0, 0, ev(store.KindPolicy))
	const n = 1000
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		l.note(aggKey{"icu", src, store.KindPolicy, "policy"}, at, 0, ev(store.KindPolicy))
		l.note(aggKey{"icu", src, store.KindVitals, "range"}, at, logBurst, ev(store.KindVitals))
	}
	l.flush(t0.Add(n * time.Millisecond))
	pol := st.Events(store.KindPolicy, 0, 0)
	if len(pol) != 2 || pol[0].Count != 1 || pol[1].Count != n || !pol[1].FirstSeen.Equal(t0) ||
		!pol[1].LastSeen.Equal(t0.Add((n-1)*time.Millisecond)) {
		t.Fatalf("policy events %+v, want the other source's and one aggregate of %d", pol, n)
	}
	vit := st.Events(store.KindVitals, 0, 0)
	var total uint64
	for _, e := range vit {
		total += e.Count
	}
	if len(vit) != logBurst || total != n || vit[logBurst-1].Count != n-logBurst+1 {
		t.Fatalf("%d vitals events counting %d, want %d (the burst) counting %d", len(vit), total, logBurst, n)
	}
}
