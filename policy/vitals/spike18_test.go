package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestHeartRateHeldAboveThePulseRate (session 18, spike18): an ECG heart
// rate forged 38 bpm up for two messages at a 30 s cadence while the SpO2
// pulse rate, the saturation and the breathing rate stay where they were is
// a spike, although it is below the heart rate's usual spike floor (45):
// the pulse rate counting the same heart at its old pace rules out a
// detector's brief miscount (the second blind generator's subtle heart-rate
// spikes, corpus2 training seed 7 m0017). The genuine look-alikes stay
// quiet: a pulse deficit, the pulse rate falling below the heart rate
// (bigeminy, for two messages or for good) or lying below an irregular
// heart rate that bursts up (AF, whose own scatter sets its threshold);
// the same excursion with the oximeter thrown about (motion); and the same
// two messages 10 s apart, returning within the corroboration time.
func TestHeartRateHeldAboveThePulseRate(t *testing.T) {
	series := func(step time.Duration, base func(i int) msg, edit func(i int, m *msg)) []tick {
		return every(100, step, func(i int) msg {
			m := base(i)
			if i >= 75 && i < 85 {
				edit(i-75, &m)
			}
			return m
		})
	}
	calm := func(i int) msg {
		return msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
			rr(num(16 + float64(i%3))), temp("37.0")}}
	}
	atrial := func(i int) msg { return af(i, 110, 85) }
	forge := func(i int, m *msg) {
		if i == 5 || i == 6 {
			m.rows[0] = hr("118")
		}
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"the heart rate forged 38 up for two 30 s messages", series(30*sec, calm, forge), []string{"spike"}},
		{"bigeminy for two messages", series(30*sec, calm, func(i int, m *msg) {
			if i == 5 || i == 6 {
				m.rows[1] = pr("44")
			}
		}), nil},
		{"bigeminy from then on", series(30*sec, calm, func(i int, m *msg) {
			if i >= 5 {
				m.rows[1] = pr(num(44 + float64(i%2)))
			}
		}), nil},
		{"AF with a pulse deficit, the heart rate bursting up", series(30*sec, atrial, func(i int, m *msg) {
			if i == 5 || i == 6 {
				m.rows[0] = hr("150")
			}
		}), nil},
		{"motion", series(30*sec, calm, func(i int, m *msg) {
			if i == 5 || i == 6 {
				m.rows[0], m.rows[1], m.rows[2] = hr("118"), pr(num(140-80*float64(i-5))), spo2("88")
			}
		}), nil},
		{"two messages 10 s apart", series(10*sec, calm, forge), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []vitals.Finding
			for _, f := range run(t, vitals.DefaultConfig(), tc.ticks) {
				if f.Rule == "spike" {
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}
