package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestTemperatureProbeBack: a skin probe that comes off reads the room,
// cooling by about a degree a minute toward 27-32 °C, and warms back to the
// patient's temperature within a minute or two when it is put back on
// (session 19, the third blind generator's temp_probe_off: main flagged the
// warming as rate_of_change and drift_return on 17 clean beds of training
// seeds 1-6). A temperature forged up from the patient's level, or warmed
// from the room's to well above the level it held, is still a step.
func TestTemperatureProbeBack(t *testing.T) {
	// bed returns an adult at a 60 s cadence whose temperature is 37.0 for
	// an hour, then temps, then 37.0 again.
	bed := func(temps ...string) []tick {
		return every(90+len(temps), time.Minute, func(i int) msg {
			m := normal(i)
			if k := i - 60; k >= 0 && k < len(temps) {
				m.rows[4] = temp(temps[k])
			}
			return m
		})
	}
	cooled := []string{"36.9", "36.0", "35.1", "34.2", "33.3", "32.4", "31.5", "30.6", "29.7", "28.8", "28.8", "28.8", "28.8", "28.8", "28.8", "28.8"}
	checkRuleCases(t, []ruleCase{
		{"probe off, cooling, put back on", bed(append(cooled, "34.8", "36.8")...), nil},
		{"probe off, warming in one message", bed(append(cooled, "37.0")...), nil},
		{"probe off, warming over three messages", bed(append(cooled, "33.5", "35.4", "37.0")...), nil},
		{"temperature forged up from the patient's level", bed("38.5", "38.5", "38.6", "38.5", "38.5", "38.6", "38.5", "38.5", "38.6", "38.5"), []string{"rate_of_change"}},
		{"probe off, then warmed to well above the level it held", bed(append(cooled, "39.5", "39.5", "39.5", "39.5", "39.5")...), []string{"drift_return", "rate_of_change"}},
		// Session 21 (probe21): a probe cooling by 1 °C a message or along a
		// decay (the fall slowing) is no step; a fall that holds its level,
		// also after two messages, or comes back, still is, and so is one
		// below any room's air (a Celsius value read as Fahrenheit).
		{"probe off, cooling 1 °C a message", bed("36.2", "35.2", "34.2", "33.2", "32.2", "31.2", "30.2", "29.2", "28.2", "27.5", "27.5", "27.5", "27.5", "27.5", "27.5", "27.5"), nil},
		{"probe off, cooling along a decay", bed("34.0", "32.1", "30.8", "29.9", "29.3", "28.9", "28.7", "28.6", "28.6", "28.6", "28.6", "28.6", "28.6", "28.6"), nil},
		{"temperature forged down to a level", bed("35.8", "35.8", "35.9", "35.8", "35.8", "35.9", "35.8", "35.8", "35.9", "35.8"), []string{"rate_of_change"}},
		{"temperature forged down in two messages", bed("35.9", "34.8", "34.8", "34.9", "34.8", "34.8", "34.9", "34.8", "34.8", "34.9"), []string{"rate_of_change"}},
		{"temperature forged down for one message", bed("35.5"), []string{"rate_of_change"}},
		{"temperature falling below any room's air", bed("15.0", "13.5", "12.0", "10.5", "9.0", "9.0", "9.0", "9.0", "9.0", "9.0"), []string{"rate_of_change"}},
	})
}

// TestFlushByDiastolic: a fast flush that fills most of the monitor's
// averaging window reads the bag's pressure as systolic, diastolic and mean
// a few mmHg apart, sometimes with the systolic below flushBelow (204/192/196,
// 198/190/193; session 19, the third blind generator's art_flush: main
// flagged spike, rate_of_change, bp_order and nibp_ibp_agreement on them).
// A hypertensive pressure forged up by 75 mmHg keeps its pulse
// (255/185/210) and is still a spike.
func TestFlushByDiastolic(t *testing.T) {
	bed := func(art [][3]string) []tick {
		return every(120, 10*sec, func(i int) msg {
			m := normal(i)
			s, d, mn := wobble(180, i+7), wobble(110, i+9), wobble(135, i+11)
			if k := i - 90; k >= 0 && k < len(art) {
				s, d, mn = art[k][0], art[k][1], art[k][2]
			}
			m.rows = append(m.rows, artS(s), artD(d), artM(mn))
			return m
		})
	}
	checkRuleCases(t, []ruleCase{
		{"fast flush below the bag's 200 mmHg", bed([][3]string{{"204", "192", "196"}, {"204", "191", "196"}, {"198", "190", "193"}, {"209", "207", "196"}, {"209", "207", "196"}}), nil},
		{"hypertensive pressure forged up by 75 mmHg", bed([][3]string{{"255", "185", "210"}, {"256", "184", "211"}}), []string{"spike"}},
	})
}

// checkRuleCases runs each case on the default configuration: the rules
// that fired are exactly its own (any number of findings each).
func checkRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...) })
	}
}
