package vitals_test

import (
	"math/rand/v2"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// pacedBed returns a message of a patient paced at 80/min, the ECG count
// flickering by one beat now and then, and a pulse rate p read with spread
// scatter (p ± spread, uniform in whole beats).
func pacedBed(i int, p float64, spread int) msg {
	r := rand.New(rand.NewPCG(uint64(i), 30))
	h := 80 + float64([...]int{0, 0, 0, 0, 1, -1}[r.IntN(6)])
	p += float64(r.IntN(2*spread+1) - spread)
	return msg{rows: []row{hr(num(h)), pr(num(p)), spo2("96"), rr(wobble(16, i+3)), temp("37.0")}}
}

// TestPacedPulseDeficit30: beneath a pacemaker the ECG counts the paced
// beats whatever the rhythm does, so AF (or a loss of capture) shows as a
// pulse rate falling below the held heart rate, and coming back to it when
// it ends, with no irregular heart rate to tell decoupled (corpus5's paced
// patients in AF, session 30). Neither is decoupled; a pulse rate above the
// paced rate is, and a deficit beyond 15 is still hr_pr_agreement's.
func TestPacedPulseDeficit30(t *testing.T) {
	learn := every(180, 10*sec, func(i int) msg { return pacedBed(i, 80, 1) })
	deficit := every(180, 10*sec, func(i int) msg { return pacedBed(i+1000, 70, 4) })
	tests := []struct {
		name string
		more []tick
		want []string
	}{
		{"AF beneath the pacemaker: the pulse rate 10 below, scattering by 4", deficit, nil},
		{"AF ends: the pulse rate back at the paced rate", then(deficit, 10*sec, every(180, 10*sec, func(i int) msg {
			return pacedBed(i+2000, 80, 1)
		})), nil},
		{"the pulse rate 12 above the paced rate", every(180, 10*sec, func(i int) msg {
			return pacedBed(i+1000, 92, 1)
		}), []string{"decoupled"}},
		{"the pulse rate edited 25 below the paced rate", every(180, 10*sec, func(i int) msg {
			return pacedBed(i+1000, 55, 1)
		}), []string{"hr_pr_agreement"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []vitals.Finding
			for _, f := range run(t, vitals.DefaultConfig(), then(learn, 10*sec, tc.more)) {
				if f.Rule == "decoupled" || f.Rule == "hr_pr_agreement" {
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}
