package hl7

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// checkTextBytewise is checkText's definition, one byte at a time: the oracle that the word-at-a-time
// scan (and its jump to a word's first byte outside 0x20-0x7E) must agree with.
func checkTextBytewise(b []byte, cs charset, allowLF bool) (int, error) {
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c >= 0x20 && c < 0x7f, c == '\t', c == '\r', c == '\n' && allowLF:
			i++
		case c == '\n':
			return i, errLF
		case c < 0x80 && c == 0x1b && cs == csUnknown:
			i++
		case c < 0x80:
			return i, ErrControlByte
		case cs == csUnknown:
			i++
		case cs == csASCII:
			return i, ErrEncoding
		case cs == csLatin && c < 0xa0:
			return i, ErrControlByte
		case cs == csLatin:
			i++
		default:
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

// FuzzCheckText compares checkText with checkTextBytewise under every character set, with and
// without LF allowed, at every alignment of the input.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"", "abcdefgh", "abc\x1bdefgh\x7fij", "abcdefg\xc3\xa9hijklmnop", "\t\r\nabcdefgh\x00",
		"abcdefghijklmno\xe2\x82\xac", "abcdefg\xc2\x85hijklmnopq", "\xff\xfeabcdefgh", "abcdefgh\x1f\x20\x7e\x7f\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for off := range min(len(b), 8) {
			for _, cs := range []charset{csASCII, csUTF8, csLatin, csUnknown} {
				for _, lf := range []bool{false, true} {
					gi, gerr := checkText(b[off:], cs, lf)
					wi, werr := checkTextBytewise(b[off:], cs, lf)
					if gi != wi || !errors.Is(gerr, werr) || (gerr == nil) != (werr == nil) {
						t.Fatalf("checkText(%q, %d, %t) = %d, %v; byte-wise %d, %v", b[off:], cs, lf, gi, gerr, wi, werr)
					}
				}
			}
		}
	})
}
