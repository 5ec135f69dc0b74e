package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
)

// faultyRelay is a stop-and-wait MLLP relay that misbehaves on purpose, one upstream connection per
// client: it exists so the test and the smoke run can show that the driver catches a relay that
// acknowledges what it did not deliver, or drops messages. It is not a baseline. Its Nth message is
// counted over all the clients it misbehaves toward, not per connection: in the open loop and the flood
// a monitor sends a few dozen messages at most, and a per-connection 1000th would never come.
type faultyRelay struct {
	upstream  string
	fakeEvery int           // answer every Nth message itself with AA, without forwarding it
	dropEvery int           // close the client's connection on every Nth message, without forwarding it
	only      string        // misbehave only toward clients whose source address begins with this (empty: all)
	seen      atomic.Uint64 // messages from the clients it misbehaves toward
}

func relayMain(args []string) error {
	fs := flag.NewFlagSet("relay", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:12590", "MLLP address")
	var fr faultyRelay
	fs.StringVar(&fr.upstream, "upstream", "127.0.0.1:12576", "station address")
	fs.IntVar(&fr.fakeEvery, "fake-every", 0, "acknowledge every Nth message itself (counted over all clients), not forwarding it")
	fs.IntVar(&fr.dropEvery, "drop-every", 0, "drop every Nth message (counted over all clients): close its connection without answering")
	fs.StringVar(&fr.only, "only", "", "misbehave only toward sources whose address begins with this, e.g. 127.10. (the flood's monitors)")
	fs.Parse(args)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "faulty relay on %s to %s\n", ln.Addr(), fr.upstream)
	return fr.serve(ln)
}

func (fr *faultyRelay) serve(ln net.Listener) error { return serveConns(ln, fr.relay) }

// relay carries one client connection, one message at a time.
func (fr *faultyRelay) relay(c net.Conn) {
	defer c.Close()
	// A relay that fails some monitors and serves the others well.
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	misbehave := strings.HasPrefix(host, fr.only)
	up, err := net.Dial("tcp", fr.upstream)
	if err != nil {
		return
	}
	defer up.Close()
	in, back := newFrameReader(c), newFrameReader(up)
	out := make([]byte, 0, 1024)
	for {
		msg, err := in.next()
		if err != nil {
			return
		}
		fake, drop := false, false
		if misbehave {
			fake, drop = fr.fault()
		}
		if drop {
			return
		}
		if fake {
			out = appendFrame(out[:0], fakeAck(mshField(msg, 10)))
		} else {
			if _, err := up.Write(appendFrame(out[:0], msg)); err != nil {
				return
			}
			ack, err := back.next()
			if err != nil {
				return
			}
			out = appendFrame(out[:0], ack)
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// fault counts one message of a client the relay misbehaves toward and says whether to fake its answer
// or drop its connection (dropping first, when both fall on it).
func (fr *faultyRelay) fault() (fake, drop bool) {
	n := int(fr.seen.Add(1))
	return every(fr.fakeEvery, n), every(fr.dropEvery, n)
}

func appendFrame(out, payload []byte) []byte {
	out = append(out, startBlock)
	out = append(out, payload...)
	return append(out, endBlock, carriageReturn)
}

// fakeAck is the relay's own AA for a control ID: right MSA-2, but not the station's.
func fakeAck(ctrl []byte) []byte {
	return []byte("MSH|^~\\&|RELAY|GW|BLINDMON|ICU|20260101000000+0000||ACK^R01^ACK|F" + string(ctrl) +
		"|P|2.6\rMSA|AA|" + string(ctrl) + "\r")
}
