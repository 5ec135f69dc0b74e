package vitals_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// quiet is base ±1, a calm patient's rate.
func quiet(base float64, i int) string {
	return num(base + float64(rand.New(rand.NewPCG(uint64(i), 9)).IntN(3)-1))
}

// TestChannelWitnesses covers the single-channel freezes and smoothings that
// are judged against the channel that bounds them (the ECG heart rate for a
// pulse rate, the breathing rate for end-tidal CO2), and the clinical
// situations that must stay quiet.
func TestChannelWitnesses(t *testing.T) {
	learn := every(150, 10*sec, func(i int) msg {
		return msg{rows: []row{hr(wobble(72, i)), pr(wobble(72, i+5)), spo2(wobble(96, i+7)), rr(wobble(16, i+3))}}
	})
	tests := []struct {
		name string
		more []tick
		want []string
	}{
		{"pulse rate held at a multiple of 5 while the heart rate keeps moving", every(60, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i+1000)), pr("70"), spo2(wobble(96, i+1007)), rr(wobble(16, i+1003))}}
		}), []string{"frozen"}},
		{"pacemaker takes over: heart and pulse rate held at the paced rate", every(60, 10*sec, func(i int) msg {
			return msg{rows: []row{hr("70"), pr("70"), spo2(wobble(96, i+1007)), rr(wobble(16, i+1003))}}
		}), nil},
		{"pulse rate loses its noise while the heart rate keeps its own", every(60, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i+1000)), pr(num(math.Round(72 + 1.5*math.Sin(float64(i)/6)))), spo2(wobble(96, i+1007)), rr(wobble(16, i+1003))}}
		}), []string{"too_regular"}},
		{"sleep: the heart rate quietens, the pulse rate keeps the oximeter's noise", every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(num(62 + float64(i/7%2))), pr(wobble(62, i+1005)), spo2(wobble(96, i+1007)), rr(wobble(14, i+1003))}}
		}), nil},
		{"demand pacing at 60 with an intrinsic beat now and then", every(120, 10*sec, func(i int) msg {
			h := "60"
			if i%30 == 3 {
				h = "59"
			}
			return msg{rows: []row{hr(h), pr(wobble(60, i+1005)), spo2(wobble(96, i+1007)), rr(wobble(16, i+1003))}}
		}), nil},
		{"heart and pulse rate quieten together (sedation)", every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(quiet(64, i)), pr(quiet(64, i+500)), spo2(wobble(96, i+1007)), rr(wobble(14, i+1003))}}
		}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), then(learn, 10*sec, tc.more)), tc.want...)
		})
	}
	t.Run("atrial fibrillation converts to a calm sinus rhythm", func(t *testing.T) {
		ticks := then(every(150, 10*sec, func(i int) msg { return af(i, 100, 90) }), 10*sec, every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(num(80 + float64(i/5%2))), pr(quiet(80, i+500)), spo2("96"), rr(wobble(16, i+1003)), temp("37.0")}}
		}))
		checkRules(t, run(t, vitals.DefaultConfig(), ticks))
	})
}

// TestFlushDoesNotTeachRoughness: arterial-line flushes while a channel's
// roughness is learned must not make its ordinary noise look too smooth
// later.
func TestFlushDoesNotTeachRoughness(t *testing.T) {
	art := func(i int, flush bool) msg {
		s, d, m := wobble(120, i), wobble(70, i+2), wobble(87, i+4)
		if flush {
			s, d, m = "300", "298", "299"
		}
		return msg{rows: []row{hr(wobble(72, i)), pr(wobble(72, i+5)), spo2(wobble(96, i+7)), artS(s), artD(d), artM(m)}}
	}
	ticks := every(400, 10*sec, func(i int) msg { return art(i, i < 120 && i%15 >= 7 && i%15 <= 8) })
	checkRules(t, run(t, vitals.DefaultConfig(), ticks))
}

