package vitals

import (
	"math"
	"slices"
	"time"
)

// The cuff and the arterial line measure one pressure. Each bed has its own
// difference between them (the catheter's site, the cuff's size, the
// transducer's height) and its own scatter around it, both learned here at
// each new cuff reading. A genuine change of pressure (a haemorrhage, a
// vasopressor, sedation) moves both sensors, and the difference stays. A
// level changed on the arterial line alone (a forged step or drift of
// the trio, which no other channel answers) leaves the cuff behind: the
// difference leaves its learned scatter at every cuff reading until the level
// comes back. One reading off is a cuff's motion artefact or an arterial
// beat; several in a row on one side are not.
//
// A zeroing does not reset the learned difference: it corrects the
// transducer's zero by a few mmHg at most, inside the difference's scatter,
// while the site, the catheter and the cuff that make the difference stay.
// Flushed, zeroed and damped arterial values are not compared. A bed
// turnover forgets it (newPatient), and so does a difference that stays off
// on one side for cuffPairLen readings in a row (DeviationReadings if more):
// a cuff moved to the other arm or a transducer re-levelled is the bed's new
// difference once it has been reported, not a finding at every cuff reading
// until the bed turns over (a forged level that lasts that long has been
// reported by then).

const (
	// cuffPairLen is how many accepted differences the offset is the median of.
	cuffPairLen = 8
	// cuffPairMin is how many accepted differences are needed before judging:
	// a scatter from fewer readings is too uncertain for a 3-unit test.
	cuffPairMin = cuffPairLen
	// cuffPairFloor (mmHg) is the smallest scatter of the difference: two
	// integer readings with a rounding each.
	cuffPairFloor = 2.0
)

// cuffPair follows the difference between the cuff's mean pressure and the
// arterial mean pressure at new cuff readings (see cuffOffset).
type cuffPair struct {
	diff [cuffPairLen]float32 // accepted differences, a ring
	n    uint8                // accepted differences held (≤ cuffPairLen)
	head uint8                // next slot of the ring
	run  uint8                // readings in a row off the offset on one side
	up   bool                 // the side of that run: cuff above the line

	cuff, art float32 // the cuff and arterial means of the last reading compared (art 0: none, or forgotten with the offset), see cuffCmH2O
}

// offset returns the learned difference (the median of the accepted ones)
// and its scatter (their root-mean-square deviation from it, a standard
// deviation about the median, at least cuffPairFloor); ok is false while
// fewer than cuffPairMin are held.
func (c *cuffPair) offset() (off, scatter float64, ok bool) {
	if c.n < cuffPairMin {
		return 0, 0, false
	}
	var buf [cuffPairLen]float64
	d := buf[:c.n]
	for i := range d {
		d[i] = float64(c.diff[i])
	}
	slices.Sort(d)
	if m := len(d) / 2; len(d)%2 == 1 {
		off = d[m]
	} else {
		off = (d[m-1] + d[m]) / 2
	}
	for _, x := range d {
		scatter += (x - off) * (x - off)
	}
	return off, max(cuffPairFloor, math.Sqrt(scatter/float64(len(d)))), true
}

// learn accepts one difference into the ring.
func (c *cuffPair) learn(d float64) {
	c.diff[c.head] = float32(d)
	c.head = (c.head + 1) % cuffPairLen
	c.n = min(c.n+1, cuffPairLen)
}

