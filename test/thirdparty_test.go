//go:build linux

package test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// Third-party peers: Debian's python3-hl7 on both sides of the gateway (its mllp_send command as the
// monitor, a station built on its asyncio MLLP server that answers with the library's own ACK), and
// Wireshark's HL7 dissector (tshark) reading what crossed toward the station. None of them shares code
// with hl7gate, so a framing or ACK mistake that our own peers would mirror shows up here.

// requirePeers skips the test when a third-party peer is missing, or fails it under CI=true, where
// .ci/deps installs them.
func requirePeers(t *testing.T, tools ...string) {
	t.Helper()
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 && slices.Contains(tools, "/usr/bin/python3") {
		if err := exec.Command("/usr/bin/python3", "-c", "import hl7.mllp").Run(); err != nil {
			missing = append(missing, "python3-hl7")
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("third-party peers missing: %s (bash .ci/deps installs them)", strings.Join(missing, ", "))
	testkit.Unavailable(t, msg)
}

// pyStation runs test/testdata/hl7_station.py on a free loopback port; every message it receives is
// appended to out, one per line, segments separated by CR.
func pyStation(t *testing.T, out string) (port string) {
	t.Helper()
	cmd := exec.Command("/usr/bin/python3", filepath.Join("testdata", "hl7_station.py"), "0", out)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("python3-hl7 station did not start: %v", err)
	}
	port, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if !ok {
		t.Fatalf("python3-hl7 station: unexpected first line %q", line)
	}
	return port
}

// runHL7gate runs the hl7gate binary with the given YAML and returns the address of the named listener,
// read from its "listening" log line (the config binds port 0).
func runHL7gate(t *testing.T, bin, yaml, listener string) string {
	t.Helper()
	return startHL7gate(t, bin, yaml, listener)[listener]
}

// startHL7gate runs the hl7gate binary with the given YAML until the test ends and returns, once each
// named endpoint is bound, their addresses read from its log lines: a listener by its name, the admin
// endpoint as "admin" (the config binds port 0). Its log is shown when the test fails.
func startHL7gate(t *testing.T, bin, yaml string, names ...string) map[string]string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "hl7gate.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--config", cfg)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("hl7gate log:\n%s", logs.String())
		}
	})
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	found := make(chan map[string]string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		addrs := map[string]string{}
		sent := false
		for sc.Scan() {
			logs.Write(sc.Bytes())
			logs.Write([]byte{'\n'})
			var l struct{ Message, Listener, Address string }
			if sent || json.Unmarshal(sc.Bytes(), &l) != nil {
				continue
			}
			switch l.Message {
			case "listening":
				addrs[l.Listener] = l.Address
			case "admin endpoint":
				addrs["admin"] = l.Address
			}
			if !slices.ContainsFunc(names, func(n string) bool { return addrs[n] == "" }) {
				found <- addrs
				sent = true
			}
		}
		if !sent {
			close(found)
		}
	}()
	select {
	case a, ok := <-found:
		if !ok {
			t.Fatalf("hl7gate exited before binding %v", names)
		}
		return a
	case <-time.After(30 * time.Second):
		t.Fatalf("hl7gate did not report %v within 30 s", names)
	}
	return nil
}

// captureHL7 records the loopback traffic to port with dumpcap (Wireshark's capture engine) into a file
// and returns a function that decodes what the file holds so far with tshark's HL7 dissector: one line
// per packet, message type and event type separated by a tab (empty for packets without HL7). dumpcap
// writes each packet as it comes, so the file can be read while the capture runs; stopping it instead
// would lose the packets still in the kernel's buffer.
func captureHL7(t *testing.T, port string) (decode func() string) {
	t.Helper()
	pcap := filepath.Join(t.TempDir(), "station.pcapng")
	cmd := exec.Command("dumpcap", "-i", "lo", "-n", "-f", "tcp port "+port, "-w", pcap)
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(errPipe)
		started := false
		for sc.Scan() {
			if !started && strings.HasPrefix(sc.Text(), "File:") {
				close(ready)
				started = true
			}
		}
		if !started {
			close(ready)
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("dumpcap did not start capturing within 30 s")
	}
	return func() string {
		out, err := exec.Command("tshark", "-r", pcap, "-n", "-d", "tcp.port=="+port+",hl7",
			"-T", "fields", "-e", "hl7.message.type", "-e", "hl7.event.type").Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		return string(out)
	}
}

