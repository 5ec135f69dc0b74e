package vitals_test

import (
	"math/rand/v2"
	"testing"
)

// TestBreathingRateCountsBeatsOnGrid27 (session 27, rr27): impedance
// pneumography counts the chest's impedance swings, and when a sedated
// patient breathes slowly and shallowly the heartbeat's own swing is what it
// counts for a message or a few: the breathing rate reads the heart's
// (60-72 beside a heart rate of 66-80, from 3-9), then falls back. A monitor
// that counts breaths over a fixed window and scales the count to a minute
// reports every rate on a grid (over 20 s, multiples of 3), and so does its
// count of heartbeats. Quiet: such a count on the grid the monitor kept, one
// message or three, at the heart rate or a little under it. Still flagged:
// the same value on a monitor whose rates keep no grid (a forged spike at
// the heart's rate cannot be told from a count there), a value off the
// grid (67 beside a heart rate of 70: no count of this monitor's), and a
// rate on the grid from 15 (no shallow breathing to lose).
func TestBreathingRateCountsBeatsOnGrid27(t *testing.T) {
	series := func(base float64, step float64, edit func(i int, m *msg)) []tick {
		r := rand.New(rand.NewPCG(27, 3))
		return every(100, 15*sec, func(i int) msg {
			h := 68 + float64(r.IntN(3))
			m := msg{rows: []row{hr(num(h)), pr(num(h + float64(r.IntN(3)-1))), spo2(num(95 + float64(r.IntN(2)))),
				rr(num(base + step*float64(r.IntN(3)))), temp("37.0")}}
			if i >= 75 && i < 85 {
				edit(i-75, &m)
			}
			return m
		})
	}
	at := func(v string, from, to int) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i >= from && i < to {
				m.rows[3] = rr(v)
			}
		}
	}
	tests := []ruleCase{
		{"a count of heartbeats on the grid of 3 for a message", series(3, 3, at("66", 5, 6)), nil},
		{"a count of heartbeats on the grid of 3 for three messages", series(3, 3, at("60", 5, 8)), nil},
		{"the same rate on a monitor with no grid", series(5, 1, at("66", 5, 6)), []string{"spike"}},
		// and off the grid the monitor kept, too_regular (session 33, TestBreathingRateOffItsGrid33)
		{"a rate off the grid at the heart rate", series(3, 3, at("67", 5, 6)), []string{"spike", "too_regular"}},
		{"a rate on the grid at the heart rate from 15", series(15, 3, at("66", 5, 6)), []string{"spike"}},
	}
	checkCases(t, tests)
}
