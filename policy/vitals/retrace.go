package vitals

import (
	"math"
	"slices"
	"time"
)

// The drift_return rule: a channel that ramps slowly away from its level
// over ten minutes or more and then returns to that level in one message,
// alone. A body does not do this: a temperature, a saturation, a breathing
// rate or a pressure that took minutes to leave recovers with its own time
// constant (the fever breaks over an hour, the saturation climbs as the
// lungs refill), and an abrupt change of state (waking, pain, a bolus) moves
// several channels at once. One channel's value snapping back, in one
// message, to the level it had before a slow monotone trend, while no other
// channel jumps, is a trend that was added to the channel and then removed.
// It does not need a redundant partner (SpO2, RR, etCO2, temperature,
// arterial pressure have none), and at a slow cadence the return is still
// one message.

// retraceInfo is per parameter: the smallest return judged, in base units
// (well above a monitor's display resolution and a sensor's beat-to-beat
// scatter, the size of a change a clinician would act on) and the
// transducer group (channels that one probe or line forges together, so they
// do not witness for one another; 0 = none). The pulse rates only witness:
// a pulse rate halves and recovers with bigeminy, and the heart rate they
// count is judged itself. kept: the related channels (trackInfo's
// partners) must have kept their levels over the trend, for the breathing
// rate and the arterial pressures only, whose genuine changes of pattern (a
// sigh, waking, a bolus) the body answers slowly. A forged saturation, etCO2
// or heart rate rides on the patient's own course (sleep, fever, a drug),
// whose partners move by themselves (sessions 9 and 14; session 19 on the
// second corpus).
var retraceInfo = [numParams]struct {
	min     float64
	group   uint8
	witness bool // witnesses only, never judged
	kept    bool // the partners kept their levels over the trend
}{
	pHR:      {8, 0, false, false},
	pPR:      {8, 0, true, false},
	pPRInv:   {8, 0, true, false},
	pSpO2:    {3, 0, false, false},
	pRR:      {5, 0, false, true},
	pARTSys:  {10, 1, false, true},
	pARTDia:  {8, 1, false, true},
	pARTMean: {8, 1, false, true},
	pEtCO2:   {5, 0, false, false},
	pTemp:    {0.3, 0, false, false},
}

// settleGap (session 25, drift25): an adult's or a child's breathing rate
// whose value follows the one before within this long is seconds of
// breathing, and its jump counts as a step of the trend (returned's ramp
// test) only as far as the next value stays on it, and at least as the
// channel's ordinary scatter (retraceWitness × its noise; retrace.push):
// an impedance signal's artefact (a cough, talking, the chest leads
// moved) is one value that comes back, no change of the patient's level,
// and a forged ramp carries the patient's own artefacts. A value a minute
// after the one before is a minute of breathing, and its jump counts at
// once; so does a neonate's at any cadence, whose breathing changes pace
// by itself for seconds (periodic breathing) and whose rate wanders by
// the size of a return (a septic neonate's 49 → 53 → 47/min at 30 s, hl7load
// training seed 8, which a first version flagged).
const settleGap = 45 * time.Second

const (
	retraceBucket  = 5 * time.Minute  // the channel's level is kept as means over this long
	retraceBuckets = 13               // levels kept: a trend up to an hour back
	retraceMinAge  = 2                // the level returned to is at least this many buckets old (10 min)
	retraceGap     = 10 * time.Minute // a longer gap (transfer, probe off) starts anew
	retraceNoise   = 4.0              // the return is at least this many times the channel's own scatter
	retraceWitness = 3.0              // another channel jumping this many times its scatter witnesses a change of state
	retraceLearn   = 30               // values before the channel's scatter is trusted
)

