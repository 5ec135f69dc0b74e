package vitals

import (
	"math"
	"slices"
)

// A forged step is a box: an offset added to one channel from one message
// to another and taken away again. The channel jumps in one message, holds
// the new level with its own scatter (the offset rides on the patient's own
// signal), and comes back in one message, minutes later, to where it left,
// by the jump it went out with. Each of the two jumps alone is a change of
// pace a patient makes now and then (a breathing rate settling after
// waking, a vasopressor's effect); the pair judged together, when the
// return comes, is the shape of an edit: a genuine change of state moves
// other channels at its start or end, takes more than one message, comes
// back elsewhere, or holds its level with another scatter (docs/vitals-history.md,
// "Steps as boxes, session 15"). Judged for the channels whose sustained
// steps the excursion check judges, and for the saturation and the
// temperature, whose steps rate_of_change judges only from 10 points and
// 1 °C (session 16): a saturation does not fall and recover by several
// points in one message each, holding its level between with its own
// scatter, while the heart and breathing rates stay where they were (the
// body's oxygen stores and the oximeter's averaging spread a change of
// oxygenation over minutes, and hypoxaemia moves the heart rate), and a
// temperature, with the body's heat capacity behind it, does not move by
// half a degree in one message at all. The heart rate (session 19) is
// boxed with its pulse: an offset written into both moves the heart as two
// sensors count it and nothing else, which a rhythm of the patient's own
// also does (a paroxysmal tachycardia starts and stops in one beat), so
// its box is judged below a re-entrant rhythm's rates, from a level the
// heart had held, by the jump it went out with (heartRests, returns).
var boxed = [...]param{pRR, pARTSys, pARTDia, pARTMean, pEtCO2, pSpO2, pTemp, pHR}

// boxSlot is each parameter's place in stream.boxes, -1 for none.
var boxSlot = func() (m [numParams]int8) {
	for p := range m {
		m[p] = -1
	}
	for i, p := range boxed {
		m[p] = int8(i)
	}
	return m
}()

// boxMin is the smallest shift a box is judged at, per parameter, in base
// units: a breathing rate of 4/min, an arterial pressure of 8 mmHg, an
// end-tidal CO2 of 4 mmHg, a saturation of 3 points, a temperature of
// 0.5 °C (below them an integer reading's rounding and a
// patient's own wandering make the shape).
var boxMin = [numParams]float64{pRR: 4, pARTSys: 8, pARTDia: 8, pARTMean: 8, pEtCO2: 4, pSpO2: 3, pTemp: 0.5, pHR: 10}

const (
	// boxNoise is the box's smallest shift in the channel's own noise (its
	// mean change between messages when the box began).
	boxNoise = 5
	// boxHold and boxMaxHold bound how long the level is held, in
	// nanoseconds: a patient's own change of pace that comes back within
	// minutes is common (a breath-holding spell, a short arousal); one held
	// for longer than 90 minutes is the patient's level now.
	boxHold    = int64(10 * 60 * 1e9)
	boxMaxHold = int64(90 * 60 * 1e9)
	// boxBack is how near, as a share of the shift, the return lands to
	// the level the box left.
	boxBack = 0.35
	// boxRough is how many times its noise before the box the channel may
	// change between messages inside it: an offset keeps the patient's
	// scatter, a genuine new state (motion, an arrhythmia, an artefact)
	// brings its own.
	boxRough = 2
	// boxLapses: one value in boxLapses of a box's may lie off its level
	// (see lapse).
	boxLapses = 10
	// heartBack is boxBack for the heart rate (see returns).
	heartBack = 0.5
	// heartLast, heartLastMin, heartApart and heartPulse: a heart box
	// held this long (ns), by this many beats a minute at least, with the
	// oximeter's pulse rate more than heartPulse from it in at most one
	// message in heartApart, is reported without its return (heartLasts).
	heartLast    = int64(30 * 60 * 1e9)
	heartLastMin = 20.0
	heartApart   = 40
	heartPulse   = 15.0
)

