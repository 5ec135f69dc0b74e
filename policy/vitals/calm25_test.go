package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestCalmRun25: too_regular (j), the calm run. A heart rate measured at
// 30 s (its own error, sd 2.5/min; the pulse rate counting the same beats
// with its own, the breathing rate with its own) replaced for 30 minutes by a
// slow sinusoid (a period of 20 minutes, too few changes for (h)) rounded to whole beats moves by at most a beat a reading,
// which its readings before never did for long, while the breathing rate keeps
// moving as it did: it is reported. A patient falling asleep, whose heart and
// breathing rates quieten together (fails without the witness), and a
// patient in AF whose breathing rate quietens in sleep while the irregular
// heart rate stays rough (fails without the AF clause) stay quiet, and so
// does the sinusoid at 10 s (below curveCadence).
func TestCalmRun25(t *testing.T) {
	noise := func(i int) float64 { return rand.New(rand.NewPCG(uint64(i), 25)).NormFloat64() }
	bed := func(h, p, r float64) msg {
		return msg{rows: []row{hr(num(math.Round(h))), pr(num(math.Round(p))), spo2("97"), rr(num(math.Round(r))), temp("37.0")}}
	}
	awake := func(i int) msg { return bed(100+2.5*noise(i), 100+2.5*noise(i+7000), 16+1.5*noise(i+9000)) }
	wave := func(i int) float64 { return 99.5 + 2.6*math.Sin(2*math.Pi*float64(i)/40) }
	for _, tc := range []struct {
		name   string
		step   time.Duration
		after  func(i int) msg
		param  string
		report bool
	}{
		{"a heart rate replaced by a slow sinusoid at 30 s", 30 * sec,
			func(i int) msg { return bed(wave(i), 100+2.5*noise(i+7000), 16+1.5*noise(i+9000)) }, "MDC_ECG_HEART_RATE", true},
		{"a patient asleep, heart and breathing rates quiet together", 30 * sec,
			func(i int) msg {
				return bed(92+1.5*math.Sin(2*math.Pi*float64(i)/50)+0.5*noise(i), 92+0.5*noise(i+7000), 14.5+0.3*noise(i+9000))
			}, "MDC_ECG_HEART_RATE", false},
		{"AF ending in a calm sinus rhythm", 30 * sec,
			func(i int) msg {
				return bed(85+1.5*math.Sin(2*math.Pi*float64(i)/50)+0.4*noise(i), 85+0.4*noise(i+7000), 16+1.5*noise(i+9000))
			}, "MDC_ECG_HEART_RATE", false},
		{"the sinusoid at 10 s", 10 * sec,
			func(i int) msg { return bed(wave(i/3), 100+2.5*noise(i+7000), 16+1.5*noise(i+9000)) }, "MDC_ECG_HEART_RATE", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lead := every(150, tc.step, awake)
			if tc.name == "AF ending in a calm sinus rhythm" {
				lead = every(150, tc.step, func(i int) msg { return bed(100+12*noise(i), 95+12*noise(i+7000), 16+1.5*noise(i+9000)) })
			}
			fs := run(t, vitals.DefaultConfig(), then(lead, tc.step, every(60, tc.step, tc.after)))
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
