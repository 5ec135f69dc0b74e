package intercept

import (
	"errors"
	"net"
	"testing"
	"time"
)

// failingListener fails its first n Accepts, then hands out the wrapped listener's connections.
type failingListener struct {
	net.Listener
	n int
}

func (l *failingListener) Accept() (net.Conn, error) {
	if l.n > 0 {
		l.n--
		return nil, errors.New("accept: too many open files")
	}
	return l.Listener.Accept()
}

func TestAccept(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var pauses []time.Duration
	got, ok := Accept(&failingListener{Listener: ln, n: 3}, func() bool { return false }, func(_ error, in time.Duration) {
		pauses = append(pauses, in)
	})
	if !ok {
		t.Fatal("Accept gave up on temporary errors")
	}
	got.Close()
	if want := []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond}; len(pauses) != 3 ||
		pauses[0] != want[0] || pauses[1] != want[1] || pauses[2] != want[2] {
		t.Errorf("pauses %v, want %v", pauses, want)
	}

	ln.Close()
	if _, ok := Accept(ln, func() bool { return false }, func(error, time.Duration) { t.Error("retried a closed listener") }); ok {
		t.Error("Accept on a closed listener returned a connection")
	}
	stopped := &failingListener{Listener: ln, n: 1}
	if _, ok := Accept(stopped, func() bool { return true }, func(error, time.Duration) { t.Error("retried while stopping") }); ok {
		t.Error("Accept while stopping returned a connection")
	}
}
