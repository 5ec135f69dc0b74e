package hl7

import (
	"fmt"
	"time"
)

// Get returns the raw value at path, escapes not decoded. A path is
//
//	SEG[(n)]-F[[r]][.C[.S]]
//
// with every number 1-based: SEG is a three-character segment ID, n its
// occurrence (default 1), F the field, r the repetition, C the component and
// S the subcomponent. Examples: "PID-3" (the whole field, all repetitions),
// "PID-3[2]" (second repetition), "OBX(2)-5", "PID-3[1].1", "PID-3.1.2",
// "MSH-9.2". Without [r], a component is taken from the first repetition.
//
// A malformed path gives an error wrapping ErrBadPath; a missing segment gives
// ErrNoSegment; a missing field, repetition or component gives an empty value
// and no error.
func (m *Message) Get(path string) ([]byte, error) {
	p, ok := parsePath(path)
	if !ok {
		return nil, fmt.Errorf("hl7: path %q: %w", path, ErrBadPath)
	}
	s, ok := m.Find(p.seg, p.occ)
	if !ok {
		return nil, ErrNoSegment
	}
	f := s.Field(p.field)
	if p.rep > 0 {
		f = f.Rep(p.rep)
	}
	if p.comp == 0 {
		return f.Bytes(), nil
	}
	c := f.Component(p.comp)
	if p.sub == 0 {
		return c.Bytes(), nil
	}
	return c.Sub(p.sub), nil
}

type path struct {
	seg                        string
	occ, field, rep, comp, sub int
}

// parsePath parses the path grammar of Get; zero rep, comp and sub mean
// "whole".
func parsePath(s string) (p path, ok bool) {
	if len(s) < 5 || !isAlnum(s[0]) || !isAlnum(s[1]) || !isAlnum(s[2]) {
		return p, false
	}
	p.seg, p.occ, s = s[:3], 1, s[3:]
	if s[0] == '(' {
		if p.occ, s, ok = pathNumber(s[1:]); !ok || s == "" || s[0] != ')' {
			return p, false
		}
		s = s[1:]
	}
	if s == "" || s[0] != '-' {
		return p, false
	}
	if p.field, s, ok = pathNumber(s[1:]); !ok {
		return p, false
	}
	if s != "" && s[0] == '[' {
		if p.rep, s, ok = pathNumber(s[1:]); !ok || s == "" || s[0] != ']' {
			return p, false
		}
		s = s[1:]
	}
	if s != "" && s[0] == '.' {
		if p.comp, s, ok = pathNumber(s[1:]); !ok {
			return p, false
		}
		if s != "" && s[0] == '.' {
			if p.sub, s, ok = pathNumber(s[1:]); !ok {
				return p, false
			}
		}
	}
	return p, s == ""
}

// pathNumber reads a number in 1..99999 at the start of s.
func pathNumber(s string) (n int, rest string, ok bool) {
	i := 0
	for i < len(s) && i < 6 && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	if i == 0 || i > 5 || n < 1 {
		return 0, s, false
	}
	return n, s[i:], true
}

func (m *Message) msh(n int) []byte { return m.HeaderField(n).Bytes() }

// ControlID returns MSH-10, the message control ID.
func (m *Message) ControlID() []byte { return m.msh(10) }

// MessageType returns MSH-9.1 (e.g. ORU), MSH-9.2 (R01) and MSH-9.3 (ORU_R01).
func (m *Message) MessageType() (typ, trigger, structure []byte) {
	f := m.HeaderField(9)
	return f.Component(1).Bytes(), f.Component(2).Bytes(), f.Component(3).Bytes()
}

// SendingApplication returns MSH-3, the whole field.
func (m *Message) SendingApplication() []byte { return m.msh(3) }

// SendingFacility returns MSH-4, the whole field.
func (m *Message) SendingFacility() []byte { return m.msh(4) }

// ReceivingApplication returns MSH-5, the whole field.
func (m *Message) ReceivingApplication() []byte { return m.msh(5) }

// ReceivingFacility returns MSH-6, the whole field.
func (m *Message) ReceivingFacility() []byte { return m.msh(6) }

// ProcessingID returns MSH-11, e.g. P (production), D (debugging) or T (training).
func (m *Message) ProcessingID() []byte { return m.msh(11) }

// Version returns MSH-12, e.g. 2.6.
func (m *Message) Version() []byte { return m.msh(12) }

// AcceptAckType returns MSH-15 (AL, NE, ER, SU or empty).
func (m *Message) AcceptAckType() []byte { return m.msh(15) }

// AppAckType returns MSH-16 (AL, NE, ER, SU or empty).
func (m *Message) AppAckType() []byte { return m.msh(16) }

// WantsAcceptAck reports whether the sender asked for accept acknowledgements
// (enhanced mode): MSH-15 is AL, ER or SU.
func (m *Message) WantsAcceptAck() bool {
	switch string(m.AcceptAckType()) {
	case "AL", "ER", "SU":
		return true
	}
	return false
}

// WantsAppAck reports whether the sender expects an application ACK: MSH-16
// is empty (original mode), AL or SU. With NE or ER it expects none on
// success, so a receiver's commit accept is its whole answer.
func (m *Message) WantsAppAck() bool {
	switch string(m.AppAckType()) {
	case "NE", "ER":
		return false
	}
	return true
}

// Charset returns MSH-18, e.g. UNICODE UTF-8.
func (m *Message) Charset() []byte { return m.msh(18) }

// Time returns MSH-7, the time of the message, read by ParseTime (a value
// without a UTC offset is taken as UTC).
func (m *Message) Time() (time.Time, error) {
	return ParseTime(m.HeaderField(7).Component(1).Bytes())
}
