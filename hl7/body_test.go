package hl7_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hl7gate/hl7gate/hl7"
)

// withCharset returns a message with MSH-18 cs and the segments given.
func withCharset(cs string, segs ...string) []byte {
	msh := "MSH|^~\\&|MON|ICU|CS|HOSP|20240315103000||ORU^R01^ORU_R01|MSG1|P|2.6|||NE|AL||" + cs
	return []byte(strings.Join(append([]string{msh}, segs...), "\r") + "\r")
}

func TestCheckBody(t *testing.T) {
	const secret = "DOE^JANE"
	many := make([]string, 10000)
	for i := range many {
		many[i] = "OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97"
	}
	tests := []struct {
		name   string
		in     []byte
		limits hl7.BodyLimits
		err    error // nil: accepted
		seg    int
		field  int
		code   int
	}{
		{name: "PCD-01", in: readFile(t, "pcd01.hl7")},
		{name: "PCD-01 with 400 OBX", in: readFile(t, "pcd01-400obx.hl7")},
		{name: "LF terminators", in: readFile(t, "pcd01-lf.hl7")},
		{name: "CRLF terminators", in: bytes.ReplaceAll(readFile(t, "pcd01.hl7"), []byte("\r"), []byte("\r\n"))},
		{name: "TAB in text", in: withCharset("", "NTE|1||a\tb")},
		{name: "UTF-8 text", in: withCharset("UNICODE UTF-8", "PID|1||1||"+secret+"^Müller ßø 日本")},
		{name: "NUL", in: withCharset("UNICODE UTF-8", "PID|1||1||"+secret, "OBX|1|NM|150456||9\x007"), err: hl7.ErrControlByte, seg: 2, field: 5, code: 102},
		{name: "ESC", in: withCharset("", "NTE|1||\x1b$B"), err: hl7.ErrControlByte, seg: 1, field: 3, code: 102},
		{name: "DEL", in: withCharset("8859/1", "NTE|1||\x7f"), err: hl7.ErrControlByte, seg: 1, field: 3, code: 102},
		{name: "NUL in MSH", in: []byte("MSH|^~\\&|MON\x00|ICU|CS|HOSP|2024||ORU^R01|MSG1|P|2.6\r"), err: hl7.ErrControlByte, field: 3, code: 102},
		{name: "LF inside a segment", in: withCharset("", "NTE|1||line one\nline two"), err: hl7.ErrControlByte, seg: 1, field: 3, code: 102},
		{name: "LF inside a segment allowed", in: withCharset("", "NTE|1||line one\nline two"), limits: hl7.BodyLimits{AllowLF: true}},
		{name: "invalid UTF-8", in: withCharset("UNICODE UTF-8", "PID|1||1||"+secret+"\xe9"), err: hl7.ErrEncoding, seg: 1, field: 5, code: 102},
		{name: "truncated UTF-8", in: withCharset("UNICODE UTF-8", "PID|1||1||\xe6\x97"), err: hl7.ErrEncoding, seg: 1, field: 5, code: 102},
		{name: "UTF-8 C1 control", in: withCharset("UNICODE UTF-8", "NTE|1||\xc2\x85"), err: hl7.ErrControlByte, seg: 1, field: 3, code: 102},
		{name: "8 bit under empty MSH-18 (ASCII)", in: withCharset("", "PID|1||1||M\xfcller"), err: hl7.ErrEncoding, seg: 1, field: 5, code: 102},
		{name: "UTF-8 under ASCII", in: withCharset("ASCII", "PID|1||1||Müller"), err: hl7.ErrEncoding, seg: 1, field: 5, code: 102},
		{name: "Latin-1", in: withCharset("8859/1", "PID|1||1||M\xfcller")},
		{name: "Latin-1 C1 control", in: withCharset("8859/1", "PID|1||1||M\x85ller"), err: hl7.ErrControlByte, seg: 1, field: 5, code: 102},
		{name: "lower-case UTF-8 name", in: withCharset("unicode utf-8", "PID|1||1||Müller")},
		{name: "unknown charset", in: withCharset("ISO IR87", "NTE|1||x"), err: hl7.ErrCharset, field: 18, code: 103},
		{name: "code extension", in: withCharset("ASCII~ISO IR87", "NTE|1||x"), err: hl7.ErrCharset, field: 18, code: 103},
		{name: "unknown charset allowed", in: withCharset("ISO IR87", "NTE|1||\x1b$B\xa4\xa2\x1b(B"), limits: hl7.BodyLimits{AllowUnknownCharset: true}},
		{name: "unknown charset allowed, NUL", in: withCharset("GB 18030-2000", "NTE|1||\x00"), limits: hl7.BodyLimits{AllowUnknownCharset: true}, err: hl7.ErrControlByte, seg: 1, field: 3, code: 102},
		{name: "UTF-16 never", in: withCharset("UNICODE UTF-16", "NTE|1||x"), limits: hl7.BodyLimits{AllowUnknownCharset: true}, err: hl7.ErrCharset, field: 18, code: 103},
		{name: "10,000 segments", in: withCharset("", many...), err: hl7.ErrTooManySegments, seg: hl7.DefaultMaxSegments, code: 100},
		{name: "segment limit", in: withCharset("", "NTE|1", "NTE|2"), limits: hl7.BodyLimits{MaxSegments: 2}, err: hl7.ErrTooManySegments, seg: 2, code: 100},
		{name: "segment too long", in: withCharset("", "NTE|1||"+strings.Repeat("x", hl7.DefaultMaxSegmentLen)), err: hl7.ErrSegmentTooLong, seg: 1, code: 102},
		{name: "segment length limit", in: withCharset("", "NTE|1||xxxx"), limits: hl7.BodyLimits{MaxSegmentLen: 200}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mustParse(t, tc.in)
			err := m.CheckBody(tc.limits)
			if tc.err == nil {
				if err != nil {
					t.Fatalf("CheckBody: %v", err)
				}
				return
			}
			var be *hl7.BodyError
			if !errors.As(err, &be) || !errors.Is(err, tc.err) {
				t.Fatalf("CheckBody = %v, want a *BodyError wrapping %v", err, tc.err)
			}
			if be.Segment != tc.seg || be.Field != tc.field || be.ErrorCode() != tc.code {
				t.Errorf("segment %d field %d code %d, want %d, %d, %d (%v)", be.Segment, be.Field, be.ErrorCode(), tc.seg, tc.field, tc.code, err)
			}
			if be.Offset < 0 || be.Offset > len(tc.in) {
				t.Errorf("offset %d outside the message", be.Offset)
			}
			if strings.Contains(err.Error(), "DOE") || strings.Contains(err.Error(), "ller") {
				t.Errorf("error %q carries message content", err)
			}
		})
	}
}

