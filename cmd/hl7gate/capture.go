package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// Capture formats that `hl7gate check` reads; see checkUsage.
const (
	// captureSniff is how much of a (decompressed) capture is searched for an
	// MLLP start block to tell framed from plain text.
	captureSniff = 64 << 10
	// captureReadSize is the size of one read of a plain-text capture.
	captureReadSize = 64 << 10
)

// errChunkTooLarge is reported for a run of more than checkMaxFrame bytes
// without a header segment; it is skipped.
var errChunkTooLarge = errors.New("more than 16 MiB without an MSH segment: skipped")

// captureProblem is something wrong with a capture that costs part of it but
// not the rest: a truncated frame, an oversized one, junk that is skipped.
type captureProblem struct {
	err   error
	bytes int // bytes affected, when known
}

// captureReader yields the chunks of a capture, each the bytes of one
// message (starting with MSH), of one batch header or trailer segment
// (FHS, BHS, BTS, FTS) or of junk that belongs to no message. It reads gzip
// (by its magic bytes), MLLP frames (by a start block in the first 64 KiB)
// and plain text in which every message starts with an MSH segment at the
// start of a line, whatever the segment terminator (CR, LF or CR LF). It
// holds one frame or one message in memory, and its work is linear in the
// input: every byte is searched once for a line break, and the pending
// message is moved at most once per doubling of the buffer.
type captureReader struct {
	gz    *gzip.Reader // nil unless the file is gzip-compressed
	src   *bufio.Reader
	mllp  *mllp.Reader // nil for plain text
	text  splitter     // plain text, or the current MLLP frame
	frame bool         // text holds an MLLP frame being split
	done  bool         // the MLLP stream ended inside a frame
}

// newCaptureReader detects the format of rd.
func newCaptureReader(rd io.Reader) (*captureReader, error) {
	c := &captureReader{src: bufio.NewReaderSize(rd, captureSniff)}
	if magic, _ := c.src.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(c.src)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		c.gz = gz
		c.src = bufio.NewReaderSize(gz, captureSniff)
	}
	// A read error here (a broken gzip stream) comes again with the first read.
	if head, _ := c.src.Peek(captureSniff); bytes.IndexByte(head, mllp.StartBlock) >= 0 {
		c.mllp = mllp.NewReader(c.src, checkMaxFrame)
		c.mllp.TolerateMissingCR = true
		return c, nil
	}
	c.text = splitter{rd: c.src, limit: checkMaxFrame}
	return c, nil
}

// Close releases the gzip reader.
func (c *captureReader) Close() error {
	if c.gz != nil {
		return c.gz.Close()
	}
	return nil
}

// Framed reports whether the capture is MLLP-framed.
func (c *captureReader) Framed() bool { return c.mllp != nil }

// Skipped returns the bytes of an MLLP capture that were outside frames.
func (c *captureReader) Skipped() int64 {
	if c.mllp == nil {
		return 0
	}
	return c.mllp.Skipped()
}

// Next returns the next chunk, valid until the next call. A *captureProblem
// error means part of the capture was lost and reading goes on; io.EOF ends
// the capture; any other error (a corrupt gzip stream, a read error) ends it
// too, early.
func (c *captureReader) Next() ([]byte, error) {
	if c.mllp == nil {
		return c.text.next()
	}
	for !c.done {
		if c.frame {
			b, err := c.text.next()
			if !errors.Is(err, io.EOF) {
				return b, err
			}
			c.frame = false
		}
		p, err := c.mllp.ReadFrame()
		switch {
		case err == nil, errors.Is(err, mllp.ErrMissingCR):
			c.text = splitter{buf: p, w: len(p), eof: true, limit: checkMaxFrame}
			c.frame = true
		case errors.Is(err, mllp.ErrTruncated), errors.Is(err, mllp.ErrFrameTooLarge):
			return nil, &captureProblem{err: err, bytes: len(p)}
		case errors.Is(err, mllp.ErrIncomplete):
			c.done = true
			return nil, &captureProblem{err: err}
		default:
			return nil, err
		}
	}
	return nil, io.EOF
}

func (p *captureProblem) Error() string {
	if p.bytes > 0 {
		return fmt.Sprintf("%v (%d bytes skipped)", p.err, p.bytes)
	}
	return p.err.Error()
}

func (p *captureProblem) Unwrap() error { return p.err }

// splitter cuts plain text into chunks at the start of every line that
// begins (after spaces, tabs and blank lines) with a header or trailer
// segment: MSH, FHS, BHS, BTS or FTS followed by a field separator. The
// messages themselves are left as they are, so a line break inside a
// segment (free text) is for the HL7 parser to judge.
type splitter struct {
	rd    io.Reader // nil when buf holds all of the input (eof is set)
	limit int       // longest chunk kept; a longer one is dropped with errChunkTooLarge

	buf     []byte
	r, w    int   // buf[r:w]: the current chunk and what follows it, read but not returned
	scanned int   // buf[r:scanned] holds no chunk boundary after r
	atLine  bool  // a line break ends at scanned: the next line's start is still to be judged
	eof     bool  // rd is exhausted
	err     error // read error, returned once the data is used up
	work    int64 // bytes searched or moved
}

