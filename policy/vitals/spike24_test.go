package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestSaturationDipAsThePulseDeficitCloses (session 24, spike24): a
// saturation forged 21 points down for one message, two messages after a
// bigeminy ended (the SpO2 pulse rate rising from half the heart rate onto
// it while the heart rate kept its pace), is a spike: the pulse rate that
// left its baseline only to count every beat the ECG counts again is no
// witness of motion or of a patient answering (the third blind generator's
// corpus3 training seed 2 m0030; seed 4 m0106 and hl7load seed 4 m0096 are
// the same in AF, the pulse rate within 1-3 of the heart rate in the dip's
// message). Quiet: the pulse rate still 10 short of the heart rate (a
// deficit that did not close vouches as before), the heart and pulse rates
// 15 up together with the dip (the heart changed pace), and the dip in the
// message the bigeminy ends (a pulse rate jumping alone is read as the
// probe disturbed, as before).
func TestSaturationDipAsThePulseDeficitCloses(t *testing.T) {
	series := func(edit func(i int, m *msg)) []tick {
		return every(100, 20*sec, func(i int) msg {
			h := 88 + float64(i%3)
			p := 45 + float64((i+1)%3) // bigeminy: every other beat fills no artery
			if i >= 80 {
				p = 88 + float64((i+1)%3) // it ends: the oximeter counts every beat
			}
			m := msg{rows: []row{hr(num(h)), pr(num(p)), spo2(num(97 + float64(i%2))),
				rr(num(14 + float64(i%2))), temp("37.0")}}
			edit(i, &m)
			return m
		})
	}
	dipAt := func(k int, more func(m *msg)) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i == k {
				m.rows[2] = spo2("76")
				more(m)
			}
		}
	}
	same := func(*msg) {}
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		edit func(i int, m *msg)
		want []string
	}{
		{"two messages after the bigeminy ended", dipAt(82, same), []string{"spike"}},
		{"the pulse rate still 10 short of the heart rate", func(i int, m *msg) {
			if i >= 80 {
				m.rows[1] = pr(num(78 + float64((i+1)%3)))
			}
			dipAt(82, same)(i, m)
		}, nil},
		{"the heart and pulse rates 15 up with it", dipAt(82, func(m *msg) { m.rows[0], m.rows[1] = hr("104"), pr("104") }), nil},
		{"in the message the bigeminy ends", dipAt(80, same), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, series(tc.edit)), tc.want...) })
	}
}
