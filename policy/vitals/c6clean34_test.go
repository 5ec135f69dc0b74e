package vitals_test

import (
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestArterialLineShutForSampling34 (session 34, c6clean34): blood drawn
// from the arterial line turns its stopcock to the sampling port, and for a
// message or a few the transducer reads the closed circuit, a flat line at
// 20-40 mmHg (24/22/23 where the patient read 120/70/90), while the ECG and
// the oximeter count the heart on (corpus6 training s2 m0013: 122/71/91 to
// 24/22/23 for three messages at 15 s and back). Main before it: spike on
// the three pressures (two messages), rate_of_change (five), unit_mismatch
// when the flat line lands near the level divided by 7.5. A forged fall
// that keeps a pulse pressure, a flat line with no pulse counted by the
// oximeter, and a flat triplet out of a waveform's order (a systolic below
// its diastolic, corpus5 training s2 m0023's forged drift: 55/57/58) are
// still reported.
func TestArterialLineShutForSampling34(t *testing.T) {
	tests := []struct {
		name    string
		n       int     // messages of the excursion
		s, d, m float64 // its pressures
		noPulse bool    // the oximeter's pulse rate absent in them
		report  bool
	}{
		{"flat line for two messages, pulse counted", 2, 24, 22, 23, false, false},
		{"flat line for five messages, pulse counted", 5, 24, 22, 23, false, false},
		{"flat line at 36 for two messages, pulse counted", 2, 36, 34, 35, false, false},
		{"forged fall keeping a pulse pressure, two messages", 2, 60, 15, 30, false, true},
		{"forged fall keeping a pulse pressure, five messages", 5, 60, 15, 30, false, true},
		{"flat line with no pulse counted", 2, 24, 22, 23, true, true},
		{"flat line out of order: systolic forged onto the diastolic", 2, 55, 57, 58, false, true},
		{"flat line out of order for five messages", 5, 55, 57, 58, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(100, 10*sec, func(i int) msg {
				m := art(i, 80, 120, 70)
				if i >= 60 && i < 60+tc.n {
					m.rows[4], m.rows[5], m.rows[6] = artS(num(tc.s)), artD(num(tc.d)), artM(num(tc.m))
					if tc.noPulse {
						m.rows = append(m.rows[:1], m.rows[2:]...)
					}
				}
				return m
			})
			fs := run(t, vitals.DefaultConfig(), ticks)
			n := 0
			for _, f := range fs {
				t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(t0), f.Value, f.Other)
				if strings.Contains(f.Parameter, "ART") && (f.Rule == "spike" || f.Rule == "rate_of_change" || f.Rule == "unit_mismatch") {
					n++
				}
			}
			if tc.report && n == 0 {
				t.Errorf("the arterial excursion was not reported; rules fired %q", rulesOf(fs))
			}
			if !tc.report && n > 0 {
				t.Errorf("the line shut for sampling was reported; rules fired %q", rulesOf(fs))
			}
		})
	}
}
