package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestHeartRateRoseAbovePulse (session 25, spike25b, beatsAdded): the ECG
// heart rate forged 33 up for one to three messages, in one jump from its
// level, while the SpO2 pulse rate stays at the heart's level and every other
// channel within its scatter, for at least 15 s from its first message to
// its return (riseLag; pulseLag before spike25 shortened that for falls), is
// a spike below the heart rate's spike scale (45):
// the second blind generator's subtle heart-rate spikes, corpus2 training
// seeds 1 m0066 (+29 for 3 × 10 s) and 7 m0017 (+36 for 2 × 60 s); also
// when it comes back to a pulse rate that moved on a little meanwhile, to
// 12 above the level it left (5 m0106, a neonate whose heart rate wanders
// by 10 in its sleep: the pulse, not the old level, is its reference). A heart
// that speeds up is counted by both sensors; the mirror of spike21's fall
// (TestPulseRateHeldAboveTheHeartRate). Quiet: a rise the pulse rate shares
// (a heart changing pace), one message at 10 s (10 s to the return: the
// oximeter averages over that long), a heart rate already climbing the
// message before (a patient moving, hl7load training seed 48 m0062), a
// pulse already at a bigeminy's deficit below the heart, the same rise with
// the breathing rate moving with it, and three messages after the oximeter
// was jolted.
func TestHeartRateRoseAbovePulse(t *testing.T) {
	series := calmBed
	up := func(n int) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i >= 5 && i < 5+n {
				m.rows[0] = hr(num(114 + float64(i%2)))
			}
		}
	}
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		step time.Duration
		edit func(i int, m *msg)
		want []string
	}{
		{"one message at 30 s", 30 * sec, up(1), []string{"spike"}},
		{"two messages at 60 s", 60 * sec, up(2), []string{"spike"}},
		{"three messages at 10 s", 10 * sec, up(3), []string{"spike"}},
		{"back to a pulse rate that moved on", 30 * sec, func(i int, m *msg) {
			switch i {
			case 5, 6:
				m.rows[0], m.rows[1] = hr("114"), pr(num(84+3*float64(i-5)))
			case 7, 8, 9:
				m.rows[0], m.rows[1] = hr("90"), pr("90")
			}
		}, []string{"spike"}},
		{"one message at 10 s", 10 * sec, up(1), nil},
		{"the pulse rate rising with it", 30 * sec, func(i int, m *msg) {
			if i == 5 || i == 6 {
				m.rows[0], m.rows[1] = hr("114"), pr("112")
			}
		}, nil},
		{"already climbing the message before", 30 * sec, func(i int, m *msg) {
			switch i {
			case 4:
				m.rows[0], m.rows[1] = hr("93"), pr("92")
			case 5:
				m.rows[0] = hr("114")
			}
		}, nil},
		{"the breathing rate moving with it", 30 * sec, func(i int, m *msg) {
			if i == 5 || i == 6 {
				m.rows[0], m.rows[3] = hr("114"), rr("28")
			}
		}, nil},
		{"three messages after the oximeter was jolted", 30 * sec, func(i int, m *msg) {
			switch i {
			case 2:
				m.rows[1] = pr("120")
			case 5, 6:
				m.rows[0] = hr("114")
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, series(tc.step, tc.edit)), tc.want...) })
	}
	t.Run("a bigeminy's pulse below the heart", func(t *testing.T) {
		checkRules(t, run(t, cfg, every(100, 30*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(44 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(16 + float64(i%3))), temp("37.0")}}
			if i == 80 || i == 81 {
				m.rows[0] = hr("114")
			}
			return m
		})))
	})
}
