package vitals_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// art is a normal adult message with an arterial line at sys/dia (mean by
// the usual formula), each with noise, and heart rate h.
func art(i int, h, sys, dia float64) msg {
	m := vitalsAt(i, h, h, 96)
	s, d := float64(int(sys)+i%5-2), float64(int(dia)+(i/2)%3-1)
	m.rows = append(m.rows, rr(wobble(16, i+3)), artS(num(s)), artD(num(d)), artM(num(math.Round(d+0.4*(s-d)))), temp("37.0"))
	return m
}

// TestSteps: a lasting step of one channel that no independent channel
// explains is caught; the arterial pressures do not vouch for one another,
// and drug responses, line artefacts and breathing changes that ramp stay
// quiet.
func TestSteps(t *testing.T) {
	base := every(40, 10*sec, func(i int) msg { return art(i, 80, 120, 70) })
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"arterial S/D/M stepped together by 30, heart rate steady", then(base, 10*sec, every(20, 10*sec, func(i int) msg { return art(i+100, 80, 150, 100) })), []string{"rate_of_change"}},
		{"vasopressor: pressure ramps up over minutes", then(base, 10*sec, every(40, 10*sec, func(i int) msg {
			r := min(1, float64(i)/24)
			return art(i+100, 80, 120+35*r, 70+25*r)
		})), nil},
		{"flush, zeroing and a damped trace after it", then(base, 10*sec, every(30, 10*sec, func(i int) msg {
			m := art(i+100, 80, 120, 70)
			switch {
			case i < 3: // flush at the bag pressure
				m.rows[4], m.rows[5], m.rows[6] = artS("298"), artD("296"), artM("297")
			case i < 5: // zeroing
				m.rows[4], m.rows[5], m.rows[6] = artS("2"), artD("0"), artM("1")
			case i < 12: // damped: narrow pulse around the same mean
				m.rows[4], m.rows[5], m.rows[6] = artS("93"), artD("83"), artM("89")
			}
			return m
		})), nil},
		// A monitor reports the extremes and the mean over its averaging
		// window: a flush that fills most of it reads 306/269/288, not a
		// flat 300, and a transducer open to the air for zeroing still
		// carries the last beats' dregs, 18/1/7 (session 15, the second
		// blind generator; main before it: spike, unit_mismatch and
		// rate_of_change on the way back).
		{"zeroing with the last beats in the window, then a flush that is not flat", then(base, 10*sec, every(30, 10*sec, func(i int) msg {
			m := art(i+100, 80, 120, 70)
			switch {
			case i < 4: // zeroing
				m.rows[4], m.rows[5], m.rows[6] = artS(num(16+float64(i%3))), artD(num(float64(i%4))), artM(num(6+float64(i%2)))
			case i == 4: // flush
				m.rows[4], m.rows[5], m.rows[6] = artS("306"), artD("269"), artM("288")
			}
			return m
		})), nil},
		{"a flush that is not flat, alone", then(base, 10*sec, every(20, 10*sec, func(i int) msg {
			m := art(i+100, 80, 120, 70)
			if i == 2 {
				m.rows[4], m.rows[5], m.rows[6] = artS("264"), artD("228"), artM("246")
			}
			return m
		})), nil},
		{"arterial pressure sent in kPa, labelled mmHg: its shape kept, its trough above 0", then(base, 10*sec, every(20, 10*sec, func(i int) msg {
			m := art(i+100, 80, 120, 70)
			m.rows[4], m.rows[5], m.rows[6] = artS(num(16+float64(i%2)/10)), artD(num(9.3+float64(i%3)/10)), artM(num(11.3))
			return m
		})), []string{"unit_mismatch"}},
		{"arterial S/D/M forged up to 190/130/150 for two messages, heart rate steady", then(base, 10*sec, every(20, 10*sec, func(i int) msg {
			m := art(i+100, 80, 120, 70)
			if i == 2 || i == 3 {
				m.rows[4], m.rows[5], m.rows[6] = artS("190"), artD("130"), artM("150")
			}
			return m
		})), []string{"spike"}},
		{"breathing rate steps 16 to 30 and stays", then(base, 10*sec, every(20, 10*sec, func(i int) msg {
			m := art(i+100, 80, 120, 70)
			m.rows[3] = rr(wobble(30, i))
			return m
		})), []string{"rate_of_change"}},
		{"breathing rate steps 16 to 30 as the line is flushed (no change of state)", then(base, 10*sec, every(20, 10*sec, func(i int) msg {
			m := art(i+100, 80, 120, 70)
			m.rows[3] = rr(wobble(30, i))
			if i < 2 {
				m.rows[4], m.rows[5], m.rows[6] = artS("298"), artD("296"), artM("297")
			}
			return m
		})), []string{"rate_of_change"}},
		{"breathing rate rises 16 to 30 over five minutes", then(base, 10*sec, every(40, 10*sec, func(i int) msg {
			m := art(i+100, 80, 120, 70)
			m.rows[3] = rr(num(math.Round(16 + 14*min(1, float64(i)/30))))
			return m
		})), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...) })
	}
}

// The stretch after a change takes other noise than the one before it
// (vitalsAt(i+1000, …), as later does): the same noise at another level
// would be a copy of the stretch before, moved off its levels (shifted).
func TestRateAndAgreement(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"flat line: HR 80 to 0, pulse continues", then(baseline(), 10*sec, every(30, 10*sec, func(i int) msg { return vitalsAt(i, 0, 80, 96) })),
			[]string{"rate_of_change", "hr_pr_agreement"}},
		{"HR raised 50 alone", then(baseline(), 10*sec, every(30, 10*sec, func(i int) msg { return vitalsAt(i+1000, 130, 80, 96) })),
			[]string{"rate_of_change", "hr_pr_agreement"}},
		{"tachycardia: PR follows 10 s later", then(baseline(), 10*sec, every(30, 10*sec, func(i int) msg {
			return vitalsAt(i+1000, 140, map[bool]float64{true: 80, false: 140}[i == 0], 96)
		})), nil},
		{"tachycardia ends: HR and PR fall together", then(every(30, 10*sec, func(i int) msg { return vitalsAt(i, 150, 150, 96) }), 10*sec,
			every(30, 10*sec, func(i int) msg { return vitalsAt(i+1000, 85, 85, 96) })), nil},
		{"SpO2 step 20 with nothing responding", then(baseline(), 10*sec, every(30, 10*sec, func(i int) msg { return vitalsAt(i+1000, 80, 80, 76) })),
			[]string{"rate_of_change"}},
		{"genuine desaturation: 25 %/min, HR and RR respond", then(baseline(), 10*sec, every(30, 10*sec, func(i int) msg {
			s := max(76, 96-4*float64(i+1))
			m := vitalsAt(i+1000, 80+(96-s)*0.8, 80+(96-s)*0.8, s)
			return m
		})), nil},
		{"probe falls off: SpO2 and PR vanish together", then(baseline(), 10*sec, every(30, 10*sec, func(i int) msg { return vitalsAt(i, 80, nan, nan) })), nil},
		{"probe back on", then(then(baseline(), 10*sec, every(10, 10*sec, func(i int) msg { return vitalsAt(i, 80, nan, nan) })), 10*sec, later()), nil},
		{"short motion spike on the plethysmographic PR", then(baseline(), 10*sec, then(every(2, 10*sec, func(i int) msg { return vitalsAt(i, 80, 140, 96) }), 10*sec, later())), nil},
		{"atrial fibrillation: pulse deficit 30", every(60, 10*sec, func(i int) msg { return af(i, 115, 85) }), nil},
		{"atrial fibrillation: pulse deficit 45", every(60, 10*sec, func(i int) msg { return af(i, 125, 80) }), nil},
		{"bigeminy: pulse at 55 % of heart rate", every(60, 10*sec, func(i int) msg { return vitalsAt(i, 120, 66, 96) }), nil},
		{"bigeminy begins: pulse halves", then(baseline(), 10*sec, every(60, 10*sec, func(i int) msg { return vitalsAt(i+1000, 80, 44, 96) })), nil},
		{"regular rhythm: heart rate 35 above pulse", every(60, 10*sec, func(i int) msg { return vitalsAt(i, 115, 80, 96) }), []string{"hr_pr_agreement"}},
		{"heart rate raised 45 on a regular 70", then(every(30, 10*sec, func(i int) msg { return vitalsAt(i, 70, 70, 96) }), 10*sec,
			every(60, 10*sec, func(i int) msg { return vitalsAt(i+1000, 115, 70, 96) })), []string{"hr_pr_agreement", "rate_of_change"}},
		{"pulse above heart rate by 30 for 3 min", every(18, 10*sec, func(i int) msg { return vitalsAt(i, 70, 100, 96) }), []string{"hr_pr_agreement"}},
		{"disagreement for 40 s only", then(then(baseline(), 10*sec, every(4, 10*sec, func(i int) msg { return vitalsAt(i, 60, 95, 96) })), 10*sec, later()), nil},
		{"temperature rises 1.5 in a minute", []tick{{0, msg{rows: []row{temp("37.0")}}}, {60 * sec, msg{rows: []row{temp("38.5")}}}}, []string{"rate_of_change"}},
		{"temperature 0.1 steps", every(20, 10*sec, func(i int) msg { return msg{rows: []row{temp(num(37 + float64(i%3)/10))}} }), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...)
		})
	}
}

// TestSmallBreathingStep: a breathing rate forged from a quiet 18/min to
// 9/min in one message, held while nothing else changes, is a step; the
// same rate settling at its old level after a minute of motion scatter is
// not.
func TestSmallBreathingStep(t *testing.T) {
	quiet := func(i int, r float64) msg {
		return msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2("97"), rr(num(r + float64(i%2))), temp("37.0")}}
	}
	before := every(60, 15*sec, func(i int) msg { return quiet(i, 18) })
	forged := then(before, 15*sec, every(20, 15*sec, func(i int) msg { return quiet(i, 9) }))
	checkRules(t, run(t, vitals.DefaultConfig(), forged), "rate_of_change")
	scatter := []float64{26, 11, 6, 21, 21, 19, 24, 18, 26}
	motion := then(before, 15*sec, every(30, 15*sec, func(i int) msg {
		if i < len(scatter) {
			return quiet(i, scatter[i])
		}
		return quiet(i, 14)
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), motion))
}

