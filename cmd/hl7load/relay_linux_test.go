package main

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// startRelay runs the bare relay toward station until the test ends.
func startRelay(t *testing.T, station string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- relayServe(ctx, ln, station, true) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("relay: %v", err)
		}
	})
	return ln.Addr().String()
}

// TestRelayCarriesEveryMessage: the light driver through the bare relay, every message acknowledged by the
// station and verified there (received once, unchanged, in order).
func TestRelayCarriesEveryMessage(t *testing.T) {
	station, url := startStation(t)
	rep, err := runJSON(t, "monitors", "--addr", startRelay(t, station), "--station", url, "-n", "4", "--messages", "25",
		"--duration", "0", "--prebuilt", "3")
	if err != nil {
		t.Fatal(err)
	}
	if st := rep.Station; rep.Sent != 100 || rep.Answers["AA"] != 100 || st == nil || st.Received != 100 || rep.Failed {
		t.Errorf("report %+v, want 100 sent, AA and received, not failed", rep)
	}
}

// TestRelayIdleCheck: bytes a station sent unasked (here an MLLP commit ACK, which names no message) are
// found before a frame goes out; the frame is not written and nothing is taken for its answer.
func TestRelayIdleCheck(t *testing.T) {
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
	st, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	commit, _ := mllp.AppendFrame(nil, []byte{mllp.CommitACK})
	if _, err := st.Write(commit); err != nil {
		t.Fatal(err)
	}
	tc := c.(*net.TCPConn)
	rc, err := tc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	tc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := rc.Read(func(fd uintptr) bool { return !idle(int(fd)) }); err != nil { // until the bytes are there
		t.Fatal(err)
	}
	msg, _ := mllp.AppendFrame(nil, []byte("MSH|^~\\&|M|I|ST|H|20261203||ORU^R01|M2|P|2.6\r"))
	if ack, ok := exchange(rc, tc, msg, make([]byte, 0, 64), true); ok || len(ack) != 0 {
		t.Fatalf("exchange = %q, %v; want nothing, false", ack, ok)
	}
	// The unasked bytes are still there; read them, so that the close is an end of stream (not a reset),
	// which the station reads after anything written before it.
	if _, err := io.ReadFull(c, make([]byte, len(commit))); err != nil {
		t.Fatal(err)
	}
	c.Close()
	st.SetReadDeadline(time.Now().Add(10 * time.Second))
	if got, err := io.ReadAll(st); len(got) != 0 || err != nil {
		t.Fatalf("the station read %q (%v): the frame went out", got, err)
	}
}