// retrace is the state of one channel for drift_return: 5-min means of its
// level over the last hour, its last three values and its scatter (mean
// |value − mean of the three before it|): 176 bytes.
type retrace struct {
	lvl    [retraceBuckets]float32 // completed bucket means, a ring; lvl[(head+i)%n] oldest first
	jump   [retraceBuckets]float32 // the largest |residual| in each bucket
	cjump  float32                 // and in the current one
	head   uint8                   // index of the oldest bucket when nl == retraceBuckets
	nl     uint8                   // completed buckets kept
	nlast  uint8                   // values in last (consecutive, at most 3)
	li     uint8                   // next slot in last
	n      uint16                  // values in the current bucket
	nn     uint16                  // values averaged into noise
	sum    float32                 // sum of the current bucket
	noise  float32                 // scatter
	wander float32                 // mean |change| between consecutive buckets
	pref   float32                 // a return waiting for its confirmation: the level returned to
	pj     float32                 // and the return
	since  uint8                   // the bucket index, counted back from the newest, where the trend began (set by returned)
	pend   bool
	last   [3]float32
	pres   float32 // the previous value's residual, while its step is unconfirmed (settle)
	start  int64   // arrival of the current bucket's first value, Unix ns
	at     int64   // arrival of the last value, Unix ns
}

// forgetLevels starts the levels anew at a bed turnover (newPatient): the
// completed and current buckets, the recent values and a return waiting for
// its confirmation. The scatter is the sensor's and stays.
func (r *retrace) forgetLevels() {
	r.nl, r.head, r.n, r.sum, r.cjump, r.nlast, r.pend = 0, 0, 0, 0, 0, 0, false
}

// bucket returns the i-th completed bucket, oldest first.
func (r *retrace) bucket(i int) float64 {
	return float64(r.lvl[(int(r.head)+i)%retraceBuckets])
}

// recent returns the mean of the last three values and whether there are
// three in a row.
func (r *retrace) recent() (float64, bool) {
	if r.nlast < 3 {
		return 0, false
	}
	return float64(r.last[0]+r.last[1]+r.last[2]) / 3, true
}

// push adds value v arriving at now and reports whether it completed a
// bucket. settle: a jump counts as a step only as far as the next value
// stays on it (settleGap).
func (r *retrace) push(v float64, now int64, resid float64, judged, settle bool) bool {
	if judged {
		// The scatter learns from ordinary messages: a residual is clipped at
		// three times the scatter so a step or a flush does not inflate it.
		d := math.Abs(resid)
		if r.nn >= retraceLearn {
			d = min(d, 3*float64(r.noise))
		}
		if r.nn < 64 {
			r.nn++
		}
		r.noise += float32((d - float64(r.noise)) / float64(min(r.nn, 64)))
		step := math.Abs(resid)
		if settle {
			// The previous value's jump counts as far as this one stayed
			// on it, and at least as the channel's ordinary scatter. A
			// value that came back has no jump of its own but its
			// distance from the level before; at a fast cadence any
			// other value's jump waits for the next.
			back := -1.0
			if r.pres != 0 {
				p, d := math.Abs(float64(r.pres)), v-(float64(r.last[(r.li+2)%3])-float64(r.pres))
				held := 0.0
				if d*float64(r.pres) > 0 {
					held = math.Abs(d)
				}
				r.cjump = max(r.cjump, float32(min(p, max(held, retraceWitness*float64(r.noise)))))
				if math.Abs(d) < p/2 {
					back = math.Abs(d)
				}
			}
			r.pres = 0
			if back >= 0 {
				step = back
			} else if now-r.at < int64(settleGap) {
				r.pres, step = float32(resid), 0
			}
		}
		r.cjump = max(r.cjump, float32(step))
	} else {
		r.pres = 0
	}
	r.last[r.li] = float32(v)
	r.li = (r.li + 1) % 3
	r.nlast = min(r.nlast+1, 3)
	r.at = now
	closed := false
	if r.n > 0 && now-r.start >= int64(retraceBucket) {
		closed = true
		m := r.sum / float32(r.n)
		if r.nl > 0 {
			last := float64(r.lvl[(int(r.head)+int(r.nl)-1)%retraceBuckets])
			r.wander += float32((math.Abs(float64(m)-last) - float64(r.wander)) / 8)
		}
		i := (int(r.head) + int(r.nl)) % retraceBuckets
		if r.nl < retraceBuckets {
			r.nl++
		} else {
			r.head = (r.head + 1) % retraceBuckets
		}
		r.lvl[i], r.jump[i] = m, r.cjump
		r.n, r.sum, r.cjump = 0, 0, 0
	}
	if r.n == 0 {
		r.start = now
	}
	r.n++
	r.sum += float32(v)
	return closed
}

