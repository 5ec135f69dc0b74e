package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestHeartRateRiseInArtefactSpell33 (session 33, c5clean33, artBurst): an
// ECG handled or moved counts artefact as beats again and again while the
// handling lasts, minutes: corpus5's clean beds show a heart rate 20-45
// above a pulse rate that kept its level for one message, back the next,
// and another such rise one to four minutes later (training seed 4 m0078,
// 157 then 159, a neonate handled; seed 2 m0068, 839 then 843, motion).
// Quiet: the later rise (+60, plain; +34 over two messages, beatsAdded)
// within artBurst after an earlier over-count of 18 ended. Caught: the same
// rises with no earlier over-count, after one more than artBurst before,
// after an earlier over-count within the agreement limit (12), and after a
// pulse that fell 20 below the heart (a deficit, the pulse moving, not the
// ECG counting beats it did not).
func TestHeartRateRiseInArtefactSpell33(t *testing.T) {
	cfg := vitals.DefaultConfig()
	rise := func(v string, n, at int, earlier func(m *msg)) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i == 0 && earlier != nil {
				earlier(m)
			}
			if i >= at && i < at+n {
				m.rows[0] = hr(v)
			}
		}
	}
	over := func(v string) func(m *msg) { return func(m *msg) { m.rows[0] = hr(v) } }
	deficit := func(m *msg) { m.rows[1] = pr("61") }
	const step = 40 * time.Second
	for _, tc := range []struct {
		name string
		edit func(i int, m *msg)
		want []string
	}{
		{"plain, no earlier over-count", rise("141", 1, 6, nil), []string{"spike"}},
		{"beatsAdded, no earlier over-count", rise("114", 2, 6, nil), []string{"spike"}},
		{"plain, earlier over-count beyond artBurst", rise("141", 1, 9, over("99")), []string{"spike"}},
		{"plain, earlier over-count within the limit", rise("141", 1, 6, over("93")), []string{"spike"}},
		{"plain, earlier pulse deficit", rise("141", 1, 6, deficit), []string{"spike"}},
		{"plain, earlier over-count 4 min before", rise("141", 1, 6, over("99")), nil},
		{"plain, earlier over-count 1 min 20 s before", rise("141", 1, 2, over("99")), nil},
		{"beatsAdded, earlier over-count 4 min before", rise("114", 2, 6, over("99")), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, calmBed(step, tc.edit)), tc.want...) })
	}
}
