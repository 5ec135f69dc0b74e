package vitals

import "math"

// pulseTrack follows the roughness of the arterial pulse pressure (systolic
// minus diastolic), as track does for a channel's own value (see tooSmooth).
type pulseTrack struct {
	last, last2 float64 // the two previous pulse pressures
	rough       float64 // mean |second difference|, long moving average
	roughNow    float64 // the same over about the last smoothWindow messages
	seen        uint32  // second differences learned from
	present     uint8   // messages in a row with both pressures and no line artefact, up to 255
	anew        bool    // learned anew at a bed turnover, the pressures' levels the last patient's (pulseLevel)
	calm        uint16  // the least rough since it was learned, in 1/calmUnit mmHg (pulseLevel); 0 until then, calmAnew after a turnover
}

// calmUnit is the resolution of pulseTrack.calm: 1/256 mmHg, under a
// hundredth of the least level judged (0.5), up to 255 mmHg in the track's
// two spare bytes (TestStreamSizeClass).
const calmUnit = 256

// pulseSmooth flags an arterial line whose pulse pressure has lost the
// message-to-message variation it had while the pressures keep moving. The
// systolic and the diastolic are the peak and the trough of the same beats,
// read at different points of the waveform: their difference carries the
// beat-to-beat variation of the stroke volume and the breath, and each
// reading's own error, none of which sleep or sedation removes (clean beds
// of the training corpus keep at least 0.38 of its learned roughness over
// two dozen messages, at any cadence). Smoothed pressures lose it together,
// whether each was smoothed alone or the triplet moved as one curve, even
// where rounding leaves each pressure much of its own roughness (session 15,
// docs/vitals.md). Not while the heart rate calmed as far (heartCalmer,
// session 37). line says the message shows a flushed, zeroed or damped
// line, whose values teach nothing.
func (s *stream) pulseSmooth(e *Engine, em *emitter, line bool, dst []Finding) []Finding {
	sys, dia, pp := &s.cur[pARTSys], &s.cur[pARTDia], &s.pulse
	if !sys.ok || !dia.ok || line {
		pp.present = 0
		return dst
	}
	v := sys.v - dia.v
	if pp.present >= 2 {
		d2 := math.Abs(v - 2*pp.last + pp.last2)
		pp.roughNow += (d2 - pp.roughNow) / smoothWindow
		// A bigeminy teaches it nothing: the premature beats' smaller
		// stroke volume makes the pulse pressure jump by the rhythm (a
		// message's systolic depends on how many of them its window
		// caught), and the regular rhythm after it would look too smooth
		// against that. It is judged there all the same (session 19).
		if !s.bigeminy() {
			pp.seen++
			// As for a channel (tooSmooth): an artefact must not teach a
			// roughness the measurement does not have, nor a forgery a calm one.
			learn := d2
			if pp.seen > 2 {
				learn = min(d2, max(4*pp.rough, trackInfo[pARTSys].scale/2))
			}
			if pp.seen < smoothLearn {
				pp.rough += (learn - pp.rough) / float64(pp.seen)
			} else if pp.roughNow >= 0.5*pp.rough {
				pp.rough += (learn - pp.rough) / 256
			}
			pp.noteCalm()
		}
	}
	pp.last2, pp.last = pp.last, v
	if pp.present < math.MaxUint8 {
		pp.present++
	}
	moving := s.tracks[pARTSys].run == 1 || s.tracks[pARTDia].run == 1
	if pp.seen < smoothLearn || int(pp.present) < smoothWindow || pp.rough < 0.5 || !moving || !em.on(rRegular) {
		return dst
	}
	if h := &s.tracks[pHR]; h.rough >= 2*e.cfg.Rules.HRPR.Irregular && !s.noisy(pHR) {
		// Learned in an irregular rhythm (AF: the stroke volume changes
		// from beat to beat), which ends by itself: the pulse pressure calms
		// with the heart rate (as the heart rate's own clause in tooSmooth).
		return dst
	}
	level := s.pulseLevel()
	if s.heartCalmer(pp, level) {
		return dst
	}
	if s.tracks[pARTSys].changeNow < 0.5 && s.tracks[pARTDia].changeNow < 0.5 {
		// Both pressures held most of the time, at their 1 mmHg display
		// step (see tooSmooth): their difference changes only when one of
		// them steps, and its roughness is the steps' (session 19).
		return dst
	}
	if th := pulseSmoothRatio * level; pp.roughNow < th {
		dst = em.add(dst, rRegular, pARTSys, sys.seg, sys.at, pp.roughNow, level, th, "",
			"arterial pulse pressure lost the beat-to-beat variation it had")
	}
	return dst
}

