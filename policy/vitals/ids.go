package vitals

import "time"

// idHistory is what the control-ID check keeps of a device's recent
// messages: per message one word holding a 40-bit fingerprint of its MSH-10,
// an 8-bit fingerprint of its bytes and its arrival in seconds modulo 2¹⁶:
// 8 bytes, so that hours of history stay small. It is searched by a scan,
// which costs well under a microsecond for 1,024 entries and saves an
// index as large as the words. A wrong match of the control ID needs a
// 40-bit collision (about 10⁻⁹ per message at 1,024 entries); a content
// collision only makes a reused ID look like a re-send, and for the last
// idRecent messages, where re-sends lie, 32 content bits are compared (see
// sameContent), elsewhere 8 (1 in 256). Times are told apart within ±9
// hours: a byte-identical message re-sent a multiple of about 18 hours
// later, within the resend window of that, looks like a retransmission.
//
// It starts with idStart entries and grows by doubling, up to its limit,
// only as the caller asks (push): for a device whose control IDs are a
// learned counter, or that is known to reuse them (idsReused), while it
// spans less than the resend window; for any other, always.
//
// A new control ID, the usual case, is absent from the whole history, so
// each block of idBlock entries has a 256-bit filter (idFilter): a bit per
// value of a byte of the control ID's fingerprint, set for the entries of
// the block. A lookup compares only within blocks whose filter has its
// byte's bit set, about one in five when the block is full.
//
// 8.5 B per entry (8 the word, 0.5 the filter): 544 B to 8.5 KB per monitor.
type idHistory struct {
	words []uint64   // control ID (top 40 bits) | content (8) | arrival (16); words[:n] are in use
	seen  []idFilter // per block of idBlock words, its entries' control IDs (and some overwritten), see push
	n     int
	next  int // position the next push writes, overwriting the oldest once full
	limit int // the most entries words grows to

	recent  [idRecent]uint64 // the last messages: 32 bits of the control ID's fingerprint | 32 of the bytes', see sameContent
	recentN uint8            // messages recorded in recent, modulo 256 (a multiple of idRecent)
}

const (
	idStart       = 64 // entries a new history starts with
	idRecent      = 8  // last messages whose content is compared on 32 bits
	idTimeBits    = 16
	idContentBits = 8
	idLowBits     = idTimeBits + idContentBits // below the control-ID fingerprint
	idBlock       = 64                         // entries per filter in seen
)

// idTimeRange is how far apart the history tells arrivals (±2¹⁵ s, about
// 9 hours; see get).
const idTimeRange = 1 << (idTimeBits - 1) * time.Second

// newIDHistory returns an empty history of at most limit entries. It starts
// with idStart (see push for when it grows).
func newIDHistory(limit int) idHistory {
	n := min(idStart, limit)
	return idHistory{words: make([]uint64, n), seen: make([]idFilter, blocks(n)), limit: limit}
}

// blocks returns how many filters a history of n entries has.
func blocks(n int) int {
	return (n + idBlock - 1) / idBlock
}

// idFilter records a set of control IDs by one bit per value of a byte of
// their fingerprint (the lowest): an ID whose bit is clear is not in the set.
type idFilter [4]uint64

// add records the control ID of key k.
func (f *idFilter) add(k uint64) {
	b := uint8(k >> idLowBits)
	f[b/64] |= 1 << (b % 64)
}

// has reports whether the control ID of key k may be in the set.
func (f *idFilter) has(k uint64) bool {
	b := uint8(k >> idLowBits)
	return f[b/64]&(1<<(b%64)) != 0
}

// idKey packs the fingerprints of a control ID and of the message's bytes
// (the arrival bits left zero).
func idKey(id, content uint64) uint64 {
	return id&^(1<<idLowBits-1) | (content&(1<<idContentBits-1))<<idTimeBits
}

// find returns the position of the first entry with the control ID of k, or
// -1. It scans the blocks whose filter may hold the ID.
func (h *idHistory) find(k uint64) int {
	for j := 0; j*idBlock < h.n; j++ {
		if !h.seen[j].has(k) {
			continue
		}
		if i := scanIDs(h.words[j*idBlock:min((j+1)*idBlock, h.n)], k); i >= 0 {
			return j*idBlock + i
		}
	}
	return -1
}

