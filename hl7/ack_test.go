package hl7_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got %q\nwant %q", name, got, want)
	}
}

var ackTime = time.Date(2024, 3, 15, 10, 30, 1, 0, time.FixedZone("", 3600))

func TestAppendAck(t *testing.T) {
	tests := []struct {
		name string
		file string
		ack  hl7.Ack
	}{
		{"ack-aa", "pcd01.hl7", hl7.Ack{Code: hl7.AA, ControlID: "GW1", Time: ackTime}},
		{"ack-ar-207", "pcd01.hl7", hl7.Ack{Code: hl7.AR, ErrorCode: 207, Reason: "station unavailable", ControlID: "GW2", Time: ackTime}},
		{"ack-ae-escaped-reason", "edge.hl7", hl7.Ack{Code: hl7.AE, ErrorCode: 101, Reason: "OBX-5 | missing ^ here", ControlID: "GW|3", Time: ackTime}},
		{"ack-ca-no-time", "edge.hl7", hl7.Ack{Code: hl7.CA, ControlID: "GW4"}},
		{"ack-custom-delims", "custom-delims.hl7", hl7.Ack{Code: hl7.AE, ErrorCode: 200, Reason: "type # not routed", ControlID: "GW5", Time: ackTime}},
		{"ack-v27-truncation", "v27-truncation.hl7", hl7.Ack{Code: hl7.AR, ErrorCode: 203, Reason: "v2.7#", ControlID: "GW6", Time: ackTime}},
		{"ack-v23-err1", "adt-v23.hl7", hl7.Ack{Code: hl7.AR, ErrorCode: 200, Reason: "not routed", ControlID: "GW7", Time: ackTime}},
		{"ack-v23-reason-only", "adt-v23.hl7", hl7.Ack{Code: hl7.AE, Reason: "try later", ControlID: "GW8", Time: ackTime}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orig := mustParse(t, readFile(t, tc.file))
			got := hl7.AppendAck([]byte("keep"), orig, tc.ack)
			if !bytes.HasPrefix(got, []byte("keep")) {
				t.Fatal("AppendAck dropped dst")
			}
			got = got[4:]
			golden(t, tc.name+".golden", got)
			checkAck(t, got, orig, tc.ack)
		})
	}
}

// checkAck parses an ACK and checks what every ACK must say.
func checkAck(t *testing.T, ack []byte, orig *hl7.Message, a hl7.Ack) {
	t.Helper()
	m, err := hl7.Parse(ack)
	if err != nil {
		t.Fatalf("ACK does not parse: %v", err)
	}
	code, ctrl, ok := hl7.ParseAck(m)
	if !ok || code != a.Code || !bytes.Equal(ctrl, orig.ControlID()) {
		t.Errorf("ParseAck = %s, %q, %t; want %s, %q", code, ctrl, ok, a.Code, orig.ControlID())
	}
	if m.Delimiters() != orig.Delimiters() {
		t.Errorf("delimiters %q, want %q", m.Delimiters(), orig.Delimiters())
	}
	if !bytes.Equal(m.SendingApplication(), orig.ReceivingApplication()) || !bytes.Equal(m.ReceivingFacility(), orig.SendingFacility()) {
		t.Error("sender and receiver not swapped")
	}
	if id := m.Delimiters().Unescape(nil, m.ControlID()); string(id) != a.ControlID {
		t.Errorf("MSH-10 = %q, want %q", id, a.ControlID)
	}
	typ, _, _ := m.MessageType()
	if string(typ) != "ACK" {
		t.Errorf("MSH-9.1 = %q", typ)
	}
	_, hasERR := m.Find("ERR", 1)
	if hasERR != (a.ErrorCode != 0) {
		t.Errorf("ERR segment present %t, ErrorCode %d", hasERR, a.ErrorCode)
	}
}

