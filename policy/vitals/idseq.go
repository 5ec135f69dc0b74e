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
// 72 bytes per device and numbering (decimal and hexadecimal, see
// readHex): 144 per device.
//
// Devices that number otherwise stay out: random or time-based IDs never rise
// by small steps long enough to be learned; a counter shared by many beds (an
// aggregating gateway) rises by more than seqMaxStep per device; a counter
// that restarts below the stretch (a device restart) or leaps ahead starts a
// new stretch. A restart to a number the stretch passed, seen from the
// counter's own first message on, is a reused ID and is reported once;
// one within seqMaxStep of the stretch's first number is judged at the
// next ID instead: a device seen from its boot that boots again numbers on
// from there (a new stretch), while a forger reusing the device's first
// IDs goes on from the counter (a reused ID, reported late).
//
// The last seqEarlier learned stretches a restart or leap ended are kept
// with their prefix: an ID of that prefix that comes back into one of
// them, at least seqMinBack behind its end, and is not the current
// counter's next, is a reused ID too (an ID from before a device restart or
// an outage's leap, ahead of the new counter, or from before a restart that
// changed the prefix: GE5BC5-0-2073 after GE5BC5-1-81). An earlier stretch
// the current one reaches by small steps under the same prefix is
// forgotten: the device numbers through it again (only its end is kept
// when the counter began at its start, see renumbered).
type idSequence struct {
	first, last uint64              // the stretch of the counter seen: first..last
	prefix      uint32              // hash of the ID's non-digit part (and of digits beyond seqDigits)
	pushed      uint16              // IDs recorded since the stretch began, capped, see ahead
	run         uint8               // consecutive small rises, capped at seqLearn
	booting     bool                // boot holds an ID to judge (placed here, in padding: 16 B less per monitor)
	eprefix     [seqEarlier]uint32  // the prefix of each earlier stretch (in the room run and pushed left)
	earlier     [seqEarlier]stretch // learned stretches ended by a restart or leap, newest first; zero = none; first MaxUint64: see renumbered
	boot        uint64              // an ID come back to the stretch's start, judged at the next ID (see next); valid while booting
}

// stretch is a range of a counter a device passed: first..last.
type stretch struct{ first, last uint64 }

const (
	seqMaxStep = 8  // a rise of up to this many is the next message (some not seen)
	seqLearn   = 32 // small rises in a row before the counter is trusted
	seqMinBack = 16 // how far behind the counter an ID must lie: not a reordering
	seqDigits  = 18 // the counter's digits read; more significant ones join the prefix
	seqHex     = 16 // the hexadecimal counter's digits read, see readHex
	seqEarlier = 2  // learned stretches kept after a restart or leap
)

// next records a control ID, split by splitCounter (or readHex), and
// reports whether it lies at least seqMinBack behind a learned counter,
// within the stretch the counter passed or within an earlier stretch kept,
// and how far behind that stretch's end. A reported ID does not move the
// counter. It is called for every ID the control-ID history records as a new
// entry, after the history did, and for one it holds from before a reboot
// that the counter numbers through again (numbersOn), recorded over the old
// entry: either way pushed counts the history's entries of this stretch,
// which ahead relies on. late reports that the reused ID is the one
// before this one (a return to the stretch's start, judged now).
func (q *idSequence) next(prefix uint32, n uint64, ok bool) (reused, late bool, back uint64) {
	if q.booting {
		q.booting = false
		if ok && prefix == q.prefix && n > q.boot && n-q.boot <= seqMaxStep {
			q.restart(prefix, q.boot) // it numbers on from there: booted again
		} else {
			late, back = true, q.last-q.boot
		}
	}
	same := ok && prefix == q.prefix
	switch {
	case !ok:
		q.restart(prefix, n)
	case same && n > q.last && n-q.last <= seqMaxStep:
		q.last = n
		q.run = min(q.run+1, seqLearn)
		for i, e := range q.earlier {
			if e != (stretch{}) && q.eprefix[i] == prefix && e.first <= q.last && e.last >= q.first {
				q.earlier[i] = q.renumbered(e) // numbered through again
			}
		}
	case same && n < q.last && n >= q.first && q.learned() && q.last-n >= seqMinBack:
		if n-q.first <= seqMaxStep && !late {
			q.booting, q.boot = true, n // a boot or a reuse: the next ID tells
		} else {
			reused, back = true, q.last-n
		}
	case !same || n != q.last:
		for i, e := range q.earlier {
			if e != (stretch{}) && q.eprefix[i] == prefix && n >= e.first && n <= e.last && e.last-n >= seqMinBack {
				reused, back = true, e.last-n
				break
			}
		}
		if !reused {
			q.restart(prefix, n)
		}
	}
	if q.pushed < math.MaxUint16 {
		q.pushed++
	}
	if reused {
		late = false // this ID's own reuse is the one reported
	}
	return reused || late, late, back
}

