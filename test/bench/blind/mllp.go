package main

import (
	"bytes"
	"errors"
	"io"
)

// MLLP framing bytes: start block, end block, carriage return.
const (
	startBlock     = 0x0B
	endBlock       = 0x1C
	carriageReturn = 0x0D
)

// maxFrame bounds a frame, so a peer that never ends one cannot grow the buffer without limit.
const maxFrame = 1 << 20

var (
	errFrameTooLarge = errors.New("mllp frame larger than 1 MiB")
	frameEnd         = []byte{endBlock, carriageReturn}
)

// frameReader returns MLLP payloads read from r into one reused buffer: no allocation per frame once the
// buffer has grown to the largest frame seen.
type frameReader struct {
	r       io.Reader
	buf     []byte
	lo, hi  int // unread bytes are buf[lo:hi]
	skipped int // bytes seen outside frames
}

func newFrameReader(r io.Reader) *frameReader {
	return &frameReader{r: r, buf: make([]byte, 4096)}
}

// next returns the next frame's payload, without its framing bytes. The slice aliases the reader's
// buffer until the following call.
func (f *frameReader) next() ([]byte, error) {
	for {
		if p, ok := f.scan(); ok {
			return p, nil
		}
		if err := f.fill(); err != nil {
			return nil, err
		}
	}
}

// scan returns a frame already buffered, if there is one, without reading.
func (f *frameReader) scan() ([]byte, bool) {
	unread := f.buf[f.lo:f.hi]
	i := bytes.IndexByte(unread, startBlock)
	if i < 0 {
		f.skipped += len(unread)
		f.lo, f.hi = 0, 0
		return nil, false
	}
	f.skipped += i
	f.lo += i
	j := bytes.Index(f.buf[f.lo+1:f.hi], frameEnd)
	if j < 0 {
		return nil, false
	}
	p := f.buf[f.lo+1 : f.lo+1+j]
	f.lo += j + 3
	return p, true
}

// fill reads once more, first moving the unread bytes to the front and growing the buffer if it is full.
func (f *frameReader) fill() error {
	if f.lo > 0 {
		f.hi = copy(f.buf, f.buf[f.lo:f.hi])
		f.lo = 0
	}
	if f.hi == len(f.buf) {
		if len(f.buf) >= maxFrame {
			return errFrameTooLarge
		}
		grown := make([]byte, 2*len(f.buf))
		copy(grown, f.buf[:f.hi])
		f.buf = grown
	}
	n, err := f.r.Read(f.buf[f.hi:])
	f.hi += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// mshField returns MSH-n (n ≥ 2) of a message, or nil when the message has no such field. The field
// separator is MSH-1, the byte after "MSH".
func mshField(msg []byte, n int) []byte {
	if len(msg) < 8 || !bytes.HasPrefix(msg, []byte("MSH")) {
		return nil
	}
	sep := msg[3]
	k, start := 2, 4
	for i := 4; i < len(msg); i++ {
		c := msg[i]
		if c != sep && c != carriageReturn {
			continue
		}
		if k == n {
			return msg[start:i]
		}
		if c == carriageReturn {
			return nil
		}
		k++
		start = i + 1
	}
	if k == n {
		return msg[start:]
	}
	return nil
}

// msaFields returns MSA-1 (the acknowledgement code) and MSA-2 (the control ID acknowledged) of an ACK.
func msaFields(ack []byte) (code, ctrl []byte, ok bool) {
	if len(ack) < 4 {
		return nil, nil, false
	}
	sep := ack[3]
	i := bytes.Index(ack, []byte("\rMSA"))
	if i < 0 || i+5 > len(ack) || ack[i+4] != sep {
		return nil, nil, false
	}
	rest := ack[i+5:]
	code, rest = cutField(rest, sep)
	ctrl, _ = cutField(rest, sep)
	return code, ctrl, true
}

// cutField splits b at the first field separator or segment end.
func cutField(b []byte, sep byte) (field, rest []byte) {
	for i, c := range b {
		switch c {
		case sep:
			return b[:i], b[i+1:]
		case carriageReturn:
			return b[:i], nil
		}
	}
	return b, nil
}
