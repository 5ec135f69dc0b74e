package vitals

import (
	"math"
	"time"
)

// The decoupled rule: the ECG heart rate and a pulse rate count the same
// beats, so in a regular rhythm their difference is a property of the
// device pair (a few bpm of averaging at most) that physiology does not
// move: a tachycardia, a fever or a drug raises both. A slow drift of one of
// them away from the other, minutes long, while the other keeps its level,
// is one channel edited. Pulse deficits that are physiology are left to
// hr_pr_agreement: an irregular rhythm (AF) and the 40–65 % pulse of
// bigeminy are not judged here, except for the one direction no rhythm
// explains: the pulse rate above the heart rate. A pulse needs a beat, so a
// deficit only ever lowers the pulse rate; in AF or bigeminy a pulse rate
// that stays above the heart rate, beyond the pair's own difference, for
// minutes is a heart rate edited down (or a pulse rate edited up).

// decoupledPairs are the redundant measurements compared: the ECG heart
// rate with the oximeter's and with the arterial line's pulse rate.
var decoupledPairs = [...][2]param{{pHR, pPR}, {pHR, pPRInv}}

const (
	decoupledFast    = 2 * time.Minute  // time constant of the recent difference
	decoupledSlow    = 30 * time.Minute // time constant of the learned difference and levels
	decoupledLearn   = 20 * time.Minute // paired time before a pair is judged
	decoupledPersist = 5 * time.Minute  // the recent difference stays off this long
	decoupledGap     = 10 * time.Minute // a longer gap (a transfer, a probe off) starts learning anew
	decoupledRelearn = 2 * time.Hour    // a departure this old is learned as the pair's difference
	decoupledMin     = 10.0             // bpm: the smallest departure judged
	decoupledSpread  = 5.0              // and at least this many times the pair's own spread
)

// decoupling is the state of one pair: exponential averages of the
// difference b − a and of each channel's level, in time, not messages, so
// that a device's cadence does not change what they mean.
type decoupling struct {
	at      int64   // arrival of the last pair, Unix ns; 0 = none yet
	learned int64   // paired time seen, ns
	since   int64   // arrival when the recent difference left the learned one, 0 = it has not
	n       int32   // pairs since then
	fast    float64 // recent difference
	base    float64 // learned difference
	spread  float64 // learned mean |fast − base|
	a, b    float64 // learned levels of the two channels
	fa, fb  float64 // recent levels of the two channels
	// In an irregular rhythm, where the fields above rest (pulseOver):
	oat    int64   // arrival of the last pair judged, Unix ns; 0 = none
	osince int64   // arrival when the pulse rate went above the heart rate, 0 = it has not
	on     int32   // pairs since then
	over   float32 // recent difference b − a
}

// decoupled runs the decoupled rule over the pairs present in the current
// message.
func (s *stream) decoupled(e *Engine, em *emitter, arrival time.Time, dst []Finding) []Finding {
	now := arrival.UnixNano()
	irr := e.cfg.Rules.HRPR.Irregular
	rhythm := 0 // 1 regular, 2 irregular, 0 not yet judged: the pairs share it, and it costs a median
	// The pairs' weights for the interval dt they were last computed for:
	// both pairs are usually updated by the same messages, so they share
	// it; a pair whose interval differs (one of its rows missing from an
	// earlier message) computes its own.
	var wdt, sdt time.Duration = -1, -1
	var wf, ws float64
	for i, pq := range decoupledPairs {
		ca, cb, d := &s.cur[pq[0]], &s.cur[pq[1]], &s.drift[i]
		if !ca.ok || !cb.ok {
			continue
		}
		// Bigeminy, or an irregular rhythm now or in the heart rate's learned
		// roughness (AF comes and goes, and its pulse deficit varies with
		// the rate): physiology, not judged here.
		if rhythm == 0 && !deficitRatio(cb.v, ca.v) && s.tracks[pHR].rough < 2*irr {
			rhythm = 1
			if s.irregular(irr) {
				rhythm = 2
			}
		}
		if deficitRatio(cb.v, ca.v) || s.tracks[pHR].rough >= 2*irr || rhythm == 2 {
			d.since, d.n = 0, 0
			dst = d.pulseOver(em, now, pq, ca, cb, dst)
			continue
		}
		d.oat = 0
		dt := time.Duration(now - d.at)
		if d.at == 0 || dt > decoupledGap || dt < 0 {
			*d = decoupling{at: now, fast: cb.v - ca.v, base: cb.v - ca.v, a: ca.v, b: cb.v, fa: ca.v, fb: cb.v}
			continue
		}
		d.at = now
		th := max(decoupledMin, decoupledSpread*d.spread)
		// One message counts for at most three thresholds off the learned
		// difference: motion or a probe artefact must not pass for a drift.
		diff := d.base + math.Max(-3*th, math.Min(3*th, cb.v-ca.v-d.base))
		if dt != wdt {
			wdt, wf = dt, 1-math.Exp(-dt.Seconds()/decoupledFast.Seconds())
		}
		d.fast += wf * (diff - d.fast)
		d.fa += wf * (ca.v - d.fa)
		d.fb += wf * (cb.v - d.fb)
		off := d.fast - d.base
		if math.Abs(off) < th/2 {
			// In agreement: learn the pair's difference, spread and levels.
			if dt != sdt {
				sdt, ws = dt, 1-math.Exp(-dt.Seconds()/decoupledSlow.Seconds())
			}
			d.base += ws * (d.fast - d.base)
			d.spread += ws * (math.Abs(off) - d.spread)
			d.a += ws * (d.fa - d.a)
			d.b += ws * (d.fb - d.b)
			d.learned += int64(dt)
			d.since, d.n = 0, 0
			continue
		}
		if d.since == 0 {
			d.since = now
		} else if now-d.since > int64(decoupledRelearn) {
			// Apart for hours: whatever it is, it is the pair's new normal.
			*d = decoupling{at: now, fast: cb.v - ca.v, base: cb.v - ca.v, a: ca.v, b: cb.v, fa: ca.v, fb: cb.v}
			continue
		}
		d.n++
		if d.learned < int64(decoupledLearn) || math.Abs(off) < th || now-d.since < int64(decoupledPersist) || d.n < 6 {
			continue
		}
		// One channel left its level, the other kept its own.
		ma, mb := math.Abs(d.fa-d.a), math.Abs(d.fb-d.b)
		alone := (ma >= 0.6*math.Abs(off) && mb <= 0.4*math.Abs(off)) || (mb >= 0.6*math.Abs(off) && ma <= 0.4*math.Abs(off))
		if !alone || !em.on(rDecoupled) {
			continue
		}
		if mb > ma && d.fb-d.fa < th/2 && s.pacedHeart(ca.v) {
			continue // a pulse deficit beneath a pacemaker, or its end (see pacedHeart)
		}
		p, c, o := pq[0], ca, d.a
		if mb > ma {
			p, c, o = pq[1], cb, d.b
		}
		dst = em.add(dst, rDecoupled, p, c.seg, c.at, c.v, o, th, "", "drifted away from a redundant measurement of the same heart rate, which kept its level")
	}
	return dst
}

