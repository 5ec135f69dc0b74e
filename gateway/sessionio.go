package gateway

import (
	"errors"
	"os"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// A session's deadlines are armed only where they can matter, not twice or three times per message: each
// arming moves a runtime timer, and a closed loop of 50 monitors armed about 150,000 a second.
//
//   - Idle: the read deadline while waiting for a message. armIdle moves it only when it is no longer
//     between IdleTimeout and IdleTimeout + IdleTimeout/deadlineSlack from now (rearm), so a silent
//     connection is closed after between IdleTimeout and 17/16 of it, and a busy one re-arms it about
//     sixteen times per IdleTimeout, whatever its message rate. A stop-and-wait station connection treats
//     its ACK deadline alike (stationConn.exchange).
//   - Frame: once a start block was read, the rest of the frame must come within FrameTimeout. A frame whose
//     end came in the same read as its start (almost every message) needs no more reading, so its deadline
//     is armed only before the next read of the connection (monitorIn.Read).
//   - ACK write: an ACK goes out in one non-blocking write when the socket has room, as it has unless the
//     monitor stopped reading; only a write that has to wait gets the FrameTimeout deadline (monitorOut).
//
// A plain TCP connection that has waited parkAfter (to 17/16 of it) for its next message is parked (see
// parker): its goroutine lets it go (and ends, or waits among the parker's wakers for another session) and
// its read buffer and ACK writer are released until bytes arrive. Its read
// deadline is then the park deadline, armed like the idle deadline, and the idle timeout is the parker's
// timer: a silent connection is closed when IdleTimeout has passed since its wait began. A new plain TCP
// connection is parked from its accept, before it has a goroutine (Gateway.parkAtAccept): its wait for its
// first message begins there.
const deadlineSlack = 16

// parkAfter is how long a monitor connection waits for its next message in its own goroutine before it
// is parked: longer than the interval of a monitor sending every second, so that such a monitor costs
// no parking per message; short enough that connections that send rarely or not at all cost their
// session and socket only.
const parkAfter = 2 * time.Second

// A connection whose latest quickParkGaps waits for a message each took longer than quickParkGap (the
// Gateway's quickGap) is parked right after its answer instead of after parkAfter: a monitor sending
// every second would otherwise hold its goroutine's stack (grown while its message was checked), its read
// buffer and its ACK writer for most of every second, about 20 KB per connection. The threshold is far
// above the gaps of a closed loop (a stop-and-wait monitor sends its next message as soon as it has the
// ACK), where parking would cost an epoll_ctl and a hand-off to another goroutine per message for nothing;
// two in a row, so that one slow gap of a busy monitor does not.
const (
	quickParkGap  = parkAfter / 8
	quickParkGaps = 2
)

// armIdle arms the read deadline for the wait for the next message (idle, or park when it comes first),
// unless the one armed already falls in its window.
func (s *session) armIdle() {
	now := monoNow()
	s.waitSince, s.framing = now, false
	wait := s.l.cfg.IdleTimeout
	if s.parkable {
		wait = min(wait, parkAfter)
	}
	if t, move := rearm(s.readDeadline, now.Add(wait), wait/deadlineSlack); move {
		s.setReadDeadline(t)
	}
}

// rearm says whether a deadline armed at armed must move for one wanted at want, and where to: it stays
// when it falls between want and want+slack, and moves to want+slack otherwise, so that a deadline wanted a
// little later each time is armed again only once the wanted one has caught up with it.
func rearm(armed, want time.Time, slack time.Duration) (time.Time, bool) {
	if !armed.Before(want) && !armed.After(want.Add(slack)) {
		return armed, false
	}
	return want.Add(slack), true
}

// setReadDeadline arms the read deadline of the session's connection and remembers it.
func (s *session) setReadDeadline(t time.Time) {
	s.readDeadline = t
	_ = s.c.SetReadDeadline(t)
}

// monitorIn is what the session's MLLP reader reads: the connection, with the frame deadline armed before
// the first read inside a frame.
type monitorIn struct{ s *session }

func (in monitorIn) Read(p []byte) (int, error) {
	s := in.s
	if s.inFrame {
		s.inFrame, s.framing = false, true
		s.setReadDeadline(time.Now().Add(s.l.cfg.FrameTimeout))
	}
	var n int
	var err error
	if s.polled {
		n, err = s.readPolled(p)
	} else {
		n, err = s.c.Read(p)
	}
	s.unpaid += n
	return n, err
}

// monitorOut is what the session's MLLP writer writes to: the connection, with a deadline only on a write
// that has to wait for room.
type monitorOut struct{ s *session }

func (out monitorOut) Write(p []byte) (int, error) {
	s := out.s
	n, ok, err := s.writeNow(p)
	if err != nil || n == len(p) {
		return n, err
	}
	if err := s.c.SetWriteDeadline(time.Now().Add(s.l.cfg.FrameTimeout)); err != nil {
		return n, err
	}
	m, err := s.c.Write(p[n:])
	if err == nil && ok {
		// Disarmed, so that the next non-blocking write does not find it expired.
		err = s.c.SetWriteDeadline(time.Time{})
	}
	return n + m, err
}

// armResumed arms the read deadline of a session woken from parking by bytes that may not be a frame yet,
// and that still waits for the message it waited for when it was parked: parkAfter from now, or when its
// idle timeout, counted from its wait's start, is over, whichever comes first; like armIdle, it stays
// where it was armed when that falls in its window (a connection parked after every message would
// otherwise move a runtime timer per message).
func (s *session) armResumed() {
	s.framing = false
	want := time.Now().Add(parkAfter)
	if end := s.waitSince.Add(s.l.cfg.IdleTimeout); end.Before(want) {
		want = end
	}
	if t, move := rearm(s.readDeadline, want, min(parkAfter, s.l.cfg.IdleTimeout)/deadlineSlack); move {
		s.setReadDeadline(t)
	}
}

// waited counts the wait for the message just read, which ended at now, for parkNow.
func (s *session) waited(now time.Time) {
	s.spinWait = now.Sub(s.waitSince) < 2*s.g.spins.budget()
	if now.Sub(s.waitSince) > s.g.quickGap {
		s.slowWaits = min(s.slowWaits+1, quickParkGaps)
	} else {
		s.slowWaits = 0
	}
}

// parkNow parks the session right after its answer, if its monitor sends slowly (see quickParkGap) and
// nothing of its next message has been read yet; it says whether it did. The read buffer and the ACK
// writer go back to their pools; the message buffers, small, stay for the next message. The parsed
// message, which aliases the read buffer, lets go of it first: once released, the buffer may be another
// connection's.
func (s *session) parkNow() bool {
	if !s.parkable || s.slowWaits < quickParkGaps || s.stop.Load() {
		return false
	}
	s.msg.Reset() // answered: nothing reads it before the next Parse
	if !s.r.Release() {
		return false
	}
	s.waitSince, s.framing = time.Now(), false
	s.releaseWriter()
	s.g.parker.park(s, s.l.cfg.IdleTimeout)
	return true
}

// releaseWriter gives the session's ACK writer back to the pool.
func (s *session) releaseWriter() {
	if s.w != nil {
		s.w.Reset(nil)
		ackWriters.Put(s.w)
		s.w = nil
	}
}

// What park did.
const (
	parkNot  = iota // the read's end stands: the connection ends
	parkDone        // the caller returns at once: the session carries on in another goroutine
	parkWait        // the park deadline passed, but the reader holds part of something: read on
)

// park parks the session after its read ended with ferr, when that was the park deadline (not a frame's
// deadline, which ends the connection): not stopping, idle time left, nothing read and not answered. Its
// read buffer, ACK writer and message buffers are released, and its goroutine lets it go.
func (s *session) park(ferr error) int {
	if !s.parkable || s.framing || !errors.Is(ferr, os.ErrDeadlineExceeded) || s.stop.Load() {
		return parkNot
	}
	left := time.Until(s.waitSince.Add(s.l.cfg.IdleTimeout))
	if left <= 0 {
		return parkNot
	}
	// The parsed message aliases the read buffer, which may be another connection's once released.
	s.msg.Reset()
	if !s.r.Release() { // the rest of an oversized frame, still under the idle timeout
		return parkWait
	}
	// What only a message in flight needs goes too; the next message allocates it again.
	s.releaseWriter()
	s.msg, s.reply, s.acks, s.out, s.alert = hl7.Message{}, nil, nil, nil, nil
	// Disarmed, not only forgotten: the park deadline has passed, and a RawConn.Read (loopPolled) on a socket
	// whose deadline has passed fails before its callback can arm the next one, which would park the woken
	// session again at once (an epoll_ctl and a hand-off per wake for nothing). Armed anew when it wakes.
	s.setReadDeadline(time.Time{})
	s.g.parker.park(s, left)
	return parkDone
}
