package test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// testPKI is a CA and the certificates a TLS test needs, as files (for the gateway's config) and as
// loaded values (for the test's peers).
type testPKI struct {
	dir    string
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	caFile string
	pool   *x509.CertPool
}

func newPKI(t *testing.T) *testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hl7gate test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	p := &testPKI{dir: t.TempDir(), ca: ca, caKey: key, pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.caFile = p.write(t, "ca.crt", "CERTIFICATE", der)
	return p
}

func (p *testPKI) write(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// issue makes a certificate for 127.0.0.1 (server and client use) and returns it loaded and as files.
func (p *testPKI) issue(t *testing.T, name string) (tls.Certificate, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile := p.write(t, name+".crt", "CERTIFICATE", der)
	keyFile := p.write(t, name+".key", "EC PRIVATE KEY", kder)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return cert, certFile, keyFile
}

// tlsGateway starts a gateway whose listener requires TLS with client certificates of p's CA, and
// returns it with a client certificate a monitor can use.
func tlsGateway(t *testing.T, p *testPKI, edit func(*config.Config)) (*gateway.Gateway, *syncBuffer, tls.Certificate) {
	t.Helper()
	st := newStation(t, accept)
	cfg := baseConfig(st)
	_, cert, key := p.issue(t, "gateway")
	cfg.Listeners[0].TLS = config.ServerTLS{CertFile: cert, KeyFile: key, ClientCAFile: p.caFile}
	if edit != nil {
		edit(&cfg)
	}
	monitorCert, _, _ := p.issue(t, "monitor")
	g, logs := startGateway(t, cfg)
	return g, logs, monitorCert
}

// dialTLSMonitor connects to addr over TLS with tc and completes the handshake.
func dialTLSMonitor(t *testing.T, addr net.Addr, tc *tls.Config) (*monitor, *tls.Conn) {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr.String(), tc)
	if err != nil {
		t.Fatalf("tls dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &monitor{c: c, r: mllp.NewReader(c, 0), w: mllp.NewWriter(c)}, c
}

// A monitor with a certificate of the configured CA is served over TLS like one over TCP: the station
// gets the message byte for byte and the monitor the station's ACK.
func TestTLSListenerSession(t *testing.T) {
	p := newPKI(t)
	g, _, cert := tlsGateway(t, p, nil)
	m, c := dialTLSMonitor(t, g.ListenerAddr("icu"), &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{cert}})
	for i := range 3 {
		ctrl := fmt.Sprintf("T%d", i)
		if code, id, _ := m.mustAck(t, oru("MON1", ctrl)); code != hl7.AA || id != ctrl {
			t.Fatalf("ACK %s for %q, want AA for %s", code, id, ctrl)
		}
	}
	if v := c.ConnectionState().Version; v < tls.VersionTLS12 {
		t.Errorf("TLS version %x", v)
	}
}

// Every failed handshake is counted in connections_refused and recorded as a connection event: a client
// without a certificate, one that speaks plaintext MLLP, and one that offers only the CBC/SHA-1 suites
// of TLS 1.2 that the listener no longer accepts.
func TestTLSHandshakeFailuresRecorded(t *testing.T) {
	p := newPKI(t)
	g, logs, cert := tlsGateway(t, p, nil)
	addr := g.ListenerAddr("icu")
	noCert := &tls.Config{RootCAs: p.pool}
	cbc := &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}}
	for _, tc := range []*tls.Config{noCert, cbc} {
		c, err := tls.Dial("tcp", addr.String(), tc)
		if err == nil {
			// TLS 1.3: the client learns of the rejected certificate on its first read.
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = c.Read(make([]byte, 1))
			c.Close()
		}
		if err == nil || os.IsTimeout(err) {
			t.Fatalf("handshake not refused: %v", err)
		}
	}
	plain := dialMonitor(t, addr)
	if _, err := plain.send(oru("MON1", "P1"), 5*time.Second); err == nil {
		t.Fatal("a plaintext client got an answer from a TLS listener")
	}
	// A client can see its handshake fail before the gateway's side of it has returned (the alert goes out
	// inside the handshake), so wait for the third refusal's log line, written after its metric and event.
	logs.waitCount(t, `"reason":"tls_handshake"`, 3)
	if n := metricValue(t, g, "hl7gate_connections_refused_total", "reason", "tls_handshake"); n != 3 {
		t.Errorf("connections_refused{reason=tls_handshake} = %v, want 3", n)
	}
	evs := g.Store().Events(store.KindConnection, 0, 0)
	if len(evs) != 3 {
		t.Fatalf("connection events = %+v, want 3", evs)
	}
	for _, e := range evs {
		if !strings.HasPrefix(e.Reason, "tls_handshake: tls handshake:") || e.Source != "127.0.0.1" {
			t.Errorf("event %+v", e)
		}
	}
}

