package vitals_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// settleBed is an adult arterial line at 2 s: the pressures' shared swing
// (agitation, straining, the breath) of up to ±common(i) mmHg, the line's
// ringing of ±ring mmHg that moves the systolic and the diastolic apart, the
// pulse pressure's own alternation of ±beat from beat to beat, and a heart
// rate whose noise (±6) stays the same throughout, so that the heart rate's
// calm excuses nothing (heartCalmer).
func settleBed(seed uint64, n int, common func(i int) float64, ring, beat int) []tick {
	r := rand.New(rand.NewPCG(seed, 481))
	return every(n, 2*sec, func(i int) msg {
		c := common(i)
		q := math.Round((2*r.Float64() - 1) * c)
		g := float64(r.IntN(2*ring+1) - ring)
		a := float64(beat * (2*(i%2) - 1))
		h := float64(r.IntN(13) - 6)
		s, d := 110+q+g+a, 55+q-g
		return msg{rows: []row{hr(num(80 + h)), pr(num(80 + h + float64(r.IntN(3)-1))), spo2(quiet(96, i+7)),
			rr(wobble(16, i+3)), artS(num(s)), artD(num(d)), artM(num(math.Round((s + 2*d) / 3)))}}
	})
}

// flat is a shared swing of ±c throughout (settleBed's common).
func flat(c float64) func(int) float64 { return func(int) float64 { return c } }

// settledAfterRinging is the stay TestPulseLevelAfterSettling48a describes up
// to the second sleep: agitation with a ringing line, fifty minutes of
// settling, sleep, a stir.
func settledAfterRinging(seed uint64) []tick {
	ts := settleBed(seed*10+1, 1500, flat(12), 12, 1)
	ts = then(ts, 2*sec, settleBed(seed*10+2, 1500, func(i int) float64 { return 12 * math.Pow(0.25, float64(i)/1500) }, 0, 1))
	ts = then(ts, 2*sec, settleBed(seed*10+3, 600, flat(3), 0, 1))
	return then(ts, 2*sec, settleBed(seed*10+4, 300, flat(3), 0, 3))
}

// TestPulseLevelAfterSettling48a (review48a): the failing-on-main case of
// artreg48's pulseLevel with a wide margin on both sides. Agitation with a
// ringing line (shared swing ±12 and ringing ±12: the pulse pressure learns
// about 25), the handling stops (the ringing ends at once, the pulse
// pressure's roughness falls to its beat alternation, 4, under half its
// level, and is not relearned), the patient settles over fifty minutes (the
// shared swing decays to ±3: the systolic and the diastolic, each keeping
// more than half of its level at every step, relearn down to about 8
// together), then sleeps, stirs and sleeps again. The second sleep's pulse
// pressure at 4 is about half of the pressures' learned roughness together
// (the branch's threshold about 2) and a sixth of the stale level (main's
// threshold about 6): main re-opens the episode, the branch stays quiet.
func TestPulseLevelAfterSettling48a(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		ts := settledAfterRinging(seed)
		from := len(ts) // before it, the ringing's level is relearned away
		ts = then(ts, 2*sec, settleBed(seed*10+5, 900, flat(3), 0, 1))
		quietFrom(t, fmt.Sprintf("seed %d", seed), ts, from)
	}
}

// quietFrom runs ts on the defaults and fails t for every too_regular
// finding from ts[from]'s message on: the stretch a test asks to stay quiet.
func quietFrom(t *testing.T, label string, ts []tick, from int) {
	t.Helper()
	for _, f := range only(run(t, vitals.DefaultConfig(), ts), "too_regular") {
		if !f.ObservedAt.Before(t0.Add(ts[from].at)) {
			t.Errorf("%s: too_regular %s value=%.2f other=%.2f threshold=%.2f: %s", label, f.Parameter, f.Value, f.Other, f.Threshold, f.Explanation)
		}
	}
}

