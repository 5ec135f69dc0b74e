package vitals_test

import (
	"testing"
	"time"

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

// TestHeartRateUpDownUp27 (session 27, spike27, exUp): an ECG heart rate
// forged 48 up, 68 down and 50 up over three 5 s messages and back (80 →
// 128 → 12 → 130 → 80) beside a steady pulse rate and saturation is a
// spike: its furthest value is the fall, but a brief fall (beats the ECG
// lost) does not explain the rises beside it (corpus4 training seed 1
// m0042: 142 → 207 → 18 → 235 → 141). Quiet: the same with the pulse rate
// rising with the heart rate (a related channel that moved vouches for it).
func TestHeartRateUpDownUp27(t *testing.T) {
	seq := func(vs ...string) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i >= 5 && i < 5+len(vs) {
				m.rows[0] = hr(vs[i-5])
			}
		}
	}
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		step time.Duration
		edit func(i int, m *msg)
		want []string
	}{
		{"up, down and up at 5 s", 5 * sec, seq("128", "12", "130"), []string{"spike"}},
		{"the pulse rate rising with it", 5 * sec, func(i int, m *msg) {
			seq("128", "12", "130")(i, m)
			if i == 5 || i == 7 {
				m.rows[1] = pr("140")
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, calmBed(tc.step, tc.edit)), tc.want...) })
	}
}
