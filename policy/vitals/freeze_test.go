package vitals_test

import (
	"math"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestWitnessedFreeze: a heart or pulse rate held for fewer messages than a
// freeze needs alone is frozen when the same heart counted by the other
// sensor left the held value; a steady rate whose witness stays around it
// is not. A heart rate held at a pacing rate (a multiple of 5) or at its own
// floor is exempt from a freeze only while the pulse rate, which counts the
// same paced beats, stays with it (a pacemaker paces the heart both sensors
// see): held while the pulse rate moves away, it is frozen however long the
// run; held with the pulse rate around it, it is paced. The same at one
// message a minute and one every 10 s.
func TestWitnessedFreeze(t *testing.T) {
	// held is n messages of a patient at heart rate h and pulse rate p,
	// with the heart rate (row 0) or the pulse rate (row 1) held at v.
	held := func(n, row int, v string, h, p float64) func(time.Duration) []tick {
		return func(d time.Duration) []tick {
			return every(n, d, func(i int) msg {
				m := vitalsAt(i+1000, h, p, 96)
				m.rows[row].value = v
				return m
			})
		}
	}
	tests := []struct {
		name string
		more func(time.Duration) []tick
		want []string
	}{
		{"heart rate held while the pulse rate falls 8 below it", held(9, 0, "121", 120, 112), []string{"frozen"}},
		{"pulse rate held while the heart rate rises 8 above it", held(9, 1, "121", 129, 120), []string{"frozen"}},
		{"steady heart rate, the pulse rate scatters around it", held(9, 0, "121", 120, 121), nil},
		{"steady pulse rate, the heart rate scatters around it", held(9, 1, "121", 121, 120), nil},
		{"heart rate held for five messages only", held(5, 0, "121", 120, 112), nil},
		{"held at a pacing rate while the pulse rate climbs 8 above it", held(12, 0, "120", 120, 128), []string{"frozen"}},
		{"held at its floor while the pulse rate climbs 8 above it", held(12, 0, "117", 120, 125), []string{"frozen"}},
		{"paced: held at a pacing rate, the pulse rate with it", held(12, 0, "120", 120, 120), nil},
		{"paced at its floor, the pulse rate with it", held(12, 0, "117", 120, 117), nil},
	}
	for _, d := range []time.Duration{60 * sec, 10 * sec} {
		for _, tc := range tests {
			t.Run(d.String()+" "+tc.name, func(t *testing.T) {
				learn := every(150, d, func(i int) msg { return vitalsAt(i, 120, 120, 96) })
				// The patient as before follows, so a finding must come
				// from the held stretch.
				after := every(10, d, func(i int) msg { return vitalsAt(i+2000, 120, 120, 96) })
				checkRules(t, run(t, vitals.DefaultConfig(), then(then(learn, d, tc.more(d)), d, after)), tc.want...)
			})
		}
	}
}

// TestPeriodicHeartRate: a heart rate drawn from a periodic curve (a sine of
// 16 bpm peak to peak every 3 min, sampled every 10 s, its pulse rate
// computed the same way) repeats itself exactly and is too regular;
// measured rates that move as much do not repeat, nor does a paced rate
// with an intrinsic beat now and then.
func TestPeriodicHeartRate(t *testing.T) {
	learn := every(60, 10*sec, func(i int) msg { return vitalsAt(i, 80, 80, 96) })
	sine := func(i int, shift float64) string {
		return num(math.Round(80 + shift + 8*math.Sin(2*math.Pi*(float64(i)*10+shift)/180)))
	}
	tests := []struct {
		name string
		more []tick
		want []string
	}{
		{"heart and pulse rate from one periodic curve", every(60, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(sine(i, 0)), pr(sine(i, -2)), spo2(wobble(96, i+1007)), rr(wobble(16, i+1003))}}
		}), []string{"too_regular"}},
		{"measured rates swinging as much", every(60, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(80+8*math.Sin(float64(i)/3), i+1000)), pr(wobble(80+8*math.Sin(float64(i)/3), i+1005)), spo2(wobble(96, i+1007)), rr(wobble(16, i+1003))}}
		}), nil},
		{"paced at 70 with an intrinsic beat every 9th message", every(60, 10*sec, func(i int) msg {
			h := "70"
			if i%9 == 4 {
				h = "76"
			}
			return msg{rows: []row{hr(h), pr(wobble(70, i+1005)), spo2(wobble(96, i+1007)), rr(wobble(16, i+1003))}}
		}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), then(learn, 10*sec, tc.more)), tc.want...)
		})
	}
}
