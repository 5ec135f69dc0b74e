package vitals_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestPulseQuieterThanHeart: a pulse rate is the heart rate counted again by
// a sensor with noise of its own, so it keeps at least the share of its
// roughness that the ECG heart rate keeps. In sleep the heart rate quietens
// (here to ±1 around its level, about 0.4 of its learned roughness, too
// quiet to witness for the pulse rate by too_regular (c)); a pulse rate
// replaced by a slow rounded curve once the patient is asleep keeps a tenth
// of its own and is too smooth (main before session 14: quiet). Both counts
// quietening together, a bigeminy's halved pulse and an oximeter keeping its
// noise stay quiet.
func TestPulseQuieterThanHeart(t *testing.T) {
	learn := every(150, 10*sec, func(i int) msg {
		return msg{rows: []row{hr(wobble(72, i)), pr(wobble(72, i+5)), spo2(wobble(96, i+7)), rr(wobble(16, i+3))}}
	})
	asleep := every(90, 10*sec, func(i int) msg {
		return msg{rows: []row{hr(quiet(64, i)), pr(quiet(64, i+500)), spo2(wobble(96, i+1007)), rr(wobble(14, i+1003))}}
	})
	curve := func(i int) string { return num(math.Round(64 + 1.5*math.Sin(float64(i)/6))) }
	tests := []struct {
		name string
		more []tick
		want []string
	}{
		{"asleep, then the pulse rate is replaced by a slow curve", then(asleep, 10*sec, every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(quiet(64, i+3000)), pr(curve(i)), spo2(wobble(96, i+4007)), rr(wobble(14, i+4003))}}
		})), []string{"too_regular"}},
		{"asleep, heart and pulse rate stay quiet", then(asleep, 10*sec, every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(quiet(64, i+3000)), pr(quiet(64, i+3500)), spo2(wobble(96, i+4007)), rr(wobble(14, i+4003))}}
		})), nil},
		{"sleep: heart and pulse rate quieten together", every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(quiet(64, i)), pr(quiet(64, i+500)), spo2(wobble(96, i+1007)), rr(wobble(14, i+1003))}}
		}), nil},
		{"sleep: the heart rate quietens, the pulse rate keeps the oximeter's noise", every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(quiet(64, i)), pr(wobble(64, i+1005)), spo2(wobble(96, i+1007)), rr(wobble(14, i+1003))}}
		}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), then(learn, 10*sec, tc.more))
			checkRules(t, fs, tc.want...)
			for _, f := range fs {
				// The heart rate was quiet too: the finding must not say it kept its noise (review15).
				if f.Rule == "too_regular" && strings.Contains(f.Explanation, "kept its own") {
					t.Errorf("too_regular %s explained %q: the heart rate was quiet", f.Parameter, f.Explanation)
				}
			}
		})
	}
	// The oximeter adds its own noise to the heart's (its pulse rate was
	// learned rougher than the heart rate); in a bigeminy it counts every
	// other beat of a calm heart, and half the heart's variation is left.
	t.Run("bigeminy: the pulse counts every other beat of a calm heart", func(t *testing.T) {
		oxi := every(150, 10*sec, func(i int) msg {
			h := atof(t, wobble(72, i))
			return msg{rows: []row{hr(num(h)), pr(num(h + atof(t, wobble(72, i+500)) - 72)), spo2(wobble(96, i+7)), rr(wobble(16, i+3))}}
		})
		big := every(90, 10*sec, func(i int) msg {
			h := atof(t, quiet(96, i+2000))
			return msg{rows: []row{hr(num(h)), pr(num(math.Round(h / 2))), spo2(wobble(96, i+1007)), rr(wobble(14, i+1003))}}
		})
		checkRules(t, run(t, vitals.DefaultConfig(), then(oxi, 10*sec, big)))
	})
}

// atof is the number a row value helper wrote.
func atof(t *testing.T, v string) float64 {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
