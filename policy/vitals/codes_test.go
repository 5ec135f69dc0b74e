package vitals_test

import (
	"maps"
	"net/netip"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

func TestRange(t *testing.T) {
	neonatal := vitals.DefaultConfig()
	neonatal.Profile = "neonatal"
	extra := vitals.DefaultConfig()
	extra.Codes = map[string]string{"0002-4bb8": "spo2"}
	one := func(rows ...row) []tick { return []tick{{0, msg{rows: rows}}} }
	tests := []struct {
		name  string
		cfg   vitals.Config
		ticks []tick
		want  []string
	}{
		{"spo2 above 100", vitals.DefaultConfig(), one(spo2("104")), []string{"range"}},
		{"heart rate 400", vitals.DefaultConfig(), one(hr("400")), []string{"range"}},
		{"asystole: HR 0 is possible", vitals.DefaultConfig(), one(hr("0")), nil},
		{"neonatal HR 320 possible", neonatal, one(hr("320")), nil},
		{"neonatal cuff max 140", neonatal, one(nibpS("150", ""), nibpD("90", ""), nibpM("110", "")), []string{"range"}},
		{"adult cuff 150 fine", vitals.DefaultConfig(), one(nibpS("150", ""), nibpD("90", ""), nibpM("110", "")), nil},
		{"fahrenheit labelled Cel", vitals.DefaultConfig(), one(temp("98.6")), []string{"unit_mismatch"}},
		{"fahrenheit as [degF]", vitals.DefaultConfig(), one(row{code: "150344", value: "98.6", unit: "[degF]"}), nil},
		{"fahrenheit as MDC 266560", vitals.DefaultConfig(), one(row{code: "150344", value: "98.6", unit: "266560^MDC_DIM_FAHR^MDC"}), nil},
		{"temperature 47 Cel", vitals.DefaultConfig(), one(temp("47")), []string{"range"}},
		{"etCO2 in kPa normalised", vitals.DefaultConfig(), one(row{code: "151708", value: "5.3", unit: "kPa"}), nil},
		{"heart rate in percent", vitals.DefaultConfig(), one(row{code: "147842", value: "80", unit: "%"}), []string{"unit_mismatch"}},
		{"unknown unit", vitals.DefaultConfig(), one(row{code: "147842", value: "80", unit: "furlongs"}), []string{"unit_mismatch"}},
		{"no unit: base unit assumed", vitals.DefaultConfig(), one(row{code: "147842", value: "80"}), nil},
		{"LOINC SpO2", vitals.DefaultConfig(), one(row{code: "59408-5", value: "130", unit: "%"}), []string{"range"}},
		{"11073 NaN sentinel", vitals.DefaultConfig(), one(hr("8388607")), nil},
		{"SFLOAT NRes sentinel", vitals.DefaultConfig(), one(spo2("-2048")), nil},
		{"-999 placeholder", vitals.DefaultConfig(), one(hr("-999")), nil},
		{"OBX-8 DEMO", vitals.DefaultConfig(), one(row{code: "150456", value: "130", unit: "%", flags: "A~DEMO"}), []string{"demo_data", "range"}},
		{"OBX-11 X", vitals.DefaultConfig(), one(row{code: "150456", value: "130", unit: "%", status: "X"}), []string{"range"}},
		{"MSH-11 D", vitals.DefaultConfig(), []tick{{0, msg{proc: "D", rows: []row{spo2("130")}}}}, []string{"demo_data", "range"}},
		{"not a number", vitals.DefaultConfig(), one(hr("eighty")), nil},
		{"extra code from config", extra, one(row{code: "0002-4bb8", value: "130", unit: "%"}), []string{"range"}},
		{"unknown code ignored", vitals.DefaultConfig(), one(row{code: "999999", value: "130"}), nil},
		{"second row of a parameter judged too", vitals.DefaultConfig(), one(spo2("97"), spo2("130")), []string{"range"}},
		{"range reported once per episode", vitals.DefaultConfig(), every(5, 10*sec, func(int) msg { return msg{rows: []row{spo2("104")}} }), []string{"range"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, tc.cfg, tc.ticks)
			checkRules(t, fs, tc.want...)
			if len(tc.want) > 0 && len(fs) != len(tc.want) { // one finding per rule: a persisting condition is one episode
				t.Errorf("%d findings, want %d", len(fs), len(tc.want))
			}
		})
	}
}

