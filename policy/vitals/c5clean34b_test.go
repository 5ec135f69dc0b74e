package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestHeartRateRiseAfterJoltedProbe34 (session 34, c5clean34b, probeJolt):
// the hands that jolt a pulse oximeter's probe while a patient is handled,
// turned or crying pull at the ECG's electrodes for as long as the handling
// lasts, minutes: corpus5's clean beds show a heart rate 30-47 above a pulse
// rate that kept its level for one message, back the next, one to five
// minutes after a saturation read 4-5 below its level for one message (training
// seed 1 m0100 57, a neonate handled, 31 s after one; seed 4 m0010 900,
// crying, 4 min after one). Quiet: the rise (+60, plain) 2 min after a
// one-message and after a two-message saturation dip of 6. Caught: the same
// rise with no dip before, after a dip of three messages (a desaturation,
// not a jolted probe), and after a one-message dip more than artBurst
// before.
func TestHeartRateRiseAfterJoltedProbe34(t *testing.T) {
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		step time.Duration
		edit func(i int, m *msg)
		want []string
	}{
		{"no dip before", 20 * time.Second, riseAfterDip(6, 0), []string{"spike"}},
		{"a three-message dip 1 min 40 s before", 20 * time.Second, riseAfterDip(8, 3), []string{"spike"}},
		{"a one-message dip 6 min before", 40 * time.Second, riseAfterDip(9, 1), []string{"spike"}},
		{"a one-message dip 2 min before", 20 * time.Second, riseAfterDip(6, 1), nil},
		{"a two-message dip 2 min before", 20 * time.Second, riseAfterDip(7, 2), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, calmBed(tc.step, tc.edit)), tc.want...) })
	}
}

// riseAfterDip edits calmBed's messages: the saturation at 90 in the first
// dip messages, and the heart rate at 141 in message at.
func riseAfterDip(at, dip int) func(i int, m *msg) {
	return func(i int, m *msg) {
		if i < dip {
			m.rows[2] = spo2("90")
		}
		if i == at {
			m.rows[0] = hr("141")
		}
	}
}
