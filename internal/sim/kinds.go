package sim

import "time"

// Kind is a manipulation the simulator can inject.
type Kind string

// Manipulations, each aimed at one or more vitals rules (Kind.Rules).
const (
	None                Kind = ""
	Range               Kind = "range"                // one parameter set to an impossible value
	HRStep              Kind = "hr_step"              // ECG HR shifted 45–80 bpm or set to 0, pulse rate untouched
	SpO2Step            Kind = "spo2_step"            // SpO2 dropped 12–25 % at once, nothing else responds
	HRPRDrift           Kind = "hr_pr_drift"          // ECG HR drifts away from the pulse rate over minutes
	BPOrder             Kind = "bp_order"             // systolic and diastolic swapped
	MAPFormula          Kind = "map_formula"          // mean pressure moved 30–45 mmHg, SYS/DIA kept
	PulsePressure       Kind = "pulse_pressure"       // diastolic pulled up to within a few mmHg of systolic
	NIBPIBP             Kind = "nibp_ibp"             // arterial line shifted 35–50 mmHg, cuff untouched
	NIBPCadence         Kind = "nibp_cadence"         // a "new" cuff reading in every message
	Frozen              Kind = "frozen"               // every value repeated from one message
	TooRegular          Kind = "too_regular"          // synthetic smooth HR; PR copied from it, or smooth too
	ReplayWindow        Kind = "replay_window"        // values of 30 earlier messages re-sent with new IDs and times
	ReplayMessage       Kind = "replay_message"       // earlier messages re-sent byte for byte
	ControlIDReuse      Kind = "control_id_reuse"     // new messages carrying earlier control IDs
	TimeFuture          Kind = "time_future"          // MSH-7 10–60 min ahead
	TimeBackwards       Kind = "time_backwards"       // MSH-7 1–3 h back
	IdentityPatient     Kind = "identity_patient"     // another patient's PID without admission
	IdentityEquipment   Kind = "identity_equipment"   // another EUI-64 in OBX-18
	IdentityApplication Kind = "identity_application" // another MSH-3
	UnitChange          Kind = "unit_change"          // temperature switched to [degF] (converted correctly)
	UnitMislabel        Kind = "unit_mislabel"        // temperature in °F labelled Cel
)

// Kinds returns every manipulation kind.
func Kinds() []Kind {
	return []Kind{Range, HRStep, SpO2Step, HRPRDrift, BPOrder, MAPFormula, PulsePressure, NIBPIBP,
		NIBPCadence, Frozen, TooRegular, ReplayWindow, ReplayMessage, ControlIDReuse, TimeFuture,
		TimeBackwards, IdentityPatient, IdentityEquipment, IdentityApplication, UnitChange, UnitMislabel}
}

// Applies reports whether k can be injected at one message per interval: a
// cuff cannot be shown cycling too fast when messages are 30 s or more apart.
func (k Kind) Applies(interval time.Duration) bool {
	return k != NIBPCadence || interval < 30*time.Second
}

// Rules returns the vitals rules that count as detecting k.
func (k Kind) Rules() []string {
	switch k {
	case Range:
		return []string{"range"}
	case HRStep:
		return []string{"rate_of_change", "hr_pr_agreement"}
	case SpO2Step:
		return []string{"rate_of_change"}
	case HRPRDrift:
		return []string{"hr_pr_agreement"}
	case BPOrder:
		return []string{"bp_order"}
	case MAPFormula:
		return []string{"map_formula", "bp_order"}
	case PulsePressure: // the diastolic jumps to the systolic: a step no other channel shares
		return []string{"pulse_pressure", "map_formula", "bp_order", "rate_of_change"}
	case NIBPIBP:
		return []string{"nibp_ibp_agreement"}
	case NIBPCadence:
		return []string{"nibp_cadence"}
	case Frozen:
		return []string{"frozen"}
	case TooRegular:
		return []string{"too_regular"}
	case ReplayWindow:
		return []string{"replay_window"}
	case ReplayMessage:
		return []string{"replay_control_id", "time_backwards", "time_skew"}
	case ControlIDReuse:
		return []string{"replay_control_id"}
	case TimeFuture:
		return []string{"time_future"}
	case TimeBackwards:
		return []string{"time_backwards", "time_skew"}
	case IdentityPatient:
		return []string{"identity_patient"}
	case IdentityEquipment: // the EUI-64 is in MSH-3 too: another device
		return []string{"identity_equipment", "identity_application"}
	case IdentityApplication:
		return []string{"identity_application"}
	case UnitChange:
		return []string{"unit_change"}
	case UnitMislabel:
		return []string{"unit_mismatch", "range"}
	}
	return nil
}

// span returns how many messages a manipulation of kind k lasts at one
// message per interval seconds (at least 1), and whether it needs the
// monitor to have an arterial line.
func (k Kind) span(interval float64) (n int, needsART bool) {
	minutes := func(m float64) int { return max(1, int(m*60/interval)) }
	switch k {
	case Range, ReplayMessage, ControlIDReuse:
		return 5, false
	case TimeFuture, TimeBackwards, IdentityPatient, IdentityEquipment, IdentityApplication, UnitChange, UnitMislabel:
		return 10, false
	case ReplayWindow:
		return max(30, minutes(5)), false
	case TooRegular:
		return max(40, minutes(10)), false // a generator runs for long; the check needs 30 samples
	case NIBPCadence:
		return max(4, minutes(2)), false
	case BPOrder, MAPFormula, PulsePressure:
		return minutes(10), true
	case NIBPIBP:
		return minutes(20), true
	}
	return minutes(10), false // steps, drift, frozen, too regular
}
