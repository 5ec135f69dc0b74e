package mllp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestReadFrame(t *testing.T) {
	const sb, eb = "\x0b", "\x1c"
	tests := []struct {
		name        string
		in          string
		maxFrame    int
		tolerate    bool
		want        []result
		wantSkipped int64
		wantStarts  int
	}{
		{name: "empty stream", in: "", want: []result{{"", io.EOF}}},
		{name: "one frame", in: frame("MSH|a"), wantStarts: 1,
			want: []result{{"MSH|a", nil}, {"", io.EOF}}},
		{name: "empty payload", in: frame(""), wantStarts: 1,
			want: []result{{"", nil}, {"", io.EOF}}},
		{name: "commit ACK", in: frame("\x06"), wantStarts: 1,
			want: []result{{"\x06", nil}, {"", io.EOF}}},
		{name: "two frames in one read are not merged", in: frame("MSH|1\r") + frame("MSH|2\r"), wantStarts: 2,
			want: []result{{"MSH|1\r", nil}, {"MSH|2\r", nil}, {"", io.EOF}}},
		{name: "junk before start block", in: "log line\r\n" + frame("MSH|a"), wantSkipped: 10, wantStarts: 1,
			want: []result{{"MSH|a", nil}, {"", io.EOF}}},
		{name: "NULs whitespace CRLF between frames", in: frame("a") + "\x00\x00 \r\n\t" + frame("b"),
			wantSkipped: 6, wantStarts: 2,
			want: []result{{"a", nil}, {"b", nil}, {"", io.EOF}}},
		{name: "junk only", in: "\x00\x00abc\x1c\r", wantSkipped: 7,
			want: []result{{"", io.EOF}}},
		{name: "bare end block refused, next frame read", in: sb + "a" + eb + "x" + frame("b"),
			wantSkipped: 1, wantStarts: 2,
			want: []result{{"a", ErrMissingCR}, {"b", nil}, {"", io.EOF}}},
		{name: "bare end block refused, start block follows", in: sb + "a" + eb + frame("b"), wantStarts: 2,
			want: []result{{"a", ErrMissingCR}, {"b", nil}, {"", io.EOF}}},
		{name: "bare end block refused at end of stream", in: sb + "a" + eb, wantStarts: 1,
			want: []result{{"a", ErrMissingCR}, {"", io.EOF}}},
		{name: "bare end block tolerated", in: sb + "a" + eb + sb + "b" + eb, tolerate: true, wantStarts: 2,
			want: []result{{"a", nil}, {"b", nil}, {"", io.EOF}}},
		{name: "tolerant reader eats one CR after end block", in: frame("a") + frame("b") + "\r", tolerate: true,
			wantSkipped: 1, wantStarts: 2,
			want: []result{{"a", nil}, {"b", nil}, {"", io.EOF}}},
		{name: "start block inside frame", in: sb + "MSH|1" + frame("MSH|2"), wantStarts: 2,
			want: []result{{"MSH|1", ErrTruncated}, {"MSH|2", nil}, {"", io.EOF}}},
		{name: "start block right after start block", in: sb + frame("MSH|2"), wantStarts: 2,
			want: []result{{"", ErrTruncated}, {"MSH|2", nil}, {"", io.EOF}}},
		{name: "stream ends inside frame", in: sb + "MSH|", wantStarts: 1,
			want: []result{{"", ErrIncomplete}}},
		{name: "stream ends after start block", in: "junk" + sb, wantSkipped: 4, wantStarts: 1,
			want: []result{{"", ErrIncomplete}}},
		{name: "frame at the limit", in: frame("12345678"), maxFrame: 8, wantStarts: 1,
			want: []result{{"12345678", nil}, {"", io.EOF}}},
		{name: "frame over the limit, rest discarded", in: frame("123456789abcdefghij") + frame("b"),
			maxFrame: 8, wantStarts: 2,
			want: []result{{"12345678", ErrFrameTooLarge}, {"b", nil}, {"", io.EOF}}},
		{name: "over the limit by one", in: frame("12345") + frame("b"), maxFrame: 4, wantStarts: 2,
			want: []result{{"1234", ErrFrameTooLarge}, {"b", nil}, {"", io.EOF}}},
		{name: "over the limit, cut by a start block", in: sb + "abcdefgh" + frame("b"), maxFrame: 4, wantStarts: 2,
			want: []result{{"abcd", ErrFrameTooLarge}, {"b", nil}, {"", io.EOF}}},
		{name: "at the limit, cut by a start block", in: sb + "abcd" + frame("b"), maxFrame: 4, wantStarts: 2,
			want: []result{{"abcd", ErrTruncated}, {"b", nil}, {"", io.EOF}}},
		{name: "over the limit, CR missing after its end block", in: sb + "abcdefgh" + eb + "x" + frame("b"),
			maxFrame: 4, wantSkipped: 1, wantStarts: 2,
			want: []result{{"abcd", ErrFrameTooLarge}, {"b", nil}, {"", io.EOF}}},
		{name: "over the limit, stream ends", in: sb + "abcdefgh", maxFrame: 4, wantStarts: 1,
			want: []result{{"abcd", ErrFrameTooLarge}, {"", ErrIncomplete}}},
		{name: "limit of one byte", in: frame("a") + frame("bc") + frame(""), maxFrame: 1, wantStarts: 3,
			want: []result{{"a", nil}, {"b", ErrFrameTooLarge}, {"", nil}, {"", io.EOF}}},
	}
	readers := []struct {
		name string
		wrap func(in []byte) io.Reader
	}{
		{"whole", func(in []byte) io.Reader { return bytes.NewReader(in) }},
		{"one byte", func(in []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(in)) }},
		{"half", func(in []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(in)) }},
		{"EOF with data", func(in []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(in)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in)
			maxFrame := tc.maxFrame
			if maxFrame == 0 {
				maxFrame = 64
			}
			// The reference model must agree with the table, so that the fuzz
			// target compares Reader with something known to be right.
			ref, refSkipped, refStarts := refRead(in, maxFrame, tc.tolerate)
			if d := diffResults(ref, tc.want); d != "" || refSkipped != tc.wantSkipped || refStarts != tc.wantStarts {
				t.Fatalf("reference model: %s; skipped %d starts %d", d, refSkipped, refStarts)
			}
			check := func(t *testing.T, rd io.Reader) {
				t.Helper()
				got, r, starts := readAll(t, rd, maxFrame, tc.tolerate)
				if d := diffResults(got, tc.want); d != "" {
					t.Error(d)
				}
				if r.Skipped() != tc.wantSkipped {
					t.Errorf("Skipped() = %d, want %d", r.Skipped(), tc.wantSkipped)
				}
				if starts != tc.wantStarts {
					t.Errorf("OnFrameStart ran %d times, want %d", starts, tc.wantStarts)
				}
			}
			for _, rd := range readers {
				t.Run(rd.name, func(t *testing.T) { check(t, rd.wrap(in)) })
			}
			for i := range in {
				t.Run(fmt.Sprintf("split at %d", i), func(t *testing.T) {
					check(t, io.MultiReader(bytes.NewReader(in[:i]), bytes.NewReader(in[i:])))
				})
			}
		})
	}
}

