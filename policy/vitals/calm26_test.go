package vitals_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestCalmLine26: too_regular (j) judges an arterial line's three pressures
// together (lineCalm). A line read once a minute (each pressure with its own
// reading error, sd 2 mmHg: no pressure alone moves by less than two units for
// 20 readings improbably enough) replaced for 20 minutes by a slow curve
// rounded to whole mmHg moves by at most a unit a reading in all three at
// once, while the heart, pulse and breathing rates keep moving as they did:
// it is reported. A patient sedated, whose pressures and breathing rate
// quieten together, stays quiet (the witness), and so does a line whose
// readings keep their error.
func TestCalmLine26(t *testing.T) {
	noise := func(i int) float64 { return rand.New(rand.NewPCG(uint64(i), 26)).NormFloat64() }
	bed := func(i int, rate, s, d, m float64) msg {
		return msg{rows: []row{hr(num(math.Round(80 + 2.5*noise(i)))), pr(num(math.Round(80 + 2.5*noise(i+7000)))), spo2("97"),
			rr(num(math.Round(rate))), temp("37.0"),
			artS(num(math.Round(s))), artD(num(math.Round(d))), artM(num(math.Round(m)))}}
	}
	breath := func(i int) float64 { return 16 + 1.5*noise(i+9000) }
	measured := func(i int) msg {
		return bed(i, breath(i), 120+2*noise(i+1000), 65+2*noise(i+2000), 85+2*noise(i+3000))
	}
	wave := func(i int) float64 { return 1.6 * math.Sin(2*math.Pi*float64(i)/20) }
	for _, tc := range []struct {
		name   string
		after  func(i int) msg
		report bool
	}{
		{"a line replaced by a slow curve", func(i int) msg { return bed(i, breath(i), 120.4+wave(i), 65.4+wave(i+3), 85.4+wave(i+6)) }, true},
		{"a patient sedated, pressures and breathing quiet together", func(i int) msg {
			return bed(i, 14.4+0.3*noise(i+9000), 120.4+wave(i), 65.4+wave(i+3), 85.4+wave(i+6))
		}, false},
		{"a measured line", measured, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), then(every(150, time.Minute, measured), time.Minute, every(20, time.Minute, tc.after)))
			n := 0
			for _, f := range fs {
				if f.Rule == "too_regular" && strings.HasPrefix(f.Parameter, "MDC_PRESS_BLD_ART") {
					n++
				}
			}
			if (n > 0) != tc.report {
				checkRules(t, fs)
				t.Errorf("%d too_regular findings on the arterial line, want any: %v", n, tc.report)
			}
		})
	}
}
