package hl7

import "bytes"

// Delimiters are the separator characters of a message, taken from MSH-1 and
// MSH-2 (or FHS/BHS). Truncation is the v2.7 truncation character; 0 means none.
// The escape character is called EscapeChar because Escape is the method that
// escapes text.
type Delimiters struct {
	Field, Component, Repetition, EscapeChar, Subcomponent, Truncation byte
}

// DefaultDelimiters returns the delimiters almost every sender uses: |^~\&. It is a function so that
// no caller can change them for everyone else.
func DefaultDelimiters() Delimiters { return Delimiters{'|', '^', '~', '\\', '&', 0} }

// Validate reports ErrBadDelimiters unless every delimiter is a printable,
// non-alphanumeric ASCII character (so not CR, LF, space or a control
// character) and no two are the same. Truncation may be 0 (none).
func (d Delimiters) Validate() error {
	if d == (Delimiters{'|', '^', '~', '\\', '&', 0}) || d == (Delimiters{'|', '^', '~', '\\', '&', '#'}) {
		return nil // the standard ones, with and without truncation (almost every message): valid
	}
	set := [6]byte{d.Field, d.Component, d.Repetition, d.EscapeChar, d.Subcomponent, d.Truncation}
	n := 5
	if d.Truncation != 0 {
		n = 6
	}
	var seen [2]uint64 // a bit per ASCII character
	for _, c := range set[:n] {
		if c <= ' ' || c >= 0x7f || isAlnum(c) {
			return ErrBadDelimiters
		}
		bit := uint64(1) << (c & 63)
		if seen[c>>6]&bit != 0 {
			return ErrBadDelimiters
		}
		seen[c>>6] |= bit
	}
	return nil
}

// encodingChars returns the MSH-2 value for d, e.g. ^~\& or ^~\&#.
func (d Delimiters) appendEncodingChars(dst []byte) []byte {
	dst = append(dst, d.Component, d.Repetition, d.EscapeChar, d.Subcomponent)
	if d.Truncation != 0 {
		dst = append(dst, d.Truncation)
	}
	return dst
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// Escape appends src to dst with every delimiter character, CR and LF
// replaced by its escape sequence: \F\ \S\ \R\ \E\ \T\ (\P\ for the
// truncation character), \X0D\ for CR and \X0A\ for LF. Unescape reverses it
// for any src. d must be valid (see Validate).
func (d Delimiters) Escape(dst, src []byte) []byte {
	return appendEscaped(d, dst, src)
}

func appendEscaped[T string | []byte](d Delimiters, dst []byte, src T) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		var code string
		switch {
		case c == d.Field:
			code = "F"
		case c == d.Component:
			code = "S"
		case c == d.Repetition:
			code = "R"
		case c == d.EscapeChar:
			code = "E"
		case c == d.Subcomponent:
			code = "T"
		case c == d.Truncation && c != 0:
			code = "P"
		case c == '\r':
			code = "X0D"
		case c == '\n':
			code = "X0A"
		default:
			dst = append(dst, c)
			continue
		}
		dst = append(dst, d.EscapeChar)
		dst = append(dst, code...)
		dst = append(dst, d.EscapeChar)
	}
	return dst
}

// Unescape appends src to dst with escape sequences decoded: \F\ \S\ \T\ \R\
// \E\ to the delimiter characters, \P\ to the truncation character (when d has
// one), \Xhh...\ to the bytes the hex pairs encode and \.br\ to CR. Unknown
// sequences (\H\ \N\ \Cxxyy\ \Mxxyyzz\ \Zxx\ \.sp\ and any other) are kept
// intact, and so is an escape character that starts no sequence (HAPI drops
// it, which loses data).
func (d Delimiters) Unescape(dst, src []byte) []byte {
	for {
		i := bytes.IndexByte(src, d.EscapeChar)
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		j := bytes.IndexByte(src[1:], d.EscapeChar)
		if j < 0 {
			return append(dst, src...) // a lone escape character
		}
		if out, ok := d.decode(dst, src[1:1+j]); ok {
			dst = out
		} else {
			dst = append(dst, src[:j+2]...)
		}
		src = src[j+2:]
	}
}

// decode appends the meaning of one escape sequence (without its escape
// characters) to dst; ok is false for a sequence it does not decode.
func (d Delimiters) decode(dst, seq []byte) (_ []byte, ok bool) {
	if len(seq) == 1 {
		switch seq[0] {
		case 'F':
			return append(dst, d.Field), true
		case 'S':
			return append(dst, d.Component), true
		case 'T':
			return append(dst, d.Subcomponent), true
		case 'R':
			return append(dst, d.Repetition), true
		case 'E':
			return append(dst, d.EscapeChar), true
		case 'P':
			if d.Truncation != 0 {
				return append(dst, d.Truncation), true
			}
		}
		return dst, false
	}
	if string(seq) == ".br" {
		return append(dst, '\r'), true
	}
	if len(seq) < 3 || seq[0] != 'X' || len(seq)%2 == 0 {
		return dst, false
	}
	hex := seq[1:]
	for _, c := range hex {
		if unhex(c) < 0 {
			return dst, false
		}
	}
	for k := 0; k < len(hex); k += 2 {
		dst = append(dst, byte(unhex(hex[k])<<4|unhex(hex[k+1])))
	}
	return dst, true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}