// heartCalmer reports whether the ECG heart rate, present and learned (at
// least half a display step of roughness) and not rough now (noisy), keeps
// no larger share of its learned roughness than the pulse pressure pp keeps
// of level, its learned roughness as pulseLevel caps it. The pulse
// pressure's variation from message to message is the stroke volume's,
// which follows the heart's filling time (the beat-to-beat
// variation of the rate, with the breath) and each reading's error; at a
// cadence of a few seconds the monitor's consecutive readings share most of
// the beats of its averaging window, which leaves the reading's error little
// to add, so in sleep the pulse pressure calms as the heart rate does. A
// line smoothed beside a heart that goes on keeps the heart's roughness and
// is judged (session 37, c6reg37: corpus6 training s1 m0080 at 2 s, asleep,
// the pulse pressure at 0.23-0.25 of its level, the heart rate at 0.16-0.23
// of its own; the forged smooth lines of the training seeds lie beside a
// heart rate that kept its share and stay reported).
//
// Only while the systolic and the diastolic each keep at least
// pulseTogether times the pulse pressure's share of their own roughness:
// readings that share beats move the two together, so their difference
// calms while each keeps its variation (corpus6 training s1 m0080 and s2's
// such bed: the systolic at 2.4-4.9 times the pulse pressure's share, the
// diastolic at 4-5 times). A moving average written over each pressure
// calms the two as far as their difference (about once its share), and the
// heart rate averaged with them calms as far (review37,
// TestAllChannelsAveragedReview37).
func (s *stream) heartCalmer(pp *pulseTrack, level float64) bool {
	h := &s.tracks[pHR]
	if !s.cur[pHR].ok || !h.learnt() || h.rough < 0.5 || s.noisy(pHR) || h.roughNow*level > h.rough*pp.roughNow {
		return false
	}
	for _, q := range [...]param{pARTSys, pARTDia} {
		if t := &s.tracks[q]; t.roughNow*level < pulseTogether*t.rough*pp.roughNow {
			return false
		}
	}
	return true
}

// noteCalm keeps the least roughness the pulse pressure has learned since
// its first smoothLearn messages (see pulseLevel).
func (pp *pulseTrack) noteCalm() {
	if pp.seen < smoothLearn || pp.calm == calmAnew && pp.seen < pulseCapAfter {
		return
	}
	if c := uint16(min(math.Ceil(pp.rough*calmUnit), calmAnew-1)); pp.calm == 0 || c < pp.calm {
		pp.calm = c
	}
}

// forgetCalm forgets the calmest level at a bed turnover that keeps the
// learned one as a prior of the next patient's (a regular rhythm,
// newPatient). The learned level relearns towards the next patient's, but
// its least value is the last patient's, and as a least value it would
// judge the next patient's line for the whole stay and every later one: a
// patient at rest after a calm one, whose line varies four times as much,
// smoothed down to the last one's variation was never reported (review49p,
// TestPulsePressureCalmAcrossTurnover49p). It is taken again once the level
// has had the next patient's messages for three of its time constants, as
// pulseCapAfter waits for the pressures' levels; seen is brought back for
// that count, which nothing else reads above smoothLearn but anew's wait,
// itself over once it reached pulseCapAfter.
func (pp *pulseTrack) forgetCalm() {
	pp.anew = pp.anew && pp.seen < pulseCapAfter
	pp.seen = min(pp.seen, smoothLearn)
	pp.calm = calmAnew
}

// calmAnew marks pulseTrack.calm forgotten at a bed turnover and not yet
// taken again (forgetCalm); no level learned reaches it (255.99 mmHg).
const calmAnew = math.MaxUint16

