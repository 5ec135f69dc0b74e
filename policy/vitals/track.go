package vitals

import (
	"math"
	"time"
)

// tracked are the continuously reported parameters judged one by one for
// spikes, steps, unit jumps and freezes.
var tracked = [...]param{pHR, pPR, pPRInv, pSpO2, pRR, pARTSys, pARTDia, pARTMean, pEtCO2, pTemp}

// trackInfo is what the per-parameter checks need to know of a parameter.
// scale is the smallest change that is clearly not noise, in base units: an
// excursion of scale from the baseline is one a rule looks at, a related
// channel moving a third of its own scale corroborates. ownStep marks the
// parameters whose sustained steps rate_of_change already judges with its
// corroboration window (HR, pulse rates, SpO2, temperature). The three
// arterial pressures are one transducer: a forged or artefactual shift moves
// them together, so they do not corroborate one another; the heart and pulse
// rates (the baroreflex) do.
var trackInfo = [numParams]struct {
	scale    float64
	partners [3]param
	ownStep  bool
	freezes  bool    // a live patient keeps this value moving (not temperature)
	noSpike  bool    // spikes are what motion does to it (the plethysmographic pulse rate)
	rel      float64 // for rates: the share of the level that is also a threshold
	spike    float64 // the smallest spike: above scale for rates, whose detectors miscount briefly by themselves
}{
	pHR:      {30, [3]param{pPR, pPRInv, pARTSys}, true, true, false, 0.3, 45},
	pPR:      {30, [3]param{pHR, pPRInv, pSpO2}, true, true, true, 0.3, 0},
	pPRInv:   {30, [3]param{pHR, pPR, pARTSys}, true, true, true, 0.3, 0},
	pSpO2:    {8, [3]param{pPR, pHR, pRR}, true, true, false, 0, 16},
	pRR:      {15, [3]param{pEtCO2, pHR, pSpO2}, false, true, false, 0.5, 25},
	pARTSys:  {35, [3]param{pHR, pPR, pPRInv}, false, true, false, 0, 0},
	pARTDia:  {25, [3]param{pHR, pPR, pPRInv}, false, true, false, 0, 0},
	pARTMean: {25, [3]param{pHR, pPR, pPRInv}, false, true, false, 0, 0},
	pEtCO2:   {12, [3]param{pRR, pHR, pSpO2}, false, true, false, 0, 0},
	pTemp:    {1, [3]param{}, true, false, false, 0, 0},
}

// partnerMask is trackInfo's related channels of each parameter as a
// bitmask (chanBit), so that excursions tests them in one instruction each.
var partnerMask = func() (m [numParams]uint16) {
	for p := range trackInfo {
		for _, q := range trackInfo[p].partners {
			m[p] |= chanBit(q, true)
		}
	}
	return m
}()

// A bitmask of parameters is 16 bits wide.
var _ [16 - numParams]struct{}

// chanBit returns parameter p's bit in a bitmask of parameters if b holds,
// else 0.
func chanBit(p param, b bool) uint16 {
	if !b {
		return 0
	}
	return 1 << p
}

// baseN is the number of recent values whose median is a parameter's baseline.
const baseN = 5

// maxSpike is the longest excursion, in messages, that counts as a spike;
// a longer one is a step.
const maxSpike = 3

// pulseLag is how long, from its first message to its return, a fall of
// the ECG heart rate must last before an oximeter's pulse rate that kept
// its level below it witnesses against it: the oximeter averages its rate
// over about 5-15 s (4-16 beats), so a heart that slowed by the heart
// rate's scale (30/min) for 5 s pulls even its slowest average down by a
// third of that (10/min, what counts as a partner's response), and a fall
// only the ECG counted is beats it missed or a forgery, not a heart
// (session 21, spike21, which waited 15 s; 5 s since session 25, spike25:
// on the three generators' training seeds it adds no flag on a clean bed or
// outside an episode). A shorter fall the pulse rate may lag (a neonate's
// brief bradycardia at a 2 s cadence).
const pulseLag = 5 * time.Second

// riseLag is pulseLag for a rise of the ECG heart rate above a pulse rate
// that kept the heart's level (beatsAdded, session 25): the whole of the
// oximeter's longest average, 15 s, as spike21 waited for a fall. spike25
// shortened the wait for falls only; a rise was judged (pool25b's fresh
// block) with 15 s, and a single 10 s message of an ECG reading high (a
// tall T wave or lead motion counted as beats) stays quiet.
const riseLag = 15 * time.Second

// pulseFar is how far, per minute, an SpO2 pulse rate above the ECG heart
// rate must lie in each message of its brief rise (1–3 messages) for the
// rise to be judged however short (see exFar; a rise of 2–3 messages lasting
// `corroboration` is judged from pr_over_hr). An oximeter that miscounts a
// moving finger throws its saturation or the heart rate's leads too (a
// moving patient), or reads a few tens of pulses too many; on the three
// generators' training beds a pulse rate alone above a calm heart rate, with
// the saturation and every other channel within their scatter, read at
// most 73/min above it (an adult in AF). One 90 or more above is pulses no
// heart beat, counted by an oximeter that saw nothing else, or written
// (session 26, spike26).
const pulseFar = 90

// pulseSame is how close, per minute, a second pulse counter's rate must lie
// to the ECG heart rate to have counted the same beats (see pulseWitness).
const pulseSame = 5

// pulseWitness reports whether a message's second pulse-rate row, p2 (0:
// none), counted the heart rate hr's beats: within pulseSame of it. Some
// monitors send an arterial line's pulse rate (MDC_BLD_PULS_RATE_INV) beside
// the oximeter's; the code table reads the first as the pulse rate, and the
// second is this witness. The arterial line counts the pressure pulses of
// the beats the ECG counts, with its own transducer, and averages over a few
// beats, as the ECG does, where the oximeter averages over 5-15 s and loses
// pulses to motion: a heart rate that rose or fell with the arterial pulse
// rate beside it, message after message, is a heart that beat so, even when
// the oximeter's rate kept its level. Noise or motion counted as beats on
// the ECG does not reach the arterial trace, and a heart rate forged into the
// message leaves the arterial pulse rate where the monitor wrote it: on the
// six generators' training seeds every forged heart-rate spike on a monitor
// with the row had it at the heart's level (corpus3 s1 m0133 221 beside 152,
// corpus5 s3 m0146 175 beside 88, corpus6 s4 m0015 110 beside 136; session
// 36, c5clean36), while corpus5 has the row following the ECG within 2 in
// each of its ten unforged heart-rate spikes on a monitor with it (s1 m0084
// 227 beside 227, s3 m0080 198 beside 197). A heart rate forged with the same
// value written into the arterial pulse rate passes, as one written into the
// oximeter's rate too does.
//
// A second row that counted the heart's beats is one that did so before the
// excursion too: the row, within pulseSame of the heart rate, in each of the
// rowSteady messages before its first (pulse2Run; review36). Without that, a
// heart rate forged with one row added beside it, in the spike's messages
// only, was vouched for, and so was a row that lay at another level before
// (another bed's on an aggregating gateway's message, a counter of other
// pulses) and met the forged value by chance. A forger who writes the row
// into the messages before as well, at the heart's level, still passes.
func pulseWitness(hr, p2 float64) bool {
	return p2 > 0 && math.Abs(hr-p2) <= pulseSame
}

// deepSpike is the size, in spike thresholds, from which a spike is vouched
// for only by a related channel that left its own scatter, not by one a
// third of its scale off its median (see moved). A neonate's breathing rate
// or an AF pulse rate is that far off every few messages by itself; motion
// that throws a saturation 24 points or more throws its partners beyond
// their scatter too (session 12, training seeds).
const deepSpike = 1.5

// neoSpO2Spike is the smallest saturation spike judged on a neonate: a
// preterm infant's brief desaturations (apnoea of prematurity, with or
// without a slower heart) take it 16–21 points down for a sample and back
// with every other channel steady, tens of times a day; forged one-message
// dips on neonates were 22 points or more (session 18, training seeds).
const neoSpO2Spike = 22

// deepDip is the fall, in saturation points, from which an older patient's
// (not a neonate's) saturation dip of 1–3 messages is judged whatever its
// related channels did: no adult desaturates 40 points and recovers within
// three samples, and no heart rate or breathing rate that moved with it
// makes it physiology. On the training seeds of the three generators no
// clean bed's dip that deep was vouched for (the deepest vouched for and
// judged, outside episodes, 25–30 points); the vouched ones were forgeries
// in AF and a bigeminy (session 24, spike24b). A neonate's bradycardia–
// desaturation does take it 40–50 points down with its heart rate (neo18).
// A disturbed oximeter (plethSince) still keeps the dip from being judged.
const deepDip = 40

// track is the per-parameter state of the checks in this file.
type track struct {
	base   [baseN]float64 // recent values outside excursions (a ring); written only by push and reset, which keep med
	med    float64        // the median of base while it is full (nb == baseN): the baseline, found once per push, not per use
	nb, bi uint8
	// Kept next to nb and bi, in the padding of one word:
	exSmall  bool  // the excursion began below the spike-derived threshold, as an abrupt step (see stepFloor)
	exAbrupt bool  // most of it happened in one message (a drug or a trend ramps over several)
	exLevel  bool  // it began with the arterial line taken back by the shift it made last (levelled)
	noiseN   uint8 // changes averaged into noise while learning it
	exNudged uint8 // messages of the excursion in which a related channel was nudged (see nudged)
	exARR    bool  // a heart rate's rise in each message of which the PVC rate was gone, after rowSteady messages that had it (see arrSuspended)

	exN       uint8   // messages in the current excursion, 0 when none
	undoOK    bool    // a step or unit jump of the channel, from undo, was reported, or a step corroborated (see undoes)
	undoCorr  bool    // undo is the level a corroborated step left, not a reported one's (kept here, in padding)
	unitPend  bool    // the last message was the baseline converted to another unit, not yet reported (kept here, in padding)
	present   uint8   // messages in a row the channel was present, up to 255 (tooSmooth; kept here, in padding)
	exUp      bool    // a message of the excursion lay above its baseline by the spike threshold (a rate's rise; kept here, in padding)
	exAir     bool    // an etCO2 excursion that read the air (airCO2): the sampling line, not the patient (kept here, in padding)
	exPulse2  bool    // a heart rate's excursion that a second pulse counter counted in each of its messages (see pulseWitness; kept here, in padding)
	exPre     float64 // baseline when it began
	exStart   int64   // arrival of its first message, Unix ns
	exPartner bool    // a related channel moved with it
	exBeyond  bool    // a related channel moved with it beyond its own scatter, or (SpO2) the heart changed pace: vouches for a deep spike
	exShifted bool    // a related channel moved with it beyond its own scatter, or any other channel did in its first message (corroborates a step)
	exWitness bool    // a related channel was present during it (not all off, as with a probe off)
	exFar     bool    // the SpO2 pulse rate above the heart rate by more than pulseFar in every message of its rise (kept here, in padding)
	exArt     bool    // a heart rate's rise that began within artBurst after an earlier ECG over-count ended (see artBurst; kept here, in padding)
	exBack    bool    // it began by jumping back to the level the channel left by a jump in one message 10–90 min before (see jumpedBack)
	exAlone   bool    // the SpO2 pulse rate above the heart rate in every message (the pulse rate's spike, or the heart rate's fall; see pulseAbove), or the breathing rate 0 beside a capnograph that held (see breathsSeen), no other channel beyond its scatter
	exSeg     int
	exPeak    float64 // the value furthest from exPre
	exSum     float64 // sum of its values, for the mean shift of a small step
	exFirst   float64 // its first value: a step holds its level, a drug response keeps ramping; in an excursion that read the air (exAir), the arrival of its last reading of the air, Unix ns (airRead)
	exJump    float32 // the change into its first message, for abrupt
	undo      float32 // the level the last reported or corroborated step or unit jump left, while undoOK
	refused   int64   // arrival of the last row of the parameter whose value was refused (out of range, unit), Unix ns: the channel was not silent

	last, last2 float64 // the two previous values
	prevV       float64 // the previous value, for noise (last is kept only by tooSmooth)
	noise       float64 // mean |change| between messages outside excursions, moving average
	rough       float64 // mean |second difference|, long moving average
	roughNow    float64 // the same over about the last smoothWindow (24) messages

	runV     float64 // the value of the current run of identical values
	run      uint32  // its length in messages
	highHeld float32 // the breathing rate: a value above its range at the heart's rate, not yet reported while its run is too short to tell (see rrAtHeart; kept here, in padding)
	runSince int64   // arrival of its first message, Unix ns
	seen     uint32  // samples seen
	changes  uint32  // changes seen while learning

	// low tracks the channel's 10th percentile. A rate held at its floor
	// (a demand pacemaker's rate, a ventilator's set rate) is judged apart
	// (see freeze): the freeze of a live value often sits inside its range.
	low     float64
	changeP float64 // learned probability that the value changes from one message to the next

	changeNow float64 // the share of messages that changed it, over the last 16 or so (too_regular)

	// The current rounded straight line (line.go): its first differences
	// lie in [lineLo, lineHi]; it began at lineFrom, arrival lineSince
	// (Unix ns; 0 when there is none).
	lineSince      int64
	lineFrom       float32
	lineLo, lineHi int8
	exRamp         bool  // the arterial excursion open, or judged in the previous message, was a change longer than the cadence, sampled twice (rampSampled; kept here, in padding)
	relearn        uint8 // since a bed turnover, 1 + the channel's samples since it, up to relearnDone; 0: not learning its roughness anew (see learnRough; kept here, in padding)
}

