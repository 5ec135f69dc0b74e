package store

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

func TestSchemaValid(t *testing.T) {
	if err := schema().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestEventsCappedAndOrdered(t *testing.T) {
	s, err := New(3)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		kind := KindPolicy
		if i%2 == 1 {
			kind = KindVitals
		}
		s.AddEvent(Event{Kind: kind, Reason: "r"})
	}
	evs := s.Events("", 0, 0)
	if len(evs) != 3 || evs[0].ID != 3 || evs[2].ID != 5 {
		t.Fatalf("events = %+v, want IDs 3..5", evs)
	}
	if got := s.Events(KindVitals, 0, 0); len(got) != 1 || got[0].ID != 4 {
		t.Fatalf("vitals events = %+v, want only ID 4", got)
	}
	if got := s.Events("", 4, 10); len(got) != 1 || got[0].ID != 5 {
		t.Fatalf("events since 4 = %+v", got)
	}
	if got := s.Events("", 0, 2); len(got) != 2 {
		t.Fatalf("limit 2 gave %d", len(got))
	}
}

func TestUpdateMonitorAccumulates(t *testing.T) {
	s, _ := New(10)
	now := time.Now()
	for i := 0; i < 3; i++ {
		s.UpdateMonitor("icu/127.0.0.1", func(m Monitor) Monitor {
			if m.FirstSeen.IsZero() {
				m.FirstSeen = now
			}
			m.Messages += 2
			return m
		})
	}
	m, err := s.Monitor("icu/127.0.0.1")
	if err != nil || m.Messages != 6 || !m.FirstSeen.Equal(now) {
		t.Fatalf("monitor = %+v, %v", m, err)
	}
	if _, err := s.Monitor("nope"); err != ErrNotFound {
		t.Fatalf("missing monitor err = %v", err)
	}
	if len(s.Monitors()) != 1 {
		t.Fatal("want one monitor")
	}
}

func TestRecordEgressAggregates(t *testing.T) {
	s, _ := New(10)
	mon, dst := netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("203.0.113.119")
	key := EgressKey(mon, "tcp", dst, 515)
	t0 := time.Unix(100, 0)
	a, isNew := s.RecordEgress(Egress{Key: key, Monitor: mon.String(), Count: 1, FirstSeen: t0, LastSeen: t0})
	if !isNew || a.Count != 1 {
		t.Fatalf("first record = %+v new=%v", a, isNew)
	}
	t1 := time.Unix(200, 0)
	a, isNew = s.RecordEgress(Egress{Key: key, Monitor: mon.String(), Count: 4, FirstSeen: t1, LastSeen: t1, LooksLikeHL7: true})
	if isNew || a.Count != 5 || !a.FirstSeen.Equal(t0) || !a.LastSeen.Equal(t1) || !a.LooksLikeHL7 {
		t.Fatalf("second record = %+v new=%v", a, isNew)
	}
	if got := s.EgressAttempts(); len(got) != 1 || got[0].Count != 5 {
		t.Fatalf("attempts = %+v", got)
	}
}

// TestRecordEgressBounded sprays more destinations than the store keeps: the table stops growing and the
// rest are counted under OverflowKey; known destinations keep their own aggregates.
func TestRecordEgressBounded(t *testing.T) {
	s, _ := New(5)
	mon := netip.MustParseAddr("192.0.2.10")
	t0 := time.Unix(100, 0)
	record := func(i int) (Egress, bool) {
		dst := netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
		return s.RecordEgress(Egress{Key: EgressKey(mon, "udp", dst, 53), Monitor: mon.String(), Destination: dst.String(),
			Count: 1, FirstSeen: t0, LastSeen: t0, Severity: "warning"})
	}
	for i := range 100 {
		record(i)
	}
	got := s.EgressAttempts()
	if len(got) != 6 {
		t.Fatalf("%d aggregates, want 5 and the overflow", len(got))
	}
	var overflow Egress
	for _, a := range got {
		if a.Key == OverflowKey {
			overflow = a
		}
	}
	if overflow.Count != 95 || overflow.Destination != "*" {
		t.Fatalf("overflow = %+v, want 95 attempts", overflow)
	}
	if a, isNew := record(0); isNew || a.Count != 2 || a.Key == OverflowKey {
		t.Fatalf("a known destination after overflow = %+v new=%v, want its own aggregate counted", a, isNew)
	}
}

