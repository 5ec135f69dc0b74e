package vitals

import (
	"math"
	"time"
)

// Cardiac overlay on a neonate's breathing rate (session 44, rrneo44).
// Thoracic impedance picks up the heart's stroke as well as the breath; when
// the breaths are shallow or stop (sleep, apnoea, a ventilated preterm) the
// monitor's breath detector locks onto the cardiac component and the
// breathing rate reads the heart rate, following it message by message
// (cardiac overlay, cardiovascular artefact). A neonate's heart beats at
// 150-190, above the breathing rate's range of 150, so the overlay draws a
// range finding on its first message. Such a value is the measurement chain,
// not the breath: a value above the range that lies at the heart's rate is
// not reported while it stays there. Only the range finding is affected:
// the value is refused as before (it never enters the excursions), and no
// other rule's state reads this one's.
//
// A forged rate at the heart's rate for a message or a few (a spike written
// at the heart rate, one message of an out_of_range episode that happens to
// lie near it) must still be reported: the value waits while its run is
// shorter than heartRunMin messages and is reported when the run ends
// short, a bed turnover included (inside the 3-message grace the corpora's
// scorer gives, and a clinician's view is not delayed: the message is
// forwarded either way; only while range's action is forward, since a
// finding reported later names a later message, which annotate would mark
// and quarantine hold back: under those the value is judged at once,
// review44a). A run that reaches heartRunMin shows the overlay and drops the
// value. The silence lasts at most heartHold in every heartRest from the
// first message of the window's first run, so a forger who writes the heart
// rate into a neonate's breathing rate is excused for 15 min in every 30, a
// break in the run or not.

// rrAtHeart judges the breathing rate above its range the message held
// (em.rrHigh, read by obx) against the message's heart rate, and follows the
// breathing rate's run at the heart's rate (in range or above it), see the
// comment above. It must run after every row of the message is read and
// before anything reads the range finding's episode.
func (s *stream) rrAtHeart(em *emitter, arrival time.Time, dst []Finding) []Finding {
	t := &s.tracks[pRR]
	v := em.rrHigh
	if s.cur[pRR].ok {
		v = s.cur[pRR].v
	}
	now := unixSeconds(arrival)
	gap := em.e.cfg.Rules.Rate.MaxGap
	switch {
	case s.atHeart(v, arrival, gap) && now != 0:
		if s.heartN == 0 && (s.rrFrom == 0 || now-s.rrFrom > uint32(heartRest/time.Second) || now < s.rrFrom) {
			s.rrFrom, s.rrOpen = now, true // a new window
		}
		s.heartN = min(s.heartN, math.MaxUint8-1) + 1
		if s.heartN >= heartRunMin {
			s.rrOpen = false
		}
	default:
		if s.rrOpen {
			// A run too short to show an overlay (a bradycardia
			// that met the breathing rate for a message) opens no
			// window.
			s.rrFrom, s.rrOpen = 0, false
		}
		s.heartN = 0
	}
	excused := s.inHold(now)
	if t.highHeld != 0 && (!excused || s.heartN >= heartRunMin) {
		if !excused && em.rrHigh == 0 {
			// The run ended short, or outlasted the hold: the value
			// was no overlay shown.
			dst = s.rrRange(em, float64(t.highHeld), 0, time.Time{}, dst)
		}
		t.highHeld = 0
	}
	switch {
	case em.rrHigh == 0:
	case !excused || !s.atHeart(em.rrHigh, arrival, gap):
		// Past the hold, or a value that is not the heart's itself
		// (a second breathing-rate row above the range beside a
		// first one at the heart's rate in range).
		dst = s.rrRange(em, em.rrHigh, em.rrHighSeg, em.rrHighAt, dst)
	case s.heartN < heartRunMin && t.highHeld == 0:
		t.highHeld = float32(em.rrHigh)
	}
	return dst
}

// inHold reports whether the current message's breathing rate lies at the
// heart's rate (rrAtHeart's run) inside its window's hold: heartHold from the
// window's first message, at now (Unix s).
func (s *stream) inHold(now uint32) bool {
	return s.heartN > 0 && now-s.rrFrom <= uint32(heartHold/time.Second)
}

// Its step (session 49, rrheart49). On an adult the overlay is no range
// finding (a heart beats below 150) but a step: the breathing rate jumps from
// 12-20 to the heart's 60-150 in one message, stays there, and nothing else
// in the patient moves, so excursions judges it a step no related channel
// answered. overlayStep tells which step is the overlay's own, and only its
// report is withheld (track.go): excursions keeps its state as for any step
// reported (the level, the undo that makes the rate's return to its breaths
// no new step, the cancelled box), so no other rule's or parameter's
// judgement changes; rrcard43 kept the overlay out of the excursions
// instead, and a heart-rate box beside it went unseen (reverted after its
// held-out run). The withheld step opens no episode, so it has no close
// under report_close either (review49r: opened silently, it swallowed the
// rate's next step for the hold-off, a forged level off the heart's rate
// after a few messages at it). A forged step written at the heart's rate is
// silent as the range finding is, within the same hold.
// Only while rate_of_change's action is forward, as for range (review44a):
// the step withheld and reported at the hold's end would name a later
// message than the overlay's, so under annotate or quarantine the overlay's
// messages would pass unmarked; there the step is reported at its own
// message, as on main (TestOverlayStepMarked49).

