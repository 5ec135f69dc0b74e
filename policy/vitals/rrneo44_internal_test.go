package vitals

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// TestHeartWindowNeedsAnOverlay44: a single message whose breathing rate met
// the heart rate (a bradycardia down to a slow breather's rate, corpus7
// training s3 m0044: 57 beside a heart rate of 58) is no overlay and opens
// no window of rrAtHeart's hold; an overlay 16 min later is judged in a
// window of its own, its first value above the range dropped once the run
// shows the overlay. On the first version of the change the coincidence
// opened the window and the overlay, past 15 min of it, drew range.
func TestHeartWindowNeedsAnOverlay44(t *testing.T) {
	e, err := NewEngine(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	m, err := hl7.Parse([]byte("MSH|^~\\&|MON|ICU|CS|ICU|20260216085240||ORU^R01|1|P|2.6\r"))
	if err != nil {
		t.Fatal(err)
	}
	var s stream
	t0 := time.Date(2026, 2, 16, 8, 36, 0, 0, time.UTC)
	step := func(at time.Duration, rr, heart float64) []Finding {
		arrival := t0.Add(at)
		em := emitter{e: e, s: &s, arrival: arrival, src: netip.MustParseAddr("10.0.0.1"), m: m, msgTime: arrival}
		s.cur = [numParams]reading{}
		s.cur[pHR] = reading{v: heart, ok: true}
		if rr > e.limits[s.class()][pRR].Max {
			em.rrHigh = rr
		} else {
			s.cur[pRR] = reading{v: rr, ok: true}
		}
		return s.rrAtHeart(&em, arrival, nil)
	}
	step(0, 57, 58) // the coincidence
	if fs := step(30*time.Second, 55, 150); len(fs) != 0 || s.rrFrom != 0 {
		t.Fatalf("after the coincidence: findings %v, window from %d", fs, s.rrFrom)
	}
	for k := range 8 {
		if fs := step(16*time.Minute+time.Duration(k)*30*time.Second, 163, 159); len(fs) != 0 {
			t.Fatalf("overlay message %d: %v", k, fs)
		}
	}
	if s.tracks[pRR].highHeld != 0 {
		t.Errorf("the overlay's first value is still held: %v", s.tracks[pRR].highHeld)
	}
}