// One frame, one message: a second header or a batch segment after the first segment, however the
// segment before it ends, and a repeated message type are refused; header names inside field values
// and segments that only start like a header are not.
func TestCheckOneMessage(t *testing.T) {
	one := "MSH|^~\\&|MON|ICU|CS|HOSP|20240315103000||ORU^R01^ORU_R01|MSG1|P|2.6\rOBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||72\r"
	adt := strings.Replace(one, "ORU^R01^ORU_R01|MSG1", "ADT^A08^ADT_A01|MSG2", 1)
	for _, tc := range []struct {
		name, msg string
		err       error
		seg, fld  int
	}{
		{"one message", one, nil, 0, 0},
		{"a value naming MSH", strings.Replace(one, "||72", "|MSH|72", 1), nil, 0, 0},
		{"a segment MSHX", one + "MSHX|1\r", nil, 0, 0},
		{"a second MSH after CR", one + adt, hl7.ErrSecondHeader, 2, 0},
		{"a second MSH after LF", strings.TrimSuffix(one, "\r") + "\n" + adt, hl7.ErrSecondHeader, 2, 0},
		{"a second MSH after CRLF", strings.TrimSuffix(one, "\r") + "\r\n" + adt, hl7.ErrSecondHeader, 2, 0},
		{"a batch header", one + "BHS|^~\\&|MON\r", hl7.ErrSecondHeader, 2, 0},
		{"a file header", one + "FHS|^~\\&|MON\r", hl7.ErrSecondHeader, 2, 0},
		{"a batch trailer alone", one + "BTS\r", hl7.ErrSecondHeader, 2, 0},
		{"a file trailer", one + "FTS|1\r", hl7.ErrSecondHeader, 2, 0},
		{"a repeated type", strings.Replace(one, "ORU^R01^ORU_R01", "ORU^R01~ADT^A08", 1), hl7.ErrTypeRepeats, 0, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mustParse(t, []byte(tc.msg))
			err := m.CheckOneMessage()
			if !errors.Is(err, tc.err) {
				t.Fatalf("CheckOneMessage = %v, want %v", err, tc.err)
			}
			if err == nil {
				return
			}
			var be *hl7.BodyError
			if !errors.As(err, &be) || be.Segment != tc.seg || be.Field != tc.fld {
				t.Errorf("error %#v, want segment %d field %d", err, tc.seg, tc.fld)
			}
			if code := be.ErrorCode(); tc.err == hl7.ErrSecondHeader && code != hl7.CodeSegmentSequence ||
				tc.err == hl7.ErrTypeRepeats && code != hl7.CodeDataType {
				t.Errorf("ErrorCode %d for %v", code, tc.err)
			}
		})
	}
}