// baseline returns the median of the recent values and whether there are
// enough of them.
func (t *track) baseline() (float64, bool) {
	if t.nb < baseN {
		return 0, false
	}
	return t.med, true
}

// median5 returns the median of five finite values (as sorting them would),
// without a sort: the lower and the higher of two pairs drop the lowest and
// the highest of those four, which leaves the median as the median of three.
func median5(b *[baseN]float64) float64 {
	lo := max(min(b[0], b[1]), min(b[3], b[4]))
	hi := min(max(b[0], b[1]), max(b[3], b[4]))
	return max(min(lo, hi), min(max(lo, hi), b[2]))
}

// push adds v to the baseline's values, replacing the oldest once there are
// baseN. A full ring whose oldest value is v, bit for bit (a steady channel),
// is unchanged, and so is its median.
func (t *track) push(v float64) {
	t.exRamp = false // a value outside excursions: what follows is no longer the ramp's return (rampBack)
	same := t.nb == baseN && math.Float64bits(t.base[t.bi]) == math.Float64bits(v)
	t.base[t.bi] = v
	t.bi = (t.bi + 1) % baseN
	if t.nb = min(t.nb+1, baseN); t.nb == baseN && !same {
		t.med = median5(&t.base)
	}
}

// reset makes v the whole baseline: a new level was accepted.
func (t *track) reset(v float64) {
	for i := range t.base {
		t.base[i] = v
	}
	t.nb, t.exN, t.med, t.exRamp = baseN, 0, v, false
}

// undoes reports whether a new level v is the channel going back to where
// it was before its last new level, when that was a step already reported
// or a unit jump already reported (session 13), or a step another channel
// corroborated (session 15): within max(lo/2, a quarter of the way) of the
// level the step left. A level forged or relabelled on one channel ends by
// going back to the patient's own, as one abrupt, uncorroborated change;
// that is the end of the condition reported when it began, not a second
// one. A level another channel corroborated ends the same way, and its
// return is the end of that condition too once the channels that moved with
// it hold no level of their own from it (see partnersSettled): a circuit
// opened for suction drops the etCO2 to 0 while the breathing rate goes
// erratic (coughing, the ventilator's triggers), and when it closes the
// etCO2 comes back alone (the second blind generator: rate_of_change on the
// return). The memory lasts until it is used, another step is reported, the
// arterial line gets a new zero or the bed a new patient: a relabelled value
// wandering out of the conversion's 10 % enters the baseline silently, and
// its return must still be known as one.
func (t *track) undoes(v, lo float64) bool {
	if !t.undoOK {
		return false
	}
	u := float64(t.undo)
	return math.Abs(v-u) <= max(lo/2, math.Abs(t.exPre-u)/4)
}

// partnersSettled reports whether no related channel of p still holds a
// level it reached with another channel's corroboration and has not come
// back from. A breathing rate that rose with an etCO2 falling (both
// corroborated, hyperventilation) and then falls back alone while the
// etCO2 stays low is a step of its own (session 13).
func (s *stream) partnersSettled(p param) bool {
	for _, q := range trackInfo[p].partners {
		if q != pNone && s.tracks[q].undoOK && s.tracks[q].undoCorr {
			return false
		}
	}
	return true
}

// moved reports whether parameter q is present and away from its baseline
// by a third of its scale, whether it is also beyond its own scatter (see
// partnerNoise), and whether it was nudged (see track.nudged): the three
// are read from one distance to the baseline. A spike shared by a related
// channel is an artefact of both (motion) whatever their scatter; a step
// is corroborated only by a related channel that left its own noise.
func (s *stream) moved(q param) (moved, beyond, nudged bool) {
	if !s.cur[q].ok {
		return false, false, false
	}
	t := &s.tracks[q]
	b, ok := t.baseline()
	if !ok {
		return false, false, false
	}
	d := math.Abs(s.cur[q].v - b)
	moved = d >= trackInfo[q].scale/3
	return moved, moved && d >= t.ownScatter(), t.nudged(q, b, d)
}

// pulseAbove reports whether the SpO2 pulse rate lies above the ECG heart
// rate by more than lim in the current message: more pulses than beats,
// which no circulation makes (see hr_pr_agreement's pr_over_hr).
func (s *stream) pulseAbove(lim float64) bool {
	return s.cur[pHR].ok && s.cur[pPR].ok && s.cur[pPR].v-s.cur[pHR].v > lim
}

// pulseBelow reports whether the ECG heart rate lies above the SpO2 pulse
// rate by more than lim in the current message (see hr_pr_agreement's
// deficit): beats the oximeter did not count as pulses.
func (s *stream) pulseBelow(lim float64) bool {
	return s.cur[pHR].ok && s.cur[pPR].ok && s.cur[pHR].v-s.cur[pPR].v > lim
}

// pulseStayed reports whether, as the heart rate leaves its baseline b
// upward, the SpO2 pulse rate lies more than lim below it while still within
// lim of b: the pulse kept the heart's level and the ECG alone rose (see
// beatsAdded). A pulse already below b by more (a bigeminy's deficit, AF's)
// is a rhythm the pulse rate does not follow beat by beat, and says nothing.
// The rise is judged only when most of it (75 %) came in one message, from
// the level: a heart rate that was already climbing, as a patient moves,
// is a heart changing pace that the oximeter follows late.
func (s *stream) pulseStayed(b, lim float64) bool {
	return s.pulseBelow(lim) && math.Abs(s.cur[pPR].v-b) <= lim
}

// ledAlone reports whether the heart rate's previous value prevV, a lead-in
// above its level b too small to begin an excursion, rose above a pulse rate
// that stayed at b (moved by at most a third of the lead-in): a heart rate
// risen in two messages that only the ECG counted, from the first, is a
// rise the pulse did not share (pulseStayed), not a heart that was already
// climbing. A heart climbing as a patient moves is counted by the oximeter
// too, the lead-in included (hl7load training seed 48 m0062: 84 → 93 → 116
// with the pulse 84 → 92). Without it one lead-in message within
// hr_pr_agreement's deficit of the pulse (80 → 93 → 114 × 2 → 80 beside a
// pulse at 80) kept a forged rise from carrying 75 % of its shift in its
// first message (review25b; session 26, spike26).
func (s *stream) ledAlone(b, prevV float64) bool {
	pp := &s.prev[pPR]
	return pp.ok && prevV > b && math.Abs(pp.v-b) <= (prevV-b)/3
}

// witnessAgainst reports whether the channel that measures p's quantity
// another way says, in this message, that p's excursion (up: above its
// level ref) did not happen: for a breathing rate, breaths the capnograph
// saw (breathsSeen); for a heart rate risen, a pulse rate that kept the
// heart's level (pulseStayed, beatsAdded); for a heart rate fallen and a
// pulse rate, more pulses than beats (pulseAbove). lim and deficit are
// hr_pr_agreement's pr_over_hr and deficit.
func (s *stream) witnessAgainst(p param, up bool, ref float64, moved uint16, lim, deficit float64) bool {
	switch {
	case p == pRR:
		return s.breathsSeen(moved)
	case p == pHR && up:
		return s.pulseStayed(ref, deficit)
	default:
		return s.pulseAbove(lim)
	}
}

// capnoHeld reports whether the capnograph reads an end-tidal CO2 in the
// current message, at least openCO2 and within a third of its scale of its
// baseline (moved holds the channels that left theirs): breaths are being
// exhaled through it at the patient's level.
func (s *stream) capnoHeld(moved uint16) bool {
	_, ok := s.tracks[pEtCO2].baseline()
	return ok && s.cur[pEtCO2].ok && s.cur[pEtCO2].v >= openCO2 && moved&chanBit(pEtCO2, true) == 0
}

// breathLag reports whether p is a neonate's breathing rate whose
// excursion comes back in the current message while the saturation left its
// own scatter in it (shifted holds the channels that moved a third of their
// scale and beyond three times their own noise): a related channel that moved
// in the message a breathing-rate spike returns in vouches for it as one that
// moved in the spike's own messages does (session 39, wardneo39). A newborn
// who starts to cry breathes 70-80 a minute at once, between cries holding
// its breath, and kicks the foot the probe is on; the oximeter shows the
// desaturation and the motion over its averaging window (several seconds)
// after the blood has crossed from the lungs to the foot, so its saturation
// moves in the next message, when the first cry's breathing rate may already
// be back near the resting one (ward37's neo-crying: 9 of 60 runs of 20
// seeds at 2 s, 10 s and 60 s reported, 6 of them the first crying message,
// the saturation 3-9 points off its level in the message after it). A forged
// breathing rate moves no saturation in any message; a forger who writes one
// could already write it beside the spike, as main excuses. A third of the
// saturation's scale (2.7 points) is not enough out of the spike's messages:
// a restless neonate's saturation scatters that far every other message, and
// a forged spike whose next message did so passed (review39c: a saturation
// scattering by 1.5 points a message let 27 of 192 forged spikes through at
// 2 s, by 2.5 points 44 of 127). Nor does a saturation within its scatter
// vouch for a breathing rate of 0 beside a capnograph that kept reading
// (breathsSeen; a saturation beyond it leaves the rate not alone).
func (s *stream) breathLag(p param, shifted uint16) bool {
	return p == pRR && s.neonatal && shifted&chanBit(pSpO2, true) != 0
}

// fewBreaths reports a breathing rate whose level lies below bradypnoea
// (and above 0): a patient breathing fewer than 12 breaths a minute. A
// capnograph shows as end-tidal CO2 the highest peak of the breaths it saw
// over its last window of about 10-20 s; at such a rate the window holds one
// breath or two, so each reading is one breath's peak. Slow breathing under
// opioids or sedation is also shallow and uneven: a breath whose volume
// barely exceeds the airway's dead space is diluted before the alveolar gas
// reaches the sampling line, and its peak falls short of the plateau by
// several mmHg, the next deeper breath's does not. The reading then moves
// by several mmHg from message to message and settles at another level when
// the breaths' depth changes, which the breathing rate, a count, does not
// show. Such a shift of the end-tidal CO2 by less than its spike threshold
// is therefore no step that a related channel should have followed (track's
// step, rate_of_change); a larger one (a forged level, a circuit
// disconnected, a unit changed) is judged as before, and so is every shift
// beside a breathing rate of 12 or more, whose window holds several breaths
// (session 34, c4clean34b: corpus4's clean beds beside opioid breathing at
// 6-11/min, the end-tidal CO2 scattering 33-43 message to message).
func (s *stream) fewBreaths() bool {
	b, ok := s.tracks[pRR].baseline()
	return ok && b > 0 && b < bradypnoea
}

// breathsSeen reports a breathing rate of 0 in the current message beside a
// capnograph that holds its end-tidal CO2 (capnoHeld): a rate that says no
// breath was taken while the airway's gas says the breaths went on. The
// oximeter must be on (its pulse rate present): it is what tells a patient
// moving, whose impedance leads lose the breaths for a sample, from a calm
// one (see notePleth); without it nothing is known of motion.
func (s *stream) breathsSeen(moved uint16) bool {
	return s.cur[pRR].ok && s.cur[pRR].v == 0 && s.cur[pPR].ok && s.capnoHeld(moved)
}

// witnessed reports whether any related channel of p is present in the
// current message: without one, "no related channel moved" says nothing.
// A parameter without related channels (temperature) is judged alone.
func (s *stream) witnessed(p param) bool {
	ps := trackInfo[p].partners
	if ps[0] == pNone {
		return true
	}
	for _, q := range ps {
		if q != pNone && s.cur[q].ok {
			return true
		}
	}
	return false
}

// countsBeats reports whether the breathing rate of the current message
// counts heartbeats: impedance pneumography reads breaths from the swing of
// the chest's impedance, and when breathing is slow and shallow (sedation,
// opioids: a rate level below bradypnoea) each heartbeat's swing (the
// cardiogenic oscillation) is what it counts, so the rate reads the heart's
// for a message or a few (cardioLo to cardioHi of the heart or the pulse
// rate; beats counted over a few seconds come out a little low) and falls
// back. Such a value is no breathing of the patient: it does not begin an
// excursion, as an open circuit's 0 does not. A rate at the heart's is also
// what a forged spike often is, so the value must also be one the monitor
// can have counted: on the grid its breathing rates have kept (rrGrid, a
// count over a fixed window scaled to a minute). Off that grid, or on a
// monitor that keeps none, it is judged as any value. A rate of 0 counts
// nothing, whatever a heart or pulse rate of 0 beside it (an oximeter that
// found no pulse) would make of the bounds (review28).
func (s *stream) countsBeats(onGrid bool) bool {
	rr := &s.cur[pRR]
	b, ok := s.tracks[pRR].baseline()
	if !onGrid || !rr.ok || rr.v <= 0 || !ok || b >= bradypnoea {
		return false
	}
	for _, q := range [...]param{pHR, pPR} {
		if c := &s.cur[q]; c.ok && rr.v >= cardioLo*c.v && rr.v <= cardioHi*c.v {
			return true
		}
	}
	return false
}

