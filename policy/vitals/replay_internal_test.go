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

// walkMessages returns n messages of a random walk of the four replay
// channels (an absent channel now and then); with plant, a stretch of 30 × k
// messages copied from a random lag within the reach now and then, whose
// start and lag it also returns.
func walkMessages(r *rand.Rand, k uint8, n int, plant bool) (all [][4]uint8, plants [][2]int) {
	all = make([][4]uint8, 0, n)
	v := [4]int{90, 96, 18, 80}
	lo, hi := [4]int{50, 85, 8, 55}, [4]int{150, 100, 40, 120}
	for len(all) < n {
		if plant && r.IntN(1500) == 0 && len(all) > int(k)*(replayMinLag+40) {
			maxLag := min(len(all)-1, int(k)*(replayHist-replayWin-1))
			lag := int(k)*replayMinLag + 1 + r.IntN(maxLag-int(k)*replayMinLag)
			start := len(all)
			for i := 0; i < 30*int(k) && len(all) < n; i++ {
				all = append(all, all[len(all)-lag])
			}
			plants = append(plants, [2]int{start, lag})
			continue
		}
		var q [4]uint8
		for c := range v {
			v[c] = min(hi[c], max(lo[c], v[c]+r.IntN(9)-4))
			q[c] = uint8(v[c])
		}
		if r.IntN(200) == 0 {
			q[r.IntN(4)] = 0
		}
		all = append(all, q)
	}
	return all, plants
}

// observeChecked feeds all to two replay states at k and returns the replays
// they report (message index -> lag in messages), failing t unless both
// report the same (determinism) and every report is a replay: lag within the
// reach (replayMinLag to replayHist × k), at the message's phase (message i
// is remembered when (i + 1) mod k is 0), and the win messages k apart
// ending with the message each near the one lag before it.
func observeChecked(t *testing.T, k uint8, win int, all [][4]uint8) map[int]int {
	var a, b replayState
	a.k, a.win, b.k, b.win = k, uint8(win), k, uint8(win)
	found := make(map[int]int)
	for i, q := range all {
		lag, ok := a.observe(q, win)
		lag2, ok2 := b.observe(q, win)
		if lag != lag2 || ok != ok2 {
			t.Fatalf("k %d message %d: %d %v, then %d %v: not deterministic", k, i, lag, ok, lag2, ok2)
		}
		if !ok {
			continue
		}
		found[i] = lag
		if lag < replayMinLag || lag >= replayHist*int(k) {
			t.Fatalf("k %d message %d: lag %d out of reach", k, i, lag)
		}
		if lag%int(k) != (i+1)%int(k) {
			t.Fatalf("k %d message %d: lag %d, not at the message's phase %d", k, i, lag, (i+1)%int(k))
		}
		for j := range win {
			c, p := i-j*int(k), i-j*int(k)-lag
			if p < 0 || !near(&all[c], &all[p]) {
				t.Fatalf("k %d message %d: reported lag %d, but message %d (%v) is not near %d (%v)", k, i, lag, c, all[c], p, all[p])
			}
		}
	}
	return found
}

// TestReplayObserveSound drives observe (match and offPhase), at every k
// the cadence can set, with random walks long enough to wrap the remembered
// history (replayHist) and the recent ring (replayRecent) several times,
// with replays planted at lags that are and are not multiples of k: every
// report is a replay (observeChecked), and each planted one is found.
func TestReplayObserveSound(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 1303))
	for _, k := range []uint8{1, 2, 4, 8, 16} {
		for trial := range 3 {
			all, plants := walkMessages(r, k, 12000, true)
			if len(plants) == 0 {
				t.Fatalf("k %d trial %d: no replay planted", k, trial)
			}
			found := observeChecked(t, k, replayWin, all)
			t.Logf("k %d trial %d: %d planted, %d messages reported", k, trial, len(plants), len(found))
			for _, pl := range plants {
				hit := false
				for i := pl[0]; i < pl[0]+30*int(k) && i < len(all); i++ {
					if lag, ok := found[i]; ok && lag%pl[1] == 0 {
						hit = true
						break
					}
				}
				if !hit && pl[0]+30*int(k) <= len(all) {
					t.Errorf("k %d trial %d: replay planted at %d, lag %d, not found", k, trial, pl[0], pl[1])
				}
			}
		}
	}
}

