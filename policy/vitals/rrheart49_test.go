package vitals_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// overlayBed is heartBed for an adult (no PV1) whose heart rate wanders
// around 90 and whose breathing rate is 16.
func overlayBed(n int, step time.Duration, in func(i int) bool, rate func(i int, h float64, r *rand.Rand) float64) []tick {
	return heartBed("", n, step, 90, 16, in, rate)
}

// TestAdultBreathingAtTheHeart49 (session 49, rrheart49): an adult's
// impedance counting the heart (cardiac overlay) makes the breathing rate
// jump from 16 to the heart rate, 90, and follow it; no other channel
// moves, so main reports it as a step (rate_of_change: corpus8's clean
// beds, 41 of 45 of their breathing-rate steps on training). Quiet: an
// overlay of 5 min at 10 s and of 12 min at 30 s, and the rate's return to
// its breaths after it. Judged still: a forged step off the heart's rate
// (16 to 40), the heart rate written into the breathing rate for 1, 2 and 3
// messages (a spike; a run too short to show an overlay), and for 40 min
// (reported when the 15-min hold ends: the silence is the overlay's, not a
// forged level's).
func TestAdultBreathingAtTheHeart49(t *testing.T) {
	forty := func(int, float64, *rand.Rand) float64 { return 40 }
	tests := []ruleCase{
		{"an overlay of 5 min at 10 s", overlayBed(240, 10*sec, between(120, 150), atTheHeart), nil},
		{"an overlay of 12 min at 30 s", overlayBed(120, 30*sec, between(60, 84), atTheHeart), nil},
		{"a forged step off the heart's rate", overlayBed(240, 10*sec, between(120, 150), forty), []string{"rate_of_change"}},
		{"the heart rate written into the breathing rate for 1 message", overlayBed(240, 10*sec, between(120, 121), atTheHeart), []string{"spike"}},
		{"the heart rate written into the breathing rate for 2 messages", overlayBed(240, 10*sec, between(120, 122), atTheHeart), []string{"spike"}},
		{"the heart rate written into the breathing rate for 3 messages", overlayBed(240, 10*sec, between(120, 123), atTheHeart), []string{"spike"}},
		{"the heart rate written into the breathing rate for 40 min", overlayBed(480, 10*sec, between(120, 360), atTheHeart), []string{"rate_of_change"}},
		{"the same, a message off the heart's rate every 10 min", overlayBed(480, 10*sec, between(120, 360), offEvery60), []string{"rate_of_change"}},
	}
	checkCases(t, tests)
}

// offEvery60 is atTheHeart but for every 60th message, 12 % above the heart.
func offEvery60(i int, h float64, r *rand.Rand) float64 {
	if i%60 == 0 {
		return h * 1.12
	}
	return atTheHeart(i, h, r)
}

// TestOverlayStepClosesUnreported49: with closes reported, the overlay's
// withheld step draws no close either (main: the step and its close).
func TestOverlayStepClosesUnreported49(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.State.ReportClose = true
	if fs := run(t, cfg, overlayBed(240, 10*sec, between(120, 150), atTheHeart)); len(fs) != 0 {
		checkRules(t, fs)
	}
}

// TestOverlayStepMarked49 (session 49, coordinator after review49r): with
// rate_of_change's action annotate or quarantine the overlay's step is
// reported at its own message, as on main: withheld, it could be reported
// only at the hold's end, naming a message 15 min later, and the gateway
// would mark or hold back that one instead of the step's.
func TestOverlayStepMarked49(t *testing.T) {
	for _, action := range []string{"annotate", "quarantine"} {
		cfg := vitals.DefaultConfig()
		cfg.Rules.Rate.Action = action
		fs := run(t, cfg, overlayBed(240, 10*sec, between(120, 150), atTheHeart))
		if len(fs) != 1 || fs[0].Rule != "rate_of_change" || !slices.Contains([]string{"C120", "C121", "C122", "C123", "C124"}, fs[0].ControlID) {
			checkRules(t, fs, "rate_of_change")
			for _, f := range fs {
				t.Logf("%s on %s", f.Rule, f.ControlID)
			}
			t.Errorf("action %s: want one rate_of_change within the overlay's first messages", action)
		}
	}
}