// beatsCounted is countsBeats for a run of messages: a count of heartbeats
// lasts a message or a few (the longest on corpus4's training beds, 17
// messages at 15 s, 4 min), and a breathing rate at the heart's held beyond
// beatsHold from the first message of its run is a level of its own,
// judged as any value from there (review28: a forged rate scattered on the
// monitor's grid beside the heart rate was otherwise excused for as long as
// it lasted). A message that does not count heartbeats ends the run; one
// without a breathing rate neither ends nor extends it.
func (s *stream) beatsCounted(onGrid bool, now int64) bool {
	if !s.countsBeats(onGrid) {
		s.beatsFrom = 0
		return false
	}
	if s.beatsFrom == 0 {
		s.beatsFrom = now
	}
	return now-s.beatsFrom <= beatsHold.Nanoseconds()
}

// beatsHold is how long a run of counted heartbeats is excused (see
// beatsCounted).
const beatsHold = 10 * time.Minute

// bradypnoea is the breathing rate level (breaths a minute) below which
// impedance may count heartbeats (countsBeats): at 12 and above (a
// ventilator's set rate of 12, full breaths) the breaths' own swing is what
// it counts. cardioLo and cardioHi bound the counted rate as fractions of
// the heart or pulse rate. The cardiogenic swing is a small one, and it
// varies with the breathing phase the heart beats in, so the detector
// misses some beats of the window it counts over: a count of heartbeats
// comes out low, down to three quarters of the heart rate (session 36,
// c4clean36: on corpus4's training beds that count over a fixed window,
// the rates that jumped from a level below 12 to the heart's lie at
// 0.75-1.1 of the heart or pulse rate, a fifth of them below 0.85, none
// between 0.35 and 0.75; 54 beside a heart rate of 68-69 and 60 beside
// 76-77 were reported as spikes with the bound at 0.8, session 27's). A
// value below that is no count of the heart and is judged; a forged spike
// that lands within the bounds must still lie on the monitor's grid, from
// a level below bradypnoea, for at most beatsHold.
const (
	bradypnoea = 12
	cardioLo   = 0.75
	cardioHi   = 1.1
)

// rrGrid is the step of the breathing rates a monitor reports. Some count
// the breaths (impedance swings) over a fixed window and scale the count
// to a minute: over 20 s every rate is a multiple of 3, over 10 s of 6, over
// 30 s of 2. step is the greatest common divisor of the rates above 0 seen
// so far (1: none, a rate off any grid or not whole), n how many (up to
// gridSeen). It belongs to the monitor, not the patient: a new patient
// keeps it.
type rrGrid struct {
	step uint8
	n    uint8
	// The kept grid (offGrid, session 33): the rates above 0 learned until
	// gridMoves changes of the rate were seen, their gcd then (0: none yet,
	// 1: no grid), and the last of them.
	kept  uint8
	moves uint8
	last  uint8 // 0: none, or not whole, or above 255
}

// gridSeen is how many breathing rates above 0 a grid must have held before
// a value is judged by it; gridMax the coarsest count window's step (10 s).
const (
	gridSeen = 30
	gridMax  = 6
)

// on reports whether v lies on a grid the monitor's rates have kept.
func (g *rrGrid) on(v float64) bool {
	return g.counted() && v == math.Trunc(v) && int64(v)%int64(g.step) == 0
}

// learn adds the breathing rate v to the grid, and keeps the grid (kept,
// see offGrid) once the rates have moved gridMoves times.
func (g *rrGrid) learn(v float64) {
	if v <= 0 {
		return
	}
	if g.step != 1 {
		if v != math.Trunc(v) || v > 255 {
			g.step = 1
		} else {
			a, b := int(g.step), int(v)
			for b != 0 {
				a, b = b, a%b
			}
			g.step = uint8(a)
			g.n = min(g.n+1, gridSeen)
		}
	}
	if g.kept != 0 {
		return
	}
	w := uint8(0)
	if v == math.Trunc(v) && v <= 255 {
		w = uint8(v)
	}
	if g.last != 0 && w != g.last {
		g.moves++
	}
	g.last = w
	if g.moves >= gridMoves {
		g.kept = 1 // no grid of 2 to gridMax
		if g.step >= 2 && g.step <= gridMax {
			g.kept = g.step
		}
	}
}

// offGrid reports whether the breathing rate v lies off the grid the
// monitor's rates kept (too_regular (k), session 33). A monitor that counts
// breaths over a fixed window and scales the count to a minute can show
// only multiples of its step (20 s: 3, 30 s: 2, 10 s: 6): a breath is
// counted or not, never a fraction, whatever the patient's pace or the
// impedance's noise, and the heartbeats it counts when breathing is shallow
// are counted on the same grid. A value between its steps is no count the
// monitor made: it was computed from its counts (a moving average, a level
// shifted by a forged amount, a held value nudged by one). The grid is
// kept once the rates moved gridMoves times, each move a multiple of
// it: a monitor that averages breath intervals moves by one as often as by
// more, and a ventilated rate that reads the set rate for hours, with a
// triggered breath now and then, shows too few moves to teach one (a
// neonate ventilated at 40 read 40, 42 and 44 for 30 messages at 1 s and
// then 41: corpus4 training 1 m0114). A rate of 0 (apnoea, an open
// circuit) is on every grid. It belongs to the monitor, as the grid does.
func (g *rrGrid) offGrid(v float64) bool {
	if g.kept < 2 || v <= 0 {
		return false
	}
	return v != math.Trunc(v) || int64(v)%int64(g.kept) != 0
}

// gridMoves is how many changes of the breathing rate teach the kept grid
// (offGrid).
const gridMoves = 30

// gridExpl explains too_regular (k).
const gridExpl = "breathing rate between the steps of the count its monitor has always reported: computed from the counts, not counted"

