package vitals

import "math"

// ventState follows a breathing rate for a ventilator's set rate. A
// mandatory mode delivers at least the set rate: breaths the patient
// triggers add to it, nothing takes from it, so the measured rate keeps
// falling back to one exact value from above and never reads below it. Such
// a rate is held for long stretches with excursions upward only, which
// too_regular (b) would read as a channel that lost its noise; a moving
// average or a synthetic curve does not keep returning to one value from
// above (session 18, docs/vitals-history.md).
type ventState struct {
	level   float64 // the candidate set rate: the value the rate last fell back to
	returns uint8   // falls back to level from above since it became the candidate, none below it nor after a window away (saturating)
	away    uint8   // messages since the rate was last at level (saturating)
}

// ventReturns is how many falls back to one value, none below it, make a
// breathing rate a ventilator's set rate.
const ventReturns = 8

// observe takes a message's breathing rate v and the rate before it, prev.
// A fall below the candidate, or to any value after a window away from the
// candidate, makes the value fallen to the candidate, with no returns yet:
// a set rate is revisited every few breaths, so a fall back to it after a
// window away is no return (a smoothed curve wandering off and back).
func (vs *ventState) observe(v, prev float64) {
	switch {
	case v < prev && (v < vs.level || vs.away >= smoothWindow):
		vs.level, vs.returns, vs.away = v, 0, 0
	case v == vs.level:
		if v < prev && vs.returns < math.MaxUint8 {
			vs.returns++
		}
		vs.away = 0
	case vs.away < math.MaxUint8:
		vs.away++
	}
}

// held reports whether the breathing rate is at a ventilator's set rate: it
// fell back to it ventReturns times, never below it, and was at it within
// the last smoothWindow messages (the window too_regular's roughness covers).
func (vs *ventState) held() bool {
	return vs.returns >= ventReturns && vs.away < smoothWindow
}
