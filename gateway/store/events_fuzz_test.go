package store

import (
	"slices"
	"testing"
)

// FuzzEvents drives the event ring with adds and updates and checks every Events query against a plain
// list of all events ever added, of which the store keeps the newest max: IDs dense from 1, the kind
// filter, since (below, inside and beyond what is kept) and limit (counting matching events only), and
// an update of an event already dropped (or not yet added) changing nothing.
func FuzzEvents(f *testing.F) {
	f.Add(uint8(3), []byte{0, 1, 2, 0, 1, 2, 0, 1, 0x80, 0x85, 0x81, 0, 1})
	f.Add(uint8(1), []byte{0, 0x81, 1, 0x82, 2})
	f.Fuzz(func(t *testing.T, maxEvents uint8, ops []byte) {
		if maxEvents == 0 {
			return
		}
		s, err := New(int(maxEvents))
		if err != nil {
			t.Fatal(err)
		}
		kinds := []string{KindPolicy, KindVitals, KindSession}
		var all []Event // every event added, with its latest update while it was kept
		for _, op := range ops {
			if op&0x80 == 0 {
				e := Event{Kind: kinds[int(op)%len(kinds)], Reason: "r"}
				e.ID = s.AddEvent(e)
				if e.ID != uint64(len(all)+1) {
					t.Fatalf("AddEvent = %d, want %d", e.ID, len(all)+1)
				}
				all = append(all, e)
				continue
			}
			id := uint64(op & 0x7f)
			s.UpdateEvent(Event{ID: id, Kind: KindPolicy, Reason: "updated", Count: uint64(op)})
			if kept := len(all) - int(maxEvents); id >= 1 && id <= uint64(len(all)) && int(id) > kept {
				all[id-1] = Event{ID: id, Kind: KindPolicy, Reason: "updated", Count: uint64(op)}
			}
		}
		kept := all[max(0, len(all)-int(maxEvents)):]
		for _, kind := range append(kinds, "") {
			for since := uint64(0); since <= uint64(len(all))+1; since++ {
				for _, limit := range []int{-1, 0, 1, 2, 5} {
					var want []Event
					for _, e := range kept {
						if e.ID > since && (kind == "" || e.Kind == kind) && (limit <= 0 || len(want) < limit) {
							want = append(want, e)
						}
					}
					got := s.Events(kind, since, limit)
					if !slices.EqualFunc(got, want, func(a, b Event) bool {
						return a.ID == b.ID && a.Kind == b.Kind && a.Reason == b.Reason && a.Count == b.Count
					}) {
						t.Fatalf("Events(%q, %d, %d) = %+v, want %+v", kind, since, limit, got, want)
					}
				}
			}
		}
	})
}

// Readers of the events and the monitors run beside writers (go test -race): every list read is in ID
// order and dense (the ring is read under its lock), and a snapshot of the monitors is a copy that later
// updates do not change.
func TestStoreConcurrent(t *testing.T) {
	s, _ := New(16)
	const writes = 2000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range writes {
			id := s.AddEvent(Event{Kind: KindSession, Reason: "r"})
			s.UpdateEvent(Event{ID: id - 1, Kind: KindSession, Reason: "r", Count: 1})
			s.UpdateMonitor([]string{"a", "b", "c"}[i%3], func(m Monitor) Monitor { m.Messages++; return m })
		}
	}()
	for reading := true; reading; {
		select {
		case <-done:
			reading = false
		default:
		}
		evs := s.Events("", 0, 0)
		for i := 1; i < len(evs); i++ {
			if evs[i].ID != evs[i-1].ID+1 {
				t.Fatalf("events out of order: %d after %d", evs[i].ID, evs[i-1].ID)
			}
		}
		list := s.MonitorsSnapshot()
		ms := list()
		before := slices.Clone(ms)
		for range 3 {
			s.Monitors()
		}
		if !slices.Equal(ms, before) {
			t.Fatal("a snapshot changed under its reader")
		}
	}
	var total uint64
	for _, m := range s.Monitors() {
		total += m.Messages
	}
	if total != writes {
		t.Fatalf("monitors counted %d messages, want %d", total, writes)
	}
}
