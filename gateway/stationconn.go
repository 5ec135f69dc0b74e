package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// stationConn is one MLLP connection to a station.
//
// With the station's pipeline at 1 (MLLP stop-and-wait) it carries one message at a time, and the
// caller writes it and reads the ACK itself (exchange). With a longer pipeline, callers queue framed
// messages on it and wait; the caller that finds nobody writing yields once to the goroutines ready to
// run, then writes everything queued so far in one write, so under load several messages share a
// system call. A reader goroutine matches each ACK to the message in flight with the same control ID
// and hands it over; the station may answer in any order.
// Two messages with the same control ID (two monitors counting alike) are never in flight on one
// connection at once, so that match is unambiguous. A commit ACK names no message and goes to the
// oldest: that assumes the station answers those in order.
//
// Either way, any failure (write, read, a malformed or unmatched ACK, a message's ACK timeout) kills
// the connection and fails every message still in flight on it: none of them gets a positive ACK, and a
// late answer can never be taken for another message's.
type stationConn struct {
	s  *station
	c  net.Conn
	r  *mllp.Reader
	in io.Reader   // what r reads: ackIn's
	a  hl7.Message // the reader's

	load   int  // messages reserved on it by station.get; under s.mu
	pooled bool // in s.pool (and, while load is 0, in s.idle); under s.mu

	readDeadline time.Time // armed on c by exchange, which has the connection to itself

	mu       sync.Mutex
	settled  sync.Cond // on mu: broadcast when a call in flight completes or the connection dies
	out      []byte    // frames queued, not yet written
	spare    []byte    // the previous out, reused
	writing  bool      // a caller is writing out
	inflight []*call   // queued or sent, oldest first
	used     bool      // it carried a message before
	err      error     // why it died; nil while it lives
}

// call is one message waiting for its ACK. Calls are pooled; done carries exactly one signal per use.
type call struct {
	ctrl []byte      // the message's MSH-10
	ack  []byte      // the caller's buffer; the ACK frame is appended to it
	code hl7.AckCode // MSA-1, or CA/CE for a commit ACK
	err  error
	// wantApp: the monitor expects an application ACK (MSH-16 is not NE or ER), so a station's commit
	// accept (CA) is not the answer: the call waits for the application ACK that follows it.
	wantApp   bool
	committed bool // a CA arrived and the call waits for its application ACK
	done      chan struct{}
	timer     *time.Timer
}

var calls = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &call{done: make(chan struct{}, 1), timer: t}
}}

func getCall() *call { return calls.Get().(*call) }

func putCall(cl *call) {
	*cl = call{done: cl.done, timer: cl.timer}
	calls.Put(cl)
}

// errNotSent wraps the error of a connection that was dead before a message could go out on it: the
// message may be retried on another connection without any risk of a duplicate.
var errNotSent = errors.New("not sent")

// errShared wraps the error of a pipelined connection that died with several messages in flight: the
// failure may be any one's (an answer matching none of them, one's timeout), so it tells nothing about
// each message; a store-mode deliverer does not count it towards queue.poison_attempts.
var errShared = errors.New("connection lost with other messages in flight")

// Errors of a stop-and-wait connection whose station sent more than the one answer awaited.
var (
	errUnexpected = errors.New("station sent data while no message was in flight")
	errPeerClosed = errors.New("station closed the connection while idle")
)

