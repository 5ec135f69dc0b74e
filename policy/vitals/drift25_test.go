package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestDriftReturnCough25 (session 25, drift25): at a fast cadence a
// breathing rate's value that jumps and comes back in the next message is
// an impedance artefact (a cough, talking, the leads moved), no step of the
// patient's level; a trend that carries such values is still a ramp, and
// its return in one message is judged. A jump that the next value keeps, a
// jump at a minute's cadence, or one on a neonate still counts as a step.
func TestDriftReturnCough25(t *testing.T) {
	adult, neo := vitals.DefaultConfig(), vitals.DefaultConfig()
	neo.Profile = "neonatal"
	// A breathing rate at cadence step: an hour at 16/min, a creep to 28
	// over 25 min, back to 16 in one message; cough(i) adds to the rate
	// at the trend's message i.
	creep := func(step time.Duration, cough func(i int) float64) []tick {
		n := int(25 * time.Minute / step)
		learn := every(int(time.Hour/step), step, func(i int) msg { return patient(i, 80, 97, 16, 38) })
		return then(learn, step, every(n+int(5*time.Minute/step), step, func(i int) msg {
			if i >= n {
				return patient(i+5000, 80, 97, 16, 38)
			}
			return patient(i+5000, 80, 97, 16+12*ramp(i, n)+cough(i), 38)
		}))
	}
	// Every 5 min, from 2 min into the trend, one message 12/min up.
	spike := func(every int) func(i int) float64 {
		return func(i int) float64 {
			if i%every == every/2 {
				return 12
			}
			return 0
		}
	}
	held := func(every int) func(i int) float64 {
		return func(i int) float64 {
			if i%every == every/2 || i%every == every/2+1 {
				return 12
			}
			return 0
		}
	}
	tests := []struct {
		name  string
		cfg   vitals.Config
		ticks []tick
		want  []string
	}{
		{"15 s: the breathing rate creeps 16 → 28 with no cough, snaps back", adult, creep(15*time.Second, func(int) float64 { return 0 }), []string{"drift_return"}},
		{"15 s: the same with a one-message jump of 12 every 5 min, snaps back", adult, creep(15*time.Second, spike(20)), []string{"drift_return"}},
		{"30 s: the same with a one-message jump of 12 every 5 min, snaps back", adult, creep(30*time.Second, spike(10)), []string{"drift_return"}},
		{"15 s: the jumps are held for two messages (steps given back), snaps back", adult, creep(15*time.Second, held(20)), nil},
		{"60 s: a one-message jump of 12 every 5 min is a minute of breathing, snaps back", adult, creep(time.Minute, spike(5)), nil},
		{"15 s, a neonatal monitor: one-message jumps of 12 every 5 min, snaps back", neo, creep(15*time.Second, spike(20)), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []vitals.Finding
			for _, f := range run(t, tc.cfg, tc.ticks) {
				if f.Rule == "drift_return" {
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}
