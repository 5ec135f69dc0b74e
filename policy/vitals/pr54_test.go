package vitals_test

import (
	"slices"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestPRLabelByUnit54 (session 54, pr54): a monitor with local codes that
// labels its pulse rate PR, as IntelliVue's Information Center does, has it
// read as the pulse rate when its unit is a rate, so that a pulse 40 above
// the heart rate disagrees with it (before, the row was an unknown code and
// the disagreement passed unseen). A row labelled PR in ms, or without a
// unit, is an ECG's P-R interval: it is not read, and a P-R interval of
// 160 ms beside the pulse raises nothing (no range, no unit_mismatch, no
// disagreement with the heart rate), whatever its place among the rows.
func TestPRLabelByUnit54(t *testing.T) {
	// bed returns 20 minutes of messages 10 s apart from a local-code
	// monitor: its heart rate, its pulse rate labelled PR in unit, 40 above
	// the heart rate from message 60 on when high, and before them the rows
	// extra.
	bed := func(unit string, high bool, extra ...row) []tick {
		return every(120, 10*sec, func(i int) msg {
			p := 80.0
			if high && i >= 60 {
				p = 120
			}
			rows := append([]row{}, extra...)
			rows = append(rows, localRow("101", "HR", wobble(80, i), "bpm"), localRow("151", "PR", wobble(p, i+5), unit),
				localRow("150", "SpO2", num(96+float64(i%2)), "%"), localRow("201", "RR", wobble(16, i+3), "rpm"))
			return msg{app: "LOCALMON", rows: rows}
		})
	}
	var cases []ruleCase
	for _, u := range []string{"/min", "bpm", "{beats}/min", "264864^MDC_DIM_BEAT_PER_MIN^MDC", "0004-0aa0^bpm^MDIL"} {
		cases = append(cases,
			ruleCase{"the bed's ordinary readings, PR in " + u, bed(u, false), nil},
			ruleCase{"a pulse 40 above the heart rate, PR in " + u, bed(u, true), []string{"hr_pr_agreement"}})
	}
	for _, pri := range []row{
		localRow("160", "PR", "160", "ms"),
		localRow("160", "PR", "160", "264338^MDC_DIM_MILLI_SEC^MDC"),
		localRow("160", "PR", "0.16", "s"),
		localRow("160", "PR", "160", ""),
		localRow("160", "PR", "160", "%"),
	} {
		cases = append(cases, ruleCase{"a P-R interval " + pri.value + " " + pri.unit + " before the pulse", bed("/min", false, pri), nil})
	}
	for _, rri := range []row{ // an ECG report's R-R interval labelled RR, as PR is (ratedLabels)
		localRow("170", "RR", "800", "ms"),
		localRow("170", "RR", "800", ""),
	} {
		cases = append(cases, ruleCase{"an R-R interval " + rri.value + " " + rri.unit + " before the breathing rate", bed("/min", false, rri), nil})
	}
	// A known code still decides: the oximeter's pulse rate labelled PR
	// and sent in ms is a pulse rate in the wrong unit.
	cases = append(cases, ruleCase{"a known pulse-rate code labelled PR in ms",
		bed("/min", false, row{code: "149530^PR^MDC", value: "160", unit: "ms"}), []string{"unit_mismatch"}})
	checkCases(t, cases)
}

// TestPRLabelUnknownCodes54: check --unknown lists a row labelled PR that
// is not read (a P-R interval in ms or without a unit), not one read as the
// pulse rate.
func TestPRLabelUnknownCodes54(t *testing.T) {
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	m, err := hl7.Parse(msg{app: "LOCALMON", rows: []row{
		{code: "151^PR^L", value: "80", unit: "bpm"},
		{code: "160^PR^L", value: "160", unit: "ms"},
		{code: "161^PR^L", value: "160"},
	}}.bytes(t0, 1))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	e.UnknownCodes(m, func(_, code, _ hl7.Field) { got = append(got, string(code.Component(1).Bytes())) })
	if want := []string{"160", "161"}; !slices.Equal(got, want) {
		t.Errorf("unknown codes %q, want %q", got, want)
	}
}