// cuffOffset judges one new cuff reading (mean cuff; one cuffComparable
// admits, not one sooner than a cuff cycles) against the arterial mean
// of the same message: the finding fires when Deviation × the learned scatter
// separates them from their learned offset, on one side, at
// DeviationReadings cuff readings in a row. A reading that far off does not
// teach the offset, so a level off for a few readings is not learned as the
// bed's new difference; every other reading does (leaving out more would
// narrow the scatter learned). After cuffPairLen readings off in a row (or
// DeviationReadings, when more, so that a run can reach them) the
// difference is learned anew from the latest one.
func (s *stream) cuffOffset(em *emitter, ni *NIBPIBPRule, cuff, art *reading, at time.Time, dst []Finding) []Finding {
	if ni.Deviation <= 0 {
		return dst
	}
	c := &s.cuff
	d := cuff.v - art.v
	off, sc, ok := c.offset()
	if !ok {
		c.learn(d)
		return dst
	}
	dev := d - off
	if math.Abs(dev) >= ni.Deviation*sc {
		if o := s.lineOff(); o != 0 && math.Abs(dev+o) < ni.Deviation*sc {
			d, dev = d+o, dev+o // the line's reported height taken out (lineOff)
		}
	}
	if math.Abs(dev) < ni.Deviation*sc {
		c.run = 0
		c.learn(d)
		return dst
	}
	if c.run == 0 || c.up != (dev > 0) {
		c.run, c.up = 0, dev > 0
	}
	c.run++
	if int(c.run) >= ni.DeviationReadings && em.on(rNIBPIBP) {
		dst = em.add(dst, rNIBPIBP, pNIBPMean, cuff.seg, at, dev, off, ni.Deviation*sc, "",
			"arterial mean pressure left its learned difference from the cuff over consecutive cuff readings")
	}
	if int(c.run) >= max(cuffPairLen, ni.DeviationReadings) {
		*c = cuffPair{}
		c.learn(d)
	}
	return dst
}

// cuffComparable reports whether a new cuff reading (systolic csys,
// diastolic cdia, mean cuff) and the arterial line of its message (mean
// art) measure the patient's pressure, so that they can be compared: not a
// flushed, zeroed or damped line, nor one showing no pulse, and a cuff
// reading in order (bp_order judges one that is not).
func (s *stream) cuffComparable(csys, cdia, cuff, art *reading) bool {
	if s.flushed() || s.damped() {
		return false // no patient pressure on the line (zeroing is damped)
	}
	if !csys.ok || !cdia.ok || csys.v <= cdia.v || cuff.v < cdia.v || cuff.v > csys.v {
		return false
	}
	sys, dia := &s.cur[pARTSys], &s.cur[pARTDia]
	return !sys.ok || !dia.ok || !lineArtefact(sys.v, dia.v, art.v, true)
}

// mmHgInCmH2O is one millimetre of mercury in centimetres of water.
const mmHgInCmH2O = 1.35951

// heightShare is how far, as a share of the pressure the line reads with
// its height taken out (heightOff), a cuff may lie from it to be excused as
// no cuff in cmH2O (review36). A cuff in cmH2O lies 36 % above it, so at a
// mean of 55 mmHg or less within the nibp_ibp_agreement tolerance (20
// mmHg) as well, and was excused beside a line standing raised: a
// hypotensive adult's or a child's mean of 48 mmHg reads 65 cmH2O, 17 above
// the patient's 48, where the line 12 low reads 36. The cuff that
// c6art36's excuse was made for lay 20 % from it (corpus6 training s1
// m0061 400: 100 beside a line of 77 remembered 6 low).
const heightShare = 0.25

