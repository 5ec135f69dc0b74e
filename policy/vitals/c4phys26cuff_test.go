package vitals_test

import (
	"testing"
	"time"
)

// TestCuffMeanLow26 (session 26, c4phys26): an oscillometric cuff measures
// the mean (the cuff pressure of the largest oscillation) and derives the
// systolic and diastolic from it by the algorithm's ratios, so an adult's
// measured mean may sit low in its pulse: the fourth blind generator's
// clean adult cuffs (seeds 1 and 6) reported form factors (MAP−DIA)/PP down
// to 0.05 (c4 s6 m0065: 143/84, mean 87; s1 m0011: 122/78, mean 82), which
// the adult window's 0.15 flagged 40 times on clean beds. A mean one mmHg
// above its diastolic at a pulse pressure of 35-49 (form factor 0.02-0.03,
// the third generator's forged cuff means, c3 s1 m0081, s5 m0118) is no
// measurement and is still flagged.
func TestCuffMeanLow26(t *testing.T) {
	varying := func(s, d, m float64) func(k int) [3]float64 {
		return func(k int) [3]float64 { j := float64(k % 3); return [3]float64{s + j, d + j, m + j} } // one shape, new values
	}
	every5 := schedule(5*time.Minute, 0, 0, 0, 40*time.Minute)
	tests := []ruleCase{
		{"an adult's mean 4 above its diastolic at a pulse pressure of 44", cuffReadings("", 40*time.Minute, every5, varying(122, 78, 82)), nil},
		{"an adult's mean 3 above its diastolic at a pulse pressure of 59", cuffReadings("", 40*time.Minute, every5, varying(143, 84, 87)), nil},
		{"an adult's mean 4 above its diastolic at a pulse pressure of 30", cuffReadings("", 40*time.Minute, every5, varying(68, 38, 42)), nil},
		{"a shocked adult's mean 3 above its diastolic", cuffReadings("", 40*time.Minute, every5, varying(86, 39, 42)), nil},
		{"an adult's mean 1 above its diastolic at a pulse pressure of 49", cuffReadings("", 40*time.Minute, every5, varying(116, 67, 68)), []string{"map_formula"}},
		{"an adult's mean 1 above its diastolic at a pulse pressure of 35", cuffReadings("", 40*time.Minute, every5, varying(87, 52, 53)), []string{"map_formula"}},
		{"an adult's mean on its diastolic", cuffReadings("", 40*time.Minute, every5, varying(120, 70, 70)), []string{"map_formula"}},
	}
	checkCases(t, tests)
}
