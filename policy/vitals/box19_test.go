package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// paced sets message m's heart and pulse rates to h exactly: a pacemaker's
// programmed rate, counted by both sensors without a beat's variation.
func paced(m msg, h float64) msg {
	return set(m, hr(num(h)), pr(num(h)))
}

// TestHeartRateBox19: an offset written into the heart rate and the pulse
// rate together (hr_pr_agreement sees them agree), held for half an hour
// with the patient's own variation and taken away again, with every other
// channel steady, is reported when it ends, also when the patient's rate
// wandered under it (corpus2 seeds 1 m0014, 2 m0067). What a heart does by
// itself in one message and back stays quiet: a re-entrant tachycardia (a
// PSVT at 200, or at 143 as the project's simulator makes one), a pacing rate reprogrammed and set back, the normal rhythm
// between two episodes of a tachycardia (hl7load seed 19 m0137), a
// tachycardia that ends over several messages and starts again (hl7load
// seed 7 m0108), a bradycardia that ends so (corpus2 seed 2 m0075).
func TestHeartRateBox19(t *testing.T) {
	const step = 30 * time.Second
	at := func(i int, h float64) msg { return patient(i, h, 97, 16, 38) }
	for _, tc := range []struct {
		name string
		pace bool // the heart rate is paced: exact values throughout
		// the heart rate at message k after the learning hour; the
		// messages run to 120
		level func(k int) float64
		want  []string
	}{
		{"forged 85 → 50 for 30 min, then back", false, func(k int) float64 {
			if k >= 10 && k < 70 {
				return 50
			}
			return 85
		}, []string{"rate_of_change"}},
		{"forged +15 for 30 min while the patient's own rate rises by 8 under it, then back", false, func(k int) float64 {
			own := 85 + 8*ramp(k-20, 20)
			if k >= 10 && k < 70 {
				return own + 15
			}
			return own
		}, []string{"rate_of_change"}},
		{"PSVT at 200 for 30 min, starting and ending in one message", false, func(k int) float64 {
			if k >= 10 && k < 70 {
				return 200
			}
			return 85
		}, nil},
		{"paroxysmal tachycardia at 143 for 10 min from 80, in one message each way (hl7load's simulator)", false, func(k int) float64 {
			if k >= 10 && k < 30 {
				return 143
			}
			return 80
		}, nil},
		{"forged 80 → 115 for 30 min, then back: under a re-entrant rhythm's rates", false, func(k int) float64 {
			if k >= 10 && k < 70 {
				return 115
			}
			return 80
		}, []string{"rate_of_change"}},
		{"pacing rate 70 set to 85 for 30 min, then back", true, func(k int) float64 {
			if k >= 10 && k < 70 {
				return 85
			}
			return 70
		}, nil},
		{"tachycardia at 130 (reached over three messages) for 6 min, 30 min of normal rhythm at 85, the tachycardia again", false, func(k int) float64 {
			switch {
			case k == 10:
				return 93
			case k == 11:
				return 110
			case k > 11 && k < 22, k >= 82:
				return 130
			}
			return 85
		}, nil},
		{"tachycardia at 125 for 15 min ending over 4 messages, 30 min at 85, starting again over 4", false, func(k int) float64 {
			switch {
			case k < 40:
				return 85 + 40*ramp(k, 6)
			case k < 106:
				return 125 - 40*ramp(k-39, 4)
			}
			return [...]float64{95, 108, 118}[min(k-106, 2)] + 7*ramp(k-108, 1)
		}, nil},
		{"bradycardia 85 → 62 → 42 for 30 min, recovering over 4 messages", false, func(k int) float64 {
			switch {
			case k < 10:
				return 85
			case k == 10:
				return 62
			}
			return 42 + 43*ramp(k-69, 4)
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(240, step, func(i int) msg {
				h := 85.0
				if tc.pace {
					h = 70
				}
				if k := i - 120; k >= 0 {
					h = tc.level(k)
				}
				if tc.pace {
					return paced(at(i, h), h)
				}
				return at(i, h)
			})
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "rate_of_change"), tc.want...)
		})
	}
}
