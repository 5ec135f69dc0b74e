package mllp

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// result is one ReadFrame outcome, with the payload copied.
type result struct {
	payload string
	err     error
}

// readAll calls ReadFrame until it returns an error after which no frame can
// follow, and returns every outcome plus how often OnFrameStart ran.
func readAll(t *testing.T, rd io.Reader, maxFrame int, tolerate bool) (res []result, r *Reader, starts int) {
	t.Helper()
	r = NewReader(rd, maxFrame)
	r.TolerateMissingCR = tolerate
	r.OnFrameStart = func() { starts++ }
	for range 1 << 20 {
		p, err := r.ReadFrame()
		if len(p) > r.maxFrame {
			t.Fatalf("frame of %d bytes exceeds limit %d", len(p), r.maxFrame)
		}
		if len(r.buf) > r.maxFrame+frameTrailer {
			t.Fatalf("buffer of %d bytes exceeds limit %d + %d", len(r.buf), r.maxFrame, frameTrailer)
		}
		res = append(res, result{string(p), err})
		if !recoverable(err) {
			return res, r, starts
		}
	}
	t.Fatal("ReadFrame did not reach the end of the stream")
	return nil, nil, 0
}

// recoverable reports whether ReadFrame may return more frames after err.
func recoverable(err error) bool {
	return err == nil || errors.Is(err, ErrTruncated) || errors.Is(err, ErrMissingCR) ||
		errors.Is(err, ErrFrameTooLarge)
}

// chunkReader returns data in pseudo-random chunks of 1..maxChunk bytes, the
// last one together with io.EOF when eofWithData is set.
type chunkReader struct {
	data        []byte
	rng         *rand.Rand
	maxChunk    int
	eofWithData bool
}

func newChunkReader(data []byte, seed uint64, maxChunk int) *chunkReader {
	return &chunkReader{data: data, rng: rand.New(rand.NewPCG(seed, seed>>32)), maxChunk: maxChunk, eofWithData: seed&1 == 1}
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(1+c.rng.IntN(c.maxChunk), len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	if c.eofWithData && len(c.data) == 0 {
		return n, io.EOF
	}
	return n, nil
}

// loopReader returns data over and over, never an error.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

// frame returns p framed as SB p EB CR.
func frame(p string) string { return "\x0b" + p + "\x1c\r" }

// payloadBytes returns n pseudo-random bytes without SB or EB.
func payloadBytes(rng *rand.Rand, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		for {
			p[i] = byte(rng.UintN(256))
			if p[i] != StartBlock && p[i] != EndBlock {
				break
			}
		}
	}
	return p
}

// refRead is the reference model of ReadFrame's semantics, one byte at a
// time; the fuzz target compares Reader with it.
func refRead(in []byte, maxFrame int, tolerate bool) (res []result, skipped int64, starts int) {
	const (
		between = iota
		inFrame
		discard
	)
	state, eatCR := between, false
	var payload []byte
	for i := 0; ; {
		if i == len(in) {
			if state == between {
				return append(res, result{"", io.EOF}), skipped, starts
			}
			return append(res, result{"", ErrIncomplete}), skipped, starts
		}
		c := in[i]
		switch state {
		case between:
			i++
			switch {
			case eatCR && c == CarriageReturn:
			case c == StartBlock:
				state, payload = inFrame, payload[:0]
				starts++
			default:
				skipped++
			}
			eatCR = false
		case inFrame:
			switch {
			case c == StartBlock:
				res = append(res, result{string(payload), ErrTruncated})
				state = between
			case c == EndBlock:
				i++
				var err error
				switch {
				case tolerate:
					eatCR = true
				case i < len(in) && in[i] == CarriageReturn:
					i++
				default:
					err = ErrMissingCR
				}
				res = append(res, result{string(payload), err})
				state = between
			case len(payload) == maxFrame:
				res = append(res, result{string(payload), ErrFrameTooLarge})
				state = discard
			default:
				payload = append(payload, c)
				i++
			}
		case discard:
			switch c {
			case StartBlock:
				state = between
			case EndBlock:
				i++
				state, eatCR = between, true
			default:
				i++
			}
		}
	}
}

// diffResults describes the first difference between got and want, or
// returns "" if they agree.
func diffResults(got, want []result) string {
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return fmt.Sprintf("result %d missing, want %q, %v", i, want[i].payload, want[i].err)
		case i >= len(want):
			return fmt.Sprintf("result %d extra: %q, %v", i, got[i].payload, got[i].err)
		case got[i].payload != want[i].payload:
			return fmt.Sprintf("result %d payload %q, want %q", i, got[i].payload, want[i].payload)
		case !errors.Is(got[i].err, want[i].err):
			return fmt.Sprintf("result %d error %v, want %v", i, got[i].err, want[i].err)
		}
	}
	return ""
}
