package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestEarlyFreeze24: a channel's freezes were judged only after 60 of its
// messages, an hour at a 60 s cadence, so a hold forged early in a stream
// went unseen (frozen24b: an arterial line held 23 minutes from message 36).
// Before its change probability is learned a channel is judged by a
// pessimistic one: the share of changes before the current run, less two
// standard errors, from 20 messages on. A line that moved in every message
// and then holds is caught; a steady saturation, a ventilator's set rate and
// a paced heart held from admission, or a channel that changes in about half
// of its messages and then rests, are not.
func TestEarlyFreeze24(t *testing.T) {
	pressure := func(i, k int, lv, sd float64) string {
		return num(math.Round(lv + sd*rand.New(rand.NewPCG(uint64(i), uint64(k))).NormFloat64()))
	}
	// half returns v, or v+1 in about half of the messages: a channel that
	// changes in about half of them.
	half := func(v float64, i, k int) string {
		return num(v + float64(rand.New(rand.NewPCG(uint64(i), uint64(k))).IntN(2)))
	}
	line := func(i int, s, d, m, sat, resp, heart string) msg {
		return msg{rows: []row{hr(heart), pr(wobble(80, i+5)), spo2(sat), rr(resp), artS(s), artD(d), artM(m)}}
	}
	moving := func(i int) msg {
		return line(i, pressure(i, 21, 110, 4), pressure(i, 22, 62, 2.5), pressure(i, 23, 78, 3),
			wobble(96, i+7), wobble(16, i+3), wobble(80, i))
	}
	t.Run("a moving arterial line held early (forged freeze)", func(t *testing.T) {
		held := every(23, 60*sec, func(i int) msg {
			return line(i+100, "99", "64", "76", wobble(96, i+107), wobble(16, i+103), wobble(80, i+100))
		})
		fs := run(t, vitals.DefaultConfig(), then(every(35, 60*sec, moving), 60*sec, held))
		checkRules(t, fs, "frozen")
	})
	t.Run("a ventilated, paced patient resting at admission", func(t *testing.T) {
		rest := every(59, 60*sec, func(i int) msg {
			return line(i, pressure(i, 21, 110, 4), pressure(i, 22, 62, 2.5), pressure(i, 23, 78, 3), "100", "14", "70")
		})
		checkRules(t, run(t, vitals.DefaultConfig(), rest))
	})
	t.Run("a saturation changing in half its messages, then resting", func(t *testing.T) {
		settle := every(25, 60*sec, func(i int) msg {
			return line(i, pressure(i, 21, 110, 4), pressure(i, 22, 62, 2.5), pressure(i, 23, 78, 3), half(96, i, 31), wobble(16, i+3), wobble(80, i))
		})
		rest := every(34, 60*sec, func(i int) msg {
			return line(i+100, pressure(i+100, 21, 110, 4), pressure(i+100, 22, 62, 2.5), pressure(i+100, 23, 78, 3), "97", wobble(16, i+103), wobble(80, i+100))
		})
		checkRules(t, run(t, vitals.DefaultConfig(), then(settle, 60*sec, rest)))
	})
}
