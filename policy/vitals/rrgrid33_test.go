package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestBreathingRateOffItsGrid33 (session 33, c4rr33): a monitor that counts
// breaths over a fixed window and scales the count to a minute shows only
// multiples of its step (over 20 s, of 3). A breathing rate forged from its
// counts (a moving average of the last four, the level shifted by 5, a held
// value nudged by one) falls between the steps, where the monitor never
// counted: too_regular. Quiet: the counting bed itself; the same forgeries on
// a monitor whose rates keep no grid (an average of breath intervals moves by
// one); a ventilated rate at its set 14, a triggered breath reading 16 now
// and then, that reads 15 once (two values are too few moves to teach a
// grid). The grid belongs to the monitor: after a silence long enough to
// forget the patient (20 min, a transport), a value off it is still one.
func TestBreathingRateOffItsGrid33(t *testing.T) {
	// bed returns 120 messages 30 s apart of a calm adult whose genuine
	// breathing rate is g(i); forge rewrites the rates of messages 80-99.
	bed := func(g func(i int) float64, forge func(i int, genuine []float64) float64) []tick {
		r := rand.New(rand.NewPCG(33, 4))
		genuine := make([]float64, 120)
		for i := range genuine {
			genuine[i] = g(i)
		}
		return every(120, 30*sec, func(i int) msg {
			h := 72 + float64(r.IntN(5))
			v := genuine[i]
			if i >= 80 && i < 100 && forge != nil {
				v = forge(i, genuine)
			}
			return msg{rows: []row{hr(num(h)), pr(num(h + float64(r.IntN(3)-1))), spo2(num(96 + float64(r.IntN(2)))),
				rr(num(v)), temp("37.0")}}
		})
	}
	noise := rand.New(rand.NewPCG(33, 5))
	draws := make([]int, 140)
	for i := range draws {
		draws[i] = noise.IntN(12)
	}
	counted := func(i int) float64 { return float64(15 + 3*(draws[i]%3)) }    // 15, 18, 21: a 20 s count
	averaged := func(i int) float64 { return float64(16 + draws[i]%4) }       // 16-19: breath intervals averaged
	vent := func(i int) float64 { return float64(14 + 2*b2f(draws[i] == 0)) } // set 14, a triggered breath now and then
	smooth := func(i int, g []float64) float64 {
		return math.Round((g[i] + g[i-1] + g[i-2] + g[i-3]) / 4)
	}
	shifted := func(i int, g []float64) float64 { return g[i] + 5 }
	nudged := func(i int, g []float64) float64 {
		if i == 90 {
			return g[80] + 1
		}
		return g[80]
	}
	once := func(i int, g []float64) float64 {
		if i == 90 {
			return 15
		}
		return g[i]
	}
	tests := []ruleCase{
		{"a monitor counting over 20 s", bed(counted, nil), nil},
		{"its rate a moving average of four counts", bed(counted, smooth), []string{"too_regular"}},
		{"its rate shifted by 5", bed(counted, shifted), []string{"too_regular"}},
		{"its rate held at a count, nudged by one once", bed(counted, nudged), []string{"too_regular"}},
		{"a monitor averaging breath intervals, a moving average", bed(averaged, smooth), nil},
		{"a ventilated rate at 14 with triggered breaths, 15 once", bed(vent, once), nil},
	}
	checkCases(t, tests)

	// The grid outlasts a silence that makes the monitor start afresh.
	first := bed(counted, nil)
	after := every(20, 30*sec, func(i int) msg {
		v := counted(120 + i)
		if i == 12 {
			v = 17
		}
		return msg{rows: []row{hr(num(74)), pr(num(74)), spo2(num(96)), rr(num(v)), temp("37.0")}}
	})
	fs := run(t, vitals.DefaultConfig(), then(first, 20*time.Minute, after))
	checkRules(t, fs, "too_regular")
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
