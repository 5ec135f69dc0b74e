package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// cmH2OBed is 2 h of an adult at a 60 s cadence with an arterial line and a
// cuff every 10 min. line(i) is the arterial mean at minute i (systolic 25
// above it, diastolic 16 below); each cuff reading is the line at its
// minute give or take a few mmHg, then scale(k) times that plus add(k)
// (k: the reading's number).
func cmH2OBed(line func(i int) float64, scale, add func(k int) float64) []tick {
	return every(120, time.Minute, func(i int) msg {
		r := rand.New(rand.NewPCG(uint64(i), 41))
		at := t0.Add(time.Duration(i) * time.Minute).Truncate(10 * time.Minute)
		k := int(at.Sub(t0) / (10 * time.Minute))
		rc := rand.New(rand.NewPCG(uint64(k), 43))
		a := line(k * 10)
		cuff := func(v float64, n int) string {
			return num(math.Round((v+float64(rc.IntN(2*n+1)-n))*scale(k) + add(k)))
		}
		ts := at.Format("20060102150405")
		am := line(i) + float64(r.IntN(5)-2)
		return msg{rows: []row{hr(wobble(78, i)), pr(wobble(78, i+1)), spo2("97"), rr(wobble(16, i+2)),
			nibpS(cuff(a+22, 4), ts), nibpD(cuff(a-13, 3), ts), nibpM(cuff(a+1, 2), ts),
			artS(num(am + 25)), artD(num(am - 16)), artM(num(am))}}
	})
}

func TestCuffCmH2O(t *testing.T) {
	flat := func(int) float64 { return 85 }
	one := func(int) float64 { return 1 }
	none := func(int) float64 { return 0 }
	tests := []struct {
		name       string
		line       func(i int) float64
		scale, add func(k int) float64
		want       bool
	}{
		{"the cuff reading at minute 60 sent in cmH2O labelled mmHg", flat, func(k int) float64 {
			if k == 6 {
				return 1.35951
			}
			return 1
		}, none, true},
		{"a bed whose cuff reads 25 mmHg above the line at every reading", flat, one, func(int) float64 { return 25 }, false},
		{"the line stepped down by 25 mmHg from minute 55 (a forged level), the cuff where the patient is", func(i int) float64 {
			if i >= 55 {
				return 60
			}
			return 85
		}, one, func(k int) float64 {
			if k >= 6 {
				return 25 // the cuff stays where the line was
			}
			return 0
		}, false},
		{"a hypertensive crisis: 85 to 120 mmHg mean in 10 min, cuff and line together", func(i int) float64 {
			return 85 + 35*min(1, max(0, float64(i-50)/10))
		}, one, none, false},
		{"the cuff reading at minute 60 at 1.8 times the line: not in cmH2O", flat, func(k int) float64 {
			if k == 6 {
				return 1.8
			}
			return 1
		}, none, false},
		{"a hypertensive patient at 125 mmHg mean throughout", func(int) float64 { return 125 }, one, none, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := false
			for _, f := range run(t, vitals.DefaultConfig(), cmH2OBed(tc.line, tc.scale, tc.add)) {
				if f.Rule == "unit_mismatch" {
					got = true
					t.Logf("%s %s value=%g other=%g threshold=%g at %s: %s", f.Rule, f.Parameter, f.Value, f.Other, f.Threshold, f.ObservedAt.Format("15:04"), f.Explanation)
				}
			}
			if got != tc.want {
				t.Errorf("unit_mismatch fired %v, want %v", got, tc.want)
			}
		})
	}
}
