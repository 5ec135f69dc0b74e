package vitals

import (
	"math"
	"slices"
	"time"
)

// stepMin is the smallest sustained, abrupt shift of a parameter that
// rate_of_change judges as a step, in base units, for the parameters whose
// steps the excursion checks judge (track.go): a shift a clinician would
// call a change of state rather than noise (a breathing rate 10/min, etCO2
// 8 mmHg, about 1 kPa). Zero: not judged this way: the arterial pressures,
// which a vasopressor moves by 20–40 mmHg within a minute, are judged from
// the excursion threshold only.
var stepMin = [numParams]float64{
	pRR:    8,
	pEtCO2: 8,
}

// stepNoise is how many times its own mean change between messages a shift
// must be to be followed as an abrupt step: a measurement's noise alone
// does not jump that far in one message and then stay there.
const stepNoise = 4

// stepFloor is the smallest abrupt shift of p from its baseline b that is
// followed as a possible step: stepMin, four times the channel's own noise
// between messages, and for a breathing rate 25 % of the level (a neonate
// at 50/min changes pace by more than an adult at 14). +Inf for the
// parameters judged otherwise.
func (t *track) stepFloor(p param, b float64) float64 {
	if stepMin[p] == 0 {
		return math.Inf(1)
	}
	f := max(stepMin[p], stepNoise*t.noise)
	if p == pRR {
		f = max(f, 0.25*math.Abs(b))
	}
	return f
}

// flushBelow is the arterial pressure, in mmHg, from which a flat line, or
// a systolic and a diastolic both, are read as the flush bag's pressure
// (about 300 mmHg), not the patient's: no circulation has a diastolic
// pressure of 200 mmHg (malignant hypertension's reach about 140-150).
const flushBelow = 200

// flushed reports an arterial line flushed at the bag pressure: systolic,
// diastolic and mean flat (lineArtefact) at flushBelow or more, or the
// systolic and the diastolic both there however far apart. A monitor
// reports the extremes and the mean of the pressure over its averaging
// window (several beats): a fast flush that fills most of the window
// raises all three toward the bag pressure, but how close together they end
// depends on how much of the window it filled and on the vendor's averaging
// (306/269/288 as well as 300/300/300; session 15, the second blind
// generator). The systolic is the window's peak: a diastolic at the bag's
// pressure under a systolic that is not is no flush. A flat line at a
// pressure a patient can have is judged by damped, which asks whether the
// mean stayed where it was (a diastolic pulled up to the systolic is not an
// artefact).
//
// Below flushBelow a flush is still told by its diastolic: one at flushDia
// or more under a systolic within flushNarrow of it is the bag's pressure
// held over most of the window (204/192/196, 198/190/193: the third blind
// generator's fast flushes, session 19). No circulation has that diastolic,
// and a hypertensive pressure that reached it would keep its pulse (a
// forged rise of 75 mmHg on 180/110 is 255/185).
func (s *stream) flushed() bool {
	sys, dia, mean := &s.cur[pARTSys], &s.cur[pARTDia], &s.cur[pARTMean]
	if !sys.ok || !dia.ok {
		return false
	}
	if dia.v >= flushDia && sys.v-dia.v <= flushNarrow*sys.v {
		return true
	}
	return sys.v >= flushBelow && (dia.v >= flushBelow || lineArtefact(sys.v, dia.v, mean.v, mean.ok)) || s.flushedPart()
}

// flushPeak is the arterial systolic, in mmHg, from which a window whose
// mean lies far above a beat's is read as a fast flush in part of it
// (flushedPart): the bag's 300 mmHg reached, a systolic no circulation with
// a diastolic at its own level has.
const flushPeak = 250

// flushShare is the share of the pulse pressure above the diastolic from
// which an arterial mean is no beat's (flushedPart): a pressure waveform's
// mean lies about a third of the way from its diastolic to its systolic
// (form factor 0.3-0.4), a window half filled by the bag's pressure puts it
// about half way.
const flushShare = 0.45

// flushDiaKept is how far, in mmHg (or 20 % of the level, whichever is
// larger), the diastolic of a window partly filled by a fast flush may lie
// from the line's baseline (flushedPart).
const flushDiaKept = 12

// flushedPart reports a fast flush that filled part of the monitor's
// averaging window (session 29, c5clean29): the window's peak is the bag's
// pressure (systolic at flushPeak or more), its trough still a diastole of
// the patient's beats (the diastolic within max(flushDiaKept, 20 %) of the
// line's baseline) and its mean the average of both: at least flushShare of
// the way from the diastolic to the systolic, below the systolic. A square
// wave test held for a second or two of a 5-10 s window does this
// (288/54/168 where the line read 100/49/69). A forged systolic raised
// alone leaves the mean at a beat's share, and a forged triplet raised as
// one lifts the diastolic too.
func (s *stream) flushedPart() bool {
	sys, dia, mean := &s.cur[pARTSys], &s.cur[pARTDia], &s.cur[pARTMean]
	if !mean.ok || sys.v < flushPeak || mean.v >= sys.v || mean.v-dia.v < flushShare*(sys.v-dia.v) {
		return false
	}
	b, ok := s.tracks[pARTDia].baseline()
	return ok && math.Abs(dia.v-b) <= max(flushDiaKept, 0.2*b)
}

// flushDia is the arterial diastolic pressure, in mmHg, from which a
// narrow pulse (flushNarrow) is read as a flush (see flushed): above the
// 140-150 of malignant hypertension.
const flushDia = 160

// flushNarrow is the widest pulse pressure, as a share of the systolic,
// of a flush read by its diastolic (flushed).
const flushNarrow = 0.12

// arterial reports whether p is one of the arterial line's pressures.
func arterial(p param) bool { return p == pARTSys || p == pARTDia || p == pARTMean }

// partnerNoise is how many times its own mean change between messages a
// related channel must move to corroborate another channel's excursion.
// A heart rate in atrial fibrillation scatters by 10–20 beats from one
// message to the next, a neonate's saturation by several points: such a
// channel is always a third of its scale from its median somewhere in a
// few messages, and that says nothing about the patient's state. A change
// of state moves a related channel beyond its own scatter.
const partnerNoise = 3

// ownScatter is the move beyond which the channel's own noise between
// messages no longer explains a departure from its baseline (see
// partnerNoise); 0 while the noise is being learned.
func (t *track) ownScatter() float64 {
	if t.noiseN < 32 {
		return 0
	}
	return partnerNoise * t.noise
}

// learnNoise averages one change between messages outside excursions into
// the channel's noise: a plain mean over the first 32, then a moving
// average, so the first minutes of a monitor are not judged against a
// noise of zero.
func (t *track) learnNoise(d float64) {
	if t.noiseN < 32 {
		t.noiseN++
	}
	t.noise += (d - t.noise) / float64(t.noiseN)
}

// zeroedBelow is the arterial pressure, in mmHg, below which the line is
// read as zeroed to atmosphere: no circulation has a systolic pressure this
// low, nor a beating heart a mean pressure this low (a stopped heart's mean
// is the mean filling pressure, around 7-10 mmHg).
const zeroedBelow = 15