// TestQuietArterialLine: in deep sedation an arterial line's diastolic and
// mean pressure can settle to a step of 1 mmHg every 8–10 messages, keeping
// only 5–8 % of the roughness they had: genuine channels of the training
// corpora fall that low (0.06 over 24 messages), so it is not too smooth.
func TestQuietArterialLine(t *testing.T) {
	art := func(i int, s, d, m string) msg {
		return msg{rows: []row{hr(wobble(72, i)), pr(wobble(72, i+5)), spo2(wobble(96, i+7)), rr(wobble(14, i+3)), artS(s), artD(d), artM(m)}}
	}
	learn := every(150, 10*sec, func(i int) msg { return art(i, wobble(120, i+11), wobble(70, i+13), wobble(87, i+17)) })
	for _, k := range []int{8, 10} {
		t.Run(fmt.Sprintf("a step every %d messages", k), func(t *testing.T) {
			sedated := every(120, 10*sec, func(i int) msg {
				step := float64(i / k % 2)
				return art(i+1000, quiet(118, i), num(68+step), num(84+step))
			})
			checkRules(t, run(t, vitals.DefaultConfig(), then(learn, 10*sec, sedated)))
		})
	}
}

// atof is the number a row value helper wrote.
func atof(t *testing.T, v string) float64 {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestPulseQuieterThanHeart: a pulse rate is the heart rate counted again by
// a sensor with noise of its own, so it keeps at least the share of its
// roughness that the ECG heart rate keeps. In sleep the heart rate quietens
// (here to ±1 around its level, about 0.4 of its learned roughness, too
// quiet to witness for the pulse rate by too_regular (c)); a pulse rate
// replaced by a slow rounded curve once the patient is asleep keeps a tenth
// of its own and is too smooth (main before session 14: quiet). Both counts
// quietening together, a bigeminy's halved pulse and an oximeter keeping its
// noise stay quiet.
func TestPulseQuieterThanHeart(t *testing.T) {
	learn := every(150, 10*sec, func(i int) msg {
		return msg{rows: []row{hr(wobble(72, i)), pr(wobble(72, i+5)), spo2(wobble(96, i+7)), rr(wobble(16, i+3))}}
	})
	asleep := every(90, 10*sec, func(i int) msg {
		return msg{rows: []row{hr(quiet(64, i)), pr(quiet(64, i+500)), spo2(wobble(96, i+1007)), rr(wobble(14, i+1003))}}
	})
	curve := func(i int) string { return num(math.Round(64 + 1.5*math.Sin(float64(i)/6))) }
	tests := []struct {
		name string
		more []tick
		want []string
	}{
		{"asleep, then the pulse rate is replaced by a slow curve", then(asleep, 10*sec, every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(quiet(64, i+3000)), pr(curve(i)), spo2(wobble(96, i+4007)), rr(wobble(14, i+4003))}}
		})), []string{"too_regular"}},
		{"asleep, heart and pulse rate stay quiet", then(asleep, 10*sec, every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(quiet(64, i+3000)), pr(quiet(64, i+3500)), spo2(wobble(96, i+4007)), rr(wobble(14, i+4003))}}
		})), nil},
		{"sleep: heart and pulse rate quieten together", every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(quiet(64, i)), pr(quiet(64, i+500)), spo2(wobble(96, i+1007)), rr(wobble(14, i+1003))}}
		}), nil},
		{"sleep: the heart rate quietens, the pulse rate keeps the oximeter's noise", every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(quiet(64, i)), pr(wobble(64, i+1005)), spo2(wobble(96, i+1007)), rr(wobble(14, i+1003))}}
		}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), then(learn, 10*sec, tc.more))
			checkRules(t, fs, tc.want...)
			for _, f := range fs {
				// The heart rate was quiet too: the finding must not say it kept its noise (review15).
				if f.Rule == "too_regular" && strings.Contains(f.Explanation, "kept its own") {
					t.Errorf("too_regular %s explained %q: the heart rate was quiet", f.Parameter, f.Explanation)
				}
			}
		})
	}
	// The oximeter adds its own noise to the heart's (its pulse rate was
	// learned rougher than the heart rate); in a bigeminy it counts every
	// other beat of a calm heart, and half the heart's variation is left.
	t.Run("bigeminy: the pulse counts every other beat of a calm heart", func(t *testing.T) {
		oxi := every(150, 10*sec, func(i int) msg {
			h := atof(t, wobble(72, i))
			return msg{rows: []row{hr(num(h)), pr(num(h + atof(t, wobble(72, i+500)) - 72)), spo2(wobble(96, i+7)), rr(wobble(16, i+3))}}
		})
		big := every(90, 10*sec, func(i int) msg {
			h := atof(t, quiet(96, i+2000))
			return msg{rows: []row{hr(num(h)), pr(num(math.Round(h / 2))), spo2(wobble(96, i+1007)), rr(wobble(14, i+1003))}}
		})
		checkRules(t, run(t, vitals.DefaultConfig(), then(oxi, 10*sec, big)))
	})
}

