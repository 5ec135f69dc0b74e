package vitals

import (
	"regexp"
	"strings"
	"testing"
)

// TestIntelliVueLabelRowsReview54a: a label row of codes.csv (a text such
// as NBPs, read in OBX-3 component 2 beside a local code) names the MDIL
// code IntelliVue writes beside that label, and reads as the table's row for
// that code does, so that a monitor labelling its rows as IntelliVue does is
// read as IntelliVue's own rows are. Every label row is a row for every
// sender. (Reference-ID rows, MDC_..., are TestReferenceIDRowsReview46m's.)
func TestIntelliVueLabelRowsReview54a(t *testing.T) {
	rows, err := readCSV(codesCSV, 4)
	if err != nil {
		t.Fatal(err)
	}
	mdil := regexp.MustCompile(`^[0-9a-f]{4}-[0-9a-f]{4}$`)
	named := regexp.MustCompile(`MDIL ([0-9a-f]{4}-[0-9a-f]{4})`)
	byCode := map[string]string{}
	for _, r := range rows {
		if mdil.MatchString(r[0]) && r[2] == "" {
			byCode[r[0]] = r[1]
		}
	}
	n := 0
	for _, r := range rows {
		m := named.FindStringSubmatch(r[3])
		if mdil.MatchString(r[0]) || strings.HasPrefix(r[0], "MDC_") || m == nil {
			continue
		}
		n++
		if r[2] != "" {
			t.Errorf("%s: a sender (%s) on a label row", r[0], r[2])
		}
		if want, ok := byCode[m[1]]; !ok {
			t.Errorf("%s names MDIL %s, which the table does not hold", r[0], m[1])
		} else if r[1] != want {
			t.Errorf("%s reads as %s, its MDIL row %s as %s", r[0], r[1], m[1], want)
		}
	}
	if n < 9 { // NBPs/d/m, SpO2, ABPs/d/m, T1, etCO2 (PR and RR are ratedLabels)
		t.Errorf("only %d label rows name an MDIL code", n)
	}
}
