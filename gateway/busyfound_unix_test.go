//go:build unix

package gateway

import (
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/policy"
)

// A wait for a monitor's next message that polls counts as found (hl7gate_busy_polls_found_total) only
// when the poll found bytes of it, not when it found the monitor's close (review15: a spin that ended on
// the end of the stream was counted as a message found). Either way the spin says there is something to
// read, so that the loop reads the close at once.
func TestSpinFoundCountsOnlyData(t *testing.T) {
	g, err := New(config.Config{
		Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}}},
		Stations:  []config.StationConfig{{Name: "central", Address: "127.0.0.1:2575"}},
		Routes:    []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}},
	}, zerolog.Nop()) // not started: its metrics and delivery.busy_poll are all the spin reads
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		send  []byte // what the monitor sends; nil: it closes the connection
		found float64
	}{
		{"next message's first bytes", []byte{0x0b}, 1},
		{"the monitor's close", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			monitor, srv := tcpPair(t)
			if tc.send != nil {
				_, err = monitor.Write(tc.send)
			} else {
				err = monitor.Close()
			}
			if err != nil {
				t.Fatal(err)
			}
			readable(t, srv)
			_, polls := busyPolls(t, g)
			_, found := waitCounts(t, g, "hl7gate_busy_polls_found_total")
			rc, err := srv.SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			var spun bool
			if err := rc.Control(func(fd uintptr) { spun = (&session{g: g, fd: -1, wfd: int(fd)}).spin() }); err != nil {
				t.Fatal(err)
			}
			_, polls2 := busyPolls(t, g)
			_, found2 := waitCounts(t, g, "hl7gate_busy_polls_found_total")
			if !spun || polls2-polls != 1 || found2-found != tc.found {
				t.Fatalf("spin = %v, %v polls, %v found; want true, 1 poll, %v found", spun, polls2-polls, found2-found, tc.found)
			}
		})
	}
}

// The same for a station's answer (writeAwait's spun, which the exchange counts as found): a spin that
// read the answer is found, one that read only the station's close is not.
func TestWriteAwaitSpunOnlyOnData(t *testing.T) {
	for _, closeFirst := range []bool{false, true} {
		c, s := tcpPair(t)
		var err error
		if closeFirst {
			err = s.Close()
		} else {
			_, err = s.Write([]byte("answer"))
		}
		if err != nil {
			t.Fatal(err)
		}
		readable(t, c) // before the message goes out: the spin finds the answer or the close at once
		if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		in := ackIn(c)
		got := make([]byte, 0, 6)
		n, perr, werr, aerr, answered, spun := writeAwait(c, in, []byte("message"), false, time.Second, readAnswer(in, &got, 6))
		if n != 7 || perr != nil || werr != nil || !answered {
			t.Fatalf("station closed first %v: writeAwait = %d, %v, %v, %v, %v", closeFirst, n, perr, werr, aerr, answered)
		}
		if closeFirst && (aerr == nil || spun) || !closeFirst && (aerr != nil || !spun) {
			t.Errorf("station closed first %v: answer %q, %v; spun %v, want %v", closeFirst, got, aerr, spun, !closeFirst)
		}
	}
}
