package vitals

import "math"

// lineRun follows the arterial line as one reading: its systolic, diastolic
// and mean pressure come from one transducer in one message, so the line
// keeps its values only when all three do. Its own share of change (any of
// the three changed) is learned like a channel's (see freeze), which takes
// their dependence into account: a line whose pressures move together in
// steps of 1 mmHg holds all three more often than three independent
// channels would.
type lineRun struct {
	ref     [3]float64 // the values of the current run
	run     uint32     // its length in messages (0: none)
	since   int64      // arrival of its first message, Unix ns
	seen    uint32     // messages with all three pressures seen
	changes uint32     // changes seen while learning
	changeP float64    // learned share of messages in which the line changed
}

// lineMinMean is the mean pressure (mmHg) below which a line is open to
// air or zeroed, not measuring a circulation: its zeros are held by the
// transducer, not forged.
const lineMinMean = 10

// lineFrozen judges the arterial line held as a whole (frozen (b), one
// transducer): all three pressures unchanged together for at least the
// rule's duration (2 min, not channel_duration) and for more messages than
// the line's learned share of change allows at setRateChance (10^-24, the
// square of a single channel's bar). Each pressure must itself change in at
// least minChangeP of its messages: a line at its 1 mmHg display step
// (low, narrow, a patient in shock) holds by itself. A flushed, zeroed or
// damped line (inLine) and one reading a mean below lineMinMean are not
// judged. On the training corpora genuine runs of the three pressures
// together stay above 10^-9 by the line's share; forged ones reach
// 10^-40 within five minutes (docs/vitals.md, session 24, frozen24b).
func (s *stream) lineFrozen(e *Engine, em *emitter, now int64, inLine bool, dst []Finding) []Finding {
	l := &s.line
	ps := [3]param{pARTSys, pARTDia, pARTMean}
	for _, p := range ps {
		if !s.cur[p].ok {
			l.run = 0 // a gap ends the run
			return dst
		}
	}
	v := [3]float64{s.cur[pARTSys].v, s.cur[pARTDia].v, s.cur[pARTMean].v}
	if l.run > 0 && v == l.ref {
		l.run++
	} else {
		if l.run > 0 {
			if l.seen < changeLearn {
				l.changes++
				l.changeP = float64(l.changes) / float64(l.seen)
			} else {
				l.changeP = l.changeP*unchangedFor(l.run) + changeAlpha
			}
		}
		l.ref, l.run, l.since = v, 1, now
	}
	l.seen++
	fc := &e.cfg.Rules.Frozen
	if l.seen < changeLearn || int(l.run) < fc.MinSamples || inLine || v[2] < lineMinMean ||
		now-l.since < fc.Duration.Nanoseconds() || !em.on(rFrozen) {
		return dst
	}
	for _, p := range ps {
		if t := &s.tracks[p]; t.seen < changeLearn || t.changeP < minChangeP(p) {
			return dst
		}
	}
	need := math.Log(setRateChance) / math.Log(1-l.changeP)
	if float64(l.run) < need {
		return dst
	}
	return em.add(dst, rFrozen, pARTMean, s.cur[pARTMean].seg, s.cur[pARTMean].at, float64(l.run), l.changeP, need, "", "arterial systolic, diastolic and mean pressure all unchanged far longer than the line's own variability allows")
}
