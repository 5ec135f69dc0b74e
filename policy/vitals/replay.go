package vitals

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"time"
)

// Near-replay detection: a segment of a monitor's own past (minutes to
// hours earlier) sent again, exactly or with a little jitter added.
//
// Every k-th message is remembered: its pulse rate (ECG heart rate, else
// the pulse oximeter's), SpO2, breathing rate and arterial mean, rounded to
// bytes. k is chosen once per monitor from its first intervals (1 until
// then), as the smallest power of two for which replayHist remembered
// messages span replayHorizon: 1 at a cadence of 10 s or slower, 2 at 5 s,
// 16 at 1 s. Only remembered messages are compared: a replayed segment
// keeps the order of the messages it copies, so at the replay's lag each
// remembered message copies one remembered k messages apart (exactly when
// the lag is a multiple of k, else a neighbour of it, which at a cadence of
// seconds is alike only for a quiet patient). For the other lags the
// messages between the remembered ones are compared in turn: the last
// (replayWin × k) messages are all kept (recent), and each message that is
// not remembered, with those k, 2k, … before it, is compared with the
// remembered past (offPhase): a replay at any lag copies remembered
// messages into one of the k phases.
//
// Candidate lags come from an index, not a scan of every lag: the
// remembered messages of each rounded pulse rate form a chain, newest
// first, so a message visits only the past ones whose pulse rate is within
// the tolerance. A run of win remembered messages in a row matching those
// at one lag, over messages that move enough that matching them by chance
// is implausible, is a replay. win is replayWin, or replaySlowWin at a
// cadence of 30 s or slower, where consecutive messages are nearly
// independent samples, or replayMinuteWin at 60 s or slower, where a 10 min
// replay is ten messages. The walk is
// skipped while the last replayWin remembered messages do not move enough
// (a quiet patient), since then no run can be one. The chains are walked
// only once every win − 1 messages: between walks a bit per lag keeps the
// lags every message since has matched, and only those are tested (see
// match). A lag that may be a replay has its run counted backwards,
// message by message, so no count is kept per lag.
//
// Memory per monitor: replayHist × 6 B (values and chain link), 512 B of
// chain heads, 128 B of lag bits and replayRecent × 4 B of recent
// messages: 7.9 KiB. Reach: replayHist remembered messages, at least
// replayHorizon (2 h 30 min) at any cadence down to 0.6 s.
const (
	replayHist      = 1024                   // messages remembered (a power of two)
	replayHorizon   = 150 * time.Minute      // the history spans at least this, with k up to replayMaxK
	replayMinLag    = 30                     // closer repeats (in remembered messages) are plateaus and slow trends
	replayWin       = 20                     // matching messages in a row
	replaySlowWin   = 12                     // the same at a cadence of replaySlow or slower
	replaySlow      = 30                     // seconds
	replayMinuteWin = 10                     // the same at a cadence of replayMinute or slower: a 10 min replay is ten messages
	replayMinute    = 60                     // seconds
	replayMove      = 4                      // mean change between remembered messages, summed over the channels, that makes a stretch informative
	replayJump      = 8                      // the most one change of one channel counts for in that
	replaySpread    = 2                      // summed over the channels, how far a run's values reach beyond twice their tolerance
	shiftBand       = 2                      // how far a shifted copy's differences from its original may scatter, per channel: a jitter of ±1
	shiftMid        = 0x4000                 // a lane's zero in shifted's test: above any sum of two values, below bit 15 less them
	shiftPeriod     = 180                    // seconds between searches for a shifted copy (see shifted)
	replayLearn     = 8                      // intervals that set k
	replayMaxK      = 16                     // the most messages per remembered one
	replayRecent    = replayWin * replayMaxK // recent messages kept at k > 1: a run of replayWin k apart
	// replayTop is the largest remembered value: 255 less the widest
	// tolerance, so that two values off the byte's scale (an arterial flush
	// at 300 mmHg) still match each other, as near and the matcher compare
	// them, instead of breaking a replayed run that copies a flush.
	replayTop = 253
)

// replayParams are the channels compared, with their tolerance. The first
// is the index key: ECG heart rate, or the pulse rate when there is none.
var replayParams = [4]struct {
	p   param
	tol uint8
}{{pHR, 2}, {pSpO2, 1}, {pRR, 2}, {pARTMean, 2}}

