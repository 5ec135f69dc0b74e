package vitals

import (
	"math"
	"math/bits"
)

// curveRuns follows a channel's changes for too_regular (h): a rounded slow
// curve. A measured heart rate, pulse rate, breathing rate, arterial pressure
// or end-tidal CO2 is a level plus each reading's own error (the beats or
// breaths averaged since the last message, the transducer's noise): from one
// message to the next the reading moves up or down by that error as much as by
// the level, so the directions of its changes come in no order, and a reading
// that sits near a display step flickers across it (up, down, up). A moving
// average of the displayed values or a slow sinusoid, rounded to the display
// step, moves by at most a step or two per message and only one way until its
// curve turns: its changes come in a few long runs of one sign. Over the
// channel's last curveK changes, all but curveBig at most curveStep, the number of runs of
// one sign is judged against the chance of so few if the ups and downs
// (as many as there are) came in any order (the Wald–Wolfowitz runs test);
// conditioned on how many went up, a trend (a drug, a haemorrhage, sleep)
// does not lower it, and an error that a reading carries makes consecutive
// changes alternate more often than chance, not less. At least curveEach
// changes must go each way (a curve that turned, not a trend that turned
// once). Judged at a mean interval of at least curveCadence: faster messages
// share the beats a monitor averages over, and a heart rate's response of a
// few minutes (a desaturation, a sleeping patient's rise and fall) spans more
// messages than the window; at 10 s hl7load's clean sleeping heart rates move
// so (docs/vitals-history.md, "Rounded slow curves, session 21"). The saturation is
// judged by (g) (satquiet.go) instead.
//
// Below that cadence one shape is judged (session 23, a staircase): a
// channel whose learned roughness is at least a display unit, whose last
// curveK changes were each exactly one unit, holding each value for
// stairHold readings and stairTime on average, with as few runs. A reading
// carries its own error, and one whose error is below a unit still flickers
// back across the step it just crossed; readings that agree to the unit for
// longer than a monitor averages beats over (5–16 s), then step once, cleanly,
// and go on the same way, are a slow curve rounded to the display, not a
// heart, a breath or a pulse measured (docs/vitals-history.md, "Staircases at
// fast cadences, session 23").
type curveRuns struct {
	up    uint32        // the window's changes, latest lowest: 1 up, 0 down
	small uint32        // 1: the change was at most curveStep
	unit  uint32        // 1: the change was exactly one unit
	n     uint8         // changes in the window, up to curveK
	still uint8         // readings since the last change, up to 254
	hi    uint8         // holds' next slot
	held  uint16        // the window's holds summed
	holds [curveK]uint8 // readings from each change of the window to the next (the latest: to this one)
	// The calm run (session 25, see calm):
	bigN        uint8   // readings learned from, up to calmLearn (kept across a silence)
	bigK        uint8   // those that moved calmBig or more from the reading before
	calmN       uint16  // readings in a row since then that moved less than calmBig
	calmCh      uint8   // those among them that changed, up to 255
	calmUp      uint8   // those that went up
	bigs, reads uint16  // moves of calmBig or more and readings since learning (wrapping counters, for a witness; kept across a silence)
	witB, witR  uint16  // the witness's bigs and reads when the calm run began
	last        int64   // arrival of the channel's last reading, Unix ns (0: none since a silence)
	every       float64 // the interval between its readings, ns: a moving average over about 16
}

