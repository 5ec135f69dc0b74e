package gateway

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// refAnswer is an independent reading of what a station answered: its MSA-1 and MSA-2 (ok false when
// it is no acknowledgement), commit true for an MLLP commit ACK (0x06, 0x15), which names no message.
// It ends segments at CR and LF and trims a BOM and leading blanks, and reads the fields by splitting at
// MSH-1; it knows nothing of escapes or delimiters beyond that.
func refAnswer(p []byte) (code, id string, commit, ok bool) {
	switch string(p) {
	case "\x06":
		return "CA", "", true, true
	case "\x15":
		return "CE", "", true, true
	}
	s := strings.TrimPrefix(string(p), "\xef\xbb\xbf")
	var segs []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }) {
		if l = strings.TrimLeft(l, " \t"); l != "" {
			segs = append(segs, l)
		}
	}
	if len(segs) == 0 || len(segs[0]) < 4 || !strings.HasPrefix(segs[0], "MSH") {
		return "", "", false, false
	}
	fs := segs[0][3:4]
	n := 0
	for _, seg := range segs {
		f := strings.Split(seg, fs)
		if f[0] != "MSA" {
			continue
		}
		if n++; n > 1 || len(f) < 2 {
			return "", "", false, false
		}
		code = f[1]
		if len(f) > 2 {
			id = f[2]
		}
	}
	switch code {
	case "AA", "AE", "AR", "CA", "CE", "CR":
		return code, id, false, n == 1
	}
	return "", "", false, false
}

// FuzzStationAck drives a real station connection over loopback, stop-and-wait and pipelined: the fake
// station reads the message and answers with two hostile frames (the second empty: none). Whatever the
// frames, forward's result must agree with refAnswer: an answer only when the reference reads the
// frame it returned as an ACK naming the message (or a commit ACK), with the same code; a commit accept
// only when the monitor expects no application ACK, and after a commit accept only an ACK naming the
// message. A positive answer never comes from anything else.
func FuzzStationAck(f *testing.F) {
	const msh = "MSH|^~\\&|CS|HOSP|MON|ICU|20261125120000||ACK^R01^ACK|A1|P|2.6\r"
	for _, c := range []struct{ a, b string }{
		{msh + "MSA|AA|C1\r", ""},
		{msh + "MSA|CA|C1\r", msh + "MSA|AA|C1\r"},
		{msh + "MSA|CA|C1\r", msh + "MSA|AE|C1\r"},
		{msh + "MSA|CA|C1\r", msh + "MSA|CA|C1\r"},
		{"\x06", msh + "MSA|AA|C1\r"},
		{"\x06", "\x06"},
		{"\x15", ""},
		{msh + "MSA|CA|C1\r", msh + "MSA|AA|C2\r"},
		{msh + "MSA|AA\r", ""},
		{msh + "MSA|AA|\r", ""},
		{msh + "MSA|AA|C1\rMSA|AA|C1\r", ""},
		{msh + "MSA|AA|C1\r", msh + "MSA|AA|C1\r"},
		{strings.ReplaceAll(msh, "\r", "\n") + "MSA|AA|C1\n", ""},
		{"MSA|AA|C1\r", ""},
		{"", ""},
	} {
		for _, pipelined := range []bool{false, true} {
			for _, wantApp := range []bool{false, true} {
				f.Add([]byte(c.a), []byte(c.b), pipelined, wantApp)
			}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer ln.Close()
	st, err := store.New(10)
	if err != nil {
		f.Fatal(err)
	}
	msg := []byte("MSH|^~\\&|MON|ICU|CS|HOSP|20261125120000||ORU^R01|C1|P|2.6\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r")
	f.Fuzz(func(t *testing.T, a, b []byte, pipelined, wantApp bool) {
		clean := func(p []byte) []byte { // framing bytes would end the frame: that is the reader's fuzz
			p = bytes.Clone(p)
			for i, c := range p {
				if c == mllp.StartBlock || c == mllp.EndBlock {
					p[i] = 'x'
				}
			}
			return p
		}
		frames := [][]byte{clean(a)}
		if len(b) > 0 {
			frames = append(frames, clean(b))
		}
		served := make(chan struct{})
		go func() {
			defer close(served)
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			r := mllp.NewReader(c, 0)
			if _, err := r.ReadFrame(); err != nil {
				return
			}
			var out []byte
			for _, p := range frames {
				out = append(append(append(out, mllp.StartBlock), p...), mllp.EndBlock, '\r')
			}
			_, _ = c.Write(out)
			_, _ = r.ReadFrame() // until the gateway closes it
		}()
		pipeline := 1
		if pipelined {
			pipeline = 2
		}
		cfg := config.Config{Stations: []config.StationConfig{{Name: "central", Address: ln.Addr().String(),
			Pipeline: pipeline, Connections: 1, AckTimeout: 300 * time.Millisecond}}}.WithDefaults()
		s, err := newStation(cfg.Stations[0], zerolog.Nop(), st, newMetrics())
		if err != nil {
			t.Fatal(err)
		}
		ack, code, ferr := s.forward(context.Background(), msg, []byte("C1"), nil, wantApp, wholePool)
		s.closeAll()
		<-served

		// The reference's verdict on the frames, in order.
		committed := false
		want, wantIdx := "", -1
		for i, p := range frames {
			rc, rid, commit, ok := refAnswer(p)
			if !ok || !commit && rid != "C1" || committed && (commit || rc == "CA") {
				break
			}
			if rc == "CA" && wantApp {
				committed = true
				continue
			}
			want, wantIdx = rc, i
			break
		}
		if ferr != nil {
			if wantIdx >= 0 && !errors.Is(ferr, ErrAckMalformed) && !errors.Is(ferr, ErrAckTimeout) {
				t.Fatalf("forward failed (%v); the reference reads %s from frame %d", ferr, want, wantIdx)
			}
			return
		}
		if wantIdx < 0 || string(code) != want || !bytes.Equal(ack, frames[wantIdx]) {
			t.Fatalf("forward answered %s %q; the reference reads %q from frame %d of %q", code, ack, want, wantIdx, frames)
		}
		if wantApp && code == "CA" {
			t.Fatalf("a commit accept answered a monitor that expects an application ACK")
		}
	})
}
