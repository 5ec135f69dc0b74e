package vitals

import (
	"math"
	"slices"
	"time"
)

// Near-replay detection: a segment of a monitor's own past (minutes to
// hours earlier) sent again, exactly or with a little jitter added.
//
// Every k-th message is remembered: its pulse rate (ECG heart rate, else
// the pulse oximeter's), SpO2, breathing rate and arterial mean, rounded to
// bytes. k is chosen once per monitor from its first intervals, as the
// smallest power of two for which replayHist remembered messages span
// replayHorizon: 1 at a cadence of 15 s or slower, 2 at 10 s, 4 at 5 s, 16
// at 1 s. The k messages between two remembered ones are a period.
//
// A replayed segment keeps the order of the messages it copies, so at the
// replay's lag every period holds a message that copies a remembered one
// (within the jitter), period after period. Each message is compared with
// the remembered messages whose pulse rate is within the tolerance, found
// through an index rather than a scan: the remembered messages of each
// rounded pulse rate form a chain, newest first. For each lag (in
// remembered messages), the periods in a row with a match are counted.
//
// A run is a replay when chance cannot explain it: a patient's stable
// hours look alike, so the run must be long for how alike the copied
// stretch's own messages are. Per channel, the share of the stretch's
// consecutive messages that lie within the tolerance of each other stands
// for the chance that two messages match by luck; the chance that every
// period of the run matches by luck must be below replayChance.
//
// Memory per monitor: replayHist × 9 B (values, chain, run, stamp) plus
// 512 B of chain heads: 9.5 KiB.
const (
	replayHist    = 1024              // messages remembered (a power of two)
	replayHorizon = 150 * time.Minute // the history spans at least this, with periods of up to replayMaxK messages
	replayMinLag  = 30                // closer repeats (in remembered messages) are plateaus and slow trends
	replayWin     = 20                // periods in a row
	replayMove    = 4                 // mean change between remembered messages, summed over the channels, that makes a stretch informative
	replayLearn   = 8                 // intervals that set k
	replayMaxK    = 16                // the longest period, in messages
)

// replayParams are the channels compared, with their tolerance. The first
// is the index key: ECG heart rate, or the pulse rate when there is none.
var replayParams = [4]struct {
	p   param
	tol uint8
}{{pHR, 2}, {pSpO2, 1}, {pRR, 2}, {pARTMean, 2}}

type replayState struct {
	hist  [replayHist][4]uint8 // remembered messages; 0 = absent
	next  [replayHist]uint16   // number of the previous remembered message with the same key; 0 = none
	run   [replayHist]uint8    // run[L]: periods in a row with a match at lag L
	stamp [replayHist]uint16   // the period that last matched at lag L
	heads [256]uint16          // per key, the number of its latest remembered message; 0 = none
	n     int                  // messages remembered; the i-th has number i (mod 2¹⁶), and period n is under way

	k      uint8                // messages per period; 0 while learning
	inPer  uint8                // messages of the current period so far
	learnN uint8                // intervals learned
	learn  [replayLearn]float32 // intervals, seconds
}

// nearReplay compares the current message with the remembered past,
// remembers it when its period ends, and reports whether a run of periods
// repeats a past stretch, and at what lag in messages.
func (s *stream) nearReplay(arrival time.Time) (lag int, found bool) {
	rs := &s.replay
	if rs.k == 0 {
		if !s.prevArrival.IsZero() {
			rs.learn[rs.learnN] = float32(arrival.Sub(s.prevArrival).Seconds())
			rs.learnN++
		}
		if rs.learnN < replayLearn {
			return 0, false
		}
		l := rs.learn
		slices.Sort(l[:])
		cad := max(float64(l[replayLearn/2]), 0.1)
		rs.k = 1
		for rs.k < replayMaxK && replayHist*float64(rs.k)*cad < replayHorizon.Seconds() {
			rs.k *= 2
		}
	}
	if rs.inPer++; rs.inPer < rs.k {
		return 0, false
	}
	rs.inPer = 0
	var q [4]uint8
	for i, rp := range replayParams {
		r := &s.cur[rp.p]
		if i == 0 && !r.ok {
			r = &s.cur[pPR]
		}
		q[i] = quantise(r)
	}
	rs.remember(q)
	if q[0] != 0 {
		lag, found = rs.match(&q)
	}
	return lag * int(rs.k), found
}

func quantise(r *reading) uint8 {
	if !r.ok {
		return 0
	}
	return uint8(min(255, max(1, math.Round(r.v))))
}

// near reports whether two messages match: every channel present in both
// within its tolerance, and at least two channels compared.
func near(a, b *[4]uint8) bool {
	compared := 0
	for i, rp := range replayParams {
		x, y := a[i], b[i]
		if x == 0 || y == 0 {
			continue
		}
		if x > y+rp.tol || y > x+rp.tol {
			return false
		}
		compared++
	}
	return compared >= 2
}

// match counts, for every remembered message that q matches, the run of
// periods at its lag, and returns a lag (in remembered messages) whose run
// is a replay.
func (rs *replayState) match(q *[4]uint8) (lag int, found bool) {
	const mask = replayHist - 1
	num, per := uint16(rs.n), uint16(rs.n)
	tol := int(replayParams[0].tol)
	for v := max(1, int(q[0])-tol); v <= min(255, int(q[0])+tol); v++ {
		prevAge := -1
		for b := rs.heads[v]; b != 0; b = rs.next[int(b)&mask] {
			age := int(num - b) // 16-bit arithmetic wraps with the numbers
			if age <= prevAge || age >= replayHist || age > rs.n {
				break // beyond the history, or a link to an overwritten message
			}
			prevAge = age
			if age < replayMinLag || !near(q, &rs.hist[int(b)&mask]) {
				continue
			}
			switch st := rs.stamp[age]; {
			case st == per && rs.run[age] > 0: // this period already matched
				continue
			case st == per-1 && rs.run[age] > 0:
				rs.run[age] = min(rs.run[age]+1, 255)
			default:
				rs.run[age] = 1
			}
			rs.stamp[age] = per
			if !found && rs.run[age] >= replayWin && rs.informative() {
				lag, found = age, true
			}
		}
	}
	return lag, found
}

// remember adds q to the history and its chain.
func (rs *replayState) remember(q [4]uint8) {
	const mask = replayHist - 1
	rs.n++
	num := uint16(rs.n)
	slot := rs.n & mask
	rs.hist[slot] = q
	rs.next[slot] = 0
	if q[0] != 0 && num != 0 {
		rs.next[slot], rs.heads[q[0]] = rs.heads[q[0]], num
	}
}

// informative reports whether the last replayWin remembered messages move
// enough that matching them by chance is implausible: on average
// replayMove units from one to the next, summed over the channels.
func (rs *replayState) informative() bool {
	const mask = replayHist - 1
	total := 0
	for j := range replayWin - 1 {
		x, y := &rs.hist[(rs.n-j)&mask], &rs.hist[(rs.n-j-1)&mask]
		for i := range x {
			if x[i] != 0 && y[i] != 0 {
				d := int(x[i]) - int(y[i])
				total += max(d, -d)
			}
		}
	}
	return total >= replayMove*(replayWin-1)
}