// atmosphere is the diastolic pressure, in mmHg, below which the trough of
// the window is read as the air's: a transducer open to it reads 0 within a
// few mmHg of noise and zero offset.
const atmosphere = 5

// zeroed reports an arterial line zeroed to atmosphere: its systolic below
// zeroedBelow, or its diastolic at the atmosphere's 0 with its mean below
// zeroedBelow. Open to the air the transducer reads 0 with its noise, but
// the monitor's averaging window may still hold the last beat before the
// stopcock turned as its peak: 18/1/7 (the second blind generator, session
// 15) is a zeroing, not a pressure. A pressure sent in kPa and labelled
// mmHg keeps its shape, its trough well above 0 (120/70/85 reads 16/9/11),
// and a mean forged low under a diastolic that stays is no zeroing either.
// The mean is the one measured, else the one computed. A neonate's line
// sent in kPa and labelled mmHg is lower still (70/34/48 reads 9/5/6), below
// zeroedBelow, but its trough keeps the patient's ratio to its peak, each
// the line's own level divided by 7.5: pressures that are the line's levels
// converted to another pressure unit (artRelabel, artConverted) are no
// zeroing (session 35, c6line35), while the air's 0 bears no ratio to them.
func (s *stream) zeroed() bool {
	sys, dia, mean, _ := s.artPulse()
	if sys == nil {
		sys := &s.cur[pARTSys]
		return sys.ok && sys.v < zeroedBelow
	}
	return !s.artRelabel && (sys.v < zeroedBelow || dia.v < atmosphere && mean < zeroedBelow)
}

// damped reports an arterial trace with a pulse pressure below a quarter
// of its mean pressure (at least 12 mmHg): damping (air, a clot, a kinked
// catheter, the narrow trace after zeroing) narrows the pulse around an
// unchanged mean: the systolic below its baseline, the diastolic not
// below its own, the mean within a third of its scale of its baseline.
// Its values are the waveform's shape, not the patient's pressure. The
// baseline is not updated while damped, so a damped start cannot become a
// level that later values are measured against. A line shut off from the
// artery (lineShut: flat, in a waveform's order, beside a counted pulse)
// shows no patient pressure either and is reported here too.
func (s *stream) damped() bool {
	sys, dia, mean, narrow := s.artPulse()
	if sys == nil {
		return false
	}
	if s.zeroed() {
		return true
	}
	if !narrow {
		return false
	}
	if s.lineShut(sys.v, dia.v) {
		return true
	}
	// Damping pulls the systolic down toward an unchanged mean (the
	// diastolic rises or stays); a diastolic pulled up
	// to the systolic (a forgery) leaves the systolic and raises the mean.
	bs, oks := s.tracks[pARTSys].baseline()
	bd, okd := s.tracks[pARTDia].baseline()
	if !oks || !okd {
		return true
	}
	converged := sys.v <= bs-3 && dia.v >= bd-3
	b, ok := s.tracks[pARTMean].baseline()
	return converged && (!ok || !s.cur[pARTMean].ok || math.Abs(mean-b) < trackInfo[pARTMean].scale/3)
}

// lineShut reports an arterial line shut off from the artery (session 34,
// c6clean34): the systolic, the diastolic and the mean flat together
// (lineArtefact, below flushBelow) while the oximeter counts a pulse. A
// heart whose beats reach the finger ejects a pulse pressure into every
// artery; even a shocked circulation at a mean of 30 mmHg keeps a pulse
// pressure of 10 mmHg or more, wider than lineArtefact's flat line. A transducer that reads no pulse at all beside a counted
// pulse sees no artery: the stopcock turned to the sampling port while
// blood is drawn (18/17/18 or 36/34/35 where the patient read 108/59/77,
// the monitor then sending no arterial pulse rate), a closed or clotted
// line. Its values are the closed circuit's pressure, not the patient's.
// A forged arterial level keeps a pulse pressure (a shift moves the three
// together), and a flat line at the patient's mean is damped's to judge. The
// three are the peak, the trough and the mean of one waveform over the
// monitor's window, ordered by construction even when flat: a flat triplet
// out of that order (55/57/58, corpus5 training s2 m0023: a systolic forged
// down onto the diastolic) was written, not measured, and is judged.
//
// A line shut off reads the closed circuit's pressure (the flush bag, the
// syringe, the stopcock's dead space): one level for all three, bearing no
// ratio to the patient's. Pressures that are the line's own levels
// converted to another pressure unit of the unit table (artRelabel:
// 100/55/70 written in kPa and labelled mmHg reads 13/7/9, flat, ordered,
// beside a counted pulse) keep the patient's systolic to diastolic ratio
// and are a relabel, not a shut line (session 34, c6shut34): they are
// judged as before.
func (s *stream) lineShut(sys, dia float64) bool {
	m, pr := &s.cur[pARTMean], &s.cur[pPR]
	ordered := dia <= sys && (!m.ok || dia <= m.v && m.v <= sys)
	return ordered && !s.artRelabel && pr.ok && pr.v > 0 && sys < flushBelow && lineArtefact(sys, dia, m.v, m.ok)
}

// artRound is the slack, in the declared unit, that artConverted allows
// beside unitJump's 10 %: a monitor sends whole numbers, and a neonate's
// diastolic of 34 mmHg in kPa is 4.53, sent as 5 (10.3 % off).
const artRound = 0.5

// artConverted reports arterial pressures that are each the line's own
// level converted to another pressure unit (unitJump, within 10 %): the
// systolic and the diastolic both (the mean too when sent), each against
// its baseline, else its previous value, allowing the rounding of a whole
// number sent (artRound), with the pulse pressure's share of the systolic
// kept (within 10 %, and the rounding of the two numbers it is the
// difference of). A mislabelled unit divides or multiplies all three by
// one factor, so the pair keeps the patient's ratio: 118/75 in kPa reads
// 16/10, a pulse pressure of 36 % of the systolic, as the patient's. A
// closed circuit's flat line has no pulse pressure, whatever level it
// lands on: 13/11/12 beside a patient at 110/71/86 (corpus6 training s1
// m0028, blood drawn) lies within reach of 110 and 71 divided by 7.5, but
// keeps 15 % of its systolic as a pulse where the patient had 35 %. A few
// comparisons per message, no state.
func (s *stream) artConverted(e *Engine) bool {
	var base [3]float64
	for i, p := range [...]param{pARTSys, pARTDia, pARTMean} {
		c := &s.cur[p]
		if !c.ok {
			if p == pARTMean {
				continue
			}
			return false
		}
		b, ok := s.tracks[p].baseline()
		if !ok {
			if !s.prev[p].ok {
				return false
			}
			b = s.prev[p].v
		}
		if !s.unitJumpWithin(e, p, b, c.v, artRound) {
			return false
		}
		base[i] = b
	}
	sys, dia := s.cur[pARTSys].v, s.cur[pARTDia].v
	if base[0] <= 0 {
		return false
	}
	// The pulse pressure a relabel keeps: the patient's share of the
	// systolic, on the systolic sent. The slack is two roundings, in
	// mmHg per unit sent.
	want := sys * (base[0] - base[1]) / base[0]
	slack := 2 * artRound * e.t.canon[s.cur[pARTSys].unit].scale
	return math.Abs(sys-dia-want) <= 0.1*math.Abs(want)+slack
}