// returned reports whether value v, a return by j = v − recent from the
// recent level rec, goes back to a level the channel held ten minutes to an
// hour ago, left along a monotone trend. It returns that level.
func (r *retrace) returned(v, rec, j float64) (float64, bool) {
	aj := math.Abs(j)
	s := math.Copysign(1, -j) // the direction the trend went
	tol := 0.25 * aj
	newest := int(r.nl) - 1
	best, found := 0.0, false
	for k := newest - retraceMinAge; k >= 1; k-- {
		// A level the channel held: two buckets, ten minutes, at it.
		ref := r.bucket(k)
		if math.Abs(v-ref) > 0.35*aj || (rec-ref)*s < 0.7*aj || math.Abs(r.bucket(k-1)-ref) > tol ||
			(found && math.Abs(v-ref) >= math.Abs(v-best)) {
			continue
		}
		// From the level to the recent value every bucket at or past the
		// previous one, and no message of the trend moved it by half the
		// return: a ramp, not a step that a genuine event (a
		// desaturation, a bolus) takes and gives back. That holds for the
		// level's own bucket too: a level whose bucket holds the step (a
		// ventilator's rate set up late in it) is no level held before a
		// trend.
		mono, prev := float64(r.cjump) < 0.5*aj && float64(r.jump[(int(r.head)+k)%retraceBuckets]) < 0.5*aj, ref
		for i := k + 1; i <= newest && mono; i++ {
			b := r.bucket(i)
			mono = (b-prev)*s >= -tol && float64(r.jump[(int(r.head)+i)%retraceBuckets]) < 0.5*aj
			prev = b
		}
		// The recent values continue the trend (not a dip that a motion
		// artefact or a probe made in the last minutes), and the trend is
		// larger than the wander of the channel's level. Of the levels
		// that qualify, the one the value returned to most closely.
		if mono && (prev-ref)*s >= 0.4*aj &&
			(rec-prev)*s >= -tol && (rec-prev)*s <= 0.5*aj && (rec-ref)*s >= 3*float64(r.wander) {
			best, found, r.since = ref, true, uint8(newest-k)
		}
	}
	return best, found
}

