package vitals

import (
	"math"
	"time"
)

// Cardiac overlay (session 43, rrcard43). Thoracic impedance picks up the
// heart's stroke as well as the breath; when the breaths are shallow the
// monitor's breath detector locks onto the cardiac component and the
// breathing rate reads the heart rate, message after message, following it
// (a neonate's rate of 150-190 above the breathing rate's range of 150, an
// adult's 70-120 from a level of 10-60). Monitors know this as cardiovascular
// artefact: the impedance rate within a few percent of the heart rate. Such
// a run is the measurement chain, not the breath: it neither begins an
// excursion nor draws a range finding, for at most heartHold from its first
// message, the runs of one episode (breaks shorter than heartRest) added
// together (review43c). A forged spike at the heart's rate lasts a spike's
// messages (maxSpike) and is judged: the run must reach heartRunMin messages.
// countsBeats (rr27) is the older, looser test for a slow breather's rate on
// its monitor's grid.

// atHeart reports whether the breathing rate v lies at the heart's rate of
// the current message: within heartShare of the ECG heart rate, or of the
// pulse rate when the message has no heart rate, and at least heartAbs
// breaths a minute from it.
func (s *stream) atHeart(v float64) bool { return s.nearHeart(v, 1) }

// nearHeart is atHeart with its bounds k times as wide.
func (s *stream) nearHeart(v, k float64) bool {
	ref := &s.cur[pHR]
	if !ref.ok || ref.v <= 0 {
		ref = &s.cur[pPR]
	}
	return v > 0 && ref.ok && ref.v > 0 && math.Abs(v-ref.v) <= k*max(heartAbs, heartShare*ref.v)
}

// noteHeart follows the breathing rate's run at the heart's rate through the
// current message (its rate in range in s.cur, or above it in em.rrHigh): a
// message whose breathing rate is absent, or not at the heart's rate, ends
// the run, unless the run has shown an overlay (heartRunMin messages) and
// the rate lies within twice atHeart's bounds. A rate above the range at
// the heart's rate is not reported while its run is too short to tell (its
// value is held in the breathing rate's track): the run ending before
// heartRunMin reports it then, as a rate above the range not at the heart's
// rate, or one past heartHold, is reported at once. The grace the corpora's
// scorer gives (3 messages) covers the wait.
func (s *stream) noteHeart(em *emitter, now int64, dst []Finding) []Finding {
	t := &s.tracks[pRR]
	v := em.rrHigh
	if s.cur[pRR].ok {
		v = s.cur[pRR].v
	}
	nowS := unixSeconds(time.Unix(0, now))
	switch {
	case s.atHeart(v):
		if s.heartN == 0 {
			if s.heartUse > 0 && int64(nowS)-int64(s.heartFrom) > int64(heartRest/time.Second) {
				s.heartUse = 0 // rested: a new episode
			}
			s.heartFrom = nowS
		}
		s.heartN = min(s.heartN, 254) + 1
	case s.heartN >= heartRunMin && s.nearHeart(v, 2):
		// One count a beat or two further off (the ECG's rate and the
		// breath detector's average different windows of an irregular
		// heart) neither ends nor extends an overlay already shown.
	default:
		// A run that showed an overlay spends its time from the episode's
		// hold (review43c: one message off the heart's rate, or without a
		// breathing rate, began a new run and a new heartHold, so a forger
		// who broke his rate at the heart's every 10 min was excused for
		// good). Until the rate has kept off the heart's for heartRest,
		// heartFrom is when it left it.
		if s.heartN >= heartRunMin {
			s.heartUse = uint8(min(int64(s.heartUse)+1+(int64(nowS)-int64(s.heartFrom))/heartUnit, 255))
		}
		switch {
		case s.heartUse == 0:
			s.heartFrom = 0
		case s.heartN > 0:
			s.heartFrom = nowS
		}
		s.heartN = 0
	}
	if t.held != 0 && (s.heartN == 0 || s.heartOverlay(now)) {
		if s.heartN == 0 && em.rrHigh == 0 {
			dst = s.rangeFinding(em, float64(t.held), 0, dst)
		}
		t.held = 0
	}
	switch {
	case em.rrHigh == 0:
	case s.heartOverlay(now):
	case s.heartN > 0 && s.heartN < heartRunMin && s.heartSince(now) <= heartHold:
		if t.held == 0 {
			t.held = float32(em.rrHigh)
		}
	default:
		dst = s.rangeFinding(em, em.rrHigh, em.rrHighSeg, dst)
	}
	return dst
}

// heartSince is how long the breathing rate's run at the heart's rate has
// lasted at now, with the earlier runs of its episode that showed an
// overlay (heartUse).
func (s *stream) heartSince(now int64) time.Duration {
	return time.Duration(int64(unixSeconds(time.Unix(0, now)))-int64(s.heartFrom)+int64(s.heartUse)*heartUnit) * time.Second
}

// heartOverlay reports whether the breathing rate's current run at the
// heart's rate shows a cardiac overlay at now: heartRunMin messages or more,
// begun at most heartHold before.
func (s *stream) heartOverlay(now int64) bool {
	return s.heartN >= heartRunMin && s.heartSince(now) <= heartHold
}

// rangeFinding reports the breathing rate v above its range (obx's range
// finding, judged in noteHeart).
func (s *stream) rangeFinding(em *emitter, v float64, seg int, dst []Finding) []Finding {
	if !em.on(rRange) {
		return dst
	}
	return em.add(dst, rRange, pRR, seg, time.Time{}, v, 0, em.e.limits[s.class()][pRR].Max, "", "value outside the possible range for the profile")
}

// heartShare and heartAbs bound a breathing rate at the heart's rate (see
// atHeart): a count of heartbeats over the breath detector's window against
// the heart rate over the ECG's differs by a beat or a few. On corpus7's
// training beds whose label names the overlay, 97 % of the messages lie
// within 5 % of the heart rate, 99 % within 5.7 %; of every forged
// breathing rate on the seven generators' training seeds none lies within
// max(3, 6 %) of it for heartRunMin messages in a row. heartRunMin is one
// message more than a spike (maxSpike); heartHold bounds what a forger who
// writes the heart rate into the breathing rate gains, as beatsHold does.
const (
	heartShare  = 0.06
	heartAbs    = 3
	heartRunMin = maxSpike + 1
	heartHold   = 15 * time.Minute
)

// heartRest is how long a breathing rate must keep off the heart's rate
// before its next run at it is a new episode with a hold of its own: a
// breath detector that loses the cardiac component for a message or a
// minute (a sigh, a movement) and finds it again is the same shallow
// breathing (corpus7's training beds: breaks of 0.1-1 min within a
// labelled overlay, 20-117 min between two). A forger who writes the heart
// rate into the breathing rate is excused for at most heartHold of every
// heartHold+heartRest. heartUnit (seconds) is heartUse's unit: a run spends
// one more than its whole units (a run of 0 s, a burst, spends one).
const (
	heartRest = heartHold
	heartUnit = 10
)

// heartOnset is how long from the first message of its run a breathing rate
// at the heart's rate still witnesses a change of its partners (etCO2, the
// saturation) in excursions: the breaths became shallow or stopped as the
// detector locked onto the heart, and what follows from that (etCO2
// falling as the shallow breaths sample dead space, the saturation
// drifting) shows within a minute or two.
const heartOnset = 2 * time.Minute
