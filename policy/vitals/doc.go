// Package vitals checks the vital-sign numerics that patient monitors send
// (IHE PCD-01 ORU^R01 with IEEE 11073 MDC or LOINC codes) for data that is
// impossible, internally inconsistent or statistically implausible — what a
// compromised monitor or a man in the middle produces — while staying quiet
// on genuine clinical events (a real desaturation, a tachycardia, a probe
// falling off, intermittent cuff readings, a re-send after a lost ACK, AF).
//
// One Engine serves every session of a gateway. It keeps bounded state per
// monitor — the device a message names (MSH-3, MSH-4) at its source address —
// and evicts monitors that fall silent. A condition that persists is one
// episode: only the message that opens it yields a Finding:
//
//	e, err := vitals.NewEngine(cfg) // cfg: vitals.DefaultConfig(), decoded and validated in cmd/
//	...
//	var m hl7.Message // per session, reused
//	var fs []vitals.Finding
//	for frame := range frames {
//		if err := m.Parse(frame); err != nil { ... }
//		fs = e.Observe(remote, &m, time.Now(), fs[:0]) // no allocation when nothing new is found
//		for _, f := range fs {
//			// log, count and publish f; f.Action says forward, annotate or quarantine
//		}
//		out := vitals.AppendAnnotated(buf[:0], &m, fs) // the message with NTE notes for Annotate findings
//		...
//	}
//
// A Finding names the rule, the monitor (address, MSH-3, MSH-4, OBX-18) and
// the message (MSH-10), never the patient: PID is only ever hashed, in
// memory, with a per-Engine random seed (PID-3 only), and its birth date
// (PID-7) is read in memory into an age band (under a year or unknown, a
// child, an adult) that narrows a neonatal location's class; the date is
// never stored, logged or put in a finding. AppendAlert writes a finding as an
// IHE PCD ACM style ORU^R40 for the central station.
//
// The rules, their thresholds, the annotation convention and measured
// detection numbers are documented in docs/vitals.md; the code table
// (codes.csv, units.csv) is data embedded in the package and extendable in
// configuration. Package sim generates labelled monitor traffic, genuine and
// manipulated, and measures the engine against it.
package vitals