func TestExtraUnit(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Units = map[string]string{"268160": "[degF]"}
	checkRules(t, run(t, cfg, []tick{{0, msg{rows: []row{{code: "150344", value: "98.6", unit: "268160"}}}}}))
}

// TestVendorConventions: real vendors' spellings are read, not flagged.
func TestVendorConventions(t *testing.T) {
	one := func(rows ...row) []tick { return []tick{{0, msg{rows: rows}}} }
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"placeholders -100, -1, -1000, -99.9, -32767 are not measured", one(hr("-100"), pr("-1"), spo2("-1000"), rr("-99.9"), temp("-32767")), nil},
		{"bpm, rpm, cel, degF and 268160", one(row{code: "147842", value: "80", unit: "bpm"}, row{code: "151562", value: "16", unit: "rpm"},
			row{code: "150344", value: "37.1", unit: "cel"}, row{code: "188496", value: "98.6", unit: "degF"}, row{code: "150364", value: "98.6", unit: "268160"}), nil},
		{"LOINC first, MDC as the alternate identifier", one(row{code: "X-LOCAL^Heart rate^LN^147842^MDC_ECG_HEART_RATE^MDC", value: "400", unit: "/min"}), []string{"range"}},
		{"the vendor's own unit code first, MDC's as the alternate identifier", one(row{code: "0002-4182^HR^MDIL^147842^MDC_ECG_HEART_RATE^MDC", value: "400",
			unit: "0004-0aa0^/min^MDIL^264864^MDC_DIM_BEAT_PER_MIN^MDC"}), []string{"range"}},
		{"the vendor's own unit code first, UCUM's as the text", one(row{code: "150456", value: "130", unit: "0004-0220^%^MDIL"}), []string{"range"}},
		{"an unknown unit in every component", one(row{code: "150456", value: "97", unit: "0004-9999^furlong^MDIL^1^X^MDC"}), []string{"unit_mismatch"}},
		{"blank OBX-11 is read", one(row{code: "150456", value: "130", unit: "%", status: " "}), []string{"range"}},
		{"a monitor's own patient query is not checked", []tick{{0, msg{typ: "QBP^ZV1^QBP_Q21", rows: []row{spo2("130")}}}}, nil},
		{"adult breathing at 180/min", one(rr("180")), []string{"range"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...) })
	}
}

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
		// Session 48 (unitf48): the text F, as Philips-style units carry it
		// beside a code the tables do not hold, is degrees Fahrenheit (a
		// farad labels no vital sign), as C is Celsius.
		{"an MDIL temperature in F by its text", one(mdil("0002-f0c7^T1^MDIL", "98.1", "0004-1780^F^MDIL")), nil},
		{"an MDIL temperature of 116.6 F by its text", one(mdil("0002-f0c7^T1^MDIL", "116.6", "0004-1780^F^MDIL")), []string{"range"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...) })
	}
}

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
		{"a gateway's reference ID, heart rate 400", one(row{code: "MDC_ECG_HEART_RATE^Heart rate^MDC", value: "400", unit: "/min"}), []string{"range"}},
		{"a gateway's reference ID, arterial systolic 400", one(row{code: "MDC_PRESS_BLD_ART_ABP_SYS^ART S^MDC", value: "400", unit: "mm[Hg]"}), []string{"range"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...) })
	}
}

// TestUnitByReferenceName (session 26, c4conv26): an export that sends the
// MDC reference name of its unit under a number the tables do not hold
// (268800^MDC_DIM_KILO_PASCAL on the fourth blind generator's Draeger- and
// Mindray-style capnographs) is read by that name: the etCO2 in kPa is
// judged, not ignored as a unit unknown.
func TestUnitByReferenceName(t *testing.T) {
	ticks := every(60, 10*sec, func(i int) msg {
		m := normal(i)
		m.rows = append(m.rows, row{code: "151708", value: "5.3", unit: "268800^MDC_DIM_KILO_PASCAL^MDC"})
		return m
	})
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var fs []vitals.Finding
	for i, tk := range ticks {
		m, err := hl7.Parse(tk.m.bytes(t0.Add(tk.at), i))
		if err != nil {
			t.Fatal(err)
		}
		fs = e.Observe(netip.MustParseAddr("192.0.2.10"), m, t0.Add(tk.at), fs)
	}
	if len(fs) != 0 {
		t.Errorf("findings %v, want none", rulesOf(fs))
	}
	if _, units := e.Unrecognised(); units != 0 {
		t.Errorf("%d rows of unknown units, want 0", units)
	}
	// 5.3 kPa is 39.8 mmHg: read as mm[Hg] it would be a unit mismatch.
	ticks = then(ticks, 10*sec, every(6, 10*sec, func(i int) msg {
		m := normal(60 + i)
		m.rows = append(m.rows, row{code: "151708", value: "39.8", unit: "268800^MDC_DIM_KILO_PASCAL^MDC"})
		return m
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), ticks), "unit_mismatch")
}

