package vitals

import (
	"math/rand/v2"
	"testing"
)

// TestMatcherIsNear checks the word-wide matcher against near: every pair
// of values in each channel (the others random, absent ones included), and
// random messages whose values cluster near the byte's top and bottom.
func TestMatcherIsNear(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	value := func() uint8 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return uint8(250 + r.IntN(6))
		case 2:
			return uint8(r.IntN(5))
		}
		return uint8(r.IntN(256))
	}
	check := func(q, y [4]uint8) {
		m := newMatcher(&q)
		if got, want := m.hit(&y) == 1, near(&q, &y); got != want {
			t.Fatalf("matcher(%v).hit(%v) = %v, near = %v", q, y, m.hit(&y), want)
		}
	}
	for i := range 4 {
		for x := range 256 {
			for v := range 256 {
				var q, y [4]uint8
				for j := range 4 {
					q[j], y[j] = value(), value()
				}
				q[i], y[i] = uint8(x), uint8(v)
				check(q, y)
			}
		}
	}
	for range 200000 {
		var q, y [4]uint8
		for j := range 4 {
			q[j] = value()
			y[j] = q[j] + uint8(r.IntN(7)) - 3
		}
		check(q, y)
	}
}

// TestIDHistoryFind checks the blocked scan against a plain one: the first
// entry with the control ID, whatever its position and the history's fill.
func TestIDHistoryFind(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		h := newIDHistory(1 + r.IntN(160)) // beyond idStart: grown histories too
		for range r.IntN(300) {
			// Few distinct IDs, so that repeats and misses both occur.
			h.push(idKey(uint64(r.IntN(8))<<idLowBits, r.Uint64()), r.Uint32(), r.IntN(2) == 0)
		}
		k := idKey(uint64(r.IntN(10))<<idLowBits, r.Uint64())
		if got, want := h.find(k), scanFind(&h, k); got != want {
			t.Fatalf("find = %d, want %d (%d entries)", got, want, h.n)
		}
	}
}

// scanFind is idHistory.find as a plain scan of the entries in use: the
// first with k's control ID, or -1.
func scanFind(h *idHistory, k uint64) int {
	for i, v := range h.words[:h.n] {
		if v>>idLowBits == k>>idLowBits {
			return i
		}
	}
	return -1
}

// TestIDHistoryGrows checks push against a plain model: a history starts
// with idStart entries (or its limit), doubles up to its limit when it is
// full and the caller keeps, else overwrites the oldest; growing keeps
// every entry, oldest first.
func TestIDHistoryGrows(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for range 500 {
		limit := 1 + r.IntN(300)
		h := newIDHistory(limit)
		size := min(idStart, limit)
		var model []uint64 // the keys the history should hold, oldest first
		for i := range r.IntN(700) {
			k := idKey(uint64(i+1)<<idLowBits, r.Uint64()) // every ID new
			keep := r.IntN(3) > 0
			if len(model) == size && keep {
				size = min(2*size, limit)
			}
			if model = append(model, k); len(model) > size {
				model = model[1:]
			}
			h.push(k, uint32(i), keep)
		}
		if len(h.words) != size || h.n != len(model) {
			t.Fatalf("limit %d: %d of %d entries in use, want %d of %d", limit, h.n, len(h.words), len(model), size)
		}
		for j, k := range model {
			i := j
			if h.n == len(h.words) {
				i = (h.next + j) % h.n // the oldest is overwritten next
			}
			if got, _ := h.get(i, 0); got != k {
				t.Fatalf("limit %d: entry %d (oldest first) is %x, want %x", limit, j, got, k)
			}
		}
	}
}

// TestReplayRunSaturates: a replay longer than a one-byte run count could
// count (255 remembered messages, the count match once kept per lag) is
// reported on every message after the first win, at a multiple of its lag.
func TestReplayRunSaturates(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const lag, n = 300, 700
	var rs replayState
	var past [lag][4]uint8
	for i := range n {
		var q [4]uint8
		if i < lag {
			// A moving patient: a random walk on every channel.
			prev := [4]uint8{80, 95, 16, 85}
			if i > 0 {
				prev = past[i-1]
			}
			for c := range q {
				q[c] = uint8(min(200, max(40, int(prev[c])+r.IntN(9)-4)))
			}
			past[i] = q
		} else {
			q = past[i%lag] // the same stretch, sent again and again
		}
		rs.remember(q)
		got, found := rs.match(&q, replayWin)
		if i >= lag+replayWin && (!found || got%lag != 0) {
			t.Fatalf("message %d (%d into the replay): found %v at lag %d, want a multiple of %d", i, i-lag, found, got, lag)
		}
	}
}

