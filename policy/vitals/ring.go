package vitals

import "math/bits"

// ring is a fixed-size ring of 64-bit hashes with an index, so that finding a
// hash costs a few probes instead of a scan of the whole ring. Once the ring
// is full, each push overwrites the oldest entry. The index is an
// open-addressed table (linear probing) of ring positions, about 5/4 the size
// of the ring; an overwritten entry leaves it by backward-shift deletion, so
// no tombstones build up. Only newRing allocates, and nothing holds pointers
// but the two slices.
//
// A slot holds, besides the position, in the bits the position leaves free
// (7 for the replay rule's 360 runs; none for a ring of 32,768 or more), how
// far the entry lies from its home slot (up to 3 bits, saturated at the most
// they hold) and a tag of the key's bits below those of its home (the rest).
// A probe then loads only the keys of entries that share the sought key's
// home and tag, and a deletion moves entries back without loading theirs:
// the keys are a cache line each, every message, on a monitor whose state
// has left the cache since its last message.
type ring struct {
	keys  []uint64 // the ring; keys[:n] are in use
	n     int      // entries in use, up to len(keys)
	next  int      // position the next push writes
	slots []uint16 // tag | distance from home | position+1 of a key in keys (see layout); 0 is an empty slot
	shift uint     // 64 - log2(len(slots)): a key's home slot is its top bits after mixing
}

// maxRing is the largest ring: positions are kept in 16 bits, which halves the index.
const maxRing = 1<<16 - 1

// newRing returns an empty ring of size entries (1 <= size <= maxRing).
func newRing(size int) ring {
	shift := uint(64)
	for n := 1; n < size+size/4+1; n *= 2 {
		shift--
	}
	return ring{keys: make([]uint64, size), slots: make([]uint16, 1<<(64-shift)), shift: shift}
}

// home returns the slot where the search for k starts. Multiplying by an odd
// constant (2^64/φ) and keeping the top bits spreads keys whose entropy is
// anywhere in the word.
func (r *ring) home(k uint64) int { return int((k * 0x9e3779b97f4a7c15) >> r.shift) }

// slotLayout is how a ring's slots are laid out: from the lowest bit, a
// position+1 (posBits), the distance from home (saturated at far: far or
// more, then the key tells the home), and the tag.
type slotLayout struct {
	posBits, tagShift uint // tagShift: posBits + the distance's bits
	far               int
	tagBits           uint
}

// layout returns the ring's slot layout: the bits a position needs, up to 3
// of the rest for the distance, any left for the tag.
func (r *ring) layout() slotLayout {
	posBits := uint(bits.Len(uint(len(r.keys))))
	distBits := min(16-posBits, 3)
	return slotLayout{posBits: posBits, tagShift: posBits + distBits, far: 1<<distBits - 1, tagBits: 16 - posBits - distBits}
}

// tag returns the tag of k: its bits below those of its home after mixing.
func (r *ring) tag(k uint64, l slotLayout) int {
	return int((k*0x9e3779b97f4a7c15)>>(r.shift-l.tagBits)) & (1<<l.tagBits - 1)
}

// slot encodes position p with tag t at distance d from its home.
func (l slotLayout) slot(p, d, t int) uint16 {
	return uint16(t<<l.tagShift | min(d, l.far)<<l.posBits | (p + 1))
}

// pos returns the position a slot holds.
func (l slotLayout) pos(s int) int { return s&(1<<l.posBits-1) - 1 }

// find returns the position in the ring of an entry equal to k, or -1.
func (r *ring) find(k uint64) int {
	mask := len(r.slots) - 1
	l := r.layout()
	t := r.tag(k, l)
	for i, d := r.home(k), 0; r.slots[i] != 0; i, d = (i+1)&mask, d+1 {
		// An entry with another tag, or at a distance other than d (as far
		// as the slot tells it), so with another home, has another key.
		if s := int(r.slots[i]); s>>l.posBits == t<<(l.tagShift-l.posBits)|min(d, l.far) {
			if p := l.pos(s); r.keys[p] == k {
				return p
			}
		}
	}
	return -1
}

// push adds k, evicting the oldest entry when the ring is full, and returns
// the position k was written to.
func (r *ring) push(k uint64) int {
	p := r.next
	if r.n == len(r.keys) {
		r.unindex(p)
	} else {
		r.n++
	}
	r.keys[p] = k
	mask := len(r.slots) - 1
	l := r.layout()
	h := r.home(k)
	i := h
	for r.slots[i] != 0 {
		i = (i + 1) & mask
	}
	r.slots[i] = l.slot(p, (i-h)&mask, r.tag(k, l))
	if r.next++; r.next == len(r.keys) {
		r.next = 0
	}
	return p
}

// unindex removes position p from the index, shifting later entries of its
// probe run back so that every entry stays reachable from its home slot.
func (r *ring) unindex(p int) {
	mask := len(r.slots) - 1
	l := r.layout()
	i := r.home(r.keys[p])
	for l.pos(int(r.slots[i])) != p {
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; r.slots[j] != 0; j = (j + 1) & mask {
		// The entry at j may fill the hole at i unless its home lies
		// cyclically after i (in (i, j]), that is unless it lies nearer
		// its home than j-i.
		s := int(r.slots[j])
		d := s >> l.posBits & l.far
		if d == l.far {
			d = (j - r.home(r.keys[l.pos(s)])) & mask
		}
		if gap := (j - i) & mask; d >= gap {
			r.slots[i] = l.slot(l.pos(s), d-gap, s>>l.tagShift)
			i = j
		}
	}
	r.slots[i] = 0
}
