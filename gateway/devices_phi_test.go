package gateway

import (
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
)

// patientData takes PID-3's first repetition and PV1-3, leaving out what the message lacks.
func TestPatientData(t *testing.T) {
	for _, tc := range []struct {
		segs []string
		want string
	}{
		{[]string{"PID|||MRN1^^^HOSP^MR~NHS2^^^NHS^NH||DOE^JANE", "PV1||I|ICU^12^3"}, "PID-3=MRN1^^^HOSP^MR PV1-3=ICU^12^3"},
		{[]string{"PID|||MRN1"}, "PID-3=MRN1"},
		{[]string{"PV1||I|ICU^12^3"}, "PV1-3=ICU^12^3"},
		{nil, ""},
	} {
		var m hl7.Message
		msg := strings.Join(append([]string{"MSH|^~\\&|MON|ICU|||20261202||ORU^R01|1|P|2.6"}, tc.segs...), "\r") + "\r"
		if err := m.Parse([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		if got := patientData(&m); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.segs, got, tc.want)
		}
	}
}
