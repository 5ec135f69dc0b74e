package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestLocalCodes26: Spacelabs-style exports code every row locally
// (coding system SL: HR, SPO2-R, SPO2-%, RESP, ART-S, NIBP-S, CO2-EX,
// TEMP1) with plain units (bpm, rpm, mmHg, C); Nihon Kohden-style ones code
// the arterial line ART-S/D/M (NK) beside LOINC rows. They are read, so an
// impossible value in them is judged, and a genuine message stays quiet.
func TestLocalCodes26(t *testing.T) {
	one := func(rows ...row) []tick { return []tick{{0, msg{rows: rows}}} }
	sl := func(code, v, unit string) row { return row{code: code, value: v, unit: unit, status: "R"} }
	genuine := []row{sl("HR^Heart Rate^SL", "85", "bpm"), sl("SPO2-R^Pulse Rate SpO2^SL", "85", "bpm"),
		sl("SPO2-%^SpO2^SL", "95", "%"), sl("RESP^Respiration^SL", "15", "rpm"),
		sl("ART-S^Arterial Sys^SL", "123", "mmHg"), sl("ART-D^Arterial Dia^SL", "62", "mmHg"),
		sl("ART-M^Arterial Mean^SL", "84", "mmHg"), sl("NIBP-S^NIBP Sys^SL", "121", "mmHg"),
		sl("NIBP-D^NIBP Dia^SL", "69", "mmHg"), sl("NIBP-M^NIBP Mean^SL", "86", "mmHg"),
		sl("CO2-EX^End Tidal CO2^SL", "38", "mmHg"), sl("TEMP1^Temperature 1^SL", "36.4", "C")}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"a genuine Spacelabs-style message", one(genuine...), nil},
		{"Spacelabs-style heart rate 400", one(sl("HR^Heart Rate^SL", "400", "bpm")), []string{"range"}},
		{"Spacelabs-style SpO2 130", one(sl("SPO2-%^SpO2^SL", "130", "%")), []string{"range"}},
		{"Spacelabs-style temperature 46 C", one(sl("TEMP1^Temperature 1^SL", "46", "C")), []string{"range"}},
		{"Spacelabs-style cuff systolic 400", one(sl("NIBP-S^NIBP Sys^SL", "400", "mmHg")), []string{"range"}},
		{"Nihon Kohden-style arterial systolic 400", one(row{code: "ART-S^ART systolic^NK", value: "400", unit: "mm[Hg]"}), []string{"range"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...) })
	}
}
