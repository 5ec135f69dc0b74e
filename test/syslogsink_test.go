package test

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/test/testkit"
)

// syslogSink takes hl7gate's syslog export (TCP, octet counting) on ln and keeps the CEF part of each
// message.
type syslogSink struct {
	mu     sync.Mutex
	msgs   []string
	update changes
}

func newSyslogSink(t *testing.T, ln net.Listener) *syslogSink {
	t.Helper()
	s := &syslogSink{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.read(c)
		}
	}()
	return s
}

func (s *syslogSink) read(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		n, err := r.ReadString(' ')
		if err != nil {
			return
		}
		k, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil {
			return
		}
		msg := make([]byte, k)
		if _, err := io.ReadFull(r, msg); err != nil {
			return
		}
		s.mu.Lock()
		s.msgs = append(s.msgs, string(msg))
		s.mu.Unlock()
		s.update.bump()
	}
}

// waitCEF waits for a message of kind (the syslog MSGID) containing each of subs and returns its CEF
// extension fields.
func (s *syslogSink) waitCEF(t *testing.T, kind string, subs ...string) map[string]string {
	t.Helper()
	var found string
	match := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, m := range s.msgs {
			ok := strings.Contains(m, " "+kind+" ")
			for _, sub := range subs {
				ok = ok && strings.Contains(m, sub)
			}
			if ok {
				found = m
				return true
			}
		}
		return false
	}
	if !s.update.waitFor(10*time.Second, match) {
		s.mu.Lock()
		defer s.mu.Unlock()
		t.Fatalf("no %s with %q among:\n%s", kind, subs, strings.Join(s.msgs, "\n"))
	}
	_, ext := testkit.ParseCEF(t, found[strings.Index(found, "CEF:"):])
	return ext
}

// count says how many of the messages taken so far contain sub.
func (s *syslogSink) count(sub string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.msgs {
		if strings.Contains(m, sub) {
			n++
		}
	}
	return n
}
