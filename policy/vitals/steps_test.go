package vitals_test

import (
	"math"
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

// TestSpO2Spike: a saturation that drops for one message and returns, with
// no heart or breathing response, is a spike; a probe's slow desaturation
// is not.
func TestSpO2Spike(t *testing.T) {
	spike := then(baseline(), 10*sec, every(20, 10*sec, func(i int) msg {
		if i == 1 {
			return vitalsAt(i+300, 80, 80, 60)
		}
		return normal(i + 300)
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), spike), "spike")
}

// TestBigeminyUnderTachycardia: a pulse deficit that began with the pulse
// halving (bigeminy) stays allowed when the heart rate later climbs, while
// a heart rate that leaves a steady pulse behind is still caught.
func TestBigeminyUnderTachycardia(t *testing.T) {
	bigeminy := then(baseline(), 10*sec, every(60, 10*sec, func(i int) msg {
		h := 80 + 30*min(1, float64(max(0, i-20))/10) // tachycardia from the 20th message
		return vitalsAt(i+400, h, math.Round(0.55*h), 96)
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), bigeminy))
	alone := then(baseline(), 10*sec, every(30, 10*sec, func(i int) msg { return vitalsAt(i+400, 120, 80, 96) }))
	checkRules(t, run(t, vitals.DefaultConfig(), alone), "hr_pr_agreement", "rate_of_change")
}

// TestShortBedTurnover: a new patient admitted during a silence of a few
// minutes (PV1-44 inside it) is a bed turnover; the same identity change
// without the silence, or with an old admission time, is not.
func TestShortBedTurnover(t *testing.T) {
	admit := func(at time.Duration) string {
		return "I|ICU^BED1" + strings.Repeat("|", 42) + t0.Add(at).UTC().Format("20060102150405")
	}
	first := every(30, 10*sec, func(i int) msg { m := normal(i); m.pv1 = admit(-48 * time.Hour); return m })
	next := func(gap, admittedAt time.Duration) []tick {
		return then(first, gap, every(10, 10*sec, func(i int) msg {
			m := normal(i + 50)
			m.pid, m.pidName, m.pv1 = "99999^^^H^MR", "ROE^RICHARD", admit(admittedAt)
			return m
		}))
	}
	// The first list's last message is at 290 s.
	checkRules(t, run(t, vitals.DefaultConfig(), next(6*time.Minute, 290*sec+3*time.Minute)))
	checkRules(t, run(t, vitals.DefaultConfig(), next(10*sec, 295*sec)), "identity_patient")
	checkRules(t, run(t, vitals.DefaultConfig(), next(6*time.Minute, -5*time.Hour)), "identity_patient")
}

// TestPulseLockedToHeartRate: a pulse rate that is the heart rate minus
// the same number, message after message, is derived from it, even where
// its ratio looks like a bigeminy's (PR 55 % of HR); a genuine bigeminy's
// pulse follows the heart rate in proportion, with its own noise.
func TestPulseLockedToHeartRate(t *testing.T) {
	locked := then(baseline(), 10*sec, every(30, 10*sec, func(i int) msg {
		h := 100 + float64(i%4)
		return msg{rows: []row{hr(num(h)), pr(num(h - 45)), spo2("96"), rr(wobble(16, i)), temp("37.0")}}
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), locked), "hr_pr_agreement")
	bigeminy := then(baseline(), 10*sec, every(30, 10*sec, func(i int) msg {
		h := 100 + float64(i%4)
		return msg{rows: []row{hr(num(h)), pr(wobble(math.Round(0.55*h), i+9)), spo2("96"), rr(wobble(16, i)), temp("37.0")}}
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), bigeminy))
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

// TestDeficitOutsideItsAllowanceOnce: a long bigeminy (pulse at ~58 % of
// the heart rate) with one beat counted outside the ratio, and an AF
// deficit that exceeds its allowance for one message, are allowed
// disagreements that did not persist outside the allowance; motion that
// throws the oximeter's pulse rate above and below the heart rate while the
// saturation dips is the oximeter disturbed. A pulse rate held 20 below a
// steady heart rate for minutes is caught.
func TestDeficitOutsideItsAllowanceOnce(t *testing.T) {
	odd := every(80, 10*sec, func(i int) msg {
		m := msg{rows: []row{hr(wobble(140, i)), pr(wobble(82, i+5)), spo2(wobble(92, i+2)), rr(wobble(40, i)), temp("37.0")}}
		if i == 65 {
			m.rows[1] = pr("106") // 76 % of the heart rate: one beat outside the bigeminy ratio
		}
		return m
	})
	checkRules(t, run(t, vitals.DefaultConfig(), odd))
	inAF := then(every(40, 10*sec, func(i int) msg { return af(i, 120, 100) }), 10*sec, every(3, 10*sec, func(i int) msg {
		m := af(i+40, 120, 100)
		if i == 1 {
			m.rows[0], m.rows[1] = hr("151"), pr("99") // a deficit of 52 for one message
		}
		return m
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), inAF))
	motion := then(baseline(), 60*sec, every(8, 60*sec, func(i int) msg {
		pulse := []float64{100, 62, 98, 104}
		if i < len(pulse) {
			return vitalsAt(i+700, 80, pulse[i], 84)
		}
		return normal(i + 700)
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), motion))
	forged := then(baseline(), 10*sec, every(30, 10*sec, func(i int) msg { return vitalsAt(i+800, 80, 60, 96) }))
	checkRules(t, run(t, vitals.DefaultConfig(), forged), "hr_pr_agreement")
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