// For dampChanged: dampDia is the least share of the systolic's change
// that the diastolic's, the other way, must be; dampMean the largest share
// of the change in pulse pressure that the mean may have moved by.
const (
	dampDia  = 0.2
	dampMean = 0.2
)

// dampChanged reports whether the arterial line's damping changed in this
// message, and remembers the pulse pressure a narrowing left (openPP): the
// systolic and the diastolic moved toward each other (an over-damped line:
// air, a clot, a soft or kinked catheter) or apart back to no wider than
// the line's pulse before it narrowed (its end: the line flushed, the
// bubble or the clot cleared), the diastolic by at least dampDia of the
// systolic's change and beyond its own scatter (at least 2 mmHg), while the
// mean moved by at most dampMean of the change in pulse pressure (from its
// previous value or from its baseline). Damping changes how the transducer
// renders the pressure wave, not the pressure: the systolic under-reads,
// the diastolic over-reads, and the mean, the wave's area, stays (106/60/78
// to 93/66/77 and back to 108/60/78 over 21 minutes, corpus3 training seed
// 3 m0030). Moderate damping keeps a pulse pressure wider than damped's
// narrow one, so its values are judged, but the jump into it and out of it
// is the line's, not a step or a box of the patient's pressure. A pressure
// a patient or a forger changes moves the mean with it (a vasopressor, an
// offset added to the triple, a systolic raised with a third of it on the
// mean) and the diastolic the same way or not at all; a pulse widened
// beyond what the line had before it narrowed is no damping clearing
// (session 20, review20: a systolic raised 30 with the diastolic lowered 8
// around a kept mean). Called once per message (values).
func (s *stream) dampChanged() bool {
	sys, dia, mean, _ := s.artPulse()
	ps, pd, pm := &s.prev[pARTSys], &s.prev[pARTDia], &s.prev[pARTMean]
	if sys == nil || !ps.ok || !pd.ok {
		return false
	}
	before := (ps.v + 2*pd.v) / 3 // the mean the same way as now: measured in both, else computed
	if s.cur[pARTMean].ok && pm.ok {
		before = pm.v
	} else {
		mean = (sys.v + 2*dia.v) / 3
	}
	ds, dd := sys.v-ps.v, dia.v-pd.v
	if ds*dd >= 0 || math.Abs(dd) < max(2, dampDia*math.Abs(ds), s.tracks[pARTDia].ownScatter()) {
		return false
	}
	// The mean stayed: where it was in the previous message or, that one
	// off by its own noise, where its recent values lie.
	dm := math.Abs(mean - before)
	if b, ok := s.tracks[pARTMean].baseline(); ok && s.cur[pARTMean].ok {
		dm = min(dm, math.Abs(mean-b))
	}
	if dm > dampMean*math.Abs(ds-dd) {
		return false
	}
	pp, pp0 := sys.v-dia.v, ps.v-pd.v
	if pp < pp0 { // narrowing: remember the pulse it left
		if s.openPP == 0 {
			s.openPP = float32(pp0)
		}
		return true
	}
	open := float64(s.openPP)
	if open == 0 {
		open = s.slowlyNarrowed(pp0, sys.v, dia.v)
	}
	if open == 0 || pp > open+max(3, 0.1*open) {
		return false
	}
	if pp >= open-max(3, 0.1*open) {
		s.openPP = 0 // the line is open again
	}
	return true
}

// dampSlow is the largest share of the line's widest pulse pressure in the
// last hour that a pulse pressure may keep and still be taken for a trace
// damped since (slowlyNarrowed).
const dampSlow = 0.75

// slowlyNarrowed returns the pulse pressure an arterial line had before a
// damping that narrowed it too slowly to see in any one message (session
// 35, c6line35), or 0: the widest of its 5-min means of the systolic less
// those of the diastolic over the last hour (drift_return's levels), when
// the pulse pressure before this message, pp0, is at most dampSlow of it.
// Air or a clot gathering in the tubing damps a trace over minutes to an
// hour, the systolic sinking and the diastolic rising a mmHg at a time
// around a kept mean, and a flush clears it in one message: 82/49/63 to
// 108/39/64 after 35 minutes (corpus6 training s3 m0040, whose pulse had
// been 70 before). dampChanged asks for the pulse the line had before it
// narrowed; a narrowing seen in one message remembers it (openPP), a slow
// one leaves it in these levels. Damping keeps the mean, so only a level
// whose mean lies within a third of its scale of the mean now (as damped
// asks) is a pulse the damping narrowed: a pulse the patient narrowed (a
// hypertension treated, the systolic and the mean falling together,
// 165/70/102 to 120/70/87) is no damping, and a pulse widened back from it
// around a kept mean was written (review35b,
// TestArterialNarrowedByThePatientThenWidened35b). The mean is the measured
// one when both it and its levels are of the same spans as the systolic's,
// else computed from the systolic and the diastolic on both sides. A pulse
// widened beyond what the line had in the last hour, or one widened from a
// line that never narrowed, is still no damping clearing. At most
// retraceBuckets levels read, on a widening around a kept mean only.
func (s *stream) slowlyNarrowed(pp0, sys, dia float64) float64 {
	rs, rd := &s.retrace[slices.Index(tracked[:], pARTSys)], &s.retrace[slices.Index(tracked[:], pARTDia)]
	if rs.nl == 0 || rs.nl != rd.nl || rs.head != rd.head {
		return 0 // the two pressures' levels are not of the same spans
	}
	rm, m := &s.retrace[slices.Index(tracked[:], pARTMean)], &s.cur[pARTMean]
	measured := m.ok && rm.nl == rs.nl && rm.head == rs.head
	now := (sys + 2*dia) / 3
	if measured {
		now = m.v
	}
	wide := 0.0
	for i := range int(rs.nl) {
		then := (rs.bucket(i) + 2*rd.bucket(i)) / 3
		if measured {
			then = rm.bucket(i)
		}
		if math.Abs(then-now) < trackInfo[pARTMean].scale/3 {
			wide = max(wide, rs.bucket(i)-rd.bucket(i))
		}
	}
	if pp0 > dampSlow*wide {
		return 0
	}
	return wide
}