func TestReaderBufferBound(t *testing.T) {
	const maxFrame = 1 << 20
	tests := []struct {
		name    string
		in      []byte
		want    []result
		maxBuf  int // largest allowed buffer after reading
		skipped int64
	}{
		{
			name:    "junk does not grow the buffer",
			in:      bytes.Repeat([]byte("junk"), maxFrame),
			want:    []result{{"", io.EOF}},
			maxBuf:  initialBuffer,
			skipped: 4 * maxFrame,
		},
		{
			name:   "small frames do not grow the buffer",
			in:     []byte(strings.Repeat(frame(strings.Repeat("x", initialBuffer-frameTrailer)), 100)),
			want:   append(repeatResult(strings.Repeat("x", initialBuffer-frameTrailer), nil, 100), result{"", io.EOF}),
			maxBuf: initialBuffer,
		},
		{
			name:   "a frame at the limit fits",
			in:     []byte(frame(strings.Repeat("x", maxFrame))),
			want:   []result{{strings.Repeat("x", maxFrame), nil}, {"", io.EOF}},
			maxBuf: maxFrame + frameTrailer,
		},
		{
			name: "an oversized frame does not grow it past the limit",
			in:   []byte(frame(strings.Repeat("x", 3*maxFrame)) + frame("next")),
			want: []result{
				{strings.Repeat("x", maxFrame), ErrFrameTooLarge}, {"next", nil}, {"", io.EOF},
			},
			maxBuf: maxFrame + frameTrailer,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, r, _ := readAll(t, bytes.NewReader(tc.in), maxFrame, false)
			if d := diffResults(got, tc.want); d != "" {
				t.Error(d)
			}
			if len(r.buf) > tc.maxBuf {
				t.Errorf("buffer grew to %d bytes, want at most %d", len(r.buf), tc.maxBuf)
			}
			if r.Skipped() != tc.skipped {
				t.Errorf("Skipped() = %d, want %d", r.Skipped(), tc.skipped)
			}
		})
	}
}

