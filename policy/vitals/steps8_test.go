package vitals_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// etco2 is an end-tidal CO2 row in mmHg.
func etco2(v string) row { return row{code: "151708", value: v, unit: "266016"} }

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

// TestTachycardiaInBigeminy: a tachycardia's onset during a bigeminy moves
// the pulse rate by about half as much as the heart rate (every other beat
// not perfused): the pulse followed the heart at its ratio. A heart rate
// forged up by 50 leaves the pulse rate where it was.
func TestTachycardiaInBigeminy(t *testing.T) {
	beats := func(i int, h float64) msg {
		return vitalsAt(i, h, float64(int(0.53*h)), 97)
	}
	before := every(40, 30*sec, func(i int) msg { return beats(i, 78) })
	tachy := then(before, 30*sec, every(16, 30*sec, func(i int) msg { return beats(i+40, 128) }))
	checkRules(t, run(t, vitals.DefaultConfig(), tachy))
	forged := then(before, 30*sec, every(16, 30*sec, func(i int) msg { return vitalsAt(i+40, 128, 41, 97) }))
	if fs := run(t, vitals.DefaultConfig(), forged); !slices.Contains(rulesOf(fs), "rate_of_change") {
		t.Errorf("a heart rate forged up by 50 in a bigeminy was not a step: %q", rulesOf(fs))
	}
}

// TestSpikeInMotionBurst: a breathing rate thrown to 44/min for one
// message next to a message in which the oximeter's pulse rate leaves the
// heart rate (motion) is part of the burst; the same spike in calm data is
// a spike.
func TestSpikeInMotionBurst(t *testing.T) {
	calm := func(i int) msg {
		m := normal(i)
		m.rows[3] = rr(num(14 + float64(i%2)))
		return m
	}
	before := every(60, 10*sec, calm)
	burst := then(before, 10*sec, every(10, 10*sec, func(i int) msg {
		m := calm(i + 100)
		switch i {
		case 1:
			m.rows[3] = rr("44")
		case 2:
			m.rows[1] = pr("20") // the oximeter's pulse rate thrown about
		case 3:
			m.rows[1] = pr("111")
		}
		return m
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), burst))
	spike := then(before, 10*sec, every(10, 10*sec, func(i int) msg {
		m := calm(i + 100)
		if i == 1 {
			m.rows[3] = rr("44")
		}
		return m
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), spike), "spike")
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
