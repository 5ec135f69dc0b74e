package test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// serveProc is the hl7gate binary running `serve`, its JSON log lines collected in memory for waiting on.
type serveProc struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{} // closed when the log stream ends (the process exited)
}

func startBinary(t *testing.T, bin, cfg string) *serveProc {
	t.Helper()
	p := &serveProc{cmd: exec.Command(bin, "serve", "--config", cfg), logs: &syncBuffer{}, done: make(chan struct{})}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.logs.Write(append(sc.Bytes(), '\n'))
		}
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// listenerAddr waits for the "listening" line of the named listener and returns its address.
func (p *serveProc) listenerAddr(t *testing.T, name string) string {
	t.Helper()
	var addr string
	found := func() bool {
		for l := range strings.SplitSeq(p.logs.String(), "\n") {
			var e struct{ Message, Listener, Address string }
			if json.Unmarshal([]byte(l), &e) == nil && e.Message == "listening" && e.Listener == name {
				addr = e.Address
				return true
			}
		}
		return false
	}
	if !p.logs.update.waitFor(30*time.Second, found) {
		t.Fatalf("hl7gate did not report listener %s:\n%s", name, p.logs.String())
	}
	return addr
}

// stop sends SIGTERM and waits for the process (graceful: the journal is closed).
func (p *serveProc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("hl7gate: %v\n%s", err, p.logs.String())
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBinaryReloadAndEvidence runs the hl7gate binary: SIGHUP applies a changed file (the route moves to
// a new station on the monitor's open connection) and refuses an invalid one (logged with every error,
// nothing changed); the gateway restarts; `hl7gate evidence` then holds the events of both runs,
// reloads included, and nothing of the patient.
func TestBinaryReloadAndEvidence(t *testing.T) {
	bin := buildHL7gate(t)
	stA, stB := newStation(t, accept), newStation(t, accept)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hl7gate.yaml")
	conf := func(route string, extra string) string {
		return fmt.Sprintf(`listeners:
  - {name: icu, address: "127.0.0.1:0", allow_sources: ["127.0.0.0/8"]}
stations:
  - {name: a, address: %q}
  - {name: b, address: %q}
routes:
  - {name: vitals, match: {message_types: ["ORU^R01"]}, stations: [%s]}
state:
  journal: {dir: %q}
%s`, stA.addr(), stB.addr(), route, filepath.Join(dir, "journal"), extra)
	}
	writeFile(t, cfg, conf("a", ""))
	p := startBinary(t, bin, cfg)
	addr := p.listenerAddr(t, "icu")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m := &monitor{c: c, r: mllp.NewReader(c, 0), w: mllp.NewWriter(c)}
	expect := func(msg []byte, want hl7.AckCode) {
		t.Helper()
		if code, _, _ := m.mustAck(t, msg); code != want {
			t.Fatalf("ACK %s, want %s", code, want)
		}
	}
	expect(oru("MON1", "BIN-1"), hl7.AA)
	expect(withType(oru("MON1", "BIN-ADT1"), "ADT^A01"), hl7.AR)

	writeFile(t, cfg, conf("b", ""))
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.logs.waitCount(t, `"configuration reloaded"`, 1)
	expect(oru("MON1", "BIN-2"), hl7.AA)
	if len(stB.received()) != 1 || len(stA.received()) != 1 {
		t.Fatalf("after SIGHUP: station a %d, b %d messages, want the second on b", len(stA.received()), len(stB.received()))
	}

	writeFile(t, cfg, strings.Replace(conf("nowhere", ""), "127.0.0.1:0", "127.0.0.1:1", 1))
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.logs.waitCount(t, `configuration reload refused`, 1)
	for _, want := range []string{`nowhere`, `listeners[0].address`, `needs a restart`} {
		if !strings.Contains(p.logs.String(), want) {
			t.Errorf("refused reload's log line does not name %s:\n%s", want, p.logs.String())
		}
	}
	expect(oru("MON1", "BIN-3"), hl7.AA)
	if len(stB.received()) != 2 {
		t.Fatalf("after the refused SIGHUP: station b has %d messages, want 2", len(stB.received()))
	}
	c.Close()
	p.stop(t)

	writeFile(t, cfg, conf("b", ""))
	p = startBinary(t, bin, cfg)
	addr2, err := net.ResolveTCPAddr("tcp", p.listenerAddr(t, "icu"))
	if err != nil {
		t.Fatal(err)
	}
	m2 := dialMonitor(t, addr2)
	if code, _, _ := m2.mustAck(t, withType(oru("MON1", "BIN-ADT2"), "ADT^A01")); code != hl7.AR {
		t.Fatalf("second run: %s", code)
	}
	m2.c.Close()
	p.stop(t)

	out := filepath.Join(dir, "bundle.tar.gz")
	if b, err := exec.Command(bin, "evidence", "--config", cfg, "--since", "1h", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("evidence: %v\n%s", err, b)
	}
	files := testkit.EvidenceFiles(t, out)
	tl := string(files["timeline.jsonl"])
	for _, want := range []string{`"control_id":"BIN-ADT1"`, `"control_id":"BIN-ADT2"`, `configuration reloaded`, `configuration reload refused`, `gateway stopped`} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %s:\n%s", want, tl)
		}
	}
	for name, data := range files {
		for _, s := range []string{"SECRETNAME", "MRN12345", "19700101"} {
			if strings.Contains(string(data), s) {
				t.Errorf("%s holds patient data %q", name, s)
			}
		}
	}
}
