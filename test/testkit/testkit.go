// Package testkit holds what the tests of several packages share that is no namespace (see test/netns):
// a real MLLP station on loopback, a log sink and an HTTP GET. Only tests import it.
package testkit

import (
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// AckStation is a central station on loopback that answers every message with AA and reuses its buffers,
// so that a benchmark's allocation count is the caller's. t.Cleanup closes it.
func AckStation(tb testing.TB) net.Addr { return GatedStation(tb, nil) }

// GatedStation is AckStation with a hook: before answering a message it calls before with the message
// (nil: none), so a test can see what arrived and hold the answer back.
func GatedStation(tb testing.TB, before func(m *hl7.Message)) net.Addr {
	tb.Helper()
	return ServeMLLP(tb, func(r *mllp.Reader, w *mllp.Writer) {
		var m hl7.Message
		var ack []byte
		for {
			frame, err := r.ReadFrame()
			if err != nil || m.Parse(frame) != nil {
				return
			}
			if before != nil {
				before(&m)
			}
			ack = hl7.AppendAck(ack[:0], &m, hl7.Ack{Code: hl7.AA, ControlID: "1"})
			if w.WriteFrame(ack) != nil {
				return
			}
		}
	})
}

// ServeMLLP listens on a loopback port until the test ends and runs serve on each connection, in its own
// goroutine, with the connection's MLLP reader and writer; the connection is closed when serve returns.
// It is the accept loop of every scripted station.
func ServeMLLP(tb testing.TB, serve func(r *mllp.Reader, w *mllp.Writer)) net.Addr {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(mllp.NewReader(c, 0), mllp.NewWriter(c))
			}()
		}
	}()
	return ln.Addr()
}

// LogBuffer is a log sink safe for concurrent writes.
type LogBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write implements io.Writer.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Get sends a GET for url, with the bearer token when it is not empty, and returns the response's
// status code and body. A request that fails to reach the server fails the test.
func Get(tb testing.TB, url, bearer string) (int, string) {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// Unavailable ends a test that needs what this machine lacks (root, or a program .ci/deps installs), said in
// what: skipped here, failed in CI (CI=true), where a test that silently did not run would pass.
func Unavailable(tb testing.TB, what string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatal(what)
	}
	tb.Skip(what)
}
