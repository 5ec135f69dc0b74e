package vitals_test

import (
	"testing"
)

// TestBreathingRateCountsBeats26 (session 26, c4phys26): impedance
// pneumography counts the chest's impedance swings, and when a sedated
// patient breathes slowly and shallowly (6-8 a minute) the heartbeat's own
// swing is what it counts for a message or a few: the breathing rate reads
// the heart's (the fourth blind generator's sedated and opioid beds, seeds
// 1, 2, 6, 7: 66 beside a heart rate of 65, 54 beside 60, 72 beside 80,
// then back to 4-8), which main flagged as spikes and steps on clean beds.
// Quiet: such a reading, one message or three, at the heart rate or a
// little under it. Still flagged: the same rate from a breathing rate of 16
// (no shallow breathing to lose) or from 12-14 (corpus2 s4 m0006: a
// forged 62 beside a paced 60 on a ventilator's 12), and a rate of 40 from
// 6 beside a heart rate of 62 (no count of the heart's), and 43 then 54
// beside a heart rate of 58-60 a minute apart, from 11 (the excursion begun
// by a rate that was not the heart's: hl7load s4 m0138's forged spike).
func TestBreathingRateCountsBeats26(t *testing.T) {
	series := func(base float64, edit func(i int, m *msg)) []tick {
		return every(100, 10*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(62 + float64(i%3))), pr(num(62 + float64((i+1)%3))), spo2(num(95 + float64(i%2))),
				rr(num(base + float64(i%3))), temp("37.0")}}
			if i >= 75 && i < 85 {
				edit(i-75, &m)
			}
			return m
		})
	}
	slow := func(edit func(i int, m *msg)) []tick { // hl7load's cadence of 60 s, a level of 11
		return every(100, 60*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(58 + float64(i%3))), pr(num(58 + float64((i+1)%3))), spo2(num(97 + float64(i%2))),
				rr(num(11 + float64(i%2))), temp("37.0")}}
			if i >= 75 && i < 85 {
				edit(i-75, &m)
			}
			return m
		})
	}
	tests := []ruleCase{
		{"a sedated patient's rate at the heart rate for a message", series(6, func(i int, m *msg) {
			if i == 5 {
				m.rows[3] = rr("63")
			}
		}), nil},
		{"a sedated patient's rate a little under the heart rate for three messages", series(6, func(i int, m *msg) {
			if i >= 5 && i < 8 {
				m.rows[3] = rr("54")
			}
		}), nil},
		{"a rate at the heart rate from 16", series(16, func(i int, m *msg) {
			if i == 5 {
				m.rows[3] = rr("63")
			}
		}), []string{"spike"}},
		{"a rate at the heart rate from a ventilator's 12", series(12, func(i int, m *msg) {
			if i == 5 {
				m.rows[3] = rr("63")
			}
		}), []string{"spike"}},
		{"a sedated patient's rate of 43, then 54 beside a heart rate of 62, a minute apart", slow(func(i int, m *msg) {
			switch i {
			case 5:
				m.rows[3] = rr("43")
			case 6:
				m.rows[3] = rr("54")
			}
		}), []string{"spike"}},
		{"a sedated patient's rate of 40 beside a heart rate of 62", series(6, func(i int, m *msg) {
			if i == 5 {
				m.rows[3] = rr("40")
			}
		}), []string{"spike"}},
	}
	checkCases(t, tests)
}
