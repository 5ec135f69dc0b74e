package vitals

import (
	"math/rand/v2"
	"testing"
)

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