// hrAlone judges a pulse deficit that has persisted: did it begin with the
// ECG heart rate leaving its level (by 60 % of the deficit) while the pulse
// rate q stayed (within 25 %)? Then the ECG channel moved alone and no
// arrhythmia allowance applies (1). Did the pulse rate leave its level by
// 60 % of the deficit? Then it is the pulse channel that moved, as in a
// bigeminy's onset (-1); -2 when the heart rate left its level the same way
// by 60 % of the deficit as well: both sensors saw the rate change, an
// arrhythmia's onset (AF with a fast ventricular response lifts both, the
// pulse by less: its shortest beats are not perfused), not one channel
// edited (session 36, c6hrpr36; see hrpr, which allows it only while the
// heart rate is rough now, roughNow: review36c). Otherwise it is not decided yet (0: a heart rate
// drifting away is judged again with the next message). The levels are the
// smoothed ones before the disagreement and now, so one irregular beat does
// not decide, and a decision is kept for the disagreement's life: a heart
// rate that later climbs (a tachycardia on top of a bigeminy) does not turn
// a pulse deficit into a forged channel.
func (s *stream) hrAlone(hr0, pr0 sample, q param, deficit float64) int8 {
	hr, pr := s.smooth[pHR], s.smooth[q]
	if !hr0.ok || !pr0.ok || !hr.ok || !pr.ok {
		return 0
	}
	switch dh, dp := math.Abs(hr.v-hr0.v), math.Abs(pr.v-pr0.v); {
	case dh >= 0.6*deficit && dp <= 0.25*deficit:
		return 1
	case dp >= 0.6*deficit && dh >= 0.6*deficit && (hr.v-hr0.v)*(pr.v-pr0.v) > 0:
		return -2
	case dp >= 0.6*deficit:
		return -1
	}
	return 0
}

// newPatient forgets the excursion baselines after a bed turnover: the
// next patient's levels are not steps from the last one's. irr is
// hr_pr_agreement's irregular.
func (s *stream) newPatient(irr float64) {
	for p := range s.tracks {
		t := &s.tracks[p]
		t.nb, t.bi, t.exN, t.undoOK = 0, 0, 0, false
	}
	s.boxes = [len(boxed)]box{}
	s.left = leftLevel{}              // nor is the level the last patient's rate left one to come back to
	s.cuff = cuffPair{}               // the next patient's cuff sits elsewhere on another artery
	s.vent = ventState{}              // nor is the next patient on the same ventilator settings
	s.sat = satQuiet{}                // nor does the next patient's saturation scatter as the last one's
	s.curves = [numParams]curveRuns{} // nor do the next patient's channels curve as the last one's
	clear(s.pend[:])                  // nor is a step waiting for what follows (slowFall) the next patient's
	s.openPP = 0                      // nor is the next patient's arterial line the last one's
	s.levelAt = 0                     // nor its transducer's height
	s.lineStep = 0                    // nor a height its line was reported at
	s.shape = artShape{}              // nor its waveform
	s.cuffHeld &= cuffStill           // nor is a step held for a cuff on the line's arm the next patient's (its excursion is forgotten below)
	s.form = cuffForm{}               // nor the next patient's cuff its form factor
	s.rrSince = 0                     // nor is the next baby's first breathing its pace (neoRRWarming)
	s.beatsFrom = 0                   // nor a run of counted heartbeats the next patient's (beatsCounted)
	s.heartN, s.rrFrom = 0, 0         // nor a breathing rate at the heart's (rrAtHeart)
	s.rrOpen = false                  // nor a window it opened
	s.rrStep = false                  // nor a breathing-rate step it withheld (overlayStep)
	s.tracks[pRR].highHeld = 0        // nor a value above the range it held
	s.held = witnessState{}           // nor do the next patient's heart and pulse rates differ and scatter as the last one's, nor is the last one's re-entrant rhythm theirs (review36b)
	// Nor do the heart and pulse rates disagree as the last patient's did,
	// nor is the last one's heart-rate series or roughness the next one's
	// rhythm (turnover39): a disagreement open at the last message would
	// go on with its AF onset seen (af) and its levels, and the last
	// patient's AF roughness opened the deficit allowance for about 20
	// messages (review36c). The series starts anew as after a gap in the
	// heart rate; the roughness is learned anew from the next patient's
	// samples, as at a stream's start (learnRough), so that too_regular
	// does not judge the new rate against the old one's.
	s.disagree = [2]disagreement{}
	s.pvcFed = 0 // nor were the last patient's ectopic beats the next one's (see pvcFeeds)
	s.hrN, s.eqN, s.hrAbove = 0, 0, 0
	if s.tracks[pHR].rough >= 2*irr {
		// Nor is the arterial pulse pressure's roughness, learned beside
		// an irregular rhythm (AF's beat mix scatters the stroke volume),
		// the next patient's: pulseSmooth did not judge it while the heart
		// rate's roughness was the AF's, which is forgotten below
		// (review39b, TestTurnoverLineAfterAF). It is learned anew, as at
		// a stream's start. One learned beside a regular rhythm is kept
		// and judged, as before turnover39. Not capped by the pressures'
		// levels, the last patient's, until they relearn (pulseLevel).
		s.pulse = pulseTrack{anew: true}
	} else {
		s.pulse.forgetCalm() // nor is its calmest level the next patient's (review49p)
	}
	hrRough := max(s.tracks[pHR].rough, 0.5) // before it is forgotten below
	s.tracks[pHR].forgetRough()
	// Nor is a pulse rate's roughness the last patient's when it learned
	// more than pulseOwnRough times the heart rate's (turnover39b): that is
	// motion or crying the sensor alone counted (pulseReadingRough), not the
	// beats'. A crying newborn teaches the oximeter's pulse rate 15-22 times
	// the heart rate's roughness, and too_regular (b) judged the next baby
	// asleep against it (TestTurnoverNewbornAsleep: 8 of 12 seeds). Such a
	// pulse rate learns its roughness anew as the heart rate does, without
	// the step across the turnover, its own (b) waiting for smoothLearn of
	// the next patient's samples as on a fresh stream. An adult's pulse rate
	// (1.0-1.8 times the heart rate's in the turnover tests) keeps its level,
	// a fair prior of the next adult's, which (b) and (c) read.
	for _, p := range [...]param{pPR, pPRInv} {
		if s.tracks[p].rough > pulseOwnRough*hrRough {
			s.tracks[p].forgetRough()
		}
	}
	for _, p := range [...]param{pARTSys, pARTDia, pARTMean} {
		// Nor are the next patient's arterial pressures a change of the
		// last one's line (dampChanged, levelled, cvpMoved), nor the last
		// one's levels of the hour the pulse its line had before a damping
		// (slowlyNarrowed; review35b): its levels start anew, as at a
		// zeroing, their scatter the sensor's and kept.
		s.prev[p].ok = false
		s.retrace[slices.Index(tracked[:], p)].forgetLevels()
	}
	// Nor are the last patient's temperature levels the hour the next
	// patient's probe came off from (probeBack's held, probeFell's fall;
	// review41c, TestReview41cTurnoverLevels): an admission inside a short
	// silence kept them, and a fall between the two patients' levels and the
	// last one's higher level excused the next one's slow ramp and its jump
	// back. Its scatter is the probe's and stays.
	s.retrace[slices.Index(tracked[:], pTemp)].forgetLevels()
}

// backToBaseline reports whether the current value of p is within tol of
// its baseline (the median of its recent values outside excursions): a
// jump from an artefact (a motion dip of the saturation, a miscounted
// pulse) back to the patient's level is a recovery, not a step.
func (s *stream) backToBaseline(p param, tol float64) bool {
	b, ok := s.tracks[p].baseline()
	return ok && math.Abs(s.cur[p].v-b) < tol
}

