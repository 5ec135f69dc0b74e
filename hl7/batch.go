package hl7

// SplitBatch splits a frame into its messages, appending one view per message
// to dst[:0]. It handles FHS/BHS/BTS/FTS batch wrappers (dropped) and several
// MSH messages back to back in one frame; a frame holding one plain message
// gives that message. Each view runs from its MSH to the end of its last
// segment, including that segment's CR if it has one.
//
// Segments are found with the rules of Message.Parse, using the field
// separator of the first header (FHS, BHS or MSH), whose delimiters must be
// valid. A segment that belongs to no message, or a frame without MSH, is a
// *ParseError wrapping ErrNoMSH. The messages themselves are not checked:
// parse each one.
func SplitBatch(frame []byte, dst [][]byte) ([][]byte, error) {
	dst = dst[:0]
	pos := skipLeadingSpace(frame)
	if len(frame)-pos < 4 || !isHeader(frame[pos:], frame[pos+3]) {
		return dst, &ParseError{Offset: pos, Err: ErrNoMSH}
	}
	d, field, err := headerDelimiters(frame[pos:])
	if err != nil {
		return dst, &ParseError{Segment: headerName(frame[pos:]), Field: field, Offset: pos + 2 + field, Err: err}
	}
	cur, last := -1, 0 // start of the current message; end of its last segment
	sc := newSegmenter(frame, pos, d.Field)
	for index := 0; ; {
		start, end, ok := sc.next()
		if !ok {
			break
		}
		if start == end {
			continue
		}
		switch s := frame[start:end]; {
		case isHeader(s, d.Field) && s[0] == 'M':
			if cur >= 0 {
				dst = append(dst, frame[cur:last])
			}
			cur = start
		case isHeader(s, d.Field) || isTrailer(s, d.Field):
			if cur >= 0 {
				dst = append(dst, frame[cur:last])
			}
			cur = -1
		case cur < 0:
			return dst, &ParseError{Index: index, Offset: start, Err: ErrNoMSH}
		}
		last = end
		if end < len(frame) && frame[end] == '\r' {
			last++
		}
		index++
	}
	if cur >= 0 {
		dst = append(dst, frame[cur:last])
	}
	if len(dst) == 0 {
		return dst, &ParseError{Offset: len(frame), Err: ErrNoMSH}
	}
	return dst, nil
}

// headerName returns the constant name of the header segment b starts with.
func headerName(b []byte) string {
	switch string(b[:3]) {
	case "FHS":
		return "FHS"
	case "BHS":
		return "BHS"
	}
	return "MSH"
}

// isTrailer reports whether b is a BTS or FTS segment.
func isTrailer(b []byte, fs byte) bool {
	if len(b) < 3 || len(b) > 3 && b[3] != fs {
		return false
	}
	return string(b[:3]) == "BTS" || string(b[:3]) == "FTS"
}
