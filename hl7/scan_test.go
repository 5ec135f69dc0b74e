package hl7

import (
	"bytes"
	"testing"
)

// FuzzScan checks the word-at-a-time scanners against the bytes package.
func FuzzScan(f *testing.F) {
	f.Add([]byte("OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1|97|"), byte('|'), byte('^'), 3)
	f.Add([]byte("||||||||||||||||x"), byte('|'), byte('~'), 9)
	f.Add([]byte("\x00\x01\x7f\x80\xff|}{"), byte('|'), byte('}'), 1)
	f.Fuzz(func(t *testing.T, b []byte, a, c byte, n int) {
		if got, want := indexByte(b, a), bytes.IndexByte(b, a); got != want {
			t.Fatalf("indexByte(%q, %q) = %d, want %d", b, a, got, want)
		}
		want := len(b)
		for i, x := range b {
			if x == a || x == c {
				want = i
				break
			}
		}
		if got := indexEither(b, a, c); got != want {
			t.Fatalf("indexEither(%q, %q, %q) = %d, want %d", b, a, c, got, want)
		}
		n = n & 63
		lo, hi := split(b, a, n)
		parts := bytes.Split(b, []byte{a})
		if n >= len(parts) {
			if lo != -1 || hi != -1 {
				t.Fatalf("split(%q, %q, %d) = %d, %d, want -1, -1", b, a, n, lo, hi)
			}
			return
		}
		if lo < 0 || hi > len(b) || lo > hi || !bytes.Equal(b[lo:hi], parts[n]) {
			t.Fatalf("split(%q, %q, %d) = %d, %d, want part %q", b, a, n, lo, hi, parts[n])
		}
	})
}
