package vitals_test

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// shiftedCopy returns a copy of a message with the heart and pulse rate
// raised by 6, the breathing rate by 2 and the arterial mean lowered by 5,
// and a jitter of ±1 over every value (jittered): a stretch copied from
// earlier and moved off its own levels, so that no value lies within the
// near replay's tolerance of its original.
func shiftedCopy(m msg, i int) msg {
	return shifted(jittered(m, i), i)
}

// shifted returns a copy of a message with the heart and pulse rate raised
// by 6, the breathing rate by 2 and the arterial mean lowered by 5.
func shifted(m msg, _ int) msg {
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

// ambling returns n messages of a patient moving less than wandering's:
// heart rate and arterial mean by up to 3 from one message to the next,
// saturation and breathing rate by up to 1.
func ambling(seed uint64, n int) []msg {
	return walk(rand.New(rand.NewPCG(seed, 27)), n, walkBounds{start: [4]int{80, 96, 16, 85}, lo: [4]int{60, 92, 10, 70}, hi: [4]int{110, 99, 24, 100}})
}

// TestShiftedReplaySlow: at 30 s a run of 12 remembered messages is a
// replay, but 12 of a patient moving a little do not move enough to tell
// a copy from chance; a shifted copy (here without jitter), like a copy at
// the levels (run), is followed back up to 20 messages, which do (corpus4 training seed 5
// m0029, 19 min copied from 55 min earlier at 30 s; seed 2 m0074). The
// same patient unreplayed for 3 h is quiet.
func TestShiftedReplaySlow(t *testing.T) {
	checkReplayCases(t, ambling, shifted, []replayCase{
		{"30 s, lag 110", 30 * sec, 300, 110, 40, []string{"replay_window"}},
		{"30 s, 3 h unreplayed", 30 * sec, 360, 0, 0, nil},
	})
}
