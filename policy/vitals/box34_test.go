package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestTemperatureLasting34: a temperature moved half a degree or more in one
// message onto a level it keeps with its own scatter for half an hour, with
// no other channel moving, is reported without its return (tempLasts;
// corpus3 training: −0.7 and −0.8 °C forged to the end of the stay on seeds
// 1, 3 and 4). Quiet: the same fall with the heart rate falling with it in
// the same message (a fever breaking: the heart follows the core
// temperature), the fall reached over four messages (a body cooling), and a
// fall held only 20 minutes before the reading comes back slowly.
func TestTemperatureLasting34(t *testing.T) {
	const step = 30 * time.Second
	for _, tc := range []struct {
		name string
		// the temperature and heart rate at message k after the learning
		// hour (k < 0 before it); the messages run to 100 after it
		level func(k int) (temp, heart float64)
		want  []string
	}{
		{"37.0 → 36.3 in one message, held 50 min", func(k int) (float64, float64) {
			if k >= 0 {
				return 36.3, 80
			}
			return 37, 80
		}, []string{"rate_of_change"}},
		{"37.0 → 37.7 in one message, held 50 min", func(k int) (float64, float64) {
			if k >= 0 {
				return 37.7, 80
			}
			return 37, 80
		}, []string{"rate_of_change"}},
		{"37.0 → 36.3 with the heart rate 80 → 68 in the same message", func(k int) (float64, float64) {
			if k >= 0 {
				return 36.3, 68
			}
			return 37, 80
		}, nil},
		{"37.0 → 36.3 over four messages, held", func(k int) (float64, float64) {
			return 37 - 0.7*ramp(k+1, 4), 80
		}, nil},
		{"37.0 → 36.3 in one message, held 20 min, back over 10 min", func(k int) (float64, float64) {
			switch {
			case k < 0:
				return 37, 80
			case k < 40:
				return 36.3, 80
			}
			return 36.3 + 0.7*ramp(k-40, 20), 80
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(220, step, func(i int) msg {
				tv, h := tc.level(i - 120)
				return withTemp(patient(i, h, 97, 16, 38), i, tv)
			})
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "rate_of_change"), tc.want...)
		})
	}
}
