package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listen opens a loopback listener closed at the end of the test.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// startStation runs a station with the given faults; it returns the station and its MLLP and counter
// addresses.
func startStation(t *testing.T, f faults) (*station, string, string) {
	t.Helper()
	s := &station{tag: "TESTSTN", clock: newClock(), faults: f}
	ln, ctl := listen(t), listen(t)
	go s.serve(ln)
	go s.serveCounters(ctl)
	return s, ln.Addr().String(), ctl.Addr().String()
}

// startRelay runs a faulty relay in front of upstream and returns its address.
func startRelay(t *testing.T, fr *faultyRelay) string {
	t.Helper()
	ln := listen(t)
	go fr.serve(ln)
	return ln.Addr().String()
}

func singleRun(t *testing.T, target, ctl string, count int) *result {
	t.Helper()
	cfg := &driveConfig{Target: target, Scenario: "single", Count: count, SrcNet: "127.77",
		AckTimeout: 5 * time.Second, StationCtl: ctl, StationTag: "TESTSTN", Run: 1}
	r, err := drive(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCleanSingleConnection(t *testing.T) {
	_, addr, ctl := startStation(t, faults{})
	r := singleRun(t, addr, ctl, 400)
	if r.OK != 400 || r.bad() != 0 || r.Lost != 0 {
		t.Fatalf("clean run: %+v", r)
	}
	if r.P50us <= 0 || r.P99us < r.P50us {
		t.Fatalf("latency quantiles %v %v", r.P50us, r.P99us)
	}
}

func TestCleanClosedLoop(t *testing.T) {
	_, addr, ctl := startStation(t, faults{})
	cfg := &driveConfig{Target: addr, Scenario: "closed", Monitors: 4, Duration: 300 * time.Millisecond,
		Warmup: 50 * time.Millisecond, SrcNet: "127.77", AckTimeout: 5 * time.Second, StationCtl: ctl,
		StationTag: "TESTSTN", Run: 2}
	r, err := drive(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK == 0 || r.bad() != 0 || r.Lost != 0 || r.OK != r.Sent { // no rate asserted: that depends on the machine
		t.Fatalf("clean closed loop: %+v", r)
	}
}

// openConfig is an open loop of 20 monitors at rate messages a second each, 300 ms after 50 ms of warm-up.
func openConfig(target, ctl string, rate float64, run int) *driveConfig {
	return &driveConfig{Target: target, Scenario: "open", Monitors: 20, Rate: rate, Duration: 300 * time.Millisecond,
		Warmup: 50 * time.Millisecond, SrcNet: "127.77", AckTimeout: 5 * time.Second, StationCtl: ctl,
		StationTag: "TESTSTN", Run: run}
}

func TestOpenLoop(t *testing.T) {
	_, addr, ctl := startStation(t, faults{})
	r, err := drive(openConfig(addr, ctl, 100, 3))
	if err != nil {
		t.Fatal(err)
	}
	// 20 monitors × 100/s × 0.3 s, give or take the messages due at the window's edges.
	if r.OK < 500 || r.OK > 700 || r.bad() != 0 {
		t.Fatalf("open loop: %+v", r)
	}
	// Each message's latency runs from its due time, so it includes the driver's send lag.
	if r.SendLagP99us <= 0 || r.SendLagP99us > r.P99us {
		t.Fatalf("send lag p99 %v µs, latency p99 %v µs", r.SendLagP99us, r.P99us)
	}
}

// A station that now and then answers for another control ID: each such ACK is counted wrong.
func TestWrongAckCounted(t *testing.T) {
	s, addr, ctl := startStation(t, faults{wrongEvery: 7})
	r := singleRun(t, addr, ctl, 300)
	if r.Wrong != 300/7 || r.OK != 300-300/7 || s.wrong.Load() != 300/7 || r.bad() != 300/7 {
		t.Fatalf("wrong every 7th of 300: driver %+v, station sent %d", r, s.wrong.Load())
	}
}

func TestNakAndDropCounted(t *testing.T) {
	_, addr, ctl := startStation(t, faults{nakEvery: 10})
	if r := singleRun(t, addr, ctl, 300); r.Nak != 30 || r.OK != 270 || r.bad() != 30 {
		t.Fatalf("AE every 10th: %+v", r)
	}
	_, addr, ctl = startStation(t, faults{closeEvery: 50})
	if r := singleRun(t, addr, ctl, 300); r.Unanswered != 6 || r.OK != 294 || r.Reconnects != 6 || r.bad() != 6 {
		t.Fatalf("connection closed every 50th: %+v", r)
	}
}

// Failures in the warm-up are the relay's failures too: not timed, but bad.
func TestWarmupFaultsCounted(t *testing.T) {
	_, addr, ctl := startStation(t, faults{nakEvery: 10})
	cfg := &driveConfig{Target: addr, Scenario: "single", Count: 100, WarmupMsgs: 50, SrcNet: "127.77",
		AckTimeout: 5 * time.Second, StationCtl: ctl, StationTag: "TESTSTN", Run: 4}
	r, err := drive(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Nak != 10 || r.WarmupBad != 5 || r.bad() != 15 {
		t.Fatalf("AE every 10th of 50 + 100: %+v", r)
	}
}

// The report's exit status is what makes run.sh fail: any bad message in any run.
func TestReportFailsOnBad(t *testing.T) {
	clean := result{Target: "haproxy", Scenario: "closed", Sent: 10, OK: 10}
	if err := writeReport(io.Discard, []result{clean}); err != nil {
		t.Fatalf("clean run: %v", err)
	}
	for _, bad := range []result{{Lost: 1}, {Forged: 1}, {Unanswered: 1}, {WarmupBad: 1}, {ConnectFailures: 1}} {
		bad.Target, bad.Scenario = "hl7gate", "closed"
		if err := writeReport(io.Discard, []result{clean, bad}); err != errBad {
			t.Fatalf("%+v: report returned %v, want errBad", bad, err)
		}
	}
}

// A relay that acknowledges messages itself without delivering them: caught by the station's tag and by
// the station's count; a relay that drops messages: unanswered.
func TestFaultyRelayCaught(t *testing.T) {
	_, addr, ctl := startStation(t, faults{})
	fake := startRelay(t, &faultyRelay{upstream: addr, fakeEvery: 10})
	if r := singleRun(t, fake, ctl, 300); r.Forged != 30 || r.Lost != 30 || r.OK != 270 || r.bad() != 30 {
		t.Fatalf("relay faking every 10th: %+v", r)
	}
	// Faked answers are lost ones even while the station's own answers go wrong too.
	_, addr2, ctl2 := startStation(t, faults{wrongEvery: 7})
	fake2 := startRelay(t, &faultyRelay{upstream: addr2, fakeEvery: 10})
	if r := singleRun(t, fake2, ctl2, 300); r.Forged != 30 || r.Lost != 30 || r.Wrong == 0 || r.bad() != r.Wrong+30 {
		t.Fatalf("relay faking every 10th, station wrong every 7th: %+v", r)
	}
	drop := startRelay(t, &faultyRelay{upstream: addr, dropEvery: 25})
	if r := singleRun(t, drop, ctl, 300); r.Unanswered != 12 || r.OK != 288 || r.Lost != 0 || r.bad() != 12 {
		t.Fatalf("relay dropping every 25th: %+v", r)
	}
}

// The faulty relay counts its Nth message over all its clients: in the open loop each monitor sends a
// handful of messages (here 4 at most, a tenth of a second apart, against every 10th faked), and run.sh's
// faulty target must still come out bad there and in the flood.
func TestFaultyRelayCountsAcrossConnections(t *testing.T) {
	_, addr, ctl := startStation(t, faults{})
	fake := startRelay(t, &faultyRelay{upstream: addr, fakeEvery: 10})
	r, err := drive(openConfig(fake, ctl, 10, 9))
	if err != nil {
		t.Fatal(err)
	}
	if r.Lost == 0 || r.bad() == 0 {
		t.Fatalf("relay faking every 10th over 20 connections of a few messages each: %+v", r)
	}
}

// The driver's and the station's per-message path allocate nothing (the process's mallocs are counted,
// the station's goroutine included), so their cost stays a pair of syscalls and the relay dominates.
func TestNoAllocationPerMessage(t *testing.T) {
	if newClock() != newClock() {
		t.Fatal("more than one clock: each ticker's allocations would count against the per-message path")
	}
	_, addr, _ := startStation(t, faults{})
	cfg := &driveConfig{Target: addr, SrcNet: "127.77", AckTimeout: 5 * time.Second, StationTag: "TESTSTN"}
	m, err := newMonitor(cfg, 0, newClock(), &hist{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.dial(); err != nil {
		t.Fatal(err)
	}
	defer m.conn.Close()
	for range 100 { // grow the buffers
		m.record(m.exchange(time.Now()), true, time.Microsecond)
	}
	allocs := testing.AllocsPerRun(500, func() {
		t0 := time.Now()
		m.record(m.exchange(t0), true, time.Since(t0))
	})
	if allocs != 0 || m.tally.ok != m.tally.sent {
		t.Fatalf("%v allocations per message; tally %+v", allocs, m.tally)
	}
}

func TestJudge(t *testing.T) {
	prefix := []byte("MSH|^~\\&|TESTSTN|")
	id := []byte("B0001000010000000007")
	cases := []struct {
		name, ack string
		want      verdict
	}{
		{"ok", "MSH|^~\\&|TESTSTN|C|M|I|x||ACK|A1|P|2.6\rMSA|AA|B0001000010000000007\r", vOK},
		{"ok, MSA-3 text", "MSH|^~\\&|TESTSTN|C\rMSA|AA|B0001000010000000007|fine\r", vOK},
		{"no final CR", "MSH|^~\\&|TESTSTN|C\rMSA|AA|B0001000010000000007", vOK},
		{"AE", "MSH|^~\\&|TESTSTN|C\rMSA|AE|B0001000010000000007\r", vNak},
		{"gateway's AR", "MSH|^~\\&|GW|C\rMSA|AR|B0001000010000000007\rERR|||200\r", vNak},
		{"other ID", "MSH|^~\\&|TESTSTN|C\rMSA|AA|B0001000010000000006\r", vWrong},
		{"ID prefix", "MSH|^~\\&|TESTSTN|C\rMSA|AA|B000100001000000000\r", vWrong},
		{"no MSA-2", "MSH|^~\\&|TESTSTN|C\rMSA|AA\rMSA|AA|B0001000010000000007\r", vWrong},
		{"no MSA", "MSH|^~\\&|TESTSTN|C\r", vWrong},
		{"not the station's", "MSH|^~\\&|RELAY|C\rMSA|AA|B0001000010000000007\r", vForged},
		{"other separator", "MSH#^~\\&#TESTSTN#C\rMSA#AA#B0001000010000000007\r", vForged},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := judge([]byte(tc.ack), id, prefix); got != tc.want {
				t.Fatalf("judge = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestTemplate(t *testing.T) {
	a, b := buildTemplate(3, 42), buildTemplate(4, 42)
	if n := len(a.frame) - 3; n < 560 || n > 600 {
		t.Fatalf("message of %d bytes, want about 578", n)
	}
	if a.frame[0] != startBlock || !bytes.HasSuffix(a.frame, frameEnd) {
		t.Fatal("not an MLLP frame")
	}
	c, v := newClock(), newVitals(3)
	seen := map[string]bool{string(b.controlID()): true}
	for range 1000 {
		a.stamp(c, &v)
		msg := a.frame[1 : len(a.frame)-2]
		id := string(mshField(msg, 10))
		if seen[id] || id != string(a.controlID()) {
			t.Fatalf("control ID %q repeated or not in MSH-10", id)
		}
		seen[id] = true
		if ts := string(mshField(msg, 7)); !strings.HasPrefix(ts, time.Now().UTC().Format("2006")) || !strings.HasSuffix(ts, "+0000") {
			t.Fatalf("MSH-7 %q", ts)
		}
	}
	if !strings.Contains(string(a.frame), "\rOBX|5|NM|150021^^MDC||1") {
		t.Fatalf("systolic not in 100–199: %q", a.frame)
	}
}

func TestFrameReader(t *testing.T) {
	in := "junk\x0bone\x1c\r\x00\x0btwo\x1c\r\x0b" + strings.Repeat("x", 10000) + "\x1c\r"
	fr := newFrameReader(strings.NewReader(in))
	for _, want := range []string{"one", "two", strings.Repeat("x", 10000)} {
		p, err := fr.next()
		if err != nil || string(p) != want {
			t.Fatalf("frame %.10q, %v; want %.10q", p, err, want)
		}
	}
	if _, err := fr.next(); err == nil {
		t.Fatal("no error at the end of input")
	}
	if fr.skipped != 5 {
		t.Fatalf("skipped %d bytes, want 5", fr.skipped)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h hist
	for i := 1; i <= 10000; i++ {
		h.add(time.Duration(i) * time.Microsecond)
	}
	for _, q := range []float64{0.5, 0.99, 0.999} {
		got, want := h.quantile(q), time.Duration(q*10000)*time.Microsecond
		if d := float64(got-want) / float64(want); d > 0.02 || d < -0.02 {
			t.Fatalf("q%v = %v, want %v ± 2 %%", q, got, want)
		}
	}
}

// A flooder's message is a large valid ORU^R01 within the example configuration's bounds (frame, segments,
// segment length), stamped per message like the monitors' with a control ID of its own.
func TestFloodTemplate(t *testing.T) {
	const size = 1000000
	f, m := buildFloodTemplate(floodIndex0, 42, size), buildTemplate(0, 42)
	payload := f.frame[1 : len(f.frame)-2]
	if len(payload) < size || len(payload) > size+len(waveRow)+64 || len(f.frame) > maxFrame {
		t.Fatalf("flood message of %d bytes, want at least %d and a frame within %d", len(payload), size, maxFrame)
	}
	segs := bytes.Split(bytes.TrimSuffix(payload, []byte("\r")), []byte("\r"))
	if len(segs) > 5000 {
		t.Fatalf("%d segments, over configs/icu-example.yaml's max_segments (5000)", len(segs))
	}
	for i, seg := range segs {
		if len(seg) > 65536 || bytes.ContainsFunc(seg, func(r rune) bool { return r < ' ' || r > '~' }) {
			t.Fatalf("segment %d: %d bytes or a byte outside printable ASCII", i, len(seg))
		}
	}
	if string(segs[len(segs)-1][:4]) != "OBX|" || !bytes.Contains(segs[len(segs)-1], []byte("|NA|131330^")) {
		t.Fatalf("last segment %.40q, want a waveform OBX", segs[len(segs)-1])
	}
	c, v := newClock(), newVitals(floodIndex0)
	f.stamp(c, &v)
	id := string(mshField(f.frame[1:], 10))
	if id != string(f.controlID()) || id == string(m.controlID()) || len(id) != idLen {
		t.Fatalf("flooder's MSH-10 %q (a monitor's %q)", id, m.controlID())
	}
}

func floodConfig(target, ctl string, run int) *driveConfig {
	return &driveConfig{Target: target, Scenario: "flood", Monitors: 4, Rate: 100, Duration: 300 * time.Millisecond,
		Warmup: 50 * time.Millisecond, SrcNet: "127.78", Flooders: 4, FloodSources: 2, FloodBytes: 100000,
		FloodNet: "127.79", AckTimeout: 5 * time.Second, StationCtl: ctl, StationTag: "TESTSTN", Run: run}
}

// The flood: monitors in an open loop and flooders sharing a few source addresses, every answer of both
// judged, the flooders' rate reported apart.
func TestFloodClean(t *testing.T) {
	_, addr, ctl := startStation(t, faults{})
	cfg := floodConfig(addr, ctl, 5)
	r, err := drive(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK == 0 || r.FloodOK == 0 || r.bad() != 0 || r.Lost != 0 || r.FloodMsgBytes < 100000 || r.FloodMiBPerS <= 0 {
		t.Fatalf("clean flood: %+v", r)
	}
	if r.MaxUs < r.P99us || r.FloodConns != 4 || r.FloodSources != 2 {
		t.Fatalf("max %v < p99 %v, or flooders %d from %d", r.MaxUs, r.P99us, r.FloodConns, r.FloodSources)
	}
	if r.DriverCPUus != -1 { // the flooders' work over the monitors' messages
		t.Fatalf("driver CPU %v µs per monitor message in a flood, want -1 (not measured)", r.DriverCPUus)
	}
	var addrs []string
	for k := range 4 {
		f, err := newFlooder(cfg, k, newClock(), &hist{})
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, f.local.IP.String())
	}
	if strings.Join(addrs, " ") != "127.79.0.1 127.79.0.2 127.79.0.1 127.79.0.2" {
		t.Fatalf("flooders' sources %v", addrs)
	}
}

// A relay that serves the flooders well and fails the monitors beside them (faking some of their ACKs,
// dropping others) is caught in the monitors' counts; one that fails the flooders, in theirs.
func TestFloodFailuresCounted(t *testing.T) {
	_, addr, ctl := startStation(t, faults{})
	monitorsFailed := startRelay(t, &faultyRelay{upstream: addr, fakeEvery: 7, dropEvery: 11, only: "127.78."})
	r, err := drive(floodConfig(monitorsFailed, ctl, 6))
	if err != nil {
		t.Fatal(err)
	}
	if r.Lost == 0 || r.Unanswered+r.WarmupBad == 0 || r.monitorsBad() == 0 || r.FloodOK == 0 ||
		r.FloodFailed+r.FloodForged != 0 || r.bad() < uint64(r.Lost)+r.Unanswered {
		t.Fatalf("relay failing the monitors: %+v", r)
	}
	floodersFailed := startRelay(t, &faultyRelay{upstream: addr, fakeEvery: 7, dropEvery: 11, only: "127.79."})
	r, err = drive(floodConfig(floodersFailed, ctl, 7))
	if err != nil {
		t.Fatal(err)
	}
	if r.Lost == 0 || r.FloodFailed == 0 || r.monitorsBad() != 0 || r.OK == 0 || r.bad() < r.FloodFailed+uint64(r.Lost) {
		t.Fatalf("relay failing the flooders: %+v", r)
	}
}

func TestFloodReport(t *testing.T) {
	rs := []result{
		{Target: "haproxy", Scenario: "flood", Monitors: 50, Sent: 1000, OK: 1000, P50us: 500, P99us: 2000, MaxUs: 9000,
			FloodMsgPerS: 60, FloodMiBPerS: 57.2, FloodP50us: 250000, RelayCPUPct: 80},
		{Target: "hl7gate", Scenario: "flood", Monitors: 50, Sent: 1000, OK: 1000, P50us: 400, P99us: 1000, MaxUs: 3000,
			FloodMsgPerS: 16, FloodMiBPerS: 15.3, FloodP50us: 990000, RelayCPUPct: 20},
	}
	var out strings.Builder
	if err := writeReport(&out, rs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| flood MiB/s |", "| hl7gate | 1 | 0 | 0.40 | 1.00 | 50 % | 3.00 | 0.00 | 0 | 16.0 | 15.3 | 990.0 | 0 | 20.0 | – | 0 |"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("report lacks %q:\n%s", want, out.String())
		}
	}
	for _, bad := range []result{{FloodFailed: 1}, {FloodForged: 1}, {FloodConnectFailures: 1}} {
		bad.Target, bad.Scenario = "hl7gate", "flood"
		if err := writeReport(io.Discard, []result{rs[0], bad}); err != errBad {
			t.Fatalf("%+v: report returned %v, want errBad", bad, err)
		}
	}
}

// A connection the driver could not make at the start counts in its own group's bad column, and in bad.
func TestConnectFailuresAttributed(t *testing.T) {
	r := result{ConnectFailures: 1, FloodConnectFailures: 2}
	if r.monitorsBad() != 1 || r.floodBad() != 2 || r.bad() != 3 {
		t.Fatalf("monitors bad %d, flood bad %d, bad %d; want 1, 2, 3", r.monitorsBad(), r.floodBad(), r.bad())
	}
}

func TestFloodFlagsChecked(t *testing.T) {
	for _, cfg := range []*driveConfig{
		{Scenario: "flood", Monitors: 1, Duration: time.Second, Rate: 1, Flooders: 2, FloodSources: 3, FloodBytes: 5000, AckTimeout: time.Second},
		{Scenario: "flood", Monitors: 1, Duration: time.Second, Rate: 1, Flooders: 2, FloodSources: 1, FloodBytes: maxFrame, AckTimeout: time.Second},
	} {
		if cfg.check() == nil {
			t.Fatalf("%+v accepted", cfg)
		}
	}
}

// A slow station (-slow-large) answers a flooder's message no sooner than its delay after reading it, and
// still answers every message right.
func TestSlowStationDelaysLargeMessages(t *testing.T) {
	const delay = 20 * time.Millisecond
	s := &station{tag: "TESTSTN", clock: newClock(), slowLarge: delay}
	ln, ctl := listen(t), listen(t)
	go s.serve(ln)
	go s.serveCounters(ctl)
	r, err := drive(floodConfig(ln.Addr().String(), ctl.Addr().String(), 8))
	if err != nil {
		t.Fatal(err)
	}
	// A lower bound only: a sleep never ends early. The histogram's bucket middle is within 1 % below.
	if r.bad() != 0 || r.FloodOK == 0 || r.OK == 0 || r.FloodP50us < 0.99*float64(delay/time.Microsecond) {
		t.Fatalf("slow station: flood p50 %v µs, want at least %v; %+v", r.FloodP50us, delay, r)
	}
}

// run.sh refuses a misspelt scenario or target before it builds or starts anything. A scenario's error
// used to be lost inside $(…): the driver ran its default scenario (closed, 10 s) under the target's name.
func TestRunScriptRefusesUnknownNames(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	// The station's port (base + 6) is one this test holds: should the script get as far as starting the
	// station, it stops there instead of running a bench.
	base := listen(t).Addr().(*net.TCPAddr).Port - 6
	for _, names := range [][]string{{"SCENARIOS=flod", "TARGETS=direct"}, {"SCENARIOS=closed", "TARGETS=direct haprxy"}} {
		out := t.TempDir()
		cmd := exec.Command(bash, "run.sh")
		cmd.Env = append(os.Environ(), "OUT="+out, "PORT_BASE="+strconv.Itoa(base), "ROUNDS=1", "DURATION=1ms",
			"WARMUP=1ms", "MONITORS=1")
		cmd.Env = append(cmd.Env, names...)
		msg, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !bytes.Contains(msg, []byte("unknown")) {
			t.Fatalf("%v: exit %v, want 2 and the unknown name:\n%s", names, err, msg)
		}
		if _, err := os.Stat(filepath.Join(out, "bin", "blind")); err == nil {
			t.Fatalf("%v: refused only after building and running:\n%s", names, msg)
		}
	}
}