// lineBreak returns the index of the first \r or \n in b, or -1, as
// bytes.IndexAny(b, "\r\n") does, but with two vectorised searches per
// window of lineWindow bytes instead of a byte-wise scan for either (a
// tenth of check's CPU). The window bounds the work per line when one of
// the two never comes, as \r in a file with \n line ends.
func lineBreak(b []byte) int {
	for off := 0; off < len(b); off += lineWindow {
		w := b[off:min(off+lineWindow, len(b))]
		i := bytes.IndexByte(w, '\r')
		if i < 0 {
			i = len(w)
		}
		if j := bytes.IndexByte(w[:i], '\n'); j >= 0 {
			return off + j
		}
		if i < len(w) {
			return off + i
		}
	}
	return -1
}

// lineWindow is how far lineBreak searches for one line break before the
// other.
const lineWindow = 512

// next returns the next non-blank chunk, valid until the next call. When
// the input ends with a read error, the incomplete last chunk is dropped and
// the error returned.
func (s *splitter) next() ([]byte, error) {
	for {
		for s.scanned < s.w || s.atLine {
			if !s.atLine {
				i := lineBreak(s.buf[s.scanned:s.w])
				if i < 0 {
					s.work += int64(s.w - s.scanned)
					s.scanned = s.w
					break
				}
				s.work += int64(i + 1)
				s.scanned += i + 1
				s.atLine = true
			}
			j := s.scanned
			for j < s.w {
				if isLineSpace(s.buf[j]) {
					j++
				} else if bytes.HasPrefix(s.buf[j:s.w], byteOrderMark) { // concatenated files
					j += len(byteOrderMark)
				} else {
					break
				}
			}
			s.work += int64(j - s.scanned)
			s.scanned = j
			if j+4 > s.w && !s.eof {
				break // judge this line start with more data
			}
			s.atLine = false
			if isHeaderLine(s.buf[j:s.w]) {
				chunk := s.buf[s.r:j]
				s.r = j
				if len(bytes.TrimSpace(chunk)) > 0 {
					return chunk, nil
				}
			}
		}
		if s.eof {
			chunk := s.buf[s.r:s.w]
			s.r = s.w
			if s.err != nil {
				err := s.err
				s.err = nil
				return nil, fmt.Errorf("%w (%d bytes of an incomplete message dropped)", err, len(chunk))
			}
			if len(bytes.TrimSpace(chunk)) > 0 {
				return chunk, nil
			}
			return nil, io.EOF
		}
		if s.w-s.r > s.limit {
			n := s.scanned - s.r
			s.r = s.scanned
			return nil, &captureProblem{err: errChunkTooLarge, bytes: n}
		}
		s.fill()
	}
}

// fill reads more input into the free end of the buffer. When less than
// captureReadSize is free, the pending bytes first move to the front, into
// a buffer twice as large when they fill more than half of it: after moving
// P bytes at least P more are read before the next move, so moving costs at
// most as much as reading.
func (s *splitter) fill() {
	if len(s.buf)-s.w < captureReadSize {
		pending := s.w - s.r
		buf := s.buf
		if 2*(pending+captureReadSize) > len(buf) {
			buf = make([]byte, 2*(pending+captureReadSize))
		}
		copy(buf, s.buf[s.r:s.w])
		s.work += int64(pending)
		s.buf = buf
		s.scanned -= s.r
		s.r, s.w = 0, pending
	}
	n, err := s.rd.Read(s.buf[s.w:])
	s.w += n
	if err != nil {
		s.eof = true
		if !errors.Is(err, io.EOF) {
			s.err = err
		}
	}
}

// byteOrderMark is UTF-8's, which some tools write at the start of a file.
var byteOrderMark = []byte("\xef\xbb\xbf")

// isLineSpace reports whether b may precede a segment at the start of a line.
func isLineSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

// isHeaderLine reports whether b starts with a header or trailer segment
// name followed by a field separator.
func isHeaderLine(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	switch string(b[:3]) {
	case "MSH", "FHS", "BHS", "BTS", "FTS":
	default:
		return false
	}
	sep := b[3]
	return sep > ' ' && sep < 0x7f && !isAlnum(sep)
}

// Chunk kinds.
const (
	chunkJunk    = iota // no header: a comment, a truncated message, garbage
	chunkMessage        // an MSH segment and what follows it
	chunkBatch          // a batch header or trailer segment (FHS, BHS, BTS, FTS)
)

// chunkKind tells what a chunk is, after a UTF-8 byte order mark and
// white space (which the HL7 parser skips too).
func chunkKind(chunk []byte) int {
	chunk = bytes.TrimLeft(bytes.TrimPrefix(chunk, byteOrderMark), " \t\r\n")
	switch {
	case !isHeaderLine(chunk):
		return chunkJunk
	case string(chunk[:3]) == "MSH":
		return chunkMessage
	}
	return chunkBatch
}

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z'
}