// The explanations of a box's findings: one that came back, and a heart
// rate's that never did (heartLasts).
const (
	whyBox    = "held a level and came back to the one it left, each in one message, with no other channel moving"
	whyLasted = "heart rate and its pulse jumped together to a new level and held it for 30 min with the scatter they had, with no other channel moving"
)

// box follows one channel's candidate box (see boxed).
type box struct {
	sum, rough float64 // the values inside it and their changes (absolute), summed
	start      int64   // arrival of its first message, Unix ns
	moved      int64   // the last arrival, Unix ns, at which the channel's baseline jumped (see heartRests)
	pre, jump  float32 // the level it left, the change into it
	noise      float32 // the channel's noise when it began
	ref        float32 // the channel's baseline in its previous message with no box holding
	last       float32 // the previous value inside it
	n          uint16  // its messages on its level
	upFrom     uint16  // a heart box's current disturbance (heartUpset): its first message, seconds after start + 1; 0 for none
	upLast     uint16  // and its last message, the same way
	apart      uint8   // a heart box's messages with the pulse rate more than 15 from it (heartLasts; at most 255)
	buckets    uint8   // the heart rate's 5-min means completed since a heart box began (pacedLevel; at most 255)
	lapses     uint8   // its values off its level that were not its return (see lapse)
	lapsed     bool    // the previous value was one
	long       bool    // a heart box's level is none the heart held in the last hour (heartNew)
	state      uint8   // boxNone, boxHolding or boxReturned
}

const (
	boxNone     = iota
	boxHolding  // the channel jumped and holds its new level
	boxReturned // it jumped back to where it left: confirmed by the next message
)

// shift returns the box's mean level less the level it left.
func (b *box) shift() float64 { return b.sum/float64(b.n) - float64(b.pre) }

// holds reports whether v, a value of p, lies on the box's side of the
// level it left, by at least half its mean shift, or for a saturation by
// half its mean shift less the channel's noise when the box began. An
// offset of 4 or 5 points on a saturation rides on an integer reading that
// scatters a point either way by itself and wanders a point or two under
// the offset, so a forged 95 → 90 reads 93 for minutes at a time, 2 points
// from the level it left with a mean shift of 4.2, and held a level all the
// same (session 18, corpus2 seed 4 m0037). Never less than a point (the
// reading's resolution), or half the shift when that is less: a mean shift
// that shrank to twice the noise would otherwise count the level the box
// left as holding, and the box would never end (review18).
func (b *box) holds(p param, v float64) bool {
	sh := b.shift()
	share := 0.5 * math.Abs(sh)
	if p == pSpO2 {
		share = max(share-float64(b.noise), min(share, 1))
	}
	return (v-float64(b.pre))*math.Copysign(1, sh) >= share
}

// add takes v, on the box's level, into it.
func (b *box) add(v float64) {
	b.sum += v
	b.rough += math.Abs(v - float64(b.last))
	b.n++
	b.last = float32(v)
	b.lapsed = false
}

// lapse counts a value off the box's level that is not its return: a
// channel's own scatter throws one value in a while across half a small
// shift (a breathing rate of 16 forged to 9 reads 13 now and then). One at
// a time, and at most one in boxLapses of the box's messages, is borne; the
// value is not taken into the box's level or scatter.
func (b *box) lapse() {
	if b.lapsed || int(b.lapses+1)*boxLapses > int(b.n) {
		b.state = boxNone
		return
	}
	b.lapses++
	b.lapsed = true
}

// back reports whether v, a value of p, lies back at the level the box
// left: within boxBack of its mean shift, or for the heart rate within
// heartBack of it (see returns).
func (b *box) back(p param, v float64) bool {
	share := boxBack
	if p == pHR {
		share = heartBack
	}
	return math.Abs(v-float64(b.pre)) <= share*math.Abs(b.shift())
}