// TestPulseAfterMotion20: a child moving for five minutes at a 1 s cadence
// corrupts the plethysmogram, and the oximeter's pulse rate wanders up to
// 25 bpm either side of the ECG heart rate while the ECG keeps counting;
// the pulse rate learns a roughness several times its own from it. Once
// the child is still, the pulse rate follows the heart rate again with the
// oximeter's small noise: it is as rough as the heart rate it counts, but
// below a quarter of what it learned, and stays quiet (main before session
// 20: too_regular (c), "lost its noise while the heart rate it measures kept
// its own"). A pulse rate replaced by a slow rounded curve after the same
// motion is too smooth against the heart rate as before.
func TestPulseAfterMotion20(t *testing.T) {
	heart := func(i int) float64 { return 110 + float64(rand.New(rand.NewPCG(uint64(i), 7)).IntN(7)-3) } // wobble(110, i)
	beat := func(i int, h float64, pulse string) msg {
		return msg{rows: []row{hr(num(h)), pr(pulse), spo2(wobble(97, i+7)), rr(wobble(24, i+3))}}
	}
	still := func(from int) func(i int) msg {
		return func(i int) msg {
			h := heart(i + from)
			return beat(i+from, h, num(h+float64(rand.New(rand.NewPCG(uint64(i+from), 13)).IntN(3)-1)))
		}
	}
	motion := every(300, sec, func(i int) msg {
		h := heart(i + 1000)
		return beat(i+1000, h, num(h+float64(rand.New(rand.NewPCG(uint64(i), 17)).IntN(51)-25)))
	})
	before := then(every(200, sec, still(0)), sec, motion)
	t.Run("still again: the pulse rate follows the heart rate", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), then(before, sec, every(600, sec, still(2000))))
		for _, f := range fs {
			if f.Rule == "too_regular" {
				t.Errorf("too_regular %s value=%g other=%g threshold=%g: %s", f.Parameter, f.Value, f.Other, f.Threshold, f.Explanation)
			}
		}
	})
	t.Run("still again: the pulse rate is replaced by a slow curve", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), then(before, sec, every(600, sec, func(i int) msg {
			return beat(i+2000, heart(i+2000), num(math.Round(110+1.5*math.Sin(float64(i)/6))))
		})))
		found := false
		for _, f := range fs {
			found = found || f.Rule == "too_regular" && f.Parameter == "MDC_PULS_OXIM_PULS_RATE"
		}
		if !found {
			t.Errorf("no too_regular on the pulse rate; rules fired %q", rulesOf(fs))
		}
	})
}

