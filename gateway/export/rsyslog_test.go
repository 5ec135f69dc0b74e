package export

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// These tests send events to a real rsyslogd (Debian's rsyslog; rsyslog-gnutls for TLS), started by
// the test on a loopback port with its own configuration in a temporary directory. rsyslogd writes each
// message's parsed RFC 5424 fields, tab-separated, to a file that the test polls.

const rsyslogd = "/usr/sbin/rsyslogd"

func needRsyslog(t *testing.T, module string) {
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
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing; .ci/deps installs it", missing)
	}
	t.Skipf("%s is missing: install it to run this test", missing)
}

// receiver is one rsyslogd process and its files.
type receiver struct {
	t      *testing.T
	dir    string
	port   int
	out    string // where the template writes
	tls    *testPKI
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
}

func newReceiver(t *testing.T, pki *testPKI) *receiver {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &receiver{t: t, dir: dir, port: port, out: filepath.Join(dir, "out.log"), tls: pki}
	if err := os.Mkdir(filepath.Join(dir, "work"), 0o700); err != nil {
		t.Fatal(err)
	}
	var global, module string
	if pki != nil {
		global = fmt.Sprintf(` defaultNetstreamDriverCAFile=%q defaultNetstreamDriverCertFile=%q defaultNetstreamDriverKeyFile=%q`,
			pki.caFile, pki.certFile, pki.keyFile)
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
	t.Cleanup(r.kill)
	return r
}

// start runs rsyslogd in the foreground and waits until it accepts connections.
func (r *receiver) start() {
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
	waitFor(r.t, "rsyslogd to listen on "+addr, func() bool {
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

// kill stops rsyslogd with SIGKILL, as a crash would, and waits for it.
func (r *receiver) kill() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.exited
	r.cmd = nil
}

// record is one line of the receiver's output file.
type record struct {
	pri, version, timestamp, hostname, appName, procID, msgID, sd, msg string
}

// lines returns what the receiver wrote so far, one record per complete line.
func (r *receiver) lines() []record {
	b, err := os.ReadFile(r.out)
	if err != nil {
		return nil
	}
	var recs []record
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasSuffix(l, "\n") {
			break // not complete yet
		}
		f := strings.SplitN(strings.TrimSuffix(l, "\n"), "\t", 9)
		if len(f) != 9 {
			r.t.Fatalf("output line has %d fields: %q", len(f), l)
		}
		recs = append(recs, record{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]})
	}
	return recs
}

// waitLines polls the output file until it holds n records, within a bounded time.
func (r *receiver) waitLines(n int) []record {
	r.t.Helper()
	var recs []record
	waitFor(r.t, fmt.Sprintf("%d records from rsyslogd", n), func() bool {
		recs = r.lines()
		return len(recs) >= n
	})
	if len(recs) != n {
		r.t.Fatalf("%d records, want %d", len(recs), n)
	}
	return recs
}

// waitFor polls cond every 10ms until it holds; it fails the test after 15s.
func waitFor(t *testing.T, what string, cond func() bool) {
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

// testEvents is one event of each kind, with values that need escaping.
func testEvents(at time.Time) []Event {
	dev := Device{ID: "0009FBFFFF059322", Manufacturer: "Contec", Model: "CMS8000", Firmware: "CMS7.820.075.08/0.74(0.75)"}
	return []Event{
		{Kind: KindEgressAttempt, Time: at, Src: netip.MustParseAddrPort("10.20.0.7:41000"), Dst: netip.MustParseAddrPort("202.114.4.119:515"),
			Proto: "TCP", Action: "blocked", Rule: "watchlist 202.114.4.0/24", Device: dev, Count: 4, Listener: "sinkhole"},
		{Kind: KindWatchlistHit, Time: at.Add(time.Microsecond), Device: dev, Rule: "contec-cms8000",
			Advisory: "ICSMA-25-030-01 CVE-2024-12248 CVE-2025-0626 CVE-2025-0683 CVE-2025-1204", Detail: "model=CMS8000 | firmware matched\\all"},
		{Kind: KindConnectionRefused, Time: at.Add(2 * time.Millisecond), Src: netip.MustParseAddrPort("[fd00::7]:5000"), Listener: "icu-a",
			Action: "refused", Reason: "source not allowed"},
		{Kind: KindPolicyRejection, Time: at, Listener: "icu-a", Device: Device{ID: "MON7"}, Action: "rejected", Rule: "route", Reason: "no route for ORU^R01"},
		{Kind: KindVitalsEpisode, Time: at, Device: Device{ID: "MON7"}, Action: "open", Rule: "hr-spo2-agreement", Parameter: "147842",
			Detail: "ECG heart rate and SpO2 pulse rate disagree\nfor 3 messages", PatientData: "PID-3=SECRET"},
		{Kind: KindStationDown, Time: at, Station: "central-1", Dst: netip.MustParseAddrPort("10.30.0.2:2575"), Action: "down", Reason: "dial tcp: connection refused"},
		{Kind: KindStationUp, Time: at, Station: "central-1", Dst: netip.MustParseAddrPort("10.30.0.2:2575"), Action: "up", Severity: 2},
	}
}

func newTestSyslog(t *testing.T, cfg SyslogConfig) *Syslog {
	t.Helper()
	cfg.Hostname, cfg.AppName, cfg.Version = "gw-test", "hl7gate", "9.9.9"
	cfg.MinBackoff, cfg.MaxBackoff = 10*time.Millisecond, 100*time.Millisecond
	s, err := NewSyslog(cfg, zerolog.New(zerolog.NewTestWriter(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}

// checkRecord checks every field rsyslogd parsed from the message of e, the seq-th of its connection.
func checkRecord(t *testing.T, rec record, e Event, seq int) {
	t.Helper()
	if want := strconv.Itoa(DefaultFacility*8 + e.severity().syslog()); rec.pri != want {
		t.Errorf("%s: PRI %s, want %s", e.Kind, rec.pri, want)
	}
	if rec.version != "1" {
		t.Errorf("%s: version %q", e.Kind, rec.version)
	}
	if ts, err := time.Parse(time.RFC3339Nano, rec.timestamp); err != nil || !ts.Equal(e.Time.Truncate(time.Microsecond)) {
		t.Errorf("%s: timestamp %q (%v), want %s", e.Kind, rec.timestamp, err, e.Time.UTC().Format(time.RFC3339Nano))
	}
	if rec.hostname != "gw-test" || rec.appName != "hl7gate" || rec.procID != strconv.Itoa(os.Getpid()) || rec.msgID != string(e.Kind) {
		t.Errorf("%s: hostname %q app-name %q procid %q msgid %q", e.Kind, rec.hostname, rec.appName, rec.procID, rec.msgID)
	}
	if want := fmt.Sprintf(`[origin software="hl7gate" swVersion="9.9.9"][meta sequenceId="%d"]`, seq); rec.sd != want {
		t.Errorf("%s: structured data %q, want %q", e.Kind, rec.sd, want)
	}
	h, ext := parseCEF(t, rec.msg)
	wantHeader := []string{"CEF:0", "hl7gate", "hl7gate", "9.9.9", string(e.Kind), kindInfo[e.Kind].name, strconv.Itoa(int(e.severity()))}
	if strings.Join(h, "|") != strings.Join(wantHeader, "|") {
		t.Errorf("%s: CEF header %q, want %q", e.Kind, h, wantHeader)
	}
	want := map[string]string{"rt": strconv.FormatInt(e.Time.UnixMilli(), 10)}
	add := func(k, v string) {
		if v != "" {
			want[k] = v
		}
	}
	add("act", e.Action)
	add("proto", e.Proto)
	add("reason", e.Reason)
	add("msg", e.Detail)
	if e.Src.IsValid() {
		add("src", e.Src.Addr().String())
		add("spt", strconv.Itoa(int(e.Src.Port())))
	}
	if e.Dst.IsValid() {
		add("dst", e.Dst.Addr().String())
		add("dpt", strconv.Itoa(int(e.Dst.Port())))
	}
	if e.Count != 0 {
		add("cnt", strconv.FormatInt(e.Count, 10))
	}
	for _, l := range []struct{ key, label, v string }{
		{"cs1", "deviceId", e.Device.ID}, {"cs2", "listener", e.Listener}, {"cs3", "rule", e.Rule},
		{"cs4", "deviceModel", joinNonEmpty(e.Device.Manufacturer, e.Device.Model, e.Device.Firmware)},
		{"cs5", "advisory", e.Advisory}, {"cs6", "station", e.Station}, {"flexString1", "parameter", e.Parameter},
	} {
		if l.v != "" {
			want[l.key], want[l.key+"Label"] = l.v, l.label
		}
	}
	if fmt.Sprint(ext) != fmt.Sprint(want) {
		t.Errorf("%s: CEF extension\n got %v\nwant %v", e.Kind, ext, want)
	}
	if strings.Contains(rec.msg, "SECRET") {
		t.Errorf("%s: patient data exported without include_patient_data: %q", e.Kind, rec.msg)
	}
}

func TestSyslogRsyslogTCP(t *testing.T) {
	needRsyslog(t, "")
	r := newReceiver(t, nil)
	r.start()
	s := newTestSyslog(t, SyslogConfig{Address: net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)), Transport: "tcp"})
	events := testEvents(time.Now().Add(-time.Hour))
	for _, e := range events {
		s.Send(e)
	}
	recs := r.waitLines(len(events))
	for i, e := range events {
		checkRecord(t, recs[i], e, i+1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Sent != uint64(len(events)) || st.Dropped != 0 || st.Reconnects != 0 || st.Queued != 0 {
		t.Fatalf("stats %+v", st)
	}
	s.Send(events[0])
	if st := s.Stats(); st.Dropped != 1 {
		t.Fatalf("an event sent after Close is not counted as dropped: %+v", st)
	}
}

func TestSyslogRsyslogTLS(t *testing.T) {
	needRsyslog(t, "lmnsd_gtls")
	pki := newTestPKI(t)
	r := newReceiver(t, pki)
	r.start()

	// A sender that trusts another CA does not send to this receiver.
	other := newTestPKI(t)
	distrust := newTestSyslog(t, SyslogConfig{Name: "distrust", Address: net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)),
		Transport: "tls", CAFile: other.caFile})
	distrust.Send(testEvents(time.Now())[0])
	waitFor(t, "a failed TLS handshake", func() bool { return distrust.Stats().DialErrors > 0 })
	if st := distrust.Stats(); st.Sent != 0 || st.Connected || st.Queued != 1 {
		t.Fatalf("sender with the wrong CA: %+v", st)
	}

	s := newTestSyslog(t, SyslogConfig{Address: net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)), Transport: "tls", CAFile: pki.caFile})
	events := testEvents(time.Now())
	for _, e := range events {
		s.Send(e)
	}
	recs := r.waitLines(len(events)) // and not one more, from the sender that distrusts it
	for i, e := range events {
		checkRecord(t, recs[i], e, i+1)
	}
	if st := s.Stats(); st.Sent != uint64(len(events)) || !st.Connected {
		t.Fatalf("stats %+v", st)
	}
}

func TestSyslogReconnect(t *testing.T) {
	needRsyslog(t, "")
	r := newReceiver(t, nil)
	r.start()
	const buffer = 8
	s := newTestSyslog(t, SyslogConfig{Address: net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)), Transport: "tcp", Buffer: buffer})
	numbered := func(n int) Event { return Event{Kind: KindEgressAttempt, Action: "blocked", Count: int64(n)} }
	counts := func(recs []record) (cnt, seq []string) {
		for _, rec := range recs {
			_, ext := parseCEF(t, rec.msg)
			cnt = append(cnt, ext["cnt"])
			seq = append(seq, strings.TrimSuffix(strings.TrimPrefix(rec.sd, `[origin software="hl7gate" swVersion="9.9.9"][meta sequenceId="`), `"]`))
		}
		return cnt, seq
	}
	for i := 1; i <= 3; i++ {
		s.Send(numbered(i))
	}
	r.waitLines(3)

	r.kill()
	// Once a connection attempt has failed, the receiver is gone and the sender waits in its backoff.
	waitFor(t, "a failed connection attempt", func() bool { return s.Stats().DialErrors > 0 })
	for i := 4; i <= 3+buffer+5; i++ { // 8 fit in the buffer, 5 are dropped
		s.Send(numbered(i))
	}
	if st := s.Stats(); st.Dropped != 5 || st.Queued != buffer {
		t.Fatalf("while the receiver is down: %+v, want 5 dropped and %d queued", st, buffer)
	}

	r.start()
	recs := r.waitLines(3 + buffer)
	s.Send(numbered(100))
	recs = r.waitLines(3 + buffer + 1)
	cnt, seq := counts(recs)
	if got, want := strings.Join(cnt, " "), "1 2 3 4 5 6 7 8 9 10 11 100"; got != want {
		t.Fatalf("events received %s, want %s", got, want)
	}
	// The five dropped events leave a gap in the sequence IDs the SIEM sees.
	if got, want := strings.Join(seq, " "), "1 2 3 4 5 6 7 8 9 10 11 17"; got != want {
		t.Fatalf("sequence IDs %s, want %s", got, want)
	}
	// A sender may reach the dying receiver's listener once more while it exits: one reconnect or two.
	if st := s.Stats(); st.Sent != 3+buffer+1 || st.Dropped != 5 || st.Reconnects < 1 || st.Reconnects > 2 || !st.Connected {
		t.Fatalf("after the restart: %+v", st)
	}
}

// testPKI is a CA and a server certificate for 127.0.0.1, generated for one test.
type testPKI struct{ caFile, certFile, keyFile string }

func newTestPKI(t *testing.T) *testPKI {
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
	return &testPKI{
		caFile:   write("ca.pem", "CERTIFICATE", caDER),
		certFile: write("cert.pem", "CERTIFICATE", srvDER),
		keyFile:  write("key.pem", "PRIVATE KEY", keyDER),
	}
}
