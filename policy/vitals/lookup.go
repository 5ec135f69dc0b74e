package vitals

// lookup is a read-only map from short byte strings to values: the code and
// unit tables, read for every OBX row. It takes the key as []byte and hashes
// it with FNV-1a, which for keys of a few bytes costs less than the runtime
// map's string hash and probe. It is an open-addressed table (linear
// probing) at most half full, built once and never written.
type lookup[V any] struct {
	entries []lookupEntry[V]
	shift   uint   // 64 - log2(len(entries))
	lens    uint64 // bit n set when a key is n bytes long (bit 63: 63 or more)
}

type lookupEntry[V any] struct {
	key  string
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
		i := l.home([]byte(k))
		for l.entries[i].used {
			i = (i + 1) & mask
		}
		l.entries[i] = lookupEntry[V]{key: k, val: v, used: true}
		l.lens |= lenBit(len(k))
	}
	return l
}

// home returns the slot where the search for b starts: FNV-1a of b, mixed so
// that its top bits depend on every byte.
func (l *lookup[V]) home(b []byte) int {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return int((h * 0x9e3779b97f4a7c15) >> l.shift)
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
	for i := l.home(b); l.entries[i].used; i = (i + 1) & mask {
		if l.entries[i].key == string(b) {
			return l.entries[i].val, true
		}
	}
	return v, false
}
