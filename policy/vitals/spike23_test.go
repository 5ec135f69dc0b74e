package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestBreathingRateZeroBesideCapnograph (session 23, spike23): a breathing
// rate forged to 0 for one or two messages, from a settled 14/min, while the
// capnograph keeps reading the same end-tidal CO2 and every other channel
// stays within its scatter, is a spike (the third blind generator's blatant
// breathing-rate spikes, corpus3 training seeds 3 m0052, 7 m0139, 8 m0105,
// 9 m0048: 10–18/min to 0 for one 10–60 s message). A falling breathing rate
// is otherwise not judged (shallow breaths and pauses are missed by
// impedance); here the capnograph measured the breaths the rate says
// stopped. Quiet: the same 0 with the capnograph gone or near 0 (an open
// circuit, suction), with no capnograph on the bed (an apnoea no second
// sensor contradicts), with the etCO2 falling 8 mmHg with it (a real pause
// the capnograph saw), with the oximeter off (a probe off: nothing tells a
// patient moving from a calm one), three messages after the oximeter was
// jolted (motion settling), and with the heart rate 15 up in it (a change of state).
func TestBreathingRateZeroBesideCapnograph(t *testing.T) {
	series := func(step time.Duration, edit func(i int, m *msg)) []tick {
		return every(100, step, func(i int) msg {
			m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(14 + float64(i%2))), etco2(num(38 + float64(i%2))), temp("37.0")}}
			if i >= 75 && i < 85 {
				edit(i-75, &m)
			}
			return m
		})
	}
	at5 := func(set func(m *msg)) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i == 5 {
				set(m)
			}
		}
	}
	zero := at5(func(m *msg) { m.rows[3] = rr("0") })
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		step time.Duration
		edit func(i int, m *msg)
		want []string
	}{
		{"0 for one message at 10 s", 10 * sec, zero, []string{"spike"}},
		{"0 for one message at 60 s", 60 * sec, zero, []string{"spike"}},
		{"0 for two messages at 15 s", 15 * sec, func(i int, m *msg) {
			if i == 5 || i == 6 {
				m.rows[3] = rr("0")
			}
		}, []string{"spike"}},
		{"an open circuit: etCO2 near 0", 10 * sec, at5(func(m *msg) { m.rows[3], m.rows[4] = rr("0"), etco2("2") }), nil},
		{"the capnograph gone", 10 * sec, at5(func(m *msg) {
			m.rows[3] = rr("0")
			m.rows = append(m.rows[:4], m.rows[5:]...)
		}), nil},
		{"a real pause: etCO2 falling 8 mmHg with it", 10 * sec, at5(func(m *msg) { m.rows[3], m.rows[4] = rr("0"), etco2("30") }), nil},
		{"the oximeter off", 10 * sec, at5(func(m *msg) { m.rows = []row{hr("81"), rr("0"), etco2("38"), temp("37.0")} }), nil},
		{"three messages after the oximeter was jolted", 10 * sec, func(i int, m *msg) {
			switch i {
			case 2:
				m.rows[1] = pr("110")
			case 5:
				m.rows[3] = rr("0")
			}
		}, nil},
		{"the heart rate 15 up with it", 10 * sec, at5(func(m *msg) { m.rows[0], m.rows[1], m.rows[3] = hr("96"), pr("96"), rr("0") }), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, series(tc.step, tc.edit)), tc.want...) })
	}
	t.Run("no capnograph on the bed", func(t *testing.T) {
		checkRules(t, run(t, cfg, every(100, 10*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(14 + float64(i%2))), temp("37.0")}}
			if i == 80 {
				m.rows[3] = rr("0")
			}
			return m
		})))
	})
}
