package vitals_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// neoBed is n messages step apart of a neonate (PV1 in the NICU) whose heart
// rate wanders around h0 (within ±8) and whose breathing rate is base;
// messages i with in(i) carry rate(i, heart) instead.
func neoBed(n int, step time.Duration, h0, base float64, in func(i int) bool, rate func(i int, h float64, r *rand.Rand) float64) []tick {
	return heartBed("1|I|NICU^^01^HOSP", n, step, h0, base, in, rate)
}

// heartBed is neoBed for a patient whose PV1 is pv1 (none when empty: an
// adult).
func heartBed(pv1 string, n int, step time.Duration, h0, base float64, in func(i int) bool, rate func(i int, h float64, r *rand.Rand) float64) []tick {
	r := rand.New(rand.NewPCG(44, 1))
	h := h0
	return every(n, step, func(i int) msg {
		h = min(max(h+float64(r.IntN(5)-2), h0-8), h0+8)
		v := base + float64(r.IntN(5)-2)
		if in(i) {
			v = rate(i, h, r)
		}
		return msg{pv1: pv1, rows: []row{hr(num(h)), pr(num(h + float64(r.IntN(3)-1))),
			spo2(num(95 + float64(r.IntN(3)))), rr(num(v)), temp("37.0")}}
	})
}

// between is messages from..to-1.
func between(from, to int) func(int) bool { return func(i int) bool { return i >= from && i < to } }

// atTheHeart is the impedance counting the heart: the heart rate, off by a
// beat or three.
func atTheHeart(i int, h float64, r *rand.Rand) float64 { return h + float64(r.IntN(7)-3) }

// TestNeonateBreathingAtTheHeart44 (session 44, rrneo44): a neonate's
// shallow breaths let the impedance count the heart (cardiac overlay), and
// the breathing rate reads the heart rate, 150-190, above the breathing
// rate's range of 150 (corpus7's clean neonatal beds: range on the
// overlay's first message). Quiet: such a run of 5 min at 10 s, of 10 min at
// 60 s, and one that starts 16 min after a single message met the heart.
// Judged still: a value above the range at the heart rate for 2 messages
// (reported when the run ends), a forged value above the range away from
// the heart rate, the breathing rate written at the heart's for 25 min
// (reported when the 15-min hold ends), and two such runs of 14 min
// broken by one message (the hold is 15 min in every 30, not per run).
func TestNeonateBreathingAtTheHeart44(t *testing.T) {
	tests := []ruleCase{
		{"an overlay of 5 min at 10 s", neoBed(240, 10*sec, 167, 45, between(120, 150), atTheHeart), nil},
		{"an overlay of 10 min at 60 s", neoBed(60, 60*sec, 170, 45, between(30, 40), atTheHeart), nil},
		{"a value above the range at the heart rate for 2 messages", neoBed(240, 10*sec, 167, 45, between(120, 122), atTheHeart), []string{"range"}},
		{"a value above the range away from the heart rate", neoBed(240, 10*sec, 167, 45, between(120, 150), func(int, float64, *rand.Rand) float64 { return 190 }), []string{"range"}},
		{"the heart rate written into the breathing rate for 25 min", neoBed(360, 10*sec, 167, 45, between(120, 270), atTheHeart), []string{"range"}},
		{"two runs of 14 min at the heart rate broken by one message", neoBed(360, 10*sec, 167, 45, func(i int) bool { return i >= 60 && i < 228 && i != 144 }, atTheHeart), []string{"range"}},
	}
	checkCases(t, tests)
}

// TestSecondBreathingRowAboveRange44: a message's first breathing-rate row
// decides the run at the heart's rate; a second row above the range is
// judged on its own value. An adult at a heart rate of 80 whose first row
// reads the heart (the overlay, in range) and whose second row reads 300
// draws range (main: range; review of rrneo44: the second row was excused
// by the first row's run).
func TestSecondBreathingRowAboveRange44(t *testing.T) {
	ticks := every(120, 10*sec, func(i int) msg {
		if i < 60 || i >= 80 {
			return normal(i)
		}
		h := 80 + float64(i%3-1)
		return msg{rows: []row{hr(num(h)), pr(num(h)), spo2("96"), rr(num(h + 1)), rr("300"), temp("37.0")}}
	})
	fs := only(run(t, vitals.DefaultConfig(), ticks), "range")
	if len(fs) != 1 {
		t.Errorf("%d range findings, want 1", len(fs))
	}
}
