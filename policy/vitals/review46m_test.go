package vitals_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// Review of mdcref46 (session 46, review46m): a row named by its IEEE 11073
// reference ID in component 1 is read as its number is.

// byName returns m with each row's numeric code replaced by the reference
// ID the nomenclature gives it (codes outside names are left as they are).
func byName(m msg, names map[string]string) msg {
	rows := slices.Clone(m.rows)
	for i, r := range rows {
		if n, ok := names[r.code]; ok {
			rows[i].code = n
		}
	}
	m.rows = rows
	return m
}

// refNames are the reference IDs of senderBed's codes.
var refNames = map[string]string{
	"147842": "MDC_ECG_HEART_RATE", "149522": "MDC_BLD_PULS_RATE_INV", "149530": "MDC_PULS_OXIM_PULS_RATE",
	"150456": "MDC_PULS_OXIM_SAT_O2", "151562": "MDC_RESP_RATE",
}

// findingsKey lists the findings as rule/parameter/equipment, sorted.
func findingsKey(fs []vitals.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s/%s/%s", f.Rule, f.Parameter, f.Equipment))
	}
	slices.Sort(out)
	return out
}

// TestReferenceIDReadAsNumberReview46m: one gateway's bed (an arterial
// line's pulse rate, MDC_BLD_PULS_RATE_INV, beside the ECG heart rate and
// the oximeter's rate), sent once by number and once by reference ID in
// component 1 (corpus8's Dräger-style gateway), gives the same findings on
// the defaults, genuine or with the oximeter's rate forged 40 above the
// heart rate. On mdcref46 the name read as pr_inv, the mapping session 39
// measured twice and rejected as every sender's default (vendor39,
// vendor39b: clean-bed flags), so the forged bed differed.
func TestReferenceIDReadAsNumberReview46m(t *testing.T) {
	const gw = "EGATEWAY^00A037FFFE5AB708^EUI-64"
	for _, forged := range []bool{false, true} {
		ticks := every(90, 5*sec, func(i int) msg { return senderBed(i, gw, "", forged && i >= 45) })
		named := slices.Clone(ticks)
		for i := range named {
			named[i].m = byName(named[i].m, refNames)
		}
		num, name := findingsKey(run(t, vitals.DefaultConfig(), ticks)), findingsKey(run(t, vitals.DefaultConfig(), named))
		if !slices.Equal(num, name) {
			t.Errorf("forged %v: by number %q, by name %q", forged, num, name)
		}
	}
}

// TestReferenceIDPerSenderReview46m: a site that reads one sender's
// arterial line rate as pr_inv names the reference ID as it names the
// number (MDC_BLD_PULS_RATE_INV@EGATEWAY: pr_inv); the forged oximeter
// rate beside the agreeing line is then hr_pr_agreement either way, and a
// row for the number alone does not reach the name.
func TestReferenceIDPerSenderReview46m(t *testing.T) {
	const gw = "EGATEWAY^00A037FFFE5AB708^EUI-64"
	ticks := every(90, 5*sec, func(i int) msg { return senderBed(i, gw, "", i >= 45) })
	named := slices.Clone(ticks)
	for i := range named {
		named[i].m = byName(named[i].m, refNames)
	}
	for _, tc := range []struct {
		name  string
		codes map[string]string
		ticks []tick
		flag  bool
	}{
		{"number, number's row", map[string]string{"149522@EGATEWAY": "pr_inv"}, ticks, true},
		{"name, name's row", map[string]string{"MDC_BLD_PULS_RATE_INV@EGATEWAY": "pr_inv"}, named, true},
		{"name, number's row only", map[string]string{"149522@EGATEWAY": "pr_inv"}, named, false},
		{"name, another sender's row", map[string]string{"MDC_BLD_PULS_RATE_INV@ACME": "pr_inv"}, named, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := vitals.DefaultConfig()
			cfg.Codes = tc.codes
			if fs := only(run(t, cfg, tc.ticks), "hr_pr_agreement"); (len(fs) > 0) != tc.flag {
				t.Errorf("hr_pr_agreement %v, want %v", findingsKey(fs), tc.flag)
			}
		})
	}
}

// TestReferenceIDShadowReview46m: where component 1 holds a known number,
// the number decides whatever name component 2 holds. Where it holds a
// number the table does not know, the name in component 2 is not read
// (149514^MDC_PULS_RATE, 188452^MDC_TEMP_AXILLA): review46m found mdcref46
// read them, and the coordinator then kept the names to component 1, as
// looking up the name of every unchecked PCD-01 row cost 4 % of Observe.
// An impossible value is judged as the number's parameter.
func TestReferenceIDShadowReview46m(t *testing.T) {
	one := func(rows ...row) []tick { return []tick{{0, msg{rows: rows}}} }
	for _, tc := range []struct {
		name string
		r    row
		want []string // "rule/parameter"
	}{
		{"SpO2's number, the heart rate's name: 130 is SpO2", row{code: "150456^MDC_ECG_HEART_RATE", value: "130", unit: "262688"}, []string{"range/MDC_PULS_OXIM_SAT_O2"}},
		{"the heart rate's number, SpO2's name: 130 is a heart rate", row{code: "147842^MDC_PULS_OXIM_SAT_O2", value: "130", unit: "264864"}, nil},
		{"149514^MDC_PULS_RATE: not read by its name", row{code: "149514^MDC_PULS_RATE", value: "400", unit: "264864"}, nil},
		{"188452^MDC_TEMP_AXILLA: not read by its name", row{code: "188452^MDC_TEMP_AXILLA", value: "46", unit: "268192"}, nil},
		{"MDC_TEMP_AXILLA in component 1: 46 Cel is a temperature", row{code: "MDC_TEMP_AXILLA^Tax^MDC", value: "46", unit: "268192"}, []string{"range/MDC_TEMP"}},
		{"an unknown number and name: not read", row{code: "131841^MDC_ECG_AMPL_ST", value: "400", unit: "264864"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range run(t, vitals.DefaultConfig(), one(tc.r)) {
				got = append(got, f.Rule+"/"+f.Parameter)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%q, want %q", got, tc.want)
			}
		})
	}
}