// excursions runs the per-parameter checks: spikes (an excursion of 1–3
// messages that returns, with no related channel moving), steps of the
// parameters rate_of_change does not judge (a sustained excursion that no
// related channel corroborates within the corroboration time), unit jumps
// (a value that becomes the previous level converted to another unit of the
// quantity) and single-channel freezes.
func (s *stream) excursions(e *Engine, em *emitter, arrival time.Time, dst []Finding) []Finding {
	now := arrival.UnixNano()
	// Related channels are judged against their baselines before this
	// message updates any of them.
	var moved, shifted, nudged uint16 // bit q: channel q moved, moved beyond its scatter, was nudged
	for _, q := range tracked {
		m, sh, n := s.moved(q)
		moved |= chanBit(q, m)
		shifted |= chanBit(q, sh)
		nudged |= chanBit(q, n)
	}
	// A flushed, zeroed or damped arterial line shows no patient pressure:
	// its values neither begin, extend nor end an excursion, nor are they
	// a change of state. Nor does a breathing rate of 0 through an open
	// circuit (circuitOpen) begin, extend or end one.
	line, narrow := s.flushed() || s.damped(), s.narrowArt()
	occluded := !line && s.cuffOccluding(now) // an artery occluded by a cuff on its arm (cuffarm.go)
	beat := s.heartJumped(e.cfg.Rules.HRPR.Irregular)
	var shiftedN, arterialShifted int                          // channels shifted beyond their scatter in this message; of them arterial
	var partner, partnerShifted, partnerNudged [numParams]bool // of p's related channels, one moved, ...
	for _, p := range tracked {
		pm := partnerMask[p]
		partner[p], partnerShifted[p], partnerNudged[p] = moved&pm != 0, shifted&pm != 0, nudged&pm != 0
		if shifted&chanBit(p, true) != 0 && !(line && arterial(p)) {
			shiftedN++
			if arterial(p) {
				arterialShifted++
			}
		}
	}
	corr := e.cfg.Rules.Rate.Corroboration.Nanoseconds()
	lim := e.cfg.Rules.HRPR.PROverHR
	deficit := e.cfg.Rules.HRPR.Deficit
	var lineBack [numParams]float64 // arterial q undoing its reported step in this message: the way it moved (see lineReturned)
	if !line {
		for _, q := range [...]param{pARTSys, pARTDia, pARTMean} {
			tq := &s.tracks[q]
			if !s.cur[q].ok || tq.exN == 0 || !tq.undoOK || tq.undoCorr {
				continue // no excursion from a reported step open
			}
			if b, ok := tq.baseline(); ok && tq.undoes(s.cur[q].v, tq.threshold(q, b)/2) {
				lineBack[q] = s.cur[q].v - tq.exPre
			}
		}
	}
	if s.cur[pARTSys].ok {
		// Remembered through the narrow trace that follows a flush or a
		// zeroing until the pulse pressure opens again (see below), and
		// whether a zeroing was among them.
		defer func() {
			s.lineZero = line && s.zeroed() || s.lineWas && s.lineZero
			s.lineWas = line || (s.lineWas && narrow)
		}()
	}
	for _, p := range tracked {
		c, t, info := &s.cur[p], &s.tracks[p], &trackInfo[p]
		if !c.ok {
			continue // a gap (probe off) neither ends nor extends an excursion
		}
		onGrid := false // a breathing rate on the grid its monitor kept before it
		if p == pRR {
			if s.rrSince == 0 {
				s.rrSince = now
			}
			onGrid = s.rrGrid.on(c.v)
			if s.rrGrid.offGrid(c.v) && em.on(rRegular) {
				dst = em.add(dst, rRegular, pRR, c.seg, c.at, c.v, float64(s.rrGrid.kept), 0, "", gridExpl)
			}
			s.rrGrid.learn(c.v)
		}
		dst = s.freeze(e, em, p, now, dst)
		dst = s.tooSmooth(e, em, p, dst)
		if line && arterial(p) || p == pRR && (s.circuit || t.exN == 0 && s.beatsCounted(onGrid, now)) {
			continue
		}
		prevV := t.prevV
		t.prevV = c.v
		pend := t.unitPend // the previous message of p was its level converted to another unit
		t.unitPend = false
		// Silent for longer than rate_of_change compares across (a probe
		// off, a line disconnected, the monitor in standby)? Values refused
		// as impossible (a forged or mislabelled level) are not a silence.
		pv := &s.prev[p]
		silent := pv.ok && now-max(pv.at.UnixNano(), t.refused) > e.cfg.Rules.Rate.MaxGap.Nanoseconds()
		b, ok := t.baseline()
		if p == pEtCO2 && s.airRead(t, c.v, b, ok, silent, pv.at.UnixNano(), now, e.cfg.Rules.Rate.MaxGap.Nanoseconds()) {
			continue
		}
		if !ok {
			t.push(c.v)
			continue
		}
		if s.lineWas && arterial(p) && !narrow {
			// The first open trace after a flush, zeroing or damping is
			// read against a new zero (re-levelled, the clot cleared): its
			// level is the reference now, not a step from the old one.
			dst = s.cuffRelease(em, p, dst)
			t.reset(c.v)
			if s.lineZero || t.undoCorr {
				// Zeroed, the line reads from a new reference: the level
				// a reported step left is none it comes back to. A flush
				// or a damped trace (the fast-flush valve opened, a clot
				// or air in the tubing) leaves the transducer where it
				// was, so a reported step, a height shift among them
				// (lineOff), stands through it and its end is still its
				// end (session 30, art30). A level another channel
				// corroborated is the patient's, not the line's: the
				// new reference follows the patient, and that memory
				// goes as before (kept, it excused a transducer put back
				// 100 messages after an agitation's level: corpus3
				// training s8 m0141).
				t.undoOK = false
			}
			s.cancelBox(p)
			continue
		}
		dev := c.v - b
		th := t.threshold(p, b)
		lo := th / 2 // a sustained step is judged from half the spike threshold, except a breathing rate's
		if p == pRR {
			lo = th // (breathing pauses and changes pace by itself, and impedance is noisy)
		}
		small := t.stepFloor(p, b)
		if silent && (t.exN > 0 || math.Abs(dev) >= min(lo, small)) {
			// Back after a silence away from the level it left, or with an
			// excursion open when it fell silent: the level it comes back
			// at is its baseline now, not a step or spike from the one it
			// left, which no physiology has to explain (session 13). The
			// next message is judged against it.
			if arterial(p) {
				dst = s.cuffRelease(em, p, dst)
			}
			t.reset(c.v)
			t.undoOK = false
			s.cancelBox(p)
			continue
		}
		// A forged level judged as a whole when it ends (see box.go).
		others := shiftedN
		if arterial(p) {
			others -= arterialShifted
		} else if shifted&chanBit(p, true) != 0 {
			others--
		}
		// A change of the line's damping (dampChanged) moves the systolic and
		// the diastolic against each other around a mean that stays: a
		// change of the transducer's rendering, as another channel's shift is
		// a change of state, for the arterial pressures' steps and boxes. So
		// is the line moving with the central venous pressure by one amount
		// (cvpMoved): the transducers' height changed, not the patient.
		lineMoved := (s.damping || s.heightMoved) && arterial(p)
		quiet := !partnerShifted[p] && others == 0 && !lineMoved
		if p == pHR {
			// The pulse rates count the same heart: an offset to the heart
			// rate is written into them too (judgeBox asks that the pulse
			// rate jumped with it).
			for _, q := range [...]param{pPR, pPRInv} {
				if shifted&chanBit(q, true) != 0 {
					others--
				}
			}
			quiet = others == 0
		}
		// The heart rate's fall below its pulse rate (exAlone) is judged
		// beside the channels a jolt of the patient or the probe disturbs:
		// no motion moves a core temperature within a message (review21).
		// A pulse rate that moved either way still vouches for the fall:
		// motion throws both counts off, the pulse rate often upward.
		othersAlone := others
		if p == pHR && shifted&chanBit(pTemp, true) != 0 && (t.exN == 0 && dev < 0 || t.exN > 0 && t.exPeak < t.exPre) {
			othersAlone--
		}
		if level, pre, size, why := s.judgeBox(p, c.v, prevV, b, now, quiet); why != "" && em.on(rRate) {
			dst = em.add(dst, rRate, p, c.seg, c.at, level, pre, size, "", why)
		}
		if t.exN == 0 && p == pRR {
			s.noteLeft(t, dev, c.v-prevV, b, now)
		}
		if t.exN == 0 {
			// An abrupt shift (most of it in one message) is followed from
			// the channel's own step floor; anything else from lo.
			abrupt := small < lo && math.Abs(dev) >= small && math.Abs(c.v-prevV) >= 0.75*math.Abs(dev) && t.settled(dev)
			if math.Abs(dev) < lo && !abrupt {
				if occluded && arterial(p) {
					continue // an occluded artery's trace is no level (cuffarm.go)
				}
				t.learnNoise(math.Abs(c.v - prevV))
				t.push(c.v)
				continue
			}
			if s.unitJump(e, p, b, c.v) {
				// A mislabelled unit is a configuration: it holds message
				// after message. One value near the converted level is what
				// any reading near 0 is to a conversion that divides by 7.5
				// (mmHg to kPa): a capnograph sampling air while the circuit
				// is open for suction (0-5 mmHg under 35-40), a transducer
				// open to the air (the second blind generator, session 15).
				// The second in a row decides; the first is set aside.
				if !pend {
					t.unitPend = true
					continue
				}
				if em.on(rUnitMismatch) {
					dst = em.add(dst, rUnitMismatch, p, c.seg, c.at, c.v, b, 0, KindIntegrity, "value jumped to its previous level converted to another unit: unit mislabelled")
					t.undo, t.undoOK, t.undoCorr = float32(b), true, false
				}
				// Reported: the jump back is its undo, not a box.
				s.cancelBox(p)
				continue // the baseline stays in the true unit
			}
			rampBack := arterial(p) && t.exRamp && t.rampBack(c.v, b) // before exPre and exPeak are this excursion's
			t.exRamp = false
			t.exN, t.exPre, t.exStart, t.exPartner, t.exSeg, t.exPeak = 1, b, now, partner[p] || (p == pSpO2 && beat), c.seg, c.v
			if arterial(p) {
				s.cuffHeld &^= artBit(p) | cuffOver(p)
				if occluded {
					s.cuffHeld |= cuffOver(p)
				}
			}
			t.exBeyond = partnerShifted[p] || (p == pSpO2 && beat)
			// A change of state (waking, a transfer, a rhythm converting)
			// moves other channels in the same message, related or not; a
			// forged level moves one channel (or the one arterial line).
			t.exShifted = partnerShifted[p] || others > 0 || lineMoved
			t.exWitness = s.witnessed(p)
			judgedAlone := p == pPR || p == pRR || p == pHR && (dev < 0 || dev > 0 && (c.v-prevV >= 0.75*dev || s.ledAlone(b, prevV)))
			t.exAlone = judgedAlone && s.plethWas > plethSettle && s.witnessAgainst(p, dev > 0, b, moved, lim, deficit) && othersAlone == 0 && !partnerShifted[p]
			t.exFar = p == pPR && s.pulseAbove(pulseFar)
			t.exSmall, t.exSum, t.exFirst = math.Abs(dev) < lo, c.v, c.v
			t.exUp = dev >= max(th, info.spike)
			t.exNudged = 0
			if partnerNudged[p] {
				t.exNudged = 1
			}
			t.exAbrupt = math.Abs(c.v-prevV) >= 0.6*math.Abs(dev) && !rampBack
			t.exLevel = s.levelBack && arterial(p)
			t.exJump = float32(math.Abs(c.v - prevV))
			t.exBack = p == pRR && s.jumpedBack(c.v, dev, b, now)
			t.exArt = p == pHR && dev > 0 && inBurst(now, s.artAt)
			t.exARR = p == pHR && dev > 0 && s.pvcRun >= rowSteady && !s.pvcNow
			t.exPulse2 = p == pHR && s.pulse2Run >= rowSteady && pulseWitness(c.v, em.pulse2)
			if p == pSpO2 {
				s.cuffHeld &^= cuffOximeter
				if s.pulseLost(now) {
					s.cuffHeld |= cuffOximeter
				}
			}
			continue
		}
		if occluded && arterial(p) {
			s.cuffHeld |= cuffOver(p)
		}
		back := math.Abs(c.v-t.exPre) < max(lo/2, math.Abs(t.exPeak-t.exPre)/4) // most of the way back
		if t.exSmall {
			// A small step ends when it falls back inside its own floor
			// or turns to the other side.
			back = (c.v-t.exPre)*(t.exPeak-t.exPre) <= 0 || math.Abs(c.v-t.exPre) < small/3
		}
		if !back && p == pHR && t.exAlone && t.exPeak > t.exPre && s.cur[pPR].ok && math.Abs(s.cur[pPR].v-t.exPre) <= deficit && math.Abs(c.v-s.cur[pPR].v) <= max(2, t.noise) {
			// A heart rate risen alone above the pulse (beatsAdded) is back
			// when it agrees with the pulse rate again: the pulse, which
			// kept the heart's level, is its reference, not the level
			// before, which the heart may have left with the pulse since.
			back = true
		}
		if arterial(p) && s.cuffHeld&cuffOver(p) != 0 {
			// An excursion the trace of an occluded artery was part of
			// (cuffarm.go): not back while the trace is occluded; with a
			// cuff reading since it began, back once it opens within the
			// channel's threshold of where it left (its level wanders
			// under a cuff's measurement).
			reading := s.cuffSince(t.exStart) && now-t.exStart >= cuffShortest
			opened := back
			back = !occluded && (back || reading && math.Abs(c.v-t.exPre) < th)
			if back && reading {
				// A cuff reading came with it: a cuff inflated on the
				// line's arm, excused.
				s.cuffHeld &^= artBit(p) | cuffOver(p)
				if !opened {
					// Open but not back where it left (within the spike
					// threshold only): the cuff is excused, the level it
					// opened at is not taken as the line's. It is followed
					// as an excursion from the level before the cuff, begun
					// now with the whole shift as its jump: one that holds
					// is the step it is (review37c: a forged offset behind
					// a 40-s occluded dip and a cuff reading went unreported).
					t.exN, t.exStart, t.exSum, t.exFirst, t.exPeak = 1, now, c.v, c.v, c.v
					t.exSmall, t.exUp, t.exNudged = false, false, 0
					t.exAbrupt, t.exJump = true, float32(math.Abs(c.v-t.exPre))
					continue
				}
				t.exN = 0
				t.push(c.v)
				continue
			}
			if back && s.cuffHeld&artBit(p) != 0 {
				// No reading came: the step held for one is reported as
				// it would have been.
				dst = s.cuffRelease(em, p, dst)
				t.exN = 0
				t.push(c.v)
				continue
			}
		}
		if back {
			if arterial(p) && t.exStart == s.levelAt {
				// The line came back from the shift levelled remembers,
				// by itself (a jolt, a spike): no transducer moved, and a
				// later step the other way is no return (review25).
				s.levelAt = 0
			}
			spike := max(th, info.spike)
			size := math.Abs(t.exPeak - t.exPre)
			if s.breathLag(p, shifted) {
				// The saturation answered the neonate's breaths a message
				// late, beyond its scatter: it shared the spike.
				t.exPartner, t.exBeyond = true, true
			}
			// A related channel vouches for a spike it shared; for a deep
			// one only if it left its own scatter (see deepSpike); for an
			// older patient's saturation dip of deepDip or more, none.
			vouched := t.exPartner && (size < deepSpike*spike || t.exBeyond) && !(p == pSpO2 && !s.neonatal && t.exPeak < t.exPre && size >= deepDip)
			// A heart rate a second pulse counter counted with it in each
			// of its messages is a heart that beat so (pulseWitness).
			vouched = vouched || t.exPulse2
			alone := t.exAlone && othersAlone == 0 && !partnerShifted[p] && (p != pRR || s.capnoHeld(moved))
			// The heart rate fallen below a pulse rate that kept its level,
			// for longer than the oximeter averages (pulseLag): the ECG
			// missed beats the pulse still counted, or was forged; no heart
			// slows for the one sensor. Judged from the heart rate's own
			// scale and noise: the witness, not the level, tells it from a
			// heart (session 21).
			fell := p == pHR && alone && t.exPeak < t.exPre && now-t.exStart >= pulseLag.Nanoseconds()
			// Its mirror (session 25, beatsAdded): the heart rate risen above
			// a pulse rate that stayed at the heart's level, for riseLag. A
			// heart that speeds up is counted by both sensors; beats only the
			// ECG counted, with no channel disturbed, are forged or noise
			// counted as beats, not a rhythm (a rhythm's deficit begins with
			// the pulse rate leaving the heart's level, see pulseStayed).
			rose := p == pHR && alone && t.exPeak > t.exPre && now-t.exStart >= riseLag.Nanoseconds()
			// A breathing rate of 0 beside a capnograph that kept reading
			// the same end-tidal CO2, breath after breath, in each of its
			// messages and the return, with every other channel within its
			// scatter: the breaths the rate says stopped were measured
			// (session 23, breathless).
			breathless := p == pRR && alone && t.exPeak == 0
			// The pulse rate risen alone far above the heart rate (pulseFar)
			// in each of its messages: judged however brief.
			far := p == pPR && alone && t.exFar && t.exPeak > t.exPre
			disturbed := s.plethSince(int(t.exN) + 1)
			// A heart rate's rise in, or within plethSettle+1 messages
			// after, a saturation pulled below its level is part of a
			// motion burst (session 30, motion30, dipSince): judged by no
			// path but fell's. Artefact counted as beats adds at most one
			// detection between two true beats (a QRS detector's refractory
			// period), so it at most doubles the count: a heart rate more
			// than twice its level is judged all the same.
			thrown := false
			if p == pHR {
				disturbed = s.ownSince(int(t.exN) + 1)
				thrown = t.exPeak <= 2*t.exPre && (s.dipSince(int(t.exN)+plethSettle+1) || t.exArt) || s.arrSuspended(t)
			}
			// The saturation read without its pulse, under a cuff on the
			// oximeter's arm, and back with the cuff's reading (cuffOnProbe).
			if p == pSpO2 && s.cuffOnProbe(t, now) {
				disturbed = true
			}
			judged := !thrown && (!info.noSpike && !disturbed || alone && t.exN > 1 && now-t.exStart >= corr || rose) || fell || far
			least := spike
			if p == pSpO2 && s.neonatal {
				least = max(spike, neoSpO2Spike) // the vouching depth stays deepSpike × spike
			}
			if fell || rose {
				least = max(trackInfo[p].scale, 8*t.noise)
			}
			if breathless {
				least = max(small, 8*t.noise) // the rate's own step floor: the capnograph, not the size, tells it from a pause
			}
			// A rate is judged upward (exUp: any of its messages above the
			// level by the threshold, even when a message between fell
			// further): lost beats or breaths explain a brief fall, not a
			// rise beside it.
			if t.exN <= maxSpike && size >= least && !vouched && t.exWitness && judged && (params[p].q != qRate || t.exPeak > t.exPre || t.exUp || fell || breathless) && (p != pTemp || t.exPeak > t.exPre) && em.on(rSpike) {
				why := "short excursion that returned with no related channel moving"
				switch {
				case fell:
					why = "heart rate fell below a pulse rate that kept its level, for longer than an oximeter averages, and returned: beats the ECG missed, or forged"
				case rose:
					why = "heart rate rose above a pulse rate that kept the heart's level, for longer than an oximeter averages, and returned: beats only the ECG counted, or forged"
				case far:
					why = "pulse rate rose far above the heart rate with the saturation and every other channel steady, and returned: pulses no heart beat, or forged"
				case breathless:
					why = "breathing rate read 0 while the capnograph kept its end-tidal CO2, and returned: breaths measured but not counted, or forged"
				}
				dst = em.add(dst, rSpike, p, t.exSeg, c.at, t.exPeak, t.exPre, least, "", why)
			}
			t.exN = 0
			t.push(c.v)
			continue
		}
		t.exN = min(t.exN, 254) + 1
		if t.exN == 2 && arterial(p) {
			// A fall or rise longer than the cadence, sampled twice
			// (rampSampled): not abrupt (below, at the judgement). Set
			// either way: an excursion begun again when a cuff's occlusion
			// opened (above) is judged by its own second message, not the
			// one before the cuff (review38).
			t.exRamp = t.rampSampled(c.v, now, s.prevArrival.UnixNano())
		}
		t.exSum += c.v
		t.exPartner = t.exPartner || partner[p]
		t.exBeyond = t.exBeyond || partnerShifted[p]
		t.exShifted = t.exShifted || partnerShifted[p]
		if partnerNudged[p] {
			t.exNudged = min(t.exNudged, 254) + 1
		}
		t.exWitness = t.exWitness || s.witnessed(p)
		t.exAlone = t.exAlone && s.witnessAgainst(p, t.exPeak > t.exPre, t.exPre, moved, lim, deficit) && others == 0 && !partnerShifted[p]
		t.exFar = t.exFar && s.pulseAbove(pulseFar)
		t.exARR = t.exARR && !s.pvcNow
		t.exPulse2 = t.exPulse2 && pulseWitness(c.v, em.pulse2)
		if p == pSpO2 && !s.pulseLost(now) {
			s.cuffHeld &^= cuffOximeter
		}
		if math.Abs(c.v-t.exPre) > math.Abs(t.exPeak-t.exPre) {
			t.exPeak = c.v
		}
		t.exUp = t.exUp || c.v-t.exPre >= max(th, info.spike)
		if t.exN <= maxSpike && !(t.exBack && t.exN >= 2) || now-t.exStart < corr {
			continue
		}
		// A small step must hold its floor on average, not only begin there.
		held := !t.exSmall || (math.Abs(t.exSum/float64(t.exN)-t.exPre) >= small && math.Abs(c.v-t.exFirst) <= 0.5*math.Abs(t.exFirst-t.exPre))
		// A small step whose partner changed pace with it for most of it
		// is corroborated (see nudged).
		nudgedAlong := t.exSmall && 2*int(t.exNudged) >= int(t.exN)
		// An end-tidal CO2 of a slow breather that moved by less than its
		// spike threshold is the depth of its few breaths (fewBreaths).
		shallow := p == pEtCO2 && math.Abs(t.exPeak-t.exPre) < th && s.fewBreaths()
		ramp := t.exRamp
		step := !info.ownStep && !t.exShifted && !nudgedAlong && !shallow && t.exWitness && t.abrupt() && !ramp && held && !s.neoRRWarming(p, t.exStart) && em.on(rRate)
		undone := t.undoes(c.v, lo) && (!t.undoCorr || s.partnersSettled(p)) || lineReturned(p, c.v-t.exPre, &lineBack) || t.exLevel
		if t.exN <= maxSpike && (!step || undone) {
			continue // judged this early only to be reported (exBack); else followed on as any excursion
		}
		if arterial(p) && occluded && now-t.exStart < cuffMeasure {
			// An occluded artery under a cuff inflating on its arm is held
			// until the cuff's reading (cuffarm.go): no step reported, nor
			// its level taken as the line's.
			if step && !undone {
				s.cuffHeld |= artBit(p)
			}
			continue
		}
		if arterial(p) {
			s.cuffHeld &^= artBit(p) | cuffOver(p)
		}
		if step && !undone {
			if p == pRR {
				s.rrStep = e.rules[rRate].action == Forward && s.overlayStep(t.exN, unixSeconds(em.arrival))
			}
			if p != pRR || !s.rrStep { // the cardiac overlay's step opens no episode (rrheart.go)
				dst = em.add(dst, rRate, p, c.seg, c.at, c.v, t.exPre, min(lo, small), "", "stepped to a new level with no related channel moving")
			}
		}
		t.reset(c.v)
		t.exRamp = ramp // judged here: the next message may be its return (rampBack)
		switch {
		case undone:
			t.undoOK = false
			if arterial(p) {
				// The line's return from a level it was on (a reported
				// step's, a corroborated one's, a transducer's) is no
				// new height: a forged step repeated the same way after
				// it is no transducer put back (levelled; review25).
				s.levelAt = 0
			}
		case step:
			t.undo, t.undoOK, t.undoCorr = float32(t.exPre), true, false
			s.cancelBox(p) // its start is reported: its end is the undo
			if arterial(p) {
				switch {
				case t.exStart == s.levelAt:
					s.lineStep, s.lineFrom = s.level, t.exStart // the line's height moved (see lineOff)
				case t.exStart != s.lineFrom:
					s.lineStep = 0 // a step of another shape
				}
				// So is the line's return (undoes, lineReturned), not a
				// shift back by the one it made (levelled).
				s.levelAt = 0
				// The line's step is reported: a twin's box begun with it
				// (below its own threshold) ends at the line's return, which
				// lineReturned excuses (session 24, clean24b).
				s.cancelBox(pARTSys)
				s.cancelBox(pARTDia)
				s.cancelBox(pARTMean)
			}
		case shallow && !t.undoOK:
			// The breaths' depth set the level (fewBreaths): their
			// return to the former one is no step either.
			t.undo, t.undoOK, t.undoCorr = float32(t.exPre), true, false
		case !info.ownStep && !t.undoOK && t.exShifted && !t.exSmall:
			// A level another channel corroborated (see undoes), a full
			// excursion: a small step's level is one a patient wanders
			// from, and its memory would excuse a later step of the same
			// size that no channel explains.
			t.undo, t.undoOK, t.undoCorr = float32(t.exPre), true, true
		}
	}
	// The second pulse-rate row's run, for the next message's excursions:
	// a witness is a counter that counted this heart's beats before the
	// excursion (pulseWitness).
	if !s.cur[pHR].ok || !pulseWitness(s.cur[pHR].v, em.pulse2) {
		s.pulse2Run = 0
	} else if s.pulse2Run < math.MaxUint8 {
		s.pulse2Run++
	}
	return s.pulseSmooth(e, em, line, dst)
}

