package vitals_test

import (
	"math/rand/v2"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestCountedRateNoCO2Witness33 (session 33, c4clean33, rrGrid.counted): a
// monitor that counts breaths over a 20 s window shows a breathing rate on a
// grid of 3 that flickers 12/15 as a breath falls in or out of the window,
// however regular the breathing. When sleep makes the breaths regular, the
// end-tidal CO2 (the highest breath peak of the last 12 s, read every 5 s)
// holds a value for a few readings at a time: corpus4's clean beds
// (training seed 2 m0111, m0103). Quiet: that flicker is no witness for the
// end-tidal CO2's noise. Caught: the same end-tidal CO2 beside a breathing
// rate that is not a count on a grid (a mean of breath intervals, 11-17),
// whose roughness is the breathing's own.
func TestCountedRateNoCO2Witness33(t *testing.T) {
	bed := func(counted bool) []tick {
		breaths := func(i int) string {
			if counted {
				return num(12 + 3*float64(rand.New(rand.NewPCG(uint64(i), 13)).IntN(2)))
			}
			return wobble(14, i+3)
		}
		learn := every(200, 5*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i)), pr(wobble(72, i+5)), spo2(wobble(96, i+7)), rr(breaths(i)), etco2(wobble(38, i+9))}}
		})
		asleep := every(80, 5*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i+1000)), pr(wobble(72, i+1005)), spo2(wobble(96, i+1007)), rr(breaths(i + 1000)),
				etco2(num(37 + float64([]int{0, 1, 2, 1}[i/4%4])))}}
		})
		return then(learn, 5*sec, asleep)
	}
	only := func(fs []vitals.Finding) []vitals.Finding {
		var got []vitals.Finding
		for _, f := range fs {
			if f.Rule == "too_regular" {
				got = append(got, f)
			}
		}
		return got
	}
	t.Run("counted breathing rate", func(t *testing.T) { checkRules(t, only(run(t, vitals.DefaultConfig(), bed(true)))) })
	t.Run("breathing rate off any grid", func(t *testing.T) {
		checkRules(t, only(run(t, vitals.DefaultConfig(), bed(false))), "too_regular")
	})
}
