package vitals

import "encoding/binary"

// lookup is a read-only map from short byte strings to values: the code and
// unit tables, read for every OBX row. It takes the key as []byte. A key of
// up to 8 bytes (almost every code and unit) is read as one word, which is
// hashed with one multiplication and compared with one instruction; a
// longer one is hashed with FNV-1a. Either costs less than the runtime
// map's string hash and probe. It is an open-addressed table (linear
// probing) at most half full, built once and never written.
type lookup[V any] struct {
	entries []lookupEntry[V]
	shift   uint   // 64 - log2(len(entries))
	lens    uint64 // bit n set when a key is n bytes long (bit 63: 63 or more)
}

type lookupEntry[V any] struct {
	key  string
	word uint64 // a key of up to 8 bytes as a word (see shortWord)
	val  V
	used bool
}

// newLookup returns a lookup holding the entries of m.
func newLookup[V any](m map[string]V) lookup[V] {
	shift := uint(64)
	for n := 1; n < 2*len(m)+1; n *= 2 {
		shift--
	}
	l := lookup[V]{entries: make([]lookupEntry[V], 1<<(64-shift)), shift: shift}
	mask := len(l.entries) - 1
	for k, v := range m {
		b := []byte(k)
		i := l.home(b)
		for l.entries[i].used {
			i = (i + 1) & mask
		}
		l.entries[i] = lookupEntry[V]{key: k, val: v, used: true}
		if len(b) <= 8 {
			l.entries[i].word = shortWord(b)
		}
		l.lens |= lenBit(len(k))
	}
	return l
}

// shortWord returns b, at most 8 bytes long, as a little-endian word padded
// with zero bytes. When b's capacity allows, the word is loaded at once and
// the bytes beyond b masked off; else from two loads that overlap (a unit
// cut to its first component has no capacity beyond it).
func shortWord(b []byte) uint64 {
	n := len(b)
	switch {
	case cap(b) >= 8:
		return binary.LittleEndian.Uint64(b[:8]) & (^uint64(0) >> (64 - 8*n))
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<(8*(n-4))
	case n >= 2:
		return uint64(binary.LittleEndian.Uint16(b)) | uint64(binary.LittleEndian.Uint16(b[n-2:]))<<(8*(n-2))
	case n == 1:
		return uint64(b[0])
	}
	return 0
}

// home returns the slot where the search for b starts: for up to 8 bytes
// its word, else FNV-1a of b, mixed so that the top bits depend on every
// byte.
func (l *lookup[V]) home(b []byte) int {
	if len(b) <= 8 {
		return l.homeWord(shortWord(b))
	}
	h := uint64(14695981039346656037)
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return int((h * 0x9e3779b97f4a7c15) >> l.shift)
}

// homeWord is home of a key of up to 8 bytes given as its word. Keys of
// different lengths have different words unless one ends in zero bytes;
// get compares the lengths too.
func (l *lookup[V]) homeWord(w uint64) int {
	return int(((w ^ w>>29) * 0x9e3779b97f4a7c15) >> l.shift)
}

// lenBit is the bit of a key length in lookup.lens.
func lenBit(n int) uint64 { return 1 << min(n, 63) }

// get returns the value for b and whether there is one. A b of a length no
// key has (an OBX-3 text such as MDC_ECG_AMPL_ST, looked up when the code
// is unknown) is answered without hashing it.
func (l *lookup[V]) get(b []byte) (v V, ok bool) {
	if l.lens&lenBit(len(b)) == 0 {
		return v, false
	}
	mask := len(l.entries) - 1
	if len(b) <= 8 {
		w := shortWord(b)
		for i := l.homeWord(w); l.entries[i].used; i = (i + 1) & mask {
			if e := &l.entries[i]; e.word == w && len(e.key) == len(b) {
				return e.val, true
			}
		}
		return v, false
	}
	for i := l.home(b); l.entries[i].used; i = (i + 1) & mask {
		if l.entries[i].key == string(b) {
			return l.entries[i].val, true
		}
	}
	return v, false
}
