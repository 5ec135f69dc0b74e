package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestHeartRateFallShorterThanFifteenSeconds (session 25, spike25): the ECG
// heart rate forged 42 down for one 10 s message (corpus3 training seed 2
// m0006: 72 → 30 under a pulse rate of 73) and 57 down for two 3 s messages
// (seed 4 m0114: 86 → 30, 29 under a pulse rate of 86, 6 s to the return)
// while every other channel stays within its scatter is a spike: the
// oximeter averages its pulse rate over at most about 15 s, so a heart that
// slowed 30 or more for 5 s or more pulls it down by 10 or more, and the pulse
// rate held. Both were quiet while pulseLag was 15 s. Quiet: the same fall
// for one message at 2 s and for two messages at 2 s (4 s to the return: an
// oximeter may lag a neonate's brief bradycardia by that much), and the
// 10 s fall that the pulse rate shared (a bradycardia).
func TestHeartRateFallShorterThanFifteenSeconds(t *testing.T) {
	series := func(step time.Duration, from, n int, hrv, prv string) []tick {
		return every(400, step, func(i int) msg {
			m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(16 + float64(i%3))), temp("37.0")}}
			if i >= from && i < from+n {
				m.rows[0] = hr(hrv)
				if prv != "" {
					m.rows[1] = pr(prv)
				}
			}
			return m
		})
	}
	checkRules(t, run(t, vitals.DefaultConfig(), series(10*sec, 300, 1, "30", "")), "spike")
	checkRules(t, run(t, vitals.DefaultConfig(), series(3*sec, 300, 2, "30", "")), "spike")

	checkRules(t, run(t, vitals.DefaultConfig(), series(2*sec, 300, 1, "30", "")))
	checkRules(t, run(t, vitals.DefaultConfig(), series(2*sec, 300, 2, "30", "")))
	checkRules(t, run(t, vitals.DefaultConfig(), series(10*sec, 300, 1, "30", "33")))
}