// airCO2 is the end-tidal CO2, in mmHg, below which a capnograph reads the
// air, not a patient's exhaled gas: its sampling line came off the airway
// adapter or was kinked, the circuit was opened (suction), or no breath
// reached the sensor. Room air holds 0.04 % CO2 (0.3 mmHg) and a capnograph
// may read up to 0.43 % of an atmosphere (3.3 mmHg) plus 8 % of the reading
// off (ISO 80601-2-55), so air reads 0-3.6 mmHg (0-0.48 kPa); no breathing,
// perfused patient exhales that little (a cardiac arrest under chest
// compressions exhales 10-20 mmHg). Below it a reading is the sampling
// line's state, not a level of the patient's (airRead), unless it lies
// within 20 % of the patient's level in kPa or above: a hyperventilated
// patient's 26 mmHg is 3.5 kPa, and a monitor sending kPa under an mmHg
// label sends 3.4-3.6 (unitJump judges that).
const airCO2 = 3.6

// mmHgPerKPa converts kPa to mmHg (units.csv).
const mmHgPerKPa = 7.500615758

// airRead reports whether the end-tidal CO2 v, against its baseline b at
// arrival now, belongs to an excursion that read the air (airCO2), and follows
// that excursion; the caller then does no more with v (ok: b is known; silent:
// the channel was silent before v, since last). A reading of the air begins
// such an excursion or marks the open one as such (an excursion into the air
// is the line's, whatever began it, unless it first rose by a spike threshold:
// air reads lower, never higher); so do readings below half the level it
// left within circuitMax (45 s) of its last reading of the air: a sample of
// air mixed with the last breaths as the line clears or refills (a suction's
// readings scatter 0-6 mmHg under 40; a level forged there, a unit mislabelled
// among them, is judged from then on). It ends in the first reading back on
// the level (within a quarter of the spike threshold; a quarter of the air's
// depth, as excursions has it, took a level forged 6-9 mmHg away for the
// level, review35) without being judged as a spike or a step: a sampling line off for a few seconds to minutes beside a patient who kept
// breathing is no forged value, and its end is no step. A reading back after
// longer than gap (rate_of_change's max_gap) since the air began, or since the
// reading before it when a silence came first, is the channel's level from
// then on, as after a silence: the patient's level may have moved while the
// capnograph read the air. A reading at least half the level left that is not
// back on it ends the air part: the excursion begins again there and is judged
// as any, from the level before the air (a level forged after a disconnection
// is still a step). The other checks (frozen, too_regular, drift_return, a
// unit mislabelled, the breathing rate's circuitOpen) read the values as
// before; the boxes (judgeBox) see neither the air nor the reading back. A forged etCO2 of 0-3.6 mmHg looks as a sampling line off looks and
// hides no value of the patient's. The sixth blind generator's sampling-line
// disconnects (etco2_disconnect: 0-3 mmHg or 0.1-0.4 kPa for one message to 20
// minutes beside an unchanged breathing rate) were all of its clean beds'
// etCO2 spikes and steps on training seeds 1-4 (58 of 490 findings; session
// 35, c6gas35).
func (s *stream) airRead(t *track, v, b float64, ok, silent bool, last, now, gap int64) bool {
	if !ok {
		return v < airCO2 // a reading of the air teaches no level
	}
	if t.exN > 0 && !t.exAir && t.exUp {
		// An excursion that rose by a spike first is no line coming off
		// (air reads lower, never higher): judged as any, the air with it.
		return false
	}
	// Near the level in kPa, labelled mmHg, it may be the unit mislabelled
	// (unitJump): a 26 mmHg patient's 3.5 kPa.
	air := v < airCO2 && v < 0.8*b/mmHgPerKPa
	mixed := t.exAir && t.exN > 0 && v < t.exPre/2 && float64(now)-t.exFirst <= float64(circuitMax.Nanoseconds())
	if !air && !mixed {
		if !t.exAir {
			return false
		}
		t.exAir = false
		if t.exN == 0 {
			return false
		}
		if now-t.exStart > gap {
			t.reset(v)
			t.undoOK = false
			s.cancelBox(pEtCO2)
			return true
		}
		// Back within a quarter of the spike threshold: the air's depth is
		// the line's, and a quarter of it (10 mmHg under 40) would take a
		// level moved by a step as the level.
		if math.Abs(v-t.exPre) < t.threshold(pEtCO2, b)/4 {
			t.exN = 0
			t.push(v)
			return true
		}
		t.exN = 0 // begins again here, judged as any excursion from b
		return false
	}
	t.unitPend = false // a reading of the air is no unit converted
	if t.exN == 0 {
		t.exN, t.exPre, t.exStart, t.exSeg, t.exPeak, t.exSum, t.exFirst = 1, b, now, s.cur[pEtCO2].seg, v, v, float64(now)
		if silent {
			t.exStart = last // silent before it: the level the channel comes back at is its own
		}
		t.exAir = true
		return true
	}
	t.exN = min(t.exN, 254) + 1
	if air || !t.exAir {
		t.exFirst = float64(now)
	}
	t.exAir = true
	if math.Abs(v-t.exPre) > math.Abs(t.exPeak-t.exPre) {
		t.exPeak = v
	}
	return true
}

// threshold is the excursion of p from its baseline b that the checks look
// at: the parameter's scale, or eight times its own noise between messages,
// or for a rate a share of its level (a neonate breathing at 50/min pauses
// and varies more than an adult at 14), whichever is largest.
func (t *track) threshold(p param, b float64) float64 {
	th := max(trackInfo[p].scale, 8*t.noise)
	if params[p].q == qRate {
		th = max(th, trackInfo[p].rel*math.Abs(b))
	}
	return th
}