type replayState struct {
	hist  [replayHist]remembered // remembered messages, by number mod replayHist
	heads [256]uint16            // per key, the number of its latest remembered message; 0 = none
	n     int                    // messages remembered; the i-th has number i (mod 2¹⁶)

	lags   [replayHist / 64]uint64 // lags that may carry a run, a bit each (see match)
	walked int32                   // rs.n (mod 2³²) of the message whose match filled lags: mod 2¹⁶, a walk 65,536 messages back passed for the previous one
	since  uint8                   // messages matched by lags alone since the last chain walk
	moved  int32                   // the changes of the last replayWin remembered messages (see informative), summed as they are remembered

	recent  [replayRecent][4]uint8 // at k > 1, every message's values, by recentN mod replayRecent (see offPhase)
	recentN int                    // messages kept in recent

	shiftN     uint8                // remembered messages since shifted last searched
	shiftEvery uint8                // remembered messages between its searches: shiftPeriod at the cadence; 0 while learning (no search)
	k          uint8                // messages per remembered one; 0 while learning (1 then)
	win        uint8                // matching messages in a row that make a replay
	inPer      uint8                // messages since the last remembered one
	learnN     uint8                // intervals learned
	learn      [replayLearn]float32 // intervals, seconds
}

// remembered is one remembered message: its rounded values and its link in
// the chain of its key, side by side because the chain walk reads both.
type remembered struct {
	v    [4]uint8 // 0 = absent
	next uint16   // number of the previous remembered message with the same key; 0 = none
}

// nearReplay remembers every k-th message and compares it with the
// remembered past; it reports whether a run of win remembered messages
// repeats a past stretch, and at what lag in messages.
func (s *stream) nearReplay(arrival time.Time) (lag, win int, found bool) {
	rs := &s.replay
	if rs.k == 0 && !s.prevArrival.IsZero() {
		rs.learn[rs.learnN] = float32(arrival.Sub(s.prevArrival).Seconds())
		if rs.learnN++; rs.learnN == replayLearn {
			l := rs.learn
			slices.Sort(l[:])
			cad := max(float64(l[replayLearn/2]), 0.1)
			rs.k = 1
			for rs.k < replayMaxK && replayHist*float64(rs.k)*cad < replayHorizon.Seconds() {
				rs.k *= 2
			}
			rs.win = replayWin
			if cad >= replaySlow {
				rs.win = replaySlowWin
			}
			if cad >= replayMinute {
				rs.win = replayMinuteWin
			}
			rs.shiftEvery = uint8(max(1, math.Round(shiftPeriod/(cad*float64(rs.k)))))
		}
	}
	if win = int(rs.win); win == 0 {
		win = replayWin
	}
	var q [4]uint8
	for i, rp := range replayParams {
		r := &s.cur[rp.p]
		if i == 0 && !r.ok {
			r = &s.cur[pPR]
		}
		q[i] = quantise(r)
	}
	lag, found = rs.observe(q, win)
	return lag, win, found
}

// observe keeps q, a message's rounded values, in recent at k > 1 and
// remembers it if it is the k-th; it reports whether it ends a replay of
// win messages (match or offPhase), and at what lag in messages.
func (rs *replayState) observe(q [4]uint8, win int) (lag int, found bool) {
	k := max(rs.k, 1)
	if k > 1 {
		rs.recent[rs.recentN%replayRecent] = q
		rs.recentN++
	}
	if rs.inPer++; rs.inPer < k {
		if q[0] == 0 {
			return 0, false
		}
		return rs.offPhase(&q, int(rs.inPer), win)
	}
	rs.inPer = 0
	rs.remember(q)
	if q[0] != 0 {
		if lag, found = rs.match(&q, win); !found {
			lag, found = rs.shifted(win)
		}
	}
	return lag * int(k), found
}

