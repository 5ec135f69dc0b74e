package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/internal/findingjson"
	"github.com/hl7gate/hl7gate/internal/sim"
)

// startCheckRelay runs the uring engine with --check toward station until the test ends (findings, when not
// nil, gets its --findings lines); it returns the relay's address and a function that stops the relay and
// returns its log.
func startCheckRelay(t *testing.T, station string, findings io.Writer) (addr string, stop func() string) {
	t.Helper()
	if r, err := newURing(8, 0); err != nil {
		t.Skipf("no io_uring here: %v", err)
	} else {
		r.close()
	}
	lns, addr, err := uringListeners("127.0.0.1:0", 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	chk, err := newGWChecks(ctx, station, findings)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- relayServeURings(ctx, lns, station, idleFresh, chk, &log) }()
	var once sync.Once
	stop = func() string {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("relay: %v", err)
			}
		})
		return log.String()
	}
	t.Cleanup(func() { stop() })
	return addr, stop
}

// TestRelayURingCheckCarriesEveryMessage: hl7load's monitors through the uring engine with the gateway's
// checks: every message acknowledged AA by the station and verified there (received once, unchanged, in
// order).
func TestRelayURingCheckCarriesEveryMessage(t *testing.T) {
	station, url := startStation(t)
	addr, stop := startCheckRelay(t, station, nil)
	rep, err := runJSON(t, "monitors", "--addr", addr, "--station", url, "-n", "8", "--messages", "50", "--duration", "0", "--prebuilt", "3")
	if err != nil {
		t.Fatal(err)
	}
	if st := rep.Station; rep.Sent != 400 || rep.Answers["AA"] != 400 || st == nil || st.Received != 400 || rep.Failed {
		t.Errorf("report %+v, want 400 sent, AA and received, not failed", rep)
	}
	if log := stop(); !strings.Contains(log, "relay: 400 messages") || !strings.Contains(log, " 0 rejected") {
		t.Errorf("relay log %q, want 400 messages, none rejected", log)
	}
}

// roundTrip writes frame to c and reads one answer frame.
func roundTrip(t *testing.T, c net.Conn, r *mllp.Reader, frame []byte) []byte {
	t.Helper()
	if _, err := c.Write(frame); err != nil {
		t.Fatal(err)
	}
	got, err := r.ReadFrame()
	if err != nil {
		t.Fatalf("answer: %v", err)
	}
	return got
}

