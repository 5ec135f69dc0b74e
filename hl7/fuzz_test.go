package hl7_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// addSamples seeds f with every testdata/*.hl7 file.
func addSamples(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.hl7"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no samples: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzParse(f *testing.F) {
	addSamples(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var m hl7.Message
		if err := m.Parse(b); err != nil {
			if m.NumSegments() != 0 {
				t.Fatal("failed Parse left segments")
			}
			hl7.AppendNak(nil, b, hl7.Ack{Code: hl7.AR, ErrorCode: 100, Reason: "x"})
		} else {
			walk(t, &m, b)
			// A message CheckOneMessage lets through is one message to a batch splitter too.
			if m.CheckOneMessage() == nil {
				if msgs, err := hl7.SplitBatch(b, nil); err == nil && len(msgs) != 1 {
					t.Fatalf("CheckOneMessage passed a frame SplitBatch splits into %d messages", len(msgs))
				}
			}
			ack := hl7.AppendAck(nil, &m, hl7.Ack{Code: hl7.AE, ErrorCode: 207, Reason: "r", ControlID: "c", Time: time.Unix(0, 0)})
			am, err := hl7.Parse(ack)
			if err != nil {
				t.Fatalf("own ACK does not parse: %v", err)
			}
			// ParseAck refuses an MSA-2 with control characters, which AppendAck
			// copies from MSH-10 as they are.
			clean := bytes.IndexFunc(m.ControlID(), func(r rune) bool { return r < ' ' || r == 0x7f }) < 0
			if _, ctrl, ok := hl7.ParseAck(am); ok != clean || ok && !bytes.Equal(ctrl, m.ControlID()) {
				t.Fatalf("own ACK: MSA-2 %q (ok %t), want %q", ctrl, ok, m.ControlID())
			}
		}
		msgs, err := hl7.SplitBatch(b, nil)
		if err == nil {
			for _, msg := range msgs {
				if len(msg) == 0 {
					t.Fatal("SplitBatch returned an empty message")
				}
				if err := m.Parse(msg); err == nil {
					walk(t, &m, msg)
				}
			}
		}
		hl7.ParseTime(b)
	})
}

// walk reads every segment, field, repetition, component and subcomponent of
// m, checking that each view lies inside the input, and gets some paths.
// checkHeaderFields checks that HeaderField, which reads Parse's index of MSH, gives what splitting MSH
// gives, through and past the fields the index holds.
func checkHeaderFields(t *testing.T, m *hl7.Message) {
	t.Helper()
	msh := m.Segment(0)
	for n := range 24 {
		got, want := m.HeaderField(n), msh.Field(n)
		if !bytes.Equal(got.Bytes(), want.Bytes()) || len(got.Bytes()) != len(want.Bytes()) ||
			got.NumComponents() != want.NumComponents() {
			t.Fatalf("HeaderField(%d) = %q, Segment(0).Field(%d) = %q", n, got.Bytes(), n, want.Bytes())
		}
	}
}

