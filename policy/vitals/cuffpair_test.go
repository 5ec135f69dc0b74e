package vitals_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// cuffBed is 4 h of an adult at a 60 s cadence with an arterial line and a
// cuff every 10 min. level(i) is the patient's mean pressure at minute i,
// line(i) what the arterial line adds to it (a forgery), cuffNoise the
// spread of each cuff reading around the patient's pressure (± mmHg) and
// cuffOff(i) what a cuff reading adds (an artefact).
func cuffBed(level, line, cuffOff func(i int) float64, cuffNoise int) []tick {
	return every(240, time.Minute, func(i int) msg {
		r := rand.New(rand.NewPCG(uint64(i), 23))
		at := t0.Add(time.Duration(i) * time.Minute).Truncate(10 * time.Minute)
		k := int(at.Sub(t0) / (10 * time.Minute)) // the reading's number
		rc := rand.New(rand.NewPCG(uint64(k), 29))
		cm := level(k*10) - 3 + float64(rc.IntN(2*cuffNoise+1)-cuffNoise) + cuffOff(k*10)
		ts := at.Format("20060102150405")
		am := level(i) + line(i) + float64(r.IntN(5)-2)
		return msg{rows: []row{hr(wobble(78, i)), pr(wobble(78, i+1)), spo2("97"), rr(wobble(16, i+2)),
			nibpS(num(cm+35), ts), nibpD(num(cm-15), ts), nibpM(num(cm), ts),
			artS(num(am + 36)), artD(num(am - 18)), artM(num(am))}}
	})
}

func TestCuffOffset(t *testing.T) {
	flat := func(int) float64 { return 88 }
	none := func(int) float64 { return 0 }
	// the arterial trio raised by 12 mmHg from minute 100 to 150: under the
	// fixed 20 mmHg tolerance, and the heart rate does not answer
	forged := func(i int) float64 {
		if i >= 100 && i < 150 {
			return 12
		}
		return 0
	}
	tests := []struct {
		name string
		bed  []tick
		want bool
		step bool // the line's step is reported at its start (rate_of_change), and the cuff does not repeat it (lineOff)
	}{
		{"the arterial trio stepped up by 12 mmHg for 50 min, the cuff where the patient is", cuffBed(flat, forged, none, 3), false, true},
		{"the arterial trio raised 12 mmHg over 4 min for 55 min, the cuff where the patient is", cuffBed(flat, func(i int) float64 {
			return 12 * min(1, max(0, float64(i-95)/4)) * float64(min(1, max(0, 150-i)))
		}, none, 3), true, false},
		{"a transducer raised by 18 mmHg and left there, the cuff reading 5 mmHg above the line before", cuffBed(flat, func(i int) float64 {
			if i >= 100 {
				return -18
			}
			return 0
		}, func(int) float64 { return 8 }, 3), false, true},
		{"a vasopressor: the pressure rises 25 mmHg over 20 min, cuff and line together", cuffBed(func(i int) float64 {
			return 88 + 25*min(1, max(0, float64(i-100)/20))
		}, none, none, 3), false, false},
		{"a haemorrhage: the pressure falls 30 mmHg in 10 min and stays, cuff and line together", cuffBed(func(i int) float64 {
			return 88 - 30*min(1, max(0, float64(i-100)/10))
		}, none, none, 3), false, false},
		{"one cuff reading 20 mmHg off (the arm moved) and one 15 off an hour later", cuffBed(flat, none, func(i int) float64 {
			switch i {
			case 100:
				return 20
			case 160:
				return -15
			}
			return 0
		}, 3), false, false},
		{"the same 12 mmHg step on a bed whose cuff scatters ±12 around the line", cuffBed(flat, forged, none, 12), false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, step := false, false
			for _, f := range run(t, vitals.DefaultConfig(), tc.bed) {
				step = step || f.Rule == "rate_of_change" && f.Parameter == "MDC_PRESS_BLD_ART_MEAN" && f.ObservedAt.Before(t0.Add(110*time.Minute))
				if f.Rule == "nibp_ibp_agreement" {
					got = true
					t.Logf("%s value=%g other=%g threshold=%g at %s: %s", f.Rule, f.Value, f.Other, f.Threshold, f.ObservedAt.Format("15:04"), f.Explanation)
				}
			}
			if got != tc.want {
				t.Errorf("nibp_ibp_agreement fired %v, want %v", got, tc.want)
			}
			if tc.step && !step {
				t.Error("the line's step was not reported at its start")
			}
		})
	}
}

// A cuff moved to the other arm for good (16 mmHg higher from minute 120, inside the fixed tolerance): the
// first readings off are reported, as a forged line would be, and from the
// cuffPairLen-th one the new difference is the bed's own; nothing is
// reported after it, down to the 4 h's end.
func TestCuffOffsetRelearns(t *testing.T) {
	moved := func(i int) float64 {
		if i >= 120 {
			return 16
		}
		return 0
	}
	bed := cuffBed(func(int) float64 { return 88 }, func(int) float64 { return 0 }, moved, 3)
	var n int
	for _, f := range run(t, vitals.DefaultConfig(), bed) {
		if f.Rule != "nibp_ibp_agreement" {
			continue
		}
		n++
		t.Logf("%s value=%g other=%g threshold=%g at %s", f.Rule, f.Value, f.Other, f.Threshold, f.ObservedAt.Format("15:04"))
		if last := t0.Add(190 * time.Minute); f.ObservedAt.After(last) {
			t.Errorf("nibp_ibp_agreement at %s, after the 8th reading off (%s)", f.ObservedAt.Format("15:04"), last.Format("15:04"))
		}
	}
	if n == 0 {
		t.Error("the first readings off were not reported")
	}
}

// deviation_readings above cuffPairLen (the configuration allows up to 100):
// the difference is relearned after that many readings off, not after
// cuffPairLen, which would end every run before it could reach them and
// leave the finding that the setting asks for dead. The cuff moved for good
// at minute 120 is 12 readings off to the 4 h's end: with 10 the 10th
// (minute 210) is reported, and nothing after it.
func TestCuffOffsetLongDeviationReadings(t *testing.T) {
	moved := func(i int) float64 {
		if i >= 120 {
			return 16
		}
		return 0
	}
	bed := cuffBed(func(int) float64 { return 88 }, func(int) float64 { return 0 }, moved, 3)
	for _, readings := range []int{8, 10, 12} {
		cfg := vitals.DefaultConfig()
		cfg.Rules.NIBPIBP.DeviationReadings = readings
		var at []string
		for _, f := range run(t, cfg, bed) {
			if f.Rule == "nibp_ibp_agreement" {
				at = append(at, f.ObservedAt.Format("15:04"))
			}
		}
		first := t0.Add(time.Duration(120+10*(readings-1)) * time.Minute).Format("15:04")
		if len(at) != 1 || at[0] != first {
			t.Errorf("deviation_readings %d: nibp_ibp_agreement at %v, want once, at %s (the %dth reading off)", readings, at, first, readings)
		}
	}
}