// scanIDs returns the position in ws of the first entry with the control ID
// of k, or -1.
func scanIDs(ws []uint64, k uint64) int {
	// An entry has the control ID of k when they differ only in the low
	// bits. Four entries are tested per step: a new ID (the usual case)
	// reads all of them.
	const low = 1 << idLowBits
	i := 0
	for ; i+4 <= len(ws); i += 4 {
		w := ws[i : i+4 : i+4]
		if w[0]^k < low || w[1]^k < low || w[2]^k < low || w[3]^k < low {
			break
		}
	}
	for ; i < len(ws); i++ {
		if ws[i]^k < low {
			return i
		}
	}
	return -1
}

// get returns the key at position i and its arrival, in Unix seconds,
// as the one within ±9 hours of now (Unix seconds) that it records.
func (h *idHistory) get(i int, now uint32) (key uint64, at uint32) {
	w := h.words[i]
	d := int16(uint16(now) - uint16(w))
	return w &^ (1<<idTimeBits - 1), uint32(int64(now) - int64(d))
}

// set records k, arriving at (Unix seconds), at position i, and its control
// ID in the block's filter.
func (h *idHistory) set(i int, k uint64, at uint32) {
	h.words[i] = k&^(1<<idTimeBits-1) | uint64(uint16(at))
	h.seen[i/idBlock].add(k)
}

// refilter makes block j's filter afresh from its entries in use.
func (h *idHistory) refilter(j int) {
	h.seen[j] = idFilter{}
	for _, w := range h.words[j*idBlock : min((j+1)*idBlock, h.n)] {
		h.seen[j].add(w)
	}
}

// push adds k, arriving at. When the history is full it doubles (up to its
// limit) if keep is set, else it evicts the oldest entry. Growing copies the
// entries oldest first; it happens a few times in a device's life, never in
// a steady state.
//
// An evicted entry's bit stays in its block's filter (another entry may
// share it) until the block has been written through: then its filter is
// made afresh from its entries. A filter thus holds at least its entries'
// bits, and a few stale ones for a block being overwritten.
func (h *idHistory) push(k uint64, at uint32, keep bool) {
	if h.n == len(h.words) && h.n < h.limit && keep {
		w := make([]uint64, min(2*h.n, h.limit))
		copy(w, h.words[h.next:])
		copy(w[h.n-h.next:], h.words[:h.next])
		h.words, h.next = w, h.n
		h.seen = make([]idFilter, blocks(len(w)))
		for j := range blocks(h.n) {
			h.refilter(j)
		}
	}
	h.set(h.next, k, at)
	h.n = max(h.n, h.next+1)
	if h.next++; h.next == len(h.words) || h.next%idBlock == 0 {
		h.refilter((h.next - 1) / idBlock)
		h.next %= len(h.words)
	}
}

// spans reports whether the history, when full, reaches back further than
// d seconds before now (Unix seconds); a history not yet full reaches back
// to the device's first message, and does.
func (h *idHistory) spans(now, d uint32) bool {
	if h.n < len(h.words) {
		return true
	}
	_, oldest := h.get(h.next, now)
	return int64(now)-int64(oldest) > int64(d) // a clock stepped back does not count as reach
}

// remember records the fingerprints of a message's control ID and bytes
// among the last idRecent.
func (h *idHistory) remember(id, content uint64) {
	h.recent[h.recentN%idRecent] = id<<32 | content&(1<<32-1)
	h.recentN++
}

// sameContent reports whether a message with control ID id and bytes content
// (fingerprints), whose 8-bit content fingerprint equals that of an earlier
// use of the ID, has the same bytes: compared on 32 bits when the earlier
// use is among the last idRecent messages (where a re-send after a lost
// acknowledgement lies; recent), else on the 8 (1 in 256 wrong, with the
// Engine's random seed: the answer then is no fact to report).
func (h *idHistory) sameContent(id, content uint64) (same, recent bool) {
	for j := range uint8(idRecent) {
		i := h.recentN - 1 - j
		if r := h.recent[i%idRecent]; r != 0 && r>>32 == id&(1<<32-1) {
			return uint32(r) == uint32(content), true
		}
	}
	return true, false
}

// recentHas reports whether a message with control ID id and bytes content
// (fingerprints) is among the last idRecent recorded, compared on 32 bits of
// each.
func (h *idHistory) recentHas(id, content uint64) bool {
	r := id<<32 | content&(1<<32-1)
	for _, w := range h.recent {
		if w == r && w != 0 {
			return true
		}
	}
	return false
}
