package testkit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A real syslog receiver for the tests of gateway/export and test/: Debian's rsyslogd (rsyslog-gnutls for
// TLS), started by the test on a loopback port with its own configuration in a temporary directory. It
// writes each message's parsed RFC 5424 fields, tab-separated, to a file the test polls.

// rsyslogd is Debian's rsyslog daemon.
const rsyslogd = "/usr/sbin/rsyslogd"

// NeedRsyslog skips the test when rsyslogd (or its module, e.g. lmnsd_gtls for TLS) is missing, and
// fails it in CI, where .ci/deps installs them.
func NeedRsyslog(t testing.TB, module string) {
	t.Helper()
	missing := ""
	if _, err := os.Stat(rsyslogd); err != nil {
		missing = rsyslogd + " (Debian package rsyslog)"
	} else if module != "" {
		if m, _ := filepath.Glob("/usr/lib/*/rsyslog/" + module + ".so"); len(m) == 0 {
			missing = module + " (Debian package rsyslog-gnutls)"
		}
	}
	if missing == "" {
		return
	}
	Unavailable(t, missing+" is missing (bash .ci/deps installs it)")
}

// Rsyslog is one rsyslogd process, listening on a loopback port, and its files.
type Rsyslog struct {
	t      testing.TB
	dir    string
	port   int
	out    string // where the template writes
	tls    *PKI
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
}

// NewRsyslog configures an rsyslogd (TLS with pki's server certificate when pki is not nil) that writes
// each message's parsed RFC 5424 fields to a file; Start runs it, t.Cleanup kills it.
func NewRsyslog(t testing.TB, pki *PKI) *Rsyslog {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &Rsyslog{t: t, dir: dir, port: port, out: filepath.Join(dir, "out.log"), tls: pki}
	if err := os.Mkdir(filepath.Join(dir, "work"), 0o700); err != nil {
		t.Fatal(err)
	}
	var global, module string
	if pki != nil {
		global = fmt.Sprintf(` defaultNetstreamDriverCAFile=%q defaultNetstreamDriverCertFile=%q defaultNetstreamDriverKeyFile=%q`,
			pki.CAFile, pki.CertFile, pki.KeyFile)
		module = ` StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon"`
	}
	conf := fmt.Sprintf(`global(workDirectory=%q%s)
module(load="imtcp"%s)
template(name="fields" type="list") {
	property(name="pri") constant(value="\t")
	property(name="protocol-version") constant(value="\t")
	property(name="timereported" dateFormat="rfc3339") constant(value="\t")
	property(name="hostname") constant(value="\t")
	property(name="app-name") constant(value="\t")
	property(name="procid") constant(value="\t")
	property(name="msgid") constant(value="\t")
	property(name="structured-data") constant(value="\t")
	property(name="msg") constant(value="\n")
}
ruleset(name="export") {
	action(type="omfile" file=%q template="fields")
}
input(type="imtcp" address="127.0.0.1" port="%d" ruleset="export")
`, filepath.Join(dir, "work"), global, module, r.out, port)
	if err := os.WriteFile(filepath.Join(dir, "rsyslog.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Kill)
	return r
}

// Start runs rsyslogd in the foreground and waits until it accepts connections.
func (r *Rsyslog) Start() {
	r.t.Helper()
	logPath := filepath.Join(r.dir, "rsyslogd.stderr")
	logFile, err := os.Create(logPath)
	if err != nil {
		r.t.Fatal(err)
	}
	defer logFile.Close()
	r.cmd = exec.Command(rsyslogd, "-n", "-f", filepath.Join(r.dir, "rsyslog.conf"), "-i", filepath.Join(r.dir, "rsyslogd.pid"))
	r.cmd.Stdout, r.cmd.Stderr = logFile, logFile
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	exited := make(chan struct{})
	r.exited = exited
	go func(cmd *exec.Cmd) { cmd.Wait(); close(exited) }(r.cmd)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port))
	WaitFor(r.t, "rsyslogd to listen on "+addr, func() bool {
		select {
		case <-exited:
			out, _ := os.ReadFile(logPath)
			r.t.Fatalf("rsyslogd exited: %s", out)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// Kill stops rsyslogd with SIGKILL, as a crash would, and waits for it.
func (r *Rsyslog) Kill() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.exited
	r.cmd = nil
}

// Out is the file rsyslogd writes the records to.
func (r *Rsyslog) Out() string { return r.out }

// Addr is the receiver's address, host:port.
func (r *Rsyslog) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// SyslogRecord is one message as rsyslogd parsed it: the RFC 5424 header fields, the structured data
// and the message.
type SyslogRecord struct {
	PRI, Version, Timestamp, Hostname, AppName, ProcID, MsgID, SD, Msg string
}

// Lines returns what the receiver wrote so far, one record per complete line.
func (r *Rsyslog) Lines() []SyslogRecord {
	b, err := os.ReadFile(r.out)
	if err != nil {
		return nil
	}
	var recs []SyslogRecord
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasSuffix(l, "\n") {
			break // not complete yet
		}
		f := strings.SplitN(strings.TrimSuffix(l, "\n"), "\t", 9)
		if len(f) != 9 {
			r.t.Fatalf("output line has %d fields: %q", len(f), l)
		}
		recs = append(recs, SyslogRecord{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]})
	}
	return recs
}

// WaitLines polls the output file until it holds n records, within a bounded time, and fails the test
// if it then holds more.
func (r *Rsyslog) WaitLines(n int) []SyslogRecord {
	r.t.Helper()
	var recs []SyslogRecord
	WaitFor(r.t, fmt.Sprintf("%d records from rsyslogd", n), func() bool {
		recs = r.Lines()
		return len(recs) >= n
	})
	if len(recs) != n {
		r.t.Fatalf("%d records, want %d", len(recs), n)
	}
	return recs
}

// WaitFor polls cond every 10ms until it holds; it fails the test after 15s. For state that sends no
// signal: a file another process writes, a counter of a sender.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// PKI is a CA and a server certificate for 127.0.0.1, generated for one test, as PEM files.
type PKI struct{ CAFile, CertFile, KeyFile string }

// NewPKI generates a PKI in a temporary directory.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	dir := t.TempDir()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	now := time.Now()
	caKey := newKey()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hl7gate test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	srvKey := newKey()
	srvTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	return &PKI{
		CAFile:   write("ca.pem", "CERTIFICATE", caDER),
		CertFile: write("cert.pem", "CERTIFICATE", srvDER),
		KeyFile:  write("key.pem", "PRIVATE KEY", keyDER),
	}
}

