package hl7_test

import (
	"bytes"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
)

// FuzzParseReuse parses a into a Message and then b into the same one (as the gateway's sessions reuse
// theirs): the header index Parse makes must describe b alone, whatever a's header held (more or fewer
// fields, another field separator, a failed parse), and every header accessor must answer as a fresh
// parse of b does.
func FuzzParseReuse(f *testing.F) {
	long := "MSH|^~\\&|A|B|C|D|20240101||ORU^R01|C1|P|2.6|||NE|AL||UNICODE UTF-8|||IHE^PCD|X\rOBX|1\r"
	short := "MSH#^~\\&#A#B#C#D#20240101##ORU^R01#C2#P\r"
	f.Add([]byte(long), []byte(short))
	f.Add([]byte(short), []byte(long))
	f.Add([]byte(long), []byte("MSH|^~\\&|A\r"))
	f.Add([]byte(long), []byte("MSH|^~\\&|A|B|C|D|T||ORU^R01|C3"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var m hl7.Message
		_ = m.Parse(a)
		err := m.Parse(b)
		fresh, ferr := hl7.Parse(b)
		if (err == nil) != (ferr == nil) {
			t.Fatalf("reused Parse: %v, fresh Parse: %v", err, ferr)
		}
		if err != nil {
			if got := m.HeaderField(10).Bytes(); len(got) != 0 {
				t.Fatalf("failed Parse: HeaderField(10) = %q", got)
			}
			return
		}
		checkHeaderFields(t, &m)
		for n := range 24 {
			if got, want := m.HeaderField(n).Bytes(), fresh.Segment(0).Field(n).Bytes(); !bytes.Equal(got, want) {
				t.Fatalf("HeaderField(%d) = %q after reuse, fresh %q", n, got, want)
			}
		}
		gt, gg, gs := m.MessageType()
		wt, wg, ws := fresh.MessageType()
		if !bytes.Equal(m.ControlID(), fresh.ControlID()) || !bytes.Equal(m.Charset(), fresh.Charset()) ||
			!bytes.Equal(gt, wt) || !bytes.Equal(gg, wg) || !bytes.Equal(gs, ws) {
			t.Fatalf("accessors differ after reuse")
		}
	})
}