// exchange writes msg and reads its ACK on a stop-and-wait connection, in the caller's goroutine. A
// station must send exactly one answer per message (a commit accept before it when cl.wantApp): a
// connection with bytes waiting before the message goes out, or after its answer, is closed, never
// reused, so that nothing a station sent unasked can be read as the answer to a later message.
func (c *stationConn) exchange(cl *call, msg []byte, deadline time.Time) (reused bool, err error) {
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return false, fmt.Errorf("%w: %w", errNotSent, err)
	}
	reused, c.used = c.used, true
	c.mu.Unlock()
	if reused && c.r.Buffered() > 0 {
		c.kill(errUnexpected)
		return reused, fmt.Errorf("%w: %w", errNotSent, errUnexpected)
	}
	if c.out, err = mllp.AppendFrame(c.out[:0], msg); err != nil {
		return reused, err
	}
	// The ACK wait's deadline is armed again only when the one armed for an earlier message would end it
	// too early or more than a sixteenth of ack_timeout too late (see rearm): a timer moved per message
	// was 2 % of the gateway's CPU time.
	if t, move := rearm(c.readDeadline, deadline, c.s.cfg.AckTimeout/deadlineSlack); move {
		if err := c.c.SetReadDeadline(t); err != nil {
			c.kill(err)
			return reused, err
		}
		c.readDeadline = t
	}
	// A reused connection is looked at before the message goes out (writeAwait's check); on a plain TCP
	// connection the answer is read inside the same wait.
	spin := c.s.spin()
	n, perr, err, aerr, answered, spun := writeAwait(c.c, c.in, c.out, reused, spin, func() error { return c.answer(cl) })
	if spin > 0 && perr == nil && err == nil && n == len(c.out) { // writeAwait polled for the answer
		c.s.polled.Inc()
		if spun {
			c.s.found.Inc()
		}
	}
	if perr != nil {
		c.kill(perr)
		return reused, fmt.Errorf("%w: %w", errNotSent, perr)
	}
	if err == nil && n < len(c.out) {
		if err = c.c.SetWriteDeadline(deadline); err == nil {
			_, err = c.c.Write(c.out[n:])
		}
	}
	if err != nil {
		err = fmt.Errorf("write: %w", err)
		c.kill(err)
		return reused, err
	}
	if !answered {
		aerr = c.answer(cl)
	}
	if aerr != nil {
		c.kill(aerr) // closing it is what keeps a late ACK from answering the next message
		return reused, aerr
	}
	switch {
	case c.r.Buffered() > 0:
		c.kill(errUnexpected) // the answer stands; what came after it is never read as another's
	case isCommitCode(cl.code):
		// A commit ACK ended the exchange (the monitor asked for no application ACK, or the station
		// refused the message). A station in enhanced mode may still send an application ACK for it,
		// naming the same control ID as a re-sent message would: never reuse the connection.
		c.kill(errAfterCommit)
	}
	return reused, nil
}

// answer reads the station's answers to cl on a stop-and-wait connection until the one that ends the
// exchange, which it appends to cl.ack, its code in cl.code. A malformed answer, one for another message
// or a second commit ACK is an error, as is a read's; mllp.ErrWouldBlock (inside writeAwait: nothing to
// read yet) is returned as it is, and answer is called again once there is more.
func (c *stationConn) answer(cl *call) error {
	for {
		frame, err := c.r.ReadFrame()
		switch {
		case err == mllp.ErrWouldBlock:
			return err
		case errors.Is(err, os.ErrDeadlineExceeded):
			return ErrAckTimeout
		case err != nil:
			return fmt.Errorf("read ack: %w", err)
		}
		code, id, err := c.decode(frame)
		if err == nil && id != nil && !bytes.Equal(id, cl.ctrl) {
			err = ErrAckMismatch
		}
		var wait bool
		if err == nil {
			wait, err = interim(cl, code, id)
		}
		if err != nil {
			return err
		}
		if !wait {
			cl.ack, cl.code = append(cl.ack, frame...), code
			return nil
		}
	}
}

// interim reports whether an answer to cl (code, and id: nil for an MLLP commit ACK) is a commit
// accept that cl must wait past for its application ACK, and marks cl committed when it is. A second
// commit ACK for one message is an error: a CA must never stand for an application accept.
func interim(cl *call, code hl7.AckCode, id []byte) (bool, error) {
	if cl.committed && (id == nil || code == hl7.CA) {
		return false, errSecondCommit
	}
	if code == hl7.CA && cl.wantApp {
		cl.committed = true
		return true, nil
	}
	return false, nil
}

// errAfterCommit closes a stop-and-wait connection whose exchange a commit ACK ended.
var errAfterCommit = errors.New("exchange ended by a commit acknowledgement: connection not reused")

func isCommitCode(c hl7.AckCode) bool { return c == hl7.CA || c == hl7.CE || c == hl7.CR }

// errSecondCommit: a station sent a second commit ACK for one message.
var errSecondCommit = errors.New("second commit acknowledgement for one message")

// send queues msg for cl and writes the queue unless another caller is writing it. reused reports
// whether the connection had carried a message before this one. An error means cl was not queued.
func (c *stationConn) send(cl *call, msg []byte) (reused bool, err error) {
	c.mu.Lock()
	for c.err == nil && c.match(cl.ctrl) >= 0 {
		c.settled.Wait() // a message with this control ID is in flight here: wait until it is answered
	}
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return false, fmt.Errorf("%w: %w", errNotSent, err)
	}
	out, err := mllp.AppendFrame(c.out, msg)
	if err != nil {
		c.mu.Unlock()
		return false, err
	}
	c.out = out
	reused, c.used = c.used, true
	c.inflight = append(c.inflight, cl)
	if c.writing {
		c.mu.Unlock()
		return reused, nil
	}
	c.writing = true
	c.mu.Unlock()
	// Let the goroutines that are ready to run (under load, other monitors' messages) queue their
	// frames first, so that one write carries them all; with nothing else ready this returns at once.
	// In the benchmark this took a tenth off the gateway's CPU per message and a fifth off the
	// station's, which reads several frames at a time and answers them in one write.
	runtime.Gosched()
	c.mu.Lock()
	for len(c.out) > 0 && c.err == nil {
		buf := c.out
		c.out = c.spare[:0]
		c.mu.Unlock()
		// The writer writes other callers' frames too, so not with its own deadline.
		werr := c.c.SetWriteDeadline(time.Now().Add(c.s.cfg.AckTimeout))
		if werr == nil {
			_, werr = c.c.Write(buf)
		}
		c.mu.Lock()
		c.spare = buf[:0]
		if werr != nil {
			c.mu.Unlock()
			c.kill(fmt.Errorf("write: %w", werr)) // cl is in flight: kill fails it
			c.mu.Lock()
		}
	}
	c.writing = false
	c.mu.Unlock()
	return reused, nil
}