const (
	curveK       = 24   // changes judged together
	curveStep    = 2    // the largest change of a rounded slow curve, base units (two display steps)
	curveChance  = -3   // log10 chance below which the runs are too few
	curveEach    = 6    // changes each way at least: a curve that went both ways, not a trend that turned once
	curveBig     = 4    // changes in the window allowed above curveStep: a curve's steeper flanks (two a cycle)
	curveSilence = 3e11 // ns: a silence after which the window starts again (3 min: a 60 s cadence with a reading missed stays one run)
	curveCadence = 19e9 // ns: the mean interval from which readings share no beats of a monitor's average and a response of a few minutes spans fewer messages than the window (a 20 s cadence with its jitter)
	curveExpl    = "channel moves in a few long runs one way and back, by at most two units a message: a rounded slow curve, not a measurement"
	stairHold    = 4    // readings a value holds on average in a staircase
	stairTime    = 40e9 // ns a value holds on average in a staircase: longer than a monitor averages a rate or pressure over
	stairRough   = 1    // the learned roughness (mean |second difference|, base units) from which a channel's readings scatter by a unit
	stairExpl    = "channel climbs and falls one unit at a time, holding each value for readings on end without flickering back: a slow curve rounded to the display, not a measurement"
)

// curve updates p's window with the present value v (prev: the channel's
// previous reading, in the previous message or before a short hole: a
// message without it, an NIBP-only message) and reports too_regular (h)
// (see curveRuns). The cadence is the window's own (a moving average of the
// channel's interval), not the mean since the bed began.
func (s *stream) curve(em *emitter, p param, v, prev, irr float64, dst []Finding) []Finding {
	q := &s.curves[p]
	now := em.arrival.UnixNano()
	if q.last == 0 || now-q.last > curveSilence {
		// The learned share and the witness's counters survive: another
		// channel's calm run may have begun before this silence (calmWitnessed).
		*q = curveRuns{last: now, bigN: q.bigN, bigK: q.bigK, bigs: q.bigs, reads: q.reads}
		return dst
	}
	if dt := float64(now - q.last); q.every == 0 {
		q.every = dt
	} else {
		q.every += (dt - q.every) / 16
	}
	q.last = now
	d := v - prev
	q.calmStep(d)
	if w := calmWitness(p); w != pNone && q.calmN <= 1 {
		q.witB, q.witR = s.curves[w].bigs, s.curves[w].reads // the run begins
	}
	if d == 0 {
		q.still = min(q.still, 253) + 1
		return dst
	}
	h := q.still + 1
	q.still = 0
	q.held += uint16(h) - uint16(q.holds[q.hi])
	q.holds[q.hi] = h
	q.hi = (q.hi + 1) % curveK
	q.up <<= 1
	q.small <<= 1
	q.unit <<= 1
	if d > 0 {
		q.up |= 1
	}
	if math.Abs(d) <= curveStep {
		q.small |= 1
	}
	if math.Abs(d) == 1 {
		q.unit |= 1
	}
	if q.n < curveK {
		q.n++
	}
	const mask = 1<<curveK - 1
	if !em.on(rRegular) {
		return dst
	}
	c, ok := q.calm()
	if !ok {
		c, ok = s.lineCalm(p) // an arterial pressure judged with its twins
	}
	if ok && s.calmWitnessed(p, irr) {
		return em.add(dst, rRegular, p, s.cur[p].seg, s.cur[p].at, c, float64(q.calmN), calmChance, "", calmExpl)
	}
	if q.n < curveK || bits.OnesCount32(q.small&mask) < curveK-curveBig {
		return dst
	}
	expl := curveExpl
	if q.every < curveCadence {
		if !s.staircase(p) {
			return dst
		}
		expl = stairExpl
	}
	n1 := bits.OnesCount32(q.up & mask)
	runs := 1 + bits.OnesCount32((q.up^q.up>>1)&(mask>>1))
	// The bound first: the chance is summed (Lgammas) only for a window
	// with fewer runs than half the count expected in any order.
	if min(n1, curveK-n1) < curveEach || 2*runs > 1+2*n1*(curveK-n1)/curveK {
		return dst
	}
	if c := logRunsCDF(runs, n1, curveK-n1); c < curveChance {
		dst = em.add(dst, rRegular, p, s.cur[p].seg, s.cur[p].at, c, float64(runs), curveChance, "", expl)
	}
	return dst
}