func TestEventsRingWraps(t *testing.T) {
	s, _ := New(4)
	for i := 1; i <= 11; i++ {
		kind := KindPolicy
		if i%2 == 0 {
			kind = KindVitals
		}
		if id := s.AddEvent(Event{Kind: kind, Reason: "r"}); id != uint64(i) {
			t.Fatalf("event %d got ID %d", i, id)
		}
	}
	ids := func(evs []Event) []uint64 {
		var out []uint64
		for _, e := range evs {
			out = append(out, e.ID)
		}
		return out
	}
	if got := ids(s.Events("", 0, 0)); !slices.Equal(got, []uint64{8, 9, 10, 11}) {
		t.Fatalf("events = %v, want 8..11", got)
	}
	if got := ids(s.Events(KindVitals, 8, 0)); !slices.Equal(got, []uint64{10}) {
		t.Fatalf("vitals events since 8 = %v, want [10]", got)
	}
	if got := s.Events("", 11, 0); len(got) != 0 {
		t.Fatalf("events since the latest = %v", got)
	}
	s.UpdateEvent(Event{ID: 9, Kind: KindPolicy, Reason: "r", Count: 7})
	s.UpdateEvent(Event{ID: 5, Kind: KindPolicy, Reason: "dropped", Count: 3}) // dropped already: stays dropped
	s.UpdateEvent(Event{ID: 12, Kind: KindPolicy, Reason: "future"})           // not stored yet
	evs := s.Events("", 0, 0)
	if got := ids(evs); !slices.Equal(got, []uint64{8, 9, 10, 11}) {
		t.Fatalf("events after updates = %v, want 8..11", got)
	}
	for _, e := range evs {
		if want := map[uint64]uint64{9: 7}[e.ID]; e.Count != want || e.Reason != "r" {
			t.Fatalf("event %d = %+v, want count %d, reason r", e.ID, e, want)
		}
	}
	if id := s.AddEvent(Event{Kind: KindPolicy}); id != 12 {
		t.Fatalf("next ID %d, want 12", id)
	}
}

// The writes a monitor connection makes (its monitor's record when it opens and closes, an event when it
// closes) allocate nothing once the monitor is known and the event log is full: 5,000 connections closing
// at once cost no garbage but their events' own strings.
func TestStoreWritesAllocateNothing(t *testing.T) {
	s, _ := New(100)
	ids := make([]string, 5000)
	for i := range ids {
		ids[i] = "icu/" + netip.AddrFrom4([4]byte{127, 1, byte(i >> 8), byte(i)}).String()
		s.UpdateMonitor(ids[i], func(m Monitor) Monitor { m.Messages++; return m })
		s.AddEvent(Event{Kind: KindSession, Reason: "closed"})
	}
	now := time.Now()
	i := 0
	if n := testing.AllocsPerRun(1000, func() {
		s.UpdateMonitor(ids[i%len(ids)], func(m Monitor) Monitor { m.Messages++; return m })
		i++
	}); n != 0 {
		t.Errorf("UpdateMonitor: %v allocations", n)
	}
	if n := testing.AllocsPerRun(1000, func() { s.AddEvent(Event{Time: now, Kind: KindSession, Reason: "closed"}) }); n != 0 {
		t.Errorf("AddEvent: %v allocations", n)
	}
	if m, _ := s.Monitor(ids[0]); m.Messages < 2 {
		t.Fatalf("monitor %+v not updated", m)
	}
}

// The store writes of a monitor connection's life at 5,000 monitors: its monitor's record updated, an event
// added to a full log.
//
//	go test -run XXX -bench StoreWrites ./gateway/store/
func BenchmarkStoreWrites(b *testing.B) {
	s, _ := New(10000)
	ids := make([]string, 5000)
	for i := range ids {
		ids[i] = "bench/" + netip.AddrFrom4([4]byte{127, 1, byte(i >> 8), byte(i)}).String()
		s.UpdateMonitor(ids[i], func(m Monitor) Monitor { m.Messages++; return m })
	}
	for range 10000 {
		s.AddEvent(Event{Kind: KindSession, Reason: "connection closed"})
	}
	b.Run("update-monitor", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			s.UpdateMonitor(ids[i%len(ids)], func(m Monitor) Monitor { m.Messages++; m.LastSeen = time.Now(); return m })
		}
	})
	b.Run("add-event", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.AddEvent(Event{Kind: KindSession, Reason: "connection closed"})
		}
	})
}