// TestReplayAfterLongUnwalkedStretch: the lag bits of a walk filter the
// next message's walk only when that walk was of the previous message. A
// walk 65,537 messages earlier (a monitor without a pulse rate, or a quiet
// patient, for days) is not the previous one although its number is, mod
// 2¹⁶: its stale bits must not hide a replay.
func TestReplayAfterLongUnwalkedStretch(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const lag, unwalked = 300, 1<<16 + 1
	var rs replayState
	q := [4]uint8{80, 95, 16, 85}
	walk := func() {
		for c := range q {
			q[c] = uint8(min(200, max(40, int(q[c])+r.IntN(9)-4)))
		}
	}
	for range replayWin {
		walk()
		rs.remember(q)
	}
	if rs.match(&q, replayWin); rs.walked != replayWin {
		t.Fatal("the first stretch was not walked")
	}
	// Messages that are not walked, ending with a moving stretch and its
	// replay at lag; the last one is walked.
	var past [lag][4]uint8
	for i := range unwalked {
		switch j := i - (unwalked - 2*lag); {
		case j < 0:
			q = [4]uint8{80, 95, 16, 85}
		case j < lag:
			walk()
			past[j] = q
		default:
			q = past[j-lag]
		}
		rs.remember(q)
	}
	if got, found := rs.match(&q, replayWin); !found || got%lag != 0 {
		t.Fatalf("found %v at lag %d, want a multiple of %d", found, got, lag)
	}
}

// TestIDHistorySameContent: among the last idRecent messages a reused
// control ID is told from a re-send on 32 bits of content, the latest use
// counting; an ID used earlier than that is left to the 8 bits (true here),
// also after recentN has wrapped around.
func TestIDHistorySameContent(t *testing.T) {
	h := newIDHistory(1024)
	const id, other = 0xabcd_0000_1234_5678, 0x1111_0000_2222_3333
	for round := range 100 { // 100 × 10 messages: recentN wraps around
		h.remember(id, 0xaa00_0001)
		h.remember(id, 0xaa00_0002) // the latest use of id
		if !h.sameContent(id, 0xaa00_0002) || h.sameContent(id, 0xbb00_0002) || h.sameContent(id, 0xaa00_0001) {
			t.Fatalf("round %d: the latest use of an ID among the last %d is not compared on 32 bits", round, idRecent)
		}
		for range idRecent - 1 {
			h.remember(other, 0)
		}
		if h.sameContent(id, 0xbb00_0002) {
			t.Fatalf("round %d: an ID used %d messages back is not compared on 32 bits", round, idRecent)
		}
		h.remember(other, 0)
		if !h.sameContent(id, 0xbb00_0002) {
			t.Fatalf("round %d: an ID used %d messages back is compared on 32 bits", round, idRecent+1)
		}
	}
}

// TestReplayMatchModel checks match against a plain model that tries every
// lag: the replays it reports, and of several the lag a walk of the chains
// meets first (the lowest pulse rate, then the shortest lag), on moving,
// slow, quiet and replayed stretches with absent channels, at both windows.
func TestReplayMatchModel(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for round := range 6 {
		var rs replayState
		win := []int{replayWin, replaySlowWin}[round%2]
		all := replayStream(r, 4000, 1)
		reported := 0
		for _, p := range all {
			rs.remember(p)
			if got, want := rs.moved, recountMoved(&rs); got != want {
				t.Fatalf("round %d, message %d: moved = %d, recounted %d", round, rs.n, got, want)
			}
			if p[0] == 0 {
				continue
			}
			if round >= 4 && rs.n == 2000 {
				win = replayWin + replaySlowWin - win // as when a monitor's cadence is learned
			}
			wantLag, wantFound := replayModel(&rs, win)
			lag, found := rs.match(&p, win)
			if found != wantFound || lag != wantLag {
				t.Fatalf("round %d, message %d: match = %d, %v; the model %d, %v", round, rs.n, lag, found, wantLag, wantFound)
			}
			if found {
				reported++
			}
		}
		if reported == 0 {
			t.Fatalf("round %d: no replay reported", round)
		}
	}
}

// replayModel is match by trying every lag: the latest remembered message
// and the win − 1 before it match those lag earlier (matches), the run, up
// to replayWin, moves enough (informativeAt), and of several lags the one whose remembered
// message has the lowest pulse rate, then the shortest. It has no shortcut
// for a quiet stretch: match's (informative) must hide no replay.
func replayModel(rs *replayState, win int) (lag int, found bool) {
	key := 0
	for l := replayMinLag; l+replayWin <= replayHist; l++ {
		run := 0
		for run < replayWin && rs.matches(run, l) {
			run++
		}
		if run < win || !rs.informativeAt(run, l) {
			continue
		}
		if k := int(rs.hist[(rs.n-l)&(replayHist-1)].v[0]); !found || k < key {
			lag, found, key = l, true, k
		}
	}
	return lag, found
}