// FuzzReplayObserve: observe at any k and window with messages the input
// makes: a random walk from its seed, then its ops, each copying a stretch
// from a lag back (plateaus and repeats included) or setting one channel
// (0 to replayTop, as quantise makes them);
// every report must be a replay (observeChecked).
func FuzzReplayObserve(f *testing.F) {
	f.Add(uint8(2), uint8(20), uint64(1), []byte{0x10, 0x80, 0x33, 0xff, 0x01})
	f.Add(uint8(16), uint8(12), uint64(7), []byte{0x00, 0x00, 0xfe, 0x10, 0x20, 0x30})
	f.Add(uint8(5), uint8(10), uint64(3), []byte("copy copy copy"))
	f.Fuzz(func(t *testing.T, k, win uint8, seed uint64, ops []byte) {
		k = []uint8{1, 2, 4, 8, 16}[k%5]
		win = []uint8{replayWin, replaySlowWin, replayMinuteWin}[win%3]
		all, _ := walkMessages(rand.New(rand.NewPCG(seed, 5)), k, 1500, false)
		for i := 0; i+2 < len(ops) && len(all) < 20000; i += 3 {
			switch op, a, b := ops[i], int(ops[i+1]), int(ops[i+2]); op % 3 {
			case 0, 1: // copy (a+1) × k messages from lag (b × 16 + op / 3) back
				lag := 1 + (b*16+int(op)/3)%len(all)
				for range (a + 1) * int(k) {
					all = append(all, all[len(all)-lag])
				}
			default: // one channel set (0: absent) in a new message
				q := all[len(all)-1]
				q[a%4] = uint8(min(b, replayTop)) // quantise keeps values to replayTop
				all = append(all, q)
			}
		}
		observeChecked(t, k, int(win), all)
	})
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

// TestSwarBand checks swarBand against the arithmetic it stands for, modulo
// 128: every pair of bytes x, y with every constant c, eight at a time.
func TestSwarBand(t *testing.T) {
	for x := range 256 {
		for y := range 256 {
			for c0 := 0; c0 < 256; c0 += 8 {
				var xs, ys, cs uint64
				for b := range 8 {
					// Each byte its own x, y and c, so that a carry or
					// borrow leaking into its neighbour shows.
					xb, yb, cb := uint64((x+31*b)%256), uint64((y+17*b)%256), uint64(c0+b)
					xs, ys, cs = xs|xb<<(8*b), ys|yb<<(8*b), cs|cb<<(8*b)
				}
				got := swarBand(xs|byteTop, ys&^byteTop, cs&^byteTop)
				for b := range 8 {
					v := (uint8(xs>>(8*b)) - uint8(ys>>(8*b)) + uint8(cs>>(8*b))) % 128
					if want := v <= 2*shiftBand; (got>>(8*b+7)&1 == 1) != want {
						t.Fatalf("swarBand byte %d of x %#x y %#x c %#x: got %#x, want %v", b, xs, ys, cs, got, want)
					}
				}
			}
		}
	}
}

// TestShiftCandidatesKeepEveryCopy checks that shiftCandidates leaves out
// no lag at which shifted's full test holds: streams of a patient moving by
// a few units per message (so that many lags come close), with absent
// values, values at the byte's edges, and stretches copied with each
// channel moved by a constant and a jitter, at every fill of the history.
func TestShiftCandidatesKeepEveryCopy(t *testing.T) {
	// Among the package's slowest: the slow ones share the second core (-race on 2 cores).
	t.Parallel()
	r := rand.New(rand.NewPCG(27, 14))
	copies, tested := 0, 0
	for trial := range 40 {
		var rs replayState
		win := []int{replayWin, replaySlowWin, replayMinuteWin}[trial%3]
		v := [4]int{80, 96, 16, 85}
		if trial%5 == 4 {
			v = [4]int{250, 3, 240, 6} // near the byte's edges
		}
		step := 1 + trial%4
		var src, shift [4]int
		copyLeft := 0
		for i := range 2600 {
			var q [4]uint8
			if copyLeft > 0 {
				// A stretch of the past, each channel moved by its
				// constant, with a jitter of ±1 where step allows.
				p := rs.hist[(rs.n+1-src[0])&(replayHist-1)].v
				for c := range q {
					if p[c] != 0 {
						q[c] = uint8(min(replayTop, max(1, int(p[c])+shift[c]+r.IntN(3)-1)))
					}
				}
				copyLeft--
			} else {
				for c := range v {
					v[c] = min(replayTop, max(1, v[c]+r.IntN(2*step+1)-step))
					if r.IntN(40) != 0 {
						q[c] = uint8(v[c])
					}
				}
				if rs.n > 400 && r.IntN(300) == 0 {
					copyLeft = 20 + r.IntN(40)
					src[0] = replayMinLag + r.IntN(min(rs.n, replayHist)-replayMinLag-replayWin)
					for c := range shift {
						shift[c] = r.IntN(11) - 5
					}
					copies++
				}
			}
			rs.remember(q)
			if i%3 != 0 || rs.n <= win || q[0] == 0 {
				continue
			}
			var cur, past [replayWin][4]uint8
			for j := range min(replayWin, rs.n) {
				cur[j] = rs.hist[(rs.n-j)&(replayHist-1)].v
			}
			top := min(replayHist-replayWin, rs.n-win)
			var cand [replayHist / 64]uint64
			rs.shiftCandidates(&cur, win, top, &cand)
			for age := replayMinLag; age <= top; age++ {
				n := min(replayWin, rs.n-age)
				for j := range n {
					past[j] = rs.hist[(rs.n-j-age)&(replayHist-1)].v
				}
				if shiftedRun(&cur, &past, n) < win {
					continue
				}
				tested++
				if cand[age/64]>>(age%64)&1 == 0 {
					t.Fatalf("trial %d message %d: lag %d is a shifted run of %d but not a candidate", trial, rs.n, age, win)
				}
			}
		}
	}
	t.Logf("%d copies, %d runs", copies, tested)
	if copies == 0 || tested < 100 {
		t.Fatalf("too few shifted runs to test: %d copies, %d runs", copies, tested)
	}
}
