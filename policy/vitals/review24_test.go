package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestSlowSaturationSilence24 (session 24, review24): too_regular (g) judges
// a saturation's last 48 messages only when they are slow readings (25 s or
// more apart, see TestSlowSaturation24), not when a silence of the link
// earlier in the run (14 min, short of the 15 min after which the monitor
// starts afresh) lifts the run's mean interval. An adult at 15 s whose
// saturation read 95.5 ± 1 for 150 messages, a probe off for one message,
// three readings, the link silent for 14 min, then the slow rounded curve of
// TestSlowSaturation24 for 80 messages: not judged by the 48-message window
// at 15 s (main before review24 reported it, its run's mean interval over
// 25 s until 84 messages after the probe off), while the same at 30 s is.
func TestSlowSaturationSilence24(t *testing.T) {
	noise := func(i int) float64 { return rand.New(rand.NewPCG(uint64(i), 24)).NormFloat64() }
	beat := func(i int, sat float64) msg {
		return msg{rows: []row{hr(wobble(80, i)), pr(wobble(80, i+5)), spo2(num(sat)), rr(wobble(16, i+3))}}
	}
	measured := func(i int) msg { return beat(i, math.Round(95.5+noise(i))) }
	curve := func(i int) msg { return beat(i+1000, math.Round(95+1.3*math.Sin(2*math.Pi*float64(i)/24))) }
	probeOff := func(int) msg { return msg{rows: []row{hr(wobble(80, 1)), rr(wobble(16, 2))}} }
	for _, tc := range []struct {
		name string
		step time.Duration
		want bool
	}{
		{"at 15 s", 15 * sec, false},
		{"at 30 s", 30 * sec, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := then(every(150, tc.step, measured), tc.step, every(1, tc.step, probeOff))
			ts = then(ts, tc.step, every(3, tc.step, curve))
			ts = then(ts, 14*time.Minute, every(80, tc.step, func(i int) msg { return curve(i + 3) }))
			n := 0
			for _, f := range run(t, vitals.DefaultConfig(), ts) {
				if f.Rule == "too_regular" && f.Parameter == "MDC_PULS_OXIM_SAT_O2" {
					n++
				}
			}
			if (n > 0) != tc.want {
				t.Errorf("%d too_regular findings on the saturation, want any: %v", n, tc.want)
			}
		})
	}
}

// TestShortWindowBounds24 (session 24, review24): each bound of too_regular
// (g)'s 48-message window (shortQuiet) keeps a saturation quiet that would
// otherwise be reported; before review24 only the one-value clause and the
// cadence floor were pinned by a test. At 30 s, after 150 readings:
//   - a slow rounded curve through 95–97 % (the ceiling: a genuine saturation
//     is clipped there and has little scatter to lose);
//   - a saturation held on 96, then 95, then 94 for 25–35 readings each (a
//     value held for half the window is frozen's to judge, and frozen
//     reports the first hold);
//   - a neonate whose saturation scattered over 89–96 % (changing in seven
//     readings of eight) falls asleep and wanders 92–96 in steps held three
//     readings, changing in a third of them, more than a third of its learned
//     share (the change bound: sleep slows a saturation's changes);
//   - a saturation that sat on 95 and blipped to 94 or 96 in one reading of
//     six (changing in about 30 % of them) stepping through 93–95 held 12
//     readings each: as few changes are not improbable for it (the chance).
func TestShortWindowBounds24(t *testing.T) {
	u := func(i, seed int) float64 { return rand.New(rand.NewPCG(uint64(i), uint64(seed))).Float64() }
	noise := func(i int) float64 { return rand.New(rand.NewPCG(uint64(i), 24)).NormFloat64() }
	beat := func(i int, sat float64) msg {
		return msg{rows: []row{hr(wobble(80, i)), pr(wobble(80, i+5)), spo2(num(sat)), rr(wobble(16, i+3))}}
	}
	measured := func(i int) msg { return beat(i, math.Round(95.5+noise(i))) }
	scattered := func(i int) msg { return beat(i, 89+math.Floor(8*u(i, 11))) }
	blips := func(i int) msg {
		v := 95.0
		if r := u(i, 9); r < 0.08 {
			v = 94
		} else if r < 0.16 {
			v = 96
		}
		return beat(i, v)
	}
	// held returns the values in turn, each held for its count, repeated.
	held := func(runs ...[2]int) func(int) msg {
		var vs []float64
		for _, r := range runs {
			for range r[1] {
				vs = append(vs, float64(r[0]))
			}
		}
		return func(i int) msg { return beat(i+1000, vs[i%len(vs)]) }
	}
	for _, tc := range []struct {
		name          string
		before, after func(i int) msg
	}{
		{"a curve reaching 97 %", measured, func(i int) msg { return beat(i+1000, math.Round(96+1.3*math.Sin(2*math.Pi*float64(i)/24))) }},
		{"held in turn", measured, held([2]int{96, 30}, [2]int{95, 25}, [2]int{94, 35})},
		{"a scattered neonate asleep", scattered, held([2]int{92, 3}, [2]int{93, 3}, [2]int{94, 3}, [2]int{95, 3}, [2]int{96, 3}, [2]int{95, 3}, [2]int{94, 3}, [2]int{93, 3})},
		{"a quiet saturation stepping", blips, held([2]int{95, 12}, [2]int{94, 12}, [2]int{93, 12}, [2]int{94, 12})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step := 30 * sec
			for _, f := range run(t, vitals.DefaultConfig(), then(every(150, step, tc.before), step, every(90, step, tc.after))) {
				if f.Rule == "too_regular" && f.Parameter == "MDC_PULS_OXIM_SAT_O2" {
					t.Errorf("too_regular on the saturation: log10 chance %.1f, %g changes", f.Value, f.Other)
				}
			}
		})
	}
}