// checkPair is a monitor connection through the --check relay and the station's end of its station
// connection, each with a frame reader.
func checkPair(t *testing.T) (m net.Conn, mr *mllp.Reader, s net.Conn, sr *mllp.Reader) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	addr, _ := startCheckRelay(t, ln.Addr().String(), nil)
	if m, err = net.Dial("tcp", addr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if s, err = ln.Accept(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// Bounds, not synchronisation: a relay that misses what a test expects of it fails the test here.
	m.SetDeadline(time.Now().Add(5 * time.Second))
	s.SetDeadline(time.Now().Add(5 * time.Second))
	return m, mllp.NewReader(m, 0), s, mllp.NewReader(s, 0)
}

// ackOf parses an answer and returns its MSA-1 and MSA-2.
func ackOf(t *testing.T, frame []byte) (hl7.AckCode, string) {
	t.Helper()
	m, err := hl7.Parse(frame)
	if err != nil {
		t.Fatalf("answer %q: %v", frame, err)
	}
	code, id, ok := hl7.ParseAck(m)
	if !ok {
		t.Fatalf("answer %q is no ACK", frame)
	}
	return code, string(id)
}

// TestRelayURingCheckStationAnswers: the monitor's answer is the station's when the station answers the
// message's control ID, AA or not (a NAK reaches the monitor as a NAK); an answer naming another control ID
// gets the monitor the gateway's AE, never an AA, and closes the pair; a message no route allows gets the
// gateway's AR and never reaches the station.
func TestRelayURingCheckStationAnswers(t *testing.T) {
	const msh = "MSH|^~\\&|MON|ICU|CS|H|20261203120000||%s|%s|P|2.6\rPID|1||1\rOBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97|262688^MDC_DIM_PERCENT^MDC|||||F\r"
	frame := func(typ, id string) []byte {
		f, _ := mllp.AppendFrame(nil, fmt.Appendf(nil, msh, typ, id))
		return f
	}
	stationAck := func(code, id string) []byte {
		f, _ := mllp.AppendFrame(nil, fmt.Appendf(nil, "MSH|^~\\&|CS|H|MON|ICU|20261203120000||ACK^R01^ACK|S%s|P|2.6\rMSA|%s|%s\r", id, code, id))
		return f
	}
	m, mr, s, sr := checkPair(t)
	for _, c := range []struct{ station, id string }{{"AA", "M1"}, {"AE", "M2"}, {"AR", "M3"}, {"AA", "M4"}} {
		if _, err := m.Write(frame("ORU^R01^ORU_R01", c.id)); err != nil {
			t.Fatal(err)
		}
		got, err := sr.ReadFrame()
		if err != nil || !bytes.Contains(got, []byte("|"+c.id+"|")) {
			t.Fatalf("%s: the station read %q (%v), want the message", c.id, got, err)
		}
		if _, err := s.Write(stationAck(c.station, c.id)); err != nil {
			t.Fatal(err)
		}
		ans, err := mr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if code, id := ackOf(t, ans); string(code) != c.station || id != c.id || !bytes.Contains(ans, []byte("|S"+c.id+"|")) {
			t.Errorf("%s: the monitor got %q, want the station's %s", c.id, ans, c.station)
		}
	}
	// Not routed (the route allows ORU^R01 and ORU^R40): the gateway's AR, nothing to the station.
	if code, id := ackOf(t, roundTrip(t, m, mr, frame("ADT^A01^ADT_A01", "M5"))); code != hl7.AR || id != "M5" {
		t.Errorf("ADT: the monitor got %s for %q, want AR for M5", code, id)
	}
	// The station answers another message: the gateway's AE, then the pair closes.
	if _, err := m.Write(frame("ORU^R01^ORU_R01", "M6")); err != nil {
		t.Fatal(err)
	}
	if got, err := sr.ReadFrame(); err != nil || !bytes.Contains(got, []byte("|M6|")) {
		t.Fatalf("M6: the station read %q (%v), want the message (and not the ADT)", got, err)
	}
	if _, err := s.Write(stationAck("AA", "M5")); err != nil {
		t.Fatal(err)
	}
	ans, err := mr.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if code, id := ackOf(t, ans); code != hl7.AE || id != "M6" || !bytes.Contains(ans, []byte("central station did not accept the message")) {
		t.Errorf("mismatched station ACK: the monitor got %q, want the gateway's AE for M6", ans)
	}
	if rest, err := io.ReadAll(m); len(rest) != 0 || err != nil {
		t.Errorf("after the AE the monitor read %q (%v), want the relay's close", rest, err)
	}
}

// TestRelayURingCheckFindingsAsHL7gateCheck: a range-manipulated simulated monitor through the --check
// relay yields, message by message, the findings `hl7gate check` yields over the same frames with the
// relay's arrival times (--findings doubles as check's --arrival file) and the same monitor key (its
// source address).
func TestRelayURingCheckFindingsAsHL7gateCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hl7gate")
	}
	station, _ := startStation(t)
	var findings bytes.Buffer
	addr, stop := startCheckRelay(t, station, &findings)
	mon := sim.NewMonitor(sim.Options{ID: 3, Seed: 11, Manipulation: sim.Range, ManipulateAt: 20})
	var capture bytes.Buffer
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second)) // a bound, not synchronisation
	r := mllp.NewReader(c, 0)
	const n = 60
	for range n {
		msg, _, _ := mon.Next(nil)
		frame, err := mllp.AppendFrame(nil, msg)
		if err != nil {
			t.Fatal(err)
		}
		capture.Write(frame)
		if code, _ := ackOf(t, roundTrip(t, c, r, frame)); code != hl7.AA {
			t.Fatalf("answer %s, want AA", code)
		}
	}
	c.Close()
	stop()

	dir := t.TempDir()
	src := c.LocalAddr().(*net.TCPAddr).IP.String()
	capFile, arrivals := filepath.Join(dir, src), filepath.Join(dir, "relay.jsonl")
	if err := os.WriteFile(capFile, capture.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(arrivals, findings.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(buildHL7gate(t), "check", "--monitor", "file", "--source", src, "--arrival", arrivals, capFile).Output()
	if err != nil {
		t.Fatalf("hl7gate check: %v", err)
	}

	var relay, check []findingjson.Finding
	var relayAt, checkAt []int
	sc := bufio.NewScanner(&findings)
	lines := 0
	for sc.Scan() {
		var l checkLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		lines++
		if l.File != src || l.Message != lines {
			t.Fatalf("--findings line %d: file %s message %d", lines, l.File, l.Message)
		}
		for _, f := range l.Findings {
			relay, relayAt = append(relay, f), append(relayAt, l.Message)
		}
	}
	if lines != n {
		t.Fatalf("--findings has %d lines, want %d", lines, n)
	}
	sc = bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var f struct {
			Message int `json:"message"`
			findingjson.Finding
		}
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			t.Fatal(err)
		}
		check, checkAt = append(check, f.Finding), append(checkAt, f.Message)
	}
	ranged := 0
	for _, f := range relay {
		if f.Rule == "range" {
			ranged++
		}
	}
	if ranged == 0 {
		t.Fatalf("the relay found no range finding in %d messages: %+v", n, relay)
	}
	if len(relay) != len(check) {
		t.Fatalf("the relay found %d findings, hl7gate check %d:\nrelay %+v\ncheck %+v", len(relay), len(check), relay, check)
	}
	for k := range relay {
		a, b := relay[k], check[k]
		nums := [][2]float64{{a.Value, b.Value}, {a.Other, b.Other}, {a.Threshold, b.Threshold}}
		a.Value, a.Other, a.Threshold, b.Value, b.Other, b.Threshold = 0, 0, 0, 0, 0, 0
		// The relay's arrival carries the monotonic clock, check's is the wall clock read back: durations may
		// differ in their last nanoseconds.
		close := true
		for _, v := range nums {
			close = close && math.Abs(v[0]-v[1]) <= 1e-6*math.Max(1, math.Abs(v[1]))
		}
		if relayAt[k] != checkAt[k] || a != b || !close {
			t.Errorf("finding %d: relay message %d %+v %v, check message %d %+v", k, relayAt[k], a, nums, checkAt[k], b)
		}
	}
	if !t.Failed() {
		t.Logf("%d findings (%d range) over %d messages, equal", len(relay), ranged, n)
	}
}

