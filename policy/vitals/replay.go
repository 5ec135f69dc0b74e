package vitals

import "math"

// Near-replay detection: a segment of a monitor's own past (minutes to
// hours earlier) sent again, exactly or with a little jitter added. Each
// message's HR, SpO2, RR and arterial mean are kept, rounded to bytes, for
// the last replayHist messages (4 KiB). For every lag the number of
// consecutive messages that match the past at that lag within a small
// tolerance is counted (1 KiB); replayWin in a row, over a window whose
// values really move, is a replay. Cost: one pass over the lags per message.
const (
	replayHist   = 1024 // messages remembered (a power of two)
	replayMinLag = 30   // closer repeats are plateaus and slow trends, not replays
	replayWin    = 20   // consecutive matching messages
)

// replayParams are the channels compared, with their tolerance.
var replayParams = [4]struct {
	p   param
	tol uint8
}{{pHR, 2}, {pSpO2, 1}, {pRR, 2}, {pARTMean, 2}}

type replayState struct {
	hist [replayHist][4]uint8 // 0 = absent
	run  [replayHist]uint8    // run[L]: messages in a row matching the past at lag L
	n    int
}

func quantise(r *reading) uint8 {
	if !r.ok {
		return 0
	}
	return uint8(min(255, max(1, math.Round(r.v))))
}

// nearReplay records the current message and reports whether the last
// replayWin messages repeat a past stretch.
func (s *stream) nearReplay() (lag int, found bool) {
	rs := &s.replay
	var q [4]uint8
	for i, rp := range replayParams {
		q[i] = quantise(&s.cur[rp.p])
	}
	limit := min(rs.n, replayHist)
	for L := replayMinLag; L < limit; L++ {
		h := &rs.hist[(rs.n-L)&(replayHist-1)]
		// Heart rate first: it rules out almost every lag at once.
		if a, b := q[0], h[0]; a != 0 && b != 0 && (a > b+replayParams[0].tol || b > a+replayParams[0].tol) {
			if rs.run[L] != 0 {
				rs.run[L] = 0
			}
			continue
		}
		match, compared := true, 0
		for i, rp := range replayParams {
			a, b := q[i], h[i]
			if a == 0 || b == 0 {
				continue
			}
			compared++
			if a > b+rp.tol || b > a+rp.tol {
				match = false
				break
			}
		}
		if !match || compared < 2 {
			rs.run[L] = 0
			continue
		}
		if rs.run[L] < 255 {
			rs.run[L]++
		}
		if int(rs.run[L]) >= replayWin && !found && s.informative(q) {
			lag, found = L, true
		}
	}
	rs.hist[rs.n&(replayHist-1)] = q
	rs.n++
	return lag, found
}

// informative reports whether the last replayWin messages (ending with the
// current one, q) move enough that matching them by chance is implausible:
// on average at least 2 units per message over the compared channels.
func (s *stream) informative(q [4]uint8) bool {
	rs := &s.replay
	total := 0
	prev := q
	for k := 1; k < replayWin; k++ {
		h := rs.hist[(rs.n-k)&(replayHist-1)]
		for i := range h {
			if h[i] != 0 && prev[i] != 0 {
				d := int(h[i]) - int(prev[i])
				total += max(d, -d)
			}
		}
		prev = h
	}
	return total >= 2*replayWin*2
}