// TestBreathingStepInAF: an irregular heart rate scatters by ten beats
// and more from one message to the next, which is its noise and no
// response to anything: a breathing rate forged from 18 to 9/min is a
// step on a patient in AF as on one in sinus rhythm.
func TestBreathingStepInAF(t *testing.T) {
	quiet := func(i int, r float64) msg {
		m := af(i, 110, 95)
		m.rows[3] = rr(num(r + float64(i%2)))
		return m
	}
	before := every(60, 15*sec, func(i int) msg { return quiet(i, 18) })
	forged := then(before, 15*sec, every(20, 15*sec, func(i int) msg { return quiet(i+60, 9) }))
	checkRules(t, run(t, vitals.DefaultConfig(), forged), "rate_of_change")
	checkRules(t, run(t, vitals.DefaultConfig(), then(before, 15*sec, every(20, 15*sec, func(i int) msg { return quiet(i+60, 18) }))))
}

// TestChangeOfState: the arterial pressure stepping by 30 mmHg while the
// heart rate stays is a forged level; the same step in the message in
// which the end-tidal CO2 and the temperature jump too (a change of state,
// a new patient on the monitor) is not one channel edited.
func TestChangeOfState(t *testing.T) {
	withCO2 := func(i int, h, sys, dia, co2 float64, temp string) msg {
		m := art(i, h, sys, dia)
		m.rows = append(m.rows, etco2(num(co2+float64(i%2))))
		m.rows[7] = row{code: "150344", value: temp, unit: "268192^MDC_DIM_DEGC^MDC"}
		return m
	}
	base := every(60, 10*sec, func(i int) msg { return withCO2(i, 80, 120, 70, 40, "37.0") })
	alone := then(base, 10*sec, every(20, 10*sec, func(i int) msg { return withCO2(i+100, 80, 150, 100, 40, "37.0") }))
	checkRules(t, run(t, vitals.DefaultConfig(), alone), "rate_of_change")
	state := then(base, 10*sec, every(20, 10*sec, func(i int) msg { return withCO2(i+100, 80, 150, 100, 32, "37.6") }))
	checkRules(t, run(t, vitals.DefaultConfig(), state))
}

// TestEtCO2Slide: an end-tidal CO2 sliding from 36 to 27 mmHg over a few
// messages crosses the step threshold with one change of 4 mmHg, which its
// noise (±2) makes now and then: not a step. A forged level 12 mmHg lower,
// arriving in one message, is.
func TestEtCO2Slide(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	co2 := func(i int, v float64) msg {
		m := normal(i)
		m.rows[3] = rr(num(16 + float64(i%2)))
		m.rows = append(m.rows, etco2(num(v)))
		return m
	}
	before := every(80, 30*sec, func(i int) msg { return co2(i, 36+float64(r.IntN(5)-2)) })
	slide := []float64{35, 34, 33, 32, 28, 28, 27, 28, 27, 27, 28, 27}
	checkRules(t, run(t, vitals.DefaultConfig(), then(before, 30*sec, every(len(slide), 30*sec, func(i int) msg { return co2(i+100, slide[i]) }))))
	checkRules(t, run(t, vitals.DefaultConfig(), then(before, 30*sec, every(12, 30*sec, func(i int) msg { return co2(i+100, 24+float64(i%2)) }))), "rate_of_change")
}

// neo is a neonatal message: heart and pulse rate h, saturation s,
// breathing rate r, each with noise.
func neo(i int, h, s, r float64) msg {
	return msg{rows: []row{hr(wobble(h, i)), pr(wobble(h, i+5)), spo2(num(s + float64(i%2))), rr(wobble(r, i+3)), temp("37.0")}}
}

// TestSaturationStepOnANeonate: a saturation forged down by 20 on a
// neonate whose heart rate stays at 150 is a step (the saturation is about
// half the heart rate there, which is a bigeminy's pulse ratio but means
// nothing for a saturation); the same with the heart rate falling with it
// (bradycardia–desaturation) is not. The forged level holds 3 min: a
// neonate's fall is reported once it has held neoDesatHold (2 min, session
// 26, clean26b; an apnoea's desaturation is given back by then).
func TestSaturationStepOnANeonate(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "neonatal"
	before := every(40, 10*sec, func(i int) msg { return neo(i, 150, 94, 45) })
	forged := then(before, 10*sec, every(18, 10*sec, func(i int) msg { return neo(i+100, 150, 74, 45) }))
	checkRules(t, run(t, cfg, forged), "rate_of_change")
	brady := then(before, 10*sec, every(12, 10*sec, func(i int) msg { return neo(i+100, 100, 74, 45) }))
	checkRules(t, run(t, cfg, brady))
}

// TestNeonatalDesaturation26 (session 26, clean26b): a newborn's apnoea
// takes its saturation 15 points down within a reading, holds it for a few
// readings and gives it back over the next few as it breathes again, its
// heart rate steady (the second generator's clean seed 8 m0068: 91, 76, 76,
// 77, 79, 83, 87, 90 at 10 s). Main before it: rate_of_change at the
// corroboration time. A saturation forged 15 points lower that stays there
// is still a step, reported when it has held neoDesatHold.
func TestNeonatalDesaturation26(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "neonatal"
	before := every(60, 10*sec, func(i int) msg { return neo(i, 150, 91, 45) })
	apnoea := []float64{76, 76, 77, 79, 83, 87, 90}
	desat := then(before, 10*sec, every(30, 10*sec, func(i int) msg {
		s := 91.0
		if i < len(apnoea) {
			s = apnoea[i] - float64((i+100)%2) // neo adds i%2 back
		}
		return neo(i+100, 150, s, 45)
	}))
	checkRules(t, run(t, cfg, desat))
	forged := then(before, 10*sec, every(30, 10*sec, func(i int) msg { return neo(i+100, 150, 76, 45) }))
	checkRules(t, run(t, cfg, forged), "rate_of_change")
}

// TestNeonatalDesaturationGap27 (session 27, fix27): a newborn's saturation
// forged 15 points lower waits neoDesatHold after it is judged a step; a
// message without the saturation in that wait (every sixth message here,
// as a cuff's own message or a forger's dropped row would be) shows
// neither a return nor a held level, and the forged fall is still reported
// (main before it: each such message ended the wait, and the fall was never
// reported). An apnoea's fall given back with the same gaps stays quiet.
func TestNeonatalDesaturationGap27(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "neonatal"
	before := every(60, 10*sec, func(i int) msg { return neo(i, 150, 91, 45) })
	gap := func(f func(i int) float64) []tick {
		return then(before, 10*sec, every(40, 10*sec, func(i int) msg {
			m := neo(i+100, 150, f(i), 45)
			if i%6 == 5 {
				m.rows = append(m.rows[:2], m.rows[3:]...) // no saturation row
			}
			return m
		}))
	}
	checkRules(t, run(t, cfg, gap(func(int) float64 { return 76 })), "rate_of_change")
	apnoea := []float64{76, 76, 77, 79, 83, 87, 90}
	checkRules(t, run(t, cfg, gap(func(i int) float64 {
		if i < len(apnoea) {
			return apnoea[i] - float64((i+100)%2) // neo adds i%2 back
		}
		return 91
	})))
}

// TestMotionIsNoStep: motion scatters the oximeter's pulse rate about the
// heart rate and pulls the saturation down for half a minute: the
// saturation's jump back up when the probe settles is a recovery, and a
// pulse rate thrown 30-45 above the heart rate for four messages (40 s)
// while the saturation drops is a disturbed plethysmograph, not a step of
// the pulse.
func TestMotionIsNoStep(t *testing.T) {
	tests := []struct {
		name       string
		pulse, sat []float64 // the oximeter's readings during the motion, the heart rate at 80
		n, from    int       // messages after the baseline, and the number of the first
	}{
		{"the saturation recovers", []float64{103, 43, 94, 126, 86}, []float64{84, 83, 78, 88, 86}, 20, 900},
		{"the pulse rate jumps", []float64{126, 118, 120, 122}, []float64{91, 86, 88, 90}, 12, 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			motion := then(baseline(), 10*sec, every(tc.n, 10*sec, func(i int) msg {
				if i < len(tc.pulse) {
					return vitalsAt(i+tc.from, 80, tc.pulse[i], tc.sat[i])
				}
				return normal(i + tc.from)
			}))
			checkRules(t, run(t, vitals.DefaultConfig(), motion))
		})
	}
}

// TestMotionScattersPulseRate: motion throws the plethysmographic pulse
// rate around for a minute (HR steady) and it comes back: not a step.
func TestMotionScattersPulseRate(t *testing.T) {
	scatter := []float64{135, 177, 124, 172, 149, 128, 170}
	motion := then(baseline(), 10*sec, every(20, 10*sec, func(i int) msg {
		if i < len(scatter) {
			return vitalsAt(i+600, 80, scatter[i], 96)
		}
		return normal(i + 600)
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), motion))
}

// TestSaturationRecoveryAfterMotion: motion throws a neonate's ECG and
// oximeter about together for a minute (heart and pulse rates jumping by
// 10–60 and apart from each other, the saturation scattering over 80–95);
// the saturation's return to 96 afterwards is a recovery, not a step
// (seed 14 m0144, messages 1397–1481). A saturation forged from 96 to 82
// in calm data is a step.
func TestSaturationRecoveryAfterMotion(t *testing.T) {
	calm := func(i int, h, s float64) msg {
		return msg{rows: []row{hr(num(h + float64(i%3))), pr(num(h + float64((i+1)%3))), spo2(num(s + float64(i%2))), rr(num(50 + float64(i%3))), temp("37.0")}}
	}
	before := every(60, 10*sec, func(i int) msg { return calm(i, 145, 95) })
	type v struct{ h, p, s float64 }
	burst := []v{{157, 161, 80}, {130, 147, 86}, {155, 143, 85}, {139, 148, 86}, {126, 136, 83}, {118, 128, 95}, {177, 156, 82}}
	motion := then(before, 10*sec, every(len(burst)+12, 10*sec, func(i int) msg {
		if i < len(burst) {
			b := burst[i]
			return msg{rows: []row{hr(num(b.h)), pr(num(b.p)), spo2(num(b.s)), rr(num(50 + float64(i%3))), temp("37.0")}}
		}
		return calm(i, 148, 95)
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), motion))
	forged := then(before, 10*sec, every(12, 10*sec, func(i int) msg { return calm(i, 145, 82) }))
	checkRules(t, run(t, vitals.DefaultConfig(), forged), "rate_of_change")
}

// satScatter is a saturation of v read with an oximeter's one-point
// scatter, the same for message i in every run.
func satScatter(i int, v float64) string {
	return num(v + float64(rand.New(rand.NewPCG(uint64(i), 25)).IntN(3)-1))
}

