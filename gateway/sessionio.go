package gateway

import (
	"time"
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
const deadlineSlack = 16

// armIdle arms the idle read deadline, unless the one armed already falls in its window.
func (s *session) armIdle() {
	idle := s.l.cfg.IdleTimeout
	if t, move := rearm(s.readDeadline, time.Now().Add(idle), idle/deadlineSlack); move {
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
		s.inFrame = false
		s.setReadDeadline(time.Now().Add(s.l.cfg.FrameTimeout))
	}
	return s.c.Read(p)
}

// monitorOut is what the session's MLLP writer writes to: the connection, with a deadline only on a write
// that has to wait for room.
type monitorOut struct{ s *session }

func (out monitorOut) Write(p []byte) (int, error) {
	s := out.s
	n, ok, err := writeNow(s.c, p)
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