// wait waits for cl's ACK until deadline. On timeout it kills the connection: closing it is what keeps a
// late ACK from being read as the answer to a later message.
func (c *stationConn) wait(ctx context.Context, cl *call, deadline time.Time) error {
	cl.timer.Reset(time.Until(deadline))
	defer cl.timer.Stop()
	select {
	case <-cl.done:
		return cl.err
	case <-cl.timer.C:
		c.abandon(cl, ErrAckTimeout)
	case <-ctx.Done():
		c.abandon(cl, ctx.Err())
	}
	<-cl.done // from kill, or from the reader if it took cl first
	return cl.err
}

// abandon kills the connection for a call given up on, unless the reader has just taken its ACK: then
// the others in flight are left alone and the ACK counts.
func (c *stationConn) abandon(cl *call, err error) {
	c.mu.Lock()
	inFlight := slices.Contains(c.inflight, cl)
	c.mu.Unlock()
	if inFlight {
		c.kill(err)
	}
}

// readLoop reads ACKs until the connection dies.
func (c *stationConn) readLoop() {
	defer c.s.readers.Done()
	for {
		frame, err := c.r.ReadFrame()
		if err != nil {
			c.kill(fmt.Errorf("read ack: %w", err))
			return
		}
		code, id, err := c.decode(frame)
		if err != nil {
			c.kill(err)
			return
		}
		c.mu.Lock()
		i := c.match(id)
		if i < 0 {
			c.mu.Unlock()
			c.kill(ErrAckMismatch)
			return
		}
		cl := c.inflight[i]
		wait, err := interim(cl, code, id)
		if err != nil {
			c.mu.Unlock()
			c.kill(err)
			return
		}
		if wait {
			c.mu.Unlock()
			continue
		}
		c.inflight = slices.Delete(c.inflight, i, i+1)
		cl.ack, cl.code = append(cl.ack, frame...), code
		c.settled.Broadcast()
		c.mu.Unlock()
		cl.done <- struct{}{}
	}
}

// decode reads an ACK frame: its code and the control ID it answers (nil for a commit ACK).
func (c *stationConn) decode(frame []byte) (hl7.AckCode, []byte, error) {
	switch {
	case mllp.IsCommitACK(frame):
		return hl7.CA, nil, nil
	case mllp.IsCommitNAK(frame):
		return hl7.CE, nil, nil
	}
	if err := c.a.Parse(frame); err != nil {
		return "", nil, ErrAckMalformed
	}
	code, id, ok := hl7.ParseAck(&c.a)
	if !ok {
		return "", nil, ErrAckMalformed
	}
	if id == nil {
		id = []byte{} // an HL7 ACK without MSA-2 answers no message; nil is an MLLP commit ACK's
	}
	return code, id, nil
}

// match returns the index of the oldest call in flight that id answers, or -1. A commit ACK without a
// control ID (id nil) answers the oldest call not committed yet.
func (c *stationConn) match(id []byte) int {
	for i, cl := range c.inflight {
		if id == nil && !cl.committed || id != nil && bytes.Equal(cl.ctrl, id) {
			return i
		}
	}
	return -1
}

// kill closes the connection once, fails every call in flight on it with err, and takes it out of the
// pool.
func (c *stationConn) kill(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	failed := c.inflight
	c.inflight = nil
	c.settled.Broadcast()
	c.mu.Unlock()
	c.s.remove(c) // first, so that no new message picks it
	c.c.Close()
	for _, cl := range failed {
		cl.err = err
		if len(failed) > 1 {
			cl.err = fmt.Errorf("%w: %w", errShared, err)
		}
		cl.done <- struct{}{}
	}
	if !errors.Is(err, net.ErrClosed) {
		c.s.log.Debug().Err(err).Int("in_flight", len(failed)).Msg("station connection closed")
	}
}
