package vitals_test

import (
	"math/rand/v2"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// bigeminyBed returns 100 messages at 15 s of an adult in a bigeminy: the
// heart rate near 100 (±1), the SpO2 pulse rate at about half of it whose
// count moves by 15–25/min every third message (the
// premature beats' weak pulses counted or not), the saturation 95–96 and
// the breathing rate 16–18; messages 75–84 are passed to edit with their
// index from 75.
func bigeminyBed(edit func(i int, m *msg)) []tick {
	return every(100, 15*sec, func(i int) msg {
		r := rand.New(rand.NewPCG(uint64(i), 34))
		pulse := 50 + float64(r.IntN(6))
		if i%3 == 1 {
			pulse += 14 + float64(r.IntN(8)) // a run of sinus beats counted
		}
		m := msg{rows: []row{hr(num(100 + float64(r.IntN(3)))), pr(num(pulse)), spo2(num(95 + float64(r.IntN(2)))),
			rr(num(16 + float64(r.IntN(3)))), temp("37.0")}}
		if i >= 75 && i < 85 {
			edit(i-75, &m)
		}
		return m
	})
}

// TestSaturationSpikeInBigeminy34 (session 34, spike34, deficitSwitch): a
// saturation forged 34 points down for one 15 s message (96 → 62 → 95) in
// a bigeminy whose pulse rate, at about half the heart rate, switches its
// count by 20–30/min beside it while the heart rate keeps its level is a
// spike: the pulse count changing inside a sustained deficit is the
// rhythm, not a probe thrown by motion (corpus4 training seeds 3 m0051 and
// 4 m0001). Quiet: the bigeminy alone; the same dip with the pulse rate
// thrown above the heart rate (pulses no heart beat: the probe moved); the
// same dip with the heart rate thrown with it (a moving patient).
func TestSaturationSpikeInBigeminy34(t *testing.T) {
	dip := func(i int, m *msg) {
		switch i {
		case 5:
			m.rows[2] = spo2("62")
			m.rows[1] = pr("74")
		case 6:
			m.rows[1] = pr("50")
		}
	}
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		edit func(i int, m *msg)
		want []string
	}{
		{"the bigeminy alone", func(int, *msg) {}, nil},
		{"a dip with the pulse count switching", dip, []string{"spike"}},
		{"a dip with the pulse count switching at its return", func(i int, m *msg) {
			if i == 5 {
				m.rows[2] = spo2("62")
			}
			if i == 6 {
				m.rows[1] = pr("75")
			}
		}, []string{"spike"}},
		{"the pulse thrown above the heart", func(i int, m *msg) {
			dip(i, m)
			if i == 5 {
				m.rows[1] = pr("130")
			}
		}, nil},
		{"the heart rate thrown with it", func(i int, m *msg) {
			dip(i, m)
			if i == 5 {
				m.rows[0] = hr("125")
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, bigeminyBed(tc.edit)), tc.want...) })
	}
}
