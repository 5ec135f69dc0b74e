package vitals

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRing checks ring against a plain slice scanned linearly, with few
// distinct keys (duplicates in the ring) and with many, and with keys that
// differ only in their low or high bits.
func TestRing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		size    int
		key     func(r *rand.Rand) uint64
		lookups int
	}{
		{"one", 1, func(r *rand.Rand) uint64 { return r.Uint64N(3) }, 1000},
		{"duplicates", 50, func(r *rand.Rand) uint64 { return r.Uint64N(40) }, 20000},
		{"control IDs", 128, func(r *rand.Rand) uint64 { return r.Uint64() | 1 }, 20000},
		{"low bits", 360, func(r *rand.Rand) uint64 { return r.Uint64N(1000) }, 20000},
		{"high bits", 200, func(r *rand.Rand) uint64 { return r.Uint64N(500) << 54 }, 20000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tc.size)))
			rg := newRing(tc.size)
			var model []uint64 // oldest first
			for range tc.lookups {
				k := tc.key(r)
				p := rg.find(k)
				if want := slices.Contains(model, k); (p >= 0) != want || p >= 0 && rg.keys[p] != k {
					t.Fatalf("find(%#x) = %d, in ring: %v", k, p, want)
				}
				if r.IntN(3) > 0 {
					p := rg.push(k)
					if model = append(model, k); len(model) > tc.size {
						model = model[1:]
					}
					if rg.keys[p] != k {
						t.Fatalf("push(%#x) returned %d holding %#x", k, p, rg.keys[p])
					}
				}
			}
		})
	}
}

// TestRingLargest fills the largest ring, whose last position is the largest the 16-bit index holds,
// and wraps it once.
func TestRingLargest(t *testing.T) {
	key := func(i int) uint64 { return uint64(i+1) * 0x9e3779b97f4a7c15 }
	rg := newRing(maxRing)
	for i := range maxRing + 1 {
		if p := rg.push(key(i)); p != i%maxRing {
			t.Fatalf("push %d went to %d", i, p)
		}
	}
	if p := rg.find(key(0)); p >= 0 {
		t.Errorf("the oldest key is still found at %d after the ring wrapped", p)
	}
	for _, i := range []int{1, 2, maxRing / 2, maxRing - 1, maxRing} {
		if p := rg.find(key(i)); p != i%maxRing {
			t.Errorf("find(key %d) = %d, want %d", i, p, i%maxRing)
		}
	}
}
