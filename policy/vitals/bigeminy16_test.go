package vitals_test

import (
	"math"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestBigeminyFollows (session 16, c2recall16): a pulse rate at 40–65 % of
// the heart rate is a bigeminy's deficit only if it moves by that share of
// the heart rate's changes; one forged as the heart rate minus 38 follows
// them one for one. The genuine bigeminy, its pulse at 55 % of the same
// wandering heart rate, stays quiet.
func TestBigeminyFollows(t *testing.T) {
	learn := every(40, 30*sec, func(i int) msg { return vitalsAt(i, 80, 80, 96) })
	wander := func(i int) float64 { return math.Round(80 + 10*math.Sin(float64(i)/8)) }
	tests := []struct {
		name string
		more []tick
		want []string
	}{
		{"the pulse rate forged 38 below a wandering heart rate", every(60, 30*sec, func(i int) msg {
			return vitalsAt(i+1000, wander(i), wander(i)-38, 96)
		}), []string{"hr_pr_agreement"}},
		{"bigeminy: the pulse at 55 % of a wandering heart rate", every(60, 30*sec, func(i int) msg {
			return vitalsAt(i+1000, wander(i), math.Round(0.55*wander(i)), 96)
		}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []vitals.Finding
			for _, f := range run(t, vitals.DefaultConfig(), then(learn, 30*sec, tc.more)) {
				if f.Rule == "hr_pr_agreement" {
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}