// TestPulseBesideQuietHeart24 (session 24, clean24): a patient moving for five
// minutes at a 1 s cadence throws the ECG heart rate about by ±6 and the
// oximeter's pulse rate by ±25 more; both learn a roughness from it, the pulse
// rate four to five times its own. Then the patient settles (sleep, an
// opioid): the heart rate varies by ±1, under 0.6 of what it learned (quiet),
// and the pulse rate follows it beat for beat as before the motion, as rough
// as the heart rate now (a mean second difference of about 1.5 per message)
// but below its share of the level motion taught it (the third blind
// generator's clean beds: s10 m0077 message 13876, the pulse rate at 2.7 beside
// a heart rate at 2.7, learned 19.6; main before session 24: too_regular (c),
// "pulse rate lost more of its noise than the heart rate it measures"). It
// stays quiet. A heart rate and a pulse rate replaced together by one slow
// rounded curve after the same motion are still too smooth: the pulse rate's
// second differences average far below a display step.
func TestPulseBesideQuietHeart24(t *testing.T) {
	jitter := func(i, seed, n int) float64 {
		return float64(rand.New(rand.NewPCG(uint64(i), uint64(seed))).IntN(2*n+1) - n)
	}
	beat := func(i int, h, p float64) msg {
		return msg{rows: []row{hr(num(h)), pr(num(p)), spo2(wobble(97, i+7)), rr(wobble(18, i+3))}}
	}
	calm := every(200, sec, func(i int) msg {
		h := 90 + jitter(i, 3, 2)
		return beat(i, h, h+jitter(i, 5, 1))
	})
	motion := every(300, sec, func(i int) msg {
		h := 90 + jitter(i+1000, 3, 6)
		return beat(i+1000, h, h+jitter(i, 17, 25))
	})
	before := then(calm, sec, motion)
	t.Run("settled: the pulse rate follows a quiet heart rate", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), then(before, sec, every(900, sec, func(i int) msg {
			h := 90 + jitter(i+2000, 3, 1)
			p := h
			if i%4 == 0 {
				p += jitter(i, 19, 1)
			}
			return beat(i+2000, h, p)
		})))
		checkRules(t, fs)
	})
	t.Run("settled: heart rate and pulse rate replaced by one slow curve", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), then(before, sec, every(900, sec, func(i int) msg {
			v := math.Round(90 + 4*math.Sin(float64(i)/40))
			return beat(i+2000, v, v)
		})))
		found := false
		for _, f := range fs {
			found = found || f.Rule == "too_regular" && f.Parameter == "MDC_PULS_OXIM_PULS_RATE"
		}
		if !found {
			t.Errorf("no too_regular on the pulse rate; rules fired %q", rulesOf(fs))
		}
	})
}

// TestPacedPulseHeld26 (session 26, c4phys26): a paced heart that ran an
// irregular rhythm of its own for a while (the fourth blind generator's
// paced bed on a beta blocker, seed 6 m0137: 70/70 for an hour, then
// 95-128 irregular, then paced at 70 again) teaches the pulse rate a
// roughness it loses once the pacemaker takes over: the ECG heart rate
// reads 70 message after message and the pulse rate 70 with a 71 now and
// then. Main flagged each such step as a pulse rate too smooth beside a
// quiet heart (13 times on that clean bed). Quiet now: both rates held most
// of the time is a paced heart. Still flagged: a pulse rate that moves in
// every message without noise beside the same held heart rate.
func TestPacedPulseHeld26(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 26))
	irregular := every(120, 10*sec, func(i int) msg {
		h := 105 + float64(r.IntN(31)-15)
		return msg{rows: []row{hr(num(h)), pr(num(h + float64(r.IntN(9)-4))), spo2("96"), rr(wobble(16, i+3)), temp("37.0")}}
	})
	paced := func(pulse func(i int) float64) []tick {
		return then(irregular, 10*sec, every(240, 10*sec, func(i int) msg {
			return msg{rows: []row{hr("70"), pr(num(pulse(i))), spo2(num(96 + float64(i%2))), rr(wobble(16, i+3)), temp("37.0")}}
		}))
	}
	tests := []ruleCase{
		{"a paced pulse rate of 70 with a 71 now and then", paced(func(i int) float64 {
			if i%17 == 5 {
				return 71
			}
			return 70
		}), nil},
	}
	checkCases(t, tests)
	smooth := paced(func(i int) float64 { return 70 + math.Abs(float64(i%24-12)) - 6 }) // a triangle, 64-76, one a message
	checkRules(t, run(t, vitals.DefaultConfig(), smooth), "too_regular")
}

