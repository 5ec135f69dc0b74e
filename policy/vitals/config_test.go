package vitals_test

import (
	"math"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *vitals.Config)
		want   []string // every line of the error, in order
	}{
		{"default is valid", func(*vitals.Config) {}, nil},
		{"profile", func(c *vitals.Config) { c.Profile = "child" }, []string{`vitals.profile: "child": want adult, paediatric or neonatal`}},
		{"unidentified names", func(c *vitals.Config) { c.UnidentifiedNames = []string{"NN", " "} }, []string{`vitals.unidentified_names[1]: an empty name`}},
		{"severity and action", func(c *vitals.Config) {
			c.Rules.Frozen.Severity, c.Rules.BPOrder.Action = "high", "drop"
		}, []string{
			`vitals.rules.bp_order.action: action "drop": want forward, annotate or quarantine`,
			`vitals.rules.frozen.severity: severity "high": want info, warning or critical`,
		}},
		{"severity per parameter", func(c *vitals.Config) {
			c.Rules.Spike.SeverityFor = map[string]string{"hr": "info", "spo2": "loud", "cvp": "info", "heart": "info"}
		}, []string{
			`vitals.rules.spike.severity_for.cvp: unknown parameter`,
			`vitals.rules.spike.severity_for.heart: unknown parameter`,
			`vitals.rules.spike.severity_for.spo2: severity "loud": want info, warning or critical`,
		}},
		// Session 47: a rule whose findings all name no parameter takes no
		// severity_for (it was accepted and did nothing); a rule with
		// findings of both kinds keeps it.
		{"severity per parameter on whole-message rules", func(c *vitals.Config) {
			c.Rules.ReplayControlID.SeverityFor = map[string]string{"hr": "info"}
			c.Rules.TimeSkew.SeverityFor = map[string]string{"bogus": "loud"}
			c.Rules.IdentityClass.SeverityFor = map[string]string{"spo2": "info"}
			c.Rules.DemoData.SeverityFor = map[string]string{}
			c.Rules.Frozen.SeverityFor = map[string]string{"hr": "info"}
			c.Rules.TimeFuture.SeverityFor = map[string]string{"spo2": "info"}
			c.Rules.TimeBackwards.SeverityFor = map[string]string{"temp": "info"}
		}, []string{
			`vitals.rules.replay_control_id.severity_for: replay_control_id's findings name no parameter: its severity sets them all`,
			`vitals.rules.time_skew.severity_for: time_skew's findings name no parameter: its severity sets them all`,
			`vitals.rules.identity_class.severity_for: identity_class's findings name no parameter: its severity sets them all`,
		}},
		{"thresholds", func(c *vitals.Config) {
			c.Rules.Rate.HRStep = 0
			c.Rules.HRPR.Persist = -time.Second
			c.Rules.ReplayWindow.MinDistinct = 40
			c.State.MaxMonitors = 0
			c.State.MaxPerSource = 0
		}, []string{
			"vitals.rules.rate_of_change.hr_step: 0: must be positive",
			"vitals.rules.hr_pr_agreement.persist: -1s: must be positive",
			"vitals.rules.replay_window.min_distinct: 40 not in 1..12",
			"vitals.state.max_monitors: 0 not in 1..10000000",
			"vitals.state.max_per_source: 0 not in 1..10000000",
		}},
		{"range limits", func(c *vitals.Config) {
			c.Rules.Range.Limits = map[string]vitals.Limits{"hr": {Min: 10, Max: 5}, "bogus": {Max: 1}}
		}, []string{
			"vitals.rules.range.limits.bogus: unknown parameter",
			"vitals.rules.range.limits.hr: min 10 not below max 5",
		}},
		{"codes and units", func(c *vitals.Config) {
			c.Codes = map[string]string{"0002-4bb8": "oxygen"}
			c.Units = map[string]string{"mmHG": "mm[Hg]"}
		}, []string{`vitals.codes.0002-4bb8: unknown parameter "oxygen" (want one of hr, pr, pr_inv, spo2, nibp_sys, nibp_dia, nibp_mean, art_sys, art_dia, art_mean, rr, temp, etco2, cvp)`}},
		// Session 39: CODE@SENDER, a code read so for the monitors whose
		// MSH-3 starts with SENDER (ignoring case).
		{"codes per sender", func(c *vitals.Config) {
			c.Codes = map[string]string{"149522@COMEN": "pr", "149522@Acme_C": "pr_inv", "SPO2-R@a@b": "pr"}
		}, nil},
		{"codes per sender: no sender", func(c *vitals.Config) { c.Codes = map[string]string{"149522@": "pr"} },
			[]string{`vitals.codes.149522@: no sender after @ (want CODE@SENDER, SENDER the start of the monitors' sending application, MSH-3)`}},
		{"codes per sender: no code", func(c *vitals.Config) { c.Codes = map[string]string{"@COMEN": "pr"} },
			[]string{`vitals.codes.@COMEN: no code (want CODE or CODE@SENDER)`}},
		{"codes per sender: a delimiter in the sender", func(c *vitals.Config) { c.Codes = map[string]string{"149522@COMEN^C80": "pr"} },
			[]string{`vitals.codes.149522@COMEN^C80: sender "COMEN^C80" holds an HL7 delimiter (|^~\&): it would match no sending application's namespace ID (MSH-3 component 1)`}},
		// review39a: senders are matched ignoring case, so two keys that
		// differ only in the sender's case name one row; the later in key
		// order silently won.
		{"codes per sender: one sender twice", func(c *vitals.Config) {
			c.Codes = map[string]string{"149522@ACME": "pr_inv", "149522@acme": "pr", "149522": "pr", "SPO2-R@Acme": "pr"}
		}, []string{`vitals.codes.149522@acme: the same code and sender as 149522@ACME (a sender is matched ignoring case)`}},
		{"codes per sender: unknown parameter", func(c *vitals.Config) { c.Codes = map[string]string{"149522@COMEN": "pleth"} },
			[]string{`vitals.codes.149522@COMEN: unknown parameter "pleth" (want one of hr, pr, pr_inv, spo2, nibp_sys, nibp_dia, nibp_mean, art_sys, art_dia, art_mean, rr, temp, etco2, cvp)`}},
		{"unit table", func(c *vitals.Config) { c.Units = map[string]string{"268160": "Fahrenheit"} },
			[]string{`vitals.units.268160: unknown canonical unit "Fahrenheit"`}},
		{"cuff deviation not a number", func(c *vitals.Config) { c.Rules.NIBPIBP.Deviation = math.NaN() },
			// NaN would judge every cuff reading after the first eight off its learned difference (cuffOffset), and flag each from the third
			[]string{"vitals.rules.nibp_ibp_agreement.deviation: NaN: want >= 0 (0 disables)"}},
		{"alert", func(c *vitals.Config) { c.Alert.MinSeverity = "" },
			[]string{`vitals.alert.min_severity: severity "": want info, warning or critical`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := vitals.DefaultConfig()
			tc.change(&c)
			err := c.Validate()
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("Validate() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if _, err := vitals.NewEngine(c); (err != nil) != (tc.want != nil) {
				t.Errorf("NewEngine error %v, want error: %v", err, tc.want != nil)
			}
		})
	}
}