// driftReturn runs the drift_return rule over the tracked channels of the
// current message and then remembers their values.
func (s *stream) driftReturn(em *emitter, arrival time.Time, dst []Finding) []Finding {
	now := arrival.UnixNano()
	line := s.flushed() || s.damped()
	var resid [len(tracked)]float64
	var have [len(tracked)]bool
	for i, p := range tracked {
		c, r := &s.cur[p], &s.retrace[i]
		if !c.ok || (line && arterial(p)) {
			r.nlast = 0 // the recent level is three values in a row
			if c.ok && arterial(p) && s.zeroed() {
				// Zeroed to atmosphere: the transducer gets a new
				// reference, and the level after it (often a damped
				// trace) was not reached along a trend. Its levels start
				// anew; its scatter is the sensor's and stays.
				r.nl, r.head, r.n, r.sum, r.cjump = 0, 0, 0, 0, 0
			}
			continue
		}
		if r.at != 0 && (now-r.at > int64(retraceGap) || now < r.at) {
			*r = retrace{}
		}
		if rec, ok := r.recent(); ok {
			resid[i], have[i] = c.v-rec, true
		}
	}
	for i, p := range tracked {
		r := &s.retrace[i]
		if r.pend && s.cur[p].ok {
			// The return held for a second message, and still no other
			// channel responds: not a one-message artefact that happened to
			// land on the old level, nor an event the body follows. A
			// response here is a move by a witness's whole smallest return
			// (session 23, drift23): one message of a breathing rate's or an
			// oximeter pulse rate's scatter after the return is no answer.
			r.pend = false
			c := &s.cur[p]
			if math.Abs(c.v-float64(r.pref)) <= 0.35*math.Abs(float64(r.pj)) && s.alone(i, &resid, &have, 1, float64(r.pj)) && em.on(rDriftReturn) {
				dst = em.add(dst, rDriftReturn, p, c.seg, c.at, c.v, float64(r.pref), math.Abs(float64(r.pj)), "", "returned in one message, alone, to the level it had before a slow trend: the trend was not the patient's")
			}
			continue
		}
		if !have[i] || r.nn < retraceLearn || retraceInfo[p].witness {
			continue
		}
		j := resid[i]
		if math.Abs(j) < max(retraceInfo[p].min, retraceNoise*float64(r.noise)) || !s.alone(i, &resid, &have, 0.5, j) {
			continue
		}
		// All of the return in this message: the previous value still
		// held the trend's level (a drug or a recovery takes several).
		v, rec := s.cur[p].v, 0.0
		rec, _ = r.recent()
		if (v-float64(r.last[(r.li+2)%3]))/j < 0.75 {
			continue
		}
		if p == pTemp && s.probeBack(rec, v) {
			continue // a temperature probe put back on, not a trend undone
		}
		if arterial(p) && (s.damping || s.levelBack || s.heightMoved) {
			continue // a trace damping or clearing, or a transducer put back on its level (levelled) or moved with the venous one (cvpMoved), not a trend undone
		}
		if ref, ok := r.returned(v, rec, j); ok && (!retraceInfo[p].kept || s.partnersKept(p, int(r.since))) {
			r.pend, r.pref, r.pj = true, float32(ref), float32(j)
		}
	}
	for i, p := range tracked {
		c := &s.cur[p]
		if !c.ok || (line && arterial(p)) {
			continue
		}
		closed := s.retrace[i].push(c.v, now, resid[i], have[i], p == pRR && !s.neonatal)
		if closed && p == pSpO2 {
			if ref, ok := s.slid(i); ok && em.on(rDriftReturn) {
				dst = em.add(dst, rDriftReturn, p, c.seg, c.at, c.v, ref, retraceInfo[p].min, "", "slid along a slow ramp below every level it held half an hour to an hour before and stayed there, while the heart rate, breathing rate and etCO2 kept theirs")
			}
		} else if closed && p == pRR {
			if ref, need, ok := s.rrSlid(i); ok && em.on(rDriftReturn) {
				dst = em.add(dst, rDriftReturn, p, c.seg, c.at, c.v, ref, need, "", "slid along a slow ramp away from every level it held half an hour to an hour before and stayed there, while the heart rate, the saturation and etCO2 kept theirs")
			}
		}
	}
	return dst
}

// The saturation's slide (session 21, drift21): a saturation that has lain
// for 15 min (slideHold buckets) at least retraceInfo's smallest return (3
// points) below every 5-min mean it held 30 to 60 min before (slideOld
// buckets back and older, at least slideRef of them), having got there
// along a ramp (from slideOld buckets back no 5-min mean fell by more than
// half the whole fall from the highest of those levels, nor rose by more
// than a quarter of it), while the heart rate, the breathing rate and
// etCO2, where present, kept their levels (slidePartners): a desaturation
// that the lungs or the circulation make begins as a step (a plug, an
// apnoea, a position) or moves the breathing and heart rates with it; a
// ramp added to one channel leaves them where they were.
const (
	slideHold = 3 // buckets the saturation lies low (15 min)
	slideOld  = 6 // the levels compared are at least this many buckets old (30 min)
	slideRef  = 3 // and at least this many of them
)

// slidePartner is a channel that must have kept its level beside a slide,
// with the change of its level that counts as moving.
type slidePartner struct {
	p    param
	move float64
}

// slidePartners are the saturation's: 5 bpm, 3 breaths/min, 3 mmHg.
var slidePartners = []slidePartner{{pHR, 5}, {pRR, 3}, {pEtCO2, 3}}

