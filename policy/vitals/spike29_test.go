package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestSaturationDipBesideStillPulses29 (session 29, spike29, stillDip): an
// adult's saturation forged 9–10 points down for one or two messages while
// the ECG heart rate and the SpO2 pulse rate keep their levels and no other
// channel moves is a spike (corpus4 training seed 2 m0114, 97 → 88 → 97 at
// 5 s; 9 m0115, 94 → 82 → 94 at 10 s; 3 m0031, 95 → 84, 85 → 93 at 60 s).
// Quiet: the same dip with the heart and pulse rates 12/min up (suction, a
// cough: the heart answers), with the pulse rate thrown the message before
// (motion), on a neonate (apnoea of prematurity), and a dip of 6 (below the
// saturation's scale).
func TestSaturationDipBesideStillPulses29(t *testing.T) {
	bed := func(step int, dip []string, edit func(i int, m *msg)) []tick {
		return every(80, time.Duration(step)*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(78 + float64(i%3))), pr(num(77 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(15 + float64(i%2))), temp("37.0")}}
			if k := i - 60; k >= 0 && k < len(dip) {
				m.rows[2] = spo2(dip[k])
			}
			if edit != nil {
				edit(i, &m)
			}
			return m
		})
	}
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		tk   []tick
		want []string
	}{
		{"one 5 s message 9 down", bed(5, []string{"87"}, nil), []string{"spike"}},
		{"one 10 s message 12 down", bed(10, []string{"84"}, nil), []string{"spike"}},
		{"two 60 s messages 11 down", bed(60, []string{"85", "86"}, nil), []string{"spike"}},
		{"the heart and pulse answering", bed(10, []string{"84"}, func(i int, m *msg) {
			if i == 60 {
				m.rows[0], m.rows[1] = hr("91"), pr("90")
			}
		}), nil},
		{"the oximeter jolted before it", bed(10, []string{"84"}, func(i int, m *msg) {
			if i == 59 {
				m.rows[1] = pr("110")
			}
		}), nil},
		{"6 down", bed(10, []string{"90"}, nil), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, tc.tk), tc.want...) })
	}
	t.Run("a neonate's desaturation", func(t *testing.T) {
		neoCfg := vitals.DefaultConfig()
		neoCfg.Profile = "neonatal"
		checkRules(t, run(t, neoCfg, every(80, 10*sec, func(i int) msg {
			m := neo(i, 150, 94, 45)
			if i == 60 {
				m.rows[2] = spo2("80")
			}
			return m
		})))
	})
}
