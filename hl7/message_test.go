package hl7_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
)

// readFile returns testdata/name.
func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustParse parses b or fails the test.
func mustParse(t testing.TB, b []byte) *hl7.Message {
	t.Helper()
	m, err := hl7.Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

// names returns the segment names of m joined by spaces.
func names(m *hl7.Message) string {
	var s []string
	for i := range m.NumSegments() {
		s = append(s, string(m.Segment(i).Name()))
	}
	return strings.Join(s, " ")
}

func TestParseSamples(t *testing.T) {
	tests := []struct {
		file                 string
		segs                 int
		ctrl, typ, trig, str string
		delims               hl7.Delimiters
		version              string
	}{
		{"pcd01.hl7", 9, "MSG00042", "ORU", "R01", "ORU_R01", hl7.DefaultDelimiters(), "2.6"},
		{"pcd01-16k.hl7", 93, "MSG00042", "ORU", "R01", "ORU_R01", hl7.DefaultDelimiters(), "2.6"},
		{"pcd01-400obx.hl7", 405, "MSG00042", "ORU", "R01", "ORU_R01", hl7.DefaultDelimiters(), "2.6"},
		{"pcd01-lf.hl7", 6, "MSG00042", "ORU", "R01", "ORU_R01", hl7.DefaultDelimiters(), "2.6"},
		{"edge.hl7", 6, "EDGE1", "ORU", "R01", "ORU_R01", hl7.DefaultDelimiters(), "2.5.1"},
		{"custom-delims.hl7", 4, "CUST1", "ORU", "R01", "ORU_R01", hl7.Delimiters{'#', '$', '%', '@', '!', 0}, "2.6"},
		{"v27-truncation.hl7", 2, "T27", "ORU", "R01", "ORU_R01", hl7.Delimiters{'|', '^', '~', '\\', '&', '#'}, "2.7"},
		{"adt-v23.hl7", 3, "A23", "ADT", "A01", "", hl7.DefaultDelimiters(), "2.3"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b := readFile(t, tc.file)
			m := mustParse(t, b)
			if m.NumSegments() != tc.segs {
				t.Errorf("NumSegments = %d, want %d (%s)", m.NumSegments(), tc.segs, names(m))
			}
			typ, trig, str := m.MessageType()
			got := []string{string(m.ControlID()), string(typ), string(trig), string(str), string(m.Version())}
			want := []string{tc.ctrl, tc.typ, tc.trig, tc.str, tc.version}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("header = %q, want %q", got, want)
			}
			if m.Delimiters() != tc.delims {
				t.Errorf("Delimiters = %q, want %q", m.Delimiters(), tc.delims)
			}
			if !bytes.Equal(m.Bytes(), b) {
				t.Error("Bytes differs from the input")
			}
		})
	}
}

func TestMSHHelpers(t *testing.T) {
	m := mustParse(t, readFile(t, "pcd01.hl7"))
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"SendingApplication", m.SendingApplication(), "GE_B40^080019FFFE0B4020^EUI-64"},
		{"SendingFacility", m.SendingFacility(), "ICU3"},
		{"ReceivingApplication", m.ReceivingApplication(), "CENTRAL^ACDE48234567ABCD^EUI-64"},
		{"ReceivingFacility", m.ReceivingFacility(), "HOSP"},
		{"ProcessingID", m.ProcessingID(), "P"},
		{"AcceptAckType", m.AcceptAckType(), "NE"},
		{"AppAckType", m.AppAckType(), "AL"},
		{"Charset", m.Charset(), "UNICODE UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if string(tc.got) != tc.want {
				t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
			}
		})
	}
	tm, err := m.Time()
	if err != nil {
		t.Fatal(err)
	}
	if got := tm.UTC().Format("2006-01-02T15:04:05Z"); got != "2024-03-15T09:30:00Z" {
		t.Errorf("Time = %s", got)
	}
}