// TestThirdPartyPeers sends a file of messages with python3-hl7's mllp_send through hl7gate to a
// python3-hl7 station. Allowed messages reach the station unchanged and the monitor gets the station's own
// ACK; a message type no route allows gets AR from the gateway and never reaches the station, which
// tshark's HL7 dissector confirms on the wire.
func TestThirdPartyPeers(t *testing.T) {
	requirePeers(t, "mllp_send", "/usr/bin/python3", "tshark", "dumpcap")
	if os.Geteuid() != 0 && os.Getenv("CI") != "true" {
		t.Skip("dumpcap needs root to capture on lo")
	}
	bin := buildHL7gate(t)
	dir := t.TempDir()
	received := filepath.Join(dir, "station.txt")
	stPort := pyStation(t, received)
	decode := captureHL7(t, stPort)
	gw := runHL7gate(t, bin, fmt.Sprintf(`
listeners:
  - name: monitors
    address: "127.0.0.1:0"
    allow_sources: ["127.0.0.0/8"]
stations:
  - name: central
    address: "127.0.0.1:%s"
routes:
  - name: vitals
    match: {message_types: ["ORU^R01"]}
    stations: [central]
admin: {address: "127.0.0.1:0"}
`, stPort), "monitors")

	// One frame holding an allowed ORU^R01 and, after it, an ADT^A08, the second header after a CR or an
	// LF: python-hl7, which this station is built on, reads such a frame as a batch and would deliver
	// both, so the gateway refuses the frame whole. Sent first: the station's file and the capture below
	// must show nothing of it.
	addr, err := net.ResolveTCPAddr("tcp", gw)
	if err != nil {
		t.Fatal(err)
	}
	mon := dialMonitor(t, addr)
	smuggled := append(oru("MON1", "S1"), withType(oru("MON1", "S2"), "ADT^A08^ADT_A01")...)
	for _, frame := range [][]byte{smuggled, bytes.Replace(smuggled, []byte("\rMSH"), []byte("\nMSH"), 1)} {
		if code, _, ack := mon.mustAck(t, frame); code != hl7.AE || !strings.Contains(string(ack), "second message header") {
			t.Errorf("an ORU^R01 and an ADT^A08 in one frame: %s %q, want AE naming the second header", code, ack)
		}
	}

	// Three ORU^R01 and, between them, an ADT^A08 that rewrites a patient's name: it must be refused.
	msgs := []string{
		string(oru("MON1", "C1")),
		string(withType(oru("MON1", "C2"), "ADT^A08^ADT_A01")),
		string(oru("MON1", "C3")),
		string(oru("MON1", "C4")),
	}
	in := filepath.Join(dir, "monitor.hl7")
	// mllp_send --loose reads messages that start with MSH and end at the next one, segments ending in
	// CR or LF, as monitors' capture files are written.
	if err := os.WriteFile(in, []byte(strings.Join(msgs, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(gw, ":")
	out, err := exec.Command("mllp_send", "--loose", "-f", in, "-p", port, host).CombinedOutput()
	if err != nil {
		t.Fatalf("mllp_send: %v\n%s", err, out)
	}

	// The monitor's view: one ACK per message, in order, each matched to its message.
	acks := msaLines(string(out))
	want := []string{"MSA|AA|C1", "MSA|AR|C2", "MSA|AA|C3", "MSA|AA|C4"}
	if len(acks) != len(want) {
		t.Fatalf("mllp_send printed %d MSA segments, want %d:\n%s", len(acks), len(want), out)
	}
	for i, w := range want {
		if !strings.HasPrefix(acks[i], w) {
			t.Errorf("ACK %d: %q, want prefix %q", i+1, acks[i], w)
		}
	}

	// The station's view: exactly the ORU^R01 messages, byte for byte (python-hl7 renders the parsed
	// message back; for these messages that is the original text). The station writes a message before
	// it answers, and mllp_send has every answer, so the file is complete.
	b, err := os.ReadFile(received)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(got) != 3 {
		t.Fatalf("station received %d messages, want 3:\n%q", len(got), b)
	}
	for i, ctrl := range []int{0, 2, 3} {
		if wantMsg := strings.TrimRight(msgs[ctrl], "\r"); strings.TrimRight(got[i], "\r") != wantMsg {
			t.Errorf("station message %d:\n got %q\nwant %q", i+1, got[i], wantMsg)
		}
	}

	// The wire's view, decoded by Wireshark: the three ORU^R01 and their ACKs crossed, the ADT never did
	// (it came before the last ORU on the monitor's connection, so it would be in the capture by now).
	var wire string
	var oruSeen, ackSeen int
	for deadline := time.Now().Add(10 * time.Second); ; {
		wire = decode()
		oruSeen, ackSeen = strings.Count(wire, "ORU\tR01"), strings.Count(wire, "ACK\t")
		if oruSeen >= 3 && ackSeen >= 3 || time.Now().After(deadline) {
			break
		}
	}
	if strings.Contains(wire, "ADT") {
		t.Errorf("tshark saw an ADT toward the station:\n%s", wire)
	}
	if oruSeen != 3 || ackSeen != 3 {
		t.Errorf("tshark decoded %d ORU^R01 and %d ACK toward/from the station, want 3 and 3:\n%s", oruSeen, ackSeen, wire)
	}
}

// msaLines returns the MSA segments in text, in order (mllp_send prints each ACK with CR separators).
func msaLines(text string) []string {
	var msa []string
	for _, seg := range strings.FieldsFunc(text, func(r rune) bool { return r == '\r' || r == '\n' }) {
		if strings.HasPrefix(seg, "MSA|") {
			msa = append(msa, seg)
		}
	}
	return msa
}
