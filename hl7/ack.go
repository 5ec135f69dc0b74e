package hl7

import (
	"bytes"
	"strconv"
	"time"
)

// AckCode is an acknowledgment code (HL7 table 0008), written to MSA-1.
type AckCode string

// Acknowledgment codes: original mode (application) and enhanced mode (commit).
const (
	AA AckCode = "AA" // application accept
	AE AckCode = "AE" // application error
	AR AckCode = "AR" // application reject
	CA AckCode = "CA" // commit accept
	CE AckCode = "CE" // commit error
	CR AckCode = "CR" // commit reject
)

// Positive reports whether c accepts the message (AA or CA).
func (c AckCode) Positive() bool { return c == AA || c == CA }

// Error condition codes of HL7 table 0357, for Ack.ErrorCode (ERR-3, or ERR-1
// before v2.5). AppendAck writes each with its table text.
const (
	CodeSegmentSequence        = 100 // segments not in the proper order, missing or repeated too often
	CodeRequiredFieldMissing   = 101 // a required field is missing
	CodeDataType               = 102 // a field holds data of the wrong type (bad bytes, too long)
	CodeTableValue             = 103 // a coded value is not in its table
	CodeUnsupportedMessageType = 200 // MSH-9.1 is not supported
	CodeUnsupportedEvent       = 201 // MSH-9.2 is not supported
	CodeUnsupportedProcessing  = 202 // MSH-11 is not supported
	CodeUnsupportedVersion     = 203 // MSH-12 is not supported
	CodeUnknownKey             = 204 // a key identifier is unknown
	CodeDuplicateKey           = 205 // a key identifier already exists
	CodeRecordLocked           = 206 // the record is locked
	CodeInternalError          = 207 // the application failed (not the message)
)

// Ack describes an acknowledgment to write with AppendAck or AppendNak.
type Ack struct {
	Code AckCode
	// ErrorCode is an HL7 table 0357 code (the Code constants); 0 writes no
	// ERR segment. A message routed nowhere is CodeUnsupportedMessageType or
	// CodeUnsupportedEvent, not CodeInternalError; a body refused by
	// CheckBody is (*BodyError).ErrorCode().
	ErrorCode int
	// Reason is a short text without patient data. Before v2.5 it goes to
	// MSA-3; from v2.5 on to ERR-8, so only when ErrorCode is set.
	Reason    string
	ControlID string    // MSH-10 of the ACK itself
	Time      time.Time // MSH-7 of the ACK; the zero Time leaves MSH-7 empty
}

// ackHeader holds the raw fields of the original MSH that an ACK repeats,
// all valid under d.
type ackHeader struct {
	d                                            Delimiters
	sendApp, sendFac, recvApp, recvFac           []byte
	trigger, controlID, procID, version, charset []byte
}

// AppendAck appends to dst the acknowledgment of orig described by a, in
// orig's delimiters: MSH with sending and receiving application and facility
// swapped, MSH-9 ACK^<trigger>^ACK (just ACK when orig has no trigger event),
// MSH-11 and MSH-12 copied from orig (P and 2.5 when empty), MSH-18 copied when
// orig has one; MSA with a.Code and orig's MSH-10; and, when a.ErrorCode is not
// 0, an ERR segment: ERR-3 code^text^HL70357, ERR-4 severity E and ERR-8
// a.Reason from v2.5 on, ERR-1 ^^^code&text&HL70357 before. It does not
// allocate when dst has room. A nil or empty orig gives what AppendNak gives
// for input without MSH.
func AppendAck(dst []byte, orig *Message, a Ack) []byte {
	if orig == nil || orig.NumSegments() == 0 {
		return appendAck(dst, ackHeader{d: DefaultDelimiters()}, a)
	}
	return appendAck(dst, ackHeader{
		d:         orig.d,
		sendApp:   orig.msh(3),
		sendFac:   orig.msh(4),
		recvApp:   orig.msh(5),
		recvFac:   orig.msh(6),
		trigger:   orig.HeaderField(9).Component(2).b,
		controlID: orig.msh(10),
		procID:    orig.msh(11),
		version:   orig.msh(12),
		charset:   orig.msh(18),
	}, a)
}

// AppendNak is AppendAck for input too broken to parse. Like HAPI's
// getCriticalResponseData, it looks for the first MSH segment in raw (one
// that starts the input or a line, after any white space: an "MSH" inside a
// segment is data, and echoing it would put that data in the answer), takes its
// delimiters and MSH-3 to 6, 9, 10, 11, 12 and 18, and answers in kind. When
// the delimiters are not valid it answers with DefaultDelimiters and copies
// only the fields that contain none of them; with no MSH at all, MSA-2 is
// empty.
func AppendNak(dst []byte, raw []byte, a Ack) []byte {
	return appendAck(dst, recoverHeader(raw), a)
}

func recoverHeader(raw []byte) ackHeader {
	h := ackHeader{d: DefaultDelimiters()}
	i := findMSH(raw)
	if i < 0 || len(raw)-i < 4 || !legalDelimiter(raw[i+3]) {
		return h
	}
	seg := raw[i:]
	if j := bytes.IndexAny(seg, "\r\n"); j >= 0 {
		seg = seg[:j]
	}
	d, _, err := headerDelimiters(seg)
	safe := func(v []byte) []byte { return v }
	if err != nil {
		d = DefaultDelimiters()
		d.Field = seg[3]
		safe = func(v []byte) []byte {
			if bytes.ContainsAny(v, `|^~\&`) {
				return nil
			}
			return v
		}
	} else {
		h.d = d
	}
	msh := Segment{b: seg, d: sepsOf(d)}
	h.sendApp = safe(msh.Field(3).b)
	h.sendFac = safe(msh.Field(4).b)
	h.recvApp = safe(msh.Field(5).b)
	h.recvFac = safe(msh.Field(6).b)
	h.trigger = safe(msh.Field(9).Component(2).b)
	h.controlID = safe(msh.Field(10).b)
	h.procID = safe(msh.Field(11).b)
	h.version = safe(msh.Field(12).b)
	h.charset = safe(msh.Field(18).b)
	return h
}

