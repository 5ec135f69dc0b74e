package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/spf13/pflag"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/internal/corpus"
	"github.com/hl7gate/hl7gate/internal/sim"
)

// simMessages returns n messages of a simulated monitor and their due times.
func simMessages(o sim.Options, n int) (msgs [][]byte, at []time.Time) {
	mon := sim.NewMonitor(o)
	for range n {
		m, t, _ := mon.Next(nil)
		msgs, at = append(msgs, m), append(at, t)
	}
	return msgs, at
}

// writeFile writes b to dir/name, gzip-compressed when the name ends in .gz.
func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	if strings.HasSuffix(name, ".gz") {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		b = z.Bytes()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// text joins messages with their segments ended by term, each message
// followed by after.
func text(msgs [][]byte, term, after string) []byte {
	var b bytes.Buffer
	for _, m := range msgs {
		b.Write(bytes.ReplaceAll(m, []byte("\r"), []byte(term)))
		b.WriteString(after)
	}
	return b.Bytes()
}

func framed(t *testing.T, msgs [][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := mllp.NewWriter(&b)
	for _, m := range msgs {
		if err := w.WriteFrame(m); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// positions lists the findings as "message rule".
func positions(fs []checkFinding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%d %s %s", f.Message, f.Rule, f.Parameter))
	}
	return out
}

// Every format check reads gives the same findings on the same messages.
func TestCheckFormats(t *testing.T) {
	dir := t.TempDir()
	msgs, _ := simMessages(sim.Options{ID: 2, Seed: 2, Manipulation: sim.HRStep, ManipulateAt: 100}, 200)
	ref := writeFile(t, dir, "ref.hl7", text(msgs, "\r", ""))
	want, _, err := runCheck(t, ref)
	if err != nil || len(want) == 0 {
		t.Fatalf("reference: %d findings, %v", len(want), err)
	}
	var batch bytes.Buffer
	batch.WriteString("FHS|^~\\&|EXPORT\rBHS|^~\\&|EXPORT\r")
	batch.Write(text(msgs, "\r", ""))
	batch.WriteString("BTS|200\rFTS|1\r")
	for name, b := range map[string][]byte{
		"crlf.hl7":          text(msgs, "\r\n", ""),
		"lf.hl7":            text(msgs, "\n", ""),
		"cr-then-lf.hl7":    text(msgs, "\r", "\n"),
		"blank-lines.hl7":   text(msgs, "\r\n", "\r\n\r\n"),
		"framed.mllp":       framed(t, msgs),
		"framed.mllp.gz":    framed(t, msgs),
		"lf.hl7.gz":         text(msgs, "\n", ""),
		"comment.hl7":       append([]byte("# capture of bed 7, 2026-01-05\n\n"), text(msgs, "\n", "")...),
		"bom.hl7":           append([]byte("\xef\xbb\xbf"), text(msgs, "\r\n", "")...),
		"concatenated.hl7":  slices.Concat([]byte("\xef\xbb\xbf"), text(msgs[:120], "\r\n", ""), []byte("\xef\xbb\xbf"), text(msgs[120:], "\r\n", "")),
		"comment.mllp":      append([]byte("capture tool v2\r\n"), framed(t, msgs)...),
		"batch.hl7":         batch.Bytes(),
		"one-frame.mllp.gz": framed(t, [][]byte{text(msgs, "\r", "")}),
	} {
		t.Run(name, func(t *testing.T) {
			fs, stderr, err := runCheck(t, writeFile(t, dir, name, b))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := positions(fs), positions(want); !slices.Equal(got, want) {
				t.Errorf("findings %q, want %q", got, want)
			}
			if !strings.Contains(stderr, "1 files, 200 messages, 1 monitors, 0 unreadable") {
				t.Errorf("stderr %q", stderr)
			}
			if strings.HasPrefix(name, "comment.hl7") && !strings.Contains(stderr, "before the first message: 32 bytes that are no message skipped") {
				t.Errorf("the comment is not reported: %q", stderr)
			}
		})
	}
}

// A truncated frame, a frame cut by the next start block, junk and a broken
// gzip stream are reported; the rest of the file and the other files are read.
func TestCheckDamagedInput(t *testing.T) {
	dir := t.TempDir()
	msgs, _ := simMessages(sim.Options{ID: 1, Seed: 2}, 30)
	var cut bytes.Buffer
	cut.Write(framed(t, msgs[:10]))
	cut.WriteByte(mllp.StartBlock)
	cut.Write(msgs[10][:100]) // cut by the next frame's start block
	cut.Write(framed(t, msgs[11:29]))
	cut.WriteByte(mllp.StartBlock)
	cut.Write(msgs[29][:200]) // the capture ends inside the last frame
	cutFile := writeFile(t, dir, "cut.mllp", cut.Bytes())

	many, _ := simMessages(sim.Options{ID: 1, Seed: 2}, 200)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(text(many, "\r", "\n"))
	w.Close()
	brokenGz := writeFile(t, dir, "broken-gzip.hl7", gz.Bytes()[:gz.Len()/2]) // gzip by its magic bytes, not its name

	prefix := "garbage\x00\x01 no header here\n"
	junk := writeFile(t, dir, "junk.hl7", append([]byte(prefix), text(msgs[:5], "\r", "\n")...))
	after := writeFile(t, dir, "after.hl7", text(msgs[:3], "\r", "\n"))

	_, stderr, err := runCheck(t, "--monitor", "file", cutFile, brokenGz, junk, after)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		cutFile + ": message 11: mllp: frame truncated by a new start block (100 bytes skipped)",
		cutFile + ": message 30: mllp: stream ended inside a frame",
		brokenGz + ": after message ",
		"the rest of the file is lost",
		fmt.Sprintf("%s: before the first message: %d bytes that are no message skipped", junk, len(prefix)),
		"bytes of an incomplete message dropped",
		"4 files, ",
		"4 monitors, 2 unreadable",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// 30 frames in cut.mllp (two broken), 5 in junk.hl7, 3 in after.hl7 and
	// what the broken gzip stream held before it broke.
	var total int
	if _, err := fmt.Sscanf(stderr[strings.Index(stderr, "4 files, "):], "4 files, %d messages", &total); err != nil || total <= 38 || total >= 38+200 {
		t.Errorf("messages %d (%v): %s", total, err, stderr)
	}
}

// Monitors are keyed by the device identity their messages carry.
func TestCheckDeviceKeys(t *testing.T) {
	dir := t.TempDir()
	a, _ := simMessages(sim.Options{ID: 11, Seed: 3}, 120)
	b, _ := simMessages(sim.Options{ID: 12, Seed: 3}, 120)
	var mixed [][]byte
	for i := range a {
		mixed = append(mixed, a[i], b[i])
	}
	both := writeFile(t, dir, "two-beds.hl7", text(mixed, "\r", "\n"))
	first := writeFile(t, dir, "bed11-part1.hl7", text(a[:60], "\r", "\n"))
	second := writeFile(t, dir, "bed11-part2.hl7.gz", text(a[60:], "\r", "\n"))

	// An aggregating gateway: one MSH-3 for every bed, the bed's EUI-64 in OBX-18.
	var gw [][]byte
	for _, b := range mixed {
		var m hl7.Message
		if err := m.Parse(b); err != nil {
			t.Fatal(err)
		}
		gw = append(gw, bytes.Replace(b, m.SendingApplication(), []byte("GATEWAY"), 1))
	}
	gateway := writeFile(t, dir, "gateway.hl7", text(gw, "\r", "\n"))
	perSource := writeFile(t, dir, "vitals.yaml", []byte("vitals:\n  state:\n    max_per_source: 1\n"))

	for _, tc := range []struct {
		name     string
		args     []string
		monitors string
		quiet    bool // no identity findings
	}{
		{"two devices in one file", []string{both}, "240 messages, 2 monitors", true},
		// One source for both beds: the checks keep devices that interleave on one address apart (an
		// aggregating gateway), so they raise no identity finding either.
		{"two devices in one file, --monitor file", []string{"--monitor", "file", both}, "240 messages, 1 monitors", true},
		{"one device across a rotated capture", []string{first, second}, "120 messages, 1 monitors", true},
		{"one device across files, --monitor file", []string{"--monitor", "file", first, second}, "120 messages, 2 monitors", true},
		{"beds behind a gateway", []string{gateway}, "240 messages, 2 monitors", true},
		{"more devices from one source than max_per_source", []string{"--config", perSource, both},
			"two-beds.hl7: message 2: more than 1 devices from source 127.0.1.1 (vitals.state.max_per_source)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, stderr, err := runCheck(t, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stderr, tc.monitors) {
				t.Errorf("stderr %q, want %q", stderr, tc.monitors)
			}
			var identity bool
			for _, f := range fs {
				identity = identity || strings.HasPrefix(f.Rule, "identity_")
			}
			if identity == tc.quiet {
				t.Errorf("identity findings %v, want %v: %q", identity, !tc.quiet, rules(fs))
			}
		})
	}
}

// The default source addresses of files never wrap around.
func TestCheckManyFiles(t *testing.T) {
	for i, want := range map[int]string{0: "127.0.1.1", 254: "127.0.1.255", 255: "127.0.2.0", 65535: "127.1.1.0", 1<<24 - 258: "127.255.255.255"} {
		if a, err := fileSource(i); err != nil || a.String() != want {
			t.Errorf("fileSource(%d) = %v, %v; want %s", i, a, err, want)
		}
	}
	if _, err := fileSource(1<<24 - 257); err == nil {
		t.Error("no error past 127.255.255.255")
	}
	dir := t.TempDir()
	var files []string
	for i := range 300 { // one out-of-range reading per file: one finding per file
		files = append(files, writeFile(t, dir, fmt.Sprintf("f%03d.hl7", i),
			[]byte("MSH|^~\\&|MON|ICU|||20260301120000||ORU^R01|1|P|2.6\rOBX|1|NM|150456^^MDC|1|130|%|||||R\r")))
	}
	fs, _, err := runCheck(t, append([]string{"--monitor", "file"}, files...)...)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.Source] = true
	}
	if len(fs) != 300 || len(seen) != 300 {
		t.Errorf("%d findings from %d sources, want 300 from 300", len(fs), len(seen))
	}
}