// TestHeartStaircase29 (session 29, frozen29): the fourth blind generator
// replaces a heart rate read every 5-15 s by a moving average of 30 of its
// readings (training seeds 4 m0005, 7 m0051, 8 m0098, 9 m0143, 10 m0048):
// the displayed rate then holds a value for a dozen messages and steps by
// one beat, while the oximeter's pulse rate, counting the same beats, keeps
// scattering around it. too_regular (b) left such a heart rate alone as a
// paced rhythm with intrinsic beats (held most of the time); a paced heart's
// pulse rate is held with it, so while a pulse rate keeps its noise the
// exemption does not apply. A paced heart rate with intrinsic beats whose
// pulse rate counts them too stays quiet.
func TestHeartStaircase29(t *testing.T) {
	const n = 400
	r := rand.New(rand.NewPCG(29, 14))
	heart := make([]float64, n) // the patient's beat-to-beat rate
	for i := range heart {
		heart[i] = 80 + float64(r.IntN(7)-3)
	}
	pulse := make([]float64, n)
	for i := range pulse {
		pulse[i] = heart[i] + float64(r.IntN(5)-2) // the same beats, the oximeter's own noise added
	}
	smoothed := func(i int) float64 { // a moving average of the last 30 readings, rounded
		var sum float64
		for j := i - 29; j <= i; j++ {
			sum += heart[j]
		}
		return math.Round(sum / 30)
	}
	bed := func(forged bool) []tick {
		return every(n, 10*sec, func(i int) msg {
			h := heart[i]
			if forged && i >= 180 {
				h = smoothed(i)
			}
			return msg{rows: []row{hr(num(h)), pr(num(pulse[i])), spo2(num(96 + float64(i%2))), rr(wobble(16, i+3)), temp("37.0")}}
		})
	}
	paced := every(n, 10*sec, func(i int) msg {
		h := 70.0
		if i%9 == 4 { // an intrinsic beat or two now and then, which both sensors count
			h = 74
		}
		return msg{rows: []row{hr(num(h)), pr(num(h)), spo2(num(96 + float64(i%2))), rr(wobble(16, i+3)), temp("37.0")}}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), bed(false)))
	checkRules(t, run(t, vitals.DefaultConfig(), bed(true)), "too_regular")
	checkRules(t, run(t, vitals.DefaultConfig(), paced))
}

// sleepBed is a neonate at a 1-s cadence (corpus6's clean beds, session
// 35): 200 s calm, 300 s crying, in which the oximeter's pulse rate is
// thrown up to crySpread either side of an ECG heart rate that stays with
// the heart, then 900 s of quiet sleep written by sleep(i) (i from 0). The
// heart rate and pulse rate are both averages over several seconds of one
// slowly wandering heart, rounded to a display step, each with smoothed
// (AR(1)) sensor noise of its own.
type sleepBed struct {
	seed                uint64
	heartAR             float64 // the heart rate's noise memory (the pulse rate's is 0.85)
	calmH, calmP        float64 // the calm spell's noise scales
	cryLevel, cryPeriod float64 // the crying heart's level and the period of its wander (s)
	cryH                float64 // the crying heart rate's noise scale
	crySpread           int     // the crying pulse rate's spread either side
}

// sleepBed35: the pulse rate with twice the heart rate's sensor noise.
var sleepBed35 = sleepBed{seed: 35, heartAR: 0.85, calmH: 2, calmP: 4, cryLevel: 170, cryPeriod: 30, cryH: 3, crySpread: 20}

func (bed sleepBed) ticks(sleep func(i int, heart, hNoise, pNoise float64) msg) []tick {
	r := rand.New(rand.NewPCG(bed.seed, 1))
	var hn, pn float64
	noise := func() (float64, float64) {
		hn = bed.heartAR*hn + (1-bed.heartAR)*r.NormFloat64()
		pn = 0.85*pn + 0.15*r.NormFloat64()
		return hn, pn
	}
	beat := func(h, p float64) msg {
		return msg{rows: []row{hr(num(math.Round(h))), pr(num(math.Round(p))), spo2(num(94 + float64(r.IntN(2)))), rr(num(45 + float64(r.IntN(5))))}}
	}
	calm := every(200, sec, func(i int) msg {
		x := 150 + 3*math.Sin(float64(i)/40)
		a, b := noise()
		return beat(x+bed.calmH*a, x+bed.calmP*b)
	})
	crying := every(300, sec, func(i int) msg {
		x := bed.cryLevel + 4*math.Sin(float64(i)/bed.cryPeriod)
		a, _ := noise()
		return beat(x+bed.cryH*a, x+float64(r.IntN(2*bed.crySpread+1)-bed.crySpread))
	})
	quiet := every(900, sec, func(i int) msg {
		x := 150 + 3*math.Sin(float64(i)/90)
		a, b := noise()
		return sleep(i, x, a, b)
	})
	return then(then(calm, sec, crying), sec, quiet)
}

