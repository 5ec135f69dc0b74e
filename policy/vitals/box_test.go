package vitals_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// withArt appends arterial rows (systolic s, diastolic d, mean m, each with a
// noise of ±1 seeded by i) to a message.
func withArt(m msg, i int, s, d, mn float64) msg {
	g := rand.New(rand.NewPCG(uint64(i), 17))
	n := func() float64 { return float64(g.IntN(3) - 1) }
	m.rows = append(m.rows, artS(num(math.Round(s)+n())), artD(num(math.Round(d)+n())), artM(num(math.Round(mn)+n())))
	return m
}

// withTemp sets message i's temperature row (patient's) to v with a
// probe's scatter of ±0.1 °C seeded by i.
func withTemp(m msg, i int, v float64) msg {
	g := rand.New(rand.NewPCG(uint64(i), 19))
	for j, r := range m.rows {
		if r.code == temp("").code {
			m.rows[j] = temp(strconv.FormatFloat(v+0.1*float64(g.IntN(3)-1), 'f', 1, 64))
		}
	}
	return m
}

// TestBox: an offset added to one channel for half an hour and taken away
// again (a box: one jump out, the level held with the channel's own
// scatter, one jump back to where it left, nothing else moving) is reported
// when it ends, also below the step floors; a patient's own changes of
// pace and pressure that come back differently, move other channels, are
// short, ramp or scatter stay quiet.
func TestBox(t *testing.T) {
	const step = 30 * time.Second
	learn := every(120, step, func(i int) msg { return withTemp(withArt(patient(i, 80, 97, 16, 38), i, 120, 70, 87), i, 37) })
	// 10 messages at the patient's level, then f for n messages, then 10
	// after it (k counts from the box's first message).
	box := func(n int, f func(i, k int) msg) []tick {
		return every(n+20, step, func(i int) msg {
			k := i - 10
			if k < 0 || k >= n+10 {
				return f(i+1000, -1)
			}
			return f(i+1000, k)
		})
	}
	plain := func(i int) msg { return withTemp(withArt(patient(i, 80, 97, 16, 38), i, 120, 70, 87), i, 37) }
	tests := []struct {
		name string
		more []tick
		want []string
	}{
		{"breathing rate forged 16 → 22 for 30 min (under the 8/min step floor), then back", box(60, func(i, k int) msg {
			if k >= 0 && k < 60 {
				return withArt(patient(i, 80, 97, 22, 38), i, 120, 70, 87)
			}
			return plain(i)
		}), []string{"rate_of_change"}},
		{"breathing rate forged 16 → 10 for 30 min, one value in 15 back at 14, then back", box(60, func(i, k int) msg {
			switch {
			case k >= 0 && k < 60 && k%15 == 12:
				return withArt(patient(i, 80, 97, 14, 38), i, 120, 70, 87)
			case k >= 0 && k < 60:
				return withArt(patient(i, 80, 97, 10, 38), i, 120, 70, 87)
			}
			return plain(i)
		}), []string{"rate_of_change"}},
		{"arterial pressures forged +10 mmHg for 30 min (under half the spike threshold), then back", box(60, func(i, k int) msg {
			if k >= 0 && k < 60 {
				return withArt(patient(i, 80, 97, 16, 38), i, 130, 80, 97)
			}
			return plain(i)
		}), []string{"rate_of_change"}},
		{"saturation forged 97 → 91 for 30 min (under the 10-point step), then back", box(60, func(i, k int) msg {
			if k >= 0 && k < 60 {
				return withArt(patient(i, 80, 91, 16, 38), i, 120, 70, 87)
			}
			return plain(i)
		}), []string{"rate_of_change"}},
		{"temperature forged 37.0 → 37.8 for 30 min (under the 1 °C step), then back", box(60, func(i, k int) msg {
			if k >= 0 && k < 60 {
				return withTemp(plain(i), i, 37.8)
			}
			return plain(i)
		}), []string{"rate_of_change"}},
		{"saturation pulled to 83 by motion (the pulse rate thrown about) for 20 min, back to 97 for 30 min, then a two-message dip", box(110, func(i, k int) msg {
			switch {
			case k >= 0 && k < 40:
				m := withArt(patient(i, 80, 83, 16, 38), i, 120, 70, 87)
				m.rows[1] = pr(num(float64(80 + 25*(k%2))))
				return m
			case k == 100 || k == 101:
				return withArt(patient(i, 80, 85, 16, 38), i, 120, 70, 87)
			}
			return plain(i)
		}), nil},
		{"saturation 97 → 92 in one message, falling on to 88 over 3 more (a desaturation), held 30 min, then back", box(60, func(i, k int) msg {
			if k >= 0 && k < 60 {
				return withArt(patient(i, 80, 92-4*ramp(k, 3), 16, 38), i, 120, 70, 87)
			}
			return plain(i)
		}), nil},
		{"saturation 97 → 91 for 30 min with the heart rate +15 as it begins and ends (hypoxaemia)", box(60, func(i, k int) msg {
			if k >= 0 && k < 60 {
				return withArt(patient(i, 95, 91, 16, 38), i, 120, 70, 87)
			}
			return plain(i)
		}), nil},
		{"breathing rate 16 → 22 for 30 min, back to 19 (a new level, not the old one)", box(60, func(i, k int) msg {
			switch {
			case k >= 0 && k < 60:
				return withArt(patient(i, 80, 97, 22, 38), i, 120, 70, 87)
			case k >= 60:
				return withArt(patient(i, 80, 97, 19, 38), i, 120, 70, 87)
			}
			return plain(i)
		}), nil},
		{"breathing rate 16 → 22 for 30 min, the heart rate +15 as it begins and ends (waking, sleeping)", box(60, func(i, k int) msg {
			if k >= 0 && k < 60 {
				return withArt(patient(i, 95, 97, 22, 38), i, 120, 70, 87)
			}
			return plain(i)
		}), nil},
		{"breathing rate 16 → 22 for 5 min, then back", box(10, func(i, k int) msg {
			if k >= 0 && k < 10 {
				return withArt(patient(i, 80, 97, 22, 38), i, 120, 70, 87)
			}
			return plain(i)
		}), nil},
		{"breathing rate 16 → 22 for 30 min, back over 4 messages", box(60, func(i, k int) msg {
			if k >= 0 && k < 64 {
				return withArt(patient(i, 80, 97, 22-6*ramp(k-59, 5), 38), i, 120, 70, 87)
			}
			return plain(i)
		}), nil},
		{"breathing rate 16 → 22 for 30 min, scattering ±4 inside (irregular breathing), then back", box(60, func(i, k int) msg {
			if k >= 0 && k < 60 {
				return withArt(patient(i, 80, 97, 22+4*float64(k%2*2-1), 38), i, 120, 70, 87)
			}
			return plain(i)
		}), nil},
		{"vasopressor: arterial pressures +15 over 5 min, held 30 min, off over 5 min", box(70, func(i, k int) msg {
			x := ramp(k, 10) - ramp(k-60, 10)
			if k < 0 {
				x = 0
			}
			return withArt(patient(i, 80, 97, 16, 38), i, 120+15*x, 70+10*x, 87+12*x)
		}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Only rate_of_change is asserted: drift_return may read a box's
			// return too (the arterial one's diastolic), on its own terms.
			checkRules(t, only(run(t, vitals.DefaultConfig(), then(learn, step, tc.more)), "rate_of_change"), tc.want...)
		})
	}
}

// TestSaturationBoxRise: a saturation that rises by several points in one
// message, holds, and falls back in one message is the lull between two
// desaturations of a patient whose own level is the lower one, not a box;
// the same shape downward is.
func TestSaturationBoxRise(t *testing.T) {
	const step = 30 * time.Second
	at := func(s float64) func(int) msg {
		return func(i int) msg { return withArt(patient(i, 80, s, 16, 38), i, 120, 70, 87) }
	}
	for _, tc := range []struct {
		name         string
		level, inner float64
		want         []string
	}{
		{"91 → 97 for 30 min, back to 91", 91, 97, nil},
		{"97 → 91 for 30 min, back to 97", 97, 91, []string{"rate_of_change"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticks := then(every(130, step, at(tc.level)), step, every(60, step, func(i int) msg { return at(tc.inner)(i + 1000) }))
			ticks = then(ticks, step, every(10, step, func(i int) msg { return at(tc.level)(i + 2000) }))
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "rate_of_change"), tc.want...)
		})
	}
}