// TestSlowSaturationFall25: an adult's saturation at a 60 s cadence, read
// 96 % with the oximeter's one-point scatter, the heart, pulse and breathing
// rates at their levels. A fall of 13 points between two messages a minute
// apart is slower than spo2_per_minute over the interval, so it was never
// judged as a step. Held with its scatter for 20 min while nothing else in
// the patient answers (a saturation written 13 points lower to the end of the
// stay, no return for a box) it is reported, after slowFall (fails without
// it: quiet). Quiet: the same fall for 3 messages and back (motion, a
// patient's brief desaturation); a fall held 20 min while the heart rate
// rises by 12 (a desaturation the patient answers); a rise of 12 held to the
// end (oxygen given, a probe put back: a recovery is not judged this way);
// the forged fall at a 15 s cadence held only 4 min and taken back.
func TestSlowSaturationFall25(t *testing.T) {
	beat := func(i int, s, h float64) msg {
		return msg{rows: []row{hr(wobble(h, i)), pr(wobble(h, i+5)), spo2(satScatter(i, s)), rr(wobble(16, i+3)), temp("37.0")}}
	}
	level := func(s, h float64) func(i int) msg { return func(i int) msg { return beat(i, s, h) } }
	for _, tc := range []struct {
		name         string
		step         time.Duration
		before, held float64 // saturation before and during
		heart        float64 // heart rate during (80 before)
		n, back      int     // messages held; messages back at 96 after them
		want         bool
	}{
		{"a fall of 13 held to the end", 60 * sec, 96, 83, 80, 20, 0, true},
		{"the fall for 3 messages and back", 60 * sec, 96, 83, 80, 3, 20, false},
		{"a fall the heart rate answers", 60 * sec, 96, 83, 92, 20, 0, false},
		{"a rise of 12 held to the end", 60 * sec, 84, 96, 80, 20, 0, false},
		{"the fall for 4 min at 15 s and back", 15 * sec, 96, 83, 80, 16, 20, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := then(every(60, tc.step, level(tc.before, 80)), tc.step, every(tc.n, tc.step, level(tc.held, tc.heart)))
			if tc.back > 0 {
				ts = then(ts, tc.step, every(tc.back, tc.step, level(96, 80)))
			}
			n := 0
			for _, f := range run(t, vitals.DefaultConfig(), ts) {
				if f.Rule == "rate_of_change" && f.Parameter == "MDC_PULS_OXIM_SAT_O2" {
					n++
				}
			}
			if (n > 0) != tc.want {
				t.Errorf("%d saturation steps, want any: %v", n, tc.want)
			}
		})
	}
}

// TestSlowFallTurnover: a saturation step waiting for what follows (a fall
// too slow to time waits slowFall) is the last patient's, not the next
// one's. An adult desaturates from 96 to 83 % at a 60 s cadence and is
// discharged two minutes later; after 15 minutes of silence the bed's next
// patient reads 84 % with the heart rate at its level: quiet (before the
// fix the step waiting across the turnover was judged against the next
// patient's first saturation).
func TestSlowFallTurnover(t *testing.T) {
	level := func(s float64, pid string) func(i int) msg {
		return func(i int) msg {
			return msg{pid: pid, rows: []row{hr(wobble(80, i)), pr(wobble(80, i+5)), spo2(satScatter(i, s)), rr(wobble(16, i+3)), temp("37.0")}}
		}
	}
	ts := then(every(60, 60*sec, level(96, "")), 60*sec, every(2, 60*sec, level(83, "")))
	ts = then(ts, 15*60*sec, every(20, 60*sec, level(84, "67890^^^H^MR")))
	for _, f := range run(t, vitals.DefaultConfig(), ts) {
		if f.Rule == "rate_of_change" || f.Rule == "identity_patient" {
			t.Errorf("%s on a bed turnover after a saturation fall: %+v", f.Rule, f)
		}
	}
}

// TestNoStepAcrossSilence: an arterial line at 120/70/87 disconnected for
// 20 minutes (its rows absent while the other channels go on), or the
// monitor silent for 8 minutes (in standby), and back at 150/90/110 is a level
// measured anew, not a step no physiology explains (session 13: training
// seed 47 m0038, an arterial step judged across a 26-minute silence). The
// same level forged into the line with no silence, the heart rate where it
// was, is still a step; and so is one forged a minute after a silence
// shorter than rate_of_change's max_gap.
func TestNoStepAcrossSilence(t *testing.T) {
	at := func(i int, sys, dia, mean float64, line bool) msg {
		m := vitalsAt(i, 80, 80, 97)
		m.rows = append(m.rows, rr(num(16+float64(i%2))))
		if line {
			m.rows = append(m.rows, artS(wobble(sys, i)), artD(wobble(dia, i+1)), artM(wobble(mean, i+2)))
		}
		return m
	}
	seg := func(from, n int, sys, dia, mean float64, line bool) []tick {
		return every(n, 30*sec, func(i int) msg { return at(from+i, sys, dia, mean, line) })
	}
	before := seg(0, 60, 120, 70, 87, true)
	after := seg(100, 20, 150, 90, 110, true)
	probeOff := then(then(before, 30*sec, seg(60, 40, 0, 0, 0, false)), 30*sec, after)
	checkRules(t, run(t, vitals.DefaultConfig(), probeOff))
	standby := then(before, 8*time.Minute, after) // shorter than state.idle_evict, which forgets the monitor
	checkRules(t, run(t, vitals.DefaultConfig(), standby))
	forged := then(before, 30*sec, after)
	checkRules(t, run(t, vitals.DefaultConfig(), forged), "rate_of_change")
	short := then(then(before, 30*sec, seg(60, 3, 0, 0, 0, false)), 30*sec, after) // silent 2 min, under max_gap
	checkRules(t, run(t, vitals.DefaultConfig(), short), "rate_of_change")
}

// TestArterialRampAndRezero: a vasopressor raising the pressure over four
// one-minute messages is a ramp, not a step; a line zeroed and damped for a
// minute that opens again 20 mmHg above its old level was re-levelled.
func TestArterialRampAndRezero(t *testing.T) {
	base := every(40, 60*sec, func(i int) msg { return art(i, 86, 102, 68) })
	ramp := []float64{110, 125, 134, 139}
	vaso := then(base, 60*sec, every(20, 60*sec, func(i int) msg {
		s := 139.0
		if i < len(ramp) {
			s = ramp[i]
		}
		return art(i+100, 87, s, 68+(s-102)/3)
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), vaso))
	base15 := every(80, 15*sec, func(i int) msg { return art(i, 57, 140, 76) })
	rezero := then(base15, 15*sec, every(30, 15*sec, func(i int) msg {
		m := art(i+100, 57, 162, 86)
		switch {
		case i < 3: // zeroing
			m.rows[4], m.rows[5], m.rows[6] = artS("3"), artD("0"), artM("1")
		case i < 10: // damped afterwards
			m.rows[4], m.rows[5], m.rows[6] = artS("110"), artD("101"), artM("104")
		}
		return m
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), rezero))
}

// TestArterialDamping20: a line that becomes over-damped for twenty minutes
// and is flushed clear again moves the systolic down and the diastolic up
// around a mean that stays, in one message each way: no step and no box of
// the patient's pressure (corpus3 training, e.g. seed 3 m0030, seed 7
// m0053; main: rate_of_change on the systolic at the start, or a box at
// the end). A systolic forged on its own, or with the diastolic pulled the
// other way but the mean moved with it, is still a step.
func TestArterialDamping20(t *testing.T) {
	const step = 30 * time.Second
	plain := func(i int) msg { return withArt(patient(i, 80, 97, 16, 38), i, 120, 70, 87) }
	learn := every(120, step, plain)
	// 10 messages at the patient's level, f for 40 (20 min), 20 after it.
	held := func(f func(i int) msg) []tick {
		return then(learn, step, every(70, step, func(i int) msg {
			if i < 10 || i >= 50 {
				return plain(i + 1000)
			}
			return f(i + 1000)
		}))
	}
	// damped over-damps the line by k (0 to 1): the systolic under-reads
	// by 35 % of the pulse pressure, the diastolic over-reads by 15 %, the
	// mean stays.
	damped := func(k float64) func(i int) msg {
		return func(i int) msg { return withArt(patient(i, 80, 97, 16, 38), i, 120-0.35*k*50, 70+0.15*k*50, 87) }
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"over-damped (120/70/87 to 102/78/87) for 20 min, then flushed clear", held(damped(1)), nil},
		{"over-damped by less (110/74/87: a box's size, below a step's) for 20 min, then flushed clear", held(damped(0.6)), nil},
		{"systolic forged up by 25 alone for 20 min", held(func(i int) msg {
			return withArt(patient(i, 80, 97, 16, 38), i, 145, 70, 87)
		}), []string{"rate_of_change"}},
		// review20: a widening from a line that never narrowed is no damping clearing.
		{"systolic forged up by 30, the diastolic down by 8, the mean kept", held(func(i int) msg {
			return withArt(patient(i, 80, 97, 16, 38), i, 150, 62, 87)
		}), []string{"rate_of_change"}},
		{"systolic forged down by 20, the diastolic up by 6 and the mean down by 7", held(func(i int) msg {
			return withArt(patient(i, 80, 97, 16, 38), i, 100, 76, 80)
		}), []string{"rate_of_change"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...)
		})
	}
}

