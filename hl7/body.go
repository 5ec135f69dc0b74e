package hl7

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// BodyLimits configures Message.CheckBody. The zero value checks with the
// defaults.
type BodyLimits struct {
	// MaxSegments bounds the number of segments, MSH included; 0 means
	// DefaultMaxSegments.
	MaxSegments int
	// MaxSegmentLen bounds the length of one segment in bytes, its
	// terminator excluded; 0 means DefaultMaxSegmentLen.
	MaxSegmentLen int
	// AllowLF accepts a line feed inside a segment: free text with literal
	// line breaks, which Parse keeps as data but HL7 says to escape (\.br\ or
	// \X0A\). Off by default, because a receiver that ends a segment at every
	// LF (as Mirth does by default) reads the text after it as segments.
	// Line breaks between segments (LF and CRLF terminators) are always
	// accepted.
	AllowLF bool
	// AllowUnknownCharset accepts a message whose MSH-18 names a character
	// set CheckBody cannot check (multi-byte sets such as ISO IR87, GB
	// 18030 or BIG-5, several repetitions for ISO 2022 code extension, or a
	// name outside HL7 table 0211). Its bytes from 0x80 up are then not
	// checked, and ESC is accepted for the code extension. Off by default:
	// such a message fails with ErrCharset. UNICODE UTF-16 and UTF-32 fail
	// always: their bytes cannot be carried by MLLP.
	AllowUnknownCharset bool
}

// Defaults of BodyLimits, far above what a patient monitor sends: a PCD-01
// message of a fully equipped bedside monitor has a few hundred segments
// (testdata/pcd01-400obx.hl7 has 400 OBX in 70 KB), and its longest segment is
// a waveform OBX of some kilobytes (10 s of one 500 Hz channel is about
// 30 KB). A frame is at most 1 MiB anyway (mllp.DefaultMaxFrame).
const (
	DefaultMaxSegments   = 5000
	DefaultMaxSegmentLen = 64 << 10
)

// Errors of CheckBody, wrapped in a *BodyError.
var (
	// ErrControlByte: a control character (C0 other than TAB, DEL, or a C1
	// control in a character set that has them) inside a segment.
	ErrControlByte = errors.New("hl7: control character")
	// ErrEncoding: a byte the declared character set does not allow: from
	// 0x80 up under ASCII (MSH-18 empty or ASCII), invalid UTF-8 under
	// UNICODE UTF-8.
	ErrEncoding = errors.New("hl7: invalid byte for the character set")
	// ErrCharset: MSH-18 names a character set CheckBody does not accept.
	ErrCharset = errors.New("hl7: unsupported character set")
	// ErrTooManySegments: more segments than BodyLimits.MaxSegments.
	ErrTooManySegments = errors.New("hl7: too many segments")
	// ErrSegmentTooLong: a segment longer than BodyLimits.MaxSegmentLen.
	ErrSegmentTooLong = errors.New("hl7: segment too long")
	// ErrSecondHeader: a message header (MSH) or a batch segment (BHS, FHS,
	// BTS, FTS) after the first segment: more than one message in one frame.
	ErrSecondHeader = errors.New("hl7: a second message header in one frame")
	// ErrTypeRepeats: MSH-9 (the message type) holds a repetition.
	ErrTypeRepeats = errors.New("hl7: the message type (MSH-9) repeats")
)

// BodyError says why CheckBody refused a message and where. Like ParseError,
// it never carries message content: positions, and for ErrControlByte and
// ErrEncoding the one offending byte.
type BodyError struct {
	Segment int   // 0-based index of the segment at fault (0 is MSH)
	Field   int   // HL7 field number of the offending byte (MSH-18 for ErrCharset); 0 for the segment name or none
	Offset  int   // byte offset in Message.Bytes()
	Byte    byte  // the offending byte, for ErrControlByte and ErrEncoding
	Err     error // one of the sentinels above
}

// Error describes the problem and its position.
func (e *BodyError) Error() string {
	s := e.Err.Error()
	if errors.Is(e.Err, ErrControlByte) || errors.Is(e.Err, ErrEncoding) {
		s += " 0x" + strconv.FormatUint(uint64(e.Byte)|0x100, 16)[1:]
	}
	s += " at offset " + strconv.Itoa(e.Offset) + " (segment " + strconv.Itoa(e.Segment)
	if e.Field > 0 {
		s += " field " + strconv.Itoa(e.Field)
	}
	return s + ")"
}

// Unwrap returns the underlying sentinel.
func (e *BodyError) Unwrap() error { return e.Err }