// slid reports whether the saturation (tracked[i]) slid, and the lowest
// level it held before.
func (s *stream) slid(i int) (float64, bool) {
	r := &s.retrace[i]
	n := int(r.nl) - 1
	lo := max(0, n-retraceBuckets+1)
	if n-slideOld-lo+1 < slideRef {
		return 0, false
	}
	low, high := math.Inf(1), math.Inf(-1)
	for k := lo; k <= n-slideOld; k++ {
		low, high = min(low, r.bucket(k)), max(high, r.bucket(k))
	}
	now := math.Inf(-1)
	for k := n - slideHold + 1; k <= n; k++ {
		now = max(now, r.bucket(k))
	}
	fall := high - now
	if low-now < retraceInfo[pSpO2].min {
		return 0, false
	}
	if !r.ramped(n, -1, fall, false) {
		return 0, false
	}
	if kept, _ := s.slideKept(slidePartners); !kept {
		return 0, false
	}
	return low, true
}

// ramped reports whether the last slideOld buckets up to n went the way of
// sign (+1 up, -1 down) along a ramp: no 5-min mean moved on by more than
// half the whole change nor back by more than a quarter of it (a step, or a
// recovery on the way), and, with jumps, no single message in them jumped
// by half the change.
func (r *retrace) ramped(n int, sign, whole float64, jumps bool) bool {
	for k, prev := n-slideOld+1, r.bucket(n-slideOld); k <= n; k++ {
		b := r.bucket(k)
		if sign*(b-prev) > 0.5*whole || sign*(prev-b) > 0.25*whole {
			return false
		}
		if jumps && float64(r.jump[(int(r.head)+k)%retraceBuckets]) >= 0.5*whole {
			return false
		}
		prev = b
	}
	return true
}

// slideKept reports whether every partner with a level slideOld buckets old
// (slideRef buckets of it at least) kept it over the last slideHold buckets,
// and whether etCO2 was among them and reads now (a capnograph in place).
func (s *stream) slideKept(partners []slidePartner) (kept, co2 bool) {
	for _, q := range partners {
		rq := &s.retrace[slices.Index(tracked[:], q.p)]
		nq := int(rq.nl) - 1
		lq := max(0, nq-retraceBuckets+1)
		if nq-slideOld-lq+1 < slideRef {
			continue // absent, or not for long enough to have a level
		}
		co2 = co2 || q.p == pEtCO2 && s.cur[pEtCO2].ok
		var a, b float64
		for k := lq; k <= nq-slideOld; k++ {
			a += rq.bucket(k)
		}
		for k := nq - slideHold + 1; k <= nq; k++ {
			b += rq.bucket(k)
		}
		if math.Abs(b/slideHold-a/float64(nq-slideOld-lq+1)) >= q.move {
			return false, co2
		}
	}
	return true, co2
}

// The breathing rate's slide (session 24, drift24; its sizes session 33,
// rrstep33): a breathing rate that has lain for 15 min (slideHold buckets)
// above or below every 5-min mean it held 30 to 60 min before (as for the
// saturation's slide), got there along a ramp (no 5-min mean from slideOld
// buckets back moved by more than half the whole change nor back by more
// than a quarter of it, and no single message in those buckets jumped by
// half the change: a ventilator's set rate is changed in steps), while the
// heart rate, the saturation and etCO2, where present, kept their levels
// (rrSlidePartners).
//
// How far it must have moved follows from what the partners can answer.
// Ventilation sets the CO2 the lungs clear: at a kept tidal volume the
// arterial and end-tidal CO2 move inversely with the breathing rate, so a
// rate slowed by a third (rrFallShare) raises etCO2 by about half (40 to
// 55-60 mmHg), and only a much deeper breath at every breath could keep it;
// a slowing is therefore judged only beside a capnograph that reads now and
// kept its level. Without one an opioid's or sleep's slowing leaves the
// heart rate and the saturation where they were (the third generator's
// clean beds, 7 m0066: 18 to 8.5/min), and is not judged. A faster rate
// can be a shallower breath at the same minute ventilation, which leaves
// the CO2 where it was (agitation, pain, a fever: 22 to 33/min on a clean
// bed of the fourth generator, session 33, with the heart rate and etCO2
// kept), so a rise is judged only from half the earlier level
// (rrRiseShare): a rate half as fast again or more, kept for a quarter of
// an hour, with the heart rate within 5 bpm and the saturation within 2
// points, is a breathing effort no distress, acidosis or waking makes
// without the heart answering. Never less than rrSlideMin breaths/min.
const (
	rrSlideMin  = 6   // breaths/min
	rrRiseShare = 0.5 // of the mean earlier level, for a rise
	rrFallShare = 0.3 // of the mean earlier level, for a fall (beside a capnograph)
)