// pulseLevel is the pulse pressure's learned roughness, at most the sum of
// the systolic's and the diastolic's while both are learned: the second
// difference of a difference is at most the sum of theirs, so the pulse
// pressure varies by no more than its two pressures together. A level above
// that sum was taught by a stretch the pressures have since relearned away:
// the pulse pressure is not relearned while its roughness now is under half
// of its level, and a stretch of cares, crying or motion that rang the line
// (the systolic up as the diastolic goes down, which widens the pulse
// pressure twice as far as it moves either) leaves it a level four to five
// times its calm one, while the pressures, which keep the breath's shared
// swing, come back within half of theirs and relearn (session 48, artreg48:
// corpus8 training s4 m0077, a preterm line at 2 s, the pressures back at
// 1.8 and 1.3 against the pulse pressure's 8.1, TestPulsePressureAfterCares48).
// A line smoothed as a whole calms the pressures with it: their levels stay
// where they were and the sum bounds nothing.
//
// Not while the pulse pressure learns anew after a bed turnover out of AF
// (anew, newPatient) for its first pulseCapAfter messages: it learns
// from the next patient's by a plain mean, the pressures keep the last
// patient's levels and move by a clipped 1/256 a message, so their sum is
// the last patient's, no bound of the next one's; a forgery begun before
// they caught up, which calms each pressure by less than half, is then
// relearned by them and the sum never judged it (review48a,
// TestPulseLevelAfterAFTurnover48a).
//
// Nor above the least level the pulse pressure has learned since its
// first smoothLearn messages (calm, noteCalm). It is relearned only while
// its roughness now is at least half its level, so a long stretch of
// motion, shivering, a bed bath or an infant's cares that rang the line
// lifts the level four to six times and it never comes down; the
// pressures' levels are lifted with it and their sum bounds nothing. At
// rest again the pulse pressure has the roughness it had at rest before,
// a fifth of the lifted level, and was reported for the rest of the stay
// (session 49, ppreg49: corpus8 training s4 m0072, an adult in AF whose
// line rang in shivering, motion and bed baths, at 1.6-1.9 mmHg at rest
// before and after them against a lifted level of 9.6; s4 m0021, s3 m0012,
// s4 m0077; TestPulsePressureRestAfterMotion49). A line smoothed below a
// quarter of what it showed at rest is reported as on a stay without the
// motion (TestPulsePressureSmoothedAfterMotion49).
func (s *stream) pulseLevel() float64 {
	level := s.pulse.rough
	if c := s.pulse.calm; c > 0 && c != calmAnew {
		level = min(level, float64(c)/calmUnit)
	}
	sy, di := &s.tracks[pARTSys], &s.tracks[pARTDia]
	if !sy.learnt() || !di.learnt() || s.pulse.anew && s.pulse.seen < pulseCapAfter {
		return level
	}
	return min(level, sy.rough+di.rough)
}

// pulseCapAfter is how many of its own messages the pulse pressure learns
// anew after a turnover before pulseLevel caps it: its own learning, then
// three time constants of the pressures' 1/256 average, which leave the
// last patient's levels a twentieth of their weight.
const pulseCapAfter = smoothLearn + 3*256

// pulseTogether is the least multiple of the pulse pressure's share of its
// learned roughness that the systolic and the diastolic keep of theirs while
// they move together (heartCalmer): about 1 for pressures averaged each on
// its own, 1.8 and more in the test's sleep, 2.4 and more on corpus6's
// training beds.
const pulseTogether = 1.5

// pulseSmoothRatio is the share of its learned roughness below which the
// pulse pressure is too smooth: clean arterial lines of training seeds 1–20
// and 45 fall to 0.38 over two dozen messages (a sleeping patient on a
// vasopressor at one message a minute), the next lowest to 0.46.
const pulseSmoothRatio = 0.25

// bigeminy reports whether a pulse rate (SpO2 or invasive) is at a
// bigeminy's share of the ECG heart rate (see deficitRatio): every other
// beat is premature and barely perfused.
func (s *stream) bigeminy() bool {
	hr := &s.cur[pHR]
	if !hr.ok {
		return false
	}
	for _, p := range [...]param{pPR, pPRInv} {
		if c := &s.cur[p]; c.ok && deficitRatio(c.v, hr.v) {
			return true
		}
	}
	return false
}