// lockstep follows the difference between the pulse rate and the heart
// rate during a disagreement. Two sensors (the ECG and the plethysmograph
// or the arterial line) count beats independently, each with its own
// noise: in a bigeminy the pulse is about half the heart rate and follows
// it proportionally, in AF the deficit varies beat to beat. A pulse rate
// that is the heart rate minus the same number, sample after sample, while
// the heart rate moves, was computed from it, not measured.
type lockstep struct {
	d, hr   float64 // the previous difference and heart rate
	pd, dv  float32 // the previous difference outside bigeminy; the sum of |changes| of it (see vary)
	n, move uint8   // samples in a row with the same difference; of them, with the heart rate changed
	nv      uint8   // changes summed in dv
	vp      bool    // pd is set
	d0      float32 // the difference's change into the disagreement's first sample from the message just before, -1 unknown (see jumpsTogether)
}

// Samples in a row with one difference, and heart-rate changes among them,
// that make a pulse rate derived from the heart rate.
const (
	lockSamples = 6
	lockMoves   = 3
)

func (l *lockstep) see(d, hr float64) {
	if l.n > 0 && d == l.d {
		l.n = min(l.n, 254) + 1
		if hr != l.hr {
			l.move = min(l.move, 254) + 1
		}
	} else {
		l.n, l.move = 1, 0
	}
	l.d, l.hr = d, hr
}

// derived reports a pulse rate locked to the heart rate at a fixed offset
// since the disagreement's first sample (of total), or for twice
// lockSamples. A pulse computed from the heart rate keeps its offset from
// the message it is computed in; a measured pulse keeps its sensor's noise,
// and a quiet one (a sedated bigeminy, the heart rate flickering by a beat)
// repeats one difference six times by chance after differences that varied
// in the same disagreement (session 13: 61/33 to 62/34 after 500 varied
// samples, a clean bed of training seed 48), rarely twelve times.
func (l *lockstep) derived(total int) bool {
	return l.n >= lockSamples && l.move >= lockMoves && (int(l.n) >= total || l.n >= 2*lockSamples)
}

// vary follows how much the difference d changes between the samples of a
// disagreement; a bigeminy sample (a pulse at 40–65 % of the heart rate) is
// another rhythm and starts it anew.
func (l *lockstep) vary(d float64, bigeminy bool) {
	switch {
	case bigeminy:
		l.dv, l.nv, l.vp = 0, 0, false
		return
	case l.vp && l.nv < 255:
		l.dv += float32(math.Abs(d - float64(l.pd)))
		l.nv++
	}
	l.pd, l.vp = float32(d), true
}

// varies reports whether the difference changed by at least lim bpm on
// average over at least three changes: the deficit of AF varies beat to
// beat, as the ventricles fill more or less and the pulse loses more or
// fewer beats; an offset added to one channel keeps the two sensors' noise.
func (l *lockstep) varies(lim float64) bool {
	return l.nv >= 3 && float64(l.dv) >= lim*float64(l.nv)
}

// held reports a difference that changed by less than lim bpm on average
// over at least three changes: a deficit held while the heart rate varies.
// A neonate's heart rate varies by itself as much as irregular asks (at a
// 60 s cadence), and AF is all but unknown in neonates: an irregular
// neonatal heart rate with a deficit that varies as much is a crying or
// moving baby's plethysmograph miscounting, while a pulse rate held 36
// below it is the heart rate counted again minus a number (session 24,
// hrpr24; corpus2 training seeds 5 and 9).
func (l *lockstep) held(lim float64) bool {
	return l.nv >= 3 && !l.varies(lim)
}

// steady reports whether a pending rate_of_change step held a level: its
// values since the step spread over less than 40 % of the step threshold
// th or a quarter of the step, whichever is larger. A changed rate, real
// or forged, settles at its new level; motion scatters a plethysmographic
// pulse rate or saturation over tens of units from one message to the
// next, which is an artefact, not a step.
func (pd *step) steady(th, v float64) bool {
	return pd.hi-pd.lo < max(0.4*th, 0.25*math.Abs(v-pd.pre))
}

// disagreement is the state of hr_pr_agreement for the heart rate and one
// pulse rate.
type disagreement struct {
	since    time.Time
	n        int
	hr, pr   sample  // smoothed levels before the disagreement began
	alone    int8    // the ECG channel moved alone: 0 not judged yet, 1 yes, -1 no, -2 no: both rates moved together (see hrpr), -3 no: AF's deficit widened (see afWidens), -4 no: AF's deficit wandered (see afWanders)
	mid      float32 // the pulse deficit's level over the last few minutes, kept across disagreements (see learnLag; kept here, in padding)
	locked   lockstep
	fol      follow    // the pulse's slope on the heart rate over the bigeminy samples (see follow)
	sh       share     // the pulse's mean share of the heart rate over the disagreement (see share)
	levels   bool      // the heart rate had a level before the disagreement (hrAlone can judge)
	af       bool      // an irregular rhythm began with the disagreement (see onset)
	within   bool      // the disagreement began from a deficit already there, by less than the limit (see withinAF)
	perfused bool      // it began beside ectopic beats the pulse had counted: no PVC allowance (see pvcFeeds)
	lag      float32   // the pulse deficit's slow level, kept across disagreements (see learnLag; kept here, in padding)
	un       int       // samples in a row that no allowance explains (see unexplained)
	unAt     time.Time // arrival of the first of them
}

// levelSamples is how many heart-rate samples in a row make a level that
// a disagreement can be said to have left: at a monitor's first messages
// (an AF patient connected mid-rhythm) there is none.
const levelSamples = 5

// unexplained counts the samples of a disagreement that no allowance
// (bigeminy, AF, a disturbed plethysmograph) explains and reports whether
// they have persisted for the persistence time and samples in a row. An
// explained sample starts the count anew: a long bigeminy or AF deficit is
// allowed, and one beat counted outside the allowance (a pulse at 66 % of
// the heart rate, a deficit of 52 in AF, a motion artefact flipping the
// difference's sign) is not a disagreement that persisted; a forged pulse
// rate keeps its offset message after message.
func (dg *disagreement) unexplained(explained bool, arrival time.Time, hc *HRPRRule) bool {
	if explained {
		dg.un = 0
		return false
	}
	if dg.un++; dg.un == 1 {
		dg.unAt = arrival
	}
	return dg.un >= hc.MinSamples && arrival.Sub(dg.unAt) >= hc.Persist
}

// pulseDisturbed reports a plethysmograph disturbed by motion or poor
// perfusion: the SpO2 pulse rate q while the saturation it comes with lies
// away from its baseline by a third of its scale and four times its own
// noise between messages. Motion scatters both values of the oximeter at
// once; a forged pulse rate leaves the saturation where it was. The
// arterial pulse rate has no such witness.
func (s *stream) pulseDisturbed(q param) bool {
	c, t := &s.cur[pSpO2], &s.tracks[pSpO2]
	if q != pPR || !c.ok {
		return false
	}
	b, ok := t.baseline()
	return ok && math.Abs(c.v-b) >= max(trackInfo[pSpO2].scale/3, stepNoise*t.noise)
}

