package vitals

import "math"

// idSequence follows a device that numbers its messages with a counter: MSH-10
// an optional prefix and a decimal number that rises by 1 to seqMaxStep per
// message. Once seqLearn steps in a row rose that way, a control ID that lies
// behind the counter, inside the stretch the counter already passed, is a
// reused ID however long ago its first use was: the control-ID history
// (idHistory) remembers at most the last 1,024 messages, minutes at 1 s
// cadence, and for a device with a learned counter only about the resend
// window.
// 32 bytes per device.
//
// Devices that number otherwise stay out: random or time-based IDs never rise
// by small steps long enough to be learned; a counter shared by many beds (an
// aggregating gateway) rises by more than seqMaxStep per device; a counter
// that restarts below the stretch (a device restart) or leaps ahead starts a
// new stretch. A restart to a number the stretch passed, seen from the
// counter's own first message on, is a reused ID and is reported once.
type idSequence struct {
	first, last uint64 // the stretch of the counter seen: first..last
	prefix      uint32 // hash of the ID's non-digit part (and of digits beyond seqDigits)
	run         uint32 // consecutive small rises, capped at seqLearn
	pushed      uint32 // IDs recorded since the stretch began, see ahead
}

const (
	seqMaxStep = 8  // a rise of up to this many is the next message (some not seen)
	seqLearn   = 32 // small rises in a row before the counter is trusted
	seqMinBack = 16 // how far behind the counter an ID must lie: not a reordering
	seqDigits  = 18 // the counter's digits read; more significant ones join the prefix
)

// next records a control ID, split by splitCounter, and reports whether it
// lies at least seqMinBack behind a learned counter, within the stretch the
// counter passed, and how far behind. A reported ID does not move the
// counter. It is called for every ID the control-ID history records as a new
// entry, after the history did.
func (q *idSequence) next(prefix uint32, n uint64, ok bool) (reused bool, back uint64) {
	switch {
	case !ok || prefix != q.prefix:
		*q = idSequence{first: n, last: n, prefix: prefix}
	case n > q.last && n-q.last <= seqMaxStep:
		q.last = n
		q.run = min(q.run+1, seqLearn)
	case n < q.last && n >= q.first && q.run >= seqLearn && q.last-n >= seqMinBack:
		reused, back = true, q.last-n
	case n != q.last:
		*q = idSequence{first: n, last: n, prefix: prefix}
	}
	if q.pushed < math.MaxUint32 {
		q.pushed++
	}
	return reused, back
}

// learned reports whether the device's counter is trusted: a reused ID
// behind it is found without the control-ID history.
func (q *idSequence) learned() bool { return q.run >= seqLearn }

// ahead reports whether a control ID, split by splitCounter, lies ahead of
// a learned counter while the held entries of the control-ID history were
// all recorded in the counter's stretch: they lie at or behind the counter,
// so none is this ID, and the history need not be searched (on every
// message of a counting device, the usual case). Only a collision of the
// history's 40-bit fingerprints, which the search would take for a reused
// ID, is not reported then.
func (q *idSequence) ahead(prefix uint32, n uint64, ok bool, held int) bool {
	return ok && q.learned() && prefix == q.prefix && n > q.last && int64(q.pushed) >= int64(held)
}

// splitCounter splits a control ID into the hash of its prefix and the value
// of its last seqDigits decimal digits; ok is false without a trailing digit.
func splitCounter(id []byte) (prefix uint32, n uint64, ok bool) {
	i := len(id)
	for i > 0 && len(id)-i < seqDigits && id[i-1] >= '0' && id[i-1] <= '9' {
		i--
	}
	if i == len(id) {
		return 0, 0, false
	}
	for _, c := range id[i:] {
		n = n*10 + uint64(c-'0')
	}
	prefix = 2166136261 // FNV-1a
	for _, c := range id[:i] {
		prefix = (prefix ^ uint32(c)) * 16777619
	}
	return prefix, n, true
}
