//go:build linux

package netns_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/test/netns"
)

func TestLinkDialBothFamilies(t *testing.T) {
	netns.Require(t)
	seg := netns.NewSegment(t)
	a, b := seg.GW, seg.Mon
	// b reaches 203.0.113.0/24 only through a (its default route), where it is a local address.
	a.IP(t, "addr", "add", "203.0.113.7/32", "dev", "lo")

	ln := a.Listen(t, "tcp", ":0")
	port := ln.Addr().(*net.TCPAddr).Port
	go echoOnce(ln)

	for _, tc := range []struct{ name, host string }{
		{"ipv4", netns.GWAddr4.String()},
		{"ipv6", netns.GWAddr6.String()},
		{"routed", "203.0.113.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			c, err := b.Dial(ctx, "tcp", net.JoinHostPort(tc.host, strconv.Itoa(port)))
			if err != nil {
				t.Fatalf("dial from b: %v", err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.WriteString(c, "ping"); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 4)
			if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
				t.Fatalf("echo = %q, %v; want ping", buf, err)
			}
		})
	}

	// The host's own namespace cannot reach a's addresses: nothing is
	// linked to it.
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	var d net.Dialer
	if c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(netns.GWAddr4.String(), strconv.Itoa(port))); err == nil {
		c.Close()
		t.Error("dial from the host namespace reached a test namespace")
	}
}

// echoOnce serves each accepted connection by echoing it back.
func echoOnce(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			io.Copy(c, c)
		}()
	}
}

func TestDoRunsInsideAndReturnsError(t *testing.T) {
	netns.Require(t)
	n := netns.New(t, "do")
	n.IP(t, "link", "add", "d0", "type", "veth", "peer", "name", "d1")

	var names []string
	if err := n.Do(func() error {
		ifs, err := net.Interfaces()
		for _, i := range ifs {
			names = append(names, i.Name)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	if got := strings.Join(names, ","); got != "d0,d1,lo" {
		t.Errorf("interfaces inside = %s, want d0,d1,lo", got)
	}

	sentinel := errors.New("from fn")
	if err := n.Do(func() error { return sentinel }); !errors.Is(err, sentinel) {
		t.Errorf("Do error = %v, want %v", err, sentinel)
	}

	n.Sysctl(t, "net.ipv4.ip_forward", "1")
	out, err := n.Command(t.Context(), "cat", "/proc/sys/net/ipv4/ip_forward").Output()
	if err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Errorf("ip_forward inside = %q, %v; want 1", out, err)
	}
}

func TestCleanupDeletesNamespace(t *testing.T) {
	netns.Require(t)
	var name string
	t.Run("create", func(t *testing.T) {
		n := netns.New(t, "gone")
		name = n.Name()
		if _, err := os.Stat(filepath.Join("/run/netns", name)); err != nil {
			t.Fatalf("namespace not created: %v", err)
		}
	})
	if _, err := os.Stat(filepath.Join("/run/netns", name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("namespace %s still there after cleanup: %v", name, err)
	}
}

func TestNftInstallsRules(t *testing.T) {
	netns.Require(t)
	n := netns.New(t, "nft")
	n.Nft(t, "table inet probe {\n\tchain c {\n\t\ttype filter hook input priority 0;\n\t}\n}\n")
	out, err := n.Command(t.Context(), "nft", "list", "tables").Output()
	if err != nil || !strings.Contains(string(out), "table inet probe") {
		t.Errorf("nft list tables inside = %q, %v", out, err)
	}
}