// ErrorCode returns the HL7 table 0357 code an ACK refusing the message
// carries (Ack.ErrorCode): CodeDataType for bytes that are not valid text
// and for a segment too long for any field, CodeTableValue for an MSH-18 not
// accepted, CodeSegmentSequence for too many segments (a segment repeated
// more often than any message structure allows).
func (e *BodyError) ErrorCode() int {
	switch e.Err {
	case ErrCharset:
		return CodeTableValue
	case ErrTooManySegments, ErrSecondHeader:
		return CodeSegmentSequence
	}
	return CodeDataType
}

// CheckOneMessage refuses a message that a receiver could read as more than
// one message or as more than one type: a second message header (MSH) or a
// batch segment (BHS, FHS, BTS, FTS) after the first segment, and an MSH-9
// with a repetition. A router reads the first MSH-9 (and of it the first
// repetition) only, while receivers that split batches (python-hl7's
// parse_hl7, Mirth with batch processing on) deliver every message of a
// frame: a frame carrying an allowed ORU and then an ADT would take the ADT
// past a message-type allowlist. MLLP carries one message per frame; batches
// announce themselves with BHS/FHS, which Parse refuses before any MSH.
//
// Segments are those Parse found, so an MSH after an LF counts as one (an LF
// followed by a segment name ends a segment). The error is a *BodyError. m
// must hold a parsed message.
func (m *Message) CheckOneMessage() error {
	for i := 1; i < len(m.segs); i++ {
		if sp := m.segs[i]; isBatchOrHeader(m.buf[sp.start:sp.end], m.d.Field) {
			return &BodyError{Segment: i, Offset: sp.start, Err: ErrSecondHeader}
		}
	}
	msh := m.buf[m.segs[0].start:m.segs[0].end]
	if lo, hi := m.mshBounds(9 - 1); bytes.IndexByte(msh[lo:hi], m.d.Repetition) >= 0 {
		return &BodyError{Field: 9, Offset: m.segs[0].start + lo, Err: ErrTypeRepeats}
	}
	return nil
}

// isBatchOrHeader reports whether segment b is named MSH, BHS, FHS, BTS or
// FTS (a trailer may end its segment right after the name).
func isBatchOrHeader(b []byte, fs byte) bool {
	if len(b) < 3 || (len(b) > 3 && b[3] != fs) {
		return false
	}
	switch string(b[:3]) {
	case "MSH", "BHS", "FHS", "BTS", "FTS":
		return true
	}
	return false
}

// charset is how CheckBody reads bytes from 0x80 up.
type charset uint8

const (
	csASCII   charset = iota // none allowed
	csUTF8                   // valid UTF-8 without C1 controls
	csLatin                  // ISO 8859: any but the C1 controls 0x80-0x9F
	csUnknown                // not checked (AllowUnknownCharset)
)

