package hl7_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

var benchFiles = []struct{ name, file string }{
	{"1KB", "pcd01.hl7"},
	{"16KB", "pcd01-16k.hl7"},
}

// BenchmarkParse parses a PCD-01 message and reads OBX-3.1 and OBX-5 of every OBX.
func BenchmarkParse(b *testing.B) {
	for _, bf := range benchFiles {
		b.Run(bf.name, func(b *testing.B) {
			msg := readFile(b, bf.file)
			var m hl7.Message
			fields := make([]hl7.Field, 0, 32)
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if err := m.Parse(msg); err != nil {
					b.Fatal(err)
				}
				if walkOBX(&m, &fields) == 0 {
					b.Fatal("no OBX values")
				}
			}
		})
	}
}

// BenchmarkReadParse reads MLLP frames from a buffered stream, then parses
// each and reads its OBX values.
func BenchmarkReadParse(b *testing.B) {
	for _, bf := range benchFiles {
		b.Run(bf.name, func(b *testing.B) {
			msg := readFile(b, bf.file)
			const frames = 64
			var stream bytes.Buffer
			w := mllp.NewWriter(&stream)
			for range frames {
				if err := w.WriteFrame(msg); err != nil {
					b.Fatal(err)
				}
			}
			data := stream.Bytes()
			src := bytes.NewReader(data)
			r := mllp.NewReader(src, 1<<20)
			var m hl7.Message
			fields := make([]hl7.Field, 0, 32)
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			n := 0
			for b.Loop() {
				if n%frames == 0 {
					src.Reset(data)
					r.Reset(src)
				}
				n++
				frame, err := r.ReadFrame()
				if err != nil {
					b.Fatal(err)
				}
				if err := m.Parse(frame); err != nil {
					b.Fatal(err)
				}
				walkOBX(&m, &fields)
			}
		})
	}
}

// BenchmarkAppendAck writes an error ACK for a parsed message.
func BenchmarkAppendAck(b *testing.B) {
	m := mustParse(b, readFile(b, "pcd01.hl7"))
	a := hl7.Ack{Code: hl7.AE, ErrorCode: 207, Reason: "station unavailable", ControlID: "GW1", Time: time.Date(2024, 3, 15, 10, 30, 0, 0, time.UTC)}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = hl7.AppendAck(buf[:0], m, a)
	}
}

// bigMessage returns a message of about size bytes: the PCD-01 sample's
// segments repeated, each ended by term.
func bigMessage(tb testing.TB, size int, term string) []byte {
	tb.Helper()
	segs := bytes.Split(bytes.TrimRight(readFile(tb, "pcd01.hl7"), "\r"), []byte("\r"))
	out := append(append([]byte(nil), segs[0]...), term...)
	for i := 1; len(out) < size; i++ {
		out = append(append(out, segs[1+i%(len(segs)-1)]...), term...)
	}
	return out
}

// BenchmarkParseTerminators parses a 1 MB message whose segments end in CR,
// LF or CRLF: the cost must not depend on the terminator.
func BenchmarkParseTerminators(b *testing.B) {
	for _, tc := range []struct{ name, term string }{{"CR", "\r"}, {"LF", "\n"}, {"CRLF", "\r\n"}} {
		b.Run(tc.name+"-1MB", func(b *testing.B) {
			msg := bigMessage(b, 1<<20, tc.term)
			var m hl7.Message
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if err := m.Parse(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
