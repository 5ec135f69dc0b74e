package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestStaircase23: too_regular (h) below a 20 s cadence, a staircase. A
// heart rate measured at 10 s (its own error, sd 2.5/min, the pulse rate
// counting the same beats with its own) replaced by a slow sinusoid rounded
// to whole beats climbs and falls one beat at a time and holds each value
// for about a minute: it is reported, as are an arterial systolic at 5 s
// replaced so (the line's mean and diastolic measured) and
// TestRoundedSlowCurve21's breathing-rate sinusoid at 10 s after four hours
// at 60 s (each value held 45 s). The same heart-rate sinusoid with the
// reading's error kept, a sleeping heart rate rising and falling over
// minutes with a small error (changing in most readings, hl7load's clean
// beds at 10 s), a rounded curve at 15 s holding each value 3 readings (fails
// without stairHold), one at 2 s holding each value 10 s, no longer than a
// monitor averages beats over (fails without stairTime), an arterial line
// whose readings never varied by a unit (learned roughness below one mmHg)
// waving as slowly (fails without stairRough), and a paced heart rate with
// intrinsic beats now and then stay quiet.
func TestStaircase23(t *testing.T) {
	noise := func(i int) float64 { return rand.New(rand.NewPCG(uint64(i), 23)).NormFloat64() }
	heart := func(i int, h float64) msg {
		return msg{rows: []row{hr(num(math.Round(h))), pr(num(math.Round(100 + 2.5*noise(i+7000)))), spo2("97"), rr(num(math.Round(16 + noise(i+9000)))), temp("37.0")}}
	}
	measuredHR := func(i int) msg { return heart(i, 100+2.5*noise(i)) }
	wave := func(i int, period float64) float64 { return 98.5 + 2.6*math.Sin(2*math.Pi*float64(i)/period) }
	line := func(i int, sys float64) msg {
		d := math.Round(60 + 2*noise(i+3000))
		return msg{rows: []row{hr(num(math.Round(90 + 2*noise(i+5000)))), pr(num(math.Round(90 + 2*noise(i+6000)))), spo2("97"),
			artS(num(math.Round(sys))), artD(num(d)), artM(num(math.Round(d + 0.4*(sys-d))))}}
	}
	breath := func(i int, r float64) msg {
		return msg{rows: []row{hr(num(math.Round(82 + 1.5*noise(i)))), spo2("97"), rr(num(math.Round(r))), temp("37.0")}}
	}
	for _, tc := range []struct {
		name   string
		lead   []tick
		step   time.Duration
		after  []tick
		param  string
		report bool
	}{
		{"a heart rate replaced by a slow sinusoid at 10 s", every(200, 10*sec, measuredHR), 10 * sec,
			every(300, 10*sec, func(i int) msg { return heart(i+200, wave(i, 60)) }), "MDC_ECG_HEART_RATE", true},
		{"an arterial systolic replaced by a slow sinusoid at 5 s", every(300, 5*sec, func(i int) msg { return line(i, 120+3*noise(i)) }), 5 * sec,
			every(600, 5*sec, func(i int) msg { return line(i+300, 120+4.4*math.Sin(2*math.Pi*float64(i)/160)) }), "MDC_PRESS_BLD_ART_SYS", true},
		{"a breathing rate's slow sinusoid at 10 s after 4 h at 60 s", every(240, 60*sec, func(i int) msg { return breath(i, 15+1.2*noise(i+5000)) }), 10 * sec,
			every(240, 10*sec, func(i int) msg { return breath(i+240, 15+3.5*math.Sin(2*math.Pi*float64(i)/54)) }), "MDC_RESP_RATE", true},
		{"the heart rate's sinusoid with the reading's error", every(200, 10*sec, measuredHR), 10 * sec,
			every(300, 10*sec, func(i int) msg { return heart(i+200, wave(i, 60)+noise(i+200)) }), "MDC_ECG_HEART_RATE", false},
		{"a sleeping heart rate rising and falling, changing in most readings", every(200, 10*sec, measuredHR), 10 * sec,
			every(300, 10*sec, func(i int) msg { return heart(i+200, 92+5*math.Sin(2*math.Pi*float64(i)/40)+0.3*noise(i+200)) }), "MDC_ECG_HEART_RATE", false},
		{"a rounded curve at 15 s, each value held 3 readings", every(200, 15*sec, measuredHR), 15 * sec,
			every(300, 15*sec, func(i int) msg { return heart(i+200, wave(i, 31.3)) }), "MDC_ECG_HEART_RATE", false},
		{"a rounded curve at 2 s, each value held 10 s", every(1000, 2*sec, measuredHR), 2 * sec,
			every(600, 2*sec, func(i int) msg { return heart(i+1000, wave(i, 50.3)) }), "MDC_ECG_HEART_RATE", false},
		{"an arterial line that never varied by a unit, waving slowly", nil, 5 * sec,
			every(900, 5*sec, func(i int) msg { return line(i, 120+4.4*math.Sin(2*math.Pi*float64(i)/160)) }), "MDC_PRESS_BLD_ART_SYS", false},
		{"a paced heart rate with intrinsic beats now and then", every(200, 10*sec, measuredHR), 10 * sec,
			every(300, 10*sec, func(i int) msg {
				h := 70.0
				if i%9 == 4 {
					h = 71 + float64(i%2)
				}
				return heart(i+200, h)
			}), "MDC_ECG_HEART_RATE", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), then(tc.lead, tc.step, tc.after))
			n := 0
			for _, f := range fs {
				if f.Rule == "too_regular" && f.Parameter == tc.param {
					n++
				}
			}
			if (n > 0) != tc.report {
				checkRules(t, fs)
				t.Errorf("%d too_regular findings on %s, want any: %v", n, tc.param, tc.report)
			}
		})
	}
}
