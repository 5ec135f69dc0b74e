package vitals_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// withSpO2 sets message i's saturation row to s with an oximeter's scatter
// seeded by i: a point either way one message in five each (its mean change
// between messages about 0.64, as on corpus2's adult beds).
func withSpO2(m msg, i int, s float64) msg {
	g := rand.New(rand.NewPCG(uint64(i), 23))
	d := [...]float64{-1, 0, 0, 0, 1}[g.IntN(5)]
	for j, r := range m.rows {
		if r.code == spo2("").code {
			m.rows[j] = spo2(num(s + d))
		}
	}
	return m
}

// TestSaturationBoxNoise: an offset of −5 points on a saturation that
// scatters ±1 by itself, with the patient wandering 2.5 points up under it
// in its last 10 minutes, reads 93 every other message there, two points
// from the 95 it left (the shape of corpus2 seed 4 m0037); it held a level
// all the same and is reported when it ends, back at 96. A genuine
// desaturation whose edges take minutes (one that falls over several
// messages and recovers over several, or one that falls in one message and
// recovers gradually) stays quiet.
func TestSaturationBoxNoise(t *testing.T) {
	const step = 30 * time.Second
	at := func(s float64) func(int) msg {
		return func(i int) msg { return withSpO2(withArt(patient(i, 80, 97, 16, 38), i, 120, 70, 87), i, s) }
	}
	// 10 messages at 95 after the learning hour, then the saturation
	// level(k) for 60 messages (30 min), then after for 10.
	box := func(after float64, level func(k int) float64) []tick {
		return every(80, step, func(i int) msg {
			switch k := i - 10; {
			case k < 0:
				return at(95)(i + 1000)
			case k >= 60:
				return at(after)(i + 1000)
			default:
				return at(level(k))(i + 1000)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		after float64
		level func(k int) float64
		want  []string
	}{
		{"forged 95 → 90 for 20 min, the patient up 2.5 points under it for 10 more (93 and 92 in turn), then back", 96, func(k int) float64 {
			if k < 40 {
				return 90
			}
			return 93 - float64(k%2)
		}, []string{"rate_of_change"}},
		{"desaturation 95 → 91 over 4 messages, held, recovering over 4", 95, func(k int) float64 {
			return 95 - 4*ramp(k, 4) + 4*ramp(k-56, 4)
		}, nil},
		{"desaturation 95 → 91 in one message, held, recovering over 5", 95, func(k int) float64 {
			return 91 + 4*ramp(k-55, 5)
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticks := then(every(120, step, at(95)), step, box(tc.after, tc.level))
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "rate_of_change"), tc.want...)
		})
	}
}
