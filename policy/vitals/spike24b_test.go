package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestDeepAdultDipNotVouched (session 24, spike24b): an adult's saturation
// forged from 97 to 26 for two 60 s messages, while the heart and pulse
// rates of an AF patient jump 20/min with it, is a spike (hl7load training
// seed 4 m0096: 97 to 26 and 39 in AF; seed 11 m0063: 95 to 25 in a
// bigeminy): no adult desaturates 70 points and recovers within three
// samples, whatever its heart did. Quiet: the same heart-rate response
// beside a dip of 30 points (a desaturation a heart answers), a neonate's
// bradycardia–desaturation to 50 with its heart rate falling 60/min, and the
// 70-point dip with the oximeter disturbed (its pulse rate jumping alone
// the message before: motion).
func TestDeepAdultDipNotVouched(t *testing.T) {
	adult := func(dip string, edit func(i int, m *msg)) []tick {
		return every(80, 60*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(88 + float64(i%3))), pr(num(87 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(16 + float64(i%2))), temp("37.0")}}
			if i == 60 || i == 61 {
				m.rows[0], m.rows[1], m.rows[2] = hr("110"), pr("108"), spo2(dip)
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
		{"70 points down, the heart with it", adult("26", nil), []string{"spike"}},
		{"30 points down, the heart with it", adult("67", nil), nil},
		{"70 points down, the oximeter jolted before it", adult("26", func(i int, m *msg) {
			if i == 59 {
				m.rows[1] = pr("130")
			}
		}), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, tc.tk), tc.want...) })
	}
	t.Run("a neonate's bradycardia-desaturation", func(t *testing.T) {
		neoCfg := vitals.DefaultConfig()
		neoCfg.Profile = "neonatal"
		checkRules(t, run(t, neoCfg, every(80, 30*sec, func(i int) msg {
			m := neo(i, 150, 94, 45)
			if i == 60 || i == 61 {
				m.rows[0], m.rows[1], m.rows[2] = hr("90"), pr("92"), spo2("50")
			}
			return m
		})))
	})
}