func repeatResult(p string, err error, n int) []result {
	res := make([]result, n)
	for i := range res {
		res[i] = result{p, err}
	}
	return res
}

func TestNewReaderBuffer(t *testing.T) {
	tests := []struct {
		maxFrame, wantLimit, wantBuf int
	}{
		{0, DefaultMaxFrame, initialBuffer},
		{-1, DefaultMaxFrame, initialBuffer},
		{100, 100, 100 + frameTrailer},
		{1 << 16, 1 << 16, initialBuffer},
	}
	for _, tc := range tests {
		r := NewReader(strings.NewReader(frame("MSH|1")), tc.maxFrame)
		if r.maxFrame != tc.wantLimit || r.buf != nil {
			t.Errorf("NewReader(nil, %d): limit %d, buffer %d before the first read; want %d, none",
				tc.maxFrame, r.maxFrame, len(r.buf), tc.wantLimit)
		}
		if _, err := r.ReadFrame(); err != nil || len(r.buf) != tc.wantBuf {
			t.Errorf("NewReader(nil, %d): buffer %d after the first read (%v); want %d", tc.maxFrame, len(r.buf), err, tc.wantBuf)
		}
	}
}

// Release gives the buffer up only when the Reader holds nothing: not inside a frame, not with a frame or
// part of one buffered. After it the frames still come whole and in order, and the CR a tolerant Reader
// owes after a bare end block is still consumed.
func TestReaderRelease(t *testing.T) {
	one, two := frame("MSH|1"), frame("MSH|2")
	rd := &scriptReader{steps: []any{one + two[:3], iotest.ErrTimeout, two[3:], iotest.ErrTimeout,
		"\x0bMSH|3\x1c", iotest.ErrTimeout, "\r" + frame("MSH|4")}}
	r := NewReader(rd, 0)
	r.TolerateMissingCR = true
	if !r.Release() {
		t.Error("Release of a new Reader = false")
	}
	read := func(want string) {
		t.Helper()
		p, err := r.ReadFrame()
		for errors.Is(err, iotest.ErrTimeout) {
			p, err = r.ReadFrame()
		}
		if err != nil || string(p) != want {
			t.Fatalf("ReadFrame = %q, %v; want %q", p, err, want)
		}
	}
	read("MSH|1")
	if r.Release() || r.buf == nil {
		t.Error("Release with the next frame's start buffered: it gave the buffer up")
	}
	if _, err := r.ReadFrame(); !errors.Is(err, iotest.ErrTimeout) {
		t.Fatalf("ReadFrame = %v, want the timeout", err)
	}
	if r.Release() {
		t.Error("Release inside a frame = true")
	}
	read("MSH|2")
	if r.Release() {
		t.Error("Release with the frame's CR buffered = true")
	}
	if _, err := r.ReadFrame(); !errors.Is(err, iotest.ErrTimeout) {
		t.Fatalf("ReadFrame = %v, want the timeout", err)
	}
	if !r.Release() || r.buf != nil || r.base != nil {
		t.Errorf("Release between frames, nothing buffered: buffer %d, base %d", len(r.buf), len(r.base))
	}
	read("MSH|3")
	if _, err := r.ReadFrame(); !errors.Is(err, iotest.ErrTimeout) {
		t.Fatalf("ReadFrame = %v, want the timeout", err)
	}
	if !r.Release() {
		t.Error("Release with only the owed CR to come = false")
	}
	read("MSH|4")
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("ReadFrame at end = %v, want io.EOF", err)
	}
	if r.Skipped() != 0 {
		t.Errorf("Skipped = %d, want 0 (the CR after a bare end block is not junk)", r.Skipped())
	}
}

func TestReaderErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		rd   io.Reader
		want error
	}{
		{"between frames", iotest.ErrReader(boom), boom},
		{"inside a frame", io.MultiReader(strings.NewReader("\x0bMSH"), iotest.ErrReader(boom)), boom},
		{"waiting for CR", io.MultiReader(strings.NewReader("\x0bMSH\x1c"), iotest.ErrReader(boom)), boom},
		{"while discarding", io.MultiReader(strings.NewReader("\x0bMSH|12345"), iotest.ErrReader(boom)), boom},
		{"no progress", emptyReader{}, io.ErrNoProgress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(tc.rd, 4)
			var err error
			for range 3 {
				if _, err = r.ReadFrame(); !recoverable(err) {
					break
				}
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("ReadFrame error %v, want %v", err, tc.want)
			}
		})
	}
}

// scriptReader plays its steps once each: a string is returned as data (in
// one read), an error as the result of one read; then io.EOF.
type scriptReader struct{ steps []any }

func (s *scriptReader) Read(p []byte) (int, error) {
	if len(s.steps) > 0 {
		step := s.steps[0]
		switch step := step.(type) {
		case error:
			s.steps = s.steps[1:]
			return 0, step
		case string:
			n := copy(p, step)
			if rest := step[n:]; rest != "" {
				s.steps[0] = rest
			} else {
				s.steps = s.steps[1:]
			}
			return n, nil
		}
	}
	return 0, io.EOF
}

// emptyReader returns (0, nil) forever.
type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

