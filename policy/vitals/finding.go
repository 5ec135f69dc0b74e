package vitals

import (
	"fmt"
	"net/netip"
	"time"
)

// Severity grades a finding.
type Severity uint8

// Severities, lowest first. Critical means "impossible" (physics, protocol),
// Warning "unusual and unexplained", Info "worth recording".
const (
	Info Severity = iota + 1
	Warning
	Critical
)

var severityNames = [...]string{Info: "info", Warning: "warning", Critical: "critical"}

// String returns "info", "warning" or "critical".
func (s Severity) String() string {
	if int(s) < len(severityNames) && severityNames[s] != "" {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", uint8(s))
}

// MarshalText implements encoding.TextMarshaler (JSON findings carry names).
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) (err error) {
	*s, err = ParseSeverity(string(b))
	return err
}

// ParseSeverity parses the configuration spelling of a severity.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if n != "" && n == s {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("severity %q: want info, warning or critical", s)
}

// Action is what the gateway does with a message that has a finding.
type Action uint8

// Actions. Forward is the default for every rule: the message goes to the
// station unchanged and the finding is raised. Quarantine (hold the message
// back) is only ever an explicit operator choice.
const (
	Forward Action = iota
	Annotate
	Quarantine
)

var actionNames = [...]string{Forward: "forward", Annotate: "annotate", Quarantine: "quarantine"}

// String returns "forward", "annotate" or "quarantine".
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// MarshalText implements encoding.TextMarshaler.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Action) UnmarshalText(b []byte) (err error) {
	*a, err = ParseAction(string(b))
	return err
}

// ParseAction parses the configuration spelling of an action.
func ParseAction(s string) (Action, error) {
	for i, n := range actionNames {
		if n == s {
			return Action(i), nil
		}
	}
	return 0, fmt.Errorf("action %q: want forward, annotate or quarantine", s)
}

// Kinds of finding.
const (
	KindIntegrity = "integrity" // manipulation suspected
	KindQuality   = "quality"   // artefact or technical problem
)

// Finding is one thing a check saw in one message. It identifies the monitor
// and the message but never the patient: no PID content, no free text from
// the message.
type Finding struct {
	Rule     string   // rule name, e.g. "hr_pr_agreement" (see docs/vitals.md)
	Severity Severity // from configuration
	Kind     string   // KindIntegrity or KindQuality

	Source             netip.Addr // the monitor's address
	SendingApplication string     // MSH-3 as sent (device name, often with its EUI-64)
	SendingFacility    string     // MSH-4
	Equipment          string     // OBX-18.1 of the device, e.g. an EUI-64
	ControlID          string     // MSH-10

	ObservedAt time.Time // OBX-14 of the value, else MSH-7, else the arrival time
	Parameter  string    // MDC reference ID, e.g. "MDC_ECG_HEART_RATE"; empty for message-level rules

	// Value, Other and Threshold are the numbers the rule compared; their
	// meaning per rule is listed in docs/vitals.md. Values are in base units
	// (/min, %, mm[Hg], Cel); times are in seconds.
	Value, Other, Threshold float64

	Explanation string // one line, constant per rule variant, no patient data
	Action      Action // from configuration

	// Segment is the index (as in hl7.Message.Segment) of the OBX the finding
	// is about, or 0 when it concerns the message as a whole.
	Segment int

	// A Finding opens an episode: while the condition persists, later
	// messages of the monitor update it and yield no Finding. Closed is set
	// on the notice that ends an episode (only with State.ReportClose);
	// Count is then the number of messages that showed the condition, and
	// Value and ObservedAt are those of the last one. Count is 1 at opening.
	Closed bool
	Count  int
}

// ruleID enumerates the rules; names and kinds are fixed per rule.
type ruleID uint8

const (
	rRange ruleID = iota
	rUnitMismatch
	rUnitChange
	rRate
	rHRPR
	rBPOrder
	rMAP
	rPulsePressure
	rNIBPIBP
	rNIBPCadence
	rFrozen
	rRegular
	rReplayControlID
	rReplayWindow
	rTimeFuture
	rTimeBackwards
	rTimeSkew
	rIdentityPatient
	rIdentityEquipment
	rIdentityApplication
	rIdentityClass
	rDemo
	rSpike
	rDecoupled
	rDriftReturn
	numRules
)

// ruleInfo is the fixed part of a rule: name, default kind, and whether
// its findings are all on the whole message (Finding.Parameter empty:
// every em.add of the rule passes pNone), so that a severity_for, which
// sets the severity of one parameter's findings, has nothing to act on
// (Config.Validate refuses it; TestRuleInfoWhole reads the em.add calls).
// A rule with findings of both kinds (frozen, time_future,
// time_backwards) is not.
var ruleInfo = [numRules]struct {
	name, kind string
	whole      bool
}{
	rRange:               {"range", KindIntegrity, false},
	rUnitMismatch:        {"unit_mismatch", KindQuality, false},
	rUnitChange:          {"unit_change", KindIntegrity, false},
	rRate:                {"rate_of_change", KindIntegrity, false},
	rHRPR:                {"hr_pr_agreement", KindIntegrity, false},
	rBPOrder:             {"bp_order", KindIntegrity, false},
	rMAP:                 {"map_formula", KindIntegrity, false},
	rPulsePressure:       {"pulse_pressure", KindQuality, false},
	rNIBPIBP:             {"nibp_ibp_agreement", KindIntegrity, false},
	rNIBPCadence:         {"nibp_cadence", KindIntegrity, false},
	rFrozen:              {"frozen", KindIntegrity, false},
	rRegular:             {"too_regular", KindIntegrity, false},
	rReplayControlID:     {"replay_control_id", KindIntegrity, true},
	rReplayWindow:        {"replay_window", KindIntegrity, true},
	rTimeFuture:          {"time_future", KindIntegrity, false},
	rTimeBackwards:       {"time_backwards", KindIntegrity, false},
	rTimeSkew:            {"time_skew", KindIntegrity, true},
	rIdentityPatient:     {"identity_patient", KindIntegrity, true},
	rIdentityEquipment:   {"identity_equipment", KindIntegrity, true},
	rIdentityApplication: {"identity_application", KindIntegrity, true},
	rIdentityClass:       {"identity_class", KindIntegrity, true},
	rDemo:                {"demo_data", KindIntegrity, true},
	rSpike:               {"spike", KindIntegrity, false},
	rDecoupled:           {"decoupled", KindIntegrity, false},
	rDriftReturn:         {"drift_return", KindIntegrity, false},
}

// wholeMessage reports whether the rule named name (its configuration
// key) has findings on the whole message only (ruleInfo).
func wholeMessage(name string) bool {
	for _, r := range ruleInfo {
		if r.name == name {
			return r.whole
		}
	}
	return false
}

// RuleNames returns the names of all rules, in a fixed order.
func RuleNames() []string {
	out := make([]string, numRules)
	for i := range out {
		out[i] = ruleInfo[i].name
	}
	return out
}