// tooSmooth flags a channel that keeps moving but has lost the
// sample-to-sample noise every measurement has: its mean absolute second
// difference over the last two dozen messages fell below smoothRatio of its own
// long-run level (a synthetic or moving-average stream). Judged against the
// channel itself, a quiet patient or a slow trend does not trip it.
func (s *stream) tooSmooth(e *Engine, em *emitter, p param, dst []Finding) []Finding {
	c, t := &s.cur[p], &s.tracks[p]
	if !trackInfo[p].freezes {
		return dst
	}
	s.heldStep(p, c.v, em.arrival.UnixNano(), !s.smooth[p].ok)
	if p == pSpO2 { // coarse and saturating: its noise vanishes at 100 % (satquiet.go)
		return s.satSmooth(em, !s.smooth[p].ok, dst)
	}
	if t.relearn > 0 {
		t.learnRough(p, c.v)
	} else if t.seen >= 3 {
		d2 := math.Abs(c.v - 2*t.last + t.last2)
		t.roughNow += (d2 - t.roughNow) / smoothWindow
		// An artefact (an arterial flush, zeroing, motion) must not teach
		// the channel a roughness its measurement does not have: a second
		// difference counts for at most four times the roughness learned so
		// far, or half the parameter's scale.
		learn := d2
		if t.seen > 4 {
			learn = min(d2, max(4*t.rough, trackInfo[p].scale/2))
		}
		if t.seen < smoothLearn {
			t.rough += (learn - t.rough) / float64(t.seen-2) // plain mean while learning
		} else if t.roughNow >= 0.5*t.rough {
			t.rough += (learn - t.rough) / 256 // not while suspicious: a forgery must not teach
		}
	}
	dst = s.curve(em, p, c.v, t.last, e.cfg.Rules.HRPR.Irregular, dst)
	if p == pRR && s.smooth[p].ok { // no fall across a message without it
		s.vent.observe(c.v, t.last)
	}
	if lineTwins[p][0] != pNone { // a line is judged only beside a twin
		t.lineStep(c.v, t.last, s.prev[p].at.UnixNano(), em.arrival.UnixNano(), s.smooth[p].ok)
	}
	t.last2, t.last = t.last, c.v
	if !s.smooth[p].ok { // absent from the previous message (a probe off)
		t.present = 0
	}
	if t.present < math.MaxUint8 {
		t.present++
	}
	moving := t.run == 1 // the value changed in this message
	changed := 0.0
	if moving {
		changed = 1
	}
	t.changeNow += (changed - t.changeNow) / 16
	if !moving || !em.on(rRegular) {
		return dst
	}
	if d, dq := s.lineTwin(p, em.arrival.UnixNano()); d != 0 {
		return em.add(dst, rRegular, p, c.seg, c.at, d, dq, lineSteps, "", lineExpl)
	}
	if !t.learnt() || t.rough < 0.5 {
		return dst
	}
	expl, th := "channel moves without the measurement noise it had", smoothRatio*t.rough
	q := smoothWitness[p]
	ecg := q == pHR && s.ecgNoisy() // the heart rate's roughness is the ECG's artefact: a pulse rate is judged alone
	if q != pNone && !ecg && s.noisy(q) && (q != pRR || !s.rrGrid.counted()) {
		expl, th = smoothWitnessExpl[p], smoothWitnessRatio*t.rough
		if q == pHR { // a pulse rate as rough as the beats it counts kept its noise
			th = min(th, pulseHeartRough*s.tracks[pHR].roughNow)
		}
	} else if h, ok := s.heartQuiet(p); ok && !ecg {
		if t.roughNow >= pulseReadingRough && t.roughNow >= pulseHeartRough*s.tracks[pHR].roughNow {
			return dst // still varies reading to reading, as the beats it counts do (pulseReadingRough)
		}
		if t.roughNow >= pulseStepRough && t.roughNow >= s.tracks[pHR].roughNow {
			return dst // as rough as the heart rate it counts, now (pulseStepRough)
		}
		if t.changeNow < 0.5 && s.tracks[pHR].run >= smoothWindow {
			// A pulse rate held most of the time, stepping now and then,
			// beside a heart rate that has not moved for smoothWindow
			// messages: a paced heart, whose beats the pulse rate counts at
			// the pacing rate as the ECG does, has no noise to lose (as the
			// heart rate's, below). A curve forged into both moves them
			// together.
			return dst
		}
		expl, th = pulseQuietExpl, max(smoothRatio, min(smoothWitnessRatio, pulseHeartShare*h))*t.rough
	} else if s.heartSmooth(p) && !ecg && t.roughNow >= pulseStepRough && t.roughNow >= s.tracks[pHR].roughNow {
		return dst // as rough as a heart rate that was never rougher (heartSmooth)
	} else if p == pHR && t.rough >= 2*e.cfg.Rules.HRPR.Irregular && !s.pulseNoisy() {
		// Roughness learned in an irregular rhythm (AF), which ends by
		// itself: a heart rate losing it is only suspect while a pulse
		// rate, which shares the rhythm, keeps it.
		return dst
	} else if t.changeNow < 0.5 && (p == pHR && !s.pulseNoisy() || p == pRR && s.vent.held() || arterial(p)) {
		// A rate held most of the time and stepping now and then has no
		// noise to lose: a paced heart rhythm with intrinsic beats, or a
		// ventilator's set rate with breaths the patient triggers
		// (vent.go). A smoothed curve that touches a floor moves in every
		// message (review18). An arterial pressure held most of the time
		// varies by less than the 1 mmHg it is displayed in: its first
		// step after a hold of two dozen messages reads as a roughness of
		// 1/24 whatever lies below the step (session 19, `TestArterialResolution19`).
		// Not a heart rate beside a pulse rate that keeps its noise
		// (session 29, frozen29): a pacemaker paces the beats both
		// sensors count, so a paced pulse rate is held with the heart
		// rate (pace26); a heart rate held most of the time while the
		// pulse rate still varies reading to reading around it has lost
		// the beat-to-beat variation the pulse rate shows the heart still
		// has: a moving average of it, a staircase of one-beat steps.
		return dst
	}
	if t.roughNow < th {
		dst = em.add(dst, rRegular, p, c.seg, c.at, t.roughNow, t.rough, th, "", expl)
	}
	return dst
}

// smoothWitness is the channel whose noise a channel's own noise cannot
// fall below: a pulse rate is the heart rate measured again by another
// sensor, so it carries the heart rate's beat-to-beat variation plus its own
// sensor's noise; an end-tidal CO2 is sampled breath by breath, so it varies
// at least as the breathing does. A quiet patient (sleep, sedation) quietens
// the witness as well; the ECG heart rate and the breathing rate, whose
// variation is physiological, have no witness.
var smoothWitness = [numParams]param{pPR: pHR, pPRInv: pHR, pEtCO2: pRR}

var smoothWitnessExpl = [numParams]string{
	pPR:    "pulse rate lost its noise while the heart rate it measures kept its own",
	pPRInv: "pulse rate lost its noise while the heart rate it measures kept its own",
	pEtCO2: "end-tidal CO2 lost its noise while the breathing rate kept its own",
}

// heartQuiet returns, for a pulse rate p, the ECG heart rate's roughness now
// as a share of its own learned level, and whether the heart rate can vouch
// for p: present, learned, both present in the last smoothWindow messages
// (after a probe off the pulse rate's roughness is from before it, the heart
// rate's from the motion that came with it), and p not at a bigeminy's share
// of it (the weak beats that do not reach the finger halve the pulse and its
// variation).
// A pulse rate is the heart rate counted again by a sensor with noise of its
// own, so it keeps at least the share of its roughness that the heart rate
// keeps: sleep and sedation quieten the heart and both counts with it, while
// the sensor's noise stays (session 14, docs/vitals-history.md).
func (s *stream) heartQuiet(p param) (float64, bool) {
	h := &s.tracks[pHR]
	if (p != pPR && p != pPRInv) || !s.cur[pHR].ok || !h.learnt() || h.rough < 0.5 ||
		s.tracks[p].present < smoothWindow || h.present < smoothWindow || deficitRatio(s.cur[p].v, s.cur[pHR].v) {
		return 0, false
	}
	return h.roughNow / h.rough, true
}

// heartSmooth reports whether, for a pulse rate p, the ECG heart rate is
// one heartQuiet would ask but for its learned roughness, below the half
// display step (0.5/min) from which a learned level is judged at all: a
// heart rate counted over many beats at a 1-2 s cadence (a newborn's
// monitor averaging 8-15 s of beats) moves by a display step now and then
// through the whole stay, so it never learns a level to be quiet against,
// and neither vouches for the pulse rate nor shows a sleep that quietened
// it. The pulse rate counts the same beats with its own sensor's noise on
// top: one at least half a display step rough now (pulseStepRough) and at
// least as rough as that heart rate now has lost nothing of the beats'
// variation, whatever level crying or motion taught it (session 37,
// c6reg37: corpus6's neonates in quiet sleep at a 1-s cadence, the pulse
// rate at 0.6-0.8 beside a heart rate at 0.3-0.6 that learned 0.47-0.50,
// the pulse rate's own learned level 16-20 from the crying, reported by
// too_regular (b) at 0.04 of it; the same beds' other such findings lie
// beside a heart rate that has since learned 0.9-1.4 and is rough now, or
// beside ECG noise, and stay). A pulse rate smoothed below the heart rate
// it counts, or below half a display step, is still judged by (b).
// After a bed turnover the heart rate vouches so once it has taught its
// roughness anew from smoothWindow of the next patient's samples
// (review39b): the pulse rate keeps the level the last patient taught it,
// a crying baby's, and the next baby asleep from its first minute was
// reported by (b) until the heart rate had relearned all of smoothLearn.
func (s *stream) heartSmooth(p param) bool {
	h := &s.tracks[pHR]
	return (p == pPR || p == pPRInv) && s.cur[pHR].ok && (h.learnt() || h.relearnt()) && h.rough < 0.5 &&
		s.tracks[p].present >= smoothWindow && h.present >= smoothWindow && !deficitRatio(s.cur[p].v, s.cur[pHR].v)
}

// pulseQuietExpl explains a pulse rate too smooth against a heart rate that
// is quiet too (heartQuiet), which did not keep its noise.
const pulseQuietExpl = "pulse rate lost more of its noise than the heart rate it measures, which is quiet too"

// pulseHeartShare is the share of the heart rate's relative roughness below
// which a pulse rate's own is too smooth when the heart rate is quiet too:
// a pulse rate cannot lose more of its noise than the heart rate it counts
// (its sensor's noise only adds to it), and 0.4 leaves the estimates over two
// dozen messages room to scatter (clean beds of training seeds 45–52 flag at
// 0.6, none at 0.4).
const pulseHeartShare = 0.4

// pulseReadingRough is the mean |second difference| (1/min, one display step)
// from which a pulse rate judged beside a quiet heart rate (heartQuiet) has
// kept its reading-to-reading noise, when it is also at least pulseHeartRough
// of the heart rate's roughness now. Motion or a crying infant at a 1–3 s
// cadence teach the oximeter's pulse rate four to ten times the roughness it
// has at rest, which the heart rate's learned level does not share; once the
// motion is over the pulse rate, back with the heart at 2–6 per message, sits
// below its share of that level for the rest of the stay (session 24, clean24:
// corpus3's clean beds). A rate smoothed by a moving average, alone or with
// the heart rate, changes by a display step now and then: its mean second
// difference stays well below one (0.04–0.75 on the training corpora's
// forgeries).
const pulseReadingRough = 1.0

// noisy reports whether channel q is present, learned and as rough now as
// it usually is.
func (s *stream) noisy(q param) bool {
	t := &s.tracks[q]
	return s.cur[q].ok && t.learnt() && t.rough >= 0.5 && t.roughNow >= 0.6*t.rough
}

// pulseStepRough is the mean |second difference| (1/min) from which a pulse
// rate judged beside a quiet heart rate (heartQuiet) that is at least as
// rough now as the heart rate itself has kept the heart's variation: it
// counts the same beats, with its own sensor's noise on top, so a pulse
// rate that varies reading to reading as much as the ECG count does has
// lost nothing of it, whatever level it learned. The level it learned may
// be an artefact's: motion, a crying or feeding infant throw an oximeter's
// pulse rate about for minutes at a 1-2 s cadence while the ECG stays with
// the heart, and that teaches the pulse rate several times the roughness of
// its quiet readings, at which it then sits for the rest of the stay, below
// pulseReadingRough at a 1-s cadence, where both rates are averages over
// 8-15 s of beats and move by a display step now and then (session 35,
// c6pr35: corpus6's neonates in quiet sleep, the pulse rate at 0.6-1.0 and
// 1.5-3 times the heart rate's 0.3-0.5). A moving average written over the
// pulse rate alone smooths it below the heart rate it no longer follows beat
// by beat, and stays reported. A heart rate and pulse rate smoothed together
// gently enough that the pulse rate keeps half a display step of roughness
// are left to the heart rate's own check and the others (on the training
// corpora every such episode kept its findings; docs/vitals.md "What still
// slips through").
const pulseStepRough = 0.5

// ecgNoisyWindow is how many messages after the ECG heart rate last parted
// from a pulse rate that kept its level (ecgAlone) the heart rate's
// roughness now may still carry that artefact: roughNow forgets over
// smoothWindow messages, and an artefact of 100/min takes three of them to
// fade below a quiet heart rate's roughness.
const ecgNoisyWindow = 3 * smoothWindow

// ecgNoisy reports whether the ECG heart rate parted from a pulse rate that
// kept its level (heartLeft) within the last ecgNoisyWindow messages: ECG
// noise or muscle artefact counted as beats (or beats lost with a lead),
// which the plethysmograph does not see, in a regular rhythm (an irregular
// one, atrial fibrillation, moves the heart rate away from a pulse rate
// whose averaging smooths it, and there the heart rate's roughness is the
// heart's). The heart rate's roughness then is
// the artefact's, not the heart's beat-to-beat variation, and no witness
// for the pulse rate's (smoothWitness, heartQuiet): a pulse rate is judged
// against its own roughness alone until the artefact has faded (session 35,
// c6pr35: corpus6's clean beds with ECG noise, heart rates of 140-275 for
// seconds beside a pulse rate that stayed, after which the pulse rate's
// quiet readings sat below a quarter of its learned roughness while the
// heart rate's roughness now was still the noise's).
func (s *stream) ecgNoisy() bool {
	return s.ecgAlone.within(ecgNoisyWindow)
}

