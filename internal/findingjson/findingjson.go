// Package findingjson is the JSON form of a vital-sign finding that `hl7gate check` writes and that hl7load's
// --check relay writes beside it, so that the two can be compared field by field. It carries no patient data.
package findingjson

import (
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// Finding is a vitals.Finding's reported fields (not the monitor's address, which each writer places itself).
type Finding struct {
	Rule               string          `json:"rule"`
	Severity           vitals.Severity `json:"severity"`
	Kind               string          `json:"kind"`
	SendingApplication string          `json:"sending_application"`
	SendingFacility    string          `json:"sending_facility,omitempty"`
	Equipment          string          `json:"equipment,omitempty"`
	ControlID          string          `json:"control_id"`
	ObservedAt         time.Time       `json:"observed_at"`
	Parameter          string          `json:"parameter,omitempty"`
	Value              float64         `json:"value"`
	Other              float64         `json:"other"`
	Threshold          float64         `json:"threshold"`
	Explanation        string          `json:"explanation"`
	Action             vitals.Action   `json:"action"`
}

// From returns f's reported fields.
func From(f *vitals.Finding) Finding {
	return Finding{Rule: f.Rule, Severity: f.Severity, Kind: f.Kind, SendingApplication: f.SendingApplication,
		SendingFacility: f.SendingFacility, Equipment: f.Equipment, ControlID: f.ControlID, ObservedAt: f.ObservedAt,
		Parameter: f.Parameter, Value: f.Value, Other: f.Other, Threshold: f.Threshold, Explanation: f.Explanation,
		Action: f.Action}
}
