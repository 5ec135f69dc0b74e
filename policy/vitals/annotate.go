package vitals

import (
	"strconv"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// AnnotationSource is NTE-2 (source of comment) of the notes AppendAnnotated
// adds, so a station can tell gateway notes from the monitor's own.
const AnnotationSource = "HL7GATE"

// AppendAnnotated appends to dst the message m with one note per finding in
// fs whose Action is Annotate; other findings are ignored. The convention
// (docs/vitals.md): a finding about a value adds
//
//	NTE|<n>|HL7GATE|<severity> <rule>: <explanation>
//
// directly after that value's OBX; a finding about the whole message adds
// the same after the first OBR (after the last segment when there is none).
// n counts from 1 at each insertion point. Every other byte of m is kept,
// including its segment terminators (the note reuses the terminator of the
// segment it follows).
func AppendAnnotated(dst []byte, m *hl7.Message, fs []Finding) []byte {
	whole := m.Bytes()
	msgLevel := m.NumSegments() - 1
	for i := range m.NumSegments() {
		if string(m.Segment(i).Name()) == "OBR" {
			msgLevel = i
			break
		}
	}
	d := m.Delimiters()
	pos := 0
	for i := range m.NumSegments() {
		_, end := m.SegmentSpan(i)
		term := end
		if term < len(whole) && whole[term] == '\r' {
			term++
		}
		if term < len(whole) && whole[term] == '\n' {
			term++
		}
		dst = append(dst, whole[pos:term]...)
		pos = term
		n := 0
		for _, f := range fs {
			at := f.Segment
			if at <= 0 || at >= m.NumSegments() {
				at = msgLevel
			}
			if f.Action != Annotate || at != i {
				continue
			}
			if term == end { // the segment had no terminator: end it first
				dst = append(dst, '\r')
			}
			n++
			dst = append(dst, "NTE"...)
			dst = append(dst, d.Field)
			dst = strconv.AppendInt(dst, int64(n), 10)
			dst = append(dst, d.Field)
			dst = append(dst, AnnotationSource...)
			dst = append(dst, d.Field)
			dst = d.Escape(dst, []byte(f.Severity.String()+" "+f.Rule+": "+f.Explanation))
			if term == end {
				continue
			}
			dst = append(dst, whole[end:term]...)
		}
	}
	return append(dst, whole[pos:]...)
}

// ShouldAlert reports whether f is to be sent to the central station as an
// ORU^R40 alert under the Engine's alert configuration.
func (e *Engine) ShouldAlert(f Finding) bool {
	min, _ := ParseSeverity(e.cfg.Alert.MinSeverity)
	return e.cfg.Alert.SendR40 && f.Severity >= min
}

// AppendAlert appends an ORU^R40 alert for f in the style of IHE PCD ACM
// (PCD-04): OBR-4 196616^MDC_EVT_ALARM^MDC and one OBX per facet in OBX-4
// dotted notation (1 event, 2 source, 3 phase, 4 state, 5 inactivation
// state, 6 priority, 7 type). It carries the monitor's identity (address,
// equipment) and the finding, never patient data: there is no PID segment.
// controlID is MSH-10 of the alert and its OBR-2/3 alert ID.
func AppendAlert(dst []byte, f Finding, controlID string, now time.Time) []byte {
	priority := map[Severity]string{Critical: "PH", Warning: "PM", Info: "PL"}[f.Severity]
	typ := "SA" // integrity: advisory to the security and clinical staff
	if f.Kind == KindQuality {
		typ = "ST" // technical
	}
	b := hl7.NewBuilder(hl7.DefaultDelimiters(), dst)
	b.Segment("MSH").Field(AnnotationSource).Field(AnnotationSource).Skip(2).Time(now).Skip(1).
		Field("ORU").Component("R40").Component("ORU_R40").Field(controlID).Field("P").Field("2.6").
		Skip(2).Field("NE").Field("AL").Skip(1).Field("UNICODE UTF-8").Skip(2).
		Field("IHE_PCD_ACM_001").Component("IHE PCD").Component("1.3.6.1.4.1.19376.1.6.1.4.1").Component("ISO")
	b.Segment("OBR").Field("1").Field(controlID).Component(AnnotationSource).Field(controlID).Component(AnnotationSource).
		Field("196616").Component("MDC_EVT_ALARM").Component("MDC").Skip(2).Time(f.ObservedAt)
	obx := func(n int, typ, code, name string) *hl7.Builder {
		return b.Segment("OBX").Field(strconv.Itoa(n)).Field(typ).Field(code).Component(name).Component("MDC").
			Field("1.0.0.0." + strconv.Itoa(n))
	}
	obx(1, "CWE", "196616", "MDC_EVT_ALARM").Field(f.Rule).Component(f.Explanation).Component("99HL7GATE").
		Skip(2).Field(priority).Rep(typ).Skip(2).Field("R").Skip(2).Time(f.ObservedAt).Skip(3).Field(f.Equipment)
	if p := paramByRef(f.Parameter); p != pNone {
		obx(2, "NM", params[p].code, params[p].ref).Field(strconv.FormatFloat(f.Value, 'f', -1, 64)).Skip(5).Field("R")
	} else {
		obx(2, "ST", "68480", "MDC_ATTR_ALERT_SOURCE").Field(f.Source.String()).Skip(5).Field("R")
	}
	obx(3, "ST", "68481", "MDC_ATTR_EVENT_PHASE").Field("start").Skip(5).Field("R")
	obx(4, "ST", "68482", "MDC_ATTR_ALARM_STATE").Field("active").Skip(5).Field("R")
	obx(5, "ST", "68483", "MDC_ATTR_ALARM_INACTIVATION_STATE").Field("enabled").Skip(5).Field("R")
	obx(6, "ST", "68484", "MDC_ATTR_ALARM_PRIORITY").Field(priority).Skip(5).Field("R")
	obx(7, "ST", "68485", "MDC_ATTR_ALERT_TYPE").Field(typ).Skip(5).Field("R")
	return b.Bytes()
}

func paramByRef(ref string) param {
	for p := pHR; p < numParams; p++ {
		if params[p].ref == ref {
			return p
		}
	}
	return pNone
}
