package vitals

import (
	"math"
	"time"
)

// A pressure transducer h cm below the phlebostatic axis adds 0.74·h mmHg to
// every pressure it measures: a bed raised or lowered with the transducer
// left on its pole, or a transducer slipped in its holder, moves the
// systolic, the diastolic and the mean by one amount in one message, and
// levelling it again takes that amount back in one message, minutes later.
// The start looks like a forged arterial step of one amount and is judged
// as one (level21, session 21: no number tells them apart). The return is
// different: the line goes back by the amount it left by, to the height it
// was at, whether or not its start was reported. A step whose start was
// reported is already excused at its return (undoes, lineReturned) when the
// line comes back to the level it left, and by the shift it began with when
// the patient's own level moved meanwhile (session 28, artroc28); one
// whose start was not (below its threshold, or another channel moved with
// it) made its return the reported step (session 25, clean25). A line that
// went off and came back each in one message by one amount, its start
// unreported, is still reported at its return as a level held (a box):
// corpus4 forges exactly that (training s7 m0075, −11 on all three for
// 21 min), and nothing in the numbers tells it from a transducer lowered
// and put back (artroc28).
const (
	levelMin   = 6.0  // mmHg: the least shift of the line judged as a change of its height
	levelMax   = 20.0 // mmHg: 27 cm, a bed's travel from its working height
	levelTol   = 5.0  // mmHg: the three shifts' spread (each reading and its baseline scatter by a mmHg or two)
	levelShare = 0.4  // of the earlier shift: how far the return may differ from it (the patient drifted meanwhile)
	// levelKeep: how long a shift is remembered for its return. A
	// transducer left off its level stays there until someone levels it
	// again, at a round or a handover, hours later.
	levelKeep = 4 * time.Hour
)

// levelShift returns the amount by which the arterial line's three
// pressures moved together in this message: each off its baseline the same
// way by levelMin to levelMax, within levelTol of one another, most of it
// (60 %) since the previous message. ok is false for anything else.
func (s *stream) levelShift() (d float64, ok bool) {
	lo, hi, jump := math.Inf(1), math.Inf(-1), 0.0
	for _, q := range [...]param{pARTSys, pARTDia, pARTMean} {
		b, have := s.tracks[q].baseline()
		if !have || !s.cur[q].ok || !s.prev[q].ok {
			return 0, false
		}
		v := s.cur[q].v - b
		d += v / 3
		lo, hi = min(lo, v), max(hi, v)
		jump += (s.cur[q].v - s.prev[q].v) / 3
	}
	if lo*hi <= 0 || hi-lo > levelTol || math.Abs(d) < levelMin || math.Abs(d) > levelMax || jump*d < 0.6*d*d {
		return 0, false
	}
	return d, true
}

// levelled reports whether this message's arterial values take the line
// back by the shift it made last (within levelKeep, opposite, equal within
// levelShare of it or levelTol), or by the shift a reported step that still
// stands began with (lineOff): the transducer put back on its level. The
// shift it made otherwise becomes the one remembered, until the excursion
// it began comes back by itself or a return is judged undone (excursions;
// review25). A flushed, zeroed or damped line is not judged.
func (s *stream) levelled(now int64) bool {
	if s.zeroed() {
		// Zeroed, the transducer is opened to the air at the height it is
		// levelled at: a shift of the line before it is no height a later
		// move puts it back from (review28). A flush, blood sampling or a
		// damped trace leaves the transducer where it was.
		s.levelAt = 0
	}
	if s.flushed() || s.damped() {
		return false
	}
	d, ok := s.levelShift()
	if !ok {
		return false
	}
	if s.levelAt != 0 && now-s.levelAt <= levelKeep.Nanoseconds() && takesBack(d, float64(s.level)) {
		s.levelAt = 0
		return true
	}
	if o := s.lineOff(); o != 0 && now-s.lineFrom <= levelKeep.Nanoseconds() && takesBack(d, o) {
		// The height shift a reported step began with, taken back while
		// that step stands (lineOff): the transducer put back after the
		// patient's own level moved under it, so the line does not come
		// back to the level it left (undoes, lineReturned ask for that)
		// but by the amount it left by. The step was reported at its start;
		// its end is no second one (session 28, artroc28).
		s.lineStep = 0
		return true
	}
	if s.stateBack() {
		// Not a shift of its own: the transducer put back after a change
		// of state moved its height (stateBack), nothing to take back later.
		s.levelAt = 0
		return true
	}
	s.level, s.levelAt = float32(d), now
	return false
}

