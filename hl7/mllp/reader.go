package mllp

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

const (
	// initialBuffer is the size of a Reader's buffer, allocated by its first
	// read (and again by the first read after Release). The buffer grows only
	// while a frame needs it, and the next ReadFrame returns to it.
	initialBuffer = 4 << 10
	// keepBuffer is the largest buffer a Reader keeps between frames, so
	// that a sender of frames up to 16 KiB (a large PCD-01 message) costs no
	// allocation per frame; a larger buffer is released once its frame is
	// consumed. An idle connection thus holds at most initialBuffer +
	// keepBuffer, however large its frames were.
	keepBuffer = 16<<10 + frameTrailer
	// frameTrailer is the room a frame needs beyond its payload (EB CR).
	frameTrailer = 2
	// maxEmptyReads bounds successive (0, nil) reads before io.ErrNoProgress.
	maxEmptyReads = 100
)

// Reader states.
const (
	stateBetween = iota // looking for a start block
	stateInFrame        // reading a payload; the start block is consumed
	stateDiscard        // dropping the rest of a frame that was too large
)

// Reader reads MLLP frames from a byte stream. Its memory is bounded by the
// frame limit given to NewReader, plus a small constant. A Reader is not safe
// for concurrent use.
type Reader struct {
	// TolerateMissingCR accepts a bare 0x1C as the end of a frame (some senders omit the CR).
	// A CR that does follow is then consumed silently by the next ReadFrame.
	TolerateMissingCR bool
	// OnFrameStart, if set, is called when a start block is found, before the payload is read.
	// The gateway uses it to switch the connection's read deadline from "idle" to "finish this frame".
	OnFrameStart func()

	rd       io.Reader
	buf      []byte // buf[r:w] is read from rd and not yet returned
	base     []byte // the buffer of initialBuffer bytes; buf is base unless a frame needed more; nil before the first read
	hint     int    // what the last frame needed when that was more than base: a new growth starts there
	r, w     int
	maxFrame int
	state    int
	scanned  int   // stateInFrame: buf[r:r+scanned] holds no start or end block
	eatCR    bool  // a frame ended on a bare EB: consume one CR without counting it
	skipped  int64 // bytes dropped between frames
	readErr  error // error from a read that also returned data, reported on the next fill
}

// NewReader returns a Reader of frames from rd whose payloads are at most
// maxFrame bytes; maxFrame <= 0 means DefaultMaxFrame.
func NewReader(rd io.Reader, maxFrame int) *Reader {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	return &Reader{rd: rd, maxFrame: maxFrame}
}

// Release gives the Reader's buffer up when it holds nothing (no byte read
// and not returned, no frame started), so that a connection waiting long
// for its next frame holds no buffer; the next read takes one again. It
// reports whether the Reader holds nothing. A base buffer of initialBuffer
// bytes goes back to a pool shared by all Readers, so that a connection
// released between frames costs no garbage per frame: the frames r returned
// must not be used after Release.
func (r *Reader) Release() bool {
	if r.state != stateBetween || r.r != r.w || r.readErr != nil {
		return false
	}
	if len(r.base) == initialBuffer && cap(r.base) == initialBuffer {
		basePool.Put((*[initialBuffer]byte)(r.base))
	}
	r.buf, r.base, r.r, r.w = nil, nil, 0, 0
	return true
}

// basePool holds the base buffers Readers released.
var basePool = sync.Pool{New: func() any { return new([initialBuffer]byte) }}

// Reset discards all state and makes r read from rd, keeping r's base
// buffer, limit, TolerateMissingCR and OnFrameStart.
func (r *Reader) Reset(rd io.Reader) {
	*r = Reader{
		TolerateMissingCR: r.TolerateMissingCR,
		OnFrameStart:      r.OnFrameStart,
		rd:                rd,
		buf:               r.base,
		base:              r.base,
		maxFrame:          r.maxFrame,
	}
}

// Skipped returns the number of bytes discarded between frames so far (junk,
// NULs, whitespace). The rest of an oversized frame is not counted.
func (r *Reader) Skipped() int64 { return r.skipped }

// Buffered returns the number of bytes read from the underlying reader but
// not yet returned, including a partial frame.
func (r *Reader) Buffered() int { return r.w - r.r }

// ReadFrame returns the payload of the next frame: the bytes between the
// start block and the end block. The slice aliases r's buffer until the next
// call on r.
//
// With ErrFrameTooLarge, ErrTruncated or ErrMissingCR it also returns what was
// received of the payload (at most the frame limit), so that the caller can
// answer it; the next call continues with the next frame. A stream that ends
// between frames gives io.EOF, one that ends inside a frame ErrIncomplete.
// Other errors come from the underlying reader, wrapped; after one (such as a
// deadline) r stays consistent and a later call resumes where it stopped.
//
// A frame larger than the base buffer (4 KiB) grows the buffer, up to the
// limit. A buffer of more than 16 KiB is released by the next call, once its
// frame is consumed, unless the start of another frame is buffered already (a
// sender of back-to-back large frames): a connection waiting for its next
// frame holds at most 20 KiB, not its largest frame. Frames up to 16 KiB do
// not allocate in steady state; a larger one allocates its buffer once.
func (r *Reader) ReadFrame() ([]byte, error) {
	if len(r.buf) > keepBuffer && r.state != stateInFrame && r.w-r.r <= len(r.base) &&
		bytes.IndexByte(r.buf[r.r:r.w], StartBlock) < 0 {
		r.w = copy(r.base, r.buf[r.r:r.w])
		r.r, r.buf = 0, r.base
	}
	for {
		switch r.state {
		case stateBetween:
			if err := r.between(); err != nil {
				return nil, r.wrap(err, io.EOF)
			}
		case stateDiscard:
			if err := r.discard(); err != nil {
				return nil, r.wrap(err, ErrIncomplete)
			}
		default:
			if p, done, err := r.payload(); done {
				return p, err
			}
		}
	}
}