// returns reports whether v, a change d from the box's last value, is the
// box's return: a jump back by most (75 %) of the shift, to the level it
// left (back), by the jump it went out with (within three times the noise
// and a beat). The heart rate under an offset wanders with the patient over
// half an hour (a drug, a fever, waking) by more than a pressure or a
// saturation does, taking the box's mean level with it: its return is
// measured against the jump it went out with (75 % of it, and equal to it
// within boxBack of it) rather than the mean shift, and lands nearer the
// level it left than the box's level (corpus2 training: a +13.8 offset
// whose heart rate rose by 6 beneath it, seed 1 m0014; a −37 one that rose
// by 8, seed 2 m0067). Measured so, the jump must come from a value on the
// box's level, not from one off it (lapse): a tachycardia or a bradycardia
// that ends over three or four messages passes through a lapse, and its
// last steps would be a jump the size of its first (corpus2 training seed
// 2, clean m0038 and m0075). And the jump out carried at least half the
// mean shift: a tachycardia that ends over six messages begins a box with
// its first step, a fifth of its fall (hl7load training seed 7, clean
// m0108: 205 → 191 → … → 147).
func (b *box) returns(p param, v, d float64) bool {
	ref, tol := math.Abs(b.shift()), 3*float64(b.noise)+1
	if p == pHR {
		if b.lapsed || math.Abs(float64(b.jump)) < 0.5*ref {
			return false
		}
		ref = math.Abs(float64(b.jump))
		tol = max(tol, boxBack*ref)
	}
	return math.Abs(d) >= 0.75*ref && b.back(p, v) && math.Abs(float64(b.jump)+d) <= tol
}

// desaturated reports whether a saturation's box of mean shift sh is a
// fall, most of it (75 %) in the message that began it. A patient's
// saturation sits near the top of what the lungs allow: a rise held and
// lost again is the lull between two desaturations, the lower level being
// the desaturated one. And a genuine desaturation that begins with a jump
// goes on falling over the next messages as the body's oxygen stores run
// down (its heart rate rising), where an offset lands on its level at once.
func desaturated(b *box, sh float64) bool {
	return sh < 0 && math.Abs(float64(b.jump)) >= 0.75*math.Abs(sh)
}

// cancelBox forgets p's candidate box: its start was reported as a step
// already, or the channel's reference changed (a silence, a new zero).
func (s *stream) cancelBox(p param) {
	if i := boxSlot[p]; i >= 0 {
		s.boxes[i].state = boxNone
	}
}