// stateBack reports whether the line's one-amount shift in this message
// (levelShift) lands one of its three pressures, on its level before this
// message and off the level it left at a change of state another channel
// corroborated (undoes, undoCorr), back onto it: the transducer put back on
// its level after it was moved while the patient was turned (session 49,
// artlevel49).
//
// A turn moves the heart rate, the oximeter and the patient's own pressure
// while it lasts, and a transducer fixed to the bed leaves the phlebostatic
// axis with it: the line's height shift begins inside that change of state,
// over two or three messages, and no message of it is a one-amount shift
// (levelShift) for levelled to remember. The pressure whose excursion it
// began (the mean, often) remembers the level it left, corroborated, and
// is excused when it comes back there (undoes); its twins, whose baselines
// followed the line down message by message, see the return alone. The
// three pressures are one transducer: the shift that takes one of them
// back to the level the change of state left takes the line back, and its
// twins' excursions begun with it are no steps (exLevel).
func (s *stream) stateBack() bool {
	for _, q := range [...]param{pARTSys, pARTDia, pARTMean} {
		t := &s.tracks[q]
		b, ok := t.baseline()
		if !ok || t.exN != 0 || !t.undoOK || !t.undoCorr {
			continue
		}
		// Back onto the level from off it: a pressure that came back there
		// by itself, slowly (no excursion ends to use the memory), and is
		// moved off it now is no transducer put back (review50a).
		lo := t.threshold(q, b) / 2
		if t.undoes(s.cur[q].v, lo) && !t.undoes(b, lo) {
			return true
		}
	}
	return false
}

// heightOff returns the shift of the arterial line's height it still
// stands at, as far as the stream knows at now: the last shift levelShift
// remembered (not taken back, within levelKeep), else the one a reported
// step began with (lineOff), else 0. The line reads the patient's pressure
// plus it.
func (s *stream) heightOff(now int64) float64 {
	if s.levelAt != 0 && now-s.levelAt <= levelKeep.Nanoseconds() {
		return float64(s.level)
	}
	return s.lineOff()
}

// takesBack reports whether a shift d of the line's height takes back an
// earlier one, was: the other way, equal to it within levelShare of it or
// levelTol.
func takesBack(d, was float64) bool {
	return d*was < 0 && math.Abs(d+was) <= max(levelTol, levelShare*math.Abs(was))
}

// cvpMoved reports whether the arterial line's three pressures and the
// central venous pressure moved together in this message, as one change of
// the transducers' height: the arterial mean by levelMin to levelMax since
// the previous message, its systolic and diastolic the same way within
// max(levelTol, levelShare of it) of it, and the central venous pressure,
// present in both messages (at most gap apart), the same way by at least
// half of it and at most it plus levelTol (session 34, c5roc34).
//
// A fluid-filled transducer reads the pressure at the catheter's tip plus
// the column of fluid between the tip's height and its own: 0.74 mmHg per
// cm. The arterial and the central venous transducers sit side by side on
// one holder levelled at the phlebostatic axis, so a bed raised or
// lowered, a patient turned or sat up, or the holder slid on its pole adds
// one amount to every pressure they read, the venous one included. A body
// does not move both pressures by one amount at once: a vasopressor, a
// haemorrhage or a bolus moves the arterial pressure by many times what it
// moves the venous one (their ends on the fifth blind generator's clean beds
// leave it within 2 mmHg), and a cough or a strain lasts a breath. A forged
// arterial level moves the arterial rows and not the venous one. So such a
// message is a change of state for the three arterial pressures, as a
// change of the line's damping is (dampChanged): it neither begins a step
// nor a box, nor ends a box, nor is a drift returned. A forger who writes
// the same offset into the venous row as well is not told apart (a coherent
// forgery, docs/vitals.md "What still slips through").
func (s *stream) cvpMoved(arrival time.Time, gap time.Duration) bool {
	if !s.venOK || !s.venWasOK {
		return false // not both in this message and the previous one
	}
	dm, ok := s.lineMoved(arrival, gap)
	if !ok {
		return false
	}
	dc := float64(s.ven - s.venWas)
	return dc*dm > 0 && math.Abs(dc) >= 0.5*math.Abs(dm) && math.Abs(dc) <= math.Abs(dm)+levelTol
}

