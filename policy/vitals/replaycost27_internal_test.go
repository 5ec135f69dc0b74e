package vitals

import (
	"math/rand/v2"
	"testing"
)

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