// The listener issues no session tickets: a second connection with a session cache does a full
// handshake and presents its certificate again (a ticket would skip that for up to 7 days).
func TestTLSNoSessionResumption(t *testing.T) {
	p := newPKI(t)
	g, _, cert := tlsGateway(t, p, nil)
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		tc := &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{cert}, MaxVersion: version,
			ClientSessionCache: tls.NewLRUClientSessionCache(4)}
		for i := range 2 {
			m, c := dialTLSMonitor(t, g.ListenerAddr("icu"), tc)
			m.mustAck(t, oru("MON1", fmt.Sprintf("R%x%d", version, i))) // a TLS 1.3 ticket arrives with the first records
			if c.ConnectionState().DidResume {
				t.Errorf("TLS %x: connection %d resumed a session", version, i)
			}
			c.Close()
		}
	}
}

// Stalled handshakes from a monitor's own address do not lock the monitor out: they hold handshake
// slots, not the source's connection slots, and a new connection from the source closes the oldest
// stalled one. A stalled handshake ends after handshake_timeout and is recorded.
func TestTLSStalledHandshakesDoNotLockOut(t *testing.T) {
	p := newPKI(t)
	const perSource = 4
	g, _, cert := tlsGateway(t, p, func(c *config.Config) {
		c.Listeners[0].MaxPerSource = perSource
		c.Listeners[0].HandshakeTimeout = time.Second
	})
	addr := g.ListenerAddr("icu")
	var stalled []net.Conn
	for range 50 {
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		stalled = append(stalled, c)
	}
	m, _ := dialTLSMonitor(t, addr, &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{cert}})
	if code, _, _ := m.mustAck(t, oru("MON1", "S1")); code != hl7.AA {
		t.Fatalf("monitor behind stalled handshakes: %s", code)
	}
	// Every stalled connection is closed by the gateway, evicted by a newer one or at handshake_timeout
	// (at least the perSource-1 still waiting when the monitor's handshake took its slot), and recorded.
	for _, c := range stalled {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("stalled connection: %v, want closed by the gateway", err)
		}
	}
	evicted, timedOut := metricValue(t, g, "hl7gate_connections_refused_total", "reason", "handshake_evicted"), metricValue(t, g, "hl7gate_connections_refused_total", "reason", "tls_handshake")
	if evicted+timedOut != 50 || timedOut < perSource-1 {
		t.Errorf("refused: %v evicted + %v timed out, want 50 with at least %d timed out", evicted, timedOut, perSource-1)
	}
	// Repeats of one refusal from one source are one event whose Count the gateway folds in every second
	// (event aggregation): wait, bounded, for the fold.
	var timeouts int
	for deadline := time.Now().Add(5 * time.Second); ; {
		timeouts = 0
		for _, e := range g.Store().Events(store.KindConnection, 0, 0) {
			if e.Reason == "tls_handshake: tls handshake: timeout" {
				timeouts += int(max(e.Count, 1))
			}
		}
		if timeouts >= perSource-1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if timeouts < perSource-1 {
		t.Errorf("%d handshake timeouts recorded as events, want at least %d: %+v", timeouts, perSource-1, g.Store().Events(store.KindConnection, 0, 0))
	}
	// The monitor is still served.
	if code, _, _ := m.mustAck(t, oru("MON1", "S2")); code != hl7.AA {
		t.Fatalf("monitor after the stalled handshakes: %s", code)
	}
}

