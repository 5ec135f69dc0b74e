package vitals

import (
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
)

// TestCodeSenderPrefixesLayered: a sender's own rows are over those of every
// shorter sender it starts with, not instead of them. "0300@NK" then
// "0250@NK_BSM6501" (the key hl7gate check --unknown lists for such a
// monitor) keeps 0300 read on NK_BSM6501, as it was before the second key;
// the longer sender still wins for a code both name.
func TestCodeSenderPrefixesLayered(t *testing.T) {
	tb, err := loadTables(map[string]string{"0300@NK": "rr", "0250@NK_BSM6501": "spo2", "0401@nk": "temp", "0401@NK_BSM": "hr"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := hl7.DefaultDelimiters()
	for _, tc := range []struct {
		app, code string
		want      param
		ok        bool
	}{
		{"NK_BSM6501", "0300", pRR, true},
		{"NK_BSM6501", "0250", pSpO2, true},
		{"NK_BSM6501", "0401", pHR, true}, // the longest sender's row
		{"nk_other", "0401", pTemp, true},
		{"NK_OTHER", "0250", pNone, false},
		{"ACME", "0300", pNone, false},
	} {
		if p, ok := tb.code(tb.vendorOf([]byte(tc.app)), []byte(tc.code), d); p != tc.want || ok != tc.ok {
			t.Errorf("%s from %s: %v, %v; want %v, %v", tc.code, tc.app, p, ok, tc.want, tc.ok)
		}
	}
}
