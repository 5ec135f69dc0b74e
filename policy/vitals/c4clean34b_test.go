package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// ofRule keeps the findings of one rule on one parameter.
func ofRule(fs []vitals.Finding, rule, param string) []vitals.Finding {
	var got []vitals.Finding
	for _, f := range fs {
		if f.Rule == rule && f.Parameter == param {
			got = append(got, f)
		}
	}
	return got
}

// TestShallowBreathsCO2Level34 (session 34, c4clean34b, fewBreaths): a
// patient breathing 7-9 times a minute (opioids) gives the capnograph one
// breath or two per window, and the end-tidal CO2 it shows is one shallow
// breath's peak: it settles 6-7 mmHg lower for two minutes, scattering, and
// comes back, beside a breathing rate that does not move (corpus4's clean
// beds, training seed 2 m0111). Quiet: no step, and no step on the return.
// Reported as before: the same level beside a breathing rate of 15-17,
// whose window holds several breaths; and a shift of 20 mmHg beside the
// slow breather (beyond the channel's spike threshold).
func TestShallowBreathsCO2Level34(t *testing.T) {
	bed := func(breaths float64, drop float64) []tick {
		learn := every(200, 5*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i)), pr(wobble(72, i+5)), spo2(wobble(95, i+7)),
				rr(num(breaths + float64(i%3))), etco2(num(40 + float64(i%2)))}}
		})
		low := every(24, 5*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i+500)), pr(wobble(72, i+505)), spo2(wobble(95, i+507)),
				rr(num(breaths + float64(i%3))), etco2(num(40 - drop + float64([]int{0, 1, -1, 0}[i%4])))}}
		})
		back := every(60, 5*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i+900)), pr(wobble(72, i+905)), spo2(wobble(95, i+907)),
				rr(num(breaths + float64(i%3))), etco2(num(40 + float64(i%2)))}}
		})
		return then(then(learn, 5*sec, low), 5*sec, back)
	}
	co2 := func(fs []vitals.Finding) []vitals.Finding { return ofRule(fs, "rate_of_change", "MDC_AWAY_CO2_ET") }
	t.Run("slow breather, 7 mmHg", func(t *testing.T) { checkRules(t, co2(run(t, vitals.DefaultConfig(), bed(7, 7)))) })
	t.Run("breathing 15-17, 7 mmHg", func(t *testing.T) {
		checkRules(t, co2(run(t, vitals.DefaultConfig(), bed(15, 7))), "rate_of_change")
	})
	t.Run("slow breather, 20 mmHg", func(t *testing.T) {
		if len(co2(run(t, vitals.DefaultConfig(), bed(7, 20)))) == 0 {
			t.Error("a 20 mmHg end-tidal shift beside a slow breather went unreported")
		}
	})
}