// plethSettle is how many messages after a disturbance of the oximeter a
// saturation step is still its recovery (at least; see plethSettling).
const plethSettle = 3

// notePleth counts the messages since the oximeter was last disturbed:
// its pulse rate above the ECG heart rate by more than lim (never a
// circulation's), or jumping by more than lim in one message while the
// heart rate moved less than half as much, or the two counts agreeing
// again (within lim) after a message in which they were apart by more than
// lim, with the saturation off its level, outside an irregular rhythm
// (median change of the heart rate below irregular). Motion and poor perfusion
// scatter the plethysmograph's pulse rate and pull its saturation down
// together; the saturation's jump back when it settles is a recovery, not
// a step. plethOwn counts the same without the heart rate's own departures
// beneath a pulse rate that kept its level (heartLeft; see ownSince), and
// plethDip the messages since the saturation was pulled below its level
// (satPulled; see dipSince).
func (s *stream) notePleth(lim, irregular float64, arrival time.Time) {
	hr, pr, hp, pp := &s.cur[pHR], &s.cur[pPR], &s.prev[pHR], &s.prev[pPR]
	s.plethWas = s.plethOK
	if hr.ok && pr.ok {
		over := hr.v-pr.v > lim && s.heartLeft(lim)
		if !over && s.ecgOver {
			s.artAt = uint32(arrival.Unix())
		}
		s.ecgOver = over
		s.ecgAlone.note(math.Abs(hr.v-pr.v) > lim && s.heartLeft(lim) && !s.irregular(irregular))
	} else {
		s.ecgAlone.note(false)
	}
	disturbed, own := false, false
	if hr.ok && pr.ok {
		disturbed = pr.v-hr.v > lim
		own = disturbed && !s.heartLeft(lim)
		if hp.ok && pp.ok {
			dp, dh := math.Abs(pr.v-pp.v), math.Abs(hr.v-hp.v)
			own = own || (dp > lim && dh < dp/2)
			disturbed = disturbed || (dp > lim && dh < dp/2)
			// A miscount that ends: the two sensors count one heart, and
			// in a regular rhythm a disagreement of more than lim in the
			// previous message that is gone in this one was one of them
			// thrown off (motion jolts the ECG as well as the probe, so it
			// may be either); with the saturation off its level now, a
			// jump of it is the burst's end. A forged saturation leaves
			// the two counts together; a forged heart rate leaves the
			// saturation where it was. Not in an irregular rhythm (AF),
			// whose deficit varies from beat to beat by itself.
			ended := math.Abs(pp.v-hp.v) > lim && math.Abs(pr.v-hr.v) <= lim
			ended = ended && s.pulseDisturbed(pPR) && !s.irregular(irregular)
			own = own || ended
			disturbed = disturbed || ended
		}
	}
	if disturbed {
		s.plethOK, s.plethAt = 0, arrival.UnixNano()
	} else if s.plethOK < math.MaxUint8 {
		s.plethOK++
	}
	s.plethOwn.note(own)
	pulled := s.satPulled()
	s.plethDip.note(pulled)
	switch {
	case pulled:
		if s.dipRun < math.MaxUint8 {
			s.dipRun++
		}
		if bh, ok := s.tracks[pHR].baseline(); hr.ok && ok && math.Abs(hr.v-bh) > lim {
			s.dipRun = max(s.dipRun, probeJolt+1) // the heart fell or rose with it: a desaturation (bradycardia), not the probe
		}
	case s.dipRun > 0:
		if s.dipRun <= probeJolt && s.cur[pSpO2].ok {
			s.artAt = uint32(arrival.Unix())
		}
		s.dipRun = 0
	}
}

// probeJolt is the most messages in a row a saturation pulled below its
// level (satPulled) and then back at it may span and still be taken for the
// probe jolted, not the blood desaturated (session 34, c5clean34b): a probe
// moved on a neonate's foot or an adult's finger lets in light or picks up
// venous pulsation for a sample or two, and reads right again once it lies
// still, while the ECG heart rate keeps its level (within the agreement
// limit); a desaturation, apnoea's or a ventilator's, comes and goes over a
// minute or more, and a neonate's brady-desaturation takes the heart rate
// down with it, however brief. Its end (artAt) marks the patient being
// handled, turned or crying: the same hands that jolt the probe pull at the
// ECG's electrodes, and for as long as the handling lasts, minutes
// (artBurst), an ECG heart rate's rise of at most twice its level above a
// pulse rate that kept its level is judged by no spike path but fell's, as
// it is after the ECG's own over-count (exArt). A forged heart-rate spike written into calm data has
// neither before it; one placed within minutes after a jolted probe passes
// (docs/vitals.md, "What still slips through").
const probeJolt = 2

// artBurst is how long after an ECG over-count ends (the heart rate above
// a pulse rate that kept its level by more than the agreement limit, then
// back with it) a heart rate's rise of at most twice its level is taken
// for the same disturbance (exArt, session 33, c5clean33): judged by no
// path but fell's, as a rise beside a saturation dip is (dipSince).
// Muscle tremor and electrodes pulled or rubbed while a patient is turned,
// washed or, in a neonate, handled for care add detections to the QRS
// count again and again for as long as the handling lasts, minutes, not
// one message: an ECG that has just counted beats the pulse did not is in
// such a spell, and its next over-count is one more of them. A forged
// heart-rate spike is written into calm data, where the ECG and the pulse
// had agreed; one placed within minutes after the ECG's own artefact
// passes (docs/vitals.md, "What still slips through").
const artBurst = 5 * time.Minute

// inBurst reports whether now (Unix ns) lies within artBurst after at, an
// arrival's Unix seconds cut to a uint32 (artAt; 0 = none). The
// seconds between them are counted modulo 2^32, as at was cut, so an
// arrival before 1970 (offline, a device clock at a power-up default, its
// MSH-7 the arrival) or after 2106 is timed as any other, and an at after
// now (the arrival clock stepped back) lies 2^32 s minus the step before
// it, beyond artBurst, rather than within it for as long as the clock
// stays behind (review34).
func inBurst(now int64, at uint32) bool {
	if at == 0 {
		return false
	}
	sec, ns := now/int64(time.Second), now%int64(time.Second)
	if ns < 0 {
		sec, ns = sec-1, ns+int64(time.Second) // floored, as time.Time.Unix is
	}
	return int64(uint32(sec)-at)*int64(time.Second)+ns <= artBurst.Nanoseconds()
}

// lately counts the messages since an event: 0 none yet, 1 in the current
// message, k in the one k−1 messages back (at most 255).
type lately uint8

// note records the current message, with or without the event.
func (l *lately) note(event bool) {
	switch {
	case event:
		*l = 1
	case *l != 0 && *l < math.MaxUint8:
		*l++
	}
}

// within reports the event in the current message or the n before it.
func (l lately) within(n int) bool { return l != 0 && int(l)-1 <= n }

// satDip is how far below its level, in points, a saturation reading lies
// outside a pulse oximeter's own scatter: the oximeter reads within about
// ±2 points (one standard deviation) of the arterial saturation, so a
// reading 4 below its level is beyond two of them.
const satDip = 4