func quantise(r *reading) uint8 {
	if !r.ok {
		return 0
	}
	return uint8(min(replayTop, max(1, math.Round(r.v))))
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

// match returns a lag (in remembered messages) at which the run of
// remembered messages ending with q, the latest one, repeats the past: win
// of them in a row, each matching the one lag earlier, and moving enough.
// Of several such lags the one a walk of the chains meets first is
// returned: the lowest pulse rate there, then the shortest lag.
//
// The lags that can carry such a run are kept as bits: a chain walk sets
// those q matches, and each following message keeps only those it matches
// too, testing the one remembered message per lag instead of walking the
// chains again. After a walk and s messages followed, the bits hold every
// lag with a run of s + 1 (or more) ending at the latest message. A run of
// win is all that is judged, so the bits alone serve while s + 1 ≤ win;
// they are kept to s + 2 ≤ win, so that at the next walk the previous
// message's bits hold every lag with a run of win − 1, the only ones whose
// run can reach win now. The chains are walked again once s + 2 would
// exceed win, and after a message that was not matched.
func (rs *replayState) match(q *[4]uint8, win int) (lag int, found bool) {
	if !rs.informative() {
		return 0, false // no run can move enough (see informative)
	}
	m := newMatcher(q)
	prev := rs.walked == int32(rs.n-1)
	s := int(rs.since)
	rs.walked = int32(rs.n)
	if prev && s+3 <= win {
		rs.since++
		return rs.follow(&m, win)
	}
	rs.since = 0
	return rs.walk(q, &m, win, prev && s+2 <= win)
}

// walk visits the remembered messages whose pulse rate is within the
// tolerance of q's, through their chains, newest first per pulse rate,
// and sets the bits of the lags q matches; the first lag that is a replay
// is returned. With filter, only the lags among the bits before (the
// previous message's, holding every run of win − 1) are judged.
func (rs *replayState) walk(q *[4]uint8, m *matcher, win int, filter bool) (lag int, found bool) {
	const mask = replayHist - 1
	num := uint16(rs.n)
	was, all := rs.lags, uint64(0)
	if !filter {
		all = ^uint64(0)
	}
	rs.lags = [replayHist / 64]uint64{}
	tol := int(replayParams[0].tol)
	for v := max(1, int(q[0])-tol); v <= min(255, int(q[0])+tol); v++ {
		prevAge := -1
		for b := rs.heads[v]; b != 0; {
			h := &rs.hist[int(b)&mask]
			age := int(num - b) // 16-bit arithmetic wraps with the numbers
			if age <= prevAge || age >= replayHist || age > rs.n {
				break // beyond the history, or a link to an overwritten message
			}
			prevAge, b = age, h.next
			if age < replayMinLag || age+replayWin > replayHist {
				continue
			}
			// No branch on the match (a coin toss to the branch
			// predictor); one, taken rarely, for a run that may be one.
			bit := m.hit(&h.v) << (age % 64)
			rs.lags[age/64] |= bit
			if bit&(was[age/64]|all) == 0 || found {
				continue
			}
			if run := rs.run(age, win); run >= win && rs.informativeAt(run, age) {
				lag, found = age, true
			}
		}
	}
	return lag, found
}

// follow keeps the bits of the lags q matches among those set, as walk
// would have found them: the remembered message lag back is chained (see
// matches) and near q. Of the lags that are a replay it returns the one
// walk would have met first.
func (rs *replayState) follow(m *matcher, win int) (lag int, found bool) {
	const mask = replayHist - 1
	key := 0
	for w, word := range rs.lags {
		for rest := word; rest != 0; rest &= rest - 1 {
			age := w*64 + bits.TrailingZeros64(rest)
			i := rs.n - age
			h := &rs.hist[i&mask]
			if i < 1 || uint16(i) == 0 || h.v[0] == 0 || m.hit(&h.v) == 0 {
				word &^= 1 << (age % 64)
				continue
			}
			if found && int(h.v[0]) >= key {
				continue
			}
			if run := rs.run(age, win); run >= win && rs.informativeAt(run, age) {
				lag, found, key = age, true, int(h.v[0])
			}
		}
		rs.lags[w] = word
	}
	return lag, found
}

// run returns how many remembered messages in a row, the latest first and
// up to replayWin, match the ones lag earlier as the chain walk matches
// them: a pulse rate on both sides, near, and not numbered 0 mod 2¹⁶
// (remember leaves those out of the chains). The latest one is known to
// match (the walk found it at lag), so it is not tested again.
// A run shorter than win is only reported as such (1): the win-th message
// back is tested first, since a chance run usually ends within a few.
func (rs *replayState) run(lag, win int) int {
	if win > replayWin || !rs.matches(win-1, lag) {
		return 1
	}
	for j := win - 2; j >= 1; j-- {
		if !rs.matches(j, lag) {
			return 1
		}
	}
	n := win
	for n < replayWin && rs.matches(n, lag) {
		n++
	}
	return n
}

// matches reports whether the remembered message j back from the latest
// matches the one lag earlier, as the chain walk matches them (see run).
func (rs *replayState) matches(j, lag int) bool {
	return rs.matchesAt(&rs.hist[(rs.n-j)&(replayHist-1)].v, rs.n-j-lag)
}

// matchesAt reports whether the values a match remembered message i as the
// chain walk matches them (see run).
func (rs *replayState) matchesAt(a *[4]uint8, i int) bool {
	if i < 1 || uint16(i) == 0 {
		return false
	}
	b := &rs.hist[i&(replayHist-1)].v
	return a[0] != 0 && b[0] != 0 && near(a, b)
}

// recentBack returns the values of the message j × k before the latest,
// from recent.
func (rs *replayState) recentBack(j int) *[4]uint8 {
	return &rs.recent[(rs.recentN-1-j*int(rs.k))%replayRecent]
}

// offPhase compares q, a message phase (1 to k − 1) after the latest
// remembered one, and the win − 1 messages k, 2k, … before it (recent)
// with the remembered past: a run of win of them, each matching a
// remembered message, the remembered ones in a row, and moving enough, is
// a replay at a lag of age × k + phase messages, age in remembered
// messages as walk counts it. The remembered messages whose pulse rate is
// within the tolerance of q's are visited as walk visits them, and the
// first lag that is a replay returned; no lag bits are kept. Like match,
// nothing is compared while the last replayWin remembered messages cannot
// move enough (informative): those are the neighbours of the run's.
func (rs *replayState) offPhase(q *[4]uint8, phase, win int) (lag int, found bool) {
	const mask = replayHist - 1
	if rs.recentN < (win-1)*int(rs.k)+1 || !rs.informative() {
		return 0, false
	}
	m := newMatcher(q)
	num := uint16(rs.n)
	tol := int(replayParams[0].tol)
	for v := max(1, int(q[0])-tol); v <= min(255, int(q[0])+tol); v++ {
		prevAge := -1
		for b := rs.heads[v]; b != 0; {
			h := &rs.hist[int(b)&mask]
			age := int(num - b)
			if age <= prevAge || age >= replayHist || age > rs.n {
				break // beyond the history, or a link to an overwritten message
			}
			prevAge, b = age, h.next
			if age < replayMinLag || age+replayWin > replayHist || m.hit(&h.v) == 0 {
				continue
			}
			j := win - 1 // the oldest first: a chance run usually ends within a few
			for j >= 1 && rs.matchesAt(rs.recentBack(j), rs.n-age-j) {
				j--
			}
			if j > 0 {
				continue
			}
			var cur, past [replayWin][4]uint8
			for j := range win {
				cur[j], past[j] = *rs.recentBack(j), rs.hist[(rs.n-age-j)&mask].v
			}
			if informativeRun(&cur, &past, win) {
				return age*int(rs.k) + phase, true
			}
		}
	}
	return 0, false
}

// shifted returns a lag (in remembered messages) at which the last win
// remembered messages repeat the past with each channel moved by its own
// constant: a copied stretch whose levels were shifted so that it no longer
// matches its original, but whose every rise and fall does. Two genuine
// stretches of a moving patient do not keep four channels' differences
// within shiftBand over win messages. It is looked for only where match
// found no copy at the levels. Every lag is tested (a shifted level has no
// index), so the search runs once per shiftPeriod of the stream (every
// shiftEvery remembered messages: 18 at 10 s, 12 at 15 s, 6 at 30 s, 3 at
// 60 s), and only while the last ones move enough (informative); a copy
// win + shiftEvery − 1 remembered messages long (6 to 12 min) is always
// met. Every lag is first tested on the pulse rate alone, eight lags at
// once (shiftCandidates), and the few that pass are tested in full, the
// shortest first, so the lag returned is the one a test of every lag in
// turn would return. The search costs no memory beyond its two counters.
func (rs *replayState) shifted(win int) (lag int, found bool) {
	const mask = replayHist - 1
	if rs.shiftEvery == 0 {
		return 0, false // learning the cadence
	}
	if rs.shiftN = min(rs.shiftN+1, rs.shiftEvery); rs.shiftN < rs.shiftEvery || !rs.informative() {
		return 0, false
	}
	rs.shiftN = 0
	var cur, past [replayWin][4]uint8
	for j := range min(replayWin, rs.n) {
		cur[j] = rs.hist[(rs.n-j)&mask].v
	}
	// The oldest and a middle message against the latest first, four
	// channels at once (one per 16-bit lane, see lanes): a chance match
	// usually fails there. A lane holds first − a − (other − b) + shiftMid,
	// the change from the other message to the latest less the past's,
	// which a shifted copy keeps within shiftBand.
	mid := win / 2
	first, last, middle := lanes(&cur[0]), lanes(&cur[win-1]), lanes(&cur[mid])
	both := present(first) & present(last)
	bothMid := present(first) & present(middle)
	top := min(replayHist-replayWin, rs.n-win)
	for j := range win {
		if cur[j][0] == 0 {
			return 0, false // shiftedRun stops there at every lag
		}
	}
	var cand [replayHist / 64]uint64
	rs.shiftCandidates(&cur, win, top, &cand)
	rise := int(cur[0][0]) - int(cur[win-1][0])
	for w, word := range cand {
		for ; word != 0; word &= word - 1 {
			age := w*64 + bits.TrailingZeros64(word)
			a, b := &rs.hist[(rs.n-age)&mask].v, &rs.hist[(rs.n-win+1-age)&mask].v
			if d := rise - int(a[0]) + int(b[0]); d > shiftBand || -d > shiftBand || a[0] == 0 || b[0] == 0 {
				continue // the pulse rate alone, before the lanes
			}
			pa := lanes(a)
			if !shiftFits(first, last, pa, lanes(b), both) {
				continue
			}
			if !shiftFits(first, middle, pa, lanes(&rs.hist[(rs.n-mid-age)&mask].v), bothMid) {
				continue
			}
			n := min(replayWin, rs.n-age)
			for j := range n {
				past[j] = rs.hist[(rs.n-j-age)&mask].v
			}
			// A run of win, continued up to replayWin as match's is (run).
			if n = shiftedRun(&cur, &past, n); n >= win && informativeRun(&cur, &past, n) {
				return age, true
			}
		}
	}
	return 0, false
}

// shiftCandidates sets in cand the bit of every lag from replayMinLag to
// top at which the pulse rate of the last win remembered messages may be
// the past's moved by a constant: each one's change from the latest within
// shiftBand of the past's (cur[j] − cur[0] against past[j] − past[0], j
// from 1 to win − 1), a condition every shifted copy meets, and one that a
// pulse rate varying from one message to the next meets at few lags, so
// that shifted's full test runs at those few alone. The pulse rates are
// first laid out by age (line), so that eight lags' values are one word and
// eight lags are tested at once, one per byte (swarBand). The values are
// taken modulo 128, so that a byte's arithmetic never carries into the
// next: the test can let through a lag that the full test rejects (a
// change 128 away), never the reverse.
func (rs *replayState) shiftCandidates(cur *[replayWin][4]uint8, win, top int, cand *[replayHist / 64]uint64) {
	const mask = replayHist - 1
	var line [replayHist + 32]uint8 // line[t]: the pulse rate t remembered messages back, modulo 128; 0 beyond the history
	for t := range min(replayHist, rs.n+1) {
		line[t] = rs.hist[(rs.n-t)&mask].v[0] & 0x7f
	}
	// The j-th message back, in the order most likely to reject a lag
	// first: the oldest, the middle one, then the rest.
	var order [replayWin]int
	order[0], order[1] = win-1, win/2
	o := 2
	for j := 1; j < win-1; j++ {
		if j != win/2 {
			order[o] = j
			o++
		}
	}
	var shift [replayWin]uint64 // per j, cur[j] − cur[0] + shiftBand modulo 128 in every byte
	for _, j := range order[:o] {
		shift[j] = uint64((int(cur[j][0])-int(cur[0][0])+shiftBand)&0x7f) * byteOne
	}
	for age := replayMinLag; age <= top; age += 8 {
		x := binary.LittleEndian.Uint64(line[age:]) | byteTop
		// Three tests without a branch: eight lags seldom all fail fewer.
		pass := swarBand(x, binary.LittleEndian.Uint64(line[age+order[0]:]), shift[order[0]]) &
			swarBand(x, binary.LittleEndian.Uint64(line[age+order[1]:]), shift[order[1]]) &
			swarBand(x, binary.LittleEndian.Uint64(line[age+order[2]:]), shift[order[2]])
		for _, j := range order[3:o] {
			if pass == 0 {
				break
			}
			pass &= swarBand(x, binary.LittleEndian.Uint64(line[age+j:]), shift[j])
		}
		for ; pass != 0; pass &= pass - 1 {
			l := age + bits.TrailingZeros64(pass)/8
			cand[l/64] |= 1 << (l % 64)
		}
	}
	// The last block's lags beyond top.
	for w := range cand {
		if beyond := top + 1 - 64*w; beyond < 64 {
			cand[w] &= 1<<max(0, beyond) - 1
		}
	}
}

const (
	byteTop = 0x8080_8080_8080_8080 // bit 7 of every byte
	byteOne = 0x0101_0101_0101_0101
)

// swarBand returns, per byte of its words, bit 7 where x − y + c (modulo
// 128) is within [0, 2 × shiftBand]: for the bytes of x a past's pulse rate
// at eight lags (modulo 128, bit 7 set), of y those j messages earlier
// (modulo 128) and of c cur[j] − cur[0] + shiftBand (modulo 128), where the
// past's change over those j messages is within shiftBand of the latest
// messages'. With bit 7 set in x and clear in y and c, no byte borrows
// from or carries into the next.
func swarBand(x, y, c uint64) uint64 {
	d := ((x-y)&^byteTop + c) &^ byteTop // x − y + c per byte, modulo 128
	return ^(d + (0x80-2*shiftBand-1)*byteOne) & byteTop
}

// shiftFits reports whether the change from other to first, a message's
// lanes (see lanes), is within shiftBand of the change from pb to pa, the
// past's, in every lane that both marks (bit 15) and all four hold.
func shiftFits(first, other, pa, pb, both uint64) bool {
	d := first + pb + shiftMid*laneOne - pa - other
	in := (d + (0x8000-shiftMid+shiftBand)*laneOne) &^ (d + (0x7fff-shiftMid-shiftBand)*laneOne)
	return both&present(pa)&present(pb)&^in == 0
}

// shiftedRun returns how many of cur's first n messages in a row, the
// latest first, are past's with each channel moved by a constant within
// shiftBand, every message with a pulse rate on both sides and two or more
// channels compared (as near counts them).
func shiftedRun(cur, past *[replayWin][4]uint8, n int) int {
	var lo, hi [4]int
	for c := range lo {
		lo[c], hi[c] = 1<<20, -1<<20
	}
	for j := range n {
		a, b := &cur[j], &past[j]
		if a[0] == 0 || b[0] == 0 {
			return j
		}
		compared := 0
		for c := range a {
			if a[c] == 0 || b[c] == 0 {
				continue
			}
			d := int(a[c]) - int(b[c])
			if max(hi[c], d)-min(lo[c], d) > shiftBand {
				return j
			}
			lo[c], hi[c] = min(lo[c], d), max(hi[c], d)
			compared++
		}
		if compared < 2 {
			return j
		}
	}
	return n
}

// present returns bit 15 of the lanes of v (see lanes) that hold a value.
func present(v uint64) uint64 {
	return (v + 0x7fff*laneOne) & laneTop
}

// matcher is near(q, ·) for one q, without a branch per channel: the four
// channels are compared at once, one per 16-bit lane of a word (see lanes).
// A lane is in range when the other value is within [lo, hi], the bounds
// q ± tol as near computes them in bytes: a channel at 256 − tol or above
// never matches, because there near's sums wrap.
type matcher struct {
	lo, hi uint64 // per lane, 0x8000 − lo and 0x7fff − hi: adding a value sets bit 15 when it is ≥ lo, and when it is > hi
	q      uint64 // bit 15 of the lanes where q is present
}

const (
	laneTop = 0x8000_8000_8000_8000 // bit 15 of every lane
	laneOne = 0x0001_0001_0001_0001
)

// lanes spreads four bytes over the 16-bit lanes of a word.
func lanes(v *[4]uint8) uint64 {
	x := uint64(binary.LittleEndian.Uint32(v[:]))
	x = (x | x<<16) & 0x0000_ffff_0000_ffff
	return (x | x<<8) & 0x00ff_00ff_00ff_00ff
}

// newMatcher returns the matcher of q.
func newMatcher(q *[4]uint8) matcher {
	var m matcher
	for i, rp := range replayParams {
		x, tol := int(q[i]), int(rp.tol)
		lo, hi := x-tol, x+tol
		if x > 255-tol {
			lo, hi = 1, 0 // never in range
		}
		hi = min(hi, 255-tol)
		m.lo |= uint64(0x8000-lo) << (16 * i)
		m.hi |= uint64(0x7fff-hi) << (16 * i)
		if x != 0 {
			m.q |= 0x8000 << (16 * i)
		}
	}
	return m
}

// hit is near(q, y) for the matcher's q as 1 or 0, computed without a branch: every channel compared
// matches (out, the compared lanes not within [lo, hi], is 0: then and only
// then (out−1) &^ out has its top bit set) and two or more are compared
// (both keeps a bit without its lowest one: then and only then −(that>>1)
// is negative; lane bits are 15 or above, so >>1 keeps them).
func (m *matcher) hit(y *[4]uint8) uint64 {
	v := lanes(y)
	both := (v + 0x7fff*laneOne) & m.q // present in both
	out := both &^ ((v + m.lo) &^ (v + m.hi) & laneTop)
	return ((out - 1) &^ out & -(both & (both - 1) >> 1)) >> 63
}

// remember adds q to the history and its chain.
func (rs *replayState) remember(q [4]uint8) {
	const mask = replayHist - 1
	rs.n++
	num := uint16(rs.n)
	slot := rs.n & mask
	rs.hist[slot] = remembered{v: q}
	if q[0] != 0 && num != 0 {
		rs.hist[slot].next, rs.heads[q[0]] = rs.heads[q[0]], num
	}
	// The change into this message joins the sum, the one out of the
	// message replayWin back leaves it: neither message has been
	// overwritten (at the start, slots not yet written are zero: a change
	// out of one counts 0, as it did when it joined, or never joined).
	rs.moved += rs.change(rs.n) - rs.change(rs.n-replayWin+1)
}

// change returns the change from remembered message i − 1 to i, summed
// over the channels present in both, each counting for at most replayJump
// (as informativeAt counts them).
func (rs *replayState) change(i int) int32 {
	const mask = replayHist - 1
	x, y := &rs.hist[i&mask].v, &rs.hist[(i-1)&mask].v
	total := int32(0)
	for c := range x {
		if x[c] != 0 && y[c] != 0 {
			d := int32(x[c]) - int32(y[c])
			total += min(max(d, -d), replayJump)
		}
	}
	return total
}

// informative reports whether the last replayWin remembered messages can
// move enough that matching them by chance is implausible (see
// informativeAt); without a lag it counts every channel present in
// consecutive messages (rs.moved), an upper bound of what informativeAt
// counts for any run of up to replayWin at any lag, so the walk is skipped
// when it fails.
func (rs *replayState) informative() bool {
	return rs.moved >= replayMove*(replayWin-1)
}

// informativeAt reports whether the last n remembered messages (the run, up
// to replayWin) and the ones lag earlier that they match move enough that
// the match is no chance: as much, summed over their changes and channels,
// as replayWin messages moving replayMove units from one to the next (a
// shorter run must move more), and the values reaching beyond twice their
// tolerance by replaySpread, summed over the channels. Only values compared
// at that lag count (present on both sides), and a change counts for at
// most replayJump: a quiet patient's values wandering inside the tolerance
// match any other quiet stretch, and an artefact (a zeroing, a spike, a
// flush) is one large change however far it goes, so two that happen to
// fall at the same place in two stretches do not make them a copy.
func (rs *replayState) informativeAt(n, lag int) bool {
	const mask = replayHist - 1
	var cur, past [replayWin][4]uint8
	for j := range n {
		cur[j], past[j] = rs.hist[(rs.n-j)&mask].v, rs.hist[(rs.n-j-lag)&mask].v
	}
	return informativeRun(&cur, &past, n)
}

// informativeRun is informativeAt for a run of n (up to replayWin): cur[j]
// the j-th message of the run back from its latest, past[j] the one it
// matches.
func informativeRun(cur, past *[replayWin][4]uint8, n int) bool {
	compared := func(j, i int) bool { return cur[j][i] != 0 && past[j][i] != 0 }
	total, spread := 0, 0
	for i, rp := range replayParams {
		lo, hi := 255, 0
		for j := range n {
			if !compared(j, i) {
				continue
			}
			x := int(cur[j][i])
			lo, hi = min(lo, x), max(hi, x)
			if j+1 < n && compared(j+1, i) {
				d := x - int(cur[j+1][i])
				total += min(max(d, -d), replayJump)
			}
		}
		if hi > 0 {
			spread += max(0, hi-lo-2*int(rp.tol))
		}
	}
	return total >= replayMove*(replayWin-1) && spread >= replaySpread
}
