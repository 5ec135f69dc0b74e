package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestDecoupled: the ECG heart rate and the pulse rate drift apart slowly,
// one keeping its level, against genuine changes that move both or that are
// pulse deficits of an arrhythmia.
func TestDecoupled(t *testing.T) {
	learn := every(180, 10*sec, func(i int) msg { return vitalsAt(i, 80, 80, 96) })
	tests := []struct {
		name string
		more []tick
		want []string
	}{
		{"heart rate creeps up 25 bpm over 20 min, pulse rate stays", every(180, 10*sec, func(i int) msg {
			return vitalsAt(i+1000, 80+min(25, float64(i)/5), 80, 96)
		}), []string{"decoupled"}},
		{"pulse rate slides down 15 bpm, heart rate stays", every(180, 10*sec, func(i int) msg {
			return vitalsAt(i+1000, 80, 80-min(15, float64(i)/8), 96)
		}), []string{"decoupled"}},
		{"sinus tachycardia: both rise 40 bpm together", every(180, 10*sec, func(i int) msg {
			return vitalsAt(i+1000, 80+min(40, float64(i)/3), 80+min(40, float64(i)/3), 96)
		}), nil},
		{"bigeminy begins: pulse at 55 % of the heart rate", every(180, 10*sec, func(i int) msg {
			return vitalsAt(i+1000, 80, 44, 96)
		}), nil},
		{"atrial fibrillation with a growing pulse deficit", every(180, 10*sec, func(i int) msg {
			return af(i+1000, 110, 110-min(12, float64(i)/10))
		}), nil},
		// Session 14: in AF a deficit only lowers the pulse rate; a heart
		// rate edited down below a pulse rate that kept its level is caught.
		{"AF, then the heart rate drifts 25 bpm below the pulse rate", every(240, 10*sec, func(i int) msg {
			return af(i+1000, 110-min(25, float64(max(0, i-60))/4), 100)
		}), []string{"decoupled"}},
		{"AF with a pulse deficit that comes and goes, motion pushing the pulse rate up for 30 s every 5 min", every(240, 10*sec, func(i int) msg {
			m := af(i+1000, 110, 110-float64(i%60)/6)
			if i%30 < 3 {
				m = af(i+1000, 110, 150)
			}
			return m
		}), nil},
		{"AF, the pulse rate above the heart rate by 15 for 4 min only", every(240, 10*sec, func(i int) msg {
			p := 100.0
			if i >= 60 && i < 84 {
				p = 125
			}
			return af(i+1000, 110, p)
		}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), then(learn, 10*sec, tc.more))
			var got []vitals.Finding
			for _, f := range fs {
				if f.Rule == "decoupled" {
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}
