package vitals

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestIDHistoryFilter: the per-block filters let find skip blocks, never an
// entry. Control IDs that share the filtered byte but not the
// fingerprint are told apart, an absent one with that byte is a miss, a
// filter holds no byte its block's entries lack (before any overwrite), and
// after pushes that grow the history, overwrite its oldest entries and
// rewrite entries in place (set, as a reused ID does), find agrees with a
// plain scan of the entries in use.
func TestIDHistoryFilter(t *testing.T) {
	id := func(j int, b uint8) uint64 { // fingerprint j, filtered byte b
		return idKey((uint64(j)<<8|uint64(b))<<idLowBits, uint64(j))
	}
	h := newIDHistory(1024)
	for j := range 300 { // five blocks, every entry's byte 0x5a
		h.push(id(j, 0x5a), uint32(j), true)
	}
	for j := range 300 {
		if got := h.find(id(j, 0x5a)); got != j {
			t.Fatalf("find(ID %d, byte 0x5a) = %d, want %d", j, got, j)
		}
	}
	if got := h.find(id(300, 0x5a)); got != -1 {
		t.Fatalf("find(absent ID, colliding byte) = %d, want -1", got)
	}
	if got := h.find(id(7, 0x5b)); got != -1 {
		t.Fatalf("find(absent ID, other byte) = %d, want -1", got)
	}
	for j, f := range h.seen {
		if f.has(id(7, 0x5b)) {
			t.Fatalf("block %d's filter holds a byte no entry has: it would be scanned", j)
		}
	}

	r := rand.New(rand.NewPCG(18, 1))
	for range 300 {
		h := newIDHistory(1 + r.IntN(300))
		for range r.IntN(1500) {
			// IDs from 64 fingerprints over 4 bytes: collisions, repeats and misses.
			k := id(r.IntN(64), uint8(r.IntN(4)))
			if i := h.find(k); i >= 0 && r.IntN(2) == 0 {
				h.set(i, k, 0)
			} else {
				h.push(k, 0, r.IntN(4) == 0)
			}
			for i, w := range h.words[:h.n] {
				if !h.seen[i/idBlock].has(w) {
					t.Fatalf("entry %d of %d (%#x): not in its block's filter", i, h.n, w)
				}
			}
		}
		k := id(r.IntN(80), uint8(r.IntN(5)))
		if got, want := h.find(k), scanFind(&h, k); got != want {
			t.Fatalf("find = %d, want %d (%d of %d entries)", got, want, h.n, len(h.words))
		}
	}
}

// TestIsSentinel: the fast path for ordinary values keeps every sentinel a
// sentinel and nothing else; its bounds, -999 and 2046, are sentinels.
func TestIsSentinel(t *testing.T) {
	sentinels := []float64{8388607, -8388608, 8388606, -8388606, -8388607, 2047, -2048, 2046, -2046, -2047, -999, -9999}
	for _, v := range sentinels {
		if !isSentinel(v) {
			t.Errorf("isSentinel(%v) = false", v)
		}
		for _, d := range []float64{-1, -0.5, 0.5, 1} {
			if n := v + d; !slices.Contains(sentinels, n) && isSentinel(n) {
				t.Errorf("isSentinel(%v) = true", n)
			}
		}
	}
	for _, v := range []float64{0, -0, 37.5, -998.9, 2045.9, 1e300, -1e300, math.Inf(1), math.Inf(-1), math.NaN()} {
		if isSentinel(v) {
			t.Errorf("isSentinel(%v) = true", v)
		}
	}
}