// TestTemperatureProbeBack: a skin probe that comes off reads the room,
// cooling by about a degree a minute toward 27-32 °C, and warms back to the
// patient's temperature within a minute or two when it is put back on
// (session 19, the third blind generator's temp_probe_off: main flagged the
// warming as rate_of_change and drift_return on 17 clean beds of training
// seeds 1-6). A temperature forged up from the patient's level, or warmed
// from the room's to well above the level it held, is still a step.
func TestTemperatureProbeBack(t *testing.T) {
	// bed returns an adult at a 60 s cadence whose temperature is 37.0 for
	// an hour, then temps, then 37.0 again.
	bed := func(temps ...string) []tick {
		return every(90+len(temps), time.Minute, func(i int) msg {
			m := normal(i)
			if k := i - 60; k >= 0 && k < len(temps) {
				m.rows[4] = temp(temps[k])
			}
			return m
		})
	}
	cooled := []string{"36.9", "36.0", "35.1", "34.2", "33.3", "32.4", "31.5", "30.6", "29.7", "28.8", "28.8", "28.8", "28.8", "28.8", "28.8", "28.8"}
	slowFall := []string{"36.9", "36.75", "36.6", "36.45", "36.3", "36.15", "36.0", "35.85", "35.7", "35.55", "35.4", "35.25", "35.1", "34.95"}
	warming := []string{"29.5", "30.5", "31.5", "32.3", "33.0", "33.6", "34.2", "34.7", "35.1", "35.5", "35.8", "36.0", "37.0"}
	checkRuleCases(t, []ruleCase{
		{"probe off, cooling, put back on", bed(append(cooled, "34.8", "36.8")...), nil},
		{"probe off, warming in one message", bed(append(cooled, "37.0")...), nil},
		{"probe off, warming over three messages", bed(append(cooled, "33.5", "35.4", "37.0")...), nil},
		{"temperature forged up from the patient's level", bed("38.5", "38.5", "38.6", "38.5", "38.5", "38.6", "38.5", "38.5", "38.6", "38.5"), []string{"rate_of_change"}},
		{"probe off, then warmed to well above the level it held", bed(append(cooled, "39.5", "39.5", "39.5", "39.5", "39.5")...), []string{"drift_return", "rate_of_change"}},
		// Session 36 (c6art36): a probe put back on warms through minutes
		// and its last degree comes in one message; the three readings
		// before it lie within two degrees of the level, the probe's
		// 5-min levels of the last quarter hour do not (corpus6 training s1
		// m0121, s2 m0134, s3 m0083; main: rate_of_change).
		{"probe off, warming over minutes, its last degree in one message", bed(append(cooled, warming...)...), nil},
		{"probe off, warming over minutes, then to well above the level it held", bed(append(append(cooled, warming[:len(warming)-1]...), "38.5", "38.5", "38.5", "38.5")...), []string{"rate_of_change"}},
		// Session 36 (coordinator, after c6art36's fresh block): a level two
		// degrees below the hour's, reached slowly and held for a quarter
		// hour, is a patient's own temperature (a fever's earlier level, or
		// one replayed), not a probe in the air, which reads at most airMax;
		// its end by a degree in one message is judged (corpus5 fresh s84
		// m0064: a replay of 37.2 °C beside a fever of 39.2, its end).
		{"a level two degrees below, held, then a degree up in one message", bed(append(append(slowFall, "34.8", "34.8", "34.8", "34.8", "34.8", "34.8", "34.8", "34.8", "34.8", "34.8", "34.8", "34.8", "34.8", "34.8", "34.8"), "35.3", "35.6", "35.9")...), []string{"rate_of_change"}},
		// review36: a probe put back on that has warmed and held the
		// patient's level for 10 min is warm; a rise from that level in one
		// message is a step, whatever cold 5-min level lies within the
		// last quarter hour (main: quiet for up to 20 min after the probe
		// came off).
		{"probe off, back on, held 10 min, then a degree up in one message", bed(append(append(cooled, "34.8", "36.4", "36.4", "36.4", "36.4", "36.4", "36.4", "36.4", "36.4", "36.4", "36.4", "36.4"), "37.4", "37.4", "37.4", "37.4", "37.4")...), []string{"rate_of_change"}},
		// Session 21 (probe21): a probe cooling by 1 °C a message or along a
		// decay (the fall slowing) is no step; a fall that holds its level,
		// also after two messages, or comes back, still is, and so is one
		// below any room's air (a Celsius value read as Fahrenheit).
		{"probe off, cooling 1 °C a message", bed("36.2", "35.2", "34.2", "33.2", "32.2", "31.2", "30.2", "29.2", "28.2", "27.5", "27.5", "27.5", "27.5", "27.5", "27.5", "27.5"), nil},
		{"probe off, cooling along a decay", bed("34.0", "32.1", "30.8", "29.9", "29.3", "28.9", "28.7", "28.6", "28.6", "28.6", "28.6", "28.6", "28.6", "28.6"), nil},
		{"temperature forged down to a level", bed("35.8", "35.8", "35.9", "35.8", "35.8", "35.9", "35.8", "35.8", "35.9", "35.8"), []string{"rate_of_change"}},
		{"temperature forged down in two messages", bed("35.9", "34.8", "34.8", "34.9", "34.8", "34.8", "34.9", "34.8", "34.8", "34.9"), []string{"rate_of_change"}},
		{"temperature forged down for one message", bed("35.5"), []string{"rate_of_change"}},
		{"temperature falling below any room's air", bed("15.0", "13.5", "12.0", "10.5", "9.0", "9.0", "9.0", "9.0", "9.0", "9.0"), []string{"rate_of_change"}},
	})
}

// TestTemperatureSlowFallNoProbe41: a rise back onto the hour's level from
// two degrees below it is a probe put back on only if a probe came off: a
// probe in the air loses degrees in its first five minutes; a reading that
// sank along a ramp of hundredths of a degree a minute stayed on the
// patient, and its jump back up in one message was written (session 41,
// drift41; corpus7 training s3 m0022, 38.0 to 35.6 °C over 36 min, then
// 37.9; main: quiet, probeBack). A probe that slid off over a quarter hour
// (0.2 °C a minute, corpus7 training s3 m0091) still came off.
func TestTemperatureSlowFallNoProbe41(t *testing.T) {
	bed := func(temps ...float64) []tick {
		return every(90+len(temps), time.Minute, func(i int) msg {
			m := normal(i)
			if k := i - 60; k >= 0 && k < len(temps) {
				m.rows[4] = temp(strconv.FormatFloat(temps[k], 'f', 1, 64))
			}
			return m
		})
	}
	ramp := func(from, per float64, n int) []float64 {
		out := make([]float64, n)
		for k := range out {
			out[k] = from - per*float64(k+1)
		}
		return out
	}
	slid := append(ramp(37.0, 0.2, 14), 34.2, 34.2, 34.1, 34.1, 34.1)
	checkRuleCases(t, []ruleCase{
		{"temperature ramped down 2.4 °C over 40 min, then back in one message", bed(append(ramp(37.0, 0.06, 40), 37.0, 37.0, 37.0, 37.0)...), []string{"drift_return", "rate_of_change"}},
		{"probe sliding off at 0.2 °C a minute, held, then put back on", bed(append(slid, 36.9, 37.0, 37.0, 37.0)...), nil},
	})
}

// TestTemperatureFallIsQuality: a fall is judged on the message after it
// (session 21, probe21: a probe cooling toward the air falls on; a level
// holds), so the stream has a third message.
func TestTemperatureFallIsQuality(t *testing.T) {
	fs := run(t, vitals.DefaultConfig(), []tick{{0, msg{rows: []row{temp("37.0")}}}, {60 * sec, msg{rows: []row{temp("33.0")}}}, {120 * sec, msg{rows: []row{temp("33.0")}}}})
	checkRules(t, fs, "rate_of_change")
	if len(fs) == 1 && fs[0].Kind != vitals.KindQuality {
		t.Errorf("kind %q, want %q (probe displaced)", fs[0].Kind, vitals.KindQuality)
	}
}

// review22: tests for the merge of probe21 (a temperature fall held back
// while it may be a probe cooling toward the air; a breathing rate of 0
// through an open circuit is no excursion).

// tempBed is an adult at a 60 s cadence whose temperature is 37.0 for an
// hour, then temps, then the last of temps held for half an hour (a forged
// level that stays; no return for probeBack to judge).
func tempBed(temps ...string) []tick {
	return every(60+len(temps)+30, time.Minute, func(i int) msg {
		m := normal(i)
		switch k := i - 60; {
		case k >= len(temps):
			m.rows[4] = temp(temps[len(temps)-1])
		case k >= 0:
			m.rows[4] = temp(temps[k])
		}
		return m
	})
}

// TestReview22TempForgedDecayThenHeld: a core temperature forged down from
// 37.0 to a hypothermic 35.3 °C, shaped as three shrinking falls (1.0, 0.5,
// 0.2: each at least a third of the one before, the last reading far above
// any room's air) and then held there for half an hour. probe21's rule takes
// the three falls for a probe cooling toward the air and never judges the
// fall, also when the "decay" stops at 35.3 instead of going on toward the
// room's 25-32 °C. Main before probe21 reported the 1.0 °C fall at once;
// docs/vitals-history.md says "a forged or displaced level moves and holds" is still
// reported and only a probe cooling "toward the air" is quiet. One more
// shaped message than the covered case "temperature forged down in two
// messages" is enough to evade it: a cheap evasion.
func TestReview22TempForgedDecayThenHeld(t *testing.T) {
	checkRuleCases(t, []ruleCase{
		{"forged down in three shrinking falls, then held at 35.3", tempBed("36.0", "35.5", "35.3"), []string{"rate_of_change"}},
		{"forged down in three equal falls, then held at 34.0", tempBed("36.0", "35.0", "34.0"), []string{"rate_of_change"}},
	})
}

// TestReview22TempStepAfterSmallFalls: a core temperature that eases down
// by 0.1 °C a minute for three minutes (no fast fall: nothing held) and
// then steps down by 2.0 °C in one message and holds there. The 2.0 °C step
// is never held nor judged: the three small falls already make coolRun 3,
// and "at least a third of the fall before it" bounds only how much a fall
// may shrink, not how much it may grow, so the step counts as the decay
// going on (cooling) and the fast fall is dropped at once. A decay's falls
// shrink; a fall 20 times the one before is the opposite of a probe
// cooling toward the air. Main before probe21 reported it. The forger needs
// three 0.1 °C nudges before the step; a patient whose temperature slides
// (a fever broken by an antipyretic, active cooling) gives them for free.
func TestReview22TempStepAfterSmallFalls(t *testing.T) {
	checkRuleCases(t, []ruleCase{
		{"three 0.1 falls, then a 2.0 step held", tempBed("36.9", "36.8", "36.7", "34.7"), []string{"rate_of_change"}},
	})
}