func TestRuleSettings(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Rules.Range.Enabled = false
	cfg.Rules.BPOrder.Severity, cfg.Rules.BPOrder.Action = "info", "quarantine"
	fs := run(t, cfg, []tick{{0, msg{rows: []row{spo2("130"), artS("70"), artD("120"), artM("90")}}}, {10 * sec, msg{rows: []row{artS("70"), artD("120"), artM("90")}}}})
	checkRules(t, fs, "bp_order")
	if len(fs) == 1 && (fs[0].Severity != vitals.Info || fs[0].Action != vitals.Quarantine || fs[0].Kind != vitals.KindIntegrity) {
		t.Errorf("finding %+v: want severity info, action quarantine, kind integrity", fs[0])
	}
}

// TestPerMonitorProfile: the neonatal limits follow PV1-3, per monitor.
func TestPerMonitorProfile(t *testing.T) {
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		app, pv1 string
		want     int
	}{{"ADULTMON", "ICU^12", 0}, {"NEOMON", "NICU^3", 1}} {
		m, err := hl7.Parse([]byte("MSH|^~\\&|" + tc.app + "|F|||20260301120000||ORU^R01|1|P|2.6\rPID|||7\rPV1||I|" + tc.pv1 +
			"\rOBX|1|NM|150021^^MDC|1|160|mm[Hg]|||||R"))
		if err != nil {
			t.Fatal(err)
		}
		if fs := e.Observe(netip.MustParseAddr("192.0.2.1"), m, t0, nil); len(fs) != tc.want {
			t.Errorf("%s: cuff 160 mmHg gave %d findings, want %d", tc.pv1, len(fs), tc.want)
		}
	}
}

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

// TestPointOfCareMoves: PV1 is read again only when it changes (session 20,
// vcpu20), and the first located PV1-3 of a patient sets its class, which
// a point of care of another class later in the stream does not change
// (session 40, class40: before, the new one's limits applied from that
// message on, and a monitor rewritten to NICU had a neonate's heart-rate
// range); the location is reported (identity_class). A cuff systolic of
// 160 mmHg is impossible for a neonate, not for an adult. A move comes
// 11 min after the stream's first message: within classLate (10 min) of it
// the latest location decides (review40a, TestReviewClassStaleLocation);
// the first point of care comes after 1 min, within it.
func TestPointOfCareMoves(t *testing.T) {
	for _, tc := range []struct {
		name        string
		first, then string // PV1 of the first messages, and of the last one, with the cuff reading
		want        bool   // the cuff reading is out of range
		moved       bool   // identity_class is reported
		n           int    // messages 10 s apart before the last one
	}{
		{"adult bed, then a neonatal one", "|I|ICU^^BED1", "|I|NICU^^BED1", false, true, 66},
		{"neonatal bed, then an adult one", "|I|NICU^^BED1", "|I|ICU^^BED1", true, true, 66},
		{"neonatal bed throughout", "|I|NICU^^BED1", "|I|NICU^^BED1", true, false, 66},
		{"no point of care, then a neonatal one", "|I", "|I|NICU^^BED1", true, false, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(tc.n, 10*sec, func(i int) msg { m := normal(i); m.pv1 = tc.first; return m })
			last := normal(tc.n)
			last.pv1 = tc.then
			last.rows = append(last.rows, nibpS("160", ""))
			ticks = then(ticks, 10*sec, []tick{{0, last}})
			fs := run(t, vitals.DefaultConfig(), ticks)
			if got := slices.Contains(rulesOf(fs), "range"); got != tc.want {
				t.Errorf("cuff 160 mmHg out of range: %v, want %v", got, tc.want)
			}
			if got := slices.Contains(rulesOf(fs), "identity_class"); got != tc.moved {
				t.Errorf("identity_class: %v, want %v", got, tc.moved)
			}
		})
	}
}
