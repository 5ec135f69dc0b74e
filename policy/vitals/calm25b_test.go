package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestCalmWitnessAcrossSilence: the calm run's witness counts its own
// readings and moves across a silence of its own. A patient asleep, whose
// heart and breathing rates quieten together, whose breathing rate is
// missing for 5 minutes (the impedance leads off) while the heart rate's
// calm run goes on, stays quiet: the breathing rate came back as calm as it
// left (before the fix the silence zeroed the witness's counters under the
// heart rate's remembered start, and the wrapped difference witnessed it).
func TestCalmWitnessAcrossSilence(t *testing.T) {
	noise := func(i int) float64 { return rand.New(rand.NewPCG(uint64(i), 25)).NormFloat64() }
	bed := func(h, p, r float64, withRR bool) msg {
		rows := []row{hr(num(math.Round(h))), pr(num(math.Round(p))), spo2("97")}
		if withRR {
			rows = append(rows, rr(num(math.Round(r))))
		}
		return msg{rows: append(rows, temp("37.0"))}
	}
	awake := func(i int) msg { return bed(100+2.5*noise(i), 100+2.5*noise(i+7000), 16+1.5*noise(i+9000), true) }
	asleep := func(i int) msg {
		return bed(92+1.5*math.Sin(2*math.Pi*float64(i)/50)+0.5*noise(i), 92+0.5*noise(i+7000), 14.5+0.3*noise(i+9000), i < 10 || i >= 20)
	}
	fs := run(t, vitals.DefaultConfig(), then(every(150, 30*sec, awake), 30*sec, every(90, 30*sec, asleep)))
	for _, f := range fs {
		if f.Rule == "too_regular" && f.Parameter == "MDC_ECG_HEART_RATE" {
			checkRules(t, fs)
			t.Fatalf("too_regular on the heart rate of a patient asleep whose breathing rate was missing for 5 minutes: %+v", f)
		}
	}
}