// TestReaderResumesAfterTimeout checks that a read error inside a frame leaves
// the Reader consistent: the next call returns the whole frame.
func TestReaderResumesAfterTimeout(t *testing.T) {
	in := frame("MSH|^~\\&|MON|ICU\rPID|1\r") + frame("MSH|2")
	tests := []struct {
		name string
		cut  int // the timeout happens after cut bytes
	}{
		{"after start block", 1},
		{"mid payload", 8},
		{"before CR", len(frame("MSH|^~\\&|MON|ICU\rPID|1\r")) - 1},
		{"between frames", len(frame("MSH|^~\\&|MON|ICU\rPID|1\r"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rd := &scriptReader{steps: []any{in[:tc.cut], iotest.ErrTimeout, in[tc.cut:]}}
			r := NewReader(rd, 0)
			var got []string
			for range 10 {
				p, err := r.ReadFrame()
				if errors.Is(err, iotest.ErrTimeout) {
					continue
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("ReadFrame: %v", err)
				}
				got = append(got, string(p))
			}
			if len(got) != 2 || got[0] != "MSH|^~\\&|MON|ICU\rPID|1\r" || got[1] != "MSH|2" {
				t.Errorf("frames %q", got)
			}
		})
	}
}

// TestReaderDeadline runs over a real loopback TCP connection: OnFrameStart
// moves the deadline into the past, as a frame timeout that has expired, and
// the Reader must report os.ErrDeadlineExceeded and then finish the frame
// once the deadline is lifted.
func TestReaderDeadline(t *testing.T) {
	client, server := tcpPair(t)
	r := NewReader(server, 0)
	starts := 0
	r.OnFrameStart = func() {
		starts++
		if err := server.SetReadDeadline(time.Unix(1, 0)); err != nil {
			t.Errorf("SetReadDeadline: %v", err)
		}
	}
	if _, err := client.Write([]byte("junk\x0bMSH|^~\\&|MON")); err != nil {
		t.Fatal(err)
	}
	_, err := r.ReadFrame()
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadFrame error %v, want os.ErrDeadlineExceeded", err)
	}
	if _, err := client.Write([]byte("|ICU\r\x1c\r")); err != nil {
		t.Fatal(err)
	}
	if err := server.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	p, err := r.ReadFrame()
	if err != nil || string(p) != "MSH|^~\\&|MON|ICU\r" {
		t.Fatalf("ReadFrame = %q, %v", p, err)
	}
	if starts != 1 || r.Skipped() != 4 || r.Buffered() != 0 {
		t.Errorf("starts %d, Skipped %d, Buffered %d; want 1, 4, 0", starts, r.Skipped(), r.Buffered())
	}
}

// tcpPair returns both ends of a loopback TCP connection, closed at cleanup.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return client, server
}

func TestReaderBufferedAndReset(t *testing.T) {
	first, second := frame("MSH|1"), frame("MSH|2")
	r := NewReader(strings.NewReader("x"+first+second+"\x0bMSH|3"), 0)
	r.TolerateMissingCR = true
	if p, err := r.ReadFrame(); err != nil || string(p) != "MSH|1" {
		t.Fatalf("ReadFrame = %q, %v", p, err)
	}
	// A tolerant reader leaves the CR after the end block in the buffer.
	if want := len("\r") + len(second) + len("\x0bMSH|3"); r.Buffered() != want {
		t.Errorf("Buffered() = %d, want %d", r.Buffered(), want)
	}
	buf := &r.buf[0]
	r.Reset(strings.NewReader(second))
	if r.Buffered() != 0 || r.Skipped() != 0 || !r.TolerateMissingCR || &r.buf[0] != buf {
		t.Errorf("after Reset: Buffered %d, Skipped %d, TolerateMissingCR %v, same buffer %v",
			r.Buffered(), r.Skipped(), r.TolerateMissingCR, &r.buf[0] == buf)
	}
	if p, err := r.ReadFrame(); err != nil || string(p) != "MSH|2" {
		t.Fatalf("ReadFrame after Reset = %q, %v", p, err)
	}
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("ReadFrame at end = %v, want io.EOF", err)
	}
}

func TestReadFrameAllocs(t *testing.T) {
	for _, tc := range []struct {
		size   int
		allocs float64
	}{
		// Frames up to 16 KiB do not allocate: the grown buffer is kept
		// between them.
		{1 << 10, 0},
		{16 << 10, 0},
		// A larger buffer is released between frames (each Read of a
		// loopReader ends with a frame), and taken again in one allocation.
		{64 << 10, 1},
	} {
		r := NewReader(&loopReader{data: []byte(frame(strings.Repeat("x", tc.size)))}, 0)
		allocs := testing.AllocsPerRun(100, func() {
			if p, err := r.ReadFrame(); err != nil || len(p) != tc.size {
				t.Fatalf("ReadFrame: %d bytes, %v", len(p), err)
			}
		})
		if allocs > tc.allocs {
			t.Errorf("%d-byte frames: %v allocations per ReadFrame, want at most %v", tc.size, allocs, tc.allocs)
		}
	}
}

// probeReader hands out chunks, one per Read (split when p is short), and
// calls probe before each.
type probeReader struct {
	chunks [][]byte
	probe  func()
}

