package vitals

import (
	"math/rand/v2"
	"testing"
)

// scanFind is idHistory.find as a plain scan of the entries in use: the
// first with k's control ID, or -1.
func scanFind(h *idHistory, k uint64) int {
	for i, v := range h.words[:h.n] {
		if v>>idLowBits == k>>idLowBits {
			return i
		}
	}
	return -1
}

// TestIDHistoryFind checks the blocked scan against a plain one: the first
// entry with the control ID, whatever its position and the history's fill.
func TestIDHistoryFind(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		h := newIDHistory(1 + r.IntN(160)) // beyond idStart: grown histories too
		for range r.IntN(300) {
			// Few distinct IDs, so that repeats and misses both occur.
			h.push(idKey(uint64(r.IntN(8))<<idLowBits, r.Uint64()), r.Uint32(), r.IntN(2) == 0)
		}
		k := idKey(uint64(r.IntN(10))<<idLowBits, r.Uint64())
		if got, want := h.find(k), scanFind(&h, k); got != want {
			t.Fatalf("find = %d, want %d (%d entries)", got, want, h.n)
		}
	}
}

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

// TestIDHistoryGrows checks push against a plain model: a history starts
// with idStart entries (or its limit), doubles up to its limit when it is
// full and the caller keeps, else overwrites the oldest; growing keeps
// every entry, oldest first.
func TestIDHistoryGrows(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for range 500 {
		limit := 1 + r.IntN(300)
		h := newIDHistory(limit)
		size := min(idStart, limit)
		var model []uint64 // the keys the history should hold, oldest first
		for i := range r.IntN(700) {
			k := idKey(uint64(i+1)<<idLowBits, r.Uint64()) // every ID new
			keep := r.IntN(3) > 0
			if len(model) == size && keep {
				size = min(2*size, limit)
			}
			if model = append(model, k); len(model) > size {
				model = model[1:]
			}
			h.push(k, uint32(i), keep)
		}
		if len(h.words) != size || h.n != len(model) {
			t.Fatalf("limit %d: %d of %d entries in use, want %d of %d", limit, h.n, len(h.words), len(model), size)
		}
		for j, k := range model {
			i := j
			if h.n == len(h.words) {
				i = (h.next + j) % h.n // the oldest is overwritten next
			}
			if got, _ := h.get(i, 0); got != k {
				t.Fatalf("limit %d: entry %d (oldest first) is %x, want %x", limit, j, got, k)
			}
		}
	}
}

// TestIDHistorySameContent: among the last idRecent messages a reused
// control ID is told from a re-send on 32 bits of content, the latest use
// counting (recent); an ID used earlier than that is left to the 8 bits
// (true here, not recent), also after recentN has wrapped around.
func TestIDHistorySameContent(t *testing.T) {
	h := newIDHistory(1024)
	const id, other = 0xabcd_0000_1234_5678, 0x1111_0000_2222_3333
	same := func(id, content uint64) (bool, bool) { return h.sameContent(id, content) }
	for round := range 100 { // 100 × 10 messages: recentN wraps around
		h.remember(id, 0xaa00_0001)
		h.remember(id, 0xaa00_0002) // the latest use of id
		s1, r1 := same(id, 0xaa00_0002)
		s2, _ := same(id, 0xbb00_0002)
		s3, _ := same(id, 0xaa00_0001)
		if !s1 || !r1 || s2 || s3 {
			t.Fatalf("round %d: the latest use of an ID among the last %d is not compared on 32 bits", round, idRecent)
		}
		for range idRecent - 1 {
			h.remember(other, 0)
		}
		if s, r := same(id, 0xbb00_0002); s || !r {
			t.Fatalf("round %d: an ID used %d messages back is not compared on 32 bits", round, idRecent)
		}
		h.remember(other, 0)
		if s, r := same(id, 0xbb00_0002); !s || r {
			t.Fatalf("round %d: an ID used %d messages back is compared on 32 bits", round, idRecent+1)
		}
	}
}
