package vitals

import "time"

// A neonate breathes periodically: pauses of 5–20 s, bursts, crying, sleep
// states that change its pace by a third, and an impedance rate that picks
// up the heart and motion. Its breathing rate moves by tens of breaths a
// minute in one message and holds there for minutes with nothing forged,
// going back to paces it kept earlier. A forged level is written where the
// rate has not been (session 25, clean25b: on the training seeds every
// detected neonatal breathing-rate step went to a level at most 2 % of the
// rate's half-hour before it had reached; the clean beds' flags to levels
// 17–92 % of it had, or came in the first minutes on the monitor).

// neoPaceN is how many samples of the breathing rate neoPace holds: the
// half hour at neoPaceEvery and the excursion being judged.
const neoPaceN = 80

// neoPaceEvery is the least time between two samples neoPace keeps, so the
// half hour is held at any cadence.
const neoPaceEvery = 30 * time.Second

// neoPaceSpan is how far back before a step neoPace looks.
const neoPaceSpan = 30 * time.Minute

// neoPaceWarm is how long a neonate's breathing rate is watched before a
// step from its level is judged: a few minutes of a newborn just connected
// (handled, crying, its periodic breathing's cycles) are no level.
const neoPaceWarm = 10 * time.Minute

// neoPaceShare is the share of the half hour's samples that must lie
// beyond a step's midpoint for the new level to be one the rate kept.
const neoPaceShare = 0.1

// neoPace is a neonate's breathing rate sampled every neoPaceEvery, see
// paced.
type neoPace struct {
	v     [neoPaceN]float32
	at    [neoPaceN]int64 // Unix ns
	n, i  int             // samples held, next slot
	first int64           // the first sample's time (Unix ns)
}

// notePace keeps the neonatal breathing rate v at now for paced.
func (s *stream) notePace(now int64, v float64) {
	pc := s.pace
	if pc == nil {
		pc = &neoPace{first: now}
		s.pace = pc
	}
	if pc.n > 0 && now-pc.at[(pc.i+neoPaceN-1)%neoPaceN] < neoPaceEvery.Nanoseconds() {
		return
	}
	pc.v[pc.i], pc.at[pc.i] = float32(v), now
	pc.i = (pc.i + 1) % neoPaceN
	pc.n = min(pc.n+1, neoPaceN)
}

// paced reports whether a neonate's breathing-rate step from pre to v,
// begun at start (Unix ns), went to a pace its rate kept in the half hour
// before it (neoPaceShare of its samples there at or beyond the step's
// midpoint), or came before the rate was watched for neoPaceWarm: its own
// periodic breathing, not a forged level.
func (s *stream) paced(start int64, pre, v float64) bool {
	pc := s.pace
	if pc == nil {
		return false
	}
	if start-pc.first < neoPaceWarm.Nanoseconds() {
		return true
	}
	mid, up := (pre+v)/2, v > pre
	n, beyond := 0, 0
	for k := 0; k < pc.n; k++ {
		if at := pc.at[k]; at >= start || at < start-neoPaceSpan.Nanoseconds() {
			continue
		}
		n++
		if x := float64(pc.v[k]); up && x >= mid || !up && x <= mid {
			beyond++
		}
	}
	return beyond > 0 && float64(beyond) >= neoPaceShare*float64(n)
}