// A station that accepts TCP and never answers the TLS handshake costs each dial at most the message's
// ack_timeout: every monitor gets its AE in time, also those whose messages waited for the pool.
func TestStationTLSHandshakeBounded(t *testing.T) {
	p := newPKI(t)
	ln := acceptConns(t, nil) // accepts and never says a word
	cfg := baseConfig()
	cfg.Stations = []config.StationConfig{{Name: "central0", Address: ln.Addr().String(), Connections: 2,
		AckTimeout: 500 * time.Millisecond, ConnectTimeout: 5 * time.Second,
		TLS: config.ClientTLS{CAFile: p.caFile}}}
	g, _ := startGateway(t, cfg)
	const monitors = 4
	errs := make(chan error, monitors)
	for i := range monitors {
		go func() {
			m := dialMonitor(t, g.ListenerAddr("icu"))
			start := time.Now()
			ack, err := m.send(oru(fmt.Sprintf("MON%d", i), fmt.Sprintf("H%d", i)), 4*time.Second)
			if err != nil {
				errs <- fmt.Errorf("monitor %d: no answer after %v: %w", i, time.Since(start), err)
				return
			}
			code, _, err := decodeAck(ack)
			if err == nil && code != hl7.AE {
				err = fmt.Errorf("ACK %s, want AE", code)
			}
			if d := time.Since(start); err == nil && d > 2*time.Second {
				err = fmt.Errorf("AE after %v, ack_timeout is 500ms", d)
			}
			errs <- err
		}()
	}
	for range monitors {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// Shutdown while TLS sessions have just finished their handshakes touches only the accepted connection,
// never the TLS connection the session's handshake put in its place (a data race the race detector
// reports otherwise: run with -race).
func TestShutdownWithTLSSessions(t *testing.T) {
	p := newPKI(t)
	g, _, cert := tlsGateway(t, p, nil)
	var ms []*monitor
	for range 4 {
		m, _ := dialTLSMonitor(t, g.ListenerAddr("icu"), &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{cert}})
		ms = append(ms, m)
	}
	if err := g.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		m.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := m.r.ReadFrame(); err == nil || os.IsTimeout(err) {
			t.Fatalf("session still open after shutdown: %v", err)
		}
	}
}

// The loopback admin endpoint answers only requests that name the loopback interface in Host, so a web
// page in a browser on the gateway host cannot reach it under a name of its own (DNS rebinding).
func TestAdminHostChecked(t *testing.T) {
	cfg := baseConfig(newStation(t, accept))
	cfg.Admin = config.AdminConfig{Address: "127.0.0.1:0"}
	g, _ := startGateway(t, cfg)
	_, port, _ := net.SplitHostPort(g.AdminAddr().String())
	for _, tc := range []struct {
		host string
		want int
	}{
		{"127.0.0.1:" + port, 200}, {"localhost:" + port, 200}, {"LOCALHOST", 200}, {"127.0.0.2", 200}, {"[::1]:" + port, 200},
		{"rebind.example:" + port, http.StatusMisdirectedRequest}, {"192.0.2.1:" + port, http.StatusMisdirectedRequest},
		{"localhost.rebind.example", http.StatusMisdirectedRequest},
	} {
		req, _ := http.NewRequest("GET", "http://"+g.AdminAddr().String()+"/api/stations", nil)
		req.Host = tc.host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("Host %s: %d, want %d", tc.host, resp.StatusCode, tc.want)
		}
		if tc.want != 200 && bytes.Contains(body, []byte("central0")) {
			t.Errorf("Host %s: body carries the station list", tc.host)
		}
	}
}