func walk(t *testing.T, m *hl7.Message, in []byte) {
	t.Helper()
	inside := func(v []byte) {
		if len(v) > 0 && !bytes.Contains(in, v) {
			t.Fatalf("view %q is not part of the input", v)
		}
	}
	d := m.Delimiters()
	if d.Validate() != nil {
		t.Fatalf("parsed with invalid delimiters %q", d)
	}
	checkHeaderFields(t, m)
	for i := range m.NumSegments() {
		s := m.Segment(i)
		if len(s.Bytes()) == 0 || bytes.ContainsAny(s.Bytes(), "\r") {
			t.Fatalf("segment %d is empty or holds a CR", i)
		}
		inside(s.Name())
		if lo, hi := m.SegmentSpan(i); !bytes.Equal(m.Bytes()[lo:hi], s.Bytes()) {
			t.Fatalf("SegmentSpan(%d) = %d, %d: not the segment", i, lo, hi)
		}
		all := s.Fields(nil, -1)
		if len(all) != s.NumFields()+1 || !bytes.Equal(all[0].Bytes(), s.Name()) {
			t.Fatalf("segment %d: Fields gave %d fields, NumFields %d", i, len(all), s.NumFields())
		}
		name := string(s.Name())
		header := name == "MSH" || name == "FHS" || name == "BHS"
		r := s.Reader()
		for n := 1; n < len(all)+2; n += 1 + n%3 {
			if got := r.Field(n); !bytes.Equal(got, s.Field(n).Bytes()) {
				t.Fatalf("segment %d: Reader().Field(%d) = %q, Field(%d) = %q", i, n, got, n, s.Field(n).Bytes())
			}
		}
		for n := 1; n < len(all); n++ {
			f := s.Field(n)
			if !bytes.Equal(all[n].Bytes(), f.Bytes()) || all[n].NumComponents() != f.NumComponents() {
				t.Fatalf("segment %d: Fields()[%d] = %q, Field(%d) = %q", i, n, all[n].Bytes(), n, f.Bytes())
			}
			if header && n <= 2 {
				continue // MSH-1 and MSH-2 are not split
			}
			rep1, _, _ := bytes.Cut(f.Bytes(), []byte{d.Repetition})
			for c, want := range bytes.Split(rep1, []byte{d.Component}) {
				if got := f.Component(c + 1).Bytes(); !bytes.Equal(got, want) {
					t.Fatalf("segment %d field %d: Component(%d) = %q, want %q", i, n, c+1, got, want)
				}
			}
		}
		for last := range 4 {
			if some := s.Fields(nil, last); len(some) != min(last+1, len(all)) {
				t.Fatalf("segment %d: Fields(dst, %d) gave %d fields of %d", i, last, len(some), len(all))
			}
		}
		if some := s.Fields(all, 3); len(some) != min(4, len(all)) {
			t.Fatalf("Fields(dst, 3) gave %d fields of %d", len(some), len(all))
		}
		for _, n := range indices(s.NumFields()) {
			f := s.Field(n)
			inside(f.Bytes())
			f.IsNull()
			for _, r := range indices(f.NumReps()) {
				rep := f.Rep(r)
				for _, c := range indices(rep.NumComponents()) {
					comp := rep.Component(c)
					for _, k := range indices(comp.NumSubs()) {
						sub := comp.Sub(k)
						inside(sub)
						d.Unescape(nil, sub)
					}
				}
			}
		}
	}
	for _, p := range []string{"MSH-9.2", "MSH-10", "PID-3[2].1.1", "OBX(2)-5", "OBX-3.1"} {
		m.Get(p)
	}
	m.Time()
}

// indices returns the positions a walk visits for n items: 0 (invalid), the
// first few, the last and one past it. Bounding it keeps the walk about linear
// in the input, so that a slow walk cannot hide a slow parser.
func indices(n int) []int {
	idx := []int{0}
	for i := 1; i <= n+1; i++ {
		if i <= 8 || i >= n {
			idx = append(idx, i)
		}
	}
	return idx
}

func FuzzUnescape(f *testing.F) {
	f.Add([]byte(`a\F\b\S\c\T\d\R\e\E\f\.br\g\X0D0A\h\H\bold\N\`), byte('|'), byte('^'), byte('~'), byte('\\'), byte('&'), byte(0))
	f.Add([]byte("\\\\X\\\\X1\\\\XZZ\\\\.br"), byte('#'), byte('$'), byte('%'), byte('@'), byte('!'), byte('*'))
	f.Fuzz(func(t *testing.T, src []byte, fs, cs, rs, es, ss, tr byte) {
		d := hl7.Delimiters{fs, cs, rs, es, ss, tr}
		if d.Validate() != nil {
			d = hl7.DefaultDelimiters()
		}
		d.Unescape(nil, src)
		esc := d.Escape(nil, src)
		for _, c := range []byte{d.Field, d.Component, d.Repetition, d.Subcomponent, '\r', '\n'} {
			if bytes.IndexByte(esc, c) >= 0 {
				t.Fatalf("Escape left %q in %q", c, esc)
			}
		}
		if got := d.Unescape(nil, esc); !bytes.Equal(got, src) {
			t.Fatalf("Unescape(Escape(%q)) = %q", src, got)
		}
	})
}
