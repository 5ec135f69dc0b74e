package mllp

import (
	"bytes"
	"fmt"
	"io"
)

const (
	// defaultWriteBuffer is the frame size (payload plus 3 framing bytes)
	// a Writer sends in a single write.
	defaultWriteBuffer = 4 << 10
	// minWriteBuffer keeps a head and a tail chunk around every large payload.
	minWriteBuffer = 16
)

// Writer writes MLLP frames. Each frame is written at once: a frame that fits
// the Writer's buffer in a single Write on the underlying writer, a larger one
// in at most three, the first of which always carries payload bytes after the
// start block (some receivers reject a start block sent alone). A Writer is
// not safe for concurrent use.
type Writer struct {
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer to w with a 4 KiB buffer.
func NewWriter(w io.Writer) *Writer {
	return NewWriterSize(w, defaultWriteBuffer)
}

// NewWriterSize returns a Writer to w whose frames up to size bytes (payload
// plus 3 framing bytes) go out in one Write. Sizes below 16 mean 16.
func NewWriterSize(w io.Writer, size int) *Writer {
	return &Writer{w: w, buf: make([]byte, max(size, minWriteBuffer))}
}

// Reset makes w write to dst, keeping its buffer.
func (w *Writer) Reset(dst io.Writer) { w.w = dst }

// WriteFrame writes p as one frame: SB p EB CR. A payload containing a start
// or end block is refused with ErrFramingByte and nothing is written.
func (w *Writer) WriteFrame(p []byte) error {
	if hasFramingByte(p) {
		return ErrFramingByte
	}
	buf := w.buf
	if len(p)+3 <= len(buf) {
		buf[0] = StartBlock
		n := 1 + copy(buf[1:], p)
		buf[n] = EndBlock
		buf[n+1] = CarriageReturn
		return w.write(buf[:n+2])
	}
	// Head: SB and the first payload bytes, from the buffer.
	buf[0] = StartBlock
	head := copy(buf[1:], p)
	if err := w.write(buf[:1+head]); err != nil {
		return err
	}
	rest := p[head:]
	// Middle: straight from p, leaving a tail that fits with EB CR.
	if mid := len(rest) - (len(buf) - 2); mid > 0 {
		if err := w.write(rest[:mid]); err != nil {
			return err
		}
		rest = rest[mid:]
	}
	n := copy(buf, rest)
	buf[n] = EndBlock
	buf[n+1] = CarriageReturn
	return w.write(buf[:n+2])
}

// AppendFrame appends p to dst as one frame, SB p EB CR, for callers that
// batch several frames into one write. Like WriteFrame, it refuses a payload
// containing a start or end block with ErrFramingByte and leaves dst as it was.
func AppendFrame(dst, p []byte) ([]byte, error) {
	if hasFramingByte(p) {
		return dst, ErrFramingByte
	}
	dst = append(dst, StartBlock)
	dst = append(dst, p...)
	return append(dst, EndBlock, CarriageReturn), nil
}

// WriteCommit writes an MLLP release 2 commit acknowledgement frame: CommitACK
// if ok, otherwise CommitNAK.
func (w *Writer) WriteCommit(ok bool) error {
	c := CommitNAK
	if ok {
		c = CommitACK
	}
	w.buf[0], w.buf[1], w.buf[2], w.buf[3] = StartBlock, c, EndBlock, CarriageReturn
	return w.write(w.buf[:4])
}

func (w *Writer) write(p []byte) error {
	if _, err := w.w.Write(p); err != nil {
		return fmt.Errorf("mllp: write: %w", err)
	}
	return nil
}

// hasFramingByte reports whether p holds a start or end block, which no payload may.
func hasFramingByte(p []byte) bool {
	return bytes.IndexByte(p, StartBlock) >= 0 || bytes.IndexByte(p, EndBlock) >= 0
}
