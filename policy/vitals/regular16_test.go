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

// TestBigeminyPulsePressure: in a bigeminy every other beat is premature,
// with a small stroke volume, and a message's systolic and diastolic depend
// on which beats its window caught: the pulse pressure jumps by the rhythm.
// Learned there, it made the regular rhythm's pulse pressure look too smooth
// once the bigeminy ended (corpus2 training seeds 7 m0048, 10 m0146; main
// before session 16: too_regular on the systolic). Messages whose pulse rate
// is at a bigeminy's share of the heart rate no longer teach it. A pulse
// pressure that calms after a regular rhythm as rough still fires
// (TestPulsePressureSmooth's last case), and so does a smoothed line after a
// bigeminy, once the regular rhythm taught its own roughness.
func TestBigeminyPulsePressure(t *testing.T) {
	const step = 10 * sec
	vitalsArt := func(i int, pulse, s, d string) msg {
		return msg{rows: []row{hr(wobble(90, i)), pr(pulse), spo2(wobble(97, i+7)), rr(wobble(16, i+3)),
			artS(s), artD(d), artM(wobble(90, i+17))}}
	}
	erratic := func(i int) string { return num(125 + float64(rand.New(rand.NewPCG(uint64(i), 13)).IntN(31)-15)) }
	bigeminy := every(150, step, func(i int) msg { return vitalsArt(i, wobble(48, i+5), erratic(i), wobble(72, i+13)) })
	calm := every(200, step, func(i int) msg {
		return vitalsArt(i+1000, wobble(90, i+1005), quiet(118, i+1011), quiet(72, i+1013))
	})
	t.Run("a bigeminy ends, the regular rhythm's pulse pressure is calmer", func(t *testing.T) {
		checkRules(t, run(t, vitals.DefaultConfig(), then(bigeminy, step, calm)))
	})
	t.Run("after the bigeminy and a regular rhythm, the line is smoothed", func(t *testing.T) {
		curve := func(i int, base, amp float64) string { return num(math.Round(base + amp*math.Sin(float64(i)/2.5))) }
		smoothed := every(60, step, func(i int) msg {
			return vitalsArt(i+2000, wobble(90, i+2005), curve(i, 120, 6), curve(i, 72, 4))
		})
		checkRules(t, run(t, vitals.DefaultConfig(), then(then(bigeminy, step, calm), step, smoothed)), "too_regular")
	})
}
