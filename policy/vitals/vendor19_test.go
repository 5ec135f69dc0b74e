package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestVendorTables19: a Philips IntelliVue export writes its nomenclature
// in hex (MDIL, "0002-4bb8") with no MDC alternate, and a LOINC bridge
// codes an arterial line as "invasive" pressure; both are read from the
// tables, so an impossible value in them is judged, and genuine ones in
// their own units stay quiet.
func TestVendorTables19(t *testing.T) {
	one := func(rows ...row) []tick { return []tick{{0, msg{rows: rows}}} }
	mdil := func(code, v, unit string) row { return row{code: code, value: v, unit: unit, status: "F"} }
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"MDIL saturation 130 %", one(mdil("0002-4bb8^SpO2^MDIL", "130", "0004-0220^%^MDIL")), []string{"range"}},
		{"MDIL heart rate 400 from the Resp-labelled and T1-labelled monitor", one(mdil("0002-4182^HR^MDIL", "400", "0004-0aa0^bpm^MDIL"),
			mdil("0002-5000^Resp^MDIL", "18", "0004-0ae0^rpm^MDIL"), mdil("0002-f0c7^T1^MDIL", "37.2", "0004-17a0^degC^MDIL")), []string{"range"}},
		{"LOINC invasive systolic 400", one(row{code: "76215-3^Invasive Systolic blood pressure^LN", value: "400", unit: "mm[Hg]"}), []string{"range"}},
		{"a genuine MDIL message: cuff, etCO2 in kPa, temperature in degF, an invalid pulse (empty, X)", one(
			mdil("0002-4182^HR^MDIL", "80", "0004-0aa0^bpm^MDIL"), row{code: "0002-480a^Pulse^MDIL", unit: "0004-0aa0^bpm^MDIL", status: "X"},
			mdil("0002-4a05^NBPs^MDIL", "121", "0004-0f20^mmHg^MDIL"), mdil("0002-4a06^NBPd^MDIL", "74", "0004-0f20^mmHg^MDIL"),
			mdil("0002-4a07^NBPm^MDIL", "90", "0004-0f20^mmHg^MDIL"), mdil("0002-509c^etCO2^MDIL", "5.1", "0004-0f03^kPa^MDIL"),
			mdil("0002-4b48^Temp^MDIL", "98.6", "0004-1140^degF^MDIL")), nil},
		// Session 29 (codes29): IntelliVue's own etCO2 label is NOM_AWAY_CO2_ET
		// (0x50b0) and its skin temperature NOM_TEMP_SKIN (0x4b74).
		{"MDIL etCO2 (0x50b0) of 250 mmHg", one(mdil("0002-50b0^etCO2^MDIL", "250", "0004-0f20^mmHg^MDIL")), []string{"range"}},
		{"MDIL skin temperature (0x4b74) of 48 degC", one(mdil("0002-4b74^Tskin^MDIL", "48", "0004-17a0^degC^MDIL")), []string{"range"}},
		{"a genuine MDIL etCO2 (0x50b0) and skin temperature", one(mdil("0002-50b0^etCO2^MDIL", "36", "0004-0f20^mmHg^MDIL"),
			mdil("0002-4b74^Tskin^MDIL", "34.1", "0004-17a0^degC^MDIL")), nil},
		{"a genuine LOINC arterial line", one(row{code: "76215-3^^LN", value: "118", unit: "mm[Hg]"}, row{code: "76213-8^^LN", value: "64", unit: "mm[Hg]"},
			row{code: "76214-6^^LN", value: "82", unit: "mm[Hg]"}), nil},
		// 0x1780 is no Philips unit (NOM_DIM_FAHR is 0x1140): not taken for
		// one; with its text degF the row is read by the text.
		{"corpus3's MDIL degF code alone", one(mdil("0002-f0c7^T1^MDIL", "98.6", "0004-1780")), []string{"unit_mismatch"}},
		{"corpus3's MDIL degF code with its text", one(mdil("0002-f0c7^T1^MDIL", "98.6", "0004-1780^degF^MDIL")), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...) })
	}
}