// TestPulseLevelSmoothedAfterSettling48a (review48a): the forger's use of
// pulseLevel. The pressures' learned roughness is brought down first (the
// settling of TestPulseLevelAfterSettling48a: each keeps more than half of
// its level at every step and relearns), so the pulse pressure is judged
// against the lower sum, not its stale level; then, the patient awake
// again (shared swing ±8, which keeps the averaged pressures moving: not
// the held line of session 19), the pressures are written as an 8-message
// moving average (the heart rate kept). The sum still bounds the genuine
// pulse pressure from above, and a moving average takes the beat
// alternation out of it: reported on the branch as on main.
func TestPulseLevelSmoothedAfterSettling48a(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		ts := settledAfterRinging(seed)
		from := len(ts)
		forged := averagedLine(seed*10 + 5) // awake again: the averaged pressures keep moving
		fs := run(t, vitals.DefaultConfig(), then(ts, 2*sec, forged))
		n := 0
		for _, f := range only(fs, "too_regular") {
			if !f.ObservedAt.Before(t0.Add(time.Duration(from) * 2 * sec)) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("seed %d: no too_regular on the smoothed line; rules fired %q", seed, rulesOf(fs))
		}
	}
}

// averagedLine is 900 messages of settleBed's line with the patient awake
// (shared swing ±8, which keeps the pressures moving: not the held line of
// session 19) written as an 8-message moving average of the systolic and
// the diastolic, the mean computed from them, the heart rate kept.
func averagedLine(seed uint64) []tick {
	forged := settleBed(seed, 900, flat(8), 0, 1)
	ss, ds := movingAverage(8), movingAverage(8)
	for i := range forged {
		rows := forged[i].m.rows
		s, _ := strconv.ParseFloat(rows[4].value, 64)
		d, _ := strconv.ParseFloat(rows[5].value, 64)
		s, d = math.Round(ss(s)), math.Round(ds(d))
		rows[4], rows[5], rows[6] = artS(num(s)), artD(num(d)), artM(num(math.Round((s+2*d)/3)))
	}
	return forged
}

// TestPulseLevelAfterAFTurnover48a (review48a): a bed turnover out of AF
// has the pulse pressure learn its roughness anew (review39b) from a plain
// mean of the next patient's first messages, while the systolic and the
// diastolic keep the last patient's levels and move towards the next one's
// by a clipped 1/256 a message. The last patient's pressures calm (±1), the
// next patient's line ringing (±8, the pulse pressure's roughness about 19),
// then from its 130th message the ringing cut to ±1 (the pulse pressure at
// about 3, a sixth of its level) while the shared swing (±2) goes on. Main
// reports it as soon as the pulse pressure is judged. Against the sum of
// the pressures' levels, still the last patient's when it is first judged
// and then relearning the forgery's (each pressure keeps more than half of
// its level), it was never reported.
func TestPulseLevelAfterAFTurnover48a(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewPCG(seed, 77))
		first := every(1500, 2*sec, func(i int) msg {
			h := 128 + float64(r.IntN(25)-12) // AF
			q := float64(r.IntN(3) - 1)
			s, d := 110+q, 55+q
			return msg{rows: []row{hr(num(h)), pr(num(h - 10)), spo2(quiet(96, i+7)), rr(wobble(16, i+3)),
				artS(num(s)), artD(num(d)), artM(num(math.Round((s + 2*d) / 3)))}}
		})
		r2 := rand.New(rand.NewPCG(seed, 78))
		next := every(900, 2*sec, func(i int) msg {
			h := 80 + float64(r2.IntN(13)-6)
			q := float64(r2.IntN(5) - 2)
			ring := 8
			if i >= 130 {
				ring = 1
			}
			g := float64(r2.IntN(2*ring+1) - ring)
			s, d := 110+q+g, 55+q-g
			return msg{rows: []row{hr(num(h)), pr(num(h + float64(r2.IntN(3)-1))), spo2(quiet(96, i+7)), rr(wobble(16, i+3)),
				artS(num(s)), artD(num(d)), artM(num(math.Round((s + 2*d) / 3)))}}
		})
		ts := turnover(first, next, byGap)
		from := t0.Add(ts[1500].at + 130*2*sec)
		n := 0
		for _, f := range only(run(t, vitals.DefaultConfig(), ts), "too_regular") {
			if f.Parameter == "MDC_PRESS_BLD_ART_SYS" && !f.ObservedAt.Before(from) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("seed %d: the pulse pressure cut to a sixth after the turnover not reported", seed)
		}
	}
}
