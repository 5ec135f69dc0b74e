package vitals_test

import (
	"math/rand/v2"
	"testing"
	"time"
)

// overlayBed (review43c) is n messages step apart of a patient whose heart
// rate wanders around h0 and whose breathing rate is base; rate(i, h) < 0
// leaves message i without its breathing rate, and rate(i, h) == 0 keeps base.
func overlayBed(loc string, n int, step time.Duration, h0, base float64, rate func(i int, h float64, r *rand.Rand) float64) []tick {
	r := rand.New(rand.NewPCG(43, 3))
	h := h0
	return every(n, step, func(i int) msg {
		h = min(max(h+float64(r.IntN(5)-2), h0-8), h0+8)
		v := base + float64(r.IntN(5)-2)
		w := rate(i, h, r)
		if w > 0 {
			v = w
		}
		rows := []row{hr(num(h)), pr(num(h + float64(r.IntN(3)-1))), spo2(num(95 + float64(r.IntN(3))))}
		if w >= 0 {
			rows = append(rows, rr(num(v)))
		}
		m := msg{rows: append(rows, temp("37.0"))}
		if loc != "" {
			m.pv1 = "1|I|" + loc + "^^01^HOSP"
		}
		return m
	})
}

// atHeartFrom writes the heart rate (±3) into the breathing rate from
// message from to to-1, but every every-th message, which brk gives
// (0: the patient's own rate, -1: no breathing rate).
func atHeartFrom(from, to, every int, brk float64) func(int, float64, *rand.Rand) float64 {
	return func(i int, h float64, r *rand.Rand) float64 {
		switch {
		case i < from || i >= to:
			return 0
		case every > 0 && (i-from)%every == every-1:
			return brk
		}
		return h + float64(r.IntN(7)-3)
	}
}

// TestOverlayBudgetReset43c (review43c): rrcard43 excuses a breathing rate
// at the heart's rate for heartHold (15 min) from the first message of its
// run, and any message off the heart's rate, or without a breathing rate,
// ends the run: the next message at the heart's rate begins a new run and a
// new 15 min. A forger who writes the heart rate into the breathing rate
// and breaks it with one message every 10 min is excused for as long as he
// likes: a neonate's rate above the range (main: range) and an adult's
// rate at the heart's from 16 (main: rate_of_change), for an hour.
func TestOverlayBudgetReset43c(t *testing.T) {
	tests := []ruleCase{
		{"a neonate's rate at the heart's for an hour, one message at its own rate every 10 min",
			overlayBed("NICU", 600, 10*sec, 167, 45, atHeartFrom(120, 480, 60, 0)), []string{"range"}},
		{"a neonate's rate at the heart's for an hour, one message without it every 10 min",
			overlayBed("NICU", 600, 10*sec, 167, 45, atHeartFrom(120, 480, 60, -1)), []string{"range"}},
		{"an adult's rate at the heart's for an hour, one message at its own rate every 10 min",
			overlayBed("", 600, 10*sec, 80, 16, atHeartFrom(120, 480, 60, 0)), []string{"rate_of_change"}},
	}
	checkRuleCases(t, tests)
}

// TestOverlayEpisodes43c (review43c): what the episode's hold must leave
// quiet. A breath detector that loses the heart for one message and finds
// it again within one overlay of 14 min in all, and two overlays of 10 min
// each 20 min apart (each a hold of its own: corpus7's training beds show
// 20-117 min between two overlays of one bed), neonate and adult.
func TestOverlayEpisodes43c(t *testing.T) {
	windows := func(ws ...[2]int) func(int, float64, *rand.Rand) float64 {
		return func(i int, h float64, r *rand.Rand) float64 {
			for _, w := range ws {
				if i >= w[0] && i < w[1] {
					return h + float64(r.IntN(7)-3)
				}
			}
			return 0
		}
	}
	tests := []ruleCase{
		{"a neonate's overlay of 14 min, lost for one message after 9", overlayBed("NICU", 400, 10*sec, 167, 45, windows([2]int{120, 174}, [2]int{175, 204})), nil},
		{"an adult's overlay of 14 min, lost for one message after 9", overlayBed("", 400, 10*sec, 80, 16, windows([2]int{120, 174}, [2]int{175, 204})), nil},
		{"a neonate's two overlays of 10 min, 20 min apart", overlayBed("NICU", 480, 10*sec, 167, 45, windows([2]int{120, 180}, [2]int{300, 360})), nil},
		{"an adult's two overlays of 10 min, 20 min apart", overlayBed("", 480, 10*sec, 80, 16, windows([2]int{120, 180}, [2]int{300, 360})), nil},
	}
	checkRuleCases(t, tests)
}
