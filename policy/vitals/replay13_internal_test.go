package vitals

import (
	"math/rand/v2"
	"testing"
)

// TestReplayObserveSound drives observe, at every k the cadence can set,
// with random walks long enough to wrap the remembered history (replayHist)
// and the recent ring (replayRecent) several times, with planted replays at
// lags that are and are not multiples of k and absent channels now and
// then. Every replay observe reports must be one: the win messages k apart
// ending with the latest are each near the message lag before it, lag is
// within the reach (replayMinLag × k to replayHist × k) and, off phase,
// lag mod k is the phase. Each planted replay must be found, and a second
// state fed the same messages must report the same (determinism).
func TestReplayObserveSound(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 1303))
	for _, k := range []uint8{1, 2, 4, 8, 16} {
		for trial := range 3 {
			const n = 12000
			all := make([][4]uint8, 0, n)
			v := [4]int{90, 96, 18, 80}
			lo, hi := [4]int{50, 85, 8, 55}, [4]int{150, 100, 40, 120}
			var plants [][2]int // [start, lag]
			for len(all) < n {
				if r.IntN(1500) == 0 && len(all) > int(k)*(replayMinLag+40) {
					// plant a replay: a copy of a stretch lag back, 30 k long
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
					q[r.IntN(4)] = 0 // a channel absent now and then
				}
				all = append(all, q)
			}
			var a, b replayState
			a.k, a.win, b.k, b.win = k, replayWin, k, replayWin
			found := make(map[int]int) // message index -> lag
			for i, q := range all {
				lag, ok := a.observe(q, replayWin)
				lag2, ok2 := b.observe(q, replayWin)
				if lag != lag2 || ok != ok2 {
					t.Fatalf("k %d trial %d message %d: %d %v, then %d %v: not deterministic", k, trial, i, lag, ok, lag2, ok2)
				}
				if !ok {
					continue
				}
				found[i] = lag
				if lag < replayMinLag || lag >= replayHist*int(k) {
					t.Fatalf("k %d message %d: lag %d out of reach", k, i, lag)
				}
				if lag%int(k) != (i+1)%int(k) { // message i is remembered when (i+1) mod k is 0
					t.Fatalf("k %d message %d: lag %d, not at the message's phase %d", k, i, lag, (i+1)%int(k))
				}
				for j := range replayWin {
					c, p := i-j*int(k), i-j*int(k)-lag
					if p < 0 || !near(&all[c], &all[p]) {
						t.Fatalf("k %d message %d: reported lag %d, but message %d (%v) is not near %d (%v)", k, i, lag, c, all[c], p, all[p])
					}
				}
			}
			if len(plants) == 0 {
				t.Fatalf("k %d trial %d: no replay planted", k, trial)
			}
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
