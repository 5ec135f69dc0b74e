package vitals

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Config configures an Engine. It is decoded by viper in cmd/ (mapstructure
// tags; durations as time.Duration) and checked with Validate. Start from
// DefaultConfig: zero thresholds are invalid, not "default".
type Config struct {
	// Profile selects the patient class of a monitor that neither Neonatal
	// nor Paediatric matches: "adult", "paediatric" or "neonatal".
	Profile string `mapstructure:"profile"`

	// Neonatal picks the monitors that get the neonatal limits, per monitor.
	Neonatal ClassConfig `mapstructure:"neonatal"`
	// Paediatric picks the monitors that carry children (the paediatric
	// class), per monitor; a monitor both match is neonatal.
	Paediatric ClassConfig `mapstructure:"paediatric"`

	// TimeZone is the IANA zone (e.g. "Europe/Berlin") of MSH-7 and OBX-14
	// values that carry no UTC offset; empty means UTC.
	TimeZone string `mapstructure:"time_zone"`

	// Placeholders are values that vendors send for "not measured", in
	// addition to the built-in ones (IEEE 11073 special values, -1, -99.9,
	// -100, -999, -1000, -9999, -32767, -32768). A placeholder is ignored
	// when it lies outside the parameter's range; inside it, it is a value.
	Placeholders []float64 `mapstructure:"placeholders"`
	// UnidentifiedNames are family names (PID-5 component 1 of its first
	// repetition, matched ignoring case and the field's trailing blanks) a
	// registration gives a patient it cannot identify yet, in addition to
	// the built-in UNKNOWN and UNIDENTIFIED: such an identity is
	// provisional, as one of sex U (PID-8) is, so that the patient's real
	// identity replacing it under the same visit and bed raises no
	// identity_patient (once). A family name only: empty ones, spaces
	// around one and HL7 separators (|^~) are refused.
	UnidentifiedNames []string `mapstructure:"unidentified_names"`
	// Rules holds one section per rule, named like the rule.
	Rules Rules `mapstructure:"rules"`
	// State bounds per-monitor stream state.
	State StateConfig `mapstructure:"state"`
	// Codes adds OBX-3 identifiers (component 1) to the code table: code →
	// parameter key (see Parameters, or "cvp", the central venous pressure,
	// read only beside the arterial pressures), e.g. "0002-4bb8": "spo2".
	// A key CODE@SENDER holds for the monitors whose sending application
	// (MSH-3) starts with SENDER, ignoring case, and wins over the code's
	// row for every sender, e.g. "149522@COMEN": "pr" (codes.csv's sender
	// column; for a code several matching senders name, the longest
	// sender's row wins, and a monitor keeps the rows of every sender it
	// matches).
	Codes map[string]string `mapstructure:"codes"`
	// Units adds OBX-6 identifiers to the unit table: unit → canonical unit
	// ("/min", "%", "mm[Hg]", "kPa", "Cel", "[degF]").
	Units map[string]string `mapstructure:"units"`
	// Alert configures HL7 alert messages to the central station.
	Alert AlertConfig `mapstructure:"alert"`
}

// ClassConfig says which monitors carry a patient class (neonates,
// children). A monitor matches when its source address is in one of Sources
// (CIDR prefixes), its sending application (MSH-3) contains one of
// Applications, or the point of care of its latest PV1-3 starts with one of
// Locations.
type ClassConfig struct {
	Sources      []string `mapstructure:"sources"`
	Applications []string `mapstructure:"applications"`
	Locations    []string `mapstructure:"locations"`
}

// Rule is the part every rule section shares.
type Rule struct {
	Enabled  bool   `mapstructure:"enabled"`
	Severity string `mapstructure:"severity"` // info | warning | critical
	Action   string `mapstructure:"action"`   // forward | annotate | quarantine
	// SeverityFor overrides Severity for the findings on one parameter:
	// parameter key (see Parameters) → severity, e.g. {"hr": "info"} for a
	// unit whose noisy ECG makes heart-rate spikes worth recording but not
	// alerting (Alert.MinSeverity). Findings on a whole message keep
	// Severity; a rule whose findings are all on the whole message
	// (replay_control_id, replay_window, time_skew, identity_patient,
	// identity_equipment, identity_application, identity_class, demo_data)
	// takes none (Validate refuses it).
	SeverityFor map[string]string `mapstructure:"severity_for"`
}

// Rules has one section per rule; docs/vitals.md describes each.
type Rules struct {
	Range               RangeRule         `mapstructure:"range"`
	UnitMismatch        Rule              `mapstructure:"unit_mismatch"`
	UnitChange          Rule              `mapstructure:"unit_change"`
	Rate                RateRule          `mapstructure:"rate_of_change"`
	HRPR                HRPRRule          `mapstructure:"hr_pr_agreement"`
	BPOrder             Rule              `mapstructure:"bp_order"`
	MAPFormula          MAPRule           `mapstructure:"map_formula"`
	PulsePressure       PulsePressureRule `mapstructure:"pulse_pressure"`
	NIBPIBP             NIBPIBPRule       `mapstructure:"nibp_ibp_agreement"`
	NIBPCadence         NIBPCadenceRule   `mapstructure:"nibp_cadence"`
	Frozen              FrozenRule        `mapstructure:"frozen"`
	TooRegular          RegularRule       `mapstructure:"too_regular"`
	ReplayControlID     ControlIDRule     `mapstructure:"replay_control_id"`
	ReplayWindow        ReplayWindowRule  `mapstructure:"replay_window"`
	TimeFuture          TimeFutureRule    `mapstructure:"time_future"`
	TimeBackwards       TimeBackwardsRule `mapstructure:"time_backwards"`
	TimeSkew            TimeSkewRule      `mapstructure:"time_skew"`
	IdentityPatient     IdentityRule      `mapstructure:"identity_patient"`
	IdentityEquipment   Rule              `mapstructure:"identity_equipment"`
	IdentityApplication Rule              `mapstructure:"identity_application"`
	// IdentityClass reports a PV1-3 point of care of another patient class
	// than the one the patient's class was set to, without a bed turnover:
	// the class stays the patient's (docs/vitals.md).
	IdentityClass Rule `mapstructure:"identity_class"`
	// DemoData reports messages marked as demonstration or test data (MSH-11
	// D, OBX-8 DEMO): a production listener still checks them, and the mark
	// itself is a finding, since a tampered device could set it to hide.
	DemoData Rule `mapstructure:"demo_data"`
	// Spike reports a 1–3 message excursion of one parameter that returns
	// to its baseline while no related channel moved (docs/vitals.md).
	Spike Rule `mapstructure:"spike"`
	// Decoupled reports the ECG heart rate and a pulse rate drifting apart
	// in a regular rhythm, one keeping its level (docs/vitals.md).
	Decoupled Rule `mapstructure:"decoupled"`
	// DriftReturn reports one channel returning in one message, alone, to
	// the level it had before a slow trend (docs/vitals.md).
	DriftReturn Rule `mapstructure:"drift_return"`
}

// Limits is an inclusive range in the parameter's base unit.
type Limits struct {
	Min float64 `mapstructure:"min"`
	Max float64 `mapstructure:"max"`
}

// RangeRule flags values outside the device/physiological range.
type RangeRule struct {
	Rule `mapstructure:",squash"`
	// Limits overrides the profile's limits per parameter key.
	Limits map[string]Limits `mapstructure:"limits"`
}

// RateRule flags steps faster than physiology allows that related channels
// do not mirror.
type RateRule struct {
	Rule            `mapstructure:",squash"`
	HRStep          float64       `mapstructure:"hr_step"`          // bpm between two samples (HR and pulse rates)
	SpO2Step        float64       `mapstructure:"spo2_step"`        // % between two samples
	SpO2PerMinute   float64       `mapstructure:"spo2_per_minute"`  // and faster than this
	TempStep        float64       `mapstructure:"temp_step"`        // Cel between two samples
	TempPerMinute   float64       `mapstructure:"temp_per_minute"`  // and faster than this
	PartnerResponse float64       `mapstructure:"partner_response"` // a related channel moving this much corroborates
	Corroboration   time.Duration `mapstructure:"corroboration"`    // time a related channel gets to follow
	MaxGap          time.Duration `mapstructure:"max_gap"`          // samples further apart are not compared
}

// HRPRRule flags sustained disagreement between ECG heart rate and pulse rate.
type HRPRRule struct {
	Rule       `mapstructure:",squash"`
	PROverHR   float64       `mapstructure:"pr_over_hr"`  // pulse above heart rate by more than this
	HROverPR   float64       `mapstructure:"hr_over_pr"`  // heart above pulse rate in an irregular rhythm (AF pulse deficit)
	Deficit    float64       `mapstructure:"deficit"`     // heart above pulse rate in a regular rhythm
	Irregular  float64       `mapstructure:"irregular"`   // median |ΔHR| between samples from which the rhythm counts as irregular
	Persist    time.Duration `mapstructure:"persist"`     // for at least this long
	MinSamples int           `mapstructure:"min_samples"` // and this many messages
}

// MAPRule flags a mean pressure inconsistent with systolic and diastolic.
type MAPRule struct {
	Rule             `mapstructure:",squash"`
	Tolerance        float64 `mapstructure:"tolerance"`          // |MAP − (DIA + 0.4·PP)| in mm[Hg]
	FormMin          float64 `mapstructure:"form_min"`           // form factor (MAP−DIA)/PP below this
	FormMax          float64 `mapstructure:"form_max"`           // or above this
	MinPulsePressure float64 `mapstructure:"min_pulse_pressure"` // form factor only judged from this PP
	// ChildFormMin replaces FormMin for the cuff readings of neonates and
	// children: their mean, measured at the oscillations' peak, lies nearer
	// the diastolic, which the cuff derives from it, the more so the slower
	// the heart (a form factor as low as 0.11 in genuine child cuffs).
	ChildFormMin float64 `mapstructure:"child_form_min"`
}

// PulsePressureRule flags implausibly narrow or wide pulse pressure.
type PulsePressureRule struct {
	Rule `mapstructure:",squash"`
	Max  float64 `mapstructure:"max"` // widest plausible SYS−DIA, mm[Hg]
}

// NIBPIBPRule flags cuff and arterial mean pressures that disagree over
// several cuff readings.
type NIBPIBPRule struct {
	Rule      `mapstructure:",squash"`
	Tolerance float64 `mapstructure:"tolerance"` // |NIBP MAP − ART MAP|, mm[Hg]
	Readings  int     `mapstructure:"readings"`  // consecutive cuff readings
	// Deviation: the arterial mean leaving the bed's learned cuff–arterial
	// difference by this many times that difference's learned scatter, on one
	// side, at DeviationReadings cuff readings in a row (see cuffOffset); 0
	// disables it.
	Deviation         float64 `mapstructure:"deviation"`
	DeviationReadings int     `mapstructure:"deviation_readings"`
}

// NIBPCadenceRule flags new cuff readings sooner than a cuff can cycle, and
// series of readings closer than any automatic interval that outlast a STAT
// series.
type NIBPCadenceRule struct {
	Rule        `mapstructure:",squash"`
	MinInterval time.Duration `mapstructure:"min_interval"` // an adult cuff's shortest cycle
	// MinIntervalChild is the shortest cycle of a neonatal or paediatric
	// cuff, which inflates less high and deflates over a narrower range.
	MinIntervalChild time.Duration `mapstructure:"min_interval_child"`
	// Stat is the longest series of readings less than statGap apart (a
	// STAT or continuous mode: five minutes on most monitors, ten on some,
	// fifteen of rapid readings after an interval is set on others).
	Stat time.Duration `mapstructure:"stat"`
}

// FrozenRule flags streams whose values all stop changing.
type FrozenRule struct {
	Rule          `mapstructure:",squash"`
	Duration      time.Duration `mapstructure:"duration"`       // unchanged for at least this long
	MinSamples    int           `mapstructure:"min_samples"`    // and this many messages
	MinParameters int           `mapstructure:"min_parameters"` // with at least this many continuous parameters present
	// ChannelDuration is the shortest freeze of one channel while others
	// move that is reported (and it must also be improbable for the
	// channel's learned variability).
	ChannelDuration time.Duration `mapstructure:"channel_duration"`
}

// RegularRule flags data too smooth or too exact to come from a patient.
type RegularRule struct {
	Rule         `mapstructure:",squash"`
	Window       int     `mapstructure:"window"`        // samples judged (≤ 32)
	MinRange     float64 `mapstructure:"min_range"`     // HR must move at least this much in the window
	MaxRoughness float64 `mapstructure:"max_roughness"` // mean |second difference| of HR below this is too smooth
}

// ControlIDRule flags a reused MSH-10.
type ControlIDRule struct {
	Rule         `mapstructure:",squash"`
	ResendWindow time.Duration `mapstructure:"resend_window"` // identical bytes within this are a retransmission
	History      int           `mapstructure:"history"`       // control IDs remembered per monitor
}

// ReplayWindowRule flags a run of samples repeating an earlier run.
type ReplayWindowRule struct {
	Rule        `mapstructure:",squash"`
	Samples     int `mapstructure:"samples"`      // run length
	MinDistinct int `mapstructure:"min_distinct"` // distinct samples a run needs to count (plateaus excluded)
	History     int `mapstructure:"history"`      // runs remembered per monitor
}

// TimeFutureRule flags timestamps ahead of the gateway clock (after the
// learned per-device offset) or OBX-14 after MSH-7.
type TimeFutureRule struct {
	Rule         `mapstructure:",squash"`
	MaxAhead     time.Duration `mapstructure:"max_ahead"`
	OBXTolerance time.Duration `mapstructure:"obx_tolerance"`
}

// TimeBackwardsRule flags MSH-7 going backwards.
type TimeBackwardsRule struct {
	Rule      `mapstructure:",squash"`
	Tolerance time.Duration `mapstructure:"tolerance"`
}

// TimeSkewRule flags timestamps far behind arrival (after the learned offset)
// and governs offset learning.
type TimeSkewRule struct {
	Rule      `mapstructure:",squash"`
	MaxBehind time.Duration `mapstructure:"max_behind"`
	Learn     int           `mapstructure:"learn"`   // messages whose median offset is learned
	Relearn   int           `mapstructure:"relearn"` // messages at a stable new offset before it is adopted
}

// IdentityRule flags a patient change on a monitor without admission.
type IdentityRule struct {
	Rule `mapstructure:",squash"`
	// TurnoverGap: a new patient after this long without messages is a
	// bed turnover, not a finding.
	TurnoverGap time.Duration `mapstructure:"turnover_gap"`
}

// StateConfig bounds the per-monitor state.
type StateConfig struct {
	MaxMonitors int `mapstructure:"max_monitors"`
	// MaxPerSource bounds the monitors one connection's messages keep state
	// for (a monitor, a gateway's beds, the devices behind a NAT): beyond
	// it, the connection's own least settled stream makes room.
	MaxPerSource int           `mapstructure:"max_per_source"`
	IdleEvict    time.Duration `mapstructure:"idle_evict"` // a monitor silent this long is forgotten
	// EpisodeHoldoff is how long a condition must stay absent before its
	// episode closes (a later occurrence opens a new one).
	EpisodeHoldoff time.Duration `mapstructure:"episode_holdoff"`
	// ReportClose makes Observe also return a Finding (Closed set) when an
	// episode closes.
	ReportClose bool `mapstructure:"report_close"`
}

// AlertConfig configures ORU^R40 alerts (see AppendAlert).
type AlertConfig struct {
	SendR40     bool   `mapstructure:"send_r40"`
	MinSeverity string `mapstructure:"min_severity"` // findings at or above this are alerted
}

// DefaultConfig returns the documented defaults: adult profile, every rule
// on, every action "forward".
func DefaultConfig() Config {
	on := func(sev string) Rule { return Rule{Enabled: true, Severity: sev, Action: "forward"} }
	return Config{
		Profile:    "adult",
		Neonatal:   ClassConfig{Locations: []string{"NICU", "NEO", "NNU", "SCBU"}},
		Paediatric: ClassConfig{Locations: []string{"PICU", "PCICU", "PAED", "PED"}},
		Rules: Rules{
			Range:        RangeRule{Rule: on("critical")},
			UnitMismatch: on("warning"),
			UnitChange:   on("warning"),
			Rate: RateRule{Rule: on("warning"), HRStep: 40, SpO2Step: 10, SpO2PerMinute: 60,
				TempStep: 1, TempPerMinute: 0.2, PartnerResponse: 5,
				Corroboration: 30 * time.Second, MaxGap: 2 * time.Minute},
			HRPR:                HRPRRule{Rule: on("warning"), PROverHR: 15, HROverPR: 50, Deficit: 15, Irregular: 4, Persist: 90 * time.Second, MinSamples: 3},
			BPOrder:             on("critical"),
			MAPFormula:          MAPRule{Rule: on("warning"), Tolerance: 25, FormMin: 0.15, FormMax: 0.75, MinPulsePressure: 30, ChildFormMin: 0.08},
			PulsePressure:       PulsePressureRule{Rule: on("info"), Max: 150},
			NIBPIBP:             NIBPIBPRule{Rule: on("warning"), Tolerance: 20, Readings: 2, Deviation: 3, DeviationReadings: 3},
			NIBPCadence:         NIBPCadenceRule{Rule: on("warning"), MinInterval: 30 * time.Second, MinIntervalChild: 18 * time.Second, Stat: 15 * time.Minute},
			Frozen:              FrozenRule{Rule: on("warning"), Duration: 2 * time.Minute, MinSamples: 6, MinParameters: 3, ChannelDuration: 5 * time.Minute},
			TooRegular:          RegularRule{Rule: on("warning"), Window: 30, MinRange: 6, MaxRoughness: 0.3},
			ReplayControlID:     ControlIDRule{Rule: on("critical"), ResendWindow: 2 * time.Minute, History: 1024},
			ReplayWindow:        ReplayWindowRule{Rule: on("critical"), Samples: 12, MinDistinct: 8, History: 360},
			TimeFuture:          TimeFutureRule{Rule: on("warning"), MaxAhead: 2 * time.Minute, OBXTolerance: 30 * time.Second},
			TimeBackwards:       TimeBackwardsRule{Rule: on("warning"), Tolerance: 5 * time.Second},
			TimeSkew:            TimeSkewRule{Rule: on("warning"), MaxBehind: 5 * time.Minute, Learn: 3, Relearn: 10},
			IdentityPatient:     IdentityRule{Rule: on("warning"), TurnoverGap: 10 * time.Minute},
			IdentityEquipment:   on("critical"),
			IdentityApplication: on("critical"),
			IdentityClass:       on("warning"),
			DemoData:            on("warning"),
			Spike:               on("warning"),
			Decoupled:           on("warning"),
			DriftReturn:         on("warning"),
		},
		State: StateConfig{MaxMonitors: 10000, MaxPerSource: 256, IdleEvict: 15 * time.Minute, EpisodeHoldoff: 5 * time.Minute},
		Alert: AlertConfig{SendR40: false, MinSeverity: "warning"},
	}
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Validate reports every invalid setting at once, each naming its key
// (e.g. "vitals.rules.rate_of_change.hr_step: ...").
func (c Config) Validate() error {
	var errs []error
	bad := func(key string, format string, a ...any) {
		errs = append(errs, fmt.Errorf("vitals.%s: "+format, append([]any{key}, a...)...))
	}
	if _, ok := classOf(c.Profile); !ok {
		bad("profile", "%q: want adult, paediatric or neonatal", c.Profile)
	}
	for _, cc := range [...]struct {
		key string
		c   *ClassConfig
	}{{"neonatal", &c.Neonatal}, {"paediatric", &c.Paediatric}} {
		for _, p := range cc.c.Sources {
			if _, err := netip.ParsePrefix(p); err != nil {
				bad(cc.key+".sources", "%w", err)
			}
		}
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		bad("time_zone", "%w", err)
	}
	for i, n := range c.UnidentifiedNames {
		key := fmt.Sprintf("unidentified_names[%d]", i)
		switch {
		case strings.TrimSpace(n) == "":
			// It would match every PID-5 without a family name.
			bad(key, "an empty name")
		case strings.TrimSpace(n) != n:
			// It would match no family name (Engine.unidentified drops a
			// name's trailing blanks): refused rather than left to do
			// nothing unseen (review47u).
			bad(key, "%q: spaces around the name", n)
		case strings.ContainsAny(n, "|^~"):
			// A whole name (UNKNOWN^BABY) or several: PID-5 component 1
			// holds none of these, so it would match nothing.
			bad(key, "%q: a family name only, no HL7 separator (|^~)", n)
		}
	}
	// Every rule section: severity and action.
	rv := reflect.ValueOf(c.Rules)
	for i := range rv.NumField() {
		name := rv.Type().Field(i).Tag.Get("mapstructure")
		key := "rules." + name
		f := rv.Field(i)
		r, ok := f.Interface().(Rule)
		if !ok {
			r = f.FieldByName("Rule").Interface().(Rule)
		}
		if _, err := ParseSeverity(r.Severity); err != nil {
			bad(key+".severity", "%w", err)
		}
		if len(r.SeverityFor) > 0 && wholeMessage(name) {
			// Accepted, it would do nothing: the operator who meant to
			// turn some of the rule's findings down would not be told.
			bad(key+".severity_for", "%s's findings name no parameter: its severity sets them all", name)
		} else {
			for _, k := range slices.Sorted(maps.Keys(r.SeverityFor)) {
				if _, ok := paramByKey(k); !ok {
					bad(key+".severity_for."+k, "unknown parameter")
				} else if _, err := ParseSeverity(r.SeverityFor[k]); err != nil {
					bad(key+".severity_for."+k, "%w", err)
				}
			}
		}
		if _, err := ParseAction(r.Action); err != nil {
			bad(key+".action", "%w", err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Rules.Range.Limits)) {
		l := c.Rules.Range.Limits[k]
		if _, ok := paramByKey(k); !ok {
			bad("rules.range.limits."+k, "unknown parameter")
		} else if !isFinite(l.Min) || !isFinite(l.Max) {
			bad("rules.range.limits."+k, "min %g, max %g: both must be finite numbers", l.Min, l.Max)
		} else if l.Min >= l.Max {
			bad("rules.range.limits."+k, "min %g not below max %g", l.Min, l.Max)
		}
	}
	pos := func(key string, v float64) {
		if !(v > 0) {
			bad(key, "%g: must be positive", v)
		}
	}
	posDur := func(key string, d time.Duration) {
		if d <= 0 {
			bad(key, "%s: must be positive", d)
		}
	}
	between := func(key string, v, lo, hi int) {
		if v < lo || v > hi {
			bad(key, "%d not in %d..%d", v, lo, hi)
		}
	}
	r := c.Rules
	pos("rules.rate_of_change.hr_step", r.Rate.HRStep)
	pos("rules.rate_of_change.spo2_step", r.Rate.SpO2Step)
	pos("rules.rate_of_change.spo2_per_minute", r.Rate.SpO2PerMinute)
	pos("rules.rate_of_change.temp_step", r.Rate.TempStep)
	pos("rules.rate_of_change.temp_per_minute", r.Rate.TempPerMinute)
	pos("rules.rate_of_change.partner_response", r.Rate.PartnerResponse)
	posDur("rules.rate_of_change.corroboration", r.Rate.Corroboration)
	posDur("rules.rate_of_change.max_gap", r.Rate.MaxGap)
	pos("rules.hr_pr_agreement.pr_over_hr", r.HRPR.PROverHR)
	pos("rules.hr_pr_agreement.hr_over_pr", r.HRPR.HROverPR)
	pos("rules.hr_pr_agreement.deficit", r.HRPR.Deficit)
	pos("rules.hr_pr_agreement.irregular", r.HRPR.Irregular)
	posDur("rules.hr_pr_agreement.persist", r.HRPR.Persist)
	between("rules.hr_pr_agreement.min_samples", r.HRPR.MinSamples, 1, 1000)
	pos("rules.map_formula.tolerance", r.MAPFormula.Tolerance)
	if !(r.MAPFormula.FormMin >= 0 && r.MAPFormula.FormMin < r.MAPFormula.FormMax && r.MAPFormula.FormMax <= 1) {
		bad("rules.map_formula.form_min", "%g..%g (form_max): want 0 <= form_min < form_max <= 1", r.MAPFormula.FormMin, r.MAPFormula.FormMax)
	}
	pos("rules.map_formula.min_pulse_pressure", r.MAPFormula.MinPulsePressure)
	if !(r.MAPFormula.ChildFormMin >= 0 && r.MAPFormula.ChildFormMin < r.MAPFormula.FormMax) {
		bad("rules.map_formula.child_form_min", "%g (form_max %g): want 0 <= child_form_min < form_max", r.MAPFormula.ChildFormMin, r.MAPFormula.FormMax)
	}
	pos("rules.pulse_pressure.max", r.PulsePressure.Max)
	pos("rules.nibp_ibp_agreement.tolerance", r.NIBPIBP.Tolerance)
	between("rules.nibp_ibp_agreement.readings", r.NIBPIBP.Readings, 1, 100)
	between("rules.nibp_ibp_agreement.deviation_readings", r.NIBPIBP.DeviationReadings, 1, 100)
	if !(r.NIBPIBP.Deviation >= 0) { // NaN too
		bad("rules.nibp_ibp_agreement.deviation", "%g: want >= 0 (0 disables)", r.NIBPIBP.Deviation)
	}
	posDur("rules.nibp_cadence.min_interval", r.NIBPCadence.MinInterval)
	posDur("rules.nibp_cadence.min_interval_child", r.NIBPCadence.MinIntervalChild)
	if r.NIBPCadence.Stat < statGap {
		bad("rules.nibp_cadence.stat", "%s: want at least %s (a STAT series is longer than one reading's gap)", r.NIBPCadence.Stat, statGap)
	}
	posDur("rules.frozen.duration", r.Frozen.Duration)
	posDur("rules.frozen.channel_duration", r.Frozen.ChannelDuration)
	between("rules.frozen.min_samples", r.Frozen.MinSamples, 2, 10000)
	between("rules.frozen.min_parameters", r.Frozen.MinParameters, 1, int(numParams-1))
	between("rules.too_regular.window", r.TooRegular.Window, 8, historyLen)
	pos("rules.too_regular.min_range", r.TooRegular.MinRange)
	pos("rules.too_regular.max_roughness", r.TooRegular.MaxRoughness)
	posDur("rules.replay_control_id.resend_window", r.ReplayControlID.ResendWindow)
	between("rules.replay_control_id.history", r.ReplayControlID.History, 1, 4096)
	between("rules.replay_window.samples", r.ReplayWindow.Samples, 4, historyLen)
	between("rules.replay_window.min_distinct", r.ReplayWindow.MinDistinct, 1, r.ReplayWindow.Samples)
	between("rules.replay_window.history", r.ReplayWindow.History, 1, maxRing)
	posDur("rules.time_future.max_ahead", r.TimeFuture.MaxAhead)
	posDur("rules.time_future.obx_tolerance", r.TimeFuture.OBXTolerance)
	posDur("rules.time_backwards.tolerance", r.TimeBackwards.Tolerance)
	posDur("rules.time_skew.max_behind", r.TimeSkew.MaxBehind)
	between("rules.time_skew.learn", r.TimeSkew.Learn, 1, maxLearn)
	between("rules.time_skew.relearn", r.TimeSkew.Relearn, 1, 10000)
	posDur("rules.identity_patient.turnover_gap", r.IdentityPatient.TurnoverGap)
	between("state.max_monitors", c.State.MaxMonitors, 1, 10_000_000)
	between("state.max_per_source", c.State.MaxPerSource, 1, 10_000_000)
	posDur("state.idle_evict", c.State.IdleEvict)
	if c.State.EpisodeHoldoff < 0 {
		bad("state.episode_holdoff", "%s: must not be negative", c.State.EpisodeHoldoff)
	}
	if _, err := ParseSeverity(c.Alert.MinSeverity); err != nil {
		bad("alert.min_severity", "%w", err)
	}
	if _, err := loadTables(c.Codes, c.Units); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