func TestAppendNak(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		ctrl string // expected MSA-2
	}{
		{"nak-no-msh", "this is not HL7 at all", ""},
		{"nak-empty", "", ""},
		{"nak-missing-type", "MSH|^~\\&|MON|ICU|CS|HOSP|20240315103000|||BROKEN1|P|2.6\rPID|1\r", "BROKEN1"},
		{"nak-bad-encoding-chars", "MSH|^^\\&|MON|ICU|CS|HOSP|20240315103000||ORU^R01|BROKEN2|P|2.6\r", "BROKEN2"},
		{"nak-custom-delims", "junk\r\nMSH#$%@!#MON#ICU#CS#HOSP#2024##ORU$R40#BROKEN3#T#2.3.1\rPID#1", "BROKEN3"},
		{"nak-alnum-separator", "MSHX^~\\&XMONXICU", ""},
		{"nak-unsafe-fields-dropped", "MSH|^^\\&|MON^X|ICU|CS|HOSP|2024||ORU^R01|ID~1|P|2.6", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := hl7.AppendNak(nil, []byte(tc.raw), hl7.Ack{Code: hl7.AR, ErrorCode: 100, Reason: "unparseable", ControlID: "NAK1", Time: ackTime})
			golden(t, tc.name+".golden", got)
			m, err := hl7.Parse(got)
			if err != nil {
				t.Fatalf("NAK does not parse: %v", err)
			}
			code, ctrl, ok := hl7.ParseAck(m)
			if !ok || code != hl7.AR || string(ctrl) != tc.ctrl {
				t.Errorf("ParseAck = %s, %q, %t; want AR, %q", code, ctrl, ok, tc.ctrl)
			}
		})
	}
}

func TestAckAllocs(t *testing.T) {
	orig := mustParse(t, readFile(t, "pcd01.hl7"))
	raw := readFile(t, "custom-delims.hl7")
	a := hl7.Ack{Code: hl7.AE, ErrorCode: 207, Reason: "internal", ControlID: "GW1", Time: ackTime}
	buf := make([]byte, 0, 1024)
	tests := []struct {
		name string
		fn   func()
	}{
		{"AppendAck", func() { buf = hl7.AppendAck(buf[:0], orig, a) }},
		{"AppendNak", func() { buf = hl7.AppendNak(buf[:0], raw, a) }},
		{"ParseAck", func() { hl7.ParseAck(orig) }},
	}
	for _, tc := range tests {
		if allocs := testing.AllocsPerRun(100, tc.fn); allocs != 0 {
			t.Errorf("%s: %v allocs, want 0", tc.name, allocs)
		}
	}
}

func TestParseAck(t *testing.T) {
	const msh = "MSH|^~\\&|CS|HOSP|MON|ICU|2024||ACK^R01^ACK|9|P|2.6\r"
	tests := []struct {
		name string
		in   string
		code hl7.AckCode
		ctrl string
		ok   bool
	}{
		{"AA", msh + "MSA|AA|MSG1\r", hl7.AA, "MSG1", true},
		{"AE", msh + "MSA|AE|MSG1|text\r", hl7.AE, "MSG1", true},
		{"AR", msh + "MSA|AR|\r", hl7.AR, "", true},
		{"CA", msh + "MSA|CA|X\r", hl7.CA, "X", true},
		{"CE", msh + "MSA|CE|X\r", hl7.CE, "X", true},
		{"CR", msh + "MSA|CR|X\r", hl7.CR, "X", true},
		{"unknown code", msh + "MSA|OK|X\r", "", "", false},
		{"lowercase code", msh + "MSA|aa|X\r", "", "", false},
		{"no MSA", msh + "ERR|1\r", "", "", false},
		{"empty MSA-2", msh + "MSA|AE\r", hl7.AE, "", true},
		{"LF terminators", strings.ReplaceAll(msh, "\r", "\n") + "MSA|AA|MSG1\nERR|1\n", hl7.AA, "MSG1", true},
		{"two MSA", msh + "MSA|AA|MSG1\rMSA|AE|MSG2\r", "", "", false},
		{"two messages", msh + "MSA|AR|MSG1\r" + msh + "MSA|AA|MSG1\r", "", "", false},
		{"NUL in MSA-2", msh + "MSA|AA|MSG\x001\r", "", "", false},
		{"LF as data in MSA-2", msh + "MSA|AA|MSG1\n2\r", "", "", false},
		{"LF as data hiding an MSA", msh + "ERR|1\n MSA|AE|MSG2\rMSA|AA|MSG1\r", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, ctrl, ok := hl7.ParseAck(mustParse(t, []byte(tc.in)))
			if code != tc.code || string(ctrl) != tc.ctrl || ok != tc.ok {
				t.Errorf("ParseAck = %q, %q, %t; want %q, %q, %t", code, ctrl, ok, tc.code, tc.ctrl, tc.ok)
			}
		})
	}
}