// judgeBox follows p's box through the message with value v (prev the
// channel's previous value, base its baseline) and reports whether it ended
// here as a box (its mean level, the level it left, the smallest shift
// judged and the finding's explanation; "" for none): it began and ended in
// one message each, with no other channel moving beyond its own scatter
// then (quiet), held its level with the scatter it had before (one value
// off it now and then aside), and came back to where it left by the change
// it went out with, confirmed by this message. A heart box is also reported
// when it has held long enough without coming back (heartLasts).
func (s *stream) judgeBox(p param, v, prev, base float64, now int64, quiet bool) (level, pre, size float64, why string) {
	i := boxSlot[p]
	if i < 0 {
		return 0, 0, 0, ""
	}
	b, t := &s.boxes[i], &s.tracks[p]
	// A disturbed oximeter (motion, poor perfusion) throws the saturation
	// and the breathing rate about: a jump next to one is its burst's
	// start or end, not an edit's.
	quiet = quiet && s.witnessed(p) && (p != pRR && p != pSpO2 || !s.plethSince(3))
	switch b.state {
	case boxHolding:
		if r := &s.retrace[0]; p == pHR && r.start == now && r.nl > 0 && b.buckets < math.MaxUint8 {
			b.buckets++ // drift_return closed a 5-min mean of the heart rate in this message (see pacedLevel)
		}
		if p == pHR && s.heartUpset(b, v, now) {
			return 0, 0, 0, ""
		}
		sh := b.shift()
		d := v - float64(b.last)
		if b.holds(p, v) {
			if p == pHR {
				if heartLasts(b, now) {
					switch paced, told := s.pacedLevel(b); {
					case paced:
						b.long = false // a pacing rate: not reported, now or later
					case told:
						b.state = boxNone
						return b.sum / float64(b.n), float64(b.pre), max(heartLastMin, boxNoise*float64(b.noise)), whyLasted
					}
				}
			}
			if now-b.start > boxMaxHold || b.n == math.MaxUint16 {
				b.state = boxNone // the patient's level now
				return 0, 0, 0, ""
			}
			b.add(v)
			return 0, 0, 0, ""
		}
		noise := float64(b.noise)
		if quiet && now-b.start >= boxHold && b.n >= 2*baseN &&
			math.Abs(sh) >= max(boxMin[p], boxNoise*noise) &&
			b.returns(p, v, d) && (p != pSpO2 || desaturated(b, sh)) && (p != pHR || s.heartJumped(s.hrLim)) &&
			b.rough/float64(b.n-1) <= boxRough*noise {
			b.state = boxReturned
			return 0, 0, 0, ""
		}
		b.lapse()
		return 0, 0, 0, ""
	case boxReturned:
		if quiet && b.back(p, v) {
			b.state = boxNone
			return b.sum / float64(b.n), float64(b.pre), max(boxMin[p], boxNoise*float64(b.noise)), whyBox
		}
		// Not confirmed: the value that looked like the return was one
		// off the level, if the channel is back on it now.
		b.state = boxHolding
		b.lapse()
		if b.state == boxHolding && b.holds(p, v) {
			b.lapsed = false
			b.add(v)
		} else {
			b.state = boxNone
		}
		return 0, 0, 0, ""
	}
	// A jump, most of it in one message, from a settled level, while no
	// other channel moved: a box may begin.
	dev, least := v-base, max(boxMin[p], boxNoise*t.noise)
	if b.ref != 0 && math.Abs(base-float64(b.ref)) >= least/2 { // a first level is no move
		b.moved = now
	}
	b.ref = float32(base)
	if !quiet || t.exN != 0 || t.noiseN < 32 || math.Abs(dev) < least ||
		math.Abs(v-prev) < 0.75*math.Abs(dev) || !t.settled(dev) || p == pHR && !s.heartRests(v, base, b.moved, now) {
		return 0, 0, 0, ""
	}
	*b = box{pre: float32(base), ref: float32(base), jump: float32(v - prev), noise: float32(t.noise), last: float32(v), sum: v, start: now, moved: b.moved, n: 1, state: boxHolding}
	b.long = p == pHR && s.heartNew(v, dev)
	return 0, 0, 0, ""
}

// heartRests reports whether a heart rate's jump from base to v, at now,
// may begin a box: its pulse rate jumped with it (heartJumped), neither
// level is a re-entrant rhythm's (paroxysmal), and the level it left had
// been the heart's for as long as a box must hold (boxHold: its baseline
// last jumped, by half a box's smallest shift from one message to the
// next, at moved; a trend moves it by less). A heart that arrived
// at its level minutes before by a jump is changing between two rhythms
// or rates (episodes of a tachycardia or a bradycardia, the normal rhythm
// between them), and comes back to each (hl7load training seeds 2 m0106,
// 19 m0137, 52 m0117: 6, 5 and 8 minutes); an offset is written into a
// rate that was the patient's own.
func (s *stream) heartRests(v, base float64, moved, now int64) bool {
	return max(v, base) < s.paroxysmal() && now-moved >= boxHold && s.heartJumped(s.hrLim)
}

