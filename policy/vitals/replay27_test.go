package vitals_test

import (
	"strconv"
	"testing"
)

// shiftedCopy returns a copy of a message with the heart and pulse rate
// raised by 6, the breathing rate by 2 and the arterial mean lowered by 5,
// and a jitter of ±1 over every value (jittered): a stretch copied from
// earlier and moved off its own levels, so that no value lies within the
// near replay's tolerance of its original.
func shiftedCopy(m msg, i int) msg {
	m = jittered(m, i)
	shift := map[string]float64{"147842": 6, "149530": 6, "151562": 2, "150035": -5}
	rows := make([]row, len(m.rows))
	copy(rows, m.rows)
	for j := range rows {
		if d, ok := shift[rows[j].code]; ok {
			if v, err := strconv.ParseFloat(rows[j].value, 64); err == nil {
				rows[j].value = num(v + d)
			}
		}
	}
	m.rows = rows
	return m
}

// TestShiftedReplay: a stretch copied from an hour earlier with each
// channel moved by its own constant (heart rate +6, breathing +2, arterial
// mean −5) and a jitter of ±1 matches nothing within the tolerance, yet
// every rise and fall of four channels repeats the original's (corpus4
// training seed 1 m0023, 12.7 min copied from 35.7 min earlier, heart rate
// +5 and arterial mean +4; seed 7 m0069). A patient wandering for 3 h
// unreplayed is quiet at 10 s and at 30 s.
func TestShiftedReplay(t *testing.T) {
	checkReplayCases(t, wandering, shiftedCopy, []replayCase{
		{"10 s, lag 400", 10 * sec, 700, 400, 80, []string{"replay_window"}},
		{"15 s, lag 150", 15 * sec, 400, 150, 50, []string{"replay_window"}},
		{"30 s, lag 120", 30 * sec, 300, 120, 30, []string{"replay_window"}},
		{"10 s, 3 h unreplayed", 10 * sec, 1080, 0, 0, nil},
		{"30 s, 3 h unreplayed", 30 * sec, 360, 0, 0, nil},
	})
}
