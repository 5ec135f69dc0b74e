package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/internal/loadgen"
)

// runJSON runs hl7load with args and decodes its JSON report.
func runJSON(t *testing.T, args ...string) (loadgen.Report, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, append(args, "--json"), &stdout, &stderr)
	var rep loadgen.Report
	if stdout.Len() > 0 {
		if jerr := json.Unmarshal(stdout.Bytes(), &rep); jerr != nil {
			t.Fatalf("report is not JSON: %v\n%s", jerr, stdout.Bytes())
		}
	}
	return rep, err
}

// startStation runs a station with its HTTP endpoint until the test ends.
func startStation(t *testing.T) (mllpAddr, httpURL string) {
	t.Helper()
	st := loadgen.NewStation(loadgen.AckMode{Code: hl7.AA})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- st.Serve(ctx, ln) }()
	hs := &http.Server{Handler: st.Handler()}
	go hs.Serve(hln)
	t.Cleanup(func() {
		cancel()
		hs.Close()
		if err := <-done; err != nil {
			t.Errorf("station: %v", err)
		}
	})
	return ln.Addr().String(), "http://" + hln.Addr().String()
}

func TestRunInOneProcess(t *testing.T) {
	rep, err := runJSON(t, "run", "-n", "3", "--messages", "4", "--duration", "0", "--size", "4k", "--manipulation", "hr_step", "--scenario", "small", "--relay", "direct")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 12 || rep.Answers["AA"] != 12 || rep.Station == nil || rep.Station.Received != 12 || rep.Failed {
		t.Errorf("report %+v, want 12 sent, AA and received, not failed", rep)
	}
	if rep.Scenario != "small" || rep.Relay != "direct" || rep.Mode != "closed" || rep.Latency.Count != 12 {
		t.Errorf("report labels/mode/latency: %q %q %q %d", rep.Scenario, rep.Relay, rep.Mode, rep.Latency.Count)
	}
}

func TestMonitorsVerifyOverHTTPWithPID(t *testing.T) {
	addr, url := startStation(t)
	rep, err := runJSON(t, "monitors", "--addr", addr, "--station", url, "-n", "2", "--rate", "100", "--messages", "3",
		"--duration", "0", "--pid", fmt.Sprint(os.Getpid()), "--sources", "127.0.0.1-127.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 6 || rep.Station == nil || rep.Station.Received != 6 || rep.Failed || rep.Mode != "open" {
		t.Errorf("report %+v, want 6 sent and received, open loop, not failed", rep)
	}
	if g := rep.Gateway; g == nil || !slices.Equal(g.PIDs, []int{os.Getpid()}) || g.PeakRSS == 0 {
		t.Errorf("gateway usage %+v, want this process's figures", rep.Gateway)
	}
}

// TestMonitorsPrebuilt runs the light driver (--prebuilt), clean and with a manipulation on every message,
// against the station and checks every message arrived once, unchanged and in order.
func TestMonitorsPrebuilt(t *testing.T) {
	for _, extra := range [][]string{nil, {"--manipulation", "range", "--manipulate-at", "1"}, {"--manipulation", "range", "--manipulate-at", "1", "--manipulated", "1"}} {
		addr, url := startStation(t) // a fresh one: both runs use the same control IDs
		args := append([]string{"monitors", "--addr", addr, "--station", url, "-n", "3", "--messages", "7", "--duration", "0", "--prebuilt", "2"}, extra...)
		rep, err := runJSON(t, args...)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if st := rep.Station; rep.Sent != 21 || rep.Answers["AA"] != 21 || st == nil || st.Received != 21 || rep.Failed {
			t.Errorf("%q: report %+v, want 21 sent, AA and received, not failed", args, rep)
		}
	}
}