func (p *probeReader) Read(b []byte) (int, error) {
	p.probe()
	if len(p.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.chunks[0])
	if p.chunks[0] = p.chunks[0][n:]; len(p.chunks[0]) == 0 {
		p.chunks = p.chunks[1:]
	}
	return n, nil
}

// TestReaderReleasesLargeBuffer checks that once a frame larger than the base
// buffer is consumed, the reader waits for the next one holding only the base
// buffer: a connection that sent one large frame (or an oversized one) and
// went idle must not keep up to the frame limit. While a frame is in
// progress the buffer stays (the frame's deadline bounds that time).
func TestReaderReleasesLargeBuffer(t *testing.T) {
	const maxFrame = 1 << 20
	tests := []struct {
		name        string
		first, rest string
		err         error
		started     bool // the next frame is started in the first chunk
	}{
		{"large frame", frame(strings.Repeat("x", 100<<10)), frame("MSH|small"), nil, false},
		{"large frame and junk", frame(strings.Repeat("x", 100<<10)) + "\x00\r\n", frame("MSH|small"), nil, false},
		{"frame at the limit", frame(strings.Repeat("x", maxFrame)), frame("MSH|small"), nil, false},
		{"oversized frame", frame(strings.Repeat("x", 2*maxFrame)), frame("MSH|small"), ErrFrameTooLarge, false},
		{"large frame and the start of the next", frame(strings.Repeat("x", 100<<10)) + "\x0bMSH|sm", "all\x1c\r", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r *Reader
			var sizes []int // len(r.buf) at each Read
			src := &probeReader{chunks: [][]byte{[]byte(tc.first), []byte(tc.rest)}}
			src.probe = func() { sizes = append(sizes, len(r.buf)) }
			r = NewReader(src, maxFrame)
			if _, err := r.ReadFrame(); !errors.Is(err, tc.err) {
				t.Fatalf("first ReadFrame: %v, want %v", err, tc.err)
			}
			if len(r.buf) <= keepBuffer {
				t.Fatalf("the first frame did not grow the buffer (%d bytes)", len(r.buf))
			}
			reads := len(sizes)
			p, err := r.ReadFrame()
			for err == nil && !strings.HasSuffix(string(p), "small") {
				p, err = r.ReadFrame()
			}
			if err != nil {
				t.Fatalf("second ReadFrame: %v", err)
			}
			if len(sizes) == reads {
				t.Fatal("the second frame was read without a Read")
			}
			if !tc.started && sizes[reads] != initialBuffer {
				t.Errorf("waiting for the next frame with a buffer of %d bytes, want %d", sizes[reads], initialBuffer)
			}
			if _, err := r.ReadFrame(); err != io.EOF {
				t.Fatalf("last ReadFrame: %v, want io.EOF", err)
			}
			if last := sizes[len(sizes)-1]; last != initialBuffer || len(r.buf) != initialBuffer {
				t.Errorf("after a small frame: waited with %d bytes, holds %d, want %d", last, len(r.buf), initialBuffer)
			}
		})
	}
}

// A Reader released after every frame takes its buffer back from the pool: reading and releasing costs
// no allocation per frame (a gateway that releases each quiet connection's buffer between messages).
// Under the race detector the pool drops some buffers on purpose; the average still stays below one.
func TestReaderReleasePooled(t *testing.T) {
	msg := []byte(frame("MSH|1"))
	var src bytes.Reader
	r := NewReader(&src, 0)
	allocs := testing.AllocsPerRun(200, func() {
		src.Reset(msg)
		if p, err := r.ReadFrame(); err != nil || string(p) != "MSH|1" {
			t.Fatalf("ReadFrame = %q, %v", p, err)
		}
		if !r.Release() {
			t.Fatal("Release between frames = false")
		}
	})
	if allocs >= 1 {
		t.Errorf("read and release: %v allocations per frame, want none (the buffer from the pool)", allocs)
	}
}
