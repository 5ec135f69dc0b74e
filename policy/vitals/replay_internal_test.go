package vitals

import (
	"math/rand/v2"
	"testing"
)

// TestMatcherIsNear checks the word-wide matcher against near: every pair
// of values in each channel (the others random, absent ones included), and
// random messages whose values cluster near the byte's top and bottom.
func TestMatcherIsNear(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	value := func() uint8 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return uint8(250 + r.IntN(6))
		case 2:
			return uint8(r.IntN(5))
		}
		return uint8(r.IntN(256))
	}
	check := func(q, y [4]uint8) {
		m := newMatcher(&q)
		if got, want := m.near(&y), near(&q, &y); got != want {
			t.Fatalf("matcher(%v).near(%v) = %v, near = %v", q, y, got, want)
		}
	}
	for i := range 4 {
		for x := range 256 {
			for v := range 256 {
				var q, y [4]uint8
				for j := range 4 {
					q[j], y[j] = value(), value()
				}
				q[i], y[i] = uint8(x), uint8(v)
				check(q, y)
			}
		}
	}
	for range 200000 {
		var q, y [4]uint8
		for j := range 4 {
			q[j] = value()
			y[j] = q[j] + uint8(r.IntN(7)) - 3
		}
		check(q, y)
	}
}

// TestIDHistoryFind checks the blocked scan against a plain one: the first
// entry with the control ID, whatever its position and the history's fill.
func TestIDHistoryFind(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		h := newIDHistory(1 + r.IntN(40))
		for range r.IntN(60) {
			// Few distinct IDs, so that repeats and misses both occur.
			h.push(idKey(uint64(r.IntN(8))<<idLowBits, r.Uint64()), r.Uint32(), r.IntN(2) == 0)
		}
		k := idKey(uint64(r.IntN(10))<<idLowBits, r.Uint64())
		want := -1
		for i, v := range h.words[:h.n] {
			if v>>idLowBits == k>>idLowBits {
				want = i
				break
			}
		}
		if got := h.find(k); got != want {
			t.Fatalf("find = %d, want %d (%d entries)", got, want, h.n)
		}
	}
}

// TestReplayRunSaturates: a replay longer than a run counter can count (255
// remembered messages) is reported on every message after the first win,
// not lost for a window each time the byte would wrap around.
func TestReplayRunSaturates(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const lag, n = 300, 700
	var rs replayState
	var past [lag][4]uint8
	for i := range n {
		var q [4]uint8
		if i < lag {
			// A moving patient: a random walk on every channel.
			prev := [4]uint8{80, 95, 16, 85}
			if i > 0 {
				prev = past[i-1]
			}
			for c := range q {
				q[c] = uint8(min(200, max(40, int(prev[c])+r.IntN(9)-4)))
			}
			past[i] = q
		} else {
			q = past[i%lag] // the same stretch, sent again and again
		}
		rs.remember(q)
		got, found := rs.match(&q, replayWin)
		if i >= lag+replayWin && (!found || got%lag != 0) {
			t.Fatalf("message %d (%d into the replay): found %v at lag %d, want a multiple of %d", i, i-lag, found, got, lag)
		}
	}
}
