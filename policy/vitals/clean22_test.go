package vitals_test

import (
	"testing"
	"time"
)

// withLine adds an arterial line reading sys/dia/mean, moving by a 1 mmHg
// step from message to message, to every message of ts.
func withLine(ts []tick, sys, dia, mean float64) []tick {
	out := make([]tick, len(ts))
	for i, t := range ts {
		j := float64(i % 3)
		m := t.m
		m.rows = append(append([]row(nil), m.rows...), artS(num(sys+j)), artD(num(dia+j)), artM(num(mean+j)))
		out[i] = tick{t.at, m}
	}
	return out
}

// TestCuffMeanOnLine22 (session 22, clean22): an oscillometric cuff measures
// the mean (the cuff pressure of the largest oscillation) and derives its
// systolic and diastolic from it by ratios that vary with the artery's
// compliance and the pulse pressure. The third blind generator's clean adult
// and paediatric beds with an arterial line reported cuff readings whose
// form factor (MAP−DIA)/PP lay outside [0.15, 0.75] while the cuff's mean
// sat within 6 mmHg of the line's in the same message (s2 m0088 message 375:
// 113/79, mean 84, the line 108/73, mean 84; s8 m0087 message 214: 73/41,
// mean 67, the line 85/48, mean 64): the mean the device measures is the
// patient's, and map_formula's window stays quiet. A forged cuff mean (the
// generators move it by 12–18 mmHg) leaves the line's mean behind and is
// still reported, as is a reading outside the window with no line.
func TestCuffMeanOnLine22(t *testing.T) {
	same := func(s, d, m float64) func(k int) [3]float64 {
		return func(k int) [3]float64 { j := float64(k % 3); return [3]float64{s + j, d + j, m + j} }
	}
	// settled gives the bed's first four readings another shape: a low
	// form factor is judged against the bed's own (cuffForm, session 27).
	settled := func(first, then func(k int) [3]float64) func(k int) [3]float64 {
		return func(k int) [3]float64 {
			if k < 4 {
				return first(k)
			}
			return then(k)
		}
	}
	every5 := schedule(5*time.Minute, 0, 0, 0, 40*time.Minute)
	low := cuffReadings("", 40*time.Minute, every5, settled(same(104, 70, 84), same(113, 79, 84)))   // form factor 0.41, then 0.15 less a step
	high := cuffReadings("", 40*time.Minute, every5, same(73, 41, 67))                               // 0.81
	moved := cuffReadings("", 40*time.Minute, every5, settled(same(118, 80, 95), same(118, 80, 84))) // 0.39, then 0.11
	tests := []ruleCase{
		{"a cuff mean low in its pulse on the line's mean", withLine(low, 108, 73, 84), nil},
		{"a cuff mean high in its pulse 3 above the line's", withLine(high, 85, 48, 64), nil},
		{"a cuff mean low in its pulse, no line", low, []string{"map_formula"}},
		{"a cuff mean 16 under the line's", withLine(moved, 125, 82, 100), []string{"map_formula"}},
		{"a cuff mean 9 above the line's", withLine(high, 82, 45, 58), []string{"map_formula"}},
	}
	checkCases(t, tests)
}
