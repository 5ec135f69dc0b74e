package vitals_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestPulseAboveHeart34 (session 34, drift34): in a regular rhythm the
// pulse rate cannot count more beats than the ECG. A heart rate edited
// slowly down while the patient's true rate climbs under it moves both
// channels' levels, so no channel kept its own; the pulse rate then stays
// above the heart rate, beyond the pair's learned difference, and
// decoupled reports it. The mirror (the pulse rate edited down while the
// true rate climbs: a deficit, as an AF onset or ectopy opens), a climb
// both follow, and one message of the pulse rate thrown up by motion stay
// quiet.
func TestPulseAboveHeart34(t *testing.T) {
	const step = 10 * time.Second
	n := func(i, k int, seed uint64) float64 {
		g := rand.New(rand.NewPCG(uint64(i), seed))
		return float64(g.IntN(2*k+1) - k)
	}
	// An hour at 80, then the true rate climbs to 110 over 40 min and holds
	// 20 min; hrOff and prOff are what the forger subtracts from each
	// channel (a share of the climb's progress), spike one message's pulse.
	bed := func(hrOff, prOff float64, spike bool) []tick {
		learnN, climbN, holdN := int(time.Hour/step), int(40*time.Minute/step), int(20*time.Minute/step)
		return every(learnN+climbN+holdN, step, func(i int) msg {
			x := 0.0
			if i >= learnN {
				x = ramp(i-learnN, climbN)
			}
			h := 80 + 30*x + n(i, 1, 7)
			hv, pv := h-hrOff*x, h-prOff*x+n(i, 1, 9)
			if spike && i == learnN+climbN/2 {
				pv += 36
			}
			return msg{rows: []row{hr(num(hv)), pr(num(pv)), spo2(num(97 + n(i, 1, 3))), rr(num(16 + n(i, 1, 5))), temp("37.0")}}
		})
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"the heart rate edited 14 down under a climb of 30: the pulse above the heart", bed(14, 0, false), []string{"decoupled"}},
		{"the pulse rate edited 14 down under a climb of 30: a deficit, both moved", bed(0, 14, false), nil},
		{"both climb by 30", bed(0, 0, false), nil},
		{"both climb, one message of the pulse 36 up (motion)", bed(0, 0, true), nil},
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