// lfCapture is about size bytes of simulated messages with LF as the only
// line break.
func lfCapture(size int) []byte {
	var b []byte
	mon := sim.NewMonitor(sim.Options{ID: 1, Seed: 1})
	for len(b) < size {
		m, _, _ := mon.Next(nil)
		b = append(b, bytes.ReplaceAll(m, []byte("\r"), []byte("\n"))...)
	}
	return b
}

// Splitting costs a bounded number of byte visits per input byte, whatever
// the line breaks and however the input trickles in: the work is counted,
// not timed.
func TestSplitterLinear(t *testing.T) {
	// The bound is per byte, so small inputs show it; BenchmarkCheckLF times 8 MiB.
	lf := lfCapture(2 << 20)
	for _, tc := range []struct {
		name string
		in   []byte
		rd   func(io.Reader) io.Reader
	}{
		{"2 MiB LF-only", lf, func(r io.Reader) io.Reader { return r }},
		{"2 MiB of LF", bytes.Repeat([]byte("\n"), 2<<20), func(r io.Reader) io.Reader { return r }},
		{"2 MiB without a line break", bytes.Repeat([]byte("OBX|"), 512<<10), func(r io.Reader) io.Reader { return r }},
		{"2 MiB of short headers", bytes.Repeat([]byte("MSH|\n"), 2<<20/5), func(r io.Reader) io.Reader { return r }},
		{"256 KiB LF-only, one byte per read", lf[:256<<10], iotest.OneByteReader},
		{"256 KiB of LF, one byte per read", bytes.Repeat([]byte("\n"), 256<<10), iotest.OneByteReader},
		{"256 KiB LF-only, half reads", lf[:256<<10], iotest.HalfReader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := splitter{rd: tc.rd(bytes.NewReader(tc.in)), limit: checkMaxFrame}
			var n int
			for {
				chunk, err := s.next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n += len(chunk)
			}
			if n != len(tc.in) && len(bytes.TrimSpace(tc.in)) > 0 {
				t.Errorf("chunks hold %d bytes of %d", n, len(tc.in))
			}
			if limit := 4 * int64(len(tc.in)); s.work > limit {
				t.Errorf("work %d for %d bytes: more than %d", s.work, len(tc.in), limit)
			}
		})
	}
}

