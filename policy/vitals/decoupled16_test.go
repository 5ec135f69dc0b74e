package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestDecoupledAfterChange (session 16, c2recall16): the heart and pulse
// rates fall together (a drug), and minutes later one of them parts from
// the other. Judged against the levels learned over half an hour, both
// channels left theirs; judged against the levels when the two last agreed,
// only the one that parted did. The genuine situations must stay quiet: an
// AF onset, where the heart rate jumps and varies and the pulse loses a
// varying share of the beats, and a learned pulse deficit that ends (the
// ECG stops counting unperfused extra beats) with the two rates agreeing.
func TestDecoupledAfterChange(t *testing.T) {
	// fall: 40 min at h0/p0, both fall by d over 5 min, 8 min there; then more.
	fall := func(h0, p0, d float64, more []tick) []tick {
		ticks := every(80, 30*sec, func(i int) msg { return vitalsAt(i, h0, p0, 96) })
		ticks = then(ticks, 30*sec, every(10, 30*sec, func(i int) msg {
			x := d * float64(i+1) / 10
			return vitalsAt(i+500, h0-x, p0-x, 96)
		}))
		ticks = then(ticks, 30*sec, every(16, 30*sec, func(i int) msg { return vitalsAt(i+600, h0-d, p0-d, 96) }))
		return then(ticks, 30*sec, more)
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"the pulse rate forged 14 below a heart rate that kept its level", fall(95, 95, 15, every(30, 30*sec, func(i int) msg {
			return vitalsAt(i+1000, 80, 66, 96)
		})), []string{"decoupled"}},
		{"the heart rate forged 14 below a pulse rate that kept its level", fall(95, 95, 15, every(30, 30*sec, func(i int) msg {
			return vitalsAt(i+1000, 66, 80, 96)
		})), []string{"decoupled"}},
		{"AF begins: the heart rate jumps to 104 and varies, the pulse keeps its level", fall(95, 95, 15, every(30, 30*sec, func(i int) msg {
			return af(i+1000, 104, 80)
		})), nil},
		{"interpolated extra beats stop: the ECG falls to the perfused rate", fall(95, 70, 20, every(30, 30*sec, func(i int) msg {
			return vitalsAt(i+1000, 50, 50, 96)
		})), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []vitals.Finding
			for _, f := range run(t, vitals.DefaultConfig(), tc.ticks) {
				if f.Rule == "decoupled" {
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}