// TestReview22TempHeldFallTimeAfterSilence: a temperature forged down by
// 1.2 °C in the last message before the monitor falls silent for 10 min;
// it comes back reading the patient's 37.0. The held fall is reported on
// the first message after the silence (right: it was never decided), but
// with that message's time and temperature segment: the finding says 35.8
// was observed at 13:10, when the temperature read then is 37.0 and the
// 35.8 was read at 13:00. Main before probe21 stamped the fall with its own
// reading's time. A finding whose time (and segment) points at a reading
// that contradicts its value misleads whoever reviews it, and the lateness
// is unbounded (any silence), not "at most 2 messages late" in time.
func TestReview22TempHeldFallTimeAfterSilence(t *testing.T) {
	ts := then(every(61, time.Minute, func(i int) msg {
		m := normal(i)
		if i == 60 {
			m.rows[4] = temp("35.8")
		}
		return m
	}), 10*time.Minute, every(30, time.Minute, func(i int) msg { return normal(61 + i) }))
	fs := run(t, vitals.DefaultConfig(), ts)
	var got []vitals.Finding
	for _, f := range fs {
		if f.Rule == "rate_of_change" {
			got = append(got, f)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d rate_of_change findings, want 1 (the fall to 35.8)", len(got))
	}
	if f, want := got[0], t0.Add(60*time.Minute); f.Value != 35.8 || !f.ObservedAt.Equal(want) {
		t.Errorf("fall reported as value %g observed at %v, want 35.8 observed at %v (the reading's own time)", f.Value, f.ObservedAt, want)
	}
}

// An adult's breathing rate at a minute's cadence, read as a clinician
// reads a monitor (hl7load training seed 13, m0087): it scatters by 1.6/min
// between messages around 15–17, is halved to 9 for 23 min with its own
// scatter, and comes back to 18. The jump out, 7/min, is under the step
// floor (8) and under five times the rate's noise (a box's least shift);
// the jump back, from a level that slid to 9, is a step.
var (
	rrBefore = []float64{14, 12, 15, 17, 18, 16, 16, 18, 16, 16, 13, 14, 15, 18, 16, 17, 17, 17, 15, 16, 15, 16, 13, 13, 15,
		15, 13, 14, 14, 16, 16, 17, 17, 17, 14, 19, 14, 16, 12, 14, 14, 14, 15, 13, 16, 18, 16, 16, 16, 17, 14, 15, 18, 20,
		20, 15, 17, 16, 16, 15}
	rrHalved = []float64{9, 7, 9, 10, 10, 8, 9, 10, 12, 9, 8, 8, 9, 6, 9, 13, 12, 9, 10, 8, 10, 13, 9}
	rrAfter  = []float64{18, 18, 19, 18, 17, 19, 19, 20, 20, 17, 15, 17, 19, 14, 16, 19, 17, 17, 18, 15}
)

// withRR sets a patient message's breathing rate to r and, when h is not
// 0, its heart and pulse rates to h.
func withRR(i int, r, h float64) msg {
	m := patient(i, 80, 97, 16, 38)
	m.rows[3] = rr(num(r))
	if h != 0 {
		m.rows[0], m.rows[1] = hr(num(h)), pr(num(h))
	}
	return m
}

// TestBreathingRateBack: a breathing rate's level left by a jump in one
// message and taken back 23 min later in one message is reported from the
// message that confirms its return (the next one), not four messages later
// as any step is; a return for one message (a sigh), or one the heart rate
// shares (waking), stays quiet (session 26, rrstep26).
func TestBreathingRateBack(t *testing.T) {
	const step = time.Minute
	seq := func(after []float64, h float64) []tick {
		var vs []float64
		vs = append(append(append(append(vs, rrBefore...), rrBefore...), rrHalved...), after...)
		return every(len(vs), step, func(i int) msg {
			if i < 2*len(rrBefore)+len(rrHalved) {
				return withRR(i, vs[i], 0)
			}
			return withRR(i, vs[i], h)
		})
	}
	sigh := append([]float64{18}, rrHalved...)
	tests := []struct {
		name  string
		ticks []tick
		want  int // the message after the halved level's last at which the breathing rate's step is reported, -1 none
	}{
		{"halved for 23 min, then back (an offset taken away)", seq(rrAfter, 0), 2},
		{"halved for 23 min, back for one message (a sigh), then halved on", seq(sigh, 0), -1},
		{"halved for 23 min, then back with the heart rate up 25 (waking)", seq(rrAfter, 105), -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := -1
			for _, f := range run(t, vitals.DefaultConfig(), tc.ticks) {
				if f.Rule == "rate_of_change" && f.Parameter == "MDC_RESP_RATE" {
					n, _ := strconv.Atoi(f.ControlID[1:])
					got = n + 1 - 2*len(rrBefore) - len(rrHalved)
					break
				}
			}
			if got != tc.want {
				t.Errorf("breathing-rate step at message %d after the halved level, want %d", got, tc.want)
			}
		})
	}
}

// TestBreathingRateBackForgotten (session 27, fix27): the level a breathing
// rate left is remembered only while it holds. A dip of one message to 6
// that the rate never followed is no level left: when, 55 min later, the
// rate slides over three messages to 9 (no jump in one message), holds
// there 23 min and comes back to 18, its return is judged as any step is,
// from its fourth message, not from the next one as the return onto a level
// left by a jump is (main before it: the remembered dip held again once the
// baseline slid below it, and the step was reported at the next message).
func TestBreathingRateBackForgotten(t *testing.T) {
	const step = time.Minute
	before := append(append([]float64{}, rrBefore...), rrBefore...)
	before[len(rrBefore)+5] = 6 // the dip, 55 min before the slide
	vs := append(append(append(before, 13, 11), rrHalved...), rrAfter...)
	got := -1
	for _, f := range run(t, vitals.DefaultConfig(), every(len(vs), step, func(i int) msg { return withRR(i, vs[i], 0) })) {
		if f.Rule == "rate_of_change" && f.Parameter == "MDC_RESP_RATE" {
			n, _ := strconv.Atoi(f.ControlID[1:])
			got = n + 1 - len(before) - 2 - len(rrHalved)
			break
		}
	}
	if got != 4 {
		t.Errorf("breathing-rate step at message %d after the slid level, want 4", got)
	}
}

// countRule returns how many findings of rule fs holds.
func countRule(fs []vitals.Finding, rule string) int {
	n := 0
	for _, f := range fs {
		if f.Rule == rule {
			n++
		}
	}
	return n
}

// TestStepUndone: a breathing rate forged from 16 to 34/min for ten
// minutes, then given back to the patient's 16, is one condition: its
// onset is reported, its end (the channel going back, alone, to the level
// the reported step left) is not reported again (session 13: on training
// seeds most flags outside episodes on manipulated beds were such ends,
// three or four messages after the episode). A second forged step that
// does not go back (34 to 52) is still reported, and so is a step back to
// 16 when the step away was never reported (a related channel moved
// with it).
func TestStepUndone(t *testing.T) {
	at := func(i int, r, co2 float64) msg {
		m := vitalsAt(i, 80, 80, 97)
		m.rows[3] = rr(num(r + float64(i%2)))
		m.rows = append(m.rows, etco2(num(co2+float64(i%3))))
		return m
	}
	seg := func(from, n int, r, co2 float64) []tick {
		return every(n, 30*sec, func(i int) msg { return at(from+i, r, co2) })
	}
	before := seg(0, 60, 16, 38)
	back := then(then(before, 30*sec, seg(60, 20, 34, 38)), 30*sec, seg(80, 20, 16, 38))
	if fs := run(t, vitals.DefaultConfig(), back); countRule(fs, "rate_of_change") != 1 {
		checkRules(t, fs, "rate_of_change")
		t.Errorf("%d rate_of_change findings, want 1 (the onset)", countRule(fs, "rate_of_change"))
	}
	further := then(then(before, 30*sec, seg(60, 20, 34, 38)), 30*sec, seg(80, 20, 52, 38))
	if n := countRule(run(t, vitals.DefaultConfig(), further), "rate_of_change"); n != 2 {
		t.Errorf("34 then 52: %d rate_of_change findings, want 2", n)
	}
	// The end-tidal CO2 moved with the rise (corroborated, not reported):
	// the fall back to 16 alone is a step of its own.
	unreported := then(then(before, 30*sec, seg(60, 20, 34, 24)), 30*sec, seg(80, 20, 16, 24))
	if n := countRule(run(t, vitals.DefaultConfig(), unreported), "rate_of_change"); n != 1 {
		t.Errorf("corroborated rise, lone fall: %d rate_of_change findings, want 1 (the fall)", n)
	}
}

// TestUndoForgotten: the memory of a reported step (undo) does not outlive
// the state it belongs to. A breathing rate forged from 16 to 34/min is
// reported; while it stays at 34 the bed gets a new patient (after
// identity_patient.turnover_gap without messages), or the monitor falls
// silent for longer than state.idle_evict (its stream is forgotten and
// starts afresh): either way 34 is the level learned anew, and a lone fall
// to 16 afterwards is a step of its own, reported, not the first step's end.
// Without either (a silence shorter than both, or a patient changed with no
// turnover, which is identity_patient and keeps the state), the same fall is
// the end (TestStepUndone). Found sound (session 14).
func TestUndoForgotten(t *testing.T) {
	at := func(i int, r float64, pid string) msg {
		m := vitalsAt(i, 80, 80, 97)
		m.rows[3] = rr(num(r + float64(i%2)))
		m.rows = append(m.rows, etco2(num(38+float64(i%3))))
		m.pid = pid
		return m
	}
	seg := func(from, n int, r float64, pid string) []tick {
		return every(n, 30*sec, func(i int) msg { return at(from+i, r, pid) })
	}
	cfg := vitals.DefaultConfig()
	rise := then(seg(0, 60, 16, ""), 30*sec, seg(60, 10, 34, ""))
	for _, tc := range []struct {
		name string
		gap  time.Duration // before the rest of the rise
		pid  string        // the patient from the rest of the rise on
		want int           // rate_of_change findings
	}{
		{"same patient, no silence", 30 * sec, "", 1},
		{"silent past max_gap, same patient", cfg.State.IdleEvict - time.Minute, "", 1},
		{"new patient mid-step", cfg.Rules.IdentityPatient.TurnoverGap + time.Minute, "67890^^^H^MR", 2},
		{"new patient mid-step, identity_patient", 30 * sec, "67890^^^H^MR", 1},
		{"silent past idle_evict mid-step", cfg.State.IdleEvict + time.Minute, "", 2},
	} {
		ticks := then(rise, tc.gap, seg(70, 40, 34, tc.pid))
		ticks = then(ticks, 30*sec, seg(110, 20, 16, tc.pid))
		fs := run(t, cfg, ticks)
		if n := countRule(fs, "rate_of_change"); n != tc.want {
			for _, f := range fs {
				t.Logf("%s: %s %s at %s: %g from %g", tc.name, f.Rule, f.Parameter, f.ObservedAt.Format("15:04:05"), f.Value, f.Other)
			}
			t.Errorf("%s: %d rate_of_change findings, want %d", tc.name, n, tc.want)
		}
	}
}

// TestUnitJumpUndone: end-tidal CO2 of 40 mmHg relabelled, its kPa number
// (5.3) sent as mmHg for ten minutes while the patient's level wanders
// out of the conversion's 10 %, then sent right again: the relabelling is
// reported (unit_mismatch), its end is not a step.
func TestUnitJumpUndone(t *testing.T) {
	at := func(i int, co2 string) msg {
		m := vitalsAt(i, 80, 80, 97)
		m.rows[3] = rr(num(16 + float64(i%2)))
		m.rows = append(m.rows, etco2(co2))
		return m
	}
	kpa := []string{"5.3", "5.2", "5.3", "5.1", "5.0", "4.9", "4.8", "4.7", "4.9", "4.8"}
	ticks := every(60, 30*sec, func(i int) msg { return at(i, num(40+float64(i%2))) })
	ticks = then(ticks, 30*sec, every(20, 30*sec, func(i int) msg { return at(60+i, kpa[min(i, len(kpa)-3)+i%3]) }))
	ticks = then(ticks, 30*sec, every(20, 30*sec, func(i int) msg { return at(80+i, num(37+float64(i%2))) }))
	checkRules(t, run(t, vitals.DefaultConfig(), ticks), "unit_mismatch")
}

