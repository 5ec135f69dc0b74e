package vitals

import (
	"math"
	"time"
)

// A straight line rounded to integers changes by the same amount, or by one
// more, from message to message: its first differences take at most two
// neighbouring values, all of one sign (…, 0, −1, 0, −1, … for a slow fall,
// −1, −2, −1, … for a fast one). Every measurement carries its own error, so
// a measured rate or pressure turns back within minutes; two measurements of
// one quantity (the ECG heart rate and a pulse rate, the peak and the trough
// of one arterial waveform) do not both follow such a line for ten minutes
// and more. A forgery that replaces them by a line between two true values
// does (session 19, docs/vitals-history.md). No learned roughness is needed, so a
// line is judged from a channel's first messages.

// lineStep follows the channel's current rounded line with its new value v
// at now. last is its value in the previous message (arrival lastAt, Unix
// ns), when present says it had one. A change that keeps the line's first
// differences within two neighbouring integers of one sign extends the line;
// any other begins a new one at the previous value.
func (t *track) lineStep(v, last float64, lastAt, now int64, present bool) {
	d := v - last
	if !present || now-lastAt > lineGap.Nanoseconds() || d != math.Trunc(d) || math.Abs(d) > lineMaxStep {
		t.lineSince = 0 // no line across a gap or a silence, nor of values a device does not round to integers
		return
	}
	di := int8(d)
	if t.lineSince != 0 {
		lo, hi := min(t.lineLo, di), max(t.lineHi, di)
		if hi-lo <= 1 && (lo >= 0 || hi <= 0) {
			t.lineLo, t.lineHi = lo, hi
			return
		}
	}
	t.lineLo, t.lineHi, t.lineFrom, t.lineSince = di, di, float32(last), lastAt
}

// lineLong returns the signed change of the channel's line up to v when the
// line has covered lineSteps units and lasted lineFor by now, else 0.
func (t *track) lineLong(v float64, now int64) float64 {
	d := v - float64(t.lineFrom)
	if t.lineSince == 0 || math.Abs(d) < lineSteps || now-t.lineSince < lineFor.Nanoseconds() {
		return 0
	}
	return d
}

// lineTwin returns the changes along their lines of channel p and of a twin
// (another measurement of the same quantity, lineTwins) present in this
// message, when both lines are long and go the same way; else 0, 0.
func (s *stream) lineTwin(p param, now int64) (d, dq float64) {
	if d = s.tracks[p].lineLong(s.cur[p].v, now); d == 0 {
		return 0, 0
	}
	for _, q := range lineTwins[p] {
		if q == pNone || !s.cur[q].ok {
			continue
		}
		if dq = s.tracks[q].lineLong(s.cur[q].v, now); dq*d > 0 {
			return d, dq
		}
	}
	return 0, 0
}

// lineTwins are the channels that measure what a channel measures with an
// error of their own.
var lineTwins = [numParams][2]param{
	pHR:      {pPR, pPRInv},
	pPR:      {pHR, pNone},
	pPRInv:   {pHR, pNone},
	pARTSys:  {pARTDia, pARTMean},
	pARTDia:  {pARTSys, pNone},
	pARTMean: {pARTSys, pNone},
}

const (
	lineSteps   = 5                // units the line must cover
	lineFor     = 10 * time.Minute // and how long it must last
	lineGap     = 2 * time.Minute  // a silence longer than this ends a line
	lineMaxStep = 100              // a first difference beyond this is no line (and fits an int8)
	lineExpl    = "channel and another measurement of the same quantity follow one rounded straight line, without the error of either"
)
