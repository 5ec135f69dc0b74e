package vitals_test

import (
	"slices"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestTachycardiaInBigeminy: a tachycardia's onset during a bigeminy moves
// the pulse rate by about half as much as the heart rate (every other beat
// not perfused): the pulse followed the heart at its ratio. A heart rate
// forged up by 50 leaves the pulse rate where it was.
func TestTachycardiaInBigeminy(t *testing.T) {
	beats := func(i int, h float64) msg {
		return vitalsAt(i, h, float64(int(0.53*h)), 97)
	}
	before := every(40, 30*sec, func(i int) msg { return beats(i, 78) })
	tachy := then(before, 30*sec, every(16, 30*sec, func(i int) msg { return beats(i+40, 128) }))
	checkRules(t, run(t, vitals.DefaultConfig(), tachy))
	forged := then(before, 30*sec, every(16, 30*sec, func(i int) msg { return vitalsAt(i+40, 128, 41, 97) }))
	if fs := run(t, vitals.DefaultConfig(), forged); !slices.Contains(rulesOf(fs), "rate_of_change") {
		t.Errorf("a heart rate forged up by 50 in a bigeminy was not a step: %q", rulesOf(fs))
	}
}
