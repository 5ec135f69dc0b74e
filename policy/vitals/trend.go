package vitals

import "time"

// Minute trends sent in one message (session 50, trend50). Some monitors
// send their minute trends in batches: every five minutes one message that
// carries the last five minutes' values, each minute's rows under its own
// observation time (OBX-14, a minute apart; corpus8's Nihon-Kohden-style
// beds). Read as one message, only each channel's first row was judged (the
// oldest minute; obx keeps the first valid row of a parameter), so the
// checks saw one value in five at a five-minute cadence: a heart rate held
// at one value for 45 min was ten values in 45 min (frozen and too_smooth
// need more to be told from a steady patient), a replayed stretch was two
// or three. Each later minute's rows of the continuous channels are now
// judged as a message of their own, arriving as far before the message as
// their OBX-14 lies before its last minute's (the device's cadence): the
// checks then see what a bed sending every minute shows. Range and unit
// are judged at every row as before (obx), the time checks at the message
// (timing). Every row that main judged is judged as before (each channel's
// first row with the message's first minute, at the same place in the
// stream's series), and rows main never judged are judged now; the minutes
// must go forward inside the time since the message before, or the later
// ones are dropped as on main. Only a device that sent a trend batch among
// its first messages has its later minutes judged: a forger who takes over
// a bed mid-stream cannot have his own rows read beside the ones main
// judged alone (review50t).

// trendRow is one row of a trend batch's later minute (see minutes).
type trendRow struct {
	v    float64 // in the base unit
	at   int64   // OBX-14, Unix ns
	seg  int32   // OBX segment index
	p    param
	unit uint8
}

// trendRows is the most rows of later minutes a message is judged on: four
// later minutes of the nine continuous channels. More are dropped (read as
// on main: only the first minute's).
const trendRows = 36

// trendStep is the least an observation time lies after the message's first
// minute's for its row to be a later minute's: half a minute trend's
// interval. Rows of one measurement stamped a few seconds apart (a device
// that stamps each row as it reads it) stay one message's.
const trendStep = 30 * time.Second

// continuousBits marks the continuous channels (chanBit).
var continuousBits = func() (m uint16) {
	for _, p := range continuous {
		m |= chanBit(p, true)
	}
	return m
}()

// laterMinute keeps a continuous channel's valid row (p, value v in the base
// unit, OBX-14 at, unit u, segment seg) when it belongs to a later minute
// than the message's first: a second row of a channel already read, stamped
// at least trendStep after the first timed row of a continuous channel. It
// reports whether the row was kept (obx then leaves s.cur as it is). A
// channel's first valid row is never kept: it is the channel's value, as on
// main, wherever its OBX-14 lies, so that a message read as one (minutes)
// is judged on every row main judged (review50t: a forger's row stamped
// later, put before a channel's only row, took it out of every check that
// compares messages).
func (em *emitter) laterMinute(p param, v float64, at time.Time, u uint8, seg int) bool {
	if continuousBits&chanBit(p, true) == 0 || at.IsZero() {
		return false
	}
	t := at.UnixNano()
	if em.minute0 == 0 {
		em.minute0 = t
		return false
	}
	if t-em.minute0 < trendStep.Nanoseconds() || !em.s.cur[p].ok {
		return false
	}
	if int(em.nLater) < len(em.later) {
		em.later[em.nLater] = trendRow{v: v, at: t, seg: int32(seg), p: p, unit: u}
		em.nLater++
	}
	return true
}

// minutes runs the value checks on the message (values): on its first
// minute and then on each later minute of a trend batch (laterMinute), in
// the order the message carries them, each arriving as far before the
// message's arrival as its OBX-14 lies before the last minute's. The first
// minute arrives at the message's arrival less the batch's span, unless that
// lies no later than the message before's: then the minutes do not fit the
// time since it, and the message is judged as one (its first minute at its
// arrival, the later ones dropped, as on main). So does a later minute whose
// time does not go forward, and every one after it, and every message of a
// device that sent no trend batch among its first learnIDs messages
// (held14.batches): a forger who takes over a bed sending a row per channel
// and adds a moving row stamped later beside a held one would otherwise
// dilute the held series with his own (review50t), where main judged the
// first row alone.
func (s *stream) minutes(e *Engine, em *emitter, arrival time.Time, dst []Finding) []Finding {
	if em.nLater > 0 && s.msgs <= learnIDs {
		s.held14.batches = true
	}
	if em.nLater == 0 || !s.held14.batches {
		return s.values(e, em, arrival, dst)
	}
	rows := em.later[:em.nLater]
	last := rows[len(rows)-1].at
	at := arrival.Add(-time.Duration(last - em.minute0))
	if !at.After(s.prevArrival) {
		return s.values(e, em, arrival, dst)
	}
	em.arrival = at
	dst = s.values(e, em, at, dst)
	prev := em.minute0
	for i := 0; i < len(rows); {
		t := rows[i].at
		if t <= prev {
			break
		}
		s.prevArrival, prev = at, t
		at = arrival.Add(-time.Duration(last - t))
		clear(s.cur[:])
		s.timed = 0
		for ; i < len(rows) && rows[i].at == t; i++ {
			r := &rows[i]
			c := &s.cur[r.p]
			c.v, c.at, c.seg, c.unit, c.ok = r.v, time.Unix(0, r.at), int(r.seg), r.unit, true
			s.timed |= chanBit(r.p, true)
		}
		em.arrival, em.pulse2 = at, 0
		dst = s.values(e, em, at, dst)
	}
	em.arrival = arrival
	return dst
}
