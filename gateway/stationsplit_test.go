//go:build unix

package gateway

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// A stop-and-wait station that writes its answer one byte per write has the exchange read it in pieces
// inside writeAwait's wait (answer returns mllp.ErrWouldBlock and is called again): every answer must read
// as it would in one piece, on a connection reused for 100 messages, and an answer cut short by a close
// or by the ACK deadline (a stalled station) must fail the message, never answer it.
func TestExchangeAnswerByteByByte(t *testing.T) {
	const msh = "MSH|^~\\&|CS|HOSP|MON|ICU|20261125120000||ACK^R01^ACK|A1|P|2.6\r"
	frame := func(p string) string { return "\x0b" + p + "\x1c\r" }
	aa := frame(msh + "MSA|AA|C1\r")
	for _, tc := range []struct {
		name   string
		answer string
		code   string // "": the message fails
		stall  bool   // after the answer the station waits (the ACK deadline ends the exchange)
	}{
		{"AA", aa, "AA", false},
		{"CA then AA", frame(msh+"MSA|CA|C1\r") + aa, "AA", false},
		{"commit ACK then AA", frame("\x06") + aa, "AA", false},
		{"AE", frame(msh + "MSA|AE|C1\r"), "AE", false},
		{"commit NAK", frame("\x15"), "CE", false},
		{"AA for another message", frame(msh + "MSA|AA|C2\r"), "", false},
		{"CA then AA for another message", frame(msh+"MSA|CA|C1\r") + frame(msh+"MSA|AA|C2\r"), "", false},
		{"garbage", frame("garbage"), "", false},
		{"half an AA, then close", aa[:20], "", false},
		{"AA without its CR, then close", aa[:len(aa)-1], "", false},
		{"half an AA, then stall", aa[:20], "", true},
		{"CA, then stall", frame(msh + "MSA|CA|C1\r"), "", true},
		{"AA without its CR, then stall", aa[:len(aa)-1], "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, _ := scriptedStation(t, func(_, _ int, c *net.TCPConn) bool {
				for i := range len(tc.answer) {
					if _, err := c.Write([]byte{tc.answer[i]}); err != nil {
						return false
					}
				}
				return tc.code != "" || tc.stall
			})
			s := spinStation(t, addr, 300*time.Millisecond)
			msg := []byte("MSH|^~\\&|MON|ICU|CS|HOSP|20261125120000||ORU^R01|C1|P|2.6\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r")
			rounds := 100
			if tc.code == "" {
				rounds = 1
			}
			for round := range rounds {
				_, code, ferr := s.forward(context.Background(), msg, []byte("C1"), nil, true, wholePool)
				switch {
				case tc.code == "" && ferr == nil:
					t.Fatalf("answered %s, want an error", code)
				case tc.stall && !errors.Is(ferr, ErrAckTimeout):
					t.Fatalf("error %v, want %v", ferr, ErrAckTimeout)
				case tc.code != "" && (ferr != nil || string(code) != tc.code):
					t.Fatalf("message %d: answered %q (%v), want %s", round, code, ferr, tc.code)
				}
			}
		})
	}
}

// The exchange's spin (station.spin: one message in flight, no session serving, a station that answered
// within config.DefaultBusyPoll, as a loopback station does here unless the machine stalls it) reads
// answers as the wait does: an AA followed at once by bytes nobody asked for still answers its message
// but closes the connection, which is never reused; a station answering later than the spin is waited
// for, and its connection reused.
func TestExchangeSpin(t *testing.T) {
	const msh = "MSH|^~\\&|CS|HOSP|MON|ICU|20261125120000||ACK^R01^ACK|A1|P|2.6\r"
	aa := "\x0b" + msh + "MSA|AA|C1\r\x1c\r"
	for _, tc := range []struct {
		name   string
		answer string
		delay  time.Duration
		conns  int // connections the station accepts for 5 messages
	}{
		{"AA at once", aa, 0, 1},
		{"AA and unasked bytes", aa + "\x0b\x06\x1c\r", 0, 5},
		{"AA after the spin", aa, 2 * time.Millisecond, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, accepted := scriptedStation(t, func(_, _ int, c *net.TCPConn) bool {
				time.Sleep(tc.delay) // the station's answer time, not a synchronisation
				_, err := c.Write([]byte(tc.answer))
				return err == nil
			})
			s := spinStation(t, addr, 2*time.Second)
			msg := []byte("MSH|^~\\&|MON|ICU|CS|HOSP|20261125120000||ORU^R01|C1|P|2.6\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r")
			for round := range 5 {
				if _, code, ferr := s.forward(context.Background(), msg, []byte("C1"), nil, true, wholePool); ferr != nil || code != "AA" {
					t.Fatalf("message %d: answered %q (%v), want AA", round, code, ferr)
				}
			}
			if got := len(accepted); got != tc.conns {
				t.Fatalf("the station accepted %d connections, want %d", got, tc.conns)
			}
		})
	}
}