// HeaderField reads MSH from Parse's index: the same fields as Segment(0).Field for a header with fewer
// fields than the index holds, with more, and with one longer than the index's offsets reach.
func TestHeaderField(t *testing.T) {
	long := strings.Repeat("x", 70000)
	for _, msh := range []string{
		"MSH|^~\\&|A|B|C|D|20240101||ORU^R01|C1|P|2.6",
		"MSH|^~\\&|A|B|C|D|20240101||ORU^R01|C1|P|2.6|||NE|AL||UNICODE UTF-8|||IHE^PCD|X|Y|Z",
		"MSH|^~\\&|A|B|C|D|20240101||ORU^R01|C1|P|2.6||||||UTF8",
		"MSH|^~\\&|A|B|C|D|20240101||ORU^R01|C1|P|2.6|||NE|AL||",
		"MSH|^~\\&|A|" + long + "|C|D|20240101||ORU^R01|C1|P|2.6|||NE|AL||UNICODE UTF-8",
		"MSH|^~\\&|A|B|C|D|20240101||ORU^R01|C1|P|2.6|" + long + "||NE|AL||UNICODE UTF-8",
		"MSH|^~\\&|A|B|C|D|20240101||ORU^R01|C1|P|2.6|||NE|AL||UNICODE UTF-8|" + long,
	} {
		m := mustParse(t, []byte(msh+"\rOBX|1|NM|X||1\r"))
		checkHeaderFields(t, m)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		err    error
		field  int
		offset int
	}{
		{"empty", "", hl7.ErrNoMSH, 0, 0},
		{"blank", " \r\n", hl7.ErrNoMSH, 0, 3},
		{"pid first", "PID|1\rMSH|^~\\&|A|B|C|D|T||ORU^R01|1|P|2.6\r", hl7.ErrNoMSH, 0, 0},
		{"msh too short", "MSH", hl7.ErrBadDelimiters, 1, 3},
		{"alnum field separator", "MSHA^~\\&A", hl7.ErrBadDelimiters, 1, 3},
		{"CR field separator", "MSH\r^~\\&", hl7.ErrBadDelimiters, 1, 3},
		{"three encoding chars", "MSH|^~\\|A|B|C|D|T||ORU^R01|1|P|2.6\r", hl7.ErrBadDelimiters, 2, 4},
		{"six encoding chars", "MSH|^~\\&#$|A\r", hl7.ErrBadDelimiters, 2, 4},
		{"duplicate delimiters", "MSH|^^\\&|A|B|C|D|T||ORU^R01|1|P|2.6\r", hl7.ErrBadDelimiters, 2, 4},
		{"duplicate of field separator", "MSH|^~\\||A\r", hl7.ErrBadDelimiters, 2, 4},
		{"alnum encoding char", "MSH|^~\\x|A|B|C|D|T||ORU^R01|1|P|2.6\r", hl7.ErrBadDelimiters, 2, 4},
		{"space delimiter", "MSH|^~ &|A\r", hl7.ErrBadDelimiters, 2, 4},
		{"LF in encoding chars", "MSH|^~\n&|A\r", hl7.ErrBadDelimiters, 2, 4},
		{"no message type", "MSH|^~\\&|A|B|C|D|T|||1|P|2.6\r", hl7.ErrNoMessageType, 9, 20},
		{"empty type component", "MSH|^~\\&|A|B|C|D|T||^R01|1|P|2.6\r", hl7.ErrNoMessageType, 9, 20},
		{"no control id", "MSH|^~\\&|A|B|C|D|T||ORU^R01||P|2.6\r", hl7.ErrNoControlID, 10, 28},
		{"header ends early", "MSH|^~\\&|A|B\r", hl7.ErrNoMessageType, 9, 12},
		{"offset after BOM", "\xef\xbb\xbf\r\nMSH|^~\\&|A|B|C|D|T||ORU^R01||P\r", hl7.ErrNoControlID, 10, 33},
		{"LF ends MSH", "MSH|^~\\&|A|B|C|D|T||ORU^R01\n|1|P\r", hl7.ErrNoControlID, 10, 27},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m hl7.Message
			err := m.Parse([]byte(tc.in))
			var pe *hl7.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want a *ParseError", err)
			}
			if !errors.Is(err, tc.err) || pe.Field != tc.field || pe.Offset != tc.offset {
				t.Errorf("Parse = %+v, want %v field %d offset %d", pe, tc.err, tc.field, tc.offset)
			}
			if m.NumSegments() != 0 || m.Bytes() != nil || m.ControlID() != nil {
				t.Error("a failed Parse left content in the Message")
			}
		})
	}
}