// paroxysmal is the heart rate from which a level the heart jumped to or
// from, with the pulse, is a re-entrant rhythm's: a supraventricular
// tachycardia or a flutter starts and stops in one beat, in an adult from
// 120/min (an AV-nodal re-entry runs at 120–140 in older patients, a flutter
// with 2:1 block at 130–150, slower under an antiarrhythmic drug; the
// project's own simulator makes one at 143) to 250, in a neonate at
// 220–300, and comes back to where it left. Below it a rate that jumps with
// its pulse and comes back is no rhythm of its own.
func (s *stream) paroxysmal() float64 {
	if s.neonatal {
		return 220
	}
	return 120
}

// heartLasts reports whether a heart box b, at now, is a level forged to
// the end: it has held, from a level the heart had not held in the last
// hour (long, see heartNew), for heartLast, by at least heartLastMin and its
// own box's smallest shift, most of it (75 %) in the jump out (a
// bradycardia reached over two messages is a rhythm slowing: box19_test.go),
// with the scatter it had before (boxRough), and the oximeter's pulse rate counted
// the same beats in all but one message in heartApart (a rhythm that jumps
// with a pulse deficit is atrial fibrillation's rapid response: hl7load
// training seed 4 m0096, a haemorrhage). The box asks the rest at its
// start (heartRests): the pulse jumped with the heart, nothing else moved,
// the level left had been the heart's for 10 min, neither level a
// re-entrant rhythm's. A heart changes rate by 20 beats in one beat only by
// changing its rhythm, and a new rhythm brings its own variation, its own
// pulse deficit or its own return: a paroxysmal tachycardia stops within
// minutes (corpus3 training's clean ones 4–17 min), a bradycardia's
// episode too, the normal rhythm between two episodes lasts minutes
// (heartRests). A rate that moved by 20 or more, with the sinus scatter and
// the pulse it had, and stayed there half an hour while nothing else in
// the patient answered, is an offset that was never taken away (corpus3
// training seed 3 m0131: a child's 62 to 28 for two hours, the arterial
// pressure unchanged).
//
// Nor is it reported at a pacing rate (pacedLevel, at the caller), nor
// before that can be told.
func heartLasts(b *box, now int64) bool {
	if !b.long || now-b.start < heartLast || b.n < 2 || int(b.apart)*heartApart > int(b.n) {
		return false
	}
	sh, noise := math.Abs(b.shift()), float64(b.noise)
	return sh >= max(heartLastMin, boxMin[pHR], boxNoise*noise) && math.Abs(float64(b.jump)) >= 0.75*sh &&
		b.rough/float64(b.n-1) <= boxRough*noise
}

// heartNew reports whether v, a heart rate that jumped by dev, lies off
// every 5-min level the heart held in the last hour (drift_return's
// buckets, by half the jump): a rate coming back to where it was before an
// episode (a tachycardia's end, a replay's, an offset's) is no new level.
func (s *stream) heartNew(v, dev float64) bool {
	r := &s.retrace[0] // tracked[0] is the heart rate
	for i := 0; i < int(r.nl); i++ {
		if math.Abs(r.bucket(i)-v) <= math.Abs(dev)/2 {
			return false
		}
	}
	return true
}

// heartUpsetMax and heartSettle bound a disturbance inside a heart box
// (heartUpset), in nanoseconds: the longest borne, and how long after its
// last message the values are still not read.
const (
	heartUpsetMax = int64(3 * 60 * 1e9)
	heartSettle   = int64(15 * 1e9)
)

