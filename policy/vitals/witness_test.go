package vitals_test

import (
	"math"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestWitnessScatter: a heart rate held while the heart it should count
// keeps moving is frozen even when the heart wanders around the held value,
// so that the pulse rate's mean stays with it: the two sensors count the
// same beats, and the pulse rate now strays from the held value by far more
// than the pair's learned scatter, to either side. A pacing rate (a
// multiple of 5) and a rate at its floor get no exemption from this: a
// paced heart keeps the oximeter's count with it, within the pair's own
// scatter. A steady or paced rate whose pulse rate scatters around it as
// the pair always did stays quiet. At one message a minute and one every
// 10 s.
func TestWitnessScatter(t *testing.T) {
	// held is n messages with the heart rate held at v while the heart
	// swings by ±a around h (a sine of period 6 messages, whole beats per
	// minute), seen by the pulse rate with its sensor's noise.
	held := func(n int, v string, h, a float64) func(time.Duration) []tick {
		return func(d time.Duration) []tick {
			return every(n, d, func(i int) msg {
				m := vitalsAt(i+1000, h, h+math.Round(a*math.Sin(2*math.Pi*float64(i)/6)), 96)
				m.rows[0].value = v
				return m
			})
		}
	}
	tests := []struct {
		name string
		more func(time.Duration) []tick
		want []string
	}{
		{"held at a pacing rate while the heart swings ±15 around it", held(12, "120", 120, 15), []string{"frozen"}},
		{"held off the pacing rates while the heart swings ±15 around it", held(12, "121", 121, 15), []string{"frozen"}},
		{"paced at 120: the pulse rate with it, its sensor's noise only", held(12, "120", 120, 0), nil},
		{"steady at 121: the pulse rate scatters around it as it did", held(12, "121", 121, 0), nil},
		{"held for five messages only", held(5, "121", 121, 15), nil},
	}
	for _, d := range []time.Duration{60 * sec, 10 * sec} {
		for _, tc := range tests {
			t.Run(d.String()+" "+tc.name, func(t *testing.T) {
				learn := every(150, d, func(i int) msg { return vitalsAt(i, 120, 120, 96) })
				after := every(10, d, func(i int) msg { return vitalsAt(i+2000, 120, 120, 96) })
				checkRules(t, run(t, vitals.DefaultConfig(), then(then(learn, d, tc.more(d)), d, after)), tc.want...)
			})
		}
	}
}
