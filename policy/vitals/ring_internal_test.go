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
	if m := uint64(homeInverse); m*0x9e3779b97f4a7c15 != 1 {
		t.Fatalf("homeInverse %#x is not the inverse of ring.home's constant", m)
	}
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
		// Half the keys' homes among the first four slots (512 slots: the
		// top 9 bits after the multiplication), the others anywhere: one
		// probe run holds most of the ring, many entries beyond the distance
		// a slot holds (7), among entries near their homes, which a
		// deletion does not move.
		{"same homes", 360, func(r *rand.Rand) uint64 {
			if r.IntN(2) == 0 {
				return homeInverse * (r.Uint64N(4)<<55 | r.Uint64N(1<<55))
			}
			return r.Uint64()
		}, 20000},
		// 13 bits of position leave 3 for the distance: runs longer than 7
		// are common.
		{"long probes", 8000, func(r *rand.Rand) uint64 { return r.Uint64() }, 40000},
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

// homeInverse is the multiplicative inverse of ring.home's constant modulo
// 2^64: homeInverse * x has the top bits of x as its home.
const homeInverse = 0xf1de83e19937733d

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

// TestRingFarEntry deletes an entry before a probe run of 200 entries at
// their homes, behind which lies one further from its home (201) than a
// slot of the 360-entry ring holds (7): the deletion must move it into the
// hole, reading its distance from its key.
func TestRingFarEntry(t *testing.T) {
	rg := newRing(360) // 512 slots: a key's home is the top 9 bits of key * 2^64/φ
	at := func(home, i int) uint64 { return homeInverse * (uint64(home)<<55 | uint64(i)) }
	rg.push(at(0, 0)) // the oldest, at slot 0
	for h := 1; h <= 200; h++ {
		rg.push(at(h, 0))
	}
	far := at(0, 1) // home 0, slot 201
	rg.push(far)
	for h := 300; rg.n < len(rg.keys); h++ {
		rg.push(at(h, 0))
	}
	rg.push(at(500, 0)) // evicts the oldest
	if p := rg.find(far); p != 201 {
		t.Fatalf("find(far entry) = %d, want 201", p)
	}
	if p := rg.find(at(0, 0)); p >= 0 {
		t.Fatalf("the evicted entry is still found at %d", p)
	}
}
