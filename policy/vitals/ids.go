package vitals

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
// learned counter, while it spans less than the resend window; for any
// other, always. 8 B per entry: 512 B to 8 KB per monitor.
type idHistory struct {
	words []uint64 // control ID (top 40 bits) | content (8) | arrival (16); words[:n] are in use
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
)

// newIDHistory returns an empty history of at most limit entries. It starts
// with idStart (see push for when it grows).
func newIDHistory(limit int) idHistory {
	return idHistory{words: make([]uint64, min(idStart, limit)), limit: limit}
}

// idKey packs the fingerprints of a control ID and of the message's bytes
// (the arrival bits left zero).
func idKey(id, content uint64) uint64 {
	return id&^(1<<idLowBits-1) | (content&(1<<idContentBits-1))<<idTimeBits
}

// find returns the position of an entry with the control ID of k, or -1.
func (h *idHistory) find(k uint64) int {
	// An entry has the control ID of k when they differ only in the low
	// bits. Four entries are tested per step: the scan runs on every
	// message, and a new ID (the usual case) reads all of them.
	const low = 1 << idLowBits
	ws := h.words[:h.n]
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

// set records k, arriving at (Unix seconds), at position i.
func (h *idHistory) set(i int, k uint64, at uint32) {
	h.words[i] = k&^(1<<idTimeBits-1) | uint64(uint16(at))
}

// push adds k, arriving at. When the history is full it doubles (up to its
// limit) if keep is set, else it evicts the oldest entry. Growing copies the
// entries oldest first; it happens a few times in a device's life, never in
// a steady state.
func (h *idHistory) push(k uint64, at uint32, keep bool) {
	if h.n == len(h.words) && h.n < h.limit && keep {
		w := make([]uint64, min(2*h.n, h.limit))
		copy(w, h.words[h.next:])
		copy(w[h.n-h.next:], h.words[:h.next])
		h.words, h.next = w, h.n
	}
	h.set(h.next, k, at)
	h.n = max(h.n, h.next+1)
	if h.next++; h.next == len(h.words) {
		h.next = 0
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
// acknowledgement lies), else on the 8 (1 in 256 wrong).
func (h *idHistory) sameContent(id, content uint64) bool {
	for j := range uint8(idRecent) {
		i := h.recentN - 1 - j
		if r := h.recent[i%idRecent]; r != 0 && r>>32 == id&(1<<32-1) {
			return uint32(r) == uint32(content)
		}
	}
	return true
}
