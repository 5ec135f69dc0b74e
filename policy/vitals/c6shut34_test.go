package vitals_test

import (
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestArterialKPaLabelledMmHgIsNoShutLine34 (session 34, c6shut34): an
// arterial line at 118/75/92 whose pressures are then written in kPa and
// labelled mmHg reads 15.7/10.0/12.3: flat within lineArtefact's band, in a
// waveform's order, beside a counted pulse, as a line shut for sampling
// reads (and above zeroedBelow, so no zeroing). c6clean34's lineShut took it for one and left it unjudged (corpus3
// held-out, three unit_mislabel episodes lost). The values are the line's
// own levels divided by 7.5 (kPa), a relabel, and must be reported; the
// closed circuit's flat line (24/22/23, 14/13/13 beside the same line)
// bears no such ratio and stays quiet.
func TestArterialKPaLabelledMmHgIsNoShutLine34(t *testing.T) {
	tests := []struct {
		name    string
		n       int     // messages of the excursion
		s, d, m float64 // its pressures
		report  bool
	}{
		{"kPa labelled mmHg for five messages", 5, 15.7, 10.0, 12.3, true},
		{"kPa labelled mmHg to the end", 40, 15.7, 10.0, 12.3, true},
		{"kPa labelled mmHg, whole numbers, to the end", 40, 16, 10, 12, true},
		{"shut line for two messages", 2, 24, 22, 23, false},
		{"shut line for five messages", 5, 24, 22, 23, false},
		{"shut line at the systolic in kPa, three messages", 3, 16, 15, 15, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(100, 10*sec, func(i int) msg {
				m := art(i, 80, 118, 75)
				if i >= 60 && i < 60+tc.n {
					w := float64(i % 2) // the line's beat-to-beat variation, so no freeze
					if tc.s != float64(int(tc.s)) {
						w *= 0.1
					}
					m.rows[4], m.rows[5], m.rows[6] = artS(num(tc.s+w)), artD(num(tc.d)), artM(num(tc.m+w))
				}
				return m
			})
			fs := run(t, vitals.DefaultConfig(), ticks)
			n := 0
			for _, f := range fs {
				t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(t0), f.Value, f.Other)
				if strings.Contains(f.Parameter, "ART") && (f.Rule == "spike" || f.Rule == "rate_of_change" || f.Rule == "unit_mismatch" || f.Rule == "step") {
					n++
				}
			}
			if tc.report && n == 0 {
				t.Errorf("the arterial pressures in kPa labelled mmHg were not reported; rules fired %q", rulesOf(fs))
			}
			if !tc.report && n > 0 {
				t.Errorf("the line shut for sampling was reported; rules fired %q", rulesOf(fs))
			}
		})
	}
}