func TestParseErrorText(t *testing.T) {
	// Content of the input must never appear in the error.
	in := "MSH|^~\\&|SECRET-APP|SECRET-FAC|C|D|T||ORU^R01||P|2.6\r"
	_, err := hl7.Parse([]byte(in))
	want := "hl7: empty message control id at offset 46 (segment 0 MSH-10)"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Error("error echoes message content")
	}
}

func TestSegmentSplitting(t *testing.T) {
	const msh = "MSH|^~\\&|A|B|C|D|T||ORU^R01|1|P|2.6"
	tests := []struct {
		name  string
		in    string
		names string
		nte3  string // NTE-3, when the input has an NTE
	}{
		{"CR", msh + "\rPID|1\rNTE|1||x\r", "MSH PID NTE", "x"},
		{"CRLF", msh + "\r\nPID|1\r\nNTE|1||x\r\n", "MSH PID NTE", "x"},
		{"LF", msh + "\nPID|1\nNTE|1||x\n", "MSH PID NTE", "x"},
		{"no final terminator", msh + "\rNTE|1||x", "MSH NTE", "x"},
		{"blank segments dropped", "\r\n" + msh + "\r\r\n\r \t\rNTE|1||x\r\r", "MSH NTE", "x"},
		{"leading spaces skipped", msh + "\r  NTE|1||x\r", "MSH NTE", "x"},
		{"LF inside text kept", msh + "\rNTE|1||one\ntwo\r", "MSH NTE", "one\ntwo"},
		{"LFs inside text kept", msh + "\rNTE|1||one\n\ntwo\nthree|\r", "MSH NTE", "one\n\ntwo\nthree"},
		{"LF before segment-like text splits", msh + "\rNTE|1||one\nZX1|two\r", "MSH NTE ZX1", "one"},
		{"LF before MSH-like text without separator kept", msh + "\rNTE|1||one\nMSH is here\r", "MSH NTE", "one\nMSH is here"},
		{"LF CR run splits", msh + "\rNTE|1||one\n\rtwo\r", "MSH NTE two", "one"},
		{"trailing LF ends segment", msh + "\rNTE|1||one\n", "MSH NTE", "one"},
		{"BOM", "\xef\xbb\xbf" + msh + "\rNTE|1||x\r", "MSH NTE", "x"},
		{"segment without fields", msh + "\rZZZ\rNTE|1||x\r", "MSH ZZZ NTE", "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mustParse(t, []byte(tc.in))
			if got := names(m); got != tc.names {
				t.Errorf("segments = %q, want %q", got, tc.names)
			}
			nte, ok := m.Find("NTE", 1)
			if !ok {
				t.Fatal("no NTE")
			}
			if got := string(nte.Field(3).Bytes()); got != tc.nte3 {
				t.Errorf("NTE-3 = %q, want %q", got, tc.nte3)
			}
		})
	}
}