// Too_regular (j), the calm run (session 25): a heart rate, pulse rate,
// breathing rate or arterial pressure carries each reading's own error (the
// breathing rate's is learned as the others' witness, calmWitness), so a
// share of its readings moves calmBig units or more from the one before; the
// share is learned over the channel's first calmLearn readings. A slow
// sinusoid or a moving average rounded to the display moves by at most a
// unit a message, however long it runs, and still changes. Reported on a
// message where the channel changed, at an interval between its readings of
// at least curveCadence, when at least calmChanges of the readings since the
// last move of calmBig or more changed, calmEach of them each way, and the chance of so many readings in
// a row below calmBig, each at the learned share, is below calmChance
// (docs/vitals-history.md, "A slow curve that never moves two units, session 25").
const (
	calmLearn    = 60  // readings the share of moves of calmBig or more is learned over
	calmBig      = 2   // base units: two display steps
	calmChanges  = 8   // changes in the run at least: a value that moves, not one held (frozen's)
	calmEach     = 3   // changes each way at least: a curve that turned, not a calm heart climbing (TestRoundedStraightLine)
	calmChance   = -14 // log10 chance below which the run is too long
	calmShare    = 0.9 // the learned share at most (a start all artefact)
	calmWitReads = 10  // readings of the witness since the run began at least
	calmWitShare = 0.6 // the share of its learned moves the witness keeps at least
	calmExpl     = "channel keeps changing by at most one unit a message for longer than its own readings ever stay so close: a rounded slow curve, not a measurement"
)

// calmStep learns the share of readings that move calmBig or more (d: the
// change from the channel's previous reading) and follows the calm run.
func (q *curveRuns) calmStep(d float64) {
	big := math.Abs(d) >= calmBig
	switch {
	case q.bigN < calmLearn:
		q.bigN++
		if big {
			q.bigK++
		}
	case big:
		q.calmN, q.calmCh, q.calmUp = 0, 0, 0
		q.bigs++
		q.reads++
	default:
		q.reads++
		q.calmN = min(q.calmN, math.MaxUint16-1) + 1
		if d != 0 && q.calmCh < math.MaxUint8 {
			q.calmCh++
			if d > 0 {
				q.calmUp++
			}
		}
	}
}

// calm returns log10 of the chance of the calm run at the learned share and
// whether it is reported (see calmStep); calmWitnessed decides which channels
// are judged.
func (q *curveRuns) calm() (float64, bool) {
	if q.bigN < calmLearn || q.bigK == 0 || q.calmCh < calmChanges || min(q.calmUp, q.calmCh-q.calmUp) < calmEach || q.every < curveCadence {
		return 0, false
	}
	c := float64(q.calmN) * math.Log10(1-min(float64(q.bigK)/float64(q.bigN), calmShare))
	return c, c < calmChance
}

// lineCalm judges an arterial pressure p's calm run together with its
// twins' (too_regular (j), session 26). The systolic, diastolic and mean are
// read from the same beats but each at its own point of the waveform and
// rounded on its own, so each keeps its own share of moves of calmBig or
// more; a line replaced by a slow curve loses them in all three at once, and
// a curve near its peak or trough may change too rarely in any one pressure
// for calm. The changes of p's run and of each twin's run no longer than
// p's (a longer run's changes are counted from its own start and cannot be
// cut to p's, so they are left out) must together pass calm's bounds and be
// at most lineHeld of their readings (a rounded slow curve holds a value for
// readings on end; pressures that scatter by a unit around a level in sleep
// change in more than half of them, TestPulsePressureSmooth), and the chance
// is summed over the three pressures' readings since p's run began (a
// twin's own run if shorter), each at its own learned share
// (docs/vitals-history.md, "An arterial line calm in its three pressures at once,
// session 26").
func (s *stream) lineCalm(p param) (float64, bool) {
	const lineHeld = 0.4 // the share of the runs' readings that change, at most
	q := &s.curves[p]
	if !arterial(p) || q.every < curveCadence {
		return 0, false
	}
	ch, up, n := 0, 0, 0
	for _, t := range [...]param{pARTSys, pARTDia, pARTMean} {
		if o := &s.curves[t]; o.calmN <= q.calmN {
			ch, up, n = ch+int(o.calmCh), up+int(o.calmUp), n+int(o.calmN)
		}
	}
	if ch < calmChanges || min(up, ch-up) < calmEach || float64(ch) > lineHeld*float64(n) {
		return 0, false
	}
	c := 0.0
	for _, t := range [...]param{pARTSys, pARTDia, pARTMean} {
		if o := &s.curves[t]; o.bigN >= calmLearn && o.bigK > 0 {
			c += float64(min(o.calmN, q.calmN)) * math.Log10(1-min(float64(o.bigK)/float64(o.bigN), calmShare))
		}
	}
	return c, c < calmChance
}