// rrSlidePartners are the breathing rate's: 5 bpm, 2 points, 3 mmHg.
var rrSlidePartners = []slidePartner{{pHR, 5}, {pSpO2, 2}, {pEtCO2, 3}}

// rrSlid reports whether the breathing rate (tracked[i]) slid, the earlier
// level nearest to where it lies now, and the change that was needed.
func (s *stream) rrSlid(i int) (ref, need float64, ok bool) {
	r := &s.retrace[i]
	n := int(r.nl) - 1
	lo := max(0, n-retraceBuckets+1)
	if n-slideOld-lo+1 < slideRef {
		return 0, 0, false
	}
	low, high, mean := math.Inf(1), math.Inf(-1), 0.0
	for k := lo; k <= n-slideOld; k++ {
		b := r.bucket(k)
		low, high, mean = min(low, b), max(high, b), mean+b
	}
	mean /= float64(n - slideOld - lo + 1)
	nlow, nhigh := math.Inf(1), math.Inf(-1)
	for k := n - slideHold + 1; k <= n; k++ {
		nlow, nhigh = min(nlow, r.bucket(k)), max(nhigh, r.bucket(k))
	}
	rise, fall := max(rrSlideMin, rrRiseShare*mean), max(rrSlideMin, rrFallShare*mean)
	var sign, whole float64
	switch {
	case nlow-high >= rise:
		sign, whole, ref, need = 1, nlow-low, high, rise
	case low-nhigh >= fall:
		sign, whole, ref, need = -1, high-nhigh, low, fall
	default:
		return 0, 0, false
	}
	if !r.ramped(n, sign, whole, true) { // a ventilator's set rate is changed in steps
		return 0, 0, false
	}
	kept, co2 := s.slideKept(rrSlidePartners)
	if !kept {
		return 0, 0, false
	}
	if sign < 0 && !co2 {
		return 0, 0, false // a slowing only the capnograph can tell from an opioid's or sleep's
	}
	return ref, need, true
}

// partnersKept reports whether every related channel of p (trackInfo) that
// has a level as old as the trend's start, back buckets before the newest,
// kept that level: a genuine trend (a desaturation raising the heart and
// breathing rates, a fever the heart rate) moves them with it.
func (s *stream) partnersKept(p param, back int) bool {
	for _, q := range trackInfo[p].partners {
		if q == pNone {
			continue
		}
		k := slices.Index(tracked[:], q)
		rq := &s.retrace[k]
		newest := int(rq.nl) - 1
		if newest-back < 0 {
			continue
		}
		d := math.Abs(rq.bucket(newest) - rq.bucket(newest-back))
		if d > max(retraceInfo[q].min/2, 2*float64(rq.wander)) {
			return false
		}
	}
	return true
}

