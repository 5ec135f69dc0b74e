package vitals_test

import (
	"math"
	"math/rand/v2"
	"slices"
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

// jolted replaces message m's heart rate, pulse rate and saturation with a
// motion burst's: the two counts of one heart thrown about each its own
// way, the saturation pulled down.
func jolted(m msg, h, p, s float64) msg {
	return set(m, hr(num(h)), pr(num(p)), spo2(num(s)))
}

// TestHeartBoxThroughMotion33: a heart box is not ended by a motion burst
// inside it (the heart rate and its pulse rate apart by more than 15, each
// thrown about its own way, the saturation pulled down, for a minute): the
// burst's values are not read, and the box goes on when the two counts agree
// again (corpus training, hl7load seed 2 m0028: a neonate's forged +21 held
// 26 min, a 70-s burst, 28 min more, back by −20 with its pulse). Quiet: the
// same burst after which the heart is back where it was before the jump (a
// change of pace that ended while the patient moved is no box's return), and
// a heart rate that jumped with its pulse and then parts from it for good
// (a pulse deficit of 25 for the rest of the box: a rhythm's, not motion).
func TestHeartBoxThroughMotion33(t *testing.T) {
	const step = 10 * time.Second
	burstH := []float64{130, 72, 66, 141, 70, 75}
	burstP := []float64{95, 101, 96, 110, 100, 104}
	burst := func(k int, m msg) msg { // a minute's motion, 70 messages after the jump
		if k >= 70 && k < 76 {
			return jolted(m, burstH[k-70], burstP[k-70], 91)
		}
		return m
	}
	for _, tc := range []struct {
		name string
		// the heart rate at message k after the learning hour (the
		// messages run to 240 after it), and the message's edit
		level func(k int) float64
		edit  func(k int, m msg) msg
		want  []string
	}{
		{"forged 80 → 96 for 25 min, a motion burst in it, then back", func(k int) float64 {
			if k >= 10 && k < 160 {
				return 96
			}
			return 80
		}, burst, []string{"rate_of_change"}},
		{"80 → 96, a motion burst, then 80 again for good", func(k int) float64 {
			if k >= 10 && k < 70 {
				return 96
			}
			return 80
		}, burst, nil},
		{"80 → 96 with the pulse, then the pulse 25 below it for good, back to 80", func(k int) float64 {
			if k >= 10 && k < 160 {
				return 96
			}
			return 80
		}, func(k int, m msg) msg {
			if k >= 70 && k < 160 {
				return pulseBelow(m, 25)
			}
			return m
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(600, step, func(i int) msg {
				k := i - 360
				h := tc.level(min(k, -1))
				if k >= 0 {
					h = tc.level(k)
				}
				m := patient(i, h, 97, 16, 38)
				if tc.edit != nil {
					m = tc.edit(k, m)
				}
				return m
			})
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "rate_of_change"), tc.want...)
		})
	}
}

// TestHeartLastingPaced33: a pacemaker reprogrammed by a clinician moves the
// heart and its pulse together, in one beat, to a rate that stays, the
// count flickering a beat about the programmed rate (corpus5 training,
// pacing_change: 80 → 100, 99 → 70): not a heart rate forged to the end of
// the stay (heartLasts), also when the ECG counting motion as beats moves
// two 5-min means after the half hour (seed 5 m0101; the decision is kept)
// or one within it (the mean farthest out is left out), or the leads come
// off (seed 4 m0138). The same jump into the patient's own scatter, the
// rate wandering under the offset, still is.
func TestHeartLastingPaced33(t *testing.T) {
	const step = 30 * time.Second
	flicker := []float64{0, 0, 1, 0, -1, 0, 0, 1, 0, 0, -1}
	for _, tc := range []struct {
		name    string
		paced   bool
		leadOff int   // the message after the jump from which the ECG's leads are off for 8 messages; 0 for none
		motion  []int // the messages after the jump in which motion is counted as beats
		want    []string
	}{
		{"sinus 80, a pacing rate of 105 from message 10 to the end", true, 0, nil, nil},
		{"sinus 80, a pacing rate of 105 from message 10, the leads off 4 min from message 66", true, 66, nil, nil},
		{"sinus 80, a pacing rate of 105 from message 10, motion counted as beats twice after 40 min", true, 0, []int{90, 104}, nil},
		{"sinus 80, a pacing rate of 105 from message 10, motion counted as beats once 25 min in", true, 0, []int{60}, nil},
		{"sinus 80, forged 105 from message 10 to the end", false, 0, nil, []string{"rate_of_change"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(240, step, func(i int) msg {
				k := i - 120
				h := 80.0
				if k >= 10 {
					h = 105 + 3*math.Sin(float64(k)/15) // the patient's own rate wanders under the offset
				}
				m := patient(i, h, 97, 16, 38)
				if tc.paced && k >= 10 {
					m = paced(m, 105+flicker[i%len(flicker)])
				}
				if slices.Contains(tc.motion, k) {
					m = jolted(m, 205, 104, 93) // the ECG counting motion as beats beside the pulse
				}
				if tc.leadOff > 0 && k >= tc.leadOff && k < tc.leadOff+8 {
					m.rows = m.rows[1:] // the heart rate's row
				}
				return m
			})
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "rate_of_change"), tc.want...)
		})
	}
}
