package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestHeartRateBelowSteadyPulse27 (session 27, spike27, heartLeft): an ECG
// heart rate forged up and then far down for two messages (80 → 229 → 22 →
// 80 at 15 s) beside a pulse rate and a saturation that kept their levels
// is a spike: the pulse rate lay above the heart rate by more than
// pr_over_hr only because the heart rate fell beneath it, which tells of no
// disturbed oximeter (corpus4's blatant heart-rate spikes, training seeds 1
// m0090, 2 m0090, 9 m0001). Quiet: the same excursion with the pulse rate
// thrown with it (a moving patient), with the saturation thrown 8 down, and
// one two messages after the oximeter was jolted by itself.
func TestHeartRateBelowSteadyPulse27(t *testing.T) {
	ex := func(i int, m *msg) {
		switch i {
		case 5:
			m.rows[0] = hr("229")
		case 6:
			m.rows[0] = hr("22")
		}
	}
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		edit func(i int, m *msg)
		want []string
	}{
		{"the pulse and the saturation steady", ex, []string{"spike"}},
		{"the pulse thrown with it", func(i int, m *msg) {
			ex(i, m)
			if i == 6 {
				m.rows[1] = pr("120")
			}
		}, nil},
		{"the saturation thrown with it", func(i int, m *msg) {
			ex(i, m)
			if i == 6 {
				m.rows[2] = spo2("88")
			}
		}, nil},
		{"two messages after the oximeter was jolted", func(i int, m *msg) {
			ex(i, m)
			if i == 3 {
				m.rows[1] = pr("120")
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, calmBed(15*sec, tc.edit)), tc.want...) })
	}
}
