package vitals_test

import (
	"slices"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestVendorLabels55 (session 55, labels55): monitors with local codes that
// label their rows as other vendors do have those rows read on the default
// tables. A Nihon Kohden-style bed labels its oximeter's pulse rate PR(SpO2)
// (GE Datex-Ohmeda's name) and its end-tidal CO2 EtCO2 (Nihon Kohden's and
// Mindray's); an IntelliVue-style bed labels its pulse rate Pulse or
// Pulse (SpO2), its breathing rate Resp and its temperature T1 (its generic
// T2-T4 are no rows since review55l: TestSecondTemperatureUnread55l). Before,
// each was an unknown code: an impossible value, or a pulse 40 above the
// heart rate, passed unseen. The beds' ordinary readings stay quiet, a
// P-R interval labelled PR in ms beside them too, and PR(SpO2) in ms is a
// pulse rate in the wrong unit (unit_mismatch), never a pulse of 160.
func TestVendorLabels55(t *testing.T) {
	// nk returns 20 minutes of messages 10 s apart from the Nihon
	// Kohden-style bed, its pulse 40 above the heart rate from message 60
	// on when high, message i edited by edit (nil: none).
	nk := func(high bool, edit func(i int, m *msg)) []tick {
		return every(120, 10*sec, func(i int) msg {
			p := 80.0
			if high && i >= 60 {
				p = 120
			}
			m := msg{app: "LOCALMON", rows: []row{
				localRow("HR", "HR", wobble(80, i), "/min"),
				localRow("PR-SPO2", "PR(SpO2)", wobble(p, i+5), "/min"),
				localRow("SPO2", "SpO2", num(96+float64(i%2)), "%"),
				localRow("RR-IMP", "RR", wobble(16, i+3), "/min"),
				localRow("ETCO2", "EtCO2", wobble(38, i+9), "mmHg"),
				localRow("PR-ECG", "PR", "160", "ms"), // the ECG's P-R interval
			}}
			if edit != nil {
				edit(i, &m)
			}
			return m
		})
	}
	// ivue is the IntelliVue-style bed, its pulse labelled pulse.
	ivue := func(pulse string, high bool, edit func(i int, m *msg)) []tick {
		return every(120, 10*sec, func(i int) msg {
			p := 80.0
			if high && i >= 60 {
				p = 120
			}
			m := msg{app: "LOCALMON", rows: []row{
				localRow("101", "HR", wobble(80, i), "bpm"),
				localRow("151", pulse, wobble(p, i+5), "bpm"),
				localRow("150", "SpO2", num(96+float64(i%2)), "%"),
				localRow("201", "Resp", wobble(16, i+3), "rpm"),
				localRow("401", "T1", "37.0", "Cel"),
				localRow("402", "T2", "36.6", "Cel"),
				localRow("403", "T3", "36.8", "Cel"),
				localRow("404", "T4", "37.1", "Cel"),
			}}
			if edit != nil {
				edit(i, &m)
			}
			return m
		})
	}
	checkCases(t, []ruleCase{
		{"the Nihon Kohden-style bed's ordinary readings", nk(false, nil), nil},
		{"a pulse 40 above the heart rate labelled PR(SpO2)", nk(true, nil), []string{"hr_pr_agreement"}},
		{"a pulse rate of 400 labelled PR(SpO2)", nk(false, at60("PR(SpO2)", "400", "")), []string{"range"}},
		{"PR(SpO2) in ms", nk(false, at60("PR(SpO2)", "160", "ms")), []string{"unit_mismatch"}},
		{"an end-tidal CO2 of 200 labelled EtCO2", nk(false, at60("EtCO2", "200", "")), []string{"range"}},
		{"the IntelliVue-style bed's ordinary readings, Pulse", ivue("Pulse", false, nil), nil},
		{"the IntelliVue-style bed's ordinary readings, Pulse (SpO2)", ivue("Pulse (SpO2)", false, nil), nil},
		{"a pulse 40 above the heart rate labelled Pulse", ivue("Pulse", true, nil), []string{"hr_pr_agreement"}},
		{"a pulse 40 above the heart rate labelled Pulse (SpO2)", ivue("Pulse (SpO2)", true, nil), []string{"hr_pr_agreement"}},
		{"a breathing rate of 200 labelled Resp", ivue("Pulse", false, at60("Resp", "200", "")), []string{"range"}},
		{"a temperature of 50 °C labelled T1", ivue("Pulse", false, at60("T1", "50", "")), []string{"range"}},
	})
}

// TestVendorLabelsUnknownCodes55: check --unknown no longer lists rows
// read by their labels (PR(SpO2), EtCO2, Pulse, Resp), and still lists
// those written otherwise (PR(spo2) behind Nihon Kohden's VITAL prefix,
// ETCO2), a label that names a channel, not a site (IBP1_SYS), and a
// generic second temperature (T2, review55l).
func TestVendorLabelsUnknownCodes55(t *testing.T) {
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	m, err := hl7.Parse(msg{app: "LOCALMON", rows: []row{
		{code: "PR-SPO2^PR(SpO2)^99NKL", value: "80", unit: "/min"},
		{code: "106^EtCO2^CONTEC", value: "38", unit: "mmHg"},
		{code: "151^Pulse^L", value: "80", unit: "bpm"},
		{code: "201^Resp^L", value: "16", unit: "rpm"},
		{code: "402^T2^L", value: "36.6", unit: "Cel"},
		{code: "007001^VITAL PR(spo2)", value: "80", unit: "/min"},
		{code: "ETCO2^ETCO2^L", value: "38", unit: "mmHg"},
		{code: "111^IBP1_SYS^CONTEC", value: "120", unit: "mmHg"},
	}}.bytes(t0, 1))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	e.UnknownCodes(m, func(_, code, _ hl7.Field) { got = append(got, string(code.Component(1).Bytes())) })
	if want := []string{"402", "007001", "ETCO2", "111"}; !slices.Equal(got, want) {
		t.Errorf("unknown codes %q, want %q", got, want)
	}
}