// calmWitness is the channel of another sensor whose own moves a calm run
// is held against: the breathing rate for the heart, pulse and arterial
// channels; pNone for the rest, which are not judged. A breathing rate's own
// calm is physiology as often as not: sleep and sedation regularise breathing
// and a ventilator sets it (a set rate with a triggered breath now and then
// moves by one a message for hours), and beside it the heart rate, its only
// witness, may be rough from AF or falling with a haemorrhage.
func calmWitness(p param) param {
	switch p {
	case pHR, pPR, pPRInv, pARTSys, pARTDia, pARTMean:
		return pRR
	}
	return pNone
}

// calmWitnessed reports whether p's calm run is witnessed (see calm): its
// witness, learned, read at least calmWitReads times since the run began and
// moved calmBig or more in at least calmWitShare of its own learned share of
// them. Sleep and sedation quieten the patient's rates together; a slow curve
// put in place of one channel leaves the others as they were. Nothing is
// judged while the heart rate is irregular or its roughness was learned so
// (AF; irr: hr_pr_agreement's irregular): AF ends by itself, and the rates and
// pressures it leaves are calm (TestPulsePressureSmooth).
func (s *stream) calmWitnessed(p param, irr float64) bool {
	w := calmWitness(p)
	if w == pNone || s.tracks[pHR].rough >= 2*irr || s.irregular(irr) {
		return false
	}
	q, o := &s.curves[p], &s.curves[w]
	n, k := o.reads-q.witR, o.bigs-q.witB
	return o.bigN >= calmLearn && n >= calmWitReads &&
		float64(k) >= calmWitShare*float64(n)*float64(o.bigK)/float64(o.bigN)
}

// staircase reports whether p's full window of changes is a staircase (see
// curveRuns): every change exactly one unit, each value held stairHold
// readings and stairTime on average, by a channel whose learned roughness
// is at least stairRough (a line that varies by less than its unit, a paced
// or ventilated rate, holds by itself).
func (s *stream) staircase(p param) bool {
	const mask = 1<<curveK - 1
	q, t := &s.curves[p], &s.tracks[p]
	return q.unit&mask == mask && int(q.held) >= stairHold*curveK &&
		float64(q.held)*q.every >= stairTime*curveK && t.learnt() && t.rough >= stairRough
}

// logRunsCDF returns log10 of the chance of at most r runs of one sign when
// n1 ups and n2 downs come in a random order.
func logRunsCDF(r, n1, n2 int) float64 {
	lc := func(n, k int) float64 {
		if k < 0 || k > n {
			return math.Inf(-1)
		}
		a, _ := math.Lgamma(float64(n + 1))
		b, _ := math.Lgamma(float64(k + 1))
		c, _ := math.Lgamma(float64(n - k + 1))
		return a - b - c
	}
	total := lc(n1+n2, n1)
	sum := 0.0
	for x := 2; x <= r; x++ {
		m := x / 2
		if x%2 == 0 {
			sum += 2 * math.Exp(lc(n1-1, m-1)+lc(n2-1, m-1)-total)
		} else {
			sum += math.Exp(lc(n1-1, m-1)+lc(n2-1, m)-total) + math.Exp(lc(n1-1, m)+lc(n2-1, m-1)-total)
		}
	}
	return math.Log10(sum)
}
