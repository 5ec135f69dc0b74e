//go:build linux

package netns

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hl7gate/hl7gate/test/testkit"
)

// Allowed are the only networks tests may put on interfaces or use as
// gateways: the IPv4 documentation ranges (RFC 5737) and IPv6 unique local
// addresses.
func Allowed() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"),
		netip.MustParsePrefix("fd00::/8"),
	}
}

// Require skips the test unless it runs as root with the ip and nft
// binaries available (see .ci/deps). When the environment variable CI is
// "true" it fails instead, so these tests cannot silently not run in CI.
func Require(t testing.TB) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	for _, bin := range []string{"ip", "nft"} {
		if _, err := lookPath(bin); err != nil {
			missing = append(missing, bin+" binary (run .ci/deps)")
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "network namespace test needs " + strings.Join(missing, ", ")
	testkit.Unavailable(t, msg)
}

// NS is a named network namespace created by New.
type NS struct {
	name string
}

// New creates a namespace named "hl7t-<label>-<random>" with loopback up.
// t.Cleanup deletes it.
func New(t testing.TB, label string) *NS {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("netns: random suffix: %v", err)
	}
	n := &NS{name: "hl7t-" + label + "-" + hex.EncodeToString(b)}
	run(t, "ip", "netns", "add", n.name)
	t.Cleanup(func() {
		if out, err := exec.Command(mustLookPath(t, "ip"), "netns", "delete", n.name).CombinedOutput(); err != nil {
			t.Errorf("netns: delete %s: %v: %s", n.name, err, out)
		}
	})
	n.IP(t, "link", "set", "lo", "up")
	return n
}

// Name returns the namespace's name, as `ip netns` knows it.
func (n *NS) Name() string { return n.name }

// Do runs fn on an OS thread that has entered n. Sockets fn creates stay in
// n after it returns and may be used from any goroutine.
func (n *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go n.enter(fn, errc)
	return <-errc
}

// enter is Do's goroutine. If it cannot switch its thread back it returns
// still locked, and the runtime discards the thread.
func (n *NS) enter(fn func() error, errc chan<- error) {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		errc <- fmt.Errorf("netns: open current namespace: %w", err)
		return
	}
	defer orig.Close()
	target, err := os.Open(filepath.Join("/run/netns", n.name))
	if err != nil {
		errc <- fmt.Errorf("netns: open %s: %w", n.name, err)
		return
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		errc <- fmt.Errorf("netns: enter %s: %w", n.name, err)
		return
	}
	err = fn()
	if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
		runtime.UnlockOSThread()
	}
	errc <- err
}

// Command returns a command that runs name with args inside n
// (`ip netns exec`).
func (n *NS) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	ip, err := lookPath("ip")
	if err != nil {
		ip = "ip"
	}
	return exec.CommandContext(ctx, ip, append([]string{"netns", "exec", n.name, name}, args...)...)
}

// IP runs `ip -n <ns> args...` and returns its output; an error fails t.
func (n *NS) IP(t testing.TB, args ...string) string {
	t.Helper()
	return run(t, "ip", append([]string{"-n", n.name}, args...)...)
}

// Nft installs ruleset (nft -f syntax) in n; an error fails t.
func (n *NS) Nft(t testing.TB, ruleset string) {
	t.Helper()
	cmd := n.Command(t.Context(), mustLookPath(t, "nft"), "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("netns: nft -f in %s: %v: %s", n.name, err, out)
	}
}

// Sysctl sets a sysctl of n, key in dotted form (net.ipv4.ip_forward).
func (n *NS) Sysctl(t testing.TB, key, value string) {
	t.Helper()
	path := filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
	if err := n.Do(func() error { return os.WriteFile(path, []byte(value), 0o644) }); err != nil {
		t.Fatalf("netns: sysctl %s=%s in %s: %v", key, value, n.name, err)
	}
}

// AddAddr puts address p on dev in n (IPv6 without duplicate address
// detection, so it is usable at once). p must be inside Allowed.
func (n *NS) AddAddr(t testing.TB, dev string, p netip.Prefix) {
	t.Helper()
	mustAllow(t, p.Addr())
	args := []string{"addr", "add", p.String(), "dev", dev}
	if p.Addr().Is6() {
		args = append(args, "nodad")
	}
	n.IP(t, args...)
}