// TestArterialLineShutForSampling34 (session 34, c6clean34): blood drawn
// from the arterial line turns its stopcock to the sampling port, and for a
// message or a few the transducer reads the closed circuit, a flat line at
// 20-40 mmHg (24/22/23 where the patient read 120/70/90), while the ECG and
// the oximeter count the heart on (corpus6 training s2 m0013: 122/71/91 to
// 24/22/23 for three messages at 15 s and back). Main before it: spike on
// the three pressures (two messages), rate_of_change (five), unit_mismatch
// when the flat line lands near the level divided by 7.5. A forged fall
// that keeps a pulse pressure, a flat line with no pulse counted by the
// oximeter, and a flat triplet out of a waveform's order (a systolic below
// its diastolic, corpus5 training s2 m0023's forged drift: 55/57/58) are
// still reported.
func TestArterialLineShutForSampling34(t *testing.T) {
	tests := []struct {
		name    string
		n       int     // messages of the excursion
		s, d, m float64 // its pressures
		noPulse bool    // the oximeter's pulse rate absent in them
		report  bool
	}{
		{"flat line for two messages, pulse counted", 2, 24, 22, 23, false, false},
		{"flat line for five messages, pulse counted", 5, 24, 22, 23, false, false},
		{"flat line at 36 for two messages, pulse counted", 2, 36, 34, 35, false, false},
		{"forged fall keeping a pulse pressure, two messages", 2, 60, 15, 30, false, true},
		{"forged fall keeping a pulse pressure, five messages", 5, 60, 15, 30, false, true},
		{"flat line with no pulse counted", 2, 24, 22, 23, true, true},
		{"flat line out of order: systolic forged onto the diastolic", 2, 55, 57, 58, false, true},
		{"flat line out of order for five messages", 5, 55, 57, 58, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(100, 10*sec, func(i int) msg {
				m := art(i, 80, 120, 70)
				if i >= 60 && i < 60+tc.n {
					m.rows[4], m.rows[5], m.rows[6] = artS(num(tc.s)), artD(num(tc.d)), artM(num(tc.m))
					if tc.noPulse {
						m.rows = append(m.rows[:1], m.rows[2:]...)
					}
				}
				return m
			})
			fs := run(t, vitals.DefaultConfig(), ticks)
			n := 0
			for _, f := range fs {
				t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(t0), f.Value, f.Other)
				if strings.Contains(f.Parameter, "ART") && (f.Rule == "spike" || f.Rule == "rate_of_change" || f.Rule == "unit_mismatch") {
					n++
				}
			}
			if tc.report && n == 0 {
				t.Errorf("the arterial excursion was not reported; rules fired %q", rulesOf(fs))
			}
			if !tc.report && n > 0 {
				t.Errorf("the line shut for sampling was reported; rules fired %q", rulesOf(fs))
			}
		})
	}
}

// TestArterialKPaLabelledMmHgIsNoShutLine34 (session 34, c6shut34): an
// arterial line at 118/75/92 whose pressures are then written in kPa and
// labelled mmHg reads 15.7/10.0/12.3: flat within lineArtefact's band, in a
// waveform's order, beside a counted pulse, as a line shut for sampling
// reads (and above zeroedBelow, so no zeroing). c6clean34's lineShut took it for one and left it unjudged (corpus3
// held-out, three unit_mislabel episodes lost). The values are the line's
// own levels divided by 7.5 (kPa), a relabel, and must be reported; the
// closed circuit's flat line (24/22/23, 14/13/13 beside the same line)
// bears no such ratio and stays quiet.
func TestArterialKPaLabelledMmHgIsNoShutLine34(t *testing.T) {
	tests := []struct {
		name    string
		n       int     // messages of the excursion
		s, d, m float64 // its pressures
		report  bool
	}{
		{"kPa labelled mmHg for five messages", 5, 15.7, 10.0, 12.3, true},
		{"kPa labelled mmHg to the end", 40, 15.7, 10.0, 12.3, true},
		{"kPa labelled mmHg, whole numbers, to the end", 40, 16, 10, 12, true},
		{"shut line for two messages", 2, 24, 22, 23, false},
		{"shut line for five messages", 5, 24, 22, 23, false},
		{"shut line at the systolic in kPa, three messages", 3, 16, 15, 15, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(100, 10*sec, func(i int) msg {
				m := art(i, 80, 118, 75)
				if i >= 60 && i < 60+tc.n {
					w := float64(i % 2) // the line's beat-to-beat variation, so no freeze
					if tc.s != float64(int(tc.s)) {
						w *= 0.1
					}
					m.rows[4], m.rows[5], m.rows[6] = artS(num(tc.s+w)), artD(num(tc.d)), artM(num(tc.m+w))
				}
				return m
			})
			fs := run(t, vitals.DefaultConfig(), ticks)
			n := 0
			for _, f := range fs {
				t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(t0), f.Value, f.Other)
				if strings.Contains(f.Parameter, "ART") && (f.Rule == "spike" || f.Rule == "rate_of_change" || f.Rule == "unit_mismatch" || f.Rule == "step") {
					n++
				}
			}
			if tc.report && n == 0 {
				t.Errorf("the arterial pressures in kPa labelled mmHg were not reported; rules fired %q", rulesOf(fs))
			}
			if !tc.report && n > 0 {
				t.Errorf("the line shut for sampling was reported; rules fired %q", rulesOf(fs))
			}
		})
	}
}

// artFindings counts the arterial pressure findings of the rules that judge
// a line's level (spike, step, unit, range, order).
func artFindings(t *testing.T, fs []vitals.Finding) int {
	t.Helper()
	n := 0
	for _, f := range fs {
		t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(t0), f.Value, f.Other)
		if strings.Contains(f.Parameter, "ART") && f.Rule != "too_regular" {
			n++
		}
	}
	return n
}

// TestNeonatalArterialKPaIsNoZeroing35 (session 35, c6line35): a neonatal
// arterial line at 70/34/48 written in kPa and labelled mmHg reads 9/5/6:
// below zeroedBelow, so zeroed took it for the transducer open to the air
// and no rule judged it (c6shut34's report: a corpus3 blatant unit_mislabel
// missed by main). A transducer opened to the air reads the atmosphere's 0
// for all three, with its noise; a relabel keeps the patient's ratio of the
// systolic to the diastolic, each the line's own level divided by 7.5
// (artConverted). Such pressures are judged; a genuine zeroing (0/0/0,
// 1/0/0) and a shut line at 6-8 mmHg beside the same line stay quiet.
func TestNeonatalArterialKPaIsNoZeroing35(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "neonatal"
	kpa := func(v float64) float64 { return math.Round(v / 7.50062) }
	kpa1 := func(v float64) float64 { return math.Round(10*v/7.50062) / 10 }
	tests := []struct {
		name   string
		n      int
		f      func(s, d, m float64) (float64, float64, float64)
		report bool
	}{
		{"kPa labelled mmHg, whole numbers, to the end", 40, func(s, d, m float64) (float64, float64, float64) { return kpa(s), kpa(d), kpa(m) }, true},
		{"kPa labelled mmHg, one decimal, to the end", 40, func(s, d, m float64) (float64, float64, float64) { return kpa1(s), kpa1(d), kpa1(m) }, true},
		{"kPa labelled mmHg, whole numbers, ten messages", 10, func(s, d, m float64) (float64, float64, float64) { return kpa(s), kpa(d), kpa(m) }, true},
		{"zeroing at 0/0/0, three messages", 3, func(s, d, m float64) (float64, float64, float64) { return 0, 0, 0 }, false},
		{"zeroing at 1/0/0, three messages", 3, func(s, d, m float64) (float64, float64, float64) { return 1, 0, 0 }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(100, 10*sec, func(i int) msg {
				h := 150 + float64(i%3)
				m := msg{rows: []row{hr(num(h)), pr(num(h - 1)), spo2(num(94 + float64(i%2))), rr(num(45 + float64(i%4)))}}
				s, d := float64(70+i%5-2), float64(34+(i/2)%3-1)
				mm := math.Round(d + 0.4*(s-d))
				if i >= 60 && i < 60+tc.n {
					s, d, mm = tc.f(s, d, mm)
				}
				m.rows = append(m.rows, artS(num(s)), artD(num(d)), artM(num(mm)), temp("37.0"))
				return m
			})
			n := artFindings(t, run(t, cfg, ticks))
			if tc.report && n == 0 {
				t.Errorf("the neonatal arterial pressures in kPa labelled mmHg were not reported")
			}
			if !tc.report && n > 0 {
				t.Errorf("the zeroing was reported")
			}
		})
	}
}

