package mllp

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// writeRecorder keeps a copy of every Write it receives.
type writeRecorder struct{ writes [][]byte }

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

func TestWriteFrame(t *testing.T) {
	for _, size := range []int{minWriteBuffer, 100, defaultWriteBuffer} {
		for _, n := range []int{0, 1, size - 4, size - 3, size - 2, size - 1, size, size + 1,
			2*size - 4, 2*size - 3, 2*size - 2, 3 * size, 100 * size} {
			p := strings.Repeat("x", n)
			rec := &writeRecorder{}
			if err := NewWriterSize(rec, size).WriteFrame([]byte(p)); err != nil {
				t.Fatalf("size %d, payload %d: %v", size, n, err)
			}
			if got := string(bytes.Join(rec.writes, nil)); got != frame(p) {
				t.Errorf("size %d, payload %d: wrote %d bytes, want the %d-byte frame", size, n, len(got), n+3)
			}
			wantWrites := 1
			if n+3 > size {
				wantWrites = 3
				if n+3 <= 2*size { // the rest fits the buffer after the head
					wantWrites = 2
				}
			}
			if len(rec.writes) != wantWrites {
				t.Errorf("size %d, payload %d: %d writes, want %d", size, n, len(rec.writes), wantWrites)
			}
			if w0 := rec.writes[0]; len(w0) < 2 || w0[0] != StartBlock {
				t.Errorf("size %d, payload %d: first write %d bytes, want SB and more", size, n, len(w0))
			}
			for i, w := range rec.writes {
				if len(w) == 0 || len(w) > max(size, n) {
					t.Errorf("size %d, payload %d: write %d has %d bytes", size, n, i, len(w))
				}
			}
		}
	}
}

func TestWriteFrameRefusesFramingBytes(t *testing.T) {
	tests := []struct {
		name string
		p    string
	}{
		{"start block", "MSH|\x0b|"},
		{"end block", "MSH|\x1c\r"},
		{"end block in a large payload", strings.Repeat("x", 10000) + "\x1c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &writeRecorder{}
			if err := NewWriter(rec).WriteFrame([]byte(tc.p)); !errors.Is(err, ErrFramingByte) {
				t.Errorf("WriteFrame error %v, want ErrFramingByte", err)
			}
			if len(rec.writes) != 0 {
				t.Errorf("%d writes, want none", len(rec.writes))
			}
			if got, err := AppendFrame([]byte("kept"), []byte(tc.p)); !errors.Is(err, ErrFramingByte) || string(got) != "kept" {
				t.Errorf("AppendFrame = %q, %v; want dst unchanged and ErrFramingByte", got, err)
			}
		})
	}
}

// TestAppendFrame batches frames and reads them back.
func TestAppendFrame(t *testing.T) {
	payloads := []string{"MSH|^~\\&|A", "", strings.Repeat("y", 5000)}
	var batch []byte
	for _, p := range payloads {
		var err error
		if batch, err = AppendFrame(batch, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if want := frame(payloads[0]) + frame(payloads[1]) + frame(payloads[2]); string(batch) != want {
		t.Fatalf("AppendFrame batch differs from the frames")
	}
	r := NewReader(bytes.NewReader(batch), 0)
	for _, p := range payloads {
		got, err := r.ReadFrame()
		if err != nil || string(got) != p {
			t.Fatalf("ReadFrame = %d bytes, %v; want %d bytes", len(got), err, len(p))
		}
	}
}

func TestWriteCommit(t *testing.T) {
	tests := []struct {
		ok        bool
		want      string
		ack, nack bool
	}{
		{true, "\x0b\x06\x1c\r", true, false},
		{false, "\x0b\x15\x1c\r", false, true},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		if err := NewWriter(&buf).WriteCommit(tc.ok); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tc.want {
			t.Errorf("WriteCommit(%v) wrote %q, want %q", tc.ok, buf.String(), tc.want)
		}
		p, err := NewReader(&buf, 0).ReadFrame()
		if err != nil || IsCommitACK(p) != tc.ack || IsCommitNAK(p) != tc.nack {
			t.Errorf("WriteCommit(%v) read back %q, %v: IsCommitACK %v, IsCommitNAK %v",
				tc.ok, p, err, IsCommitACK(p), IsCommitNAK(p))
		}
	}
}

func TestIsCommit(t *testing.T) {
	tests := []struct {
		p         string
		ack, nack bool
	}{
		{"\x06", true, false},
		{"\x15", false, true},
		{"", false, false},
		{"\x06\x06", false, false},
		{"MSH|^~\\&", false, false},
	}
	for _, tc := range tests {
		if IsCommitACK([]byte(tc.p)) != tc.ack || IsCommitNAK([]byte(tc.p)) != tc.nack {
			t.Errorf("%q: IsCommitACK %v, IsCommitNAK %v; want %v, %v",
				tc.p, IsCommitACK([]byte(tc.p)), IsCommitNAK([]byte(tc.p)), tc.ack, tc.nack)
		}
	}
}

// failWriter accepts limit writes, then fails.
type failWriter struct {
	limit int
	err   error
}

func (f *failWriter) Write(p []byte) (int, error) {
	if f.limit == 0 {
		return 0, f.err
	}
	f.limit--
	return len(p), nil
}

func TestWriterErrors(t *testing.T) {
	boom := errors.New("boom")
	large := []byte(strings.Repeat("x", 100))
	tests := []struct {
		name  string
		limit int
		write func(w *Writer) error
	}{
		{"small frame", 0, func(w *Writer) error { return w.WriteFrame([]byte("MSH")) }},
		{"large frame head", 0, func(w *Writer) error { return w.WriteFrame(large) }},
		{"large frame middle", 1, func(w *Writer) error { return w.WriteFrame(large) }},
		{"large frame tail", 2, func(w *Writer) error { return w.WriteFrame(large) }},
		{"commit", 0, func(w *Writer) error { return w.WriteCommit(true) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWriterSize(&failWriter{limit: tc.limit, err: boom}, minWriteBuffer)
			if err := tc.write(w); !errors.Is(err, boom) {
				t.Errorf("error %v, want boom", err)
			}
		})
	}
}

func TestWriterReset(t *testing.T) {
	var a, b bytes.Buffer
	w := NewWriter(&a)
	w.Reset(&b)
	if err := w.WriteFrame([]byte("MSH")); err != nil {
		t.Fatal(err)
	}
	if a.Len() != 0 || b.String() != frame("MSH") {
		t.Errorf("after Reset: old writer got %q, new one %q", a.String(), b.String())
	}
}

func TestWriteFrameAllocs(t *testing.T) {
	w := NewWriter(io.Discard)
	for _, size := range []int{1 << 10, 16 << 10} {
		p := []byte(strings.Repeat("x", size))
		allocs := testing.AllocsPerRun(100, func() {
			if err := w.WriteFrame(p); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%d-byte frames: %v allocations per WriteFrame, want 0", size, allocs)
		}
	}
}