// TestPulseQuietSleep35 (session 35, c6pr35): after the crying of
// sleepBed35 the pulse rate learned several times the roughness of its quiet
// readings. In quiet sleep both counts move by a display step now and then,
// the pulse rate about twice as often as the heart rate (a mean second
// difference below pulseReadingRough but at or above the heart rate's):
// it kept the heart's variation and stays quiet (main before session 35:
// too_regular (c), "pulse rate lost more of its noise than the heart rate
// it measures", 23 findings on corpus6's training beds). Still reported: a
// pulse rate replaced in the same sleep by its own moving average over two
// minutes (too_smooth), or held at one value (frozen), beside the heart
// rate that goes on.
func TestPulseQuietSleep35(t *testing.T) {
	beat := func(h, p float64) msg {
		return msg{rows: []row{hr(num(math.Round(h))), pr(num(math.Round(p))), spo2("94"), rr("48")}}
	}
	t.Run("quiet sleep: the pulse rate as rough as the heart rate", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), sleepBed35.ticks(func(i int, x, a, b float64) msg {
			return beat(x+1.5*a, x+3.5*b)
		}))
		for _, f := range only(fs, "too_regular") {
			t.Errorf("too_regular %s value=%g other=%g threshold=%g: %s", f.Parameter, f.Value, f.Other, f.Threshold, f.Explanation)
		}
	})
	t.Run("quiet sleep: the pulse rate replaced by its moving average", func(t *testing.T) {
		avg := movingAverage(120)
		fs := run(t, vitals.DefaultConfig(), sleepBed35.ticks(func(i int, x, a, b float64) msg {
			return beat(x+1.5*a, avg(x+3.5*b))
		}))
		if len(only(fs, "too_regular")) == 0 {
			t.Errorf("no too_regular on the pulse rate; rules fired %q", rulesOf(fs))
		}
	})
	t.Run("quiet sleep: the pulse rate held", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), sleepBed35.ticks(func(i int, x, a, b float64) msg {
			if i >= 300 {
				return beat(x+1.5*a, 150)
			}
			return beat(x+1.5*a, x+3.5*b)
		}))
		if len(only(fs, "frozen")) == 0 {
			t.Errorf("no frozen; rules fired %q", rulesOf(fs))
		}
	})
}

// TestPulseAfterECGNoise35 (session 35, c6pr35): in the quiet sleep of
// sleepBed35, ECG noise is counted as beats for 3-15 s every five minutes
// (heart rate 200-275) while the pulse rate stays with the heart. The
// heart rate's roughness now is the noise's for minutes after each burst,
// and the pulse rate's quiet readings lie below a quarter of the roughness
// the crying taught it: main before session 35 reported it as a pulse rate
// that "lost its noise while the heart rate it measures kept its own"
// (too_regular (c), 16 findings on corpus6's training beds). It stays
// quiet: the heart rate's artefact is no witness (ecgNoisy). Still
// reported: a pulse rate replaced by its own moving average in the same
// sleep, once the artefact has faded from the heart rate's roughness; and
// a pulse rate smoothed beside an irregular heart rate (atrial
// fibrillation), which ecgNoisy does not take for ECG noise.
func TestPulseAfterECGNoise35(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 2))
	beat := func(h, p float64) msg {
		return msg{rows: []row{hr(num(math.Round(h))), pr(num(math.Round(p))), spo2("94"), rr("48")}}
	}
	noisy := func(i int, h float64) float64 {
		if k := i % 300; k >= 150 && k < 150+3+(i/300)%13 {
			return 200 + float64(r.IntN(76))
		}
		return h
	}
	t.Run("ECG noise in quiet sleep: the pulse rate stays with the heart", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), sleepBed35.ticks(func(i int, x, a, b float64) msg {
			return beat(noisy(i, x+1.5*a), x+3.5*b)
		}))
		for _, f := range only(fs, "too_regular") {
			t.Errorf("too_regular %s value=%g other=%g threshold=%g: %s", f.Parameter, f.Value, f.Other, f.Threshold, f.Explanation)
		}
	})
	t.Run("ECG noise in quiet sleep: the pulse rate replaced by its moving average", func(t *testing.T) {
		avg := movingAverage(120)
		fs := run(t, vitals.DefaultConfig(), sleepBed35.ticks(func(i int, x, a, b float64) msg {
			return beat(noisy(i, x+1.5*a), avg(x+3.5*b))
		}))
		if len(only(fs, "too_regular")) == 0 {
			t.Errorf("no too_regular on the pulse rate; rules fired %q", rulesOf(fs))
		}
	})
	t.Run("atrial fibrillation: the pulse rate replaced by a slow curve", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), sleepBed35.ticks(func(i int, x, a, b float64) msg {
			return beat(x+float64(r.IntN(31)-15), math.Round(150+2*math.Sin(float64(i)/50)))
		}))
		if len(only(fs, "too_regular")) == 0 {
			t.Errorf("no too_regular on the pulse rate; rules fired %q", rulesOf(fs))
		}
	})
}

