package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestVentilatorSetRate: a mandatory-mode ventilator sets the breathing
// rate, an integer the monitor reads exactly, and a breath the patient
// triggers now and then lifts it for a message. The rate is held most of
// the time: it has no measurement noise to lose, as a paced heart rate has
// none (corpus2 training seeds 2 m0088, 7 m0093, at 1 s; main before
// session 16: too_regular on the first message of each triggered breath).
// A breathing rate that keeps moving without its noise still fires.
func TestVentilatorSetRate(t *testing.T) {
	const step = 5 * sec
	vitalsRR := func(i int, rate string) msg {
		return msg{rows: []row{hr(wobble(80, i)), pr(wobble(80, i+5)), spo2(wobble(96, i+7)), rr(rate)}}
	}
	spontaneous := every(200, step, func(i int) msg { return vitalsRR(i, wobble(16, i+3)) })
	tests := []struct {
		name string
		more []tick
		want []string
	}{
		{"ventilated at 12, a breath triggered every 25, later every 80 messages", every(600, step, func(i int) msg {
			rate := "12"
			if (i < 100 && i%25 == 24) || (i >= 100 && i%80 == 20) {
				rate = "13"
			}
			return vitalsRR(i+1000, rate)
		}), nil},
		{"a breathing rate moving every message along straight lines", every(120, step, func(i int) msg {
			return vitalsRR(i+1000, num(9+math.Abs(float64(i%30-15))))
		}), []string{"too_regular"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), then(spontaneous, step, tc.more)), tc.want...)
		})
	}
}