// pulseNoisy reports whether a pulse rate (SpO2 or invasive) is as rough now
// as it usually is (noisy): the heart's beat-to-beat variation, counted
// again, is still there.
func (s *stream) pulseNoisy() bool {
	return s.noisy(pPR) || s.noisy(pPRInv)
}

// counted reports whether the monitor's breathing rates have kept a grid
// (see on): a count of breaths over a fixed window scaled to a minute. Such
// a rate steps by a whole breath of the window (3/min over 20 s) whenever a
// breath falls in or out of it, so consecutive readings flicker between two
// grid values however regular the breathing is: its roughness is the
// count's quantisation, and it stays when sleep or sedation make the breaths,
// and the end-tidal peaks the capnograph takes from them, regular. It is
// therefore no witness for an end-tidal CO2's noise (smoothWitness): beside
// it the end-tidal CO2 is judged against its own roughness alone, as a
// channel without a witness (session 33, c4clean33: corpus4's clean beds,
// a breathing rate flickering 12/15 beside an end-tidal CO2 held for two or
// three readings at a time, its peak over the last 12 s read every 5 s;
// `TestCountedRateNoCO2Witness33`). A forger who writes the rate off its
// grid breaks the grid (learn), and the rate witnesses again.
func (g *rrGrid) counted() bool {
	return g.n >= gridSeen && g.step >= 2 && g.step <= gridMax
}

// smoothWitnessRatio is the share of its own roughness below which a channel
// whose witness kept its noise is too smooth.
const smoothWitnessRatio = 0.25

// pulseHeartRough is the share of the ECG heart rate's roughness now below
// which a pulse rate whose own roughness fell below smoothWitnessRatio is
// too smooth: it counts the same beats, so one at least half as rough as the
// heart rate still carries the heart's variation, whatever level it learned.
// Motion or a crying infant make an oximeter's pulse rate erratic for
// minutes while the ECG stays with the heart; at a 1–5 s cadence that
// teaches the pulse rate two to four times its roughness, which is not
// unlearnt while the channel looks suspicious, and once the motion is over
// the pulse rate, back with the heart rate, sits below a quarter of it for
// the rest of the stay (session 20: 80 clean-bed findings of corpus3's
// training seeds, the pulse rate at 0.77–1.8 of the heart rate's roughness;
// hl7load's pulse rates smoothed while the heart rate kept its noise, at
// 0.06–0.35; `TestPulseAfterMotion20`).
const pulseHeartRough = 0.5

// smoothWindow is how many messages roughNow averages over (its time
// constant).
const smoothWindow = 24

// smoothLearn is how many samples teach a channel's own roughness.
const smoothLearn = 120

// learnt reports whether the channel's roughness is learned: from
// smoothLearn samples of it, and not being learned anew since a bed
// turnover (relearn).
func (t *track) learnt() bool { return t.seen >= smoothLearn && t.relearn == 0 }

// relearnt reports a channel learning its roughness anew since a bed
// turnover (learnRough) that has taught it from at least smoothWindow of the
// next patient's samples: enough for heartSmooth to read it, not for
// too_regular to judge against it.
func (t *track) relearnt() bool { return t.relearn >= relearnSkip+smoothWindow }

// relearnSkip is relearn after the two samples that follow a turnover,
// which teach nothing (learnRough).
const relearnSkip = 3

// relearnDone is relearn once smoothLearn samples have taught the
// roughness anew: the two that follow a turnover, whose second differences
// reach back to the last patient's values, teach nothing.
const relearnDone = smoothLearn + relearnSkip

// forgetRough has the channel learn its roughness anew, as at a stream's
// start, from the next patient's samples (see learnRough).
func (t *track) forgetRough() { t.rough, t.roughNow, t.relearn = 0, 0, 1 }

// learnRough learns the roughness of a channel since a bed turnover
// (forgetRough) from v: the first two samples after it only fill last and
// last2 (a second difference across the turnover is the step from one
// patient to the next, a level jump of 40 that would teach an irregular
// rhythm back, review36c); the next smoothLearn teach the long-run
// roughness as a plain mean and the roughness now as its usual moving
// average over about smoothWindow, from 0 (as at a stream's start: a plain
// mean of a few second differences read a rough sinus rate at 10 s as AF),
// which the checks read meanwhile as a stream's first samples are read: the
// heart rate's AF allowance (hrpr) from the new patient's own second
// differences, the too_regular checks not at all (learnt), heartSmooth from
// smoothWindow of them (relearnt). Then the channel is learned, and goes on
// as any other.
func (t *track) learnRough(p param, v float64) {
	if t.relearn++; t.relearn <= relearnSkip {
		return
	}
	n := float64(t.relearn - relearnSkip)
	d2 := math.Abs(v - 2*t.last + t.last2)
	learn := d2
	if n > 2 {
		learn = min(d2, max(4*t.rough, trackInfo[p].scale/2))
	}
	t.roughNow += (d2 - t.roughNow) / smoothWindow
	t.rough += (learn - t.rough) / n
	if t.relearn >= relearnDone {
		t.relearn = 0
	}
}

// smoothRatio is the share of its own roughness below which a moving
// channel is too smooth. Genuine channels quieten a long way: over 24
// messages the clean channels of training seeds 1–16 fall to 0.06 of their
// learned roughness (arterial diastolic and mean pressure at 30–60 s in
// sleep and sedation, test/bench/vitals-noise.py), so the threshold sits at
// two thirds of that, not at it (session 9, docs/vitals-history.md).
const smoothRatio = 0.04

// unitJump reports whether v is the level b of parameter p converted to
// another unit of its quantity (within 10 %): a value relabelled, not a
// patient changing.
func (s *stream) unitJump(e *Engine, p param, b, v float64) bool {
	return s.unitJumpWithin(e, p, b, v, 0)
}

// unitJumpWithin is unitJump with slack more of the declared unit allowed
// beside the 10 %: the rounding of a number a monitor sends whole.
func (s *stream) unitJumpWithin(e *Engine, p param, b, v, slack float64) bool {
	cu := e.t.canon[s.cur[p].unit]
	if cu.q != params[p].q || b == 0 {
		return false
	}
	declared := (v - cu.offset) / cu.scale // the number as sent
	for _, alt := range e.t.canon {
		if alt.q != cu.q || (alt.scale == cu.scale && alt.offset == cu.offset) {
			continue
		}
		// The number sent is b expressed in alt, labelled as the declared unit.
		want := ((b - alt.offset) / alt.scale)
		if math.Abs(declared-want) <= 0.1*math.Abs(want)+slack {
			return true
		}
	}
	return false
}

// freeze judges one run of identical values of p. The chance that a channel
// which changes with probability q from one message to the next stays put
// for n messages is (1-q)^n; a run whose chance is below freezeChance, for
// at least the frozen rule's duration, is a frozen channel. q is learned
// per monitor and parameter, so a paced heart rate, a ventilator's set rate
// or a saturation resting at 100 % never freeze; a rate held at its floor
// (a demand pacemaker or a ventilator taking over from the patient's own
// rhythm) is judged by its witness, or, a breathing rate, by setRateChance.
func (s *stream) freeze(e *Engine, em *emitter, p param, now int64, dst []Finding) []Finding {
	c, t := &s.cur[p], &s.tracks[p]
	if !trackInfo[p].freezes {
		return dst
	}
	if t.run > 0 && c.v == t.runV {
		t.run++
	} else {
		switch {
		case t.run == 0:
		case t.seen < changeLearn:
			t.changes++ // while learning: the plain share of changes
			t.changeP = float64(t.changes) / float64(t.seen)
		default:
			// The run ended: run-1 messages without a change, then one.
			t.changeP = t.changeP*unchangedFor(t.run) + changeAlpha
		}
		t.runV, t.run, t.runSince = c.v, 1, now
	}
	t.seen++
	s.learnPair(p)
	s.witness(p)
	fc := &e.cfg.Rules.Frozen
	if t.run == 1 { // a stochastic estimate of the 10th percentile, from the values that begin runs
		d := trackInfo[p].scale / 20
		if t.seen == 1 {
			t.low = c.v
		} else if c.v < t.low {
			t.low -= 0.9 * d
		} else {
			t.low += 0.1 * d
		}
	}
	if p == pHR && t.run == 1 {
		s.held.unpaced = s.readBelow(c.v) // at each run's start, judged or not
	}
	if p == pHR && s.noteReentry(c.v, t.prevV, t.seen) {
		return dst // a re-entrant rhythm's fixed cycle, not a freeze
	}
	if t.seen < changeLearn || t.changeP < minChangeP(p) || (p == pSpO2 && c.v >= 99) {
		return dst
	}
	if int(t.run) < fc.MinSamples || !em.on(rFrozen) {
		return dst // most messages: the floor below is not worked out
	}
	// A channel held at its floor by a machine (a demand pacemaker taking
	// over, a ventilator's set rate) is not frozen; only rates have one. A
	// pacemaker's rate is programmed in steps of 5/min: a heart rate held at
	// such a value may be paced. A pulse rate is paced only with the heart
	// rate it follows: a pulse held while the ECG heart rate keeps moving is
	// not a pacemaker. Nor is a heart rate held at a value it kept reading
	// below before the run: a pacing rate is a lower bound (see readBelow).
	floor := params[p].q == qRate && c.v <= t.low+trackInfo[p].scale/15
	if p == pHR || ((p == pPR || p == pPRInv) && s.heartHeld(t.run)) {
		floor = floor || multipleOf5(c.v)
	} else if p == pPR || p == pPRInv {
		floor = false
	}
	if p == pHR && s.held.unpaced {
		floor = false
	}
	// A breathing rate at its floor may be a ventilator's set rate, which
	// has no witness: it is judged only against setRateChance.
	setRate := floor && !paceWitnessed(p)
	// A heart or pulse rate at its floor or at a pacing rate is judged only
	// by its witness (below): a pacemaker paces the heart both sensors
	// count, so the other sensor stays at the paced rate; one that leaves
	// it shows the held value is not the heart's.
	if (!floor || setRate) && now-t.runSince >= fc.ChannelDuration.Nanoseconds() {
		chance := freezeChance
		if setRate {
			chance = setRateChance
		}
		need := math.Log(chance) / math.Log(1-t.changeP)
		if float64(t.run) >= need {
			return em.add(dst, rFrozen, p, c.seg, c.at, float64(t.run), t.changeP, need, "", "channel unchanged far longer than its own variability allows")
		}
	}
	if setRate {
		return dst
	}
	// A shorter run, improbable but not beyond doubt by itself, is a freeze
	// when the same heart counted by another sensor left the held value:
	// a genuinely steady rate keeps its witness around it.
	if float64(t.run) < math.Log(witnessChance)/math.Log(1-t.changeP) {
		return dst
	}
	if gap, th, ok := s.witnessGap(p); ok && gap >= th {
		dst = em.add(dst, rFrozen, p, c.seg, c.at, float64(t.run), gap, th, "", "rate held while the same heart counted by another sensor left it")
	}
	return dst
}

// noteReentry follows a re-entrant tachycardia (a supraventricular
// re-entry, a flutter with a fixed block) and reports whether the heart
// rate v, after prev, is still at the rate one began at. Such a rhythm
// starts in one beat, at a rate a sinus node does not jump to
// (paroxysmal), the oximeter's pulse rate jumping with it (heartJumped:
// it counts the same beats); its cycle is the circuit's conduction time,
// not the sinus node's, so it has neither the breathing's sinus arrhythmia
// nor the autonomic drift of a sinus rate, and a monitor that averages
// 8-16 beats displays one value, give or take one, for minutes, while the
// oximeter's pulse rate keeps its own detection scatter around it (corpus4
// training 2 m0003: 70 to 208 in one message, then 207-208 for 4 min, the
// pulse 202-214; 4 m0032: 90 to 184, then 185 for 8 min). The held rate is
// then the rhythm's, not a frozen channel, and frozen does not judge it
// while the heart stays within reentryBand of the rate it jumped to and
// every pulse rate present within reentryPulse of it (pulseParted). A
// forged freeze holds the value the heart had when it began, with no jump
// into it from a sinus level; one written during a genuine re-entrant
// rhythm passes for as long as the rhythm would have lasted, and is judged
// once the pulse leaves it.
func (s *stream) noteReentry(v, prev float64, seen uint32) bool {
	switch {
	case seen > 1 && v >= s.paroxysmal() && v-prev >= reentryJump && s.heartJumped(s.hrLim):
		s.held.reentry = uint16(min(v, math.MaxUint16))
	case s.held.reentry != 0 && (math.Abs(v-float64(s.held.reentry)) > reentryBand || s.pulseParted(v)):
		s.held.reentry = 0
	}
	return s.held.reentry != 0
}

