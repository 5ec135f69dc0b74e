package vitals_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// jolted replaces message m's heart rate, pulse rate and saturation with a
// motion burst's: the two counts of one heart thrown about each its own
// way, the saturation pulled down.
func jolted(m msg, h, p, s float64) msg {
	return set(m, hr(num(h)), pr(num(p)), spo2(num(s)))
}

// TestHeartBoxThroughMotion33: a heart box is not ended by a motion burst
// inside it (the heart rate and its pulse rate apart by more than 15, each
// thrown about its own way, the saturation pulled down, for a minute): the
// burst's values are not read, and the box goes on when the two counts agree
// again (corpus training, hl7load seed 2 m0028: a neonate's forged +21 held
// 26 min, a 70-s burst, 28 min more, back by −20 with its pulse). Quiet: the
// same burst after which the heart is back where it was before the jump (a
// change of pace that ended while the patient moved is no box's return), and
// a heart rate that jumped with its pulse and then parts from it for good
// (a pulse deficit of 25 for the rest of the box: a rhythm's, not motion).
func TestHeartBoxThroughMotion33(t *testing.T) {
	const step = 10 * time.Second
	burstH := []float64{130, 72, 66, 141, 70, 75}
	burstP := []float64{95, 101, 96, 110, 100, 104}
	burst := func(k int, m msg) msg { // a minute's motion, 70 messages after the jump
		if k >= 70 && k < 76 {
			return jolted(m, burstH[k-70], burstP[k-70], 91)
		}
		return m
	}
	for _, tc := range []struct {
		name string
		// the heart rate at message k after the learning hour (the
		// messages run to 240 after it), and the message's edit
		level func(k int) float64
		edit  func(k int, m msg) msg
		want  []string
	}{
		{"forged 80 → 96 for 25 min, a motion burst in it, then back", func(k int) float64 {
			if k >= 10 && k < 160 {
				return 96
			}
			return 80
		}, burst, []string{"rate_of_change"}},
		{"80 → 96, a motion burst, then 80 again for good", func(k int) float64 {
			if k >= 10 && k < 70 {
				return 96
			}
			return 80
		}, burst, nil},
		{"80 → 96 with the pulse, then the pulse 25 below it for good, back to 80", func(k int) float64 {
			if k >= 10 && k < 160 {
				return 96
			}
			return 80
		}, func(k int, m msg) msg {
			if k >= 70 && k < 160 {
				return pulseBelow(m, 25)
			}
			return m
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(600, step, func(i int) msg {
				k := i - 360
				h := tc.level(min(k, -1))
				if k >= 0 {
					h = tc.level(k)
				}
				m := patient(i, h, 97, 16, 38)
				if tc.edit != nil {
					m = tc.edit(k, m)
				}
				return m
			})
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "rate_of_change"), tc.want...)
		})
	}
}

// TestHeartLastingPaced33: a pacemaker reprogrammed by a clinician moves the
// heart and its pulse together, in one beat, to a rate that stays, the
// count flickering a beat about the programmed rate (corpus5 training,
// pacing_change: 80 → 100, 99 → 70): not a heart rate forged to the end of
// the stay (heartLasts), also when the ECG counting motion as beats moves
// two 5-min means after the half hour (seed 5 m0101; the decision is kept)
// or one within it (the mean farthest out is left out), or the leads come
// off (seed 4 m0138). The same jump into the patient's own scatter, the
// rate wandering under the offset, still is.
func TestHeartLastingPaced33(t *testing.T) {
	const step = 30 * time.Second
	flicker := []float64{0, 0, 1, 0, -1, 0, 0, 1, 0, 0, -1}
	for _, tc := range []struct {
		name    string
		paced   bool
		leadOff int   // the message after the jump from which the ECG's leads are off for 8 messages; 0 for none
		motion  []int // the messages after the jump in which motion is counted as beats
		want    []string
	}{
		{"sinus 80, a pacing rate of 105 from message 10 to the end", true, 0, nil, nil},
		{"sinus 80, a pacing rate of 105 from message 10, the leads off 4 min from message 66", true, 66, nil, nil},
		{"sinus 80, a pacing rate of 105 from message 10, motion counted as beats twice after 40 min", true, 0, []int{90, 104}, nil},
		{"sinus 80, a pacing rate of 105 from message 10, motion counted as beats once 25 min in", true, 0, []int{60}, nil},
		{"sinus 80, forged 105 from message 10 to the end", false, 0, nil, []string{"rate_of_change"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(240, step, func(i int) msg {
				k := i - 120
				h := 80.0
				if k >= 10 {
					h = 105 + 3*math.Sin(float64(k)/15) // the patient's own rate wanders under the offset
				}
				m := patient(i, h, 97, 16, 38)
				if tc.paced && k >= 10 {
					m = paced(m, 105+flicker[i%len(flicker)])
				}
				if slices.Contains(tc.motion, k) {
					m = jolted(m, 205, 104, 93) // the ECG counting motion as beats beside the pulse
				}
				if tc.leadOff > 0 && k >= tc.leadOff && k < tc.leadOff+8 {
					m.rows = m.rows[1:] // the heart rate's row
				}
				return m
			})
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "rate_of_change"), tc.want...)
		})
	}
}
