package hl7

import "bytes"

// Message is a parsed HL7 v2 message: the frame it was parsed from and the
// offsets of its segments. Its views alias that frame, so the frame must not
// change while the Message is in use. The zero value is an empty message,
// ready for Parse.
type Message struct {
	buf  []byte
	d    Delimiters
	segs []span
}

type span struct{ start, end int }

// Parse parses b into a new Message that aliases b.
func Parse(b []byte) (*Message, error) {
	m := new(Message)
	if err := m.Parse(b); err != nil {
		return nil, err
	}
	return m, nil
}

// Parse parses b into m, replacing what m held; m then aliases b. It reuses
// m's storage, so in steady state it does not allocate. On error m is empty
// and the error is a *ParseError.
func (m *Message) Parse(b []byte) error {
	m.segs = m.segs[:0]
	start := skipLeadingSpace(b)
	if !bytes.HasPrefix(b[start:], []byte("MSH")) {
		return m.fail(&ParseError{Offset: start, Err: ErrNoMSH})
	}
	d, field, err := headerDelimiters(b[start:])
	if err != nil {
		return m.fail(&ParseError{Segment: "MSH", Field: field, Offset: start + 2 + field, Err: err})
	}
	for pos := start; pos < len(b); {
		s, e, next := nextSegment(b, pos, d.Field)
		if s < e {
			m.segs = append(m.segs, span{s, e})
		}
		pos = next
	}
	m.buf, m.d = b, d
	// MSH-1 is the field separator itself, so MSH-n is part n-1 of the split.
	msh := m.Segment(0)
	if msh.Field(9).Component(1).IsEmpty() {
		lo, _ := msh.bounds(9 - 1)
		return m.fail(&ParseError{Segment: "MSH", Field: 9, Offset: start + lo, Err: ErrNoMessageType})
	}
	if msh.Field(10).IsEmpty() {
		lo, _ := msh.bounds(10 - 1)
		return m.fail(&ParseError{Segment: "MSH", Field: 10, Offset: start + lo, Err: ErrNoControlID})
	}
	return nil
}

// fail empties m and returns err.
func (m *Message) fail(err *ParseError) error {
	m.buf, m.d, m.segs = nil, Delimiters{}, m.segs[:0]
	return err
}

// skipLeadingSpace returns the index after a UTF-8 byte order mark and any
// white space (including line breaks) at the start of b.
func skipLeadingSpace(b []byte) int {
	i := 0
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		i = 3
	}
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// headerDelimiters reads the delimiters of a header segment h (MSH, FHS or
// BHS; h may run past the segment). On error, field is the HL7 field (1 or 2)
// at fault.
func headerDelimiters(h []byte) (d Delimiters, field int, err error) {
	if len(h) < 4 || !legalDelimiter(h[3]) {
		return d, 1, ErrBadDelimiters
	}
	d.Field = h[3]
	enc := h[4:]
	for i, c := range enc {
		if c == d.Field || c == '\r' || c == '\n' {
			enc = enc[:i]
			break
		}
	}
	if len(enc) < 4 || len(enc) > 5 {
		return d, 2, ErrBadDelimiters
	}
	d.Component, d.Repetition, d.EscapeChar, d.Subcomponent = enc[0], enc[1], enc[2], enc[3]
	if len(enc) == 5 {
		d.Truncation = enc[4]
	}
	if err := d.Validate(); err != nil {
		return d, 2, err
	}
	return d, 0, nil
}

func legalDelimiter(c byte) bool { return c > ' ' && c < 0x7f && !isAlnum(c) }

// isHeader reports whether b starts a header segment (MSH, FHS or BHS) whose
// field separator is fs.
func isHeader(b []byte, fs byte) bool {
	if len(b) < 4 || b[3] != fs {
		return false
	}
	switch string(b[:3]) {
	case "MSH", "FHS", "BHS":
		return true
	}
	return false
}

// looksLikeSegment reports whether b starts with three letters or digits and
// the field separator fs.
func looksLikeSegment(b []byte, fs byte) bool {
	return len(b) >= 4 && isAlnum(b[0]) && isAlnum(b[1]) && isAlnum(b[2]) && b[3] == fs
}

// nextSegment finds the segment at pos: [start, end) is its content without
// leading spaces or tabs, next is where the following segment begins. See the
// package documentation for the line-break rules.
func nextSegment(b []byte, pos int, fs byte) (start, end, next int) {
	for pos < len(b) && (b[pos] == ' ' || b[pos] == '\t') {
		pos++
	}
	start = pos
	header := isHeader(b[start:], fs)
	cr := len(b)
	if i := bytes.IndexByte(b[start:], '\r'); i >= 0 {
		cr = start + i
	}
	for i := start; ; {
		lf := bytes.IndexByte(b[i:cr], '\n')
		if lf < 0 {
			return start, cr, skipBreaks(b, cr)
		}
		at := i + lf
		j := skipBreaks(b, at)
		// The run of line breaks [at, j) contains a CR only if j > cr.
		if header || j > cr || j == len(b) || looksLikeSegment(b[j:], fs) {
			return start, at, j
		}
		i = j
	}
}

