package hl7

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Message is a parsed HL7 v2 message: the frame it was parsed from and the
// offsets of its segments. Its views alias that frame, so the frame must not
// change while the Message is in use. The zero value is an empty message,
// ready for Parse.
type Message struct {
	buf  []byte
	d    Delimiters
	seps seps
	segs []span

	// The MSH index Parse makes, so that the header's fields (read by routing, the inventory, the
	// checks and the ACKs, a dozen times per message) cost no scan each: mshEnds[k] is where part k of
	// MSH split at the field separator ends, relative to the segment (MSH-n is part n-1), for the
	// first mshN parts; mshAll: those are all of MSH's parts.
	mshEnds [mshParts]int32
	mshN    uint8
	mshAll  bool
}

// mshParts is how many parts of MSH the index keeps: through MSH-18 (the character set), the last header
// field the package and the gateway read.
const mshParts = 18

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
	sc := newSegmenter(b, start, d.Field)
	for {
		s, e, ok := sc.next()
		if !ok {
			break
		}
		if s < e {
			m.segs = append(m.segs, span{s, e})
		}
	}
	m.buf, m.d, m.seps = b, d, sepsOf(d)
	msh := m.Segment(0)
	m.indexMSH(msh.b)
	// MSH-1 is the field separator itself, so MSH-n is part n-1 of the split.
	lo, hi := m.mshBounds(9 - 1)
	if indexEither(msh.b[lo:hi], d.Component, d.Repetition) == 0 {
		return m.fail(&ParseError{Segment: "MSH", Field: 9, Offset: start + lo, Err: ErrNoMessageType})
	}
	if hi == len(msh.b) || hi+1 == len(msh.b) || msh.b[hi+1] == d.Field {
		return m.fail(&ParseError{Segment: "MSH", Field: 10, Offset: start + min(hi+1, len(msh.b)), Err: ErrNoControlID})
	}
	return nil
}

// fail empties m and returns err.
func (m *Message) fail(err *ParseError) error {
	m.buf, m.d, m.seps, m.segs = nil, Delimiters{}, 0, m.segs[:0]
	m.mshN, m.mshAll = 0, false
	return err
}

// indexMSH finds where the first mshParts parts of msh (the first segment, split at the field
// separator) end.
func (m *Message) indexMSH(msh []byte) {
	n := fieldEnds(msh, m.d.Field, 0, m.mshEnds[:])
	m.mshN, m.mshAll = uint8(n), false
	if n < mshParts { // the whole segment: its last part ends it
		m.mshEnds[n] = int32(len(msh))
		m.mshN, m.mshAll = uint8(n+1), true
	}
}

// mshBounds is Segment.bounds of MSH's part n, from the index when it holds it.
func (m *Message) mshBounds(n int) (lo, hi int) {
	switch {
	case n < int(m.mshN):
		lo = 0
		if n > 0 {
			lo = int(m.mshEnds[n-1]) + 1
		}
		return lo, int(m.mshEnds[n])
	case m.mshAll:
		end := m.segs[0].end - m.segs[0].start
		return end, end
	}
	return m.Segment(0).bounds(n)
}

