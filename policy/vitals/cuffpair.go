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

// cuffOffset judges one new cuff reading (systolic csys, diastolic cdia,
// mean cuff; not one sooner than a cuff cycles) against the arterial mean
// of the same message: the finding fires when Deviation × the learned scatter
// separates them from their learned offset, on one side, at
// DeviationReadings cuff readings in a row. A reading that far off does not
// teach the offset, so a level off for a few readings is not learned as the
// bed's new difference; every other reading does (leaving out more would
// narrow the scatter learned). After cuffPairLen readings off in a row (or
// DeviationReadings, when more, so that a run can reach them) the
// difference is learned anew from the latest one.
func (s *stream) cuffOffset(em *emitter, ni *NIBPIBPRule, csys, cdia, cuff, art *reading, at time.Time, dst []Finding) []Finding {
	if ni.Deviation <= 0 || s.flushed() || s.damped() {
		return dst // no patient pressure on the line (zeroing is damped)
	}
	if !csys.ok || !cdia.ok || csys.v <= cdia.v || cuff.v < cdia.v || cuff.v > csys.v {
		return dst // a cuff reading out of order is no measurement (bp_order judges it)
	}
	if sys, dia := &s.cur[pARTSys], &s.cur[pARTDia]; sys.ok && dia.ok && lineArtefact(sys.v, dia.v, art.v, true) {
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
