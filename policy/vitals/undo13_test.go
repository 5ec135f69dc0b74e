package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestQuietBigeminyRepeatsItsDifference: a sedated patient in a bigeminy,
// the heart rate flickering between 61 and 62, the pulse at 55 % of it with
// a beat or two of its own noise; after half an hour of varied differences
// six messages in a row happen to keep one (61/33, 62/34; training seed 48
// m0032, a clean bed). That is a quiet pulse's noise, not a pulse computed
// from the heart rate. The same difference kept for twelve messages is one,
// and so is a pulse locked to the heart rate from the disagreement's first
// message (a forged hr_pr_mismatch on a quiet patient: 88/42, 87/41, 86/40).
func TestQuietBigeminyRepeatsItsDifference(t *testing.T) {
	noisy := []float64{33, 35, 32, 34, 36, 33, 31, 34, 35, 32}
	quiet := func(from, locked int) []tick {
		ticks := every(60, 10*sec, func(i int) msg { return vitalsAt(i, 61, 61, 96) })
		return then(ticks, 10*sec, every(60, 10*sec, func(i int) msg {
			h := 61 + float64(i%2)
			p := noisy[i%len(noisy)]
			if i >= from && i < from+locked {
				p = h - 28
			}
			return msg{rows: []row{hr(num(h)), pr(num(p)), spo2(num(96 + float64(i%2))), rr(wobble(16, i)), temp("37.0")}}
		}))
	}
	checkRules(t, run(t, vitals.DefaultConfig(), quiet(30, 6)))
	checkRules(t, run(t, vitals.DefaultConfig(), quiet(30, 12)), "hr_pr_agreement")
	checkRules(t, run(t, vitals.DefaultConfig(), quiet(0, 10)), "hr_pr_agreement") // 100 s, beyond persist
}
