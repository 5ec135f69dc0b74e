package hl7_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
)

// refAck is what the reference decoder reads from a station's ACK.
type refAck struct {
	code, ctrl, typ string
}

// refDecodeAck is an independent, naive decoder of an acknowledgment: it ends
// a segment at every CR and every LF, trims the spaces and tabs that start a
// segment, drops blank ones, and splits at the field, repetition and component
// separators of MSH. ok is false for what it deems malformed: no MSH first,
// illegal delimiters, empty MSH-9.1 or MSH-10, not exactly one MSA, an MSA-1
// other than the six codes, or a control character in MSA-2.
func refDecodeAck(frame []byte) (a refAck, ok bool) {
	s := strings.TrimPrefix(string(frame), "\xef\xbb\xbf")
	var segs []string
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }) {
		if line = strings.TrimLeft(line, " \t"); line != "" {
			segs = append(segs, line)
		}
	}
	if len(segs) == 0 || len(segs[0]) < 8 || !strings.HasPrefix(segs[0], "MSH") {
		return a, false
	}
	fs := segs[0][3:4]
	msh := strings.Split(segs[0], fs)
	enc := msh[1]
	if len(enc) < 4 || len(enc) > 5 {
		return a, false
	}
	d := hl7.Delimiters{Field: fs[0], Component: enc[0], Repetition: enc[1], EscapeChar: enc[2], Subcomponent: enc[3]}
	if len(enc) == 5 {
		d.Truncation = enc[4]
	}
	if d.Validate() != nil || len(msh) < 10 || msh[9] == "" {
		return a, false
	}
	rep1, _, _ := strings.Cut(msh[8], enc[1:2])
	a.typ, _, _ = strings.Cut(rep1, enc[0:1])
	if a.typ == "" {
		return a, false
	}
	n := 0
	for _, seg := range segs {
		f := strings.Split(seg, fs)
		if f[0] != "MSA" {
			continue
		}
		if n++; n > 1 {
			return a, false
		}
		if len(f) < 2 {
			return a, false
		}
		switch f[1] {
		case "AA", "AE", "AR", "CA", "CE", "CR":
			a.code = f[1]
		default:
			return a, false
		}
		if len(f) > 2 {
			a.ctrl = f[2]
		}
		if strings.IndexFunc(a.ctrl, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			return a, false
		}
	}
	return a, n == 1
}

// FuzzAckDecode decodes a station's answer the way the gateway does (Parse,
// then ParseAck and MessageType) and checks it against refDecodeAck: what the
// real decoder accepts, the reference reads the same; what the reference
// accepts, the real decoder accepts too, unless a segment holds a line feed as
// data, which ParseAck refuses as ambiguous.
func FuzzAckDecode(f *testing.F) {
	const msh = "MSH|^~\\&|CS|HOSP|MON|ICU|20240315103000||ACK^R01^ACK|A1|P|2.6\r"
	for _, s := range []string{
		msh + "MSA|AA|MSG1\r",
		msh + "MSA|CA|MSG1\r", msh + "MSA|CE|MSG1\r", msh + "MSA|CR|MSG1\r",
		msh + "MSA|AE|\rERR|||207^Application internal error^HL70357|E\r",
		msh + "MSA|AR\r",
		msh + "MSA|AA|MSG1\rMSA|AE|MSG2\r",
		msh + "MSA|AE|MSG2\r" + msh + "MSA|AA|MSG1\r",
		"MSA|AA|MSG1\r" + msh,
		"MSA|AA|MSG1\r",
		msh + "MSA|AA|MSG\x001\r",
		msh + "MSA|A\x00A|MSG1\r",
		strings.ReplaceAll(msh, "\r", "\n") + "MSA|AA|MSG1\n",
		strings.ReplaceAll(msh, "\r", "\r\n") + "MSA|AA|MSG1\r\n",
		msh + "ERR|1\n MSA|AE|MSG2\rMSA|AA|MSG1\r",
		msh + "MSA|AA|MSG1\nmore text\r",
		msh + "MSA|AA|" + strings.Repeat("X", 4000) + "\r",
		msh + "NTE|1||" + strings.Repeat("|", 1000) + "\rMSA|AA|MSG1\r",
		"\xef\xbb\xbf \r\n" + msh + "  MSA|AA|MSG1\r",
		"MSH#$%@!#CS#HOSP#MON#ICU#2024##ACK$R01#A1#P#2.3\rMSA#AA#MSG1\r",
		"MSH|^^\\&|CS|HOSP|MON|ICU|2024||ACK|A1|P|2.6\rMSA|AA|MSG1\r",
		"MSH|^~\\&|CS|HOSP|MON|ICU|2024|||A1|P|2.6\rMSA|AA|MSG1\r",
		"\x06", "\x15", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		var m hl7.Message
		code, ctrl, ok := hl7.AckCode(""), []byte(nil), false
		parsed := m.Parse(frame) == nil
		if parsed {
			code, ctrl, ok = hl7.ParseAck(&m)
		}
		ref, refOK := refDecodeAck(frame)
		if ok {
			typ, _, _ := m.MessageType()
			if !refOK || string(code) != ref.code || string(ctrl) != ref.ctrl || string(typ) != ref.typ || m.IsAck() != (ref.typ == "ACK") {
				t.Fatalf("decoded %s %q type %q; reference %+v (ok %t)", code, ctrl, typ, ref, refOK)
			}
			if ctrl == nil {
				t.Fatal("nil control ID from an accepted ACK")
			}
			return
		}
		if !refOK {
			return
		}
		if !parsed {
			t.Fatalf("Parse refuses what the reference reads as %+v", ref)
		}
		for i := range m.NumSegments() {
			if bytes.IndexByte(m.Segment(i).Bytes(), '\n') >= 0 {
				return // refused as ambiguous
			}
		}
		t.Fatalf("ParseAck refuses what the reference reads as %+v", ref)
	})
}
