package vitals_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// pulseBelow sets message m's pulse rate d below its heart rate.
func pulseBelow(m msg, d float64) msg {
	h := 0.0
	for _, r := range m.rows {
		if r.code == hr("").code {
			h, _ = strconv.ParseFloat(r.value, 64)
		}
	}
	return set(m, pr(num(h-d)))
}

// TestHeartRateLasting24: an offset written into the heart rate and the
// pulse rate together and never taken away (corpus3 training seed 3 m0131,
// a child's 62 to 28 for two hours), held with the patient's own variation
// while every other channel keeps its level, is reported once it has held
// for half an hour. What stays quiet: the heart coming back in one message
// to the rate it had before a bradycardia of 40 min (a level it held in the
// last hour), a rise of 15 that stays (below heartLastMin), a pacing rate
// reprogrammed for good (no scatter: no leap), and a jump with a pulse
// deficit that stays (atrial fibrillation's rapid response, hl7load
// training seed 4 m0096).
func TestHeartRateLasting24(t *testing.T) {
	const step = 30 * time.Second
	at := func(i int, h float64) msg { return patient(i, h, 97, 16, 38) }
	for _, tc := range []struct {
		name string
		// the heart rate at message k after the learning hour (the
		// messages run to 120), and the message's edit
		level func(k int) float64
		edit  func(k int, m msg) msg
		want  []string
	}{
		{"forged 85 → 51 to the end", func(k int) float64 {
			if k >= 10 {
				return 51
			}
			return 85
		}, nil, []string{"rate_of_change"}},
		{"forged 85 → 110 to the end", func(k int) float64 {
			if k >= 10 {
				return 110
			}
			return 85
		}, nil, []string{"rate_of_change"}},
		{"bradycardia 85 → 50 over 4 messages for 40 min, back to 85 in one message to the end", func(k int) float64 {
			if k < 90 {
				return 85 - 35*ramp(k+1, 4)
			}
			return 85
		}, nil, nil},
		{"a rise of 15 that stays", func(k int) float64 {
			if k >= 10 {
				return 100
			}
			return 85
		}, nil, nil},
		{"pacing rate 70 set to 95 for good", func(k int) float64 {
			if k >= 10 {
				return 95
			}
			return 70
		}, func(k int, m msg) msg {
			if k >= 10 {
				return paced(m, 95)
			}
			return paced(m, 70)
		}, nil},
		{"heart rate 85 → 118 with its pulse 20 below it, to the end", func(k int) float64 {
			if k >= 10 {
				return 118
			}
			return 85
		}, func(k int, m msg) msg {
			switch {
			case k == 10:
				return pulseBelow(m, 13)
			case k > 10:
				return pulseBelow(m, 20)
			}
			return m
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(240, step, func(i int) msg {
				k := i - 120
				h := tc.level(min(k, -1))
				if k >= 0 {
					h = tc.level(k)
				}
				m := at(i, h)
				if tc.edit != nil {
					m = tc.edit(k, m)
				}
				return m
			})
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "rate_of_change"), tc.want...)
		})
	}
}