// lineMoved returns the amount by which the arterial line's three pressures
// moved together since the previous message (at most gap before): the mean
// by levelMin to levelMax, the systolic and the diastolic the same way
// within max(levelTol, levelShare of it) of it. ok is false for anything
// else, or when the previous message had no arterial rows.
func (s *stream) lineMoved(arrival time.Time, gap time.Duration) (dm float64, ok bool) {
	m, pm := &s.cur[pARTMean], &s.prev[pARTMean]
	if !m.ok || !pm.ok || !pm.at.Equal(s.prevArrival) || arrival.Sub(s.prevArrival) > gap {
		return 0, false // not both in this message and the previous one, max_gap apart
	}
	dm = m.v - pm.v
	if math.Abs(dm) < levelMin || math.Abs(dm) > levelMax {
		return 0, false
	}
	tol := max(levelTol, levelShare*math.Abs(dm))
	for _, q := range [...]param{pARTSys, pARTDia} {
		if !s.cur[q].ok || !s.prev[q].ok || math.Abs(s.cur[q].v-s.prev[q].v-dm) > tol {
			return 0, false
		}
	}
	return dm, true
}

// turnMoved reports whether the arterial line's three pressures moved by
// one amount in this message (lineMoved) just after the patient was turned:
// the oximeter disturbed (notePleth: its pulse rate above the heart rate,
// or jumping alone) in the message before this one, in a regular rhythm
// (session 37, art37). Its pulse rate jumping back in this one, the turn's
// end, is a disturbance to notePleth too and changes nothing. Call it after
// notePleth has seen this message.
//
// A transducer fixed to the bed or its pole reads every pressure plus the
// column of fluid between the catheter's tip and itself, 0.74 mmHg per cm
// of the phlebostatic axis's height above it. Turning a patient onto a side,
// or sitting them up, moves the right atrium by centimetres relative to the
// bed, so the line reads its three pressures off by one amount from the
// message the patient lies still in the new position, until the nurse
// levels the transducer again; the same hands shake the oximeter's probe
// while the turn lasts. So such a message is a change of state for the
// three arterial pressures, as cvpMoved's is. A forged arterial level is
// written into calm data; one placed in the message after a motion
// artefact passes (docs/vitals.md, "What still slips through"), and so
// does the jump out of a replay whose last replayed message caught one.
// Two messages after the disturbance is not taken: on the training seeds
// that excused a replay's jump out (corpus6 s4 m0055 602) for one clean-bed
// message more. Not in an irregular rhythm: AF's pulse rate parts from the
// heart rate by itself (session 35's probe of this, c6line35's, lost
// corpus2 s2 episode 55, a forged arterial step beside AF, without it).
func (s *stream) turnMoved(arrival time.Time, gap time.Duration, irr float64) bool {
	if s.plethAt == 0 || s.plethWas != 0 {
		return false // the oximeter was not disturbed in the message before
	}
	if _, ok := s.lineMoved(arrival, gap); !ok {
		return false
	}
	// A rhythm known regular: irregular calls a rhythm regular until it has
	// irregularN changes of the heart rate in a row, and a message without
	// the heart rate (a lead off) starts them anew, so AF went unseen for 16
	// messages after one (review37, TestTurnNotAfterECGGap37).
	return s.hrN > irregularN && !s.irregular(irr)
}

// venMin and venMax bound a central venous pressure read as one (mmHg): a
// transducer far above the patient reads it below 0.
const venMin, venMax = -50.0, 100.0

// venous takes a central venous pressure row's value v in unit u as this
// message's (the first such row's). A unit that is no pressure's, or a value
// outside venMin..venMax, is not read; neither is reported, the row having
// no check of its own.
func (s *stream) venous(e *Engine, v float64, u uint8) {
	if s.venOK || u == unitUnknown || u == unitBad {
		return
	}
	if base := e.t.canon[u].base(v); base >= venMin && base <= venMax {
		s.ven, s.venOK = float32(base), true
	}
}
