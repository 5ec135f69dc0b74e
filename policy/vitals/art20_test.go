package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestArterialDamping20: a line that becomes over-damped for twenty minutes
// and is flushed clear again moves the systolic down and the diastolic up
// around a mean that stays, in one message each way: no step and no box of
// the patient's pressure (corpus3 training, e.g. seed 3 m0030, seed 7
// m0053; main: rate_of_change on the systolic at the start, or a box at
// the end). A systolic forged on its own, or with the diastolic pulled the
// other way but the mean moved with it, is still a step.
func TestArterialDamping20(t *testing.T) {
	const step = 30 * time.Second
	plain := func(i int) msg { return withArt(patient(i, 80, 97, 16, 38), i, 120, 70, 87) }
	learn := every(120, step, plain)
	// 10 messages at the patient's level, f for 40 (20 min), 20 after it.
	held := func(f func(i int) msg) []tick {
		return then(learn, step, every(70, step, func(i int) msg {
			if i < 10 || i >= 50 {
				return plain(i + 1000)
			}
			return f(i + 1000)
		}))
	}
	// damped over-damps the line by k (0 to 1): the systolic under-reads
	// by 35 % of the pulse pressure, the diastolic over-reads by 15 %, the
	// mean stays.
	damped := func(k float64) func(i int) msg {
		return func(i int) msg { return withArt(patient(i, 80, 97, 16, 38), i, 120-0.35*k*50, 70+0.15*k*50, 87) }
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"over-damped (120/70/87 to 102/78/87) for 20 min, then flushed clear", held(damped(1)), nil},
		{"over-damped by less (110/74/87: a box's size, below a step's) for 20 min, then flushed clear", held(damped(0.6)), nil},
		{"systolic forged up by 25 alone for 20 min", held(func(i int) msg {
			return withArt(patient(i, 80, 97, 16, 38), i, 145, 70, 87)
		}), []string{"rate_of_change"}},
		// review20: a widening from a line that never narrowed is no damping clearing.
		{"systolic forged up by 30, the diastolic down by 8, the mean kept", held(func(i int) msg {
			return withArt(patient(i, 80, 97, 16, 38), i, 150, 62, 87)
		}), []string{"rate_of_change"}},
		{"systolic forged down by 20, the diastolic up by 6 and the mean down by 7", held(func(i int) msg {
			return withArt(patient(i, 80, 97, 16, 38), i, 100, 76, 80)
		}), []string{"rate_of_change"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...)
		})
	}
}