// findMSH returns the offset of the first "MSH" that starts raw or a line
// (after a CR or LF), spaces and tabs before it skipped, or -1.
func findMSH(raw []byte) int {
	for i := skipLeadingSpace(raw); i < len(raw); {
		if bytes.HasPrefix(raw[i:], []byte("MSH")) {
			return i
		}
		for i += indexEither(raw[i:], '\r', '\n'); i < len(raw) && (raw[i] == '\r' || raw[i] == '\n' || raw[i] == ' ' || raw[i] == '\t'); i++ {
		}
	}
	return -1
}

func appendAck(dst []byte, h ackHeader, a Ack) []byte {
	b := Builder{d: h.d, buf: dst}
	b.Segment("MSH").RawField(h.recvApp).RawField(h.recvFac).RawField(h.sendApp).RawField(h.sendFac)
	if a.Time.IsZero() {
		b.Skip(1)
	} else {
		b.Time(a.Time)
	}
	b.Skip(1).Field("ACK")
	if len(h.trigger) > 0 {
		b.buf = append(b.buf, h.d.Component)
		b.buf = append(b.buf, h.trigger...)
		b.Component("ACK")
	}
	b.Field(a.ControlID)
	if len(h.procID) == 0 {
		h.procID = []byte("P")
	}
	if len(h.version) == 0 {
		h.version = []byte("2.5")
	}
	b.RawField(h.procID).RawField(h.version)
	if len(h.charset) > 0 {
		b.Skip(5).RawField(h.charset)
	}
	b.Segment("MSA").Field(string(a.Code)).RawField(h.controlID)
	old := versionBefore25(h.version)
	if old && a.Reason != "" {
		b.Field(a.Reason)
	}
	if a.ErrorCode != 0 {
		b.Segment("ERR")
		if old {
			b.Skip(1).Component("").Component("").Component("")
			b.buf = strconv.AppendInt(b.buf, int64(a.ErrorCode), 10)
			b.Sub(errorText(a.ErrorCode)).Sub("HL70357")
		} else {
			b.Skip(3)
			b.buf = strconv.AppendInt(b.buf, int64(a.ErrorCode), 10)
			b.Component(errorText(a.ErrorCode)).Component("HL70357").Field("E")
			if a.Reason != "" {
				b.Skip(3).Field(a.Reason)
			}
		}
	}
	return b.Bytes()
}

// versionBefore25 reports whether an MSH-12 value names a version before 2.5,
// which reports errors in MSA-3 and ERR-1 rather than ERR-3 and ERR-8.
func versionBefore25(v []byte) bool {
	if len(v) < 3 || v[0] != '2' || v[1] != '.' || !isDigit(v[2]) {
		return false
	}
	return v[2] < '5' && (len(v) == 3 || !isDigit(v[3]))
}

// errorText returns the HL7 table 0357 description of code, or "".
func errorText(code int) string {
	switch code {
	case 0:
		return "Message accepted"
	case CodeSegmentSequence:
		return "Segment sequence error"
	case CodeRequiredFieldMissing:
		return "Required field missing"
	case CodeDataType:
		return "Data type error"
	case CodeTableValue:
		return "Table value not found"
	case CodeUnsupportedMessageType:
		return "Unsupported message type"
	case CodeUnsupportedEvent:
		return "Unsupported event code"
	case CodeUnsupportedProcessing:
		return "Unsupported processing id"
	case CodeUnsupportedVersion:
		return "Unsupported version id"
	case CodeUnknownKey:
		return "Unknown key identifier"
	case CodeDuplicateKey:
		return "Duplicate key"
	case CodeRecordLocked:
		return "Application record locked"
	case CodeInternalError:
		return "Application internal error"
	}
	return ""
}

// ParseAck returns MSA-1 and MSA-2 of an acknowledgment. ok is false unless
// m reads the same to every receiver: it has exactly one MSA segment, MSA-1 is
// one of the six codes, MSA-2 holds no control character, and no segment holds
// a line feed as data (a receiver that ends segments at every LF, as Mirth does
// by default, would read other segments, perhaps another MSA). A station that
// answers ambiguously has not answered. MSA-2 may be empty (an answer to a
// message too broken to have a control ID); it is never nil when ok.
func ParseAck(m *Message) (code AckCode, controlID []byte, ok bool) {
	msa, found := m.Find("MSA", 1)
	if !found {
		return "", nil, false
	}
	if _, twice := m.Find("MSA", 2); twice {
		return "", nil, false
	}
	switch string(msa.Field(1).b) {
	case "AA":
		code = AA
	case "AE":
		code = AE
	case "AR":
		code = AR
	case "CA":
		code = CA
	case "CE":
		code = CE
	case "CR":
		code = CR
	default:
		return "", nil, false
	}
	id := msa.Field(2).b
	for _, c := range id {
		if c < ' ' || c == 0x7f {
			return "", nil, false
		}
	}
	for _, sp := range m.segs {
		if bytes.IndexByte(m.buf[sp.start:sp.end], '\n') >= 0 {
			return "", nil, false
		}
	}
	return code, id, true
}

// IsAck reports whether m is an acknowledgment: MSH-9.1 is ACK. HL7 never
// acknowledges an acknowledgment, so a receiver answers nothing to one.
func (m *Message) IsAck() bool {
	typ, _, _ := m.MessageType()
	return string(typ) == "ACK"
}