func skipBreaks(b []byte, i int) int {
	for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// Bytes returns the input the message was parsed from.
func (m *Message) Bytes() []byte { return m.buf }

// Delimiters returns the message's delimiters (zero for an empty Message).
func (m *Message) Delimiters() Delimiters { return m.d }

// NumSegments returns the number of segments, MSH included.
func (m *Message) NumSegments() int { return len(m.segs) }

// Segment returns the i-th segment (0-based; 0 is MSH), or an empty Segment
// when i is out of range.
func (m *Message) Segment(i int) Segment {
	if i < 0 || i >= len(m.segs) {
		return Segment{}
	}
	s := m.segs[i]
	return Segment{b: m.buf[s.start:s.end:s.end], d: m.d}
}

// Find returns the n-th (1-based) segment named name.
func (m *Message) Find(name string, n int) (Segment, bool) {
	if n < 1 {
		return Segment{}, false
	}
	for i := range m.segs {
		s := m.Segment(i)
		if string(s.Name()) == name {
			if n--; n == 0 {
				return s, true
			}
		}
	}
	return Segment{}, false
}

// Segment is a view of one segment, without its terminator.
type Segment struct {
	b []byte
	d Delimiters
}

// Name returns the segment ID, e.g. PID (the text before the first field
// separator).
func (s Segment) Name() []byte {
	lo, hi := s.bounds(0)
	return s.b[lo:hi:hi]
}

// Bytes returns the whole segment without its terminator.
func (s Segment) Bytes() []byte { return s.b }

// NumFields returns the number of fields, counting empty trailing ones; for
// MSH, FHS and BHS it counts MSH-1, the field separator itself.
func (s Segment) NumFields() int {
	n := bytes.Count(s.b, []byte{s.d.Field})
	if isHeader(s.b, s.d.Field) {
		n++
	}
	return n
}

// Field returns field n in HL7 numbering: PID-3 is s.Field(3). In MSH, FHS and
// BHS, Field(1) is the field separator and Field(2) the encoding characters;
// neither is split into repetitions or components. An out-of-range n gives an
// empty Field.
func (s Segment) Field(n int) Field {
	if n < 1 {
		return Field{}
	}
	if isHeader(s.b, s.d.Field) {
		switch n {
		case 1:
			return Field{b: s.b[3:4:4], d: s.d, literal: true}
		case 2:
			lo, hi := s.bounds(1)
			return Field{b: s.b[lo:hi:hi], d: s.d, literal: true}
		}
		n--
	}
	lo, hi := s.bounds(n)
	return Field{b: s.b[lo:hi:hi], d: s.d}
}

// bounds returns the offsets of the n-th part of s split at the field
// separator (part 0 is the name); lo == hi == len(s.b) when there is none.
// Fields are short, so a plain loop beats bytes.IndexByte's call overhead.
func (s Segment) bounds(n int) (lo, hi int) {
	b, fs := s.b, s.d.Field
	i := 0
	for ; n > 0 && i < len(b); i++ {
		if b[i] == fs {
			n--
		}
	}
	if n > 0 {
		return len(b), len(b)
	}
	lo = i
	for i < len(b) && b[i] != fs {
		i++
	}
	return lo, i
}

// piece returns the i-th (1-based) part of b split at sep, or nil.
func piece(b []byte, sep byte, i int) []byte {
	if i < 1 {
		return nil
	}
	k := 0
	for ; i > 1 && k < len(b); k++ {
		if b[k] == sep {
			i--
		}
	}
	if i > 1 {
		return nil
	}
	lo := k
	for k < len(b) && b[k] != sep {
		k++
	}
	return b[lo:k:k]
}

// Field is a view of one field (or one repetition of a field).
type Field struct {
	b       []byte
	d       Delimiters
	literal bool // MSH-1 and MSH-2: never split
}

// Bytes returns the raw value, escapes not decoded.
func (f Field) Bytes() []byte { return f.b }

// IsEmpty reports whether the field is absent or empty.
func (f Field) IsEmpty() bool { return len(f.b) == 0 }

// IsNull reports whether the field is exactly "" (two double quotes), HL7's
// explicit null, which tells a receiver to delete a stored value.
func (f Field) IsNull() bool { return string(f.b) == `""` }

// NumReps returns the number of repetitions; 0 for an empty field.
func (f Field) NumReps() int {
	if len(f.b) == 0 {
		return 0
	}
	if f.literal {
		return 1
	}
	return bytes.Count(f.b, []byte{f.d.Repetition}) + 1
}

// Rep returns the i-th (1-based) repetition, or an empty Field.
func (f Field) Rep(i int) Field {
	if f.literal {
		if i == 1 {
			return f
		}
		return Field{}
	}
	return Field{b: piece(f.b, f.d.Repetition, i), d: f.d}
}

// NumComponents returns the number of components of the first repetition; 0
// when it is empty.
func (f Field) NumComponents() int {
	r := f.Rep(1)
	if len(r.b) == 0 {
		return 0
	}
	if f.literal {
		return 1
	}
	return bytes.Count(r.b, []byte{f.d.Component}) + 1
}

// Component returns the i-th (1-based) component of the first repetition
// (use Rep(n).Component(i) for others), or an empty Component.
func (f Field) Component(i int) Component {
	r := f.Rep(1)
	if f.literal {
		if i == 1 {
			return Component{b: r.b, d: f.d, literal: true}
		}
		return Component{}
	}
	return Component{b: piece(r.b, f.d.Component, i), d: f.d}
}

// Component is a view of one component of a field.
type Component struct {
	b       []byte
	d       Delimiters
	literal bool
}

// Bytes returns the raw component, escapes not decoded.
func (c Component) Bytes() []byte { return c.b }

// NumSubs returns the number of subcomponents; 0 when c is empty.
func (c Component) NumSubs() int {
	if len(c.b) == 0 {
		return 0
	}
	if c.literal {
		return 1
	}
	return bytes.Count(c.b, []byte{c.d.Subcomponent}) + 1
}

// Sub returns the i-th (1-based) subcomponent, or nil.
func (c Component) Sub(i int) []byte {
	if c.literal {
		if i == 1 {
			return c.b
		}
		return nil
	}
	return piece(c.b, c.d.Subcomponent, i)
}

// IsEmpty reports whether the component is absent or empty.
func (c Component) IsEmpty() bool { return len(c.b) == 0 }
