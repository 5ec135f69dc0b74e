package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"
)

// faults makes a station misbehave on every Nth message of a connection (0: never), so a test can show
// that the driver counts what a relay passes on.
type faults struct {
	wrongEvery int // answer AA with an MSA-2 that is not the message's MSH-10
	nakEvery   int // answer AE
	closeEvery int // close the connection instead of answering
}

// station answers every message with an AA carrying its MSH-10, stop-and-wait or pipelined alike: each
// read's complete frames are answered in one write. Its ACKs name tag in MSH-3, which a relay that
// answers on its own cannot know.
type station struct {
	tag       string
	clock     *clock
	faults    faults
	slowLarge time.Duration // a message of largeMessage bytes or more is answered this long after it was read
	received  atomic.Uint64 // messages read, counted before they are answered
	aa        atomic.Uint64 // of those, answered with AA and their own MSH-10, counted before the answer
	wrong     atomic.Uint64
	naks      atomic.Uint64
	closed    atomic.Uint64
}

func stationMain(args []string) error {
	fs := flag.NewFlagSet("station", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:12576", "MLLP address")
	ctl := fs.String("ctl", "", "address answering one line of counters per connection (for the driver)")
	tag := fs.String("tag", "BLINDSTN", "MSH-3 of the station's ACKs")
	var f faults
	fs.IntVar(&f.wrongEvery, "wrong-every", 0, "answer every Nth message of a connection with a wrong MSA-2")
	fs.IntVar(&f.nakEvery, "nak-every", 0, "answer every Nth message of a connection with AE")
	fs.IntVar(&f.closeEvery, "close-every", 0, "close the connection on every Nth message instead of answering")
	slow := fs.Duration("slow-large", 0, "answer each message of 64 KiB or more this long after reading it, its connection waiting (a slow station)")
	fs.Parse(args)
	s := &station{tag: *tag, clock: newClock(), faults: f, slowLarge: *slow}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if *ctl != "" {
		cl, err := net.Listen("tcp", *ctl)
		if err != nil {
			return err
		}
		go s.serveCounters(cl)
	}
	fmt.Fprintf(os.Stderr, "station listening on %s\n", ln.Addr())
	return s.serve(ln)
}

func (s *station) serve(ln net.Listener) error { return serveConns(ln, s.answer) }

// serveConns accepts on ln until it is closed, each connection handled by handle in its own goroutine.
func serveConns(ln net.Listener, handle func(net.Conn)) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go handle(c)
	}
}

// counters is the line the control address answers: messages received, and of those answered with the
// station's own AA for their MSH-10 (received but answered otherwise or not at all do not count).
func (s *station) counters() string {
	return fmt.Sprintf("received %d aa %d wrong %d nak %d closed %d\n",
		s.received.Load(), s.aa.Load(), s.wrong.Load(), s.naks.Load(), s.closed.Load())
}

func (s *station) serveCounters(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Write([]byte(s.counters()))
		c.Close()
	}
}

// largeMessage is the size from which -slow-large delays a message: a flooder's (about 1 MB), never a
// vital-sign message (a few KB), whose latency is what the flood scenario measures.
const largeMessage = 64 << 10

// answer serves one connection until it closes: the complete frames of each read are answered in one
// write, counted before it. A large message on a slow station is answered slowLarge after the answers
// before it were written, as a station that takes that long to take it in, one message at a time per
// connection.
func (s *station) answer(c net.Conn) {
	defer c.Close()
	fr := newFrameReader(c)
	out := make([]byte, 0, 4096)
	n, batch, aa := 0, uint64(0), uint64(0)
	flush := func() error {
		if batch > 0 {
			s.received.Add(batch)
			s.aa.Add(aa)
			batch, aa = 0, 0
		}
		if len(out) == 0 {
			return nil
		}
		_, err := c.Write(out)
		out = out[:0]
		return err
	}
	for {
		msg, ok := fr.scan()
		if !ok {
			if flush() != nil || fr.fill() != nil {
				return
			}
			continue
		}
		if s.slowLarge > 0 && len(msg) >= largeMessage {
			if flush() != nil {
				return
			}
			time.Sleep(s.slowLarge) // the station's work, not a synchronisation
		}
		n++
		batch++
		if every(s.faults.closeEvery, n) {
			s.closed.Add(1)
			flush()
			return
		}
		var genuine bool
		if out, genuine = s.appendAck(out, msg, n); genuine {
			aa++
		}
	}
}

func every(n, i int) bool { return n > 0 && i%n == 0 }

// appendAck appends the framed ACK of msg: MSH with the station's tag, MSA with AA and msg's MSH-10
// (or the fault configured for the connection's nth message); genuine is false for a fault.
func (s *station) appendAck(out, msg []byte, n int) (_ []byte, genuine bool) {
	ctrl := mshField(msg, 10)
	code := "AA"
	if every(s.faults.nakEvery, n) {
		code = "AE"
		s.naks.Add(1)
	}
	out = append(out, startBlock)
	out = append(out, "MSH|^~\\&|"...)
	out = append(out, s.tag...)
	out = append(out, "|CENTRAL|BLINDMON|ICU|"...)
	out = append(out, s.clock.now.Load()[:]...)
	out = append(out, "||ACK^R01^ACK|A"...)
	out = append(out, ctrl...)
	out = append(out, "|P|2.6\rMSA|"...)
	out = append(out, code...)
	out = append(out, '|')
	start := len(out)
	out = append(out, ctrl...)
	genuine = code == "AA"
	if genuine && every(s.faults.wrongEvery, n) {
		s.wrong.Add(1)
		genuine = false
		if len(out) > start {
			out[len(out)-1] ^= 1 // another control ID of the same length
		} else {
			out = append(out, 'X')
		}
	}
	return append(out, carriageReturn, endBlock, carriageReturn), genuine
}
