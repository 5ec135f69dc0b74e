package vitals

import "math"

// ventState follows a breathing rate for a ventilator's set rate. A
// mandatory mode delivers at least the set rate: breaths the patient
// triggers add to it, nothing takes from it, so the measured rate keeps
// falling back to one exact value from above and never reads below it. Such
// a rate is held for long stretches with excursions upward only, which
// too_regular (b) would read as a channel that lost its noise; a moving
// average or a synthetic curve does not keep returning to one value from
// above (session 18, docs/vitals.md).
type ventState struct {
	level   float64 // the candidate set rate: the value the rate last fell back to
	returns uint8   // falls back to level from above since it became the candidate, none below it (saturating)
	away    uint8   // messages since the rate was last at level (saturating)
}

// ventReturns is how many falls back to one value, none below it, make a
// breathing rate a ventilator's set rate.
const ventReturns = 8

// observe takes a message's breathing rate v and the rate before it, prev.
// A fall below the candidate, or to another value after a window away from
// it, makes the value fallen to the candidate, with no returns yet.
func (vs *ventState) observe(v, prev float64) {
	if v == vs.level {
		if v < prev && vs.returns < math.MaxUint8 {
			vs.returns++
		}
		vs.away = 0
		return
	}
	if vs.away < math.MaxUint8 {
		vs.away++
	}
	if v < prev && (v < vs.level || vs.away > smoothWindow) {
		vs.level, vs.returns, vs.away = v, 0, 0
	}
}

// held reports whether the breathing rate is at a ventilator's set rate: it
// fell back to it ventReturns times, never below it, and was at it within
// the last smoothWindow messages (the window too_regular's roughness covers).
func (vs *ventState) held() bool {
	return vs.returns >= ventReturns && vs.away < smoothWindow
}
