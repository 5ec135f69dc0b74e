package hl7

import (
	"errors"
	"strconv"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrNoMSH means the input does not start with an MSH segment (or, for
	// SplitBatch, holds no message or a segment outside any message).
	ErrNoMSH = errors.New("hl7: no MSH segment")
	// ErrBadDelimiters means MSH-1/MSH-2 (or FHS/BHS) do not define a legal
	// delimiter set, or a Delimiters value is not legal.
	ErrBadDelimiters = errors.New("hl7: invalid delimiters")
	// ErrNoMessageType means MSH-9.1 is empty.
	ErrNoMessageType = errors.New("hl7: empty message type")
	// ErrNoControlID means MSH-10 is empty.
	ErrNoControlID = errors.New("hl7: empty message control id")
	// ErrBadPath means a path given to Message.Get is malformed.
	ErrBadPath = errors.New("hl7: invalid path")
	// ErrNoSegment means Message.Get found no segment for the path.
	ErrNoSegment = errors.New("hl7: no such segment")
	// ErrBadTime means a DTM/TS value is malformed or out of range.
	ErrBadTime = errors.New("hl7: invalid timestamp")
)

// ParseError locates a structural problem in a message. It never carries
// message content: Segment is one of the fixed names MSH, FHS or BHS (or empty
// when no segment applies).
type ParseError struct {
	Segment string // segment name, e.g. "MSH"; empty if none applies
	Index   int    // 0-based segment index in the input
	Field   int    // HL7 field number; 0 if none applies
	Offset  int    // byte offset in the input
	Err     error  // a sentinel such as ErrBadDelimiters
}

// Error describes the problem and its position.
func (e *ParseError) Error() string {
	s := e.Err.Error() + " at offset " + strconv.Itoa(e.Offset)
	if e.Segment != "" {
		s += " (segment " + strconv.Itoa(e.Index) + " " + e.Segment
		if e.Field > 0 {
			s += "-" + strconv.Itoa(e.Field)
		}
		s += ")"
	}
	return s
}

// Unwrap returns the underlying sentinel.
func (e *ParseError) Unwrap() error { return e.Err }