// recountMoved is replayState.moved counted afresh: the changes between the
// last replayWin remembered messages, each channel present on both sides
// counting for at most replayJump.
func recountMoved(rs *replayState) int32 {
	moved := 0
	for j := range min(rs.n, replayWin) - 1 {
		x, y := rs.hist[(rs.n-j)&(replayHist-1)].v, rs.hist[(rs.n-j-1)&(replayHist-1)].v
		for c := range x {
			if x[c] != 0 && y[c] != 0 {
				moved += min(max(int(x[c])-int(y[c]), int(y[c])-int(x[c])), replayJump)
			}
		}
	}
	return int32(moved)
}

// TestReplayOffPhaseModel checks observe at k > 1 against a plain model
// that tries every lag for each message between the remembered ones: that
// message and the win − 1 before it k apart, against remembered messages in
// a row (matchesAt), moving enough (informativeRun), and of several lags
// the one whose remembered message has the lowest pulse rate, then the
// shortest, as offPhase's walk meets them; on moving, slow, quiet and
// replayed stretches (at any lag) with absent channels. The model keeps
// offPhase's one shortcut (informative, over the remembered neighbours).
func TestReplayOffPhaseModel(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, k := range []int{2, 8} {
		rs := replayState{k: uint8(k), win: replayWin}
		all := replayStream(r, 1500*k, k)
		reported := 0
		for t0, p := range all {
			lag, found := rs.observe(p, replayWin)
			if (t0+1)%k == 0 {
				continue // remembered: match (TestReplayMatchModel)
			}
			wantLag, wantFound := offPhaseModel(&rs, all[:t0+1], k)
			if found != wantFound || lag != wantLag {
				t.Fatalf("k %d, message %d: observe = %d, %v; the model %d, %v", k, t0+1, lag, found, wantLag, wantFound)
			}
			if found {
				reported++
			}
		}
		if reported == 0 {
			t.Fatalf("k %d: no replay reported between the remembered messages", k)
		}
	}
}

// offPhaseModel is offPhase by trying every lag, for the last of all (a
// message between remembered ones; the i-th remembered is all[i×k − 1]).
func offPhaseModel(rs *replayState, all [][4]uint8, k int) (lag int, found bool) {
	t := len(all)
	if all[t-1][0] == 0 || t < (replayWin-1)*k+1 || !rs.informative() {
		return 0, false
	}
	key := 0
	for age := replayMinLag; age+replayWin <= replayHist; age++ {
		i0 := rs.n - age
		var cur, past [replayWin][4]uint8
		run := 0
		for ; run < replayWin && i0-run >= 1; run++ {
			cur[run], past[run] = all[t-1-run*k], all[(i0-run)*k-1]
			if cur[run][0] == 0 || past[run][0] == 0 || !near(&cur[run], &past[run]) {
				break
			}
		}
		if run < replayWin || !informativeRun(&cur, &past, replayWin) {
			continue
		}
		if v := int(past[0][0]); !found || v < key {
			lag, found, key = age*k+t%k, true, v
		}
	}
	return lag, found
}

// replayStream returns at least n messages' 4-channel patterns of one monitor remembered every k-th: quiet, slow and
// moving stretches in turn, with an absent channel now and then, and replays (every channel copied
// from at least replayMinLag remembered messages back, within the history's reach, some jittered by one).
func replayStream(r *rand.Rand, n, k int) [][4]uint8 {
	q := [4]uint8{80, 95, 16, 85}
	var all [][4]uint8
	for i := 0; len(all) < n; i++ {
		switch {
		case len(all) > 200*k && r.IntN(150) == 0: // a replay starts, at any lag the history reaches
			from := len(all) - replayMinLag*k - r.IntN(min(len(all)-replayMinLag*k, (replayHist-replayWin-replayMinLag)*k))
			for j := range (20 + r.IntN(60)) * k {
				if from+j >= len(all) {
					break
				}
				p := all[from+j]
				for c := range p {
					if p[c] != 0 && r.IntN(3) == 0 {
						p[c] = uint8(max(1, int(p[c])+r.IntN(3)-1))
					}
				}
				all = append(all, p)
			}
			continue
		case i%500 < 40: // a quiet patient
		case i%500 < 160: // a slow one
			for c := range q {
				q[c] = uint8(min(200, max(40, int(q[c])+r.IntN(3)-1)))
			}
		default: // a moving one
			for c := range q {
				q[c] = uint8(min(200, max(40, int(q[c])+r.IntN(9)-4)))
			}
		}
		p := q
		for c := range p {
			if r.IntN(40) == 0 {
				p[c] = 0 // absent
			}
		}
		all = append(all, p)
	}
	return all
}
