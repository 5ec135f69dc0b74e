package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestHeartStaircase29 (session 29, frozen29): the fourth blind generator
// replaces a heart rate read every 5-15 s by a moving average of 30 of its
// readings (training seeds 4 m0005, 7 m0051, 8 m0098, 9 m0143, 10 m0048):
// the displayed rate then holds a value for a dozen messages and steps by
// one beat, while the oximeter's pulse rate, counting the same beats, keeps
// scattering around it. too_regular (b) left such a heart rate alone as a
// paced rhythm with intrinsic beats (held most of the time); a paced heart's
// pulse rate is held with it, so while a pulse rate keeps its noise the
// exemption does not apply. A paced heart rate with intrinsic beats whose
// pulse rate counts them too stays quiet.
func TestHeartStaircase29(t *testing.T) {
	const n = 400
	r := rand.New(rand.NewPCG(29, 14))
	heart := make([]float64, n) // the patient's beat-to-beat rate
	for i := range heart {
		heart[i] = 80 + float64(r.IntN(7)-3)
	}
	pulse := make([]float64, n)
	for i := range pulse {
		pulse[i] = heart[i] + float64(r.IntN(5)-2) // the same beats, the oximeter's own noise added
	}
	smoothed := func(i int) float64 { // a moving average of the last 30 readings, rounded
		var sum float64
		for j := i - 29; j <= i; j++ {
			sum += heart[j]
		}
		return math.Round(sum / 30)
	}
	bed := func(forged bool) []tick {
		return every(n, 10*sec, func(i int) msg {
			h := heart[i]
			if forged && i >= 180 {
				h = smoothed(i)
			}
			return msg{rows: []row{hr(num(h)), pr(num(pulse[i])), spo2(num(96 + float64(i%2))), rr(wobble(16, i+3)), temp("37.0")}}
		})
	}
	paced := every(n, 10*sec, func(i int) msg {
		h := 70.0
		if i%9 == 4 { // an intrinsic beat or two now and then, which both sensors count
			h = 74
		}
		return msg{rows: []row{hr(num(h)), pr(num(h)), spo2(num(96 + float64(i%2))), rr(wobble(16, i+3)), temp("37.0")}}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), bed(false)))
	checkRules(t, run(t, vitals.DefaultConfig(), bed(true)), "too_regular")
	checkRules(t, run(t, vitals.DefaultConfig(), paced))
}