// alone reports whether no channel but tracked[i] (and those of its
// transducer, and a pulse rate counting the heart rate's beats again,
// sameBeats) jumped in this message beyond its own scatter and share of its
// smallest return (retraceInfo): a change of state (waking, pain, a drug, a
// desaturation) moves several. rise is tracked[i]'s whole return (the
// message's residual, or in the confirming message the return it confirms).
func (s *stream) alone(i int, resid *[len(tracked)]float64, have *[len(tracked)]bool, share, rise float64) bool {
	g := retraceInfo[tracked[i]].group
	for k, q := range tracked {
		if k == i || !have[k] || (g != 0 && retraceInfo[q].group == g) || sameBeats(tracked[i], q, rise, resid[i], resid[k]) {
			continue
		}
		rq := &s.retrace[k]
		if rq.nn >= retraceLearn && math.Abs(resid[k]) >= max(share*retraceInfo[q].min, retraceWitness*float64(rq.noise)) {
			return false
		}
	}
	return true
}

// probeCool is how far, in °C, a temperature must lie below the level it
// held in the last hour for a fast rise back to that level to be a probe
// put back on (probeBack).
const probeCool = 2

// probeWarm is how many of the latest completed 5-min levels probeBack
// reads for the cold probe: the last 15 minutes, which a probe put back on
// needs to warm through.
const probeWarm = 3

// probeRising is how far, in °C, the latest completed 5-min level must lie
// below the reading a rise starts from for the probe to be still warming
// (probeBack, review36): a probe that warmed back and held the patient's
// level for a bucket is warm, and a cold level within the last quarter hour
// no longer excuses a rise from there.
const probeRising = 0.5

// probeBack reports whether a temperature rising from lo to v warms back
// to the level it held within the last hour (its highest 5-min mean, not
// exceeded by more than half a degree) from at least probeCool below it,
// lo or one of the channel's last three values. A
// skin or body probe that comes off reads the room, cooling toward 25-32 °C
// over minutes, and warms back to the patient's temperature within a minute
// or two when it is put back on (the third blind generator's skin-probe
// falls, session 19). No patient cools by two degrees and rewarms in
// minutes; a forged rise starts from the patient's level, not below it.
//
// Since session 36 (c6art36) the cold probe may also be one of the last
// probeWarm completed 5-min levels: a probe back in the axilla, the rectum
// or under a skin cover warms from the air's 29-32 °C through minutes, a
// tenth of a degree per message on a 2-s or 5-s monitor, and its last
// degree may come in one message; the three readings before that rise then
// lie a degree or less below the patient's level, but the probe's level
// minutes before lay degrees below it (corpus6 training s2 m0134: 29.0 to
// 36.5 over 4 min at 2 s, then 37.6; s1 m0121 at 15 s, 30.5 to 36.1, then
// 37.4). A forged rise from the patient's own level has no such cold spell
// behind it, and one that ends more than half a degree above the hour's
// level is judged whatever came before. Such a 5-min level counts only at
// airMax or below, the air's reading: a level two degrees under the hour's
// and above it is the patient's own (a fever's earlier level, or one
// replayed), and its end is judged (session 36, after c6art36's fresh
// block: corpus5 s84 m0064, a replay of 37.2 °C beside a fever of 39.2).
// And only while the probe is still warming: its latest completed 5-min
// level lies probeRising below the reading the rise starts from (review36).
// Without that the cold level excused, for up to 20 minutes after the probe
// came off, any rise landing on the hour's level, from wherever it started:
// a probe put back on at 36.4 °C under an hour's 37.0, held there for 10
// minutes, then a forged step, a replay's start or a drift's end up to 37.4
// in one message. A rise within the first 5-min level after the probe
// warmed is still read as its warming.
//
// Since session 41 (drift41) the probe must also have come off: the cold
// spell began with a fall a probe in the air makes, probeFall or more from
// one 5-min level to the next, or from the latest completed 5-min level to
// the cold reading (probeFell). A probe off the skin or out of the body
// cools toward the room with a time constant of minutes, losing degrees in
// its first five; a body loses a few tenths of a degree in five minutes,
// even under active cooling (a patient cooled faster, as by cold-water
// immersion, is given the excuse as before: review41c). A reading that
// sank two degrees along a ramp of hundredths of a degree a minute never
// left the patient, and its jump back up in one message was not a probe
// put back on (corpus7 training s3 m0022: 38.0 to 35.6 over 36 min at
// 15 s, then 37.9; every probe fall on the seven generators' training seeds
// lost at least 1.1 degrees between two 5-min levels).
func (s *stream) probeBack(lo, v float64) bool {
	r, from := &s.retrace[slices.Index(tracked[:], pTemp)], lo
	held := math.Inf(-1)
	for k := range int(r.nl) {
		held = max(held, r.bucket(k))
	}
	for k := range int(r.nlast) {
		lo = min(lo, float64(r.last[k])) // a probe warming back over several messages
	}
	if !r.probeFell(lo) {
		return false // a reading that sank slowly: no probe came off
	}
	if r.nl > 0 && r.bucket(int(r.nl)-1) <= from-probeRising {
		// Still warming: its latest 5-min level lies below the reading the
		// rise starts from.
		for k := max(0, int(r.nl)-probeWarm); k < int(r.nl); k++ {
			if b := r.bucket(k); b <= airMax {
				lo = min(lo, b) // a probe warming back over minutes
			}
		}
	}
	return lo <= held-probeCool && v <= held+0.5
}

