package hl7

import (
	"bytes"
	"strings"
	"testing"
)

// refSegments splits b into segments by the rules of the package
// documentation, one byte at a time: the reference the segmenter is checked
// against. Spans are [start, end) pairs, blank ones included.
func refSegments(b []byte, pos int, fs byte) [][2]int {
	breakRun := func(i int) int {
		for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
			i++
		}
		return i
	}
	segLike := func(s []byte) bool {
		if len(s) < 4 || s[3] != fs {
			return false
		}
		for _, c := range s[:3] {
			if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
				return false
			}
		}
		return true
	}
	var out [][2]int
	for pos < len(b) {
		for pos < len(b) && (b[pos] == ' ' || b[pos] == '\t') {
			pos++
		}
		start, end := pos, pos
		rest := string(b[start:min(start+4, len(b))])
		header := len(rest) >= 4 && rest[3] == fs && (strings.HasPrefix(rest, "MSH") || strings.HasPrefix(rest, "FHS") || strings.HasPrefix(rest, "BHS"))
		for end < len(b) && b[end] != '\r' {
			if b[end] != '\n' {
				end++
				continue
			}
			j := breakRun(end)
			if header || bytes.IndexByte(b[end:j], '\r') >= 0 || j == len(b) || segLike(b[j:]) {
				break
			}
			end = j // a run of LFs inside the segment is data
		}
		out = append(out, [2]int{start, end})
		pos = breakRun(end)
	}
	return out
}

// segments walks b with a segmenter and returns its spans and the bytes its
// searches looked at.
func segments(b []byte, pos int, fs byte) (spans [][2]int, scanned int) {
	sc := newSegmenter(b, pos, fs)
	for {
		s, e, ok := sc.next()
		if !ok {
			return spans, sc.scanned
		}
		spans = append(spans, [2]int{s, e})
	}
}

// TestSegmenterLinear pins the cost of a walk to the input size, whatever the
// terminators: the searches for CR and LF never look at a byte twice each.
// (They used to search for the next CR from every segment's start, so that a
// 1 MB message with LF terminators cost about 2^30 byte comparisons.)
func TestSegmenterLinear(t *testing.T) {
	const size = 1 << 20
	repeat := func(unit string) []byte {
		return []byte("MSH|^~\\&|A|B|C|D|2024||ORU^R01|1|P|2.6\r" + strings.Repeat(unit, size/len(unit)))
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"CR", repeat("OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1|97|%\r")},
		{"LF", repeat("OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1|97|%\n")},
		{"CRLF", repeat("OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1|97|%\r\n")},
		{"LFCR", repeat("OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1|97|%\n\r")},
		{"LF in text", repeat("NTE|1||line one\nline two\n")},
		{"one long segment", append([]byte("MSH|^~\\&|A|B|C|D|2024||ORU^R01|1|P|2.6\rNTE|1||"), bytes.Repeat([]byte("x\n"), size/2)...)},
		{"blank lines", repeat("\n")},
		{"empty segments", repeat("\r")},
		{"short segments", repeat("A|\n")},
		{"no terminator", append([]byte("MSH|^~\\&|A|B|C|D|2024||ORU^R01|1|P|2.6\r"), bytes.Repeat([]byte("x"), size)...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spans, scanned := segments(tc.in, 0, '|')
			if scanned > 2*len(tc.in) {
				t.Errorf("the walk looked at %d bytes of %d, more than twice the input", scanned, len(tc.in))
			}
			if want := refSegments(tc.in, 0, '|'); len(spans) != len(want) {
				t.Errorf("%d segments, the reference finds %d", len(spans), len(want))
			}
			var m Message
			if err := m.Parse(tc.in); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// FuzzSegmenter checks the segmenter against the byte-at-a-time reference,
// and that a walk never looks at more than twice the input.
func FuzzSegmenter(f *testing.F) {
	for _, s := range []string{
		"MSH|^~\\&|A\rPID|1\r",
		"MSH|^~\\&|A\nPID|1\nOBX|1|TX|x\ny\n\nNTE|1\r\n",
		"MSH|^~\\&|A\n\rOBX|1\n  \t\nZZ1|\n \n",
		"\r\n\r\n",
		"OBX|1|TX|a\n\n\rb\n",
		"FHS|^~\\&\nBHS|^~\\&\nMSH|^~\\&\nx\n",
	} {
		f.Add([]byte(s), byte('|'))
	}
	f.Fuzz(func(t *testing.T, b []byte, fs byte) {
		spans, scanned := segments(b, 0, fs)
		if scanned > 2*len(b) {
			t.Fatalf("the walk looked at %d bytes of %d", scanned, len(b))
		}
		want := refSegments(b, 0, fs)
		if len(spans) != len(want) {
			t.Fatalf("segments %v, reference %v", spans, want)
		}
		for i := range spans {
			if spans[i] != want[i] {
				t.Fatalf("segments %v, reference %v", spans, want)
			}
		}
	})
}
