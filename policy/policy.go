// Package policy decides what happens to each monitor message: which allowlisted central stations it goes to
// (default deny), and which findings the vital-sign checks raise about it.
//
// A Chain is built once from configuration and evaluated for every message. Security checks may drop a
// message (the gateway answers AR or AE with the verdict's reason); vital-sign checks only add findings,
// because a clinician must still see the value:
//
//	router, err := policy.NewRouter(cfg.Routes, stationNames, listenerNames)
//	checks, err := policy.NewVitals(cfg.Vitals)
//	chain := policy.Chain{router, checks}
//	var v policy.Verdict // reused for every message
//	chain.Evaluate(ctx, &policy.Request{Listener: "icu", Source: src, Msg: msg, Station: -1}, &v)
//	if v.Drop { /* answer AR/AE with v.Reason */ }
//	for _, st := range v.Route.Stations { /* forward */ }
//
// The chain is the only door from the relay to the checks: the relay reads findings, annotated copies
// and alerts through it (Finding, Verdict.AppendAnnotated, Chain.ShouldAlert, AppendAlert), never through package
// vitals.
package policy

import (
	"context"
	"net/netip"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// Request is one parsed message and where it came from. Checks read it and never keep it.
type Request struct {
	Listener string
	Source   netip.Addr
	Msg      *hl7.Message
	// Arrival is when the message arrived, on a clock without steps (the gateway's: the system clock at
	// its start plus the monotonic time since): the vital-sign checks compare it with each device's clock.
	Arrival time.Time
	// Skew is how far the system clock lies ahead of Arrival's (the sum of its steps since the gateway
	// started; 0 under a second): a device whose clock is set right reads Arrival+Skew.
	Skew time.Duration
	// Station is the index of the station an intercepted connection's original destination maps to,
	// or -1 when the monitor connected to the gateway directly.
	Station int
}

// Verdict is the outcome of a Chain. The zero value means "forward, no findings, no route yet".
type Verdict struct {
	Drop      bool
	By        string      // the check that dropped
	Code      hl7.AckCode // AR for a policy rejection, AE for a message the gateway cannot handle
	ErrorCode int         // HL7 table 0357
	Reason    string      // short, no patient data; goes to the NAK and the logs
	Route     *Route      // where the message goes; nil until the router matched
	Findings  []Finding
}

// Finding is one vital-sign finding a check raised about a message (see package vitals).
type Finding = vitals.Finding

// AppendAnnotated appends to dst the message annotated with the findings whose rule asks for it, and
// reports whether any does; when none does it returns dst unchanged and false.
func (v *Verdict) AppendAnnotated(dst []byte, msg *hl7.Message) ([]byte, bool) {
	for _, f := range v.Findings {
		if f.Action == vitals.Annotate {
			return vitals.AppendAnnotated(dst, msg, v.Findings), true
		}
	}
	return dst, false
}

// Reset clears v for reuse, keeping the findings' storage.
func (v *Verdict) Reset() {
	*v = Verdict{Findings: v.Findings[:0]}
}

// Check is one step of a Chain. It may set out.Drop (with Code, ErrorCode and Reason) or add findings.
type Check interface {
	Name() string
	Check(ctx context.Context, req *Request, out *Verdict)
}

// Chain runs checks in configuration order; a drop ends it.
type Chain []Check

// Evaluate runs the chain over req into v (which it resets first).
func (c Chain) Evaluate(ctx context.Context, req *Request, v *Verdict) {
	v.Reset()
	for _, ch := range c {
		ch.Check(ctx, req, v)
		if v.Drop {
			v.By = ch.Name()
			return
		}
	}
	if v.Route == nil { // a chain without a router denies everything
		v.Drop, v.By, v.Code, v.ErrorCode, v.Reason = true, "default-deny", hl7.AR, hl7.CodeUnsupportedMessageType, "no route to an allowlisted station"
	}
}

// ShouldAlert reports whether the chain's vital-sign check wants f sent to the stations as an alert.
func (c Chain) ShouldAlert(f Finding) bool {
	for _, ch := range c {
		if v, ok := ch.(Vitals); ok && v.Engine.ShouldAlert(f) {
			return true
		}
	}
	return false
}

// Unrecognised returns how many numeric OBX rows the chain's vital-sign check could not judge because their
// code (codes) or unit (units) is not in its tables, since it was built; 0, 0 without one.
func (c Chain) Unrecognised() (codes, units uint64) {
	for _, ch := range c {
		if v, ok := ch.(Vitals); ok {
			return v.Engine.Unrecognised()
		}
	}
	return 0, 0
}

// AppendAlert appends to dst the ORU^R40 alert message for f, with MSH-10 controlID.
func AppendAlert(dst []byte, f Finding, controlID string, now time.Time) []byte {
	return vitals.AppendAlert(dst, f, controlID, now)
}

// NewVitals builds the vital-sign check from its configuration.
func NewVitals(cfg vitals.Config) (Vitals, error) {
	e, err := vitals.NewEngine(cfg)
	if err != nil {
		return Vitals{}, err
	}
	return Vitals{Engine: e}, nil
}

// Vitals runs the vital-sign engine over each message. Findings never drop a message unless the
// operator chose the quarantine action for the rule that raised them.
type Vitals struct {
	Engine *vitals.Engine
}

// Name implements Check.
func (Vitals) Name() string { return "vitals" }

// Check implements Check.
func (c Vitals) Check(_ context.Context, req *Request, out *Verdict) {
	n := len(out.Findings)
	out.Findings = c.Engine.ObserveSteady(req.Source, req.Msg, req.Arrival, req.Skew, out.Findings)
	for _, f := range out.Findings[n:] {
		if f.Action == vitals.Quarantine {
			out.Drop, out.Code, out.ErrorCode = true, hl7.AR, 207
			out.Reason = "quarantined by vital-sign rule " + f.Rule
			return
		}
	}
}
