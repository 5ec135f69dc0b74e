// Package mllp implements the Minimal Lower Layer Protocol framing that carries
// HL7 v2 messages over TCP: each payload travels as
//
//	0x0B payload 0x1C 0x0D
//
// A [Reader] splits a byte stream into payloads. It reassembles frames split
// across any number of reads, never merges frames that share a read, skips
// (and only counts) bytes between frames, resynchronises on every start block
// and bounds its memory by a maximum frame size. A [Writer] emits one frame
// per call, in one write to the underlying connection for typical frames.
//
// Typical use on a gateway connection:
//
//	r := mllp.NewReader(conn, mllp.DefaultMaxFrame)
//	r.OnFrameStart = func() { conn.SetReadDeadline(time.Now().Add(frameTimeout)) }
//	w := mllp.NewWriter(conn)
//	for {
//		conn.SetReadDeadline(time.Now().Add(idleTimeout))
//		msg, err := r.ReadFrame() // msg aliases r's buffer until the next call
//		switch {
//		case errors.Is(err, mllp.ErrFrameTooLarge), errors.Is(err, mllp.ErrTruncated),
//			errors.Is(err, mllp.ErrMissingCR):
//			// msg holds what was received; NAK it, then keep reading.
//		case err != nil:
//			return err // io.EOF, ErrIncomplete, deadline or connection errors
//		}
//		ack := handle(msg)
//		if err := w.WriteFrame(ack); err != nil {
//			return err
//		}
//	}
//
// The package uses only the standard library and never logs; payload bytes
// appear in no error it returns.
package mllp