// between consumes bytes up to and including the next start block.
func (r *Reader) between() error {
	if r.r == r.w {
		return r.fill()
	}
	if r.eatCR {
		r.eatCR = false
		if r.buf[r.r] == CarriageReturn {
			r.r++
			return nil
		}
	}
	i := bytes.IndexByte(r.buf[r.r:r.w], StartBlock)
	if i < 0 {
		r.skipped += int64(r.w - r.r)
		r.r = r.w
		return nil
	}
	r.skipped += int64(i)
	r.r += i + 1
	r.state = stateInFrame
	r.scanned = 0
	if r.OnFrameStart != nil {
		r.OnFrameStart()
	}
	return nil
}

// discard drops bytes of an oversized frame up to its end block (and a CR
// after it) or up to a start block, which it leaves for the next frame.
func (r *Reader) discard() error {
	if r.r == r.w {
		return r.fill()
	}
	win := r.buf[r.r:r.w]
	e := bytes.IndexByte(win, EndBlock)
	if e < 0 {
		e = len(win)
	}
	if s := bytes.IndexByte(win[:e], StartBlock); s >= 0 {
		r.r += s
		r.state = stateBetween
		return nil
	}
	if e < len(win) {
		r.r += e + 1
		r.eatCR = true
		r.state = stateBetween
		return nil
	}
	r.r = r.w
	return nil
}

// payload scans the current frame for its end. done reports whether p and
// err are ReadFrame's result; otherwise payload made progress and is called again.
func (r *Reader) payload() (p []byte, done bool, err error) {
	win := r.buf[r.r+r.scanned : r.w]
	e := bytes.IndexByte(win, EndBlock)
	end := e
	if e < 0 {
		end = len(win)
	}
	s := bytes.IndexByte(win[:end], StartBlock)
	if s >= 0 {
		end = s
	}
	n := r.scanned + end // payload bytes before the first SB or EB, or all scanned
	if n > r.maxFrame {
		p = r.buf[r.r : r.r+r.maxFrame]
		r.r += r.maxFrame
		r.state = stateDiscard
		return p, true, ErrFrameTooLarge
	}
	switch {
	case s >= 0: // leave the start block for the next call
		return r.frame(n, 0, ErrTruncated)
	case e < 0:
		r.scanned = n
		if err := r.fill(); err != nil {
			return nil, true, r.wrap(err, ErrIncomplete)
		}
		return nil, false, nil
	case r.TolerateMissingCR:
		r.eatCR = true
		return r.frame(n, 1, nil)
	case r.r+n+1 < r.w:
		if r.buf[r.r+n+1] == CarriageReturn {
			return r.frame(n, 2, nil)
		}
		return r.frame(n, 1, ErrMissingCR)
	default: // the end block is the last byte buffered: the CR may follow
		r.scanned = n
		if err := r.fill(); err != nil {
			if err == io.EOF {
				return r.frame(n, 1, ErrMissingCR)
			}
			return nil, true, r.wrap(err, ErrIncomplete)
		}
		return nil, false, nil
	}
}

// frame ends the current frame: it returns its n payload bytes with err and
// consumes them plus trailer bytes after them.
func (r *Reader) frame(n, trailer int, err error) ([]byte, bool, error) {
	if need := n + frameTrailer; need > len(r.base) {
		r.hint = need
	}
	p := r.buf[r.r : r.r+n]
	r.r += n + trailer
	r.state = stateBetween
	return p, true, err
}

// fill reads once more from rd into the free end of the buffer, first moving
// unread bytes to the front and, if that frees nothing, growing the buffer up
// to the frame limit.
func (r *Reader) fill() error {
	if err := r.readErr; err != nil {
		r.readErr = nil
		return err
	}
	if r.base == nil {
		if r.maxFrame+frameTrailer >= initialBuffer {
			r.base = basePool.Get().(*[initialBuffer]byte)[:]
		} else {
			r.base = make([]byte, r.maxFrame+frameTrailer)
		}
		r.buf = r.base
	}
	if r.r > 0 {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.r = 0
	}
	if r.w == len(r.buf) {
		// Only a payload fills the whole buffer, and payload() stops at maxFrame+1
		// bytes, so the buffer never grows past the frame and its trailer.
		// A sender of large frames usually sends them alike: one allocation,
		// not a doubling from the base size, per frame.
		nb := make([]byte, min(max(2*len(r.buf), r.hint), r.maxFrame+frameTrailer))
		r.w = copy(nb, r.buf[:r.w])
		r.buf = nb
	}
	for range maxEmptyReads {
		n, err := r.rd.Read(r.buf[r.w:])
		r.w += n
		if n > 0 {
			r.readErr = err
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// wrap turns a fill error into ReadFrame's: io.EOF becomes atEOF, ErrWouldBlock
// stays as it is (it is no failure: it costs no allocation), anything else is
// wrapped so that errors.Is still finds it.
func (r *Reader) wrap(err, atEOF error) error {
	switch err {
	case io.EOF:
		return atEOF
	case ErrWouldBlock:
		return err
	}
	return fmt.Errorf("mllp: read: %w", err)
}