func TestMonitorsFailWhenStationLacksMessages(t *testing.T) {
	sendTo, _ := startStation(t)
	_, verifyAgainst := startStation(t) // a station that received nothing
	rep, err := runJSON(t, "monitors", "--addr", sendTo, "--station", verifyAgainst, "-n", "2", "--messages", "3", "--duration", "0")
	if !errors.Is(err, errFailed) {
		t.Fatalf("run = %v, want errFailed", err)
	}
	if rep.Station == nil || rep.Station.Lost != 6 || !rep.Failed {
		t.Errorf("report %+v, want 6 lost and failed", rep)
	}
}

func TestStationAndMonitorsProcessesTalk(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stCtx, stopStation := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	var stOut bytes.Buffer
	stDone := make(chan error, 1)
	go func() {
		stDone <- run(stCtx, []string{"station", "--addr", "127.0.0.1:0", "--http", "127.0.0.1:0"}, &stOut, pw)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	var mllpAddr, httpAddr, mode string
	if _, err := fmt.Sscanf(line, "station: mllp %s http %s ack %s", &mllpAddr, &httpAddr, &mode); err != nil {
		t.Fatalf("station banner %q: %v", line, err)
	}
	mllpAddr, httpAddr = strings.TrimSuffix(mllpAddr, ","), strings.TrimSuffix(httpAddr, ",")
	rep, err := runJSON(t, "monitors", "--addr", mllpAddr, "--station", "http://"+httpAddr, "-n", "4", "--messages", "5", "--duration", "0")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Station == nil || rep.Station.Received != 20 {
		t.Errorf("verification %+v, want 20 received", rep.Station)
	}
	stopStation()
	if err := <-stDone; err != nil {
		t.Fatal(err)
	}
	var stats loadgen.StationStats
	if err := json.Unmarshal(stOut.Bytes(), &stats); err != nil {
		t.Fatalf("station stats: %v: %s", err, stOut.Bytes())
	}
	if stats.Received != 20 || stats.Connections != 4 || stats.AckMode != "AA" {
		t.Errorf("station stats %+v, want 20 received on 4 connections", stats)
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1, usable by both
// server and client, and returns the certificate and key file names.
func writeCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hl7load test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestRunMutualTLS(t *testing.T) {
	cert, key := writeCert(t)
	tests := []struct {
		name    string
		client  []string
		wantErr bool
	}{
		{"client with certificate", []string{"--tls", "--ca", cert, "--cert", cert, "--key", key}, false},
		{"client without certificate", []string{"--tls", "--ca", cert, "--ack-timeout", "1s"}, true},
		{"client without TLS", []string{"--ack-timeout", "200ms"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", "--station-addr", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key, "--client-ca", cert,
				"-n", "2", "--messages", "3", "--duration", "0"}, tc.client...)
			if tc.wantErr {
				// Nothing gets through; bound the run by time instead of messages.
				args = append(args, "--messages", "0", "--duration", "300ms")
			}
			rep, err := runJSON(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantErr {
				if rep.Answers["AA"] != 0 || rep.DialErrors+rep.ConnErrors == 0 {
					t.Errorf("report %+v: want no ACKs and dial or connection errors", rep)
				}
				return
			}
			if rep.Answers["AA"] != 6 || rep.Station.Received != 6 {
				t.Errorf("report %+v, want 6 AA and received over TLS", rep)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	tests := [][]string{
		{},
		{"nonsense"},
		{"monitors", "--size", "huge"},
		{"monitors", "--sources", "127.0.0.9-127.0.0.1"},
		{"monitors", "--pid", "x"},
		{"monitors", "--manipulation", "control_id_reuse"},
		{"monitors", "--manipulation", "nonsense"},
		{"monitors", "--manipulate-at", "5"},
		{"monitors", "--manipulation", "range", "--manipulate-at", "-1"},
		{"station", "--ack", "maybe"},
		{"monitors", "-n", "0"},
		{"monitors", "--prebuilt", "-1"},
		{"monitors", "--manipulated", "1"},
		{"monitors", "--manipulation", "range", "--manipulated", "-1"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			err := run(context.Background(), args, io.Discard, io.Discard)
			if err == nil || errors.Is(err, errFailed) {
				t.Errorf("run(%q) = %v, want a usage error", args, err)
			}
		})
	}
}

func TestParseSources(t *testing.T) {
	a := netip.MustParseAddr
	tests := []struct {
		in      string
		want    []netip.Addr
		wantErr bool
	}{
		{"", nil, false},
		{"127.0.0.1", []netip.Addr{a("127.0.0.1")}, false},
		{"127.0.0.254-127.0.1.1", []netip.Addr{a("127.0.0.254"), a("127.0.0.255"), a("127.0.1.0"), a("127.0.1.1")}, false},
		{"::1, 127.0.0.5", []netip.Addr{a("::1"), a("127.0.0.5")}, false},
		{"127.0.0.1-::2", nil, true},
		{"localhost", nil, true},
		{"10.0.0.0-10.1.0.0", nil, true}, // too many
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseSources(tc.in)
			if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
				t.Errorf("parseSources(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestTable(t *testing.T) {
	reps := []loadgen.Report{
		{Scenario: "open1k", Relay: "hl7gate", Mode: "open", PeakConns: 1000, Throughput: 999.6, Sent: 60000,
			Latency: loadgen.LatencySummary{P50: 0.2, P99: 1.25, P999: 3, Max: 9},
			Station: &loadgen.Verification{Received: 60000}, Gateway: &loadgen.ProcUsage{CPUSeconds: 4.2, PeakRSS: 64 << 20}},
		{Scenario: "idle", Relay: "haproxy", Mode: "idle", PeakConns: 1024,
			Gateway: &loadgen.ProcUsage{RSSBefore: 10 << 20, PeakRSS: 26 << 20}},
	}
	var b bytes.Buffer
	if err := writeTable(&b, reps, nil, true); err != nil {
		t.Fatal(err)
	}
	want := "| scenario | relay | conns | msg/s | p50 ms | p99 ms | p99.9 ms | max ms | lost | false-acked | other faults | cpu s | cpu µs/msg | peak rss MiB | KiB/conn |\n" +
		"|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n" +
		"| open1k | hl7gate | 1000 | 1000 | 0.200 | 1.250 | 3.000 | 9.000 | 0 | 0 | 0 | 4.2 | 70 | 64.0 | - |\n" +
		"| idle | haproxy | 1024 | 0 | - | - | - | - | - | - | 0 | 0.0 | - | 26.0 | 16.0 |\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestMedianRuns(t *testing.T) {
	closed := func(relay string, tput float64) loadgen.Report {
		return loadgen.Report{Scenario: "closed50", Relay: relay, Mode: "closed", Throughput: tput}
	}
	open := func(p99 float64) loadgen.Report {
		return loadgen.Report{Scenario: "open10k", Relay: "hl7gate", Mode: "open", Latency: loadgen.LatencySummary{P99: p99}}
	}
	reps := []loadgen.Report{
		closed("haproxy", 200), closed("hl7gate", 90), open(7), closed("haproxy", 100),
		closed("hl7gate", 80), open(2), closed("haproxy", 300), open(300), open(1),
	}
	got, runs := medianRuns(reps)
	// Of an even count, the worse middle run: the lower msg/s, the higher p99.
	want := []loadgen.Report{closed("haproxy", 200), closed("hl7gate", 80), open(7)}
	wantRuns := []string{"3 (100–300 msg/s)", "2 (80–90 msg/s)", "4 (1.00–300.00 ms p99)"}
	if !slices.EqualFunc(got, want, func(a, b loadgen.Report) bool {
		return a.Relay == b.Relay && a.Throughput == b.Throughput && a.Latency == b.Latency
	}) || !slices.Equal(runs, wantRuns) {
		t.Errorf("medianRuns = %+v, %q; want %+v, %q", got, runs, want, wantRuns)
	}
}