// overlayStep reports whether a breathing-rate step judged in this message
// (now, Unix s) after exN messages of excursion is the cardiac overlay's:
// every message of the excursion lay at the heart's rate, in a run that
// showed an overlay (heartRunMin) inside the window's hold. A step begun
// before the run (a breathing change the overlay then joined) is reported.
func (s *stream) overlayStep(exN uint8, now uint32) bool {
	return s.heartN >= heartRunMin && s.heartN >= exN && s.inHold(now)
}

// overlayOutlasts reports a breathing-rate step withheld as the overlay's
// (rrStep) at the first message (arriving at now, Unix s) past its window's
// hold whose breathing rate is not back at the level the step left: within
// the smallest step the excursions follow from that level (stepFloor). The
// step is judged once, so without this the hold would bound nothing: a
// forger who writes the heart rate into the breathing rate for an hour would
// be silent for the hour (main reports the step at its start). A rate that
// is merely nearer the level left than the heart's is not back (review49r):
// the excursions take a return from the heart's 90 to 30 as the undo of a
// step from 16 (track.undoes), so a forger who went 16, the heart's rate,
// 30 was silent for good. A genuine overlay ends within the hold (corpus7's and corpus8's
// clean runs last up to 14.5 min on training), the rate back at its breaths.
func (s *stream) overlayOutlasts(em *emitter, now uint32, dst []Finding) []Finding {
	t, r := &s.tracks[pRR], &s.cur[pRR]
	switch {
	case !s.rrStep || !r.ok:
	case math.Abs(r.v-float64(t.undo)) < t.stepFloor(pRR, float64(t.undo)):
		s.rrStep = false // back at its breaths within the hold
	case now-s.rrFrom > uint32(heartHold/time.Second):
		s.rrStep = false
		if em.on(rRate) {
			dst = em.add(dst, rRate, pRR, r.seg, r.at, r.v, float64(t.undo), heartHold.Seconds(), "",
				"breathing rate stepped to the heart's rate with no related channel moving and was not back at its level when a cardiac overlay's excuse ended")
		}
	}
	return dst
}

// atHeart reports whether the breathing rate v lies at the heart's rate of
// the current message (arriving at arrival): within max(heartAbs,
// heartShare) of the ECG heart rate. When the message has none (an ECG lead
// off while the impedance, on the electrodes left, still counts the beats)
// the pulse rate stands for the heart, but only while it lies the same way
// at the last ECG heart rate, seen within gap (review44a: a pulse without a
// heart rate has no partner to disagree with, so a forger who left the heart
// rate out wrote the pulse and breathing rates together at a value of its
// choosing, TestReviewRangeAtAForgedPulse44).
func (s *stream) atHeart(v float64, arrival time.Time, gap time.Duration) bool {
	ref := &s.cur[pHR]
	if !ref.ok || ref.v <= 0 {
		ref = &s.cur[pPR]
		if h := &s.prev[pHR]; !h.ok || arrival.Sub(h.at) > gap || !nearHeart(ref.v, h.v) {
			return false
		}
	}
	return ref.ok && nearHeart(v, ref.v)
}

// nearHeart reports whether a rate v lies within max(heartAbs, heartShare)
// of the heart's rate h (above 0 both).
func nearHeart(v, h float64) bool {
	return v > 0 && h > 0 && math.Abs(v-h) <= max(heartAbs, heartShare*h)
}

// rrRange reports the breathing rate v above its range (outOfRange).
func (s *stream) rrRange(em *emitter, v float64, seg int, at time.Time, dst []Finding) []Finding {
	return em.outOfRange(dst, pRR, seg, at, v, em.e.limits[s.class()][pRR].Max)
}

// heartShare and heartAbs bound a breathing rate at the heart's rate (see
// atHeart): a count of heartbeats over the breath detector's window against
// the ECG's over its own differs by a beat or a few (session 43, rrcard43:
// on corpus7's training beds whose labels name the overlay, 97 % of the
// messages lie within 5 % of the heart rate, 99 % within 5.7 %). heartRunMin
// is one message more than a spike (maxSpike). heartHold and heartRest bound
// what a forger who writes the heart rate into the breathing rate gains
// (review43c: a hold that restarts at every break bounds nothing).
const (
	heartShare  = 0.06
	heartAbs    = 3
	heartRunMin = maxSpike + 1
	heartHold   = 15 * time.Minute
	heartRest   = 30 * time.Minute
)