func TestCheckBodyAllocs(t *testing.T) {
	m := mustParse(t, readFile(t, "pcd01-400obx.hl7"))
	if allocs := testing.AllocsPerRun(100, func() {
		if err := m.CheckBody(hl7.BodyLimits{}); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("CheckBody: %v allocs, want 0", allocs)
	}
}

// BenchmarkCheckOneMessage checks a 2 KB PCD-01 message for a second header: a look at each segment's
// name, on every message of every listener.
func BenchmarkCheckOneMessage(b *testing.B) {
	m := mustParse(b, bigMessage(b, 2<<10, "\r"))
	b.ReportAllocs()
	for b.Loop() {
		if err := m.CheckOneMessage(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckBody checks a 2 KB PCD-01 message (UTF-8, the slow charset).
func BenchmarkCheckBody(b *testing.B) {
	msg := bigMessage(b, 2<<10, "\r")
	m := mustParse(b, msg)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := m.CheckBody(hl7.BodyLimits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// refCheckText is the byte-at-a-time reference of CheckBody's byte rules:
// the offset of the first byte refused in seg, or -1.
func refCheckText(seg []byte, charset string, allowLF, unknownOK bool) int {
	for i := 0; i < len(seg); {
		c := seg[i]
		switch {
		case c == '\t' || c == '\n' && allowLF || c >= 0x20 && c <= 0x7e:
			i++
		case c == 0x1b && unknownOK:
			i++
		case c < 0x80:
			return i
		case unknownOK:
			i++
		case charset == "utf8":
			r, n := utf8.DecodeRune(seg[i:])
			if r == utf8.RuneError && n == 1 || r >= 0x80 && r <= 0x9f {
				return i
			}
			i += n
		case charset == "latin" && c >= 0xa0:
			i++
		default:
			return i
		}
	}
	return -1
}

// FuzzCheckBody checks CheckBody against refCheckText on every parseable
// input, under each of the character sets it knows.
func FuzzCheckBody(f *testing.F) {
	addSamples(f)
	f.Add([]byte("MSH|^~\\&|A|B|C|D|2024||ORU^R01|1|P|2.6\rNTE|1||\x00\xc2\x85\xe9\x7f\t\n\x1bx\r"))
	f.Add([]byte("MSH|^~\\&|A|B|C|D|2024||ORU^R01|1|P|2.6\rNTE|1||abcdefgh\xf0\x9f\x98\x80abcdefgh\xed\xa0\x80\r"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m hl7.Message
		if m.Parse(b) != nil {
			return
		}
		if err := m.CheckBody(hl7.BodyLimits{}); err != nil {
			var be *hl7.BodyError
			if !errors.As(err, &be) || be.Offset < 0 || be.Offset > len(b) {
				t.Fatalf("CheckBody = %v", err)
			}
		}
		// The same segments under each character set, whatever MSH-18 says.
		for _, charset := range []string{"ascii", "utf8", "latin", "unknown"} {
			for _, allowLF := range []bool{false, true} {
				for i := range m.NumSegments() {
					seg := m.Segment(i).Bytes()
					want := refCheckText(seg, charset, allowLF, charset == "unknown")
					if got := hl7.CheckText(seg, charset, allowLF); got != want {
						t.Fatalf("segment %d under %s (LF %t): first refused byte %d, reference %d", i, charset, allowLF, got, want)
					}
				}
			}
		}
	})
}
