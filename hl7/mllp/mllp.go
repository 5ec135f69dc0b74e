package mllp

import "errors"

// Framing bytes and limits.
const (
	StartBlock     byte = 0x0B // VT: starts a frame
	EndBlock       byte = 0x1C // FS: ends a frame's payload
	CarriageReturn byte = 0x0D // CR: follows EndBlock
	CommitACK      byte = 0x06 // MLLP release 2 commit acknowledgement payload
	CommitNAK      byte = 0x15 // MLLP release 2 negative commit acknowledgement payload

	// DefaultMaxFrame is the payload limit a Reader uses when given none.
	DefaultMaxFrame = 1 << 20
)

// Errors returned by Reader and Writer. Callers branch on them with errors.Is.
var (
	// ErrFrameTooLarge: the payload exceeded the Reader's limit. ReadFrame
	// returns its first maxFrame bytes; the next call discards the rest.
	ErrFrameTooLarge = errors.New("mllp: frame exceeds size limit")
	// ErrTruncated: a start block arrived inside a frame. ReadFrame returns the
	// partial payload; the next call returns the frame that start block opened.
	ErrTruncated = errors.New("mllp: frame truncated by a new start block")
	// ErrMissingCR: an end block was followed by something other than a
	// carriage return (and TolerateMissingCR is off). ReadFrame returns the
	// payload; the next call resynchronises on the next start block.
	ErrMissingCR = errors.New("mllp: end block not followed by carriage return")
	// ErrIncomplete: the stream ended inside a frame.
	ErrIncomplete = errors.New("mllp: stream ended inside a frame")
	// ErrFramingByte: WriteFrame was given a payload containing a start or
	// end block, which would split or corrupt the frame on the wire.
	ErrFramingByte = errors.New("mllp: payload contains a framing byte")
	// ErrWouldBlock is what a Reader's io.Reader returns when it has nothing
	// to read now but may have later (a non-blocking socket). ReadFrame
	// returns it as it is, not wrapped, and keeps what it has read of a
	// frame: call ReadFrame again once there is something to read.
	ErrWouldBlock = errors.New("mllp: nothing to read now")
)

// IsCommitACK reports whether payload is an MLLP release 2 commit acknowledgement.
func IsCommitACK(payload []byte) bool {
	return len(payload) == 1 && payload[0] == CommitACK
}

// IsCommitNAK reports whether payload is an MLLP release 2 negative commit acknowledgement.
func IsCommitNAK(payload []byte) bool {
	return len(payload) == 1 && payload[0] == CommitNAK
}
