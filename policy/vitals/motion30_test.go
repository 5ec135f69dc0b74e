package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestHeartRateRiseAfterSaturationDip30 (session 30, motion30, dipSince):
// a patient moving throws the ECG (muscle and electrode artefact counted as
// beats) and the pulse oximeter over some tens of seconds, not in the same
// message: corpus5's clean beds show a heart rate 40 above its level for one
// message, the pulse rate at the heart's level, a few messages after the
// saturation read 5-8 points low (training seed 1 m0051, 10 m0084). Quiet:
// such a rise, by the plain spike path (+60) and by beatsAdded's (+34, two
// messages at 30 s), in the message after a dip of 6 and four messages
// after it, and with the dip in the rise's own message; since session 34
// (c5clean34b, probeJolt) also five messages after it. Caught: the same
// rises with the saturation on its level, with a dip of 2 (within the
// oximeter's scatter) just before, and a rise to more than twice the level after a dip
// (artefact counted as beats at most doubles the count; hl7load training
// seed 49 m0139, a forged 139 -> 340 two messages after a dip of 20).
func TestHeartRateRiseAfterSaturationDip30(t *testing.T) {
	cfg := vitals.DefaultConfig()
	rise := func(v string, n, dipAt int, dip string) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i == dipAt {
				m.rows[2] = spo2(dip)
			}
			if i >= 6 && i < 6+n {
				m.rows[0] = hr(v)
			}
		}
	}
	for _, tc := range []struct {
		name string
		edit func(i int, m *msg)
		want []string
	}{
		{"plain, saturation on its level", rise("141", 1, -1, ""), []string{"spike"}},
		{"beatsAdded, saturation on its level", rise("114", 2, -1, ""), []string{"spike"}},
		{"plain, a dip of 2 just before", rise("141", 1, 5, "94"), []string{"spike"}},
		// Caught until session 34; since c5clean34b a one-message dip marks
		// a jolted probe for artBurst (probeJolt), and five messages at 30 s
		// lie within it (TestHeartRateRiseAfterJoltedProbe34).
		{"plain, five messages after a dip", rise("141", 1, 1, "90"), nil},
		{"beatsAdded, five messages after a dip", rise("114", 2, 1, "90"), nil},
		{"plain, more than double its level, the message after a dip", rise("175", 1, 5, "90"), []string{"spike"}},
		{"plain, the message after a dip", rise("141", 1, 5, "90"), nil},
		{"plain, four messages after a dip", rise("141", 1, 2, "90"), nil},
		{"plain, a dip in its own message", rise("141", 1, 6, "90"), nil},
		{"beatsAdded, the message after a dip", rise("114", 2, 5, "90"), nil},
		{"beatsAdded, four messages after a dip", rise("114", 2, 2, "90"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, calmBed(30*sec, tc.edit)), tc.want...) })
	}
}
