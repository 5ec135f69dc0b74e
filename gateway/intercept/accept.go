package intercept

import (
	"errors"
	"net"
	"time"
)

// Accept returns ln's next connection, or false once ln is closed or stopping reports true. A failed
// Accept (EMFILE, ENFILE, a connection reset before it was taken) is retried after a pause that starts at
// 5 ms and doubles up to 1 s, as net/http does, instead of ending the loop; retry is told of each failure
// and the pause before the next try. The relay's listeners and the egress sinkhole share it.
func Accept(ln net.Listener, stopping func() bool, retry func(err error, in time.Duration)) (net.Conn, bool) {
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err == nil {
			return c, true
		}
		if stopping() || errors.Is(err, net.ErrClosed) {
			return nil, false
		}
		delay = min(max(2*delay, 5*time.Millisecond), time.Second)
		retry(err, delay)
		time.Sleep(delay)
	}
}