// buildHL7gate builds cmd/hl7gate into a temporary directory and returns its path.
func buildHL7gate(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hl7gate")
	gobin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	if out, err := exec.Command(gobin, "build", "-o", bin, "github.com/hl7gate/hl7gate/cmd/hl7gate").CombinedOutput(); err != nil {
		t.Fatalf("go build hl7gate: %v\n%s", err, out)
	}
	return bin
}

// FuzzCheckFrame: any frame through the --check relay's handling, then any station answer to it, as the ring
// does: nothing panics, a forwarded message is one MLLP frame, and an answer is relayed only when it names the
// forwarded message's control ID (or is an MLLP commit ACK, which names none).
func FuzzCheckFrame(f *testing.F) {
	f.Add([]byte("MSH|^~\\&|MON|ICU|CS|H|20261203120000||ORU^R01^ORU_R01|M1|P|2.6\rOBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97|262688^MDC_DIM_PERCENT^MDC|||||F\r"),
		[]byte("MSH|^~\\&|CS|H|MON|ICU|20261203120000||ACK|S1|P|2.6\rMSA|AA|M1\r"))
	f.Add([]byte("MSH|^~\\&|MON|ICU|CS|H|20261203120000||ORU^R01|M2|P|2.6|||AL|AL\r"), []byte{mllp.CommitACK})
	f.Add([]byte("MSH|^~\\&|MON|ICU|CS|H|20261203120000||ADT^A01|M3|P|2.6\r"), []byte("MSA|AE|M3\r"))
	chk, err := newGWChecks(context.Background(), "127.0.0.1:1", io.Discard)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, frame, answer []byte) {
		pc := chk.newPairCheck(netip.MustParseAddr("127.1.0.1"))
		switch chk.handle(pc, time.Now(), frame, nil) {
		case chkAnswer:
			if _, err := hl7.Parse(pc.reply); err != nil {
				t.Fatalf("own answer %q: %v", pc.reply, err)
			}
		case chkForward:
			r := mllp.NewReader(bytes.NewReader(pc.fwd), 0)
			if got, err := r.ReadFrame(); err != nil || r.Buffered() != 0 {
				t.Fatalf("forwarded %q: %v, %d bytes after the frame", pc.fwd, err, r.Buffered())
			} else if _, err := hl7.Parse(got); err != nil {
				t.Fatalf("forwarded message %q: %v", got, err)
			}
			done, code, err := chk.answer(pc, answer)
			if err == nil && done && !mllp.IsCommitACK(answer) && !mllp.IsCommitNAK(answer) {
				m, perr := hl7.Parse(answer)
				if perr != nil {
					t.Fatalf("answer %q relayed (%s) though it does not parse: %v", answer, code, perr)
				}
				if _, id, _ := hl7.ParseAck(m); !bytes.Equal(id, pc.ctrl) {
					t.Fatalf("answer %q for %q relayed (%s)", answer, pc.ctrl, code)
				}
			}
		}
	})
}