// restart begins a new stretch at n, keeping the one it ends among the
// earlier stretches, with its prefix, if it was learned. An end renumbered
// marks is forgotten: it was the ended stretch's, numbering from its start.
func (q *idSequence) restart(prefix uint32, n uint64) {
	earlier, eprefix := q.earlier, q.eprefix
	for i, e := range earlier {
		if e.first == math.MaxUint64 {
			earlier[i] = stretch{}
		}
	}
	if q.learned() {
		copy(earlier[1:], earlier[:])
		copy(eprefix[1:], eprefix[:])
		earlier[0], eprefix[0] = stretch{q.first, q.last}, q.prefix
	}
	*q = idSequence{first: n, last: n, prefix: prefix, earlier: earlier, eprefix: eprefix}
}

// learned reports whether the device's counter is trusted: a reused ID
// behind it is found without the control-ID history.
func (q *idSequence) learned() bool { return q.run >= seqLearn }

// numbersOn reports whether a control ID, split by splitCounter, is the
// counter's next (a rise of 1 to seqMaxStep under its prefix, learned or
// not) within an earlier stretch the counter numbers through again from its
// start (see renumbered). An earlier use of such an ID the control-ID
// history still holds was made before the counter restarted (a device
// reboot renumbering from 1): the device numbers through it again (see
// stream.observe).
func (q *idSequence) numbersOn(prefix uint32, n uint64, ok bool) bool {
	if !ok || prefix != q.prefix || n <= q.last || n-q.last > seqMaxStep {
		return false
	}
	for i, e := range q.earlier {
		if e.first == math.MaxUint64 && q.eprefix[i] == prefix && n <= e.last {
			return true
		}
	}
	return false
}

// renumbered is what an earlier stretch e becomes once the counter numbers
// into it again. A counter that began at or below e's start (a device
// rebooted and numbering from its first ID again) marks e's end for
// numbersOn: first beyond last, so that no ID lies inside it. One that began
// higher forgets e: its stretch may have begun at the device's step back
// behind a forger's message sent under an ID ahead of its counter, and the
// device's own use of that ID minutes later is the reuse that shows it
// (review53d).
func (q *idSequence) renumbered(e stretch) stretch {
	if q.first <= e.first || q.first-e.first <= seqMaxStep {
		return stretch{math.MaxUint64, e.last}
	}
	return stretch{}
}

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
	return prefixHash(id[:i]), n, true
}

// prefixHash is the FNV-1a hash of a control ID's part before its counter.
func prefixHash(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

// readHex reads a control ID's last seqHex characters or fewer that are
// hexadecimal digits into the hash of its prefix and the value of those
// digits, and reports whether one of them is a letter: a device counting in
// hexadecimal (such as B0AC00274F) is followed by its own counter from such
// an ID on, and then under its prefix with or without a letter (see
// stream.observe), so a decimal counter is read by splitCounter alone. A
// hexadecimal counter restarted at 1 (…0001) has none: read so, it is still
// comparable with the counter it restarted (booted, see rtcLost).
func readHex(id []byte) (prefix uint32, n uint64, letter bool) {
	i := len(id)
digits:
	for ; i > 0 && len(id)-i < seqHex; i-- {
		var d byte
		switch c := id[i-1]; {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'A' && c <= 'F':
			d, letter = c-'A'+10, true
		case c >= 'a' && c <= 'f':
			d, letter = c-'a'+10, true
		default:
			break digits
		}
		n |= uint64(d) << (4 * (len(id) - i))
	}
	return prefixHash(id[:i]), n, letter
}