// ParseCEF is an independent reader of CEF lines, written from the format's rules rather than from
// Append: seven header fields split on unescaped '|', then key=value pairs where a key is the word
// before an unescaped '='.
func ParseCEF(t testing.TB, line string) (header []string, ext map[string]string) {
	t.Helper()
	var cur strings.Builder
	i := 0
	for ; i < len(line) && len(header) < 7; i++ {
		switch c := line[i]; {
		case c == '\\' && i+1 < len(line) && (line[i+1] == '\\' || line[i+1] == '|'):
			cur.WriteByte(line[i+1])
			i++
		case c == '|':
			header = append(header, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if len(header) != 7 {
		t.Fatalf("header has %d fields: %q", len(header), line)
	}
	rest := line[i:]
	// Positions of unescaped '=' in rest.
	var eqs []int
	for j := 0; j < len(rest); j++ {
		if rest[j] == '\\' {
			j++
			continue
		}
		if rest[j] == '=' {
			eqs = append(eqs, j)
		}
	}
	ext = map[string]string{}
	unescape := func(v string) string {
		var b strings.Builder
		for j := 0; j < len(v); j++ {
			if v[j] == '\\' && j+1 < len(v) {
				j++
				switch v[j] {
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				default:
					b.WriteByte(v[j])
				}
				continue
			}
			b.WriteByte(v[j])
		}
		return b.String()
	}
	keyStart := func(eq, floor int) int {
		k := strings.LastIndexByte(rest[floor:eq], ' ')
		if k < 0 {
			return floor
		}
		return floor + k + 1
	}
	prevEq := -1
	for n, eq := range eqs {
		ks := keyStart(eq, prevEq+1)
		key := rest[ks:eq]
		if key == "" || strings.ContainsAny(key, " \\") {
			t.Fatalf("bad key %q in %q", key, line)
		}
		end := len(rest)
		if n+1 < len(eqs) {
			end = keyStart(eqs[n+1], eq+1) - 1 // the separating space
		}
		if _, dup := ext[key]; dup {
			t.Fatalf("key %q twice in %q", key, line)
		}
		ext[key] = unescape(rest[eq+1 : end])
		prevEq = eq
	}
	return header, ext
}
