package vitals

// idHistory is what the control-ID check keeps of a device's recent
// messages: per message a 48-bit fingerprint of its MSH-10 and a 16-bit
// fingerprint of its bytes in one word, and its arrival in Unix seconds:
// 12 bytes, so that hours of history stay small. It is searched by a scan,
// which costs well under a microsecond for 1,024 entries and saves an
// index as large as the words. A wrong match of the control ID needs a
// 48-bit collision (about 4·10⁻¹² per message at 1,024 entries); a content
// collision (1 in 65,536) only makes a reused ID look like a re-send.
type idHistory struct {
	keys []uint64 // control-ID fingerprint (top 48 bits) | content fingerprint (low 16); keys[:n] are in use
	at   []uint32 // arrival of keys[i], Unix seconds
	n    int
	next int // position the next push writes, overwriting the oldest once full
}

const idContentBits = 16

func newIDHistory(size int) idHistory {
	return idHistory{keys: make([]uint64, size), at: make([]uint32, size)}
}

// idKey packs the fingerprints of a control ID and of the message's bytes.
func idKey(id, content uint64) uint64 {
	return id&^(1<<idContentBits-1) | content&(1<<idContentBits-1)
}

// find returns the position of an entry with the control ID of k, or -1.
func (h *idHistory) find(k uint64) int {
	want := k >> idContentBits
	for i, v := range h.keys[:h.n] {
		if v>>idContentBits == want {
			return i
		}
	}
	return -1
}

// set records k, arriving at, at position i.
func (h *idHistory) set(i int, k uint64, at uint32) { h.keys[i], h.at[i] = k, at }

// push adds k, arriving at, evicting the oldest entry when full.
func (h *idHistory) push(k uint64, at uint32) {
	h.set(h.next, k, at)
	h.n = max(h.n, h.next+1)
	if h.next++; h.next == len(h.keys) {
		h.next = 0
	}
}