// cuffCmH2O judges one new cuff reading (one cuffComparable admits, not one
// sooner than a cuff cycles) against the arterial pressures of its message
// for a unit of cmH2O labelled mm[Hg], and keeps its means as the previous
// reading compared.
//
// A cuff that sends centimetres of water labelled mm[Hg] reads 1.36 times
// the pressure: its systolic, diastolic and mean pressures all sit at 1.36
// times the arterial line's, each as close as a genuine cuff sits to the
// line. A genuine difference between the two is additive (the catheter's
// site, the cuff's size, a transducer's height). One reading hardly tells
// them apart (at a mean of 85 mmHg, 1.36 times is 31 mmHg more; scaled,
// the pulse pressure grows by a third of itself, 10–20 mmHg, about what a
// cuff's systolic and diastolic scatter by), but a genuine difference is
// the bed's at every reading, and a mislabel starts at one. So a reading
// is reported when, read in cmH2O, its three pressures agree with the
// line's (within the nibp_ibp_agreement tolerance, each), as labelled its
// mean does not, the previous reading compared agreed with the line as
// labelled, and since then the cuff's mean has moved further than the
// line's. The last keeps a line that stepped down (a transducer raised,
// a forged level) beside a cuff that stayed from being taken for a cuff
// that jumped: 22–29 mmHg under a mean of 85–110 is also 1.36 times less.
// A cuff that alone jumped by about a third (22–29 mmHg at these means)
// passes the same tests, hence the finding's wording.
//
// A cuff that agrees with the line, as labelled, once the shift of the
// line's height it still stands at (heightOff) is taken out of the line, is
// not judged (session 36, c6art36): a transducer lowered below the heart
// after the patient was turned reads every pressure 6–20 mmHg high, raised
// that much low, until someone levels it, while the cuff on the arm reads
// the patient; the two then part by the transducer's height, an amount the
// cuff's unit has no part in (corpus6 training s1 m0061: the line lowered
// by 12 mmHg in one message after a turn, the cuff 23 mmHg above it at its
// next reading, 11 above it with the height taken out). The cuff must
// also lie within heightShare of that pressure (review36; see there).
func (s *stream) cuffCmH2O(em *emitter, ni *NIBPIBPRule, csys, cdia, cuff, art *reading, now int64, at time.Time, dst []Finding) []Finding {
	c := &s.cuff
	pc, pa := float64(c.cuff), float64(c.art)
	c.cuff, c.art = float32(cuff.v), float32(art.v)
	asys, adia := &s.cur[pARTSys], &s.cur[pARTDia]
	if pa == 0 || !asys.ok || !adia.ok || math.Abs(pc-pa) > ni.Tolerance || cuff.v-art.v <= ni.Tolerance {
		return dst
	}
	if h := s.heightOff(now); h != 0 && math.Abs(cuff.v-(art.v-h)) <= min(ni.Tolerance, heightShare*(art.v-h)) {
		return dst // the line's height, not the cuff's unit
	}
	if cuff.v-pc <= math.Abs(art.v-pa) {
		return dst // the line moved as far: the cuff did not leave it
	}
	for _, p := range [3][2]float64{{csys.v, asys.v}, {cdia.v, adia.v}, {cuff.v, art.v}} {
		if math.Abs(p[0]/mmHgInCmH2O-p[1]) > ni.Tolerance {
			return dst
		}
	}
	if em.on(rUnitMismatch) {
		dst = em.add(dst, rUnitMismatch, pNIBPMean, cuff.seg, at, cuff.v, cuff.v/mmHgInCmH2O, ni.Tolerance, KindIntegrity,
			"cuff pressures at the arterial pressures in cmH2O, labelled mmHg, where the cuff agreed with the line before: unit mislabelled, or the cuff alone stepped")
	}
	return dst
}

// lineOff returns the height shift the arterial line's reported step began
// with (its three pressures moved by one amount in one message, see
// levelShift), while that step stands: no arterial pressure has come back
// from it, nor was the line zeroed, flushed or silent since (each clears its
// step's memory, undoOK). A transducer raised or lowered reads every pressure
// off by that amount until it is levelled again; the cuff, on the patient's
// arm, does not. Once the step has been reported, a cuff reading that agrees
// with the line with that amount taken out says nothing new: without it
// the same condition would be reported again at every cuff reading for as
// long as the transducer stays where it is. A cuff that disagrees with the
// line either way is still judged. 0 when there is none.
func (s *stream) lineOff() float64 {
	if s.lineStep == 0 {
		return 0
	}
	for _, q := range [...]param{pARTSys, pARTDia, pARTMean} {
		if t := &s.tracks[q]; t.undoOK && !t.undoCorr {
			return float64(s.lineStep)
		}
	}
	s.lineStep = 0
	return 0
}