// TestArterialForgeriesStillReported35 (session 35, c6line35): the line
// artefacts excused (a flush, a zeroing, a line shut for sampling, each
// with its recovery) are flat lines, at the bag's pressure, at the air's 0
// or at the closed circuit's; lineShut and zeroed excuse no arterial
// forgery shape of the blind generators that keeps the patient's pulse
// pressure or ratio. Each shape below, on an adult line at 120/70 and on a
// neonate's at 70/34 with the oximeter counting the pulse, is reported;
// the same beds unforged, and with a sampling (a flat 24/22/23 or 12/11/11
// for three messages, then back), are not.
func TestArterialForgeriesStillReported35(t *testing.T) {
	type triple struct{ s, d, m float64 }
	kpaLabel := func(r row) row { r.unit = "265987"; return r }
	tests := []struct {
		name   string
		from   int                                  // first forged message
		n      int                                  // forged messages
		edit   func(i int, v triple) (triple, bool) // the forged values; true: labelled kPa
		report bool
	}{
		{"unforged", 0, 0, nil, false},
		{"sampling: flat line for three messages", 60, 3, func(i int, v triple) (triple, bool) {
			if v.s > 100 {
				return triple{24, 22, 23}, false
			}
			return triple{12, 11, 11}, false
		}, false},
		{"sampling: flat line near the pressures in kPa, three messages", 60, 3, func(i int, v triple) (triple, bool) {
			// 14/10 lies within reach of 120/70 divided by 7.5 (corpus6
			// training s1 m0028: 13/11/12 beside 110/71/86), but keeps no
			// pulse pressure: no relabel, a shut line.
			if v.s > 100 {
				return triple{14, 10, 12}, false
			}
			return triple{8, 6, 7}, false
		}, false},
		{"mmHg figures labelled kPa", 60, 40, func(i int, v triple) (triple, bool) { return v, true }, true},
		{"kPa figures labelled mmHg", 60, 40, func(i int, v triple) (triple, bool) {
			return triple{math.Round(v.s / 7.50062), math.Round(v.d / 7.50062), math.Round(v.m / 7.50062)}, false
		}, true},
		{"step of the three by a third of the mean", 60, 40, func(i int, v triple) (triple, bool) {
			o := -math.Round(v.m / 3)
			return triple{v.s + o, v.d + o, v.m + o}, false
		}, true},
		{"spike of the three by half the systolic", 60, 2, func(i int, v triple) (triple, bool) {
			o := math.Round(v.s / 2)
			return triple{v.s + o, v.d + o, v.m + o}, false
		}, true},
		{"systolic and diastolic swapped", 60, 12, func(i int, v triple) (triple, bool) { return triple{v.d, v.s, v.m}, false }, true},
		{"mean above the systolic", 60, 12, func(i int, v triple) (triple, bool) { return triple{v.s, v.d, v.s + 5}, false }, true},
	}
	for _, neonate := range []bool{false, true} {
		for _, tc := range tests {
			name := "adult: " + tc.name
			cfg := vitals.DefaultConfig()
			if neonate {
				name = "neonate: " + tc.name
				cfg.Profile = "neonatal"
			}
			t.Run(name, func(t *testing.T) {
				ticks := every(120, 10*sec, func(i int) msg {
					h, s0, d0, r := 80.0, 120.0, 70.0, 16.0
					if neonate {
						h, s0, d0, r = 150, 70, 34, 45
					}
					h += float64(i % 3)
					m := msg{rows: []row{hr(num(h)), pr(num(h - 1)), spo2(num(95 + float64(i%2))), rr(num(r + float64(i%4)))}}
					v := triple{s0 + float64(i%5-2), d0 + float64((i/2)%3-1), 0}
					v.m = math.Round(v.d + 0.4*(v.s-v.d))
					kpa := false
					if tc.edit != nil && i >= tc.from && i < tc.from+tc.n {
						v, kpa = tc.edit(i, v)
					}
					rs := []row{artS(num(v.s)), artD(num(v.d)), artM(num(v.m))}
					if kpa {
						for j := range rs {
							rs[j] = kpaLabel(rs[j])
						}
					}
					m.rows = append(m.rows, rs[0], rs[1], rs[2], temp("37.0"))
					return m
				})
				fs := run(t, cfg, ticks)
				n := 0
				for _, f := range fs {
					t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(t0), f.Value, f.Other)
					if f.Rule != "too_regular" && f.Rule != "replay_window" { // the synthetic bed's noise repeats
						n++
					}
				}
				if tc.report && n == 0 {
					t.Errorf("the forged arterial pressures were not reported")
				}
				if !tc.report && n > 0 {
					t.Errorf("the unforged line or its sampling was reported; rules fired %q", rulesOf(fs))
				}
			})
		}
	}
}

// calmLine is message i of a calm patient whose other channels scatter by a
// beat or a breath (a change of state moves them beyond that, and excuses a
// step), with an arterial line at s/d/m, each off by the same -1, 0 or +1.
func calmLine(i int, s, d, m float64) msg {
	g := rand.New(rand.NewPCG(uint64(i), 35))
	n := func() float64 { return float64(g.IntN(2)) }
	r := msg{rows: []row{hr(num(80 + n())), pr(num(80 + n())), spo2(num(97 + n())), rr(num(16 + n())), temp("37.0")}}
	o := float64(rand.New(rand.NewPCG(uint64(i), 36)).IntN(3) - 1)
	r.rows = append(r.rows, artS(num(math.Round(s)+o)), artD(num(math.Round(d)+o)), artM(num(math.Round(m)+o)))
	return r
}

// TestArterialDampedSlowlyThenFlushed35 (session 35, c6line35): air or a
// clot gathering in the tubing damps an arterial trace over half an hour,
// the systolic sinking and the diastolic rising a mmHg at a time around a
// kept mean, and a flush clears it in one message (corpus6 training s2
// m0021: 96/68/80 after 34 minutes, 122/52/78 in the next message; main:
// rate_of_change on the systolic and the diastolic, or drift_return, as no
// one message showed the narrowing that dampChanged remembers). The
// clearing is no step and no trend undone. A pulse widened beyond what the
// line had in the last hour is still reported, and so is the same widening
// on a line that never narrowed (TestArterialDamping20).
func TestArterialDampedSlowlyThenFlushed35(t *testing.T) {
	const step = 30 * time.Second
	line := calmLine
	plain := func(i int) msg { return line(i, 125, 55, 80) }
	learn := every(120, step, plain)
	// k (0 to 1) of the damping: the systolic under-reads by 40 % of the
	// pulse pressure, the diastolic over-reads by 19 %, the mean stays
	// (125/55/80 to 97/68/80, a pulse still wider than damped's narrow one).
	// The line's own scatter moves its three values together (the beats
	// averaged differ), so no one message narrows it: dampChanged sees
	// none of it.
	damped := func(i int, k float64) msg { return line(i, 125-0.4*k*70, 55+0.19*k*70, 80) }
	// 60 messages (30 min) damping slowly, then after, for 30.
	slow := func(after func(i int) msg) []tick {
		return then(learn, step, every(90, step, func(i int) msg {
			if i < 60 {
				return damped(i+1000, float64(i+1)/60)
			}
			return after(i + 1000)
		}))
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"damped slowly over 30 min, then flushed clear", slow(plain), nil},
		{"damped slowly, then widened beyond its pulse before (150/45/80)", slow(func(i int) msg {
			return line(i, 150, 45, 80)
		}), []string{"rate_of_change"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...)
		})
	}
}

// TestArterialNarrowedByThePatientThenWidened35b (review35b): slowlyNarrowed
// takes the line's widest pulse of the last hour for the one a slow damping
// narrowed, but a pulse the patient narrowed (a hypertension treated, the
// systolic and the mean falling together over half an hour, 165/70/102 to
// 120/70/87) is no damping: a forged widening around the kept mean
// (120/70/87 to 147/57/87, pulse 50 to 90, no wider than the hour's 95) is
// a step of the systolic, not a trace flushed clear. Main (ab3e580) took it
// for the damping clearing and reported nothing; 1088c8d reported it.
func TestArterialNarrowedByThePatientThenWidened35b(t *testing.T) {
	const step = 30 * time.Second
	line := calmLine
	learn := every(120, step, func(i int) msg { return line(i, 165, 70, 102) })
	// The patient's pressure falls over 30 min, the diastolic kept.
	treated := func(i int, k float64) msg { return line(i, 165-45*k, 70, 102-15*k) }
	ticks := then(learn, step, every(100, step, func(i int) msg {
		switch {
		case i < 60:
			return treated(i+1000, float64(i+1)/60)
		case i < 70:
			return line(i+1000, 120, 70, 87)
		}
		return line(i+1000, 147, 57, 87) // forged: the pulse widened around the kept mean
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), ticks), "rate_of_change")
}

// TestArterialWidenedAfterBedTurnover35b (review35b): a bed turnover
// forgets the arterial line's damping (openPP), but dampChanged compared
// the next patient's first pressures with the last patient's (the previous
// values are kept across the turnover), and slowlyNarrowed read the last
// patient's levels of the hour: the next patient's pulse narrower (118/80
// where the last one had 150/65, both at a mean of 93) was taken for the
// last one's line damped, and a forger's widening of it around the kept
// mean (146/66/93) for that damping cleared. The next patient's line is
// not the last one's: the widening is a step.
func TestArterialWidenedAfterBedTurnover35b(t *testing.T) {
	const step = 30 * time.Second
	admit := func(at time.Duration) string {
		return "I|ICU^BED1" + strings.Repeat("|", 42) + t0.Add(at).UTC().Format("20060102150405")
	}
	line := func(i int, s, d, m float64) msg {
		g := rand.New(rand.NewPCG(uint64(i), 35))
		n := func() float64 { return float64(g.IntN(2)) }
		r := msg{rows: []row{hr(num(80 + n())), pr(num(80 + n())), spo2(num(97 + n())), rr(num(16 + n())), temp("37.0")}}
		w := float64(rand.New(rand.NewPCG(uint64(i), 36)).IntN(3) - 1)
		r.rows = append(r.rows, artS(num(s+w)), artD(num(d+w)), artM(num(m+w)))
		r.pv1 = admit(-48 * time.Hour)
		return r
	}
	first := every(120, step, func(i int) msg { return line(i, 150, 65, 93) })
	last := first[len(first)-1].at
	next := func(forged bool) []tick {
		return then(first, 6*time.Minute, every(80, step, func(i int) msg {
			m := line(i+1000, 118, 80, 93)
			if forged && i >= 40 {
				m = line(i+1000, 146, 66, 93) // the pulse widened around the kept mean
			}
			m.pid, m.pidName, m.pv1 = "99999^^^H^MR", "ROE^RICHARD", admit(last+3*time.Minute)
			return m
		}))
	}
	checkRules(t, run(t, vitals.DefaultConfig(), next(false)))
	checkRules(t, run(t, vitals.DefaultConfig(), next(true)), "rate_of_change")
}