// BenchmarkCheckLF runs check over 8 MiB of LF-only text; compare with
// BenchmarkCheckCR (the same with CR).
func BenchmarkCheckLF(b *testing.B) { benchmarkCheck(b, "\n") }

// BenchmarkCheckCR is BenchmarkCheckLF with CR-terminated segments.
func BenchmarkCheckCR(b *testing.B) { benchmarkCheck(b, "\r") }

func benchmarkCheck(b *testing.B, term string) {
	in := bytes.ReplaceAll(lfCapture(8<<20), []byte("\n"), []byte(term))
	path := filepath.Join(b.TempDir(), "capture.hl7")
	if err := os.WriteFile(path, in, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if err := checkCmd(context.Background(), []string{path}, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// --arrival: MSH-7, file order, or times from a JSON-lines file.
func TestCheckArrivalModes(t *testing.T) {
	msh := func(ts string, id int) []byte {
		return fmt.Appendf(nil, "MSH|^~\\&|MON|ICU|||%s||ORU^R01|%d|P|2.6\r", ts, id)
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	msgs := [][]byte{msh("20260301120000", 1), msh("20260301120010", 2), msh("20260301110000", 3), msh("", 4), msh("20260301120020", 5)}
	side := map[arrivalKey]time.Time{{"cap.hl7", 3}: t0.Add(15 * time.Second)}
	for _, tc := range []struct {
		name     string
		c        checker
		want     []time.Duration // after t0
		unlisted int
	}{
		{"msh7", checker{}, []time.Duration{0, 10 * time.Second, -time.Hour, -time.Hour, 20 * time.Second}, 0},
		{"order", checker{order: true}, []time.Duration{0, 10 * time.Second, 10 * time.Second, 10 * time.Second, 20 * time.Second}, 0},
		{"file", checker{order: true, arrivals: side}, []time.Duration{0, 10 * time.Second, 15 * time.Second, 15 * time.Second, 20 * time.Second}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mon checkMonitor
			for i, b := range msgs {
				if err := tc.c.msg.Parse(b); err != nil && i != 3 {
					t.Fatal(err)
				}
				if got := tc.c.arrival("dir/cap.hl7", i+1, &mon); !got.Equal(t0.Add(tc.want[i])) {
					t.Errorf("message %d: arrival %v, want %v", i+1, got, t0.Add(tc.want[i]))
				}
			}
			if tc.c.unlisted != tc.unlisted {
				t.Errorf("unlisted %d, want %d", tc.c.unlisted, tc.unlisted)
			}
		})
	}
}

// Arrival times from a file reach the checks: a message stamped two hours
// ahead of its arrival is found only when check knows the arrival.
func TestCheckArrivalFile(t *testing.T) {
	dir := t.TempDir()
	msgs, at := simMessages(sim.Options{ID: 4, Seed: 5}, 100)
	capFile := writeFile(t, dir, "cap.hl7.gz", text(msgs, "\r", "\n"))
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	for i, a := range at {
		if i == 59 {
			a = a.Add(-2 * time.Hour)
		}
		enc.Encode(map[string]any{"file": "cap.hl7.gz", "message": i + 1, "arrival": a, "label": "clean"})
	}
	arrivals := writeFile(t, dir, "labels.jsonl", lines.Bytes())
	future := func(fs []checkFinding) bool {
		for _, f := range fs {
			if f.Message == 60 && strings.HasPrefix(f.Rule, "time_") {
				return true
			}
		}
		return false
	}
	fs, stderr, err := runCheck(t, "--arrival", arrivals, capFile)
	if err != nil {
		t.Fatal(err)
	}
	if !future(fs) || strings.Contains(stderr, "without an arrival time") {
		t.Errorf("with arrival times: findings %q, stderr %q", positions(fs), stderr)
	}
	if fs, _, err = runCheck(t, capFile); err != nil || future(fs) {
		t.Errorf("MSH-7 as arrival: findings %q, %v", positions(fs), err)
	}
	bad := writeFile(t, dir, "bad.jsonl", []byte(`{"file":"cap.hl7.gz","message":0,"arrival":"2026-01-05T00:00:00Z"}`+"\n"))
	if _, _, err := runCheck(t, "--arrival", bad, capFile); err == nil || !strings.Contains(err.Error(), "bad.jsonl:1") {
		t.Errorf("bad arrival file: %v", err)
	}
}

func TestCheckHelp(t *testing.T) {
	var stderr bytes.Buffer
	err := checkCmd(context.Background(), []string{"--help"}, io.Discard, &stderr)
	if !errors.Is(err, pflag.ErrHelp) {
		t.Fatalf("error %v", err)
	}
	for _, want := range []string{"gzip", "MLLP", "CR, LF or CR LF", "--arrival", "--monitor", "EUI-64"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestCheckCorpusPipeline: a small corpus of each blind generator (hl7load corpus, and corpus2, the Python one
// in test/bench/corpus2) goes through check with its arrival times and the scorer: every message read, every
// finding on a message of the corpus, one episode per manipulated monitor.
func TestCheckCorpusPipeline(t *testing.T) {
	t.Run("hl7load corpus", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := corpus.Generate(corpus.Config{Seed: 7, Dir: dir, Monitors: 6, Hours: 0.5, Gateways: 1, GatewayBeds: 2, Workers: 1}); err != nil {
			t.Fatal(err)
		}
		checkCorpus(t, dir)
	})
	t.Run("corpus2", func(t *testing.T) {
		dir := t.TempDir()
		gen := exec.Command("python3", filepath.Join("..", "..", "test", "bench", "corpus2", "gen.py"),
			"--seed", "7", "--monitors", "6", "--hours", "0.5", "--out", dir)
		if out, err := gen.CombinedOutput(); err != nil {
			t.Fatalf("corpus2 gen: %v\n%s", err, out)
		}
		checkCorpus(t, dir)
	})
}

// checkCorpus runs check over the corpus in dir and scores its findings.
func checkCorpus(t *testing.T, dir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "mon-*.hl7"))
	monitors, err := os.ReadFile(filepath.Join(dir, "monitors.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	labels, err := os.ReadFile(filepath.Join(dir, "labels.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var mons []struct{ Status string }
	for line := range bytes.Lines(monitors) {
		var m struct{ Status string }
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		mons = append(mons, m)
	}
	clean := 0
	for _, m := range mons {
		if m.Status == "clean" {
			clean++
		}
	}
	messages := bytes.Count(labels, []byte("\n"))
	var out, errOut bytes.Buffer
	if err := checkCmd(context.Background(), append([]string{"--arrival", filepath.Join(dir, "labels.jsonl")}, files...), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%d files, %d messages, %d monitors, 0 unreadable", len(files), messages, len(mons)); !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
	if strings.Contains(errOut.String(), "without an arrival time") {
		t.Errorf("stderr %q", errOut.String())
	}
	lines := bytes.Count(out.Bytes(), []byte("\n"))
	sc, err := corpus.Score(dir, bufio.NewReader(&out))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Findings != lines || sc.Unmatched != 0 || sc.Episodes != len(mons)-clean {
		t.Errorf("scored %d findings of %d, %d unmatched, %d episodes", sc.Findings, lines, sc.Unmatched, sc.Episodes)
	}
}

// FuzzSplitter: whatever the input and however it is read, the chunks are
// the input in order, losing only white space between them, and every
// chunk after the first starts with a header segment.
func FuzzSplitter(f *testing.F) {
	f.Add([]byte("MSH|^~\\&|A\rOBX|1\nMSH|x\r\n\r\nBHS|\nMSH|"), false)
	f.Add([]byte("# comment\n\n  MSH|^~\\&\n\tFTS|1"), true)
	f.Add([]byte("\r\r\n\nMSH"), true)
	f.Fuzz(func(t *testing.T, in []byte, trickle bool) {
		var rd io.Reader = bytes.NewReader(in)
		if trickle {
			rd = iotest.OneByteReader(rd)
		}
		s := splitter{rd: rd, limit: checkMaxFrame}
		var got []byte
		for i := 0; ; i++ {
			chunk, err := s.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if i > 0 && chunkKind(chunk) == chunkJunk {
				t.Fatalf("chunk %d %q starts with no header", i, chunk)
			}
			got = append(got, chunk...)
		}
		if !bytes.Equal(bytes.Join(bytes.Fields(got), nil), bytes.Join(bytes.Fields(in), nil)) {
			t.Fatalf("chunks %q, input %q", got, in)
		}
		if s.work > 4*int64(len(in))+16 {
			t.Fatalf("work %d for %d bytes", s.work, len(in))
		}
	})
}

// TestLineBreak checks lineBreak against bytes.IndexAny: \r, \n, both or
// neither, anywhere, in inputs shorter and longer than a window.
func TestLineBreak(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for range 20000 {
		b := make([]byte, r.IntN(3*lineWindow))
		for i := range b {
			b[i] = 'x'
		}
		for range r.IntN(4) {
			if len(b) > 0 {
				b[r.IntN(len(b))] = "\r\n"[r.IntN(2)]
			}
		}
		if got, want := lineBreak(b), bytes.IndexAny(b, "\r\n"); got != want {
			t.Fatalf("lineBreak = %d, want %d (%d bytes)", got, want, len(b))
		}
	}
}
