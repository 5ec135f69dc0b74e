package vitals_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestPaediatricConfig (nibp20): the paediatric class is a profile and a
// section like the neonatal one; the new keys are validated.
func TestPaediatricConfig(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "paediatric"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("paediatric profile: %v", err)
	}
	// A paediatric profile judges a cuff as a child's.
	checkRules(t, run(t, cfg, cuffReadings("", 40*time.Minute, schedule(5*time.Minute, 0, 0, 0, 40*time.Minute),
		func(k int) [3]float64 { return [3]float64{68, 38, float64(42 + k%2)} })))
	cfg = vitals.DefaultConfig()
	cfg.Profile = "child"
	cfg.Paediatric.Sources = []string{"10.1.2.0/33"}
	cfg.Rules.NIBPCadence.Stat = 30 * time.Second
	cfg.Rules.NIBPCadence.MinIntervalChild = 0
	cfg.Rules.MAPFormula.ChildFormMin = 0.9
	err := cfg.Validate()
	for _, want := range []string{`vitals.profile: "child": want adult, paediatric or neonatal`, "vitals.paediatric.sources:",
		"vitals.rules.nibp_cadence.stat: 30s: want at least 55s", "vitals.rules.nibp_cadence.min_interval_child: 0s: must be positive",
		"vitals.rules.map_formula.child_form_min: 0.9 (form_max 0.75): want 0 <= child_form_min < form_max"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to contain %q", err, want)
		}
	}
}

// TestProfileIsTheFallbackClass (review20): Config.Profile names the class
// of a monitor that no class's keys select; a PICU bed under profile
// neonatal is a child's, its cuff judged by the paediatric (adult) range,
// not the neonatal 140 mmHg.
func TestProfileIsTheFallbackClass(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "neonatal"
	ticks := every(6, 10*sec, func(i int) msg { m := normal(i); m.pv1 = "|I|PICU^^BED1"; return m })
	last := normal(6)
	last.pv1 = "|I|PICU^^BED1"
	last.rows = append(last.rows, nibpS("150", ""))
	ticks = then(ticks, 10*sec, []tick{{0, last}})
	if slices.Contains(rulesOf(run(t, cfg, ticks)), "range") {
		t.Errorf("a child's cuff systolic of 150 at a PICU bed is out of range under profile neonatal")
	}
}