// TestArterialForgeryShapesBesideShutLine35b (review35b): the arterial
// forgery shapes lineShut, artConverted and zeroed could now hide, on an
// adult's line at 120/70 (a child's at 100/60, a hypotensive adult's at
// 85/50) with the oximeter counting the pulse. Pressures in kPa labelled
// mmHg are the line's levels converted however they are rounded (whole,
// truncated, one decimal), without a mean, for two messages, and below
// zeroedBelow (85/50 reads 11/7/8): reported. A flat triplet out of a
// waveform's order is reported. A spike or a step down to a flat triplet in
// a waveform's order is a line shut for sampling and hides: docs/vitals.md,
// "What still slips through" (no arterial pulse rate tells the two apart:
// the code table reads 149522 as the oximeter's pulse rate, and corpus6's
// clean beds hold flat lines for up to 48 messages).
func TestArterialForgeryShapesBesideShutLine35b(t *testing.T) {
	type triple struct{ s, d, m float64 }
	kpa := func(v float64) float64 { return math.Round(v / 7.50062) }
	flat := func(v triple) func(triple) triple { return func(triple) triple { return v } }
	relabel := func(v triple) triple { return triple{kpa(v.s), kpa(v.d), kpa(v.m)} }
	tests := []struct {
		name   string
		s0, d0 float64
		n      int  // forged messages
		noMean bool // the mean not sent in them
		edit   func(v triple) triple
		hides  bool
	}{
		{"child: kPa labelled mmHg", 100, 60, 40, false, relabel, false},
		{"hypotensive adult: kPa labelled mmHg, below zeroedBelow", 85, 50, 40, false, relabel, false},
		{"adult: kPa labelled mmHg, no mean", 120, 70, 40, true, relabel, false},
		{"adult: kPa labelled mmHg, truncated", 120, 70, 40, false, func(v triple) triple {
			return triple{math.Floor(v.s / 7.50062), math.Floor(v.d / 7.50062), math.Floor(v.m / 7.50062)}
		}, false},
		{"adult: kPa labelled mmHg, one decimal", 120, 70, 40, false, func(v triple) triple {
			return triple{math.Round(v.s/0.750062) / 10, math.Round(v.d/0.750062) / 10, math.Round(v.m/0.750062) / 10}
		}, false},
		{"adult: kPa labelled mmHg for two messages", 120, 70, 2, false, relabel, false},
		{"adult: flat triplet out of order (28/30/29), two messages", 120, 70, 2, false, flat(triple{28, 30, 29}), false},
		{"adult: spike to a flat 30/28/29, two messages (hides)", 120, 70, 2, false, flat(triple{30, 28, 29}), true},
		{"adult: step to a flat 60/57/58 (hides)", 120, 70, 40, false, flat(triple{60, 57, 58}), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(120, 10*sec, func(i int) msg {
				m := art(i, 80, tc.s0, tc.d0) // its pressures are rows 6-8
				if i >= 60 && i < 60+tc.n {
					var v triple
					for j, p := range []*float64{&v.s, &v.d, &v.m} {
						*p, _ = strconv.ParseFloat(m.rows[6+j].value, 64)
					}
					v = tc.edit(v)
					m.rows[6], m.rows[7], m.rows[8] = artS(num(v.s)), artD(num(v.d)), artM(num(v.m))
					if tc.noMean {
						m.rows = append(m.rows[:8], m.rows[9:]...)
					}
				}
				return m
			})
			n := 0
			for _, f := range run(t, vitals.DefaultConfig(), ticks) {
				if strings.Contains(f.Parameter, "ART") && f.Rule != "too_regular" && f.Rule != "frozen" && f.Rule != "replay_window" {
					t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(t0), f.Value, f.Other)
					n++
				}
			}
			if !tc.hides && n == 0 {
				t.Errorf("the forged arterial pressures were not reported")
			}
			if tc.hides && n > 0 {
				t.Errorf("the flat triplet was reported: a line shut for sampling no longer excuses it; update docs/vitals.md's \"What still slips through\"")
			}
		})
	}
}

// TestArterialShiftsWithoutWitness35 (session 35, c5art35): the two shapes
// left among corpus5's clean-bed arterial rate_of_change flags at main
// c6283bc stay reported on a line without a central venous row. (a) The
// three pressures moved by one amount in one message and back 30 min later:
// a transducer raised or lowered with nothing else on its holder (s3 m0058
// 786: 126/72/92 to 113/59/79), and a forged offset (corpus2's, corpus4's
// and corpus5's arterial steps: s1 m0055 3211, 100/53/71 to 141/89/108).
// (b) The three scaled by one factor in one message and back: the fifth
// generator's vasopressor condition ending (s1 m0032 136: 141/66/94 to
// 122/55/80, the heart rate steady) and a forged scaling or a drift snapped
// back. Nothing on such a bed tells them apart: no second transducer shares
// the holder, and a catecholamine's effect ends over minutes, not within a
// sample.
func TestArterialShiftsWithoutWitness35(t *testing.T) {
	tests := []struct {
		name string
		at   func(i int, d, v float64) msg
	}{
		{"one amount", func(i int, d, _ float64) msg { return artShifted(i, 80, d, d, d) }},
		{"one factor", func(i int, d, _ float64) msg {
			f := 1 + d/90
			return artShifted(i, 80, 120*f-120, 70*f-70, 90*f-90)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkHeightShift(t, tc.at, 0, true) })
	}
}

// TestPressureFallSampledAtMinute (session 38, wardart38): at a one-minute
// cadence a pressure falling over 90 s–2 min lands mostly in one message
// and ends in the next: a vasopressor syringe changed (−30/14/20 over 90 s,
// the heart rate up 6, back over 2 min after 3 min: two thirds of the fall
// in the first message) or a propofol bolus (−35/15/22 over 2 min, half in
// the first, back over 10 min). Main before it: rate_of_change on the
// arterial pressures (situations_test.go's pressor-syringe-swap on 13 of 20
// seeds, propofol-bolus on 6). The same fall written whole into one message
// and held, or a fall whose second message stays where the first put it,
// is still reported, as is a fall that begins with a quarter of it the
// message before (only the message after the first tells a ramp).
func TestPressureFallSampledAtMinute(t *testing.T) {
	tests := []struct {
		name      string
		ds, dd, m float64             // the fall's systolic, diastolic and mean
		heart     float64             // the heart rate's answer at the full fall
		share     func(i int) float64 // the share of the fall in message i after the line's first hour
		report    bool
	}{
		{"vasopressor syringe changed: 2/3, then all; back the same way 2 min later", -30, -14, -20, 6, func(i int) float64 {
			if i < 4 {
				return [...]float64{2.0 / 3, 1, 1, 2.0 / 3}[i]
			}
			return 0
		}, false},
		{"propofol bolus: 1/2, then all, back over 10 min", -35, -15, -22, -5, func(i int) float64 {
			switch {
			case i == 0:
				return 0.5
			case i < 5:
				return 1
			}
			return max(0, 1-float64(i-4)/10)
		}, false},
		{"forged: all in one message, held", -30, -14, -20, 0, func(i int) float64 { return b2f(i < 30) }, true},
		{"forged: all in one message, the next a tenth further", -30, -14, -20, 0, func(i int) float64 {
			return b2f(i < 30) * min(1.1, 1+0.1*float64(i))
		}, true},
		{"vasopressor syringe changed, its level forged back in one message 30 min later", -30, -14, -20, 6, func(i int) float64 {
			return [...]float64{2.0 / 3, 1}[min(i, 1)] * b2f(i < 30)
		}, true},
		{"a quarter the message before, the rest in one message, held", -30, -14, -20, 0, func(i int) float64 {
			return b2f(i < 30) // the quarter is in the line's last message before (below)
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pre := 0.0
			if strings.HasPrefix(tc.name, "a quarter") {
				pre = 0.25
			}
			base := every(60, time.Minute, func(i int) msg {
				f := pre * b2f(i == 59)
				return artFallen(i, 80, f*tc.ds, f*tc.dd, f*tc.m)
			})
			fall := every(60, time.Minute, func(i int) msg {
				f := tc.share(i)
				return artFallen(i+60, 80+f*tc.heart, f*tc.ds, f*tc.dd, f*tc.m)
			})
			fs := run(t, vitals.DefaultConfig(), then(base, time.Minute, fall))
			n := 0
			for _, f := range fs {
				t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(t0), f.Value, f.Other)
				if f.Rule == "rate_of_change" || f.Rule == "drift_return" {
					n++
				}
			}
			if tc.report && n == 0 {
				t.Errorf("the forged fall was not reported; rules fired %q", rulesOf(fs))
			}
			if !tc.report && n > 0 {
				t.Errorf("a fall over more than one sample at a one-minute cadence was reported; rules fired %q", rulesOf(fs))
			}
		})
	}
}

// artFallen is message i of a line at 120/70/90 moved by ds/dd/dm, the
// monitor's integers with a little noise, the heart rate h.
func artFallen(i int, h, ds, dd, dm float64) msg {
	m := vitalsAt(i, h, h, 96)
	n := float64(i%3 - 1)
	m.rows = append(m.rows, rr(wobble(16, i+3)), artS(num(math.Round(120+ds+n))), artD(num(math.Round(70+dd+float64((i/2)%3-1)))),
		artM(num(math.Round(90+dm+n))), temp("37.0"))
	return m
}

// TestRampSampledForgeries38 (review38): rampSampled excuses a change whose
// second message carried it on, at a cadence of 30 s or more, and rampBack
// the change's return. Neither may excuse what a forger writes more cheaply
// than a ramp over three messages: a level forged at a fast cadence whose
// second part arrives after the pressures were left out of the messages
// between (the line's cadence is the monitor's, not the gap's); a "return"
// after an excused fall that goes on past the level the fall left, to a
// forged level beyond it. Each is held to the end: only the step is judged
// (the systolic's; main reports each). Not here: a level written whole
// whose second message overshoots by a quarter and comes back, excused as
// a ramp; it costs a forger what three quarters and the rest cost (the
// excuse itself), and a sedation bolus's nadir and partial recovery has
// its shape (corpus6 training s1 m0018 61: mean 94, 81, 74, 80, 77; a
// rampHeld asking the third message to stay past the first's level
// reported it again).
func TestRampSampledForgeries38(t *testing.T) {
	const ds, dd, dm = -30, -14, -20
	tests := []struct {
		name  string
		step  time.Duration
		share func(i int) (float64, bool) // the share of the fall in message i after the first hour, and whether it carries the pressures
		from  int                         // the forged part begins at message from: findings before it do not count
	}{
		{"10 s: three quarters, the pressures left out for 20 s, the rest", 10 * time.Second, func(i int) (float64, bool) {
			switch {
			case i == 0:
				return 0.75, true
			case i < 3:
				return 0, false
			}
			return 1, true
		}, 0},
		{"60 s: a fall over three messages, its return on past the level it left by 80 % of it", time.Minute, func(i int) (float64, bool) {
			if i < 5 {
				return [...]float64{1.0 / 3, 2.0 / 3, 1, 1, 0.5}[i], true
			}
			return -0.8, true
		}, 5},
		{"60 s: an excused fall judged on its way back, its return on past the level it left by 80 % of it", time.Minute, func(i int) (float64, bool) {
			if i < 4 {
				return [...]float64{0.6, 1, 1, 0.5}[i], true
			}
			return -0.8, true
		}, 0}, // main reports the fall (abrupt on main), which holds the systolic's finding open over the level forged after
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := int(time.Hour / tc.step)
			base := every(n, tc.step, func(i int) msg { return artFallen(i, 80, 0, 0, 0) })
			fall := every(n, tc.step, func(i int) msg {
				f, ok := tc.share(i)
				if !ok {
					return vitalsAt(i+n, 80, 80, 96)
				}
				return artFallen(i+n, 80, f*ds, f*dd, f*dm)
			})
			fs := run(t, vitals.DefaultConfig(), then(base, tc.step, fall))
			from := time.Duration(n)*tc.step + time.Duration(tc.from)*tc.step
			k := 0
			for _, f := range fs {
				t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(t0), f.Value, f.Other)
				if f.Rule == "rate_of_change" && f.Parameter == "MDC_PRESS_BLD_ART_SYS" && f.ObservedAt.Sub(t0) >= from {
					k++
				}
			}
			if k == 0 {
				t.Errorf("the forged level was not reported; rules fired %q", rulesOf(fs))
			}
		})
	}
}