// satPulled reports the current saturation below its baseline by satDip
// and by stepNoise times its own noise between messages: a probe moved
// on a finger or an ear (light let in, venous blood pulsing) reads low for
// a sample or a few. A softer sign of motion than pulseDisturbed's third of
// the saturation's scale, and one that needs no pulse rate beside it.
func (s *stream) satPulled() bool {
	c, t := &s.cur[pSpO2], &s.tracks[pSpO2]
	if !c.ok {
		return false
	}
	b, ok := t.baseline()
	return ok && b-c.v >= max(satDip, stepNoise*t.noise)
}

// heartLeft reports the ECG heart rate away from its own level by more
// than lim while the SpO2 pulse rate kept its own (within lim) and the
// saturation its own (see pulseDisturbed): the two counts parted because
// the ECG moved, not the plethysmograph. Motion that throws the probe
// scatters its pulse rate and pulls its saturation; a pulse rate above a
// heart rate that fell beneath it, with the oximeter on its levels, is the
// ECG's miscount or a forgery, not a disturbed oximeter.
func (s *stream) heartLeft(lim float64) bool {
	bh, okh := s.tracks[pHR].baseline()
	bp, okp := s.tracks[pPR].baseline()
	return okh && okp && math.Abs(s.cur[pHR].v-bh) > lim && math.Abs(s.cur[pPR].v-bp) <= lim && !s.pulseDisturbed(pPR)
}

// plethSettling reports an oximeter disturbed within the last plethSettle
// messages or the window (the corroboration time): a saturation step now
// is not judged.
func (s *stream) plethSettling(arrival time.Time, window time.Duration) bool {
	return s.plethAt != 0 && (s.plethOK <= plethSettle || arrival.UnixNano()-s.plethAt < window.Nanoseconds())
}

// plethSince reports an oximeter disturbed (see notePleth) within the last
// n messages. A patient moving throws every sensor on them about over a
// few messages, not all in the same one: a breathing rate, heart rate or
// pressure spike in or next to a message whose plethysmographic pulse
// rate left the heart rate is part of such a burst. A forged spike is
// written into calm data, and leaves the oximeter's pulse rate alone.
func (s *stream) plethSince(n int) bool {
	return s.plethAt != 0 && int(s.plethOK) <= n
}

// ownSince is plethSince without the heart rate's own departures beneath
// a pulse rate that kept its level (heartLeft): the heart rate's spike is
// excused by an oximeter that was disturbed, not by the gap its own
// values opened below the pulse rate.
func (s *stream) ownSince(n int) bool {
	return s.plethOwn.within(n)
}

// dipSince reports the saturation pulled below its level (satPulled)
// within the last n messages. A patient moving throws the ECG (muscle and
// electrode artefact counted as beats) and the oximeter over some tens of
// seconds, not in the same message: the saturation dips a few messages
// before or during the heart rate's burst. A forged heart rate is written
// into calm data, with the saturation on its level.
func (s *stream) dipSince(n int) bool {
	return s.plethDip.within(n)
}

// settled reports whether the channel's recent values outside excursions
// (its baseline ring) lie within three times its own noise of one another
// (at least 2 units) or half the shift dev: a level a small step can
// leave. Motion scatters a breathing rate over 5–25/min for a minute; the
// value it settles at afterwards is a return to the patient's level, not a
// step from it.
func (t *track) settled(dev float64) bool {
	lo, hi := t.base[0], t.base[0]
	for _, v := range t.base[1:t.nb] {
		lo, hi = min(lo, v), max(hi, v)
	}
	return hi-lo <= max(2, 3*t.noise, math.Abs(dev)/2)
}

// nudged reports whether parameter q, present at distance d from its
// baseline b (see moved), is away from it by three times its own noise
// between messages and, for a rate, 4 % of its level, where that is less
// than a third of its scale (moved), and never by less than its own
// scatter (ownScatter): a small step of a breathing rate (from its step
// floor) is corroborated by a heart rate that changed pace with it by a
// few beats, as when a neonate wakes.
func (t *track) nudged(q param, b, d float64) bool {
	if t.noiseN < 32 {
		return false
	}
	bar := max(1, 3*t.noise)
	if params[q].q == qRate {
		bar = max(bar, 0.04*math.Abs(b))
	}
	return d >= max(min(trackInfo[q].scale/3, bar), t.ownScatter())
}

// abrupt reports whether an excursion that lasted happened mostly in one
// message: its first message's change was at least 60 % of the excursion's
// mean shift from where it began (exPre), not only of its first value. A
// vasopressor raises the pressure over several messages at a slow cadence
// (100, 110, 125, 134, 139): the first change over the threshold is a part
// of the ramp; a forged level arrives in one message.
//
// The change into the first message must also be beyond the channel's own
// scatter (stepNoise times its mean change between messages): an etCO2
// sliding from 36 to 30 over a few messages crosses the threshold with one
// change of 4 mmHg that its noise makes every few minutes; a forged level
// arrives with a jump the channel's noise does not make.
func (t *track) abrupt() bool {
	return t.exAbrupt && float64(t.exJump) >= 0.6*math.Abs(t.exSum/float64(t.exN)-t.exPre) &&
		float64(t.exJump) >= stepNoise*t.noise
}

// rampCadence is the shortest interval between messages at which an
// arterial pressure change lasting one to two intervals (a drug's fall over
// 90 s–2 min) lands mostly in one message (see rampSampled).
const rampCadence = 30 * time.Second

// rampShare is the share of the shift reached by an arterial excursion's
// second message that its first must exceed to be one message's change
// (see rampSampled, rampBack).
const rampShare = 0.8

// rampSampled reports whether an arterial excursion's second message, value
// v at now, arriving at least rampCadence after its first, carried the
// excursion on the same way, so that its first message held less than
// rampShare of the shift reached (session 38, wardart38): a pressure
// falling over 90 s–2 min (a vasopressor syringe changed, a propofol or
// sedation bolus) sampled every minute shows half to two thirds of its
// fall in one message and the rest in the next, the heart rate moving a
// few beats or not at all; a forged level, of one amount or one factor, is
// written whole into one message, and the next wanders around it by the
// patient's own scatter. Such an excursion is not abrupt; the two-message
// shape is judged per pressure, so a forged level is excused only when each
// of the line's pressures wandered on by a quarter of its jump. The second
// message must be the stream's next after the first (prev, the arrival of
// the message before this one, is the excursion's start): the monitor's
// cadence is slow, not the line's rows left out of the messages between
// (review38: a level forged at 10 s, three quarters in one message, the
// pressures left out for 20 s, the rest in the next, was excused).
func (t *track) rampSampled(v float64, now, prev int64) bool {
	if now-t.exStart < int64(rampCadence) || prev != t.exStart {
		return false
	}
	first, second := t.exFirst-t.exPre, v-t.exPre
	return first*second > 0 && math.Abs(first) < rampShare*math.Abs(second)
}

