package mllp

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// FuzzReadFrame feeds any input, in pseudo-random read sizes, to a Reader
// with any limit and either end-of-frame mode. It must not panic or hang,
// must never return a frame over its limit or grow its buffer past it, and
// must agree frame by frame with the byte-at-a-time reference model refRead.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte("\x0bMSH|^~\\&|MON|ICU\r\x1c\r"), uint16(64), false, uint64(1))
	f.Add([]byte("junk\x00\x0bMSH|1\x0bMSH|2\x1c\r\r\n\x0b\x06\x1c"), uint16(8), true, uint64(2))
	f.Fuzz(func(t *testing.T, in []byte, limit uint16, tolerate bool, seed uint64) {
		maxFrame := int(limit) + 1
		got, r, starts := readAll(t, newChunkReader(in, seed, 1+int(seed%64)), maxFrame, tolerate)
		want, skipped, wantStarts := refRead(in, maxFrame, tolerate)
		if d := diffResults(got, want); d != "" {
			t.Fatal(d)
		}
		if r.Skipped() != skipped || starts != wantStarts {
			t.Fatalf("Skipped %d, starts %d; reference %d, %d", r.Skipped(), starts, skipped, wantStarts)
		}
	})
}

// TestRoundTrip checks ReadFrame(WriteFrame(p)) == p for random payloads
// without framing bytes, written back to back through Writers of several
// buffer sizes and read back in random read sizes.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		payloads := make([][]byte, 1+rng.IntN(6))
		var wire bytes.Buffer
		w := NewWriterSize(&wire, []int{minWriteBuffer, 512, defaultWriteBuffer}[rng.IntN(3)])
		for j := range payloads {
			n := rng.IntN(64)
			if rng.IntN(4) == 0 {
				n = rng.IntN(40000)
			}
			payloads[j] = payloadBytes(rng, n)
			if err := w.WriteFrame(payloads[j]); err != nil {
				t.Fatal(err)
			}
		}
		r := NewReader(newChunkReader(wire.Bytes(), rng.Uint64(), 1+rng.IntN(9000)), 0)
		for j, want := range payloads {
			got, err := r.ReadFrame()
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("case %d frame %d: read %d bytes, %v; wrote %d bytes", i, j, len(got), err, len(want))
			}
		}
		if _, err := r.ReadFrame(); err != io.EOF || r.Skipped() != 0 {
			t.Fatalf("case %d: after the last frame: %v, skipped %d", i, err, r.Skipped())
		}
	}
}

// TestRoundTripTCP sends frames through a Writer over a real loopback TCP
// connection and reads them back with a Reader.
func TestRoundTripTCP(t *testing.T) {
	client, server := tcpPair(t)
	rng := rand.New(rand.NewPCG(3, 4))
	payloads := make([][]byte, 50)
	for i := range payloads {
		payloads[i] = payloadBytes(rng, rng.IntN(70000))
	}
	done := make(chan error, 1)
	go func() {
		w := NewWriter(client)
		for _, p := range payloads {
			if err := w.WriteFrame(p); err != nil {
				done <- err
				return
			}
		}
		done <- client.Close()
	}()
	r := NewReader(server, 0)
	for i, want := range payloads {
		got, err := r.ReadFrame()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: read %d bytes, %v; wrote %d bytes", i, len(got), err, len(want))
		}
	}
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("after the last frame: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