// ParameterKey turns a Finding's parameter (its MDC reference ID) into the
// key severity_for and the range limits take, for every checked parameter;
// a message-level finding's "" and the central venous pressure, which has no
// checks and so no findings, have none.
func TestParameterKey(t *testing.T) {
	for _, c := range []struct {
		ref, key string
		ok       bool
	}{
		{"MDC_ECG_HEART_RATE", "hr", true},
		{"MDC_BLD_PULS_RATE_INV", "pr_inv", true},
		{"MDC_AWAY_CO2_ET", "etco2", true},
		{"", "", false},
		{"MDC_PRESS_BLD_VEN_CENT_MEAN", "", false},
		{"mdc_ecg_heart_rate", "", false},
	} {
		if key, ok := vitals.ParameterKey(c.ref); key != c.key || ok != c.ok {
			t.Errorf("ParameterKey(%q) = %q, %v; want %q, %v", c.ref, key, ok, c.key, c.ok)
		}
	}
}

// TestUnknownUnits: UnknownUnits passes the rows Unrecognised counts as of
// unknown units, message by message (the first read field by field, the
// rest through its row layout), and no other: not a unit of another
// quantity (a pulse rate in "%"), not a placeholder or a value that is no
// number, not a deleted row, not a central venous pressure, not a row of an
// unknown code. UnitsKey names each as unitOf looks it up (component 1,
// else 4, else 2), and the keys, as Config.Units, make those rows read; a
// unit with a '.' has no key and stays unknown.
func TestUnknownUnits(t *testing.T) {
	m := func(i int) msg {
		return msg{rows: []row{
			{code: "147842", value: num(80 + float64(i%3)), unit: "bpmx"},
			{code: "149530", value: "80", unit: "%"},
			{code: "150456", value: "97", unit: "^^^pct4"},
			{code: "150344", value: "37.1", unit: "^Grad C"},
			{code: "151562", value: "-9999", unit: "zz"},
			{code: "151562", value: "abc", unit: "zz"},
			{code: "150033", value: "120", unit: "zz", status: "D"},
			{code: "150087", value: "8", unit: "zz"},
			{code: "9999", value: "5", unit: "zz"},
			{code: "151708", value: "35", unit: "mm.Hg"},
		}}
	}
	observe := func(cfg vitals.Config, fn func(param string, unit hl7.Field)) (units uint64) {
		t.Helper()
		e, err := vitals.NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			at := t0.Add(time.Duration(i) * 10 * sec)
			msg, err := hl7.Parse(m(i).bytes(at, i))
			if err != nil {
				t.Fatal(err)
			}
			_, u0 := e.Unrecognised()
			e.Observe(netip.MustParseAddr("192.0.2.10"), msg, at, nil)
			_, u1 := e.Unrecognised()
			n := uint64(0)
			e.UnknownUnits(msg, func(param string, unit hl7.Field) {
				n++
				if fn != nil {
					fn(param, unit)
				}
			})
			if n != u1-u0 {
				t.Errorf("message %d: UnknownUnits passed %d rows, Unrecognised counted %d", i, n, u1-u0)
			}
		}
		_, units = e.Unrecognised()
		return units
	}
	keys := map[string]string{} // key, else why → parameter
	observe(vitals.DefaultConfig(), func(param string, unit hl7.Field) {
		key, why := vitals.UnitsKey(unit)
		keys[key+why] = param
	})
	want := map[string]string{"bpmx": "hr", "pct4": "spo2", "Grad C": "temp",
		"a '.' in a key, which the configuration loader reads as a section": "etco2"}
	if !maps.Equal(keys, want) {
		t.Errorf("units %v, want %v", keys, want)
	}
	cfg := vitals.DefaultConfig()
	cfg.Units = map[string]string{"bpmx": "/min", "pct4": "%", "Grad C": "Cel"}
	if units := observe(cfg, nil); units != 5 {
		t.Errorf("with %v: %d rows of unknown units, want 5 (etco2 in mm.Hg)", cfg.Units, units)
	}
}
