package vitals_test

import (
	"flag"
	"os"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/internal/sim"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

var (
	reportScale    = flag.Int("report-scale", 1, "multiply the detection report's monitor counts (the default is sized for -race in a few seconds)")
	reportInterval = flag.Duration("report-interval", 10*time.Second, "message interval of the simulated monitors")
	reportProfile  = flag.String("report-profile", "adult", "simulated patients and range profile: adult or neonatal")
	reportSeed     = flag.Uint64("report-seed", 1, "simulator seed")
)

// TestDetectionReport runs the labelled simulator through the default
// configuration and holds it to the targets of issue 5: at least 95 % recall
// per manipulation kind and at most 0.01 false flags per clean monitor-hour.
// Print it with
//
//	go test ./policy/vitals -run TestDetectionReport -v [-report-scale 25] [-report-interval 1m] [-report-profile neonatal] [-report-seed 2]
func TestDetectionReport(t *testing.T) {
	s := *reportScale
	rep, err := sim.Evaluate(vitals.DefaultConfig(), sim.EvalOptions{
		Seed: *reportSeed, PerKind: 2 * s, Clean: 20 * s, CleanHours: 2, Interval: *reportInterval, Profile: *reportProfile})
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		rep.WriteText(os.Stdout)
	}
	for _, k := range rep.Kinds {
		if k.Recall() < 0.95 {
			t.Errorf("%s: recall %.2f < 0.95 (missed monitors %v)", k.Kind, k.Recall(), k.Missed)
		}
	}
	if fph := rep.FalsePerHour(); fph > 0.01 {
		t.Errorf("false flags per monitor-hour %.4f > 0.01: %v", fph, rep.FalseByRule)
	}
}