// pacedSpan is the widest range, in 1/min, of the heart rate's last samples
// that pacedHeart reads as a pacing rate: the programmed rate with the
// count's flicker of one beat either way.
const pacedSpan = 2

// pacedHeart reports whether the ECG heart rate, h now and its last
// irregularN samples before, lies within pacedSpan: held at a pacing rate.
// The ECG then counts the paced complexes (or the stimuli: IEC 60601-2-27
// asks monitors to reject pacemaker pulses because a monitor counting them
// shows a heart rate without pulses) whatever the rhythm beneath does, so it
// cannot tell decoupled that the rhythm is regular: AF beneath a pacemaker,
// fusion beats or a loss of capture lower the pulse rate below the paced
// rate, beat to beat, and their end brings it back (corpus5's paced patients
// in AF, session 30). decoupled leaves such a pulse rate, at or below the
// paced rate, to hr_pr_agreement, which still judges a deficit beyond
// `deficit` (15) in a rhythm it reads as regular; a pulse rate above the
// paced rate has no such cause and stays judged, as pulseOver judges it in
// an irregular rhythm.
func (s *stream) pacedHeart(h float64) bool {
	if s.hrN < irregularN {
		return false
	}
	lo, hi := h, h
	for k := range irregularN {
		v := s.hrBack(k)
		lo, hi = min(lo, v), max(hi, v)
	}
	return hi-lo <= pacedSpan
}

// pulseOver judges a pair in an irregular rhythm or bigeminy, where the
// deficit is physiology: only a recent pulse rate (the difference b − a
// averaged over decoupledFast, one message counting for at most three
// thresholds) above the heart rate by max(decoupledMin, decoupledSpread ×
// the learned spread) beyond the pair's own difference (learned in a
// regular rhythm; 0, the same beats counted twice, when the pair has not
// learned one), for decoupledPersist and 6 pairs, fires. The channel
// reported is the one that left its learned level more, the heart rate when
// none was learned.
func (d *decoupling) pulseOver(em *emitter, now int64, pq [2]param, ca, cb *reading, dst []Finding) []Finding {
	ref := 0.0
	if d.learned >= int64(decoupledLearn) {
		ref = d.base
	}
	th := max(decoupledMin, decoupledSpread*d.spread)
	diff := ref + math.Max(-3*th, math.Min(3*th, cb.v-ca.v-ref))
	dt := time.Duration(now - d.oat)
	if d.oat == 0 || dt > decoupledGap || dt < 0 {
		d.oat, d.osince, d.on, d.over = now, 0, 0, float32(diff)
		return dst
	}
	d.oat = now
	d.over += float32((1 - math.Exp(-dt.Seconds()/decoupledFast.Seconds())) * (diff - float64(d.over)))
	if float64(d.over)-ref < th {
		d.osince, d.on = 0, 0
		return dst
	}
	if d.osince == 0 {
		d.osince = now
	}
	d.on++
	if now-d.osince < int64(decoupledPersist) || d.on < 6 || !em.on(rDecoupled) {
		return dst
	}
	p, c, o := pq[0], ca, cb.v
	if d.learned >= int64(decoupledLearn) && math.Abs(d.fb-d.b) > math.Abs(d.fa-d.a) {
		p, c, o = pq[1], cb, ca.v
	}
	return em.add(dst, rDecoupled, p, c.seg, c.at, c.v, o, th, "", "the pulse rate stayed above the heart rate in an irregular rhythm, where a pulse deficit can only lower the pulse rate")
}