// pulseParted reports a pulse rate present in the current message more than
// reentryPulse away from heart rate v: the oximeter and the arterial line
// count the beats a re-entrant rhythm perfuses, so a pulse that leaves the
// held heart rate says the heart is no longer at it (a freeze written
// during a genuine tachycardia, held after the rhythm ended: corpus4 fresh
// block 228 m0116, the heart rate held at 205 while the pulse fell to 70).
func (s *stream) pulseParted(v float64) bool {
	for _, q := range [...]param{pPR, pPRInv} {
		if c := &s.cur[q]; c.ok && math.Abs(c.v-v) > reentryPulse {
			return true
		}
	}
	return false
}

// reentryJump is the least jump of the heart rate, in one message, that
// begins a re-entrant rhythm for noteReentry (hr_step's 40/min: a sinus
// rate does not change by that much in one message); reentryBand how far
// (per minute) the rate may stray from the one it began at and still be
// that rhythm's (a circuit's cycle varies by 1-2 %: 3/min at 200).
const (
	reentryJump = 40
	reentryBand = 3
	// reentryPulse is how far (per minute) a pulse rate may lie from the
	// held heart rate and still count its beats: hr_pr_agreement's
	// pr_over_hr default (a re-entrant rhythm's pulse scatters by up to
	// 6-9 around it on corpus4's training and fresh beds).
	reentryPulse = 15
)

// minChangeP is the learned change probability below which a channel's
// runs are not judged by freeze. A channel that changes in fewer than a
// third of its messages holds by itself. An arterial pressure moves by
// several mmHg between messages; one that changes in fewer than half of
// them varies by less than the 1 mmHg it is displayed in (a line sinking
// to a low level in shock, its variation shrinking with it), and how long
// it then holds depends on where the pressure lies within that step, not
// on a rate of change (session 19, `TestArterialResolution19`). A forged freeze comes on at
// once, while the change probability still holds the line's own.
func minChangeP(p param) float64 {
	if arterial(p) {
		return 0.5
	}
	return 0.3
}

// unchangedFor returns math.Pow(1-changeAlpha, n): the weight the learned
// change probability keeps over a run of n messages. Runs shorter than
// len(unchangedPow), nearly all of them, read the table math.Pow filled.
func unchangedFor(n uint32) float64 {
	if n < uint32(len(unchangedPow)) {
		return unchangedPow[n]
	}
	return math.Pow(1-changeAlpha, float64(n))
}

var unchangedPow = func() (w [64]float64) {
	for n := range w {
		w[n] = math.Pow(1-changeAlpha, float64(n))
	}
	return w
}()

// multipleOf5 reports whether v is a whole multiple of 5 (a programmable
// pacing rate), as math.Mod(v, 5) == 0 would: a multiple of 5 is whole, and
// a whole v below 2⁵² converts to an integer exactly. math.Mod, which costs
// tens of nanoseconds, is left only for larger values, infinities and NaN.
func multipleOf5(v float64) bool {
	if math.Abs(v) < 1<<52 {
		return v == math.Trunc(v) && int64(v)%5 == 0
	}
	return math.Mod(v, 5) == 0
}

// paceWitnessed reports whether a held heart or pulse rate that may be
// paced (held at the channel's floor or at a programmed pacing rate) is
// still judged against its witness: a paced heart is paced for the ECG and
// the oximeter alike, so the held value is exempt from a freeze only while
// the other sensor stays with it (see witnessGap). A breathing rate held at
// its floor (a ventilator's set rate) has no such witness: it is judged
// against setRateChance alone.
func paceWitnessed(p param) bool {
	_, ok := rateIndex(p)
	return ok
}

// witnessState is what the witnessed freeze of a heart or pulse rate
// keeps: per pulse rate (SpO2, invasive) its learned difference from the
// ECG heart rate and the mean absolute deviation of that difference, and
// per held rate (heart, SpO2 pulse, invasive pulse) the summed deviation of
// its witness from the held value during the current run and how many
// messages had one.
type witnessState struct {
	off, dev [2]float64
	n        [2]uint32
	sum      [3]float64
	sumN     [3]uint32
	unpaced  bool   // the ECG heart rate often read below the value of its current run: no pacing rate (see readBelow)
	reentry  uint16 // the rate a re-entrant tachycardia began at, while the heart keeps it (0: none; see noteReentry; in padding)
}

// pulseIndex returns the index of a pulse rate in witnessState's pairs.
func pulseIndex(p param) (int, bool) {
	switch p {
	case pPR:
		return 0, true
	case pPRInv:
		return 1, true
	}
	return 0, false
}

// rateIndex returns the index of a heart or pulse rate in witnessState's runs.
func rateIndex(p param) (int, bool) {
	if p == pHR {
		return 2, true
	}
	return pulseIndex(p)
}

// learnPair learns, for a pulse rate p, its usual difference from the ECG
// heart rate and how much that difference scatters, while neither of the
// two is held (a freeze must not teach the difference it creates).
func (s *stream) learnPair(p param) {
	i, ok := pulseIndex(p)
	if !ok || !s.cur[pHR].ok {
		return
	}
	w := &s.held
	d := s.cur[p].v - s.cur[pHR].v
	switch {
	case w.n[i] == 0:
		w.off[i] = d
	case s.tracks[p].run < 3 && s.tracks[pHR].run < 3:
		k := float64(min(w.n[i], pairLearn))
		w.dev[i] += (math.Abs(d-w.off[i]) - w.dev[i]) / k
		w.off[i] += (d - w.off[i]) / k
	default:
		return
	}
	w.n[i] = min(w.n[i]+1, pairLearn)
}

// witnessOf returns the pulse rate that witnesses the heart or pulse rate
// p in the current message (the ECG heart rate for a pulse rate; the SpO2
// pulse rate, else the invasive one, for the heart rate), its index in
// witnessState's pairs, and whether one is present and has learned its
// difference from the heart rate.
func (s *stream) witnessOf(p param) (pulse param, i int, ok bool) {
	learned := func(q param) (int, bool) {
		i, ok := pulseIndex(q)
		return i, ok && s.cur[q].ok && s.held.n[i] >= changeLearn
	}
	if p == pHR {
		for _, q := range [...]param{pPR, pPRInv} {
			if i, ok := learned(q); ok {
				return q, i, true
			}
		}
		return pNone, 0, false
	}
	i, ok = learned(p)
	return p, i, ok && s.cur[pHR].ok
}

// witness adds to the current run of the heart or pulse rate p how far its
// witness is from the held value, beyond the pair's learned difference, in
// either direction (session 11): a heart that wanders around the held value
// keeps the witness's mean with it but strays from it by more than the
// two sensors ever disagree, while a paced or steady heart keeps the
// witness within the pair's learned scatter.
func (s *stream) witness(p param) {
	r, ok := rateIndex(p)
	if !ok {
		return
	}
	t, w := &s.tracks[p], &s.held
	if t.run == 1 {
		w.sum[r], w.sumN[r] = 0, 0
	}
	q, i, ok := s.witnessOf(p)
	if !ok {
		return
	}
	pulse, heart := s.cur[q].v, s.cur[pHR].v
	if p == pHR {
		heart = t.runV
	} else {
		pulse = t.runV
	}
	w.sum[r] += math.Abs(pulse - heart - w.off[i])
	w.sumN[r]++
}

// witnessGap returns how far, on average, the witness of the heart or pulse
// rate p stayed from its held value (the mean absolute distance beyond the
// pair's learned difference) in the current run, the distance that
// counts (max(witnessGapMin, witnessGapRatio × the pair's learned scatter)),
// and whether enough of the run had a witness.
func (s *stream) witnessGap(p param) (gap, need float64, ok bool) {
	r, ok := rateIndex(p)
	w := &s.held
	if !ok || w.sumN[r] < witnessMin {
		return 0, 0, false
	}
	// The scatter of the pair that witnessed the run; the witness itself
	// may be absent from this message (a probe off).
	i, _ := pulseIndex(p)
	if p == pHR && w.n[0] < changeLearn {
		i = 1
	}
	return w.sum[r] / float64(w.sumN[r]), max(witnessGapMin, witnessGapRatio*w.dev[i]), true
}

// readBelow reports whether the ECG heart rate, in the messages before this
// one (the last historyLen of an unbroken series, at least paceLook of them),
// read below v by more than its measurement scatter (twice its mean change
// between messages, at least witnessGapMin) in more than one in paceBelow of
// them. A demand pacemaker's rate is a lower bound of the heart's rate: the
// ECG counts it or faster, give or take its noise, so a value the rate often
// read below is no pacing rate, whatever its place in the channel's range
// (session 13).
func (s *stream) readBelow(v float64) bool {
	n := min(s.hrN, historyLen)
	if n < paceLook {
		return false
	}
	lo := v - max(witnessGapMin, 2*s.tracks[pHR].noise)
	below := 0
	for k := 1; k <= n; k++ {
		if s.hrBack(k-1) < lo {
			below++
		}
	}
	return below*paceBelow > n
}

// heartHeld reports whether the ECG heart rate is absent or has been
// unchanged for at least half of run messages.
func (s *stream) heartHeld(run uint32) bool {
	return !s.cur[pHR].ok || 2*s.tracks[pHR].run >= run
}

const (
	changeAlpha  = 1.0 / 128 // weight of one message in the learned change probability
	changeLearn  = 60        // samples before a channel's freezes are judged
	freezeChance = 1e-12     // chance of a genuine run at which it counts as frozen
	// A breathing rate held at its floor, which may be a ventilator's set
	// rate, counts as frozen only at setRateChance (freezeChance squared):
	// genuine runs at the floor stay above 1e-14 on the training corpora,
	// freezes of an hour reach 1e-40 and beyond (docs/vitals-history.md, session 15).
	setRateChance = 1e-24

	// A run with a witness that left it counts from witnessChance, with at
	// least witnessMin messages of the witness, when the witness's mean
	// distance from the held value (beyond the pair's learned difference)
	// is at least witnessGapMin and witnessGapRatio times the pair's
	// learned scatter.
	witnessChance   = 1e-6
	witnessMin      = 4
	witnessGapMin   = 2.0
	witnessGapRatio = 2.5
	pairLearn       = 64 // messages over which a pair's difference is averaged (judged after changeLearn)

	// A heart rate held at its floor or at a multiple of 5 may be paced
	// unless, of the paceLook or more messages before it, more than one in
	// paceBelow read below it (see readBelow).
	paceLook  = 8
	paceBelow = 16
)

// lineReturned reports whether arterial p's step, a move by dev from the
// level it left, is the line going back: in the same message another of the
// three pressures came back the same way to the level its own reported step
// left (lineBack, per twin: the way it moved, 0 if it did not). A
// transducer off its level (raised or lowered on its pole, the bed moved)
// shifts the three pressures together and its return brings them back
// together; the one return of the line ends the condition reported when it
// began, although a twin came back a few mmHg from where it left (the patient
// drifted meanwhile) or its own step was below its threshold and never
// reported (session 24, clean24b).
func lineReturned(p param, dev float64, lineBack *[numParams]float64) bool {
	if !arterial(p) {
		return false
	}
	for _, q := range [...]param{pARTSys, pARTDia, pARTMean} {
		if q != p && lineBack[q]*dev > 0 {
			return true
		}
	}
	return false
}

// arrSuspended reports a heart rate's rise (t, returning now) over which the
// monitor's arrhythmia analysis reported nothing: the PVC rate (PVCRateCode) was
// there in each of the rowSteady messages before the rise, gone in each of
// its messages, and is back in the return. A monitor runs its arrhythmia analysis on the same
// ECG its QRS detector counts; when the signal is noisy (muscle tremor,
// electrodes rubbed or pulled, an ESU) it suspends the analysis (on
// bedside monitors "ARR suspended" or "noisy ECG") and withholds the PVC
// count, while the heart-rate counter, which keeps running, counts noise
// spikes as beats: the heart rate jumps to 140-300 for seconds and falls
// back, the pulse rate unmoved. Such a rise is the ECG's own artefact and
// is judged by no spike path (session 35, ecg35: corpus6's "ECG noise
// counted as QRS", 46 of its 195 flagged clean-bed messages on training). A
// forgery that rewrites the heart rate leaves the rest of the message as
// the monitor wrote it, the PVC row with its count included; one that also
// drops the PVC row for exactly the messages of its rise passes (a monitor
// that never sends a PVC rate gains nothing and loses nothing here).
//
// The row must have come steadily before the rise (review35c): a monitor
// that sends it in every other message only, or only when the count is not
// zero, has messages without it between messages with it, and a heart rate
// forged into one of them would otherwise pass without the forger touching
// the row (TestHeartRateForgedBetweenIntermittentPVCRows35).
func (s *stream) arrSuspended(t *track) bool {
	return t.exARR && t.exPeak > t.exPre && s.pvcNow
}

// rowSteady is how many messages in a row before a heart rate's rise must
// carry a witness row for that row to speak for the rise: the PVC rate, for
// its absence over the rise to read as the arrhythmia analysis suspended
// (arrSuspended), and a second pulse counter on the heart's level, for its
// following the rise to vouch for it (pulseWitness).
const rowSteady = 4