// AddRoute routes dst in n via gateway via, which must be inside Allowed.
// dst may be a default route: n has no link outside the test's namespaces.
func (n *NS) AddRoute(t testing.TB, dst netip.Prefix, via netip.Addr) {
	t.Helper()
	mustAllow(t, via)
	n.IP(t, "route", "add", dst.String(), "via", via.String())
}

// Listen listens on address inside n; t.Cleanup closes the listener.
func (n *NS) Listen(t testing.TB, network, address string) net.Listener {
	t.Helper()
	var ln net.Listener
	err := n.Do(func() (err error) {
		ln, err = net.Listen(network, address)
		return err
	})
	if err != nil {
		t.Fatalf("netns: listen %s %s in %s: %v", network, address, n.name, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// Dial connects to address from inside n.
func (n *NS) Dial(ctx context.Context, network, address string) (net.Conn, error) {
	var c net.Conn
	err := n.Do(func() (err error) {
		var d net.Dialer
		c, err = d.DialContext(ctx, network, address)
		return err
	})
	return c, err
}

// Link creates a veth pair, aDev in a and bDev in b, and sets both up.
func Link(t testing.TB, a *NS, aDev string, b *NS, bDev string) {
	t.Helper()
	run(t, "ip", "link", "add", aDev, "netns", a.name, "type", "veth", "peer", "name", bDev, "netns", b.name)
	a.IP(t, "link", "set", aDev, "up")
	b.IP(t, "link", "set", bDev, "up")
}

// Segment is the setup every namespace test starts from: a monitor namespace linked to a gateway
// namespace, the monitor side of the gateway. Mon has 198.51.100.2/24 and fd00:1::2/64 on device m0,
// GW has 198.51.100.1/24 and fd00:1::1/64 on device g0, and Mon's default routes (both families) go
// through GW.
type Segment struct {
	Mon, GW *NS
}

// Addresses of a Segment.
var (
	MonAddr4 = netip.MustParseAddr("198.51.100.2")
	MonAddr6 = netip.MustParseAddr("fd00:1::2")
	GWAddr4  = netip.MustParseAddr("198.51.100.1")
	GWAddr6  = netip.MustParseAddr("fd00:1::1")
)

// NewSegment creates a Segment; t.Cleanup deletes both namespaces.
func NewSegment(t testing.TB) Segment {
	t.Helper()
	s := Segment{Mon: New(t, "mon"), GW: New(t, "gw")}
	Link(t, s.Mon, "m0", s.GW, "g0")
	s.Mon.AddAddr(t, "m0", netip.PrefixFrom(MonAddr4, 24))
	s.Mon.AddAddr(t, "m0", netip.PrefixFrom(MonAddr6, 64))
	s.GW.AddAddr(t, "g0", netip.PrefixFrom(GWAddr4, 24))
	s.GW.AddAddr(t, "g0", netip.PrefixFrom(GWAddr6, 64))
	s.Mon.AddRoute(t, netip.MustParsePrefix("0.0.0.0/0"), GWAddr4)
	s.Mon.AddRoute(t, netip.MustParsePrefix("::/0"), GWAddr6)
	return s
}

// mustAllow fails t unless a is inside Allowed.
func mustAllow(t testing.TB, a netip.Addr) {
	t.Helper()
	for _, p := range Allowed() {
		if p.Contains(a) {
			return
		}
	}
	t.Fatalf("netns: %s is outside the ranges tests may use (%v)", a, Allowed())
}

// run runs a command and returns its output; an error fails t.
func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(mustLookPath(t, name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("netns: %s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// mustLookPath is lookPath failing t.
func mustLookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := lookPath(name)
	if err != nil {
		t.Fatalf("netns: %v", err)
	}
	return p
}

// lookPath finds name in PATH or in /usr/sbin and /sbin, which a non-root
// PATH may lack.
func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found in PATH, /usr/sbin or /sbin", name)
}