// HeaderField returns MSH-n as Segment(0).Field(n) does, but reads the index Parse made of MSH's
// fields (through MSH-18) instead of splitting the segment again.
func (m *Message) HeaderField(n int) Field {
	if n < 3 || len(m.segs) == 0 {
		return m.Segment(0).Field(n)
	}
	lo, hi := m.mshBounds(n - 1) // MSH-1 is the field separator: MSH-n is part n-1
	seg := m.segs[0]
	return Field{b: m.buf[seg.start+lo : seg.start+hi : seg.start+hi], d: m.seps}
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

// segmenter walks the segments of a message or batch by the line-break rules
// of the package documentation. It finds every CR and LF once: cr and lf cache
// the next of each at or after the walk's position (len(b) when there is none),
// so that a walk costs O(len(b)) whatever the segment terminator, where a
// search per segment to the next CR would cost O(len(b)) per segment of a
// message without CRs.
type segmenter struct {
	b      []byte
	fs     byte // the field separator
	pos    int  // where the next segment begins (before its leading spaces)
	cr, lf int  // the next CR and LF at or after the search that found them; -1 before any
	// scanned counts the bytes the searches for CR and LF looked at: at most
	// 2*len(b) plus one per search, which the tests assert.
	scanned int
}

func newSegmenter(b []byte, pos int, fs byte) segmenter {
	return segmenter{b: b, fs: fs, pos: pos, cr: -1, lf: -1}
}

// search returns the index of the first c at or after from, or len(s.b).
func (s *segmenter) search(c byte, from int) int {
	i := bytes.IndexByte(s.b[from:], c)
	if i < 0 {
		s.scanned += len(s.b) - from
		return len(s.b)
	}
	s.scanned += i + 1
	return from + i
}

// next returns the next segment, [start, end) being its content without
// leading spaces or tabs and without its terminator (blank when start ==
// end); ok is false at the end of the input.
func (s *segmenter) next() (start, end int, ok bool) {
	b, pos, fs := s.b, s.pos, s.fs
	if pos >= len(b) {
		return 0, 0, false
	}
	for pos < len(b) && (b[pos] == ' ' || b[pos] == '\t') {
		pos++
	}
	start = pos
	header := isHeader(b[start:], fs)
	cr, lf := s.cr, s.lf
	if cr < start {
		cr = s.search('\r', start)
		s.cr = cr
	}
	for i := start; ; {
		if lf < i {
			lf = s.search('\n', i)
			s.lf = lf
		}
		if lf >= cr {
			s.pos = skipBreaks(b, cr)
			return start, cr, true
		}
		j := skipBreaks(b, lf)
		// The run of line breaks [lf, j) contains a CR only if j > cr.
		if header || j > cr || j == len(b) || looksLikeSegment(b[j:], fs) {
			s.pos = j
			return start, lf, true
		}
		i = j // the LF is data
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

// Reset empties m: it no longer aliases the bytes it was parsed from (whose buffer may then be reused),
// and keeps its segment index's storage for the next Parse.
func (m *Message) Reset() { *m = Message{segs: m.segs[:0]} }

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
	return Segment{b: m.buf[s.start:s.end:s.end], d: m.seps}
}

// SegmentSpan returns where the i-th segment starts and ends in Bytes(),
// without its terminator; 0, 0 when i is out of range.
func (m *Message) SegmentSpan(i int) (start, end int) {
	if i < 0 || i >= len(m.segs) {
		return 0, 0
	}
	return m.segs[i].start, m.segs[i].end
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

// seps packs the separators a view splits on (field, component, repetition,
// subcomponent, a byte each), so that views are small enough to travel in
// registers: copying a view with a Delimiters inside, written byte by byte and
// read back 16 bytes at a time, stalls the CPU's store forwarding.
type seps uint32

func sepsOf(d Delimiters) seps {
	return seps(d.Field) | seps(d.Component)<<8 | seps(d.Repetition)<<16 | seps(d.Subcomponent)<<24
}

func (s seps) field() byte { return byte(s) }
func (s seps) comp() byte  { return byte(s >> 8) }
func (s seps) rep() byte   { return byte(s >> 16) }
func (s seps) sub() byte   { return byte(s >> 24) }

// Segment is a view of one segment, without its terminator.
type Segment struct {
	b []byte
	d seps
}

// Name returns the segment ID, e.g. PID (the text before the first field
// separator).
func (s Segment) Name() []byte {
	if b, fs := s.b, s.d.field(); len(b) >= 3 && b[0] != fs && b[1] != fs && b[2] != fs && (len(b) == 3 || b[3] == fs) {
		return b[:3:3] // every standard and Z segment
	}
	lo, hi := s.bounds(0)
	return s.b[lo:hi:hi]
}

// Bytes returns the whole segment without its terminator.
func (s Segment) Bytes() []byte { return s.b }

// NumFields returns the number of fields, counting empty trailing ones; for
// MSH, FHS and BHS it counts MSH-1, the field separator itself.
func (s Segment) NumFields() int {
	n := bytes.Count(s.b, []byte{s.d.field()})
	if isHeader(s.b, s.d.field()) {
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
	if isHeader(s.b, s.d.field()) {
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

// Fields splits s in one pass and returns dst[:0] with fields 0 through last
// appended, so that f[n] equals s.Field(n) for 1 <= n < len(f) and f[0] is
// the segment name. It stops after field last (all fields when last < 0);
// len(f) is smaller when s has fewer fields. Reading several fields of a
// segment this way costs one scan instead of one per Field call, and reusing
// dst makes it allocation-free.
func (s Segment) Fields(dst []Field, last int) []Field {
	dst = dst[:0]
	b, fs := s.b, s.d.field()
	if len(b) == 0 {
		return dst
	}
	if last < 0 {
		last = len(b) + 1 // more than there can be
	}
	start, i := 0, 0
	if isHeader(b, fs) {
		// MSH-1 is the separator after the name; MSH-2 is not split either.
		dst = append(dst, Field{b: b[:3:3], d: s.d}, Field{b: b[3:4:4], d: s.d, literal: true})
		start, i = 4, 4+indexOrLen(b[4:], fs)
		dst = append(dst, Field{b: b[start:i:i], d: s.d, literal: true})
		start, i = i+1, i+1
		if i > len(b) || len(dst) > last {
			return dst[:min(len(dst), last+1)]
		}
	}
	// Test eight bytes at a time for separators, taking every separator of
	// the word before loading the next.
	for pat := lsb * uint64(fs); i+8 <= len(b); i += 8 {
		for t := zeroBytes(binary.LittleEndian.Uint64(b[i:]) ^ pat); t != 0; t &= t - 1 {
			end := i + bits.TrailingZeros64(t)>>3
			dst = append(dst, Field{b: b[start:end:end], d: s.d})
			if start = end + 1; len(dst) > last {
				return dst
			}
		}
	}
	for ; i < len(b); i++ {
		if b[i] == fs {
			dst = append(dst, Field{b: b[start:i:i], d: s.d})
			if start = i + 1; len(dst) > last {
				return dst
			}
		}
	}
	return append(dst, Field{b: b[start:], d: s.d})
}

// FieldReader reads the fields of one segment left to right, splitting it
// only as far as the fields asked for: a caller can judge a segment on an
// early field (say OBX-3) before the rest of it is split. Field(n) returns
// the raw bytes of field n, equal to s.Field(n).Bytes(). Reading fields in
// ascending order costs one scan in total. Get one from Segment.Reader.
type FieldReader struct {
	s      Segment
	header bool                // MSH, FHS or BHS: read with Segment.Field
	ends   [readerFields]int32 // ends[k] is where part k ends (its separator, or len); part 0 is the name
	n      int                 // ends[:n] are known
	done   bool                // the last part is known
}

// readerFields is how many parts a FieldReader keeps track of; fields beyond
// it, and the fields of a header segment, are read with Segment.Field.
const readerFields = 32

// Reader returns a FieldReader of s.
func (s Segment) Reader() FieldReader { return FieldReader{s: s, header: isHeader(s.b, s.d.field())} }

// Field returns the raw bytes of field n, nil when the segment has none.
func (r *FieldReader) Field(n int) []byte {
	if n < 1 || n >= readerFields || r.header {
		return r.s.Field(n).Bytes()
	}
	b := r.s.b
	if n >= r.n && !r.done {
		r.split(n)
	}
	if n >= r.n {
		return nil
	}
	start, end := int(r.ends[n-1])+1, int(r.ends[n])
	return b[start:end:end]
}

// split finds the part ends after the known ones, through part n or the end
// of the segment.
func (r *FieldReader) split(n int) {
	b := r.s.b
	i := 0
	if r.n > 0 {
		i = int(r.ends[r.n-1]) + 1
	}
	if r.n += fieldEnds(b, r.s.d.field(), i, r.ends[r.n:n+1]); r.n <= n {
		r.ends[r.n] = int32(len(b))
		r.n++
		r.done = true
	}
}

// fieldEnds records in ends, in order, where b holds the field separator fs
// from offset i on, eight bytes at a time, until ends is full or b ends; it
// returns how many it recorded.
func fieldEnds(b []byte, fs byte, i int, ends []int32) int {
	k := 0
	if len(ends) == 0 {
		return 0
	}
	for pat := lsb * uint64(fs); i+8 <= len(b); i += 8 {
		for t := zeroBytes(binary.LittleEndian.Uint64(b[i:]) ^ pat); t != 0; t &= t - 1 {
			ends[k] = int32(i + bits.TrailingZeros64(t)>>3)
			if k++; k == len(ends) {
				return k
			}
		}
	}
	for ; i < len(b); i++ {
		if b[i] == fs {
			ends[k] = int32(i)
			if k++; k == len(ends) {
				return k
			}
		}
	}
	return k
}

// zeroBytes returns x with the top bit of each zero byte set and every other
// bit clear. Unlike the shorter borrow trick, it never marks a byte above a
// real zero, so every marked byte is a match.
func zeroBytes(x uint64) uint64 {
	const low7 = lsb * 0x7f
	return ^((x&low7 + low7) | x | low7)
}

// bounds returns the offsets of the n-th part of s split at the field
// separator (part 0 is the name); lo == hi == len(s.b) when there is none.
func (s Segment) bounds(n int) (lo, hi int) {
	lo, hi = split(s.b, s.d.field(), n)
	if lo < 0 {
		return len(s.b), len(s.b)
	}
	return lo, hi
}

// piece returns the i-th (1-based) part of b split at sep, or nil.
func piece(b []byte, sep byte, i int) []byte {
	if i < 1 {
		return nil
	}
	lo, hi := split(b, sep, i-1)
	if lo < 0 {
		return nil
	}
	return b[lo:hi:hi]
}

// split returns the offsets of the n-th (0-based) part of b split at sep, or
// -1, -1 when b has fewer parts. It counts separators eight bytes at a time.
func split(b []byte, sep byte, n int) (lo, hi int) {
	if n > 0 {
		lo = -1
		i := 0
		for pat := lsb * uint64(sep); i+8 <= len(b); i += 8 {
			t := zeroBytes(binary.LittleEndian.Uint64(b[i:]) ^ pat)
			if c := bits.OnesCount64(t); c < n {
				n -= c
				continue
			}
			for ; n > 1; n-- {
				t &= t - 1
			}
			lo = i + bits.TrailingZeros64(t)>>3 + 1
			break
		}
		for ; lo < 0 && i < len(b); i++ {
			if b[i] == sep {
				if n--; n == 0 {
					lo = i + 1
				}
			}
		}
		if lo < 0 {
			return -1, -1
		}
	}
	return lo, lo + indexOrLen(b[lo:], sep)
}

const lsb = 0x0101010101010101 // a one in every byte

// indexByte is bytes.IndexByte for the short runs between delimiters, where
// the call into the vectorised version costs more than the scan: it tests
// eight bytes at a time.
func indexByte(b []byte, c byte) int {
	pat := lsb * uint64(c)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if t := zeroBytes(binary.LittleEndian.Uint64(b[i:]) ^ pat); t != 0 {
			return i + bits.TrailingZeros64(t)>>3
		}
	}
	for ; i < len(b); i++ {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// indexEither returns the index of the first a or b in s, or len(s).
func indexEither(s []byte, a, b byte) int {
	pa, pb := lsb*uint64(a), lsb*uint64(b)
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64(s[i:])
		if t := zeroBytes(x^pa) | zeroBytes(x^pb); t != 0 {
			return i + bits.TrailingZeros64(t)>>3
		}
	}
	for ; i < len(s) && s[i] != a && s[i] != b; i++ {
	}
	return i
}

// indexOrLen is indexByte, but len(b) when c is absent.
func indexOrLen(b []byte, c byte) int {
	if i := indexByte(b, c); i >= 0 {
		return i
	}
	return len(b)
}

// Field is a view of one field (or one repetition of a field).
type Field struct {
	b       []byte
	d       seps
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
	return bytes.Count(f.b, []byte{f.d.rep()}) + 1
}

// Rep returns the i-th (1-based) repetition, or an empty Field.
func (f Field) Rep(i int) Field {
	if f.literal {
		if i == 1 {
			return f
		}
		return Field{}
	}
	return Field{b: piece(f.b, f.d.rep(), i), d: f.d}
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
	return bytes.Count(r.b, []byte{f.d.comp()}) + 1
}

// Component returns the i-th (1-based) component of the first repetition
// (use Rep(n).Component(i) for others), or an empty Component.
func (f Field) Component(i int) Component {
	if f.literal {
		if i == 1 {
			return Component{b: f.b, literal: true}
		}
		return Component{}
	}
	r := f.b
	if i == 1 { // the common case, in one scan
		n := indexEither(r, f.d.comp(), f.d.rep())
		return Component{b: r[:n:n], sub: f.d.sub()}
	}
	if n := indexByte(r, f.d.rep()); n >= 0 {
		r = r[:n:n]
	}
	return Component{b: piece(r, f.d.comp(), i), sub: f.d.sub()}
}

// Component is a view of one component of a field.
type Component struct {
	b       []byte
	sub     byte // the subcomponent separator
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
	return bytes.Count(c.b, []byte{c.sub}) + 1
}

// Sub returns the i-th (1-based) subcomponent, or nil.
func (c Component) Sub(i int) []byte {
	if c.literal {
		if i == 1 {
			return c.b
		}
		return nil
	}
	return piece(c.b, c.sub, i)
}

// IsEmpty reports whether the component is absent or empty.
func (c Component) IsEmpty() bool { return len(c.b) == 0 }