// probeFall is how far, in °C, a temperature must fall from one 5-min
// level to the next (0.15 °C a minute) to be a probe come off rather than
// the patient cooling (probeBack, session 41).
const probeFall = 0.75

// probeFell reports whether the temperature's kept 5-min levels show a fall
// a probe makes in the air: probeFall or more between two consecutive
// completed levels, every level since lying probeFall or more below the one
// it fell from (the cold spell the rise ends began with it), or from the
// latest completed level to lo, the cold reading a rise starts from (a
// probe off and put back within the current 5 minutes). Before review41c a
// fall anywhere in the kept hour counted: a probe off and back on earlier in
// the hour excused a slow ramp begun after it and its jump back
// (TestReview41cForgedRampOpenings).
func (r *retrace) probeFell(lo float64) bool {
	n := int(r.nl)
	if n > 0 && r.bucket(n-1)-lo >= probeFall {
		return true
	}
	top := math.Inf(-1) // the highest level after bucket k-1
	for k := n - 1; k >= 1; k-- {
		top = max(top, r.bucket(k))
		if pre := r.bucket(k - 1); pre-r.bucket(k) >= probeFall && pre-top >= probeFall {
			return true
		}
	}
	return false
}

// sameBeatsTol is how closely, as a fraction of the heart rate's change, a
// pulse rate's change must match it to be the same beats counted again.
const sameBeatsTol = 0.25

// sameBeatsMin is how many times the heart rate's smallest return its rise
// must be for the pulse rates not to witness: a sleeping or sedated
// patient's heart rate stirs by 8–15 bpm in a message, its pulse with it.
const sameBeatsMin = 2

// sameBeats reports whether channel q's change dq in this message is the
// heart rate's change dp (p the heart rate, whose return is rise) counted
// again by a pulse rate:
// the oximeter and the arterial line count the beats the ECG counts, so a
// pulse rate that rose with the heart rate, by the same amount within
// sameBeatsTol, is no second channel answering a change of state (session
// 23, drift23: a forger edits the heart rate and its pulse rates together).
// A pulse rate that moved otherwise (motion on the oximeter, a crying
// neonate's pleth) still witnesses. Only a rise: a heart rate falls
// abruptly by itself (a vagal or a neonate's bradycardia, a crying bout's
// end, a rhythm that changes, the training beds' haemorrhage and sepsis),
// and such a fall can land on a level it held before; one that sank over
// half an hour and jumps back up while nothing else moves was edited.
// The size is judged on the whole return, not on dp: in the confirming
// message a residual is taken from the mean of the last three values, two
// thirds of the return (review23: judged on dp, returns of 16–23 bpm were
// never confirmed).
func sameBeats(p, q param, rise, dp, dq float64) bool {
	return p == pHR && rise >= sameBeatsMin*retraceInfo[pHR].min && dp > 0 && (q == pPR || q == pPRInv) && math.Abs(dq-dp) <= sameBeatsTol*dp
}