// movingAverage returns a function that takes the next value of a series and
// returns the mean of its last n values.
func movingAverage(n int) func(v float64) float64 {
	var hist []float64
	return func(v float64) float64 {
		hist = append(hist, v)
		lo := max(0, len(hist)-n)
		sum := 0.0
		for _, x := range hist[lo:] {
			sum += x
		}
		return sum / float64(len(hist)-lo)
	}
}

// smoothHeartBed37 is sleepBed35 with a heart rate that is an average over
// many beats from the start: a newborn's monitor sending every second, its
// ECG count moving by a display step now and then through the whole stay
// (a mean second difference below 0.5, so it never learns a level of its
// own to be quiet against), while the oximeter's pulse rate learns the
// crying's scatter and then, in quiet sleep, the readings sleep passes to
// sleep (heart, the heart rate's and pulse rate's sensor noise).
var smoothHeartBed37 = sleepBed{seed: 37, heartAR: 0.9, calmH: 1, calmP: 3.5, cryLevel: 160, cryPeriod: 60, cryH: 1, crySpread: 30}

// TestPulseBesideSmoothHeart37 (session 37, c6reg37): on smoothHeartBed37
// the heart rate never learned half a display step of roughness, so it
// neither vouches for the pulse rate nor shows that sleep quietened it
// (heartQuiet), and the pulse rate was judged against the crying's level
// alone, at 0.04 of it (too_regular (b)), while in quiet sleep it stays as
// rough as the heart rate (corpus6's neonates at a 1-s cadence, main before
// session 37: 9 flagged messages on training seeds 1-4). It stays quiet
// (heartSmooth). Still reported: the pulse rate replaced by its own moving
// average in the same sleep, below the heart rate it counts, and a pulse rate
// held at one value.
func TestPulseBesideSmoothHeart37(t *testing.T) {
	beat := func(h, p float64) msg {
		return msg{rows: []row{hr(num(math.Round(h))), pr(num(math.Round(p))), spo2("94"), rr("48")}}
	}
	t.Run("quiet sleep: the pulse rate as rough as the heart rate", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), smoothHeartBed37.ticks(func(i int, x, a, b float64) msg {
			return beat(x+a, x+3.5*b)
		}))
		for _, f := range only(fs, "too_regular") {
			t.Errorf("too_regular %s value=%g other=%g threshold=%g: %s", f.Parameter, f.Value, f.Other, f.Threshold, f.Explanation)
		}
	})
	t.Run("quiet sleep: the pulse rate replaced by its moving average", func(t *testing.T) {
		avg := movingAverage(120)
		fs := run(t, vitals.DefaultConfig(), smoothHeartBed37.ticks(func(i int, x, a, b float64) msg {
			return beat(x+a, avg(x+3.5*b))
		}))
		if len(only(fs, "too_regular")) == 0 {
			t.Errorf("no too_regular on the pulse rate; rules fired %q", rulesOf(fs))
		}
	})
	t.Run("quiet sleep: the pulse rate held", func(t *testing.T) {
		fs := run(t, vitals.DefaultConfig(), smoothHeartBed37.ticks(func(i int, x, a, b float64) msg {
			if i >= 300 {
				return beat(x+a, 150)
			}
			return beat(x+a, x+3.5*b)
		}))
		if len(only(fs, "frozen")) == 0 {
			t.Errorf("no frozen; rules fired %q", rulesOf(fs))
		}
	})
}
