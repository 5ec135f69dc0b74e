package vitals

import (
	"math"
	"math/bits"
)

// heldRuns follows how often a channel's reading changes, for too_regular
// (i): channels held together (session 23). At a cadence of half a minute or
// more a measured heart rate, pulse rate, breathing rate, saturation below
// 99 %, arterial pressure or end-tidal CO2 changes in most messages: each
// reading averages other beats and breaths, and half a minute or more of a
// patient's physiology lies between two of them. A moving average or a
// synthetic curve put in their place holds its value, or changes it once,
// for ten minutes and more. One sensor held so is a calm patient or the
// sensor's own doing often enough (a sedated breathing rate, an oximeter
// holding its pulse rate and saturation through a loss of signal), but
// channels of two or more sensors that each changed in most of their
// messages all holding at once for heldWindow messages are improbable for
// their own learned shares of change: per sensor the least chance (binomial:
// at most the window's changes, for the share of change learned before the
// window) among its channels that changed at most once in the window and
// were learned to change in at least half their messages, multiplied over
// the sensors, below 10^heldChance. Sleep lowers the shares over minutes; it
// does not stop a heart rate and a breathing rate or a saturation together
// for ten minutes (docs/vitals-history.md, "Channels held together at slow cadences,
// session 23").
type heldRuns struct {
	flags uint16  // the window: the value changed in that message, latest lowest
	n     uint8   // messages in the window, up to heldWindow (present in a row)
	last  float64 // the previous reading
	at    int64   // its arrival, Unix ns
	every float64 // the interval between readings, ns: a moving average over about 8
	chgN  uint32  // changes among the messages learned from (every message present after another)
	totN  uint32  // messages learned from
}

const (
	heldWindow  = 12   // messages judged together (12 min at a one-minute cadence)
	heldLearn   = 30   // messages learned from before the window, at least
	heldMost    = 0.5  // learned share of change from which a channel is judged
	heldCadence = 25e9 // ns: the interval from which readings share no beats or breaths (a 30 s cadence with its jitter)
	heldSensors = 2    // sensors held together at least
	heldChance  = -14  // log10 of the joint chance below which the channels are held together
	heldExpl    = "channels that changed in most messages held their values together for a dozen messages: a moving average or a synthetic curve, not a measurement"
)

// heldParams are the channels too_regular (i) judges, with the sensor each
// is measured by: an oximeter holds its pulse rate and saturation together
// while it has no signal, an arterial transducer's three pressures are one
// reading, so a sensor counts once, by its least probable channel. The heart
// rate comes first (heldTogether reads it as ls[0]).
var heldParams = [...]struct {
	p      param
	sensor uint8
}{{pHR, 0}, {pPR, 1}, {pSpO2, 1}, {pPRInv, 2}, {pARTSys, 2}, {pARTDia, 2}, {pARTMean, 2}, {pRR, 3}, {pEtCO2, 4}}

// heldStep updates p's window with its present value v. gap: the previous
// message had no p (a probe off), which starts the window anew.
func (s *stream) heldStep(p param, v float64, now int64, gap bool) {
	h := &s.holds[p]
	if v <= 0 { // a placeholder or a zeroed line: no reading
		h.at = 0
		return
	}
	if gap || h.at == 0 {
		h.flags, h.n, h.at, h.last = 0, 0, now, v
		return
	}
	if dt := float64(now - h.at); h.every == 0 {
		h.every = dt
	} else {
		h.every += (dt - h.every) / 8
	}
	h.at = now
	h.flags <<= 1
	h.totN++
	if v != h.last {
		h.flags |= 1
		h.chgN++
	}
	h.n = min(h.n+1, heldWindow)
	h.last = v
}

// heldTogether reports too_regular (i) on the message's channels (see
// heldRuns), on the channel contributing the smallest chance.
func (s *stream) heldTogether(em *emitter, dst []Finding) []Finding {
	if !em.on(rRegular) {
		return dst
	}
	const mask = 1<<heldWindow - 1
	var ls [len(heldParams)]float64 // each channel's log10 chance, 0: not held or not judged
	judged := false                 // some channel's chance is below 1: without one no sensor counts (the usual message)
	for i, hp := range heldParams {
		p := hp.p
		h, c := &s.holds[p], &s.cur[p]
		if !c.ok || h.n < heldWindow || h.every < heldCadence || p == pSpO2 && c.v >= 99 {
			continue
		}
		k := bits.OnesCount16(h.flags & mask)
		learnN, learnC := int(h.totN)-heldWindow, int(h.chgN)-k
		if k > 1 || learnN < heldLearn {
			continue
		}
		if q := float64(learnC+1) / float64(learnN+2); q >= heldMost {
			ls[i] = logBinomCDF(k, heldWindow, q)
			judged = judged || ls[i] < 0
		}
	}
	if !judged {
		return dst
	}
	// A heart rate held at a multiple of 5 is a pacemaker's set rate
	// (frozen's pacing exemption): the pulse rates count the paced beats
	// again, so the heart counts once.
	paced := ls[0] < 0 && math.Mod(s.cur[pHR].v, 5) == 0
	var least [5]float64 // per sensor, the least log10 chance of its held channels
	worst, at := 0.0, pNone
	for i, hp := range heldParams {
		if paced && (hp.p == pPR || hp.p == pPRInv) {
			continue
		}
		least[hp.sensor] = min(least[hp.sensor], ls[i])
		if ls[i] < worst {
			worst, at = ls[i], hp.p
		}
	}
	sum, sensors := 0.0, 0
	for _, l := range least {
		if l < 0 {
			sum += l
			sensors++
		}
	}
	if sensors < heldSensors || sum >= heldChance {
		return dst
	}
	c := &s.cur[at]
	return em.add(dst, rRegular, at, c.seg, c.at, sum, float64(sensors), heldChance, "", heldExpl)
}
