package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestPulseRateFarAboveHeartRate (session 26, spike26, pulseFar): the SpO2
// pulse rate forged 120 up for one or two messages, 90 or more above the ECG
// heart rate in each, while the saturation, the heart rate and every other
// channel stay within their scatter after an undisturbed oximeter, is a
// spike however brief (corpus2's blatant pulse-rate spikes, training seeds 3
// m0010: 88 → 199 → 85 for one 30 s message; 5 m0117 one 15 s message; 6
// m0121 two 5 s messages in AF; 8 m0021 a neonate, 141 → 239 → 133 at
// 10 s). Quiet: a rise of 70 above the heart rate for one message (a moving
// finger miscounted; the three generators' clean beds read up to 73 above
// it), a rise 120 up that throws the saturation 8 points with it (motion),
// one the heart rate follows half-way (the leads moved too), and one three
// messages after the oximeter was jolted.
func TestPulseRateFarAboveHeartRate(t *testing.T) {
	series := calmBed
	up := func(v string, n int) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i >= 5 && i < 5+n {
				m.rows[1] = pr(v)
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
		{"one message at 30 s", 30 * sec, up("200", 1), []string{"spike"}},
		{"one message at 10 s", 10 * sec, up("200", 1), []string{"spike"}},
		{"two messages at 5 s", 5 * sec, up("205", 2), []string{"spike"}},
		{"70 above the heart rate", 30 * sec, up("150", 1), nil},
		{"the saturation thrown with it", 30 * sec, func(i int, m *msg) {
			if i == 5 {
				m.rows[1], m.rows[2] = pr("200"), spo2("88")
			}
		}, nil},
		{"the heart rate following half-way", 30 * sec, func(i int, m *msg) {
			if i == 5 {
				m.rows[0], m.rows[1] = hr("140"), pr("200")
			}
		}, nil},
		{"three messages after the oximeter was jolted", 30 * sec, func(i int, m *msg) {
			switch i {
			case 2:
				m.rows[1] = pr("120")
			case 5:
				m.rows[1] = pr("200")
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, series(tc.step, tc.edit)), tc.want...) })
	}
}

// TestHeartRateRoseAfterLeadIn (review25b's evasion, fixed in session 26,
// spike26, ledAlone): a heart rate forged above a pulse rate that kept the
// heart's level (beatsAdded) with one lead-in message 13 up, within
// hr_pr_agreement's deficit of the pulse, then 34 up for two messages at 30 s
// and back (80 → 93 → 114 × 2 → 80, the pulse at 80 throughout), is a
// spike: the lead-in is the ECG's alone too. Quiet: the same heart rate with
// the pulse following the lead-in (80 → 90) before staying behind, a heart
// climbing as a patient moves (hl7load training seed 48 m0062).
func TestHeartRateRoseAfterLeadIn(t *testing.T) {
	series := func(lead string) []tick {
		return every(100, 30*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(16 + float64(i%3))), temp("37.0")}}
			switch i {
			case 79:
				m.rows[0], m.rows[1] = hr("93"), pr(lead)
			case 80, 81:
				m.rows[0], m.rows[1] = hr("114"), pr("80")
			}
			return m
		})
	}
	cfg := vitals.DefaultConfig()
	t.Run("the pulse staying through the lead-in", func(t *testing.T) { checkRules(t, run(t, cfg, series("80")), "spike") })
	t.Run("the pulse following the lead-in", func(t *testing.T) { checkRules(t, run(t, cfg, series("90"))) })
}