// heartUpset reports whether the heart box b is not judged in this message
// (heart rate v, at now): the ECG heart rate and the oximeter's pulse rate,
// two counts of one heart, lie more than heartPulse apart in it (counted in
// apart, see heartLasts), or did within heartSettle before it. A patient
// moving throws both counts about, each its own way, for seconds to a
// minute or two (electrode and muscle artefact counted as beats, a probe
// jolted on a finger), with the saturation pulled down beside them; neither
// count is the heart's rate then, and the values say nothing of the level
// the heart holds: they are neither taken into the box's level and scatter
// nor counted as its lapses (two in a row end a box). The box goes on when
// the counts agree again for heartSettle (an oximeter averages over up to
// 15 s), and judges what follows: back on its level, it holds; elsewhere,
// it lapses or returns as after any message. A disturbance longer than
// heartUpsetMax ends the box: two counts apart for minutes are a rhythm's
// pulse deficit (atrial fibrillation, a bigeminy), a new state of the
// patient's, not motion (corpus training, hl7load seed 2 m0028: a neonate's
// forged +21 held 26 min, a 70-s motion burst in it, HR and PR 105–196
// each its own way with the saturation at 78–89, the box then held 28 min
// more and came back by −20 with its pulse; the burst had ended the box).
func (s *stream) heartUpset(b *box, v float64, now int64) bool {
	since := func(at uint16) int64 { return now - b.start - (int64(at)-1)*1e9 }
	if pr := &s.cur[pPR]; pr.ok && math.Abs(v-pr.v) > heartPulse {
		if b.apart < math.MaxUint8 {
			b.apart++
		}
		at := uint16(min((now-b.start)/1e9+1, math.MaxUint16))
		if b.upFrom == 0 {
			b.upFrom = at
		}
		b.upLast = at
		if since(b.upFrom) > heartUpsetMax {
			b.state = boxNone
		}
		return true
	}
	if b.upFrom != 0 && since(b.upLast) <= heartSettle {
		return true
	}
	b.upFrom, b.upLast = 0, 0
	return false
}

// For pacedLevel: pacedSpread is the widest spread, in 1/min, of a heart
// rate's 5-min means that reads as a pacing rate; pacedBuckets the fewest
// such means that tell.
const (
	pacedSpread  = 1.0
	pacedBuckets = 3
)

// pacedLevel reports whether the heart box b holds a pacing rate (paced),
// and whether that can be told yet (told): the heart rate's 5-min means
// begun and completed inside the box (drift_return's buckets) must be at
// least pacedBuckets; they are a pacing rate's when they lie within
// pacedSpread of one another, leaving out the one farthest out when there
// are four or more. It is asked once, when the box first meets heartLasts,
// and a paced box is then never reported (heartLasts asks long). A
// clinician who reprograms a pacemaker moves the heart and every pulse
// count together, in one beat, to a level that stays, with nothing else
// answering, and the pacemaker then holds it: its count flickers a beat
// about the programmed rate, and its 5-min means lie within a quarter of a
// beat of it (corpus5 training, pacing_change: 80 → 100, 112 → 90, 90 →
// 110, 74 → 100, 99 → 70, 109 → 80, means within 0.10–0.25 over the half
// hour). A motion burst's values counted as beats move one mean by a beat
// or two (seed 5 m0101, 70 min into its pacing rate: one mean at 82.35
// among eleven within 0.25), hence the one left out and the decision kept.
// A rhythm of the patient's own, and an offset written into it, wanders
// with the autonomic tone, breathing, arousal and temperature: on the
// training seeds the forged levels' 5-min means spread over 2.1 (a sleeping
// neonate at 150 sampled every second; 1.7 without the one farthest out),
// 3.6 and 18.5 beats. An offset written into a paced rate is not told from
// a new programmed one.
func (s *stream) pacedLevel(b *box) (paced, told bool) {
	// The first mean completed in the box holds values from before its
	// jump; a silence of 10 min empties drift_return's levels.
	r := &s.retrace[0] // tracked[0] is the heart rate
	k := min(int(r.nl), int(b.buckets)-1)
	if k < pacedBuckets {
		return false, false
	}
	var m [retraceBuckets]float64
	for i := range k {
		m[i] = r.bucket(int(r.nl) - k + i)
	}
	slices.Sort(m[:k])
	spread := m[k-1] - m[0]
	if k > pacedBuckets {
		spread = min(m[k-1]-m[1], m[k-2]-m[0])
	}
	return spread <= pacedSpread, true
}