func TestAckCodePositive(t *testing.T) {
	tests := []struct {
		code hl7.AckCode
		want bool
	}{
		{hl7.AA, true}, {hl7.CA, true},
		{hl7.AE, false}, {hl7.AR, false}, {hl7.CE, false}, {hl7.CR, false}, {"", false},
	}
	for _, tc := range tests {
		if got := tc.code.Positive(); got != tc.want {
			t.Errorf("%q.Positive() = %t, want %t", tc.code, got, tc.want)
		}
	}
}

// TestAppendNakRecoversOnlySegmentStarts checks that AppendNak takes an MSH
// only where a segment can start: text inside a segment that happens to read
// "MSH|..." is data, and must not be echoed in the answer.
func TestAppendNakRecoversOnlySegmentStarts(t *testing.T) {
	const hidden = "MSH|^~\\&|DOE^JANE|ICU|CS|HOSP|2024||ORU^R01|SECRET1|P|2.6"
	tests := []struct {
		name string
		raw  string
		ctrl string // expected MSA-2; "" when no MSH may be recovered
	}{
		{"inside the first segment", "PID|1||" + hidden + "\r", ""},
		{"inside a later segment", "EVN|1\rNTE|1||see " + hidden + "\r", ""},
		{"inside a segment after LF", "EVN|1\nNTE|1||x" + hidden, ""},
		{"no line break at all", "garbage " + hidden, ""},
		{"at the start", hidden, "SECRET1"},
		{"after white space", "\xef\xbb\xbf \r\n" + hidden, "SECRET1"},
		{"starting a segment after CR", "EVN|1\r" + hidden, "SECRET1"},
		{"starting a segment after LF and tabs", "EVN|1\n\t " + hidden, "SECRET1"},
		{"starting a segment after CRLF", "EVN|1\r\n" + hidden + "\r\n", "SECRET1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := hl7.AppendNak(nil, []byte(tc.raw), hl7.Ack{Code: hl7.AR, ErrorCode: hl7.CodeSegmentSequence, ControlID: "NAK1"})
			m := mustParse(t, got)
			_, ctrl, ok := hl7.ParseAck(m)
			if !ok || string(ctrl) != tc.ctrl {
				t.Errorf("MSA-2 %q (ok %t), want %q", ctrl, ok, tc.ctrl)
			}
			if tc.ctrl == "" && (bytes.Contains(got, []byte("DOE")) || bytes.Contains(got, []byte("SECRET"))) {
				t.Errorf("NAK echoes the text of a segment: %q", got)
			}
		})
	}
}

func TestIsAck(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"MSH|^~\\&|CS|HOSP|MON|ICU|2024||ACK^R01^ACK|9|P|2.6\rMSA|AA|1\r", true},
		{"MSH|^~\\&|CS|HOSP|MON|ICU|2024||ACK|9|P|2.3\rMSA|AA|1\r", true},
		{"MSH|^~\\&|CS|HOSP|MON|ICU|2024||ORU^R01|9|P|2.6\rMSA|AA|1\r", false},
		{"MSH|^~\\&|CS|HOSP|MON|ICU|2024||ACKX^R01|9|P|2.6\r", false},
		{"MSH|^~\\&|CS|HOSP|MON|ICU|2024||ack|9|P|2.6\r", false},
	}
	for _, tc := range tests {
		if got := mustParse(t, []byte(tc.in)).IsAck(); got != tc.want {
			t.Errorf("IsAck(%q) = %t, want %t", tc.in, got, tc.want)
		}
	}
	if new(hl7.Message).IsAck() {
		t.Error("an empty Message is an ACK")
	}
}

func TestWantsAcks(t *testing.T) {
	tests := []struct {
		msh15, msh16 string
		accept, app  bool
	}{
		{"", "", false, true}, // original mode
		{"AL", "AL", true, true},
		{"AL", "NE", true, false},
		{"ER", "ER", true, false},
		{"SU", "SU", true, true},
		{"NE", "AL", false, true},
	}
	for _, tc := range tests {
		var m hl7.Message
		body := "MSH|^~\\&|MON|ICU|CS|H|20260101120000||ORU^R01|1|P|2.6|||" + tc.msh15 + "|" + tc.msh16 + "\r"
		if err := m.Parse([]byte(body)); err != nil {
			t.Fatal(err)
		}
		if got := m.WantsAcceptAck(); got != tc.accept {
			t.Errorf("MSH-15 %q: WantsAcceptAck %v, want %v", tc.msh15, got, tc.accept)
		}
		if got := m.WantsAppAck(); got != tc.app {
			t.Errorf("MSH-16 %q: WantsAppAck %v, want %v", tc.msh16, got, tc.app)
		}
	}
}
