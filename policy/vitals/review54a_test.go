package vitals_test

import (
	"testing"
)

// TestIntelliVueLabelsReview54a (session 54, review54a): a monitor with
// local numeric codes that labels its rows as IntelliVue does (SpO2, RR,
// ABPs/ABPd/ABPm, T1, etCO2 in OBX-3 component 2; HR read as before) has
// those channels read and judged on the default tables. Before, they were
// unknown codes: an impossible saturation, arterial pressure, temperature,
// breathing rate or end-tidal CO2 passed unseen (the seventh and eighth
// blind generators' local-code layouts, read only with a site's code table).
// Its ordinary readings stay quiet. Its pulse rate, labelled PR, was not
// read (PR is also the ECG's P-R interval); since pr54 it is, in a rate
// unit (TestPRLabelByUnit54).
func TestIntelliVueLabelsReview54a(t *testing.T) {
	// bed returns 20 minutes of messages 10 s apart, message i edited by
	// edit (nil: none).
	bed := func(edit func(i int, m *msg)) []tick {
		return every(120, 10*sec, func(i int) msg {
			m := msg{app: "LOCALMON", rows: []row{
				localRow("101", "HR", wobble(80, i), "bpm"),
				localRow("151", "PR", wobble(80, i+5), "bpm"),
				localRow("150", "SpO2", num(96+float64(i%2)), "%"),
				localRow("201", "RR", wobble(16, i+3), "rpm"),
				localRow("301", "ABPs", wobble(120, i+7), "mmHg"),
				localRow("302", "ABPd", wobble(70, i+7), "mmHg"),
				localRow("303", "ABPm", wobble(87, i+7), "mmHg"),
				localRow("401", "T1", "37.0", "Cel"),
				localRow("501", "etCO2", wobble(38, i+9), "mmHg"),
			}}
			if edit != nil {
				edit(i, &m)
			}
			return m
		})
	}
	checkCases(t, []ruleCase{
		{"the bed's ordinary readings", bed(nil), nil},
		{"a pulse rate of 400 labelled PR in bpm (read since pr54)", bed(at60("PR", "400", "")), []string{"range"}},
		{"a saturation of 120 %", bed(at60("SpO2", "120", "")), []string{"range"}},
		{"an arterial systolic of 400", bed(at60("ABPs", "400", "")), []string{"range"}},
		{"a temperature of 50 °C", bed(at60("T1", "50", "")), []string{"range"}},
		{"a breathing rate of 200", bed(at60("RR", "200", "")), []string{"range"}},
		{"an end-tidal CO2 of 200", bed(at60("etCO2", "200", "")), []string{"range"}},
	})
}