func TestFields(t *testing.T) {
	m := mustParse(t, readFile(t, "edge.hl7"))
	pid, _ := m.Find("PID", 1)
	msh := m.Segment(0)
	obx1, _ := m.Find("OBX", 1)
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"MSH-1", string(msh.Field(1).Bytes()), "|"},
		{"MSH-2", string(msh.Field(2).Bytes()), `^~\&`},
		{"MSH-2 not split into reps", msh.Field(2).NumReps(), 1},
		{"MSH-2 not split into components", string(msh.Field(2).Component(1).Bytes()), `^~\&`},
		{"MSH-2 component 2", msh.Field(2).Component(2).Bytes(), []byte(nil)},
		{"MSH-2 sub", string(msh.Field(2).Component(1).Sub(1)), `^~\&`},
		{"MSH-3", string(msh.Field(3).Bytes()), "MON"},
		{"MSH NumFields", msh.NumFields(), 12},
		{"MSH name", string(msh.Name()), "MSH"},
		{"PID NumFields counts trailing", pid.NumFields(), 10},
		{"PID-0 is empty", pid.Field(0).IsEmpty(), true},
		{"PID-1", string(pid.Field(1).Bytes()), "1"},
		{"PID-2 empty", pid.Field(2).IsEmpty(), true},
		{"PID-2 not null", pid.Field(2).IsNull(), false},
		{"PID-2 reps", pid.Field(2).NumReps(), 0},
		{"PID-3 reps", pid.Field(3).NumReps(), 2},
		{"PID-3 rep 2", string(pid.Field(3).Rep(2).Bytes()), "43^^^HOSP^PI"},
		{"PID-3 rep 3", pid.Field(3).Rep(3).IsEmpty(), true},
		{"PID-3 rep 0", pid.Field(3).Rep(0).IsEmpty(), true},
		{"PID-3.1 is from rep 1", string(pid.Field(3).Component(1).Bytes()), "42"},
		{"PID-3 components", pid.Field(3).NumComponents(), 5},
		{"PID-3[2].5", string(pid.Field(3).Rep(2).Component(5).Bytes()), "PI"},
		{"PID-3.2 empty", pid.Field(3).Component(2).Bytes(), []byte{}},
		{"PID-3.6 missing", pid.Field(3).Component(6).Bytes(), []byte(nil)},
		{"PID-5 null", pid.Field(5).IsNull(), true},
		{"PID-5 not empty", pid.Field(5).IsEmpty(), false},
		{"PID-9 trailing empty", pid.Field(9).IsEmpty(), true},
		{"PID-11 beyond", pid.Field(11).IsEmpty(), true},
		{"PID-11 reps", pid.Field(11).NumReps(), 0},
		{"OBX-5 raw keeps escapes", string(obx1.Field(5).Component(1).Bytes()), `MSH\F\\S\\R\\E\\T\\F\FAKE\F\`},
		{"OBX-5.1 unescaped", string(m.Delimiters().Unescape(nil, obx1.Field(5).Component(1).Bytes())), `MSH|^~\&|FAKE|`},
		{"OBX-5 components", obx1.Field(5).NumComponents(), 2},
		{"OBX-5 subs of comp 2", obx1.Field(5).Component(2).NumSubs(), 2},
		{"OBX-5.2.2", string(obx1.Field(5).Component(2).Sub(2)), "sub2"},
		{"OBX-5.2.3", obx1.Field(5).Component(2).Sub(3), []byte(nil)},
		{"empty Segment", hl7.Segment{}.NumFields(), 0},
		{"out of range Segment", m.Segment(99).Field(1).IsEmpty(), true},
		{"negative Segment", string(m.Segment(-1).Name()), ""},
		{"empty Component subs", hl7.Component{}.NumSubs(), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			switch want := tc.want.(type) {
			case []byte:
				got := tc.got.([]byte)
				if !bytes.Equal(got, want) || (got == nil) != (want == nil) {
					t.Errorf("got %q (nil %t), want %q (nil %t)", got, got == nil, want, want == nil)
				}
			default:
				if tc.got != tc.want {
					t.Errorf("got %v, want %v", tc.got, tc.want)
				}
			}
		})
	}
}

func TestFind(t *testing.T) {
	m := mustParse(t, readFile(t, "edge.hl7"))
	tests := []struct {
		name string
		n    int
		ok   bool
		want string // field 1
	}{
		{"OBX", 1, true, "1"},
		{"OBX", 3, true, "3"},
		{"OBX", 4, false, ""},
		{"OBX", 0, false, ""},
		{"MSH", 1, true, "|"},
		{"ZZZ", 1, false, ""},
	}
	for _, tc := range tests {
		s, ok := m.Find(tc.name, tc.n)
		if ok != tc.ok || string(s.Field(1).Bytes()) != tc.want {
			t.Errorf("Find(%s, %d) = %q, %t; want %q, %t", tc.name, tc.n, s.Field(1).Bytes(), ok, tc.want, tc.ok)
		}
	}
}

func TestGet(t *testing.T) {
	m := mustParse(t, readFile(t, "pcd01.hl7"))
	tests := []struct {
		path string
		want string
		err  error
	}{
		{"MSH-1", "|", nil},
		{"MSH-2", `^~\&`, nil},
		{"MSH-9", "ORU^R01^ORU_R01", nil},
		{"MSH-9.2", "R01", nil},
		{"MSH-10", "MSG00042", nil},
		{"MSH-21.3", "1.3.6.1.4.1.19376.1.6.1.1.1", nil},
		{"PID-3", "123456^^^HOSP^MR", nil},
		{"PID-3[1]", "123456^^^HOSP^MR", nil},
		{"PID-3[1].1", "123456", nil},
		{"PID-3[2].1", "", nil},
		{"PID-3.4", "HOSP", nil},
		{"PID-5.2", "JANE", nil},
		{"PV1-3.2", "BED07", nil},
		{"OBX-3", "69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC", nil},
		{"OBX(2)-3.1", "147842", nil},
		{"OBX(2)-3.2", "MDC_ECG_HEART_RATE", nil},
		{"OBX(2)-4", "1.1.1.147842", nil},
		{"OBX(2)-5", "72", nil},
		{"OBX(3)-18.1", "080019FFFE0B4020", nil},
		{"OBX(3)-18.2", "EUI-64", nil},
		{"OBX(3)-18.2.1", "EUI-64", nil},
		{"OBX(3)-18.2.2", "", nil},
		{"OBX(5)-99", "", nil},
		{"OBX(6)-5", "", hl7.ErrNoSegment},
		{"ZZZ-1", "", hl7.ErrNoSegment},
		{"PID", "", hl7.ErrBadPath},
		{"PID-", "", hl7.ErrBadPath},
		{"PID-0", "", hl7.ErrBadPath},
		{"PID-x", "", hl7.ErrBadPath},
		{"PID-3.", "", hl7.ErrBadPath},
		{"PID-3.1.", "", hl7.ErrBadPath},
		{"PID-3.1.1.1", "", hl7.ErrBadPath},
		{"PID-3[1", "", hl7.ErrBadPath},
		{"PID-3[0]", "", hl7.ErrBadPath},
		{"OBX(0)-5", "", hl7.ErrBadPath},
		{"OBX(2-5", "", hl7.ErrBadPath},
		{"OBX(2)5", "", hl7.ErrBadPath},
		{"PI-3", "", hl7.ErrBadPath},
		{"PID-123456", "", hl7.ErrBadPath},
		{"PID-3 ", "", hl7.ErrBadPath},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			got, err := m.Get(tc.path)
			if !errors.Is(err, tc.err) || string(got) != tc.want {
				t.Errorf("Get(%q) = %q, %v; want %q, %v", tc.path, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestCustomDelimiters(t *testing.T) {
	m := mustParse(t, readFile(t, "custom-delims.hl7"))
	d := m.Delimiters()
	tests := []struct{ path, want string }{
		{"MSH-1", "#"},
		{"MSH-2", "$%@!"},
		{"MSH-3.2", "1234"},
		{"MSH-9.2", "R01"},
		{"PID-3[2].1", "8"},
		{"PID-5.2", "JOHN"},
		{"OBX-3.2", "MDC_ECG_HEART_RATE"},
		{"OBX-8.1.2", "B"},
		{"NTE-3", "pipe | caret ^ tilde ~ and @F@ @S@"},
	}
	for _, tc := range tests {
		got, err := m.Get(tc.path)
		if err != nil || string(got) != tc.want {
			t.Errorf("Get(%q) = %q, %v; want %q", tc.path, got, err, tc.want)
		}
	}
	nte, _ := m.Get("NTE-3")
	if got := string(d.Unescape(nil, nte)); got != "pipe | caret ^ tilde ~ and # $" {
		t.Errorf("unescaped NTE-3 = %q", got)
	}
}

// TestPCD01 walks a monitor message with several hundred OBX rows.
func TestPCD01(t *testing.T) {
	m := mustParse(t, readFile(t, "pcd01-400obx.hl7"))
	var obx, metrics int
	for i := range m.NumSegments() {
		s := m.Segment(i)
		if string(s.Name()) != "OBX" {
			continue
		}
		obx++
		sub := s.Field(4).Bytes()
		if string(s.Field(11).Bytes()) == "X" {
			continue // MDS row
		}
		metrics++
		code := s.Field(3).Component(1).Bytes()
		if !bytes.HasSuffix(sub, append([]byte("."), code...)) || bytes.Count(sub, []byte(".")) != 3 {
			t.Fatalf("segment %d: OBX-4 %q does not end with OBX-3.1 %q", i, sub, code)
		}
		if !bytes.HasPrefix(s.Field(3).Component(2).Bytes(), []byte("MDC_")) {
			t.Fatalf("segment %d: OBX-3.2 is not an MDC reference id", i)
		}
		eq := s.Field(18)
		if string(eq.Component(1).Bytes()) != "0009FBFFFF059322" || string(eq.Component(2).Bytes()) != "EUI-64" {
			t.Fatalf("segment %d: OBX-18 = %q", i, eq.Bytes())
		}
		if s.Field(5).IsEmpty() || !bytes.HasPrefix(s.Field(6).Component(2).Bytes(), []byte("MDC_DIM_")) {
			t.Fatalf("segment %d: OBX-5/6 = %q %q", i, s.Field(5).Bytes(), s.Field(6).Bytes())
		}
	}
	if obx != 401 || metrics != 400 {
		t.Errorf("OBX = %d, metrics = %d; want 401, 400", obx, metrics)
	}
	last, ok := m.Find("OBX", 401)
	if !ok || string(last.Field(1).Bytes()) != "401" {
		t.Errorf("Find(OBX, 401) = %q, %t", last.Field(1).Bytes(), ok)
	}
}

// TestParseAllocs pins the zero-allocation parse and walk.
func TestParseAllocs(t *testing.T) {
	for _, file := range []string{"pcd01.hl7", "pcd01-16k.hl7", "edge.hl7"} {
		t.Run(file, func(t *testing.T) {
			b := readFile(t, file)
			var m hl7.Message
			if err := m.Parse(b); err != nil {
				t.Fatal(err)
			}
			fields := make([]hl7.Field, 0, 32)
			allocs := testing.AllocsPerRun(100, func() {
				if err := m.Parse(b); err != nil {
					t.Fatal(err)
				}
				walkOBX(&m, &fields)
				if _, err := m.Get("OBX(2)-3.1"); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("Parse + walk: %v allocs, want 0", allocs)
			}
		})
	}
}

// walkOBX reads OBX-3.1 and OBX-5 of every OBX, splitting each OBX once into
// *fields, and returns their total length.
func walkOBX(m *hl7.Message, fields *[]hl7.Field) int {
	n := 0
	for i := range m.NumSegments() {
		s := m.Segment(i)
		if string(s.Name()) != "OBX" {
			continue
		}
		f := s.Fields(*fields, 5)
		*fields = f
		if len(f) > 5 {
			n += len(f[3].Component(1).Bytes()) + len(f[5].Bytes())
		}
	}
	return n
}

// TestFieldReader checks FieldReader against Segment.Field on random segments full of separators,
// header segments and segments with more fields than it tracks, reading fields in ascending order with
// gaps and then once more out of order.
func TestFieldReader(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const alphabet = "||||^^~&\\AB1."
	for i := range 3000 {
		name := "OBX"
		if i%10 == 0 {
			name = "MSH"
		}
		seg := []byte(name)
		for range r.IntN(120) {
			seg = append(seg, alphabet[r.IntN(len(alphabet))])
		}
		m, err := hl7.Parse(append([]byte("MSH|^~\\&|A|B|||2026||ORU^R01|1|P\r"), seg...))
		if err != nil || m.NumSegments() != 2 {
			continue
		}
		s := m.Segment(1)
		fr := s.Reader()
		for n := 1; n < s.NumFields()+3; n += 1 + r.IntN(3) {
			if got, want := fr.Field(n), s.Field(n).Bytes(); string(got) != string(want) {
				t.Fatalf("%q: Field(%d) = %q, want %q", s.Bytes(), n, got, want)
			}
		}
		if got, want := fr.Field(1), s.Field(1).Bytes(); string(got) != string(want) {
			t.Fatalf("%q: Field(1) after the others = %q, want %q", s.Bytes(), got, want)
		}
	}
}

// Reset lets go of the parsed bytes (the gateway gives its read buffer back to a pool after it) and the
// Message parses the next input as a new one would.
func TestMessageReset(t *testing.T) {
	var m hl7.Message
	if err := m.Parse([]byte("MSH|^~\\&|MON|ICU|CS|HOSP|20261125120000||ORU^R01|C1|P|2.6\rOBX|1|NM|8867-4^HR^LN||72|/min\r")); err != nil {
		t.Fatal(err)
	}
	m.Reset()
	if m.Bytes() != nil || m.NumSegments() != 0 || m.ControlID() != nil {
		t.Fatalf("after Reset: %q, %d segments, control ID %q", m.Bytes(), m.NumSegments(), m.ControlID())
	}
	if err := m.Parse([]byte("MSH|^~\\&|MON|ICU|CS|HOSP|20261125120001||ORU^R01|C2|P|2.6\r")); err != nil {
		t.Fatal(err)
	}
	if string(m.ControlID()) != "C2" || m.NumSegments() != 1 {
		t.Fatalf("parsed after Reset: control ID %q, %d segments", m.ControlID(), m.NumSegments())
	}
}