// rampBack reports whether a new arterial excursion to v from baseline b,
// beginning in the message after an excursion rampSampled excused was
// judged (exPre and exPeak still that one's, exRamp set), is that change
// going back the way it came: the baseline, the value at which it was
// judged, lies on the way back from its peak toward the level it left and
// holds more than 1 − rampShare of the way from the peak to v. A drug's
// effect wearing off over 90 s–2 min at a one-minute cadence comes back in
// two messages as it went, and the judgement may fall between them; the
// second is no step from the first.
//
// The return ends within half the change past the level it left
// (review38): a "return" that goes on beyond it, to a level as far the
// other way, is a new level no drug wearing off explains. Half, not a
// quarter: a vasopressor's new syringe may surge past the level before
// the change (a quarter added a systolic finding on one seed of
// pressor-syringe-swap at 60 s).
func (t *track) rampBack(v, b float64) bool {
	back, part := v-t.exPeak, b-t.exPeak
	return back*(t.exPre-t.exPeak) > 0 && part*back > 0 && math.Abs(part) > (1-rampShare)*math.Abs(back) &&
		math.Abs(back) <= 1.5*math.Abs(t.exPre-t.exPeak)
}

// narrowArt reports an arterial trace whose pulse pressure is below a
// quarter of its mean (at least 12 mmHg), the shape damping leaves (see
// damped, which also asks where the pressures moved).
func (s *stream) narrowArt() bool {
	_, _, _, narrow := s.artPulse()
	return narrow
}

// artPulse returns the message's arterial systolic and diastolic (nil without
// both), its mean (measured, else computed) and whether the pulse pressure is
// below a quarter of the mean (at least 12 mmHg).
func (s *stream) artPulse() (sys, dia *reading, mean float64, narrow bool) {
	sys, dia = &s.cur[pARTSys], &s.cur[pARTDia]
	if !sys.ok || !dia.ok {
		return nil, nil, 0, false
	}
	mean = (sys.v + 2*dia.v) / 3
	if m := &s.cur[pARTMean]; m.ok {
		mean = m.v
	}
	return sys, dia, mean, sys.v-dia.v < max(12, 0.25*mean)
}

// proportional reports whether a pulse rate q followed a step of the ECG
// heart rate p (from pre to v) in a bigeminy: the pulse rate was at a
// bigeminy deficit of the heart rate before the step (q0, smoothed) and is
// now (qv), and it agrees, at that ratio, with the step's new value within
// half the step (half) at the same ratio. Every other beat is not perfused,
// so a tachycardia's onset in a bigeminy moves the pulse by half as much as
// the heart rate (78/41 to 128/70); a forged heart rate leaves the pulse
// where it was. A pulse-rate step needs no such test: one that ends at a
// bigeminy deficit of the heart rate is not judged at all (see rate).
func proportional(p, q param, v, pre, qv, q0, half float64) bool {
	if p != pHR || (q != pPR && q != pPRInv) {
		return false
	}
	if !deficitRatio(q0, pre) || !deficitRatio(qv, v) {
		return false
	}
	r := q0 / pre
	return math.Abs(qv-r*v) <= r*half
}

// heartJumped reports that the ECG heart rate and the SpO2 pulse rate both
// changed in this message, the same way, each beyond its own scatter
// (ownScatter), and by amounts within half of each other: two sensors
// counted one heart changing pace. A saturation that dips in that same
// message is a patient moving or rousing (the probe disturbed, the heart
// answering the effort), not a value written into calm data: a forged
// saturation leaves the heart where it was. Not in an irregular rhythm
// (the median change of the heart rate at least lim, AF): both sensors
// count its changes from beat to beat in every message.
func (s *stream) heartJumped(lim float64) bool {
	hr, pr, hp, pp := &s.cur[pHR], &s.cur[pPR], &s.prev[pHR], &s.prev[pPR]
	if !hr.ok || !pr.ok || !hp.ok || !pp.ok {
		return false
	}
	dh, dp := hr.v-hp.v, pr.v-pp.v
	sh, sp := s.tracks[pHR].ownScatter(), s.tracks[pPR].ownScatter()
	return sh > 0 && sp > 0 && dh*dp > 0 && math.Abs(dh) >= sh && math.Abs(dp) >= sp &&
		math.Abs(dh-dp) <= max(math.Abs(dh), math.Abs(dp))/2 && !s.irregular(lim) // the rhythm last: it costs a median
}

// leftLevel is the breathing rate's last jump, in one message, away from
// the level it held (see jumpedBack).
type leftLevel struct {
	at       int64   // arrival of the jump, Unix ns; 0 when none
	pre, dev float32 // the level it left (the baseline then) and the value's shift from it
}

// holds reports whether the jump l is still the channel's level at now,
// its baseline b: for boxMaxHold at most, and once it is boxHold old with
// the baseline on the jump's side by half the jump (a cough or a lone
// value's jump is not followed by the baseline; a level is).
func (l *leftLevel) holds(b float64, now int64) bool {
	age, dev := now-l.at, float64(l.dev)
	return l.at != 0 && age <= boxMaxHold && (age < boxHold || (b-float64(l.pre))*math.Copysign(1, dev) >= 0.5*math.Abs(dev))
}

// noteLeft remembers a jump of the breathing rate (its value's shift dev
// from its baseline b, jump of it since the previous message) away from
// its level: at least a box's smallest shift and three times the rate's own
// noise, most of it (75 %) in one message, while no earlier jump's level
// holds. It is called at every message outside an excursion, and forgets
// a jump whose level has stopped holding: a dip of one message the
// baseline never followed is no level left, however the baseline wanders
// later.
func (s *stream) noteLeft(t *track, dev, jump, b float64, now int64) {
	if s.left.holds(b, now) {
		return
	}
	s.left = leftLevel{}
	if math.Abs(dev) < max(boxMin[pRR], 3*t.noise) || math.Abs(jump) < 0.75*math.Abs(dev) {
		return
	}
	s.left = leftLevel{at: now, pre: float32(b), dev: float32(dev)}
}

// jumpedBack reports whether the breathing rate's value v, a shift dev
// from its baseline b that opens an excursion, lands back on the level the
// rate left by its last jump in one message (within boxBack of that jump),
// after holding the jump's level for boxHold at least. A forged offset
// taken away puts the patient's own rate back: the rate had held that
// level before, so the new level needs no four messages to tell it from a
// spike, and the step is judged once the next message holds it (an offset
// whose start stayed under the step floor, as a halved rate of 16 does,
// is reported by its end, which at a minute's cadence four messages later
// is minutes after the offset went). A change of pace that comes back by
// itself is judged as any step: only sooner.
func (s *stream) jumpedBack(v, dev, b float64, now int64) bool {
	l := &s.left
	return l.holds(b, now) && now-l.at >= boxHold && dev*float64(l.dev) < 0 &&
		math.Abs(v-float64(l.pre)) <= boxBack*math.Abs(float64(l.dev))
}

// pulseOwnRough is how many times the heart rate's learned roughness (at
// least half a display step) a pulse rate's must exceed for a bed turnover
// to forget it (newPatient).
const pulseOwnRough = 3