// charsetOf classifies an MSH-18 value (HL7 table 0211, compared without
// regard to case); ok is false when CheckBody cannot check it.
func charsetOf(v []byte, d Delimiters) (cs charset, ok bool) {
	if bytes.IndexByte(v, d.Repetition) >= 0 {
		return csUnknown, false // ISO 2022 code extension
	}
	switch {
	case len(v) == 0, bytes.EqualFold(v, []byte("ASCII")):
		return csASCII, true // HL7: an empty MSH-18 means ASCII
	case bytes.EqualFold(v, []byte("UNICODE UTF-8")), bytes.EqualFold(v, []byte("UTF-8")):
		return csUTF8, true
	case len(v) > 5 && string(v[:5]) == "8859/" && allDigits(v[5:]):
		return csLatin, true
	}
	return csUnknown, false
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// CheckBody checks what Parse leaves unchecked: the number and length of the
// segments, and every byte inside a segment against the character set MSH-18
// declares. Refused, whatever the character set, are C0 controls other than
// TAB (the CR that ends a segment is not inside it; an LF inside one only
// with AllowLF) and DEL. Then, by MSH-18: empty or ASCII, any byte from 0x80
// up (HL7 says an empty MSH-18 means ASCII); UNICODE UTF-8, invalid UTF-8 and
// the C1 controls U+0080-U+009F; 8859/n, the C1 controls 0x80-0x9F. Other
// sets fail with ErrCharset unless l.AllowUnknownCharset. Bytes Parse skips
// (a leading byte order mark, white space and line breaks between segments)
// are not checked.
//
// The error is a *BodyError; CheckBody does not allocate unless it fails. m
// must hold a parsed message.
func (m *Message) CheckBody(l BodyLimits) error {
	maxSegs, maxLen := l.MaxSegments, l.MaxSegmentLen
	if maxSegs <= 0 {
		maxSegs = DefaultMaxSegments
	}
	if maxLen <= 0 {
		maxLen = DefaultMaxSegmentLen
	}
	if len(m.segs) > maxSegs {
		return &BodyError{Segment: maxSegs, Offset: m.segs[maxSegs].start, Err: ErrTooManySegments}
	}
	msh18 := m.msh(18)
	cs, ok := charsetOf(msh18, m.d)
	if !ok && (!l.AllowUnknownCharset || isWideUnicode(msh18)) {
		lo, _ := m.mshBounds(18 - 1) // MSH-n is part n-1
		return &BodyError{Field: 18, Offset: m.segs[0].start + lo, Err: ErrCharset}
	}
	for i, sp := range m.segs {
		if sp.end-sp.start > maxLen {
			return &BodyError{Segment: i, Offset: sp.start + maxLen, Err: ErrSegmentTooLong}
		}
	}
	if len(m.segs) == 0 {
		return nil
	}
	// One pass from the first segment to the end of the last: between
	// segments there are only line breaks, spaces and tabs.
	body := m.buf[:m.segs[len(m.segs)-1].end]
	for i := m.segs[0].start; ; {
		j, err := checkText(body[i:], cs, l.AllowLF)
		if err == nil {
			return nil
		}
		i += j
		k := m.segmentAt(i)
		if err == errLF {
			if k < 0 {
				i++ // a segment terminator
				continue
			}
			err = ErrControlByte
		}
		seg := m.buf[m.segs[k].start:m.segs[k].end]
		off := i - m.segs[k].start
		return &BodyError{Segment: k, Field: fieldAt(seg, off, m.d.Field), Offset: i, Byte: body[i], Err: err}
	}
}

// segmentAt returns the index of the segment that holds offset i, or -1.
func (m *Message) segmentAt(i int) int {
	lo, hi := 0, len(m.segs)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if m.segs[h].end <= i {
			lo = h + 1
		} else {
			hi = h
		}
	}
	if lo < len(m.segs) && m.segs[lo].start <= i {
		return lo
	}
	return -1
}

// isWideUnicode reports whether an MSH-18 value names UTF-16 or UTF-32.
func isWideUnicode(v []byte) bool {
	return bytes.EqualFold(v, []byte("UNICODE UTF-16")) || bytes.EqualFold(v, []byte("UNICODE UTF-32"))
}

// errLF is checkText's answer for an LF when LF is not allowed: the caller
// decides whether it ends a segment or sits inside one.
var errLF = errors.New("hl7: line feed")

// checkText returns the index of the first byte of b that charset cs (and
// allowLF) does not allow, and why; -1, nil when there is none. CR is
// allowed: it only ever ends a segment. It tests eight bytes at a time for
// anything outside 0x20-0x7E, and goes straight to the first such byte of a
// word.
func checkText(b []byte, cs charset, allowLF bool) (int, error) {
	const high = lsb * 0x80
	for i := 0; i < len(b); {
		for ; i+8 <= len(b); i += 8 {
			// A byte below 0x20 borrows; a byte from 0x7F up carries or has
			// its top bit set. Either marks its byte, and perhaps bytes above
			// it (the borrow or carry runs upward), never one below: the
			// lowest mark is the word's first byte outside 0x20-0x7E.
			x := binary.LittleEndian.Uint64(b[i:])
			if t := ((x-lsb*0x20)&^x | (x + lsb) | x) & high; t != 0 {
				i += bits.TrailingZeros64(t) >> 3
				break
			}
		}
		if i == len(b) {
			break
		}
		c := b[i]
		switch {
		case c >= 0x20 && c < 0x7f, c == '\t', c == '\r', c == '\n' && allowLF:
			i++
		case c == '\n':
			return i, errLF
		case c < 0x80:
			if c == 0x1b && cs == csUnknown {
				i++
				continue
			}
			return i, ErrControlByte
		case cs == csUnknown:
			i++
		case cs == csASCII:
			return i, ErrEncoding
		case cs == csLatin:
			if c < 0xa0 {
				return i, ErrControlByte
			}
			i++
		default: // UTF-8
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				return i, ErrEncoding
			}
			if r < 0xa0 {
				return i, ErrControlByte
			}
			i += n
		}
	}
	return -1, nil
}

// fieldAt returns the HL7 field number of the byte at off in segment seg.
func fieldAt(seg []byte, off int, fs byte) int {
	n := bytes.Count(seg[:off], []byte{fs})
	if isHeader(seg, fs) {
		n++ // MSH-1 is the field separator itself
	}
	return n
}
