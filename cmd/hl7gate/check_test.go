package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/internal/sim"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// capture writes n messages of a simulated monitor to dir/name, MLLP-framed
// or separated by CR LF, and returns the path.
func capture(t *testing.T, dir, name string, o sim.Options, n int, framed bool) string {
	t.Helper()
	var buf bytes.Buffer
	w := mllp.NewWriter(&buf)
	mon := sim.NewMonitor(o)
	for range n {
		msg, _, _ := mon.Next(nil)
		if framed {
			if err := w.WriteFrame(msg); err != nil {
				t.Fatal(err)
			}
			continue
		}
		buf.Write(bytes.ReplaceAll(msg, []byte("\r"), []byte("\r\n")))
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCheck runs checkCmd and decodes its JSON lines.
func runCheck(t *testing.T, args ...string) (fs []checkFinding, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = checkCmd(context.Background(), args, &out, &errOut)
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var f checkFinding
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		fs = append(fs, f)
	}
	return fs, errOut.String(), err
}

func rules(fs []checkFinding) []string {
	var rs []string
	for _, f := range fs {
		if !slices.Contains(rs, f.Rule) {
			rs = append(rs, f.Rule)
		}
	}
	slices.Sort(rs)
	return rs
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	// 200 messages at 10 s; the manipulation starts at message 100.
	clean := capture(t, dir, "clean.hl7", sim.Options{ID: 1, Seed: 2}, 200, false)
	flat := capture(t, dir, "flatline.mllp", sim.Options{ID: 2, Seed: 2, Manipulation: sim.HRStep, ManipulateAt: 100}, 200, true)
	rogue := capture(t, dir, "rogue.hl7", sim.Options{ID: 3, Seed: 2, Manipulation: sim.IdentityEquipment, ManipulateAt: 100}, 200, false)
	cfgFile := filepath.Join(dir, "vitals.yaml")
	if err := os.WriteFile(cfgFile, []byte("vitals:\n  enabled: true\n  rules:\n    rate_of_change:\n      enabled: false\n    hr_pr_agreement:\n      severity: critical\n      persist: 30s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	demote := filepath.Join(dir, "demote.yaml")
	if err := os.WriteFile(demote, []byte("vitals:\n  rules:\n    rate_of_change:\n      severity_for: {hr: info, spo2: critical}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badCfg := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badCfg, []byte("vitals:\n  rules:\n    frozen:\n      colour: blue\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		wantRules []string
		wantErr   error
		check     func(t *testing.T, fs []checkFinding, stderr string)
	}{
		{"clean capture is quiet", []string{clean}, nil, nil, func(t *testing.T, fs []checkFinding, stderr string) {
			if !strings.Contains(stderr, "1 files, 200 messages, 1 monitors, 0 unreadable, 0 findings") {
				t.Errorf("summary %q", stderr)
			}
		}},
		{"flat line in an MLLP capture", []string{flat}, []string{"hr_pr_agreement", "rate_of_change"}, nil, func(t *testing.T, fs []checkFinding, _ string) {
			for _, f := range fs {
				if f.File != flat || f.Message <= 100 || f.Source != "127.0.1.1" || f.Parameter != "MDC_ECG_HEART_RATE" || f.ControlID == "" {
					t.Errorf("finding %+v", f)
				}
			}
		}},
		{"config: rule off, severity changed", []string{"--config", cfgFile, flat}, []string{"hr_pr_agreement"}, nil, func(t *testing.T, fs []checkFinding, _ string) {
			if fs[0].Severity != vitals.Critical {
				t.Errorf("severity %v, want critical", fs[0].Severity)
			}
		}},
		// --rules: one finding of each, over the 1,977 s between the capture's first and last MSH-7 (1/0.549 h).
		{"--rules: findings by rule, parameter and severity, a rate per monitor-hour", []string{"--rules", "--config", demote, flat}, []string{"hr_pr_agreement", "rate_of_change"}, nil, func(t *testing.T, fs []checkFinding, stderr string) {
			for _, want := range []string{
				"findings by rule and parameter (2), most first, over 0.5 monitor-hours:",
				"        1    1.8209  hr_pr_agreement      hr         warning\n",
				"        1    1.8209  rate_of_change       hr         info\n",
			} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		}},
		{"--monitor file: files are separate monitors", []string{"--monitor", "file", clean, rogue}, []string{"identity_application"}, nil, func(t *testing.T, fs []checkFinding, _ string) {
			if fs[0].Source != "127.0.1.2" || fs[0].Monitor != "127.0.1.2" || fs[0].File != rogue {
				t.Errorf("finding %+v", fs[0])
			}
		}},
		// Since session 29 (c5miss29) the file is the connection both devices came on: the new one replaced the
		// old one there (before, a device with a new identity started a monitor with no past, and nothing was said).
		{"--monitor device: a device with a new identity is a monitor of its own, replacing the old one on the file's connection", []string{clean, rogue}, []string{"identity_application"}, nil, func(t *testing.T, fs []checkFinding, stderr string) {
			if !strings.Contains(stderr, "2 files, 400 messages, 3 monitors,") {
				t.Errorf("summary %q", stderr)
			}
			if fs[0].File != rogue || fs[0].Source != "127.0.1.2" || fs[0].Message != 103 {
				t.Errorf("finding %+v", fs[0])
			}
		}},
		// The second device comes more than state.idle_evict after the first fell silent (its clock is an
		// hour ahead): a bed turnover, not a switch.
		{"--monitor file: one source for both files, one device after the other", []string{"--monitor", "file", "--source", "192.0.2.9", clean, flat}, []string{"hr_pr_agreement", "rate_of_change"}, nil, nil},
		{"one source for both files, keyed by device", []string{"--source", "192.0.2.9", clean, flat}, []string{"hr_pr_agreement", "rate_of_change"}, nil, func(t *testing.T, fs []checkFinding, _ string) {
			if fs[0].Source != "192.0.2.9" || fs[0].Monitor != "12340000000002" {
				t.Errorf("finding %+v", fs[0])
			}
		}},
		{"bad --monitor", []string{"--monitor", "bed", clean}, nil, errUsage, nil},
		{"bad --arrival file", []string{"--arrival", filepath.Join(dir, "nope.jsonl"), clean}, nil, os.ErrNotExist, nil},
		{"per-file source", []string{"--source", flat + "=2001:db8::7", flat}, []string{"hr_pr_agreement", "rate_of_change"}, nil, func(t *testing.T, fs []checkFinding, _ string) {
			if fs[0].Source != "2001:db8::7" {
				t.Errorf("source %s", fs[0].Source)
			}
		}},
		{"neonatal profile", []string{"--profile", "neonatal", clean}, nil, nil, nil},
		{"bad profile", []string{"--profile", "child", clean}, nil, nil, nil},
		{"unknown config key", []string{"--config", badCfg, clean}, nil, nil, nil},
		{"no files", nil, nil, errUsage, nil},
		{"bad source", []string{"--source", "not-an-ip", clean}, nil, errUsage, nil},
		{"missing file", []string{filepath.Join(dir, "nope")}, nil, os.ErrNotExist, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, stderr, err := runCheck(t, tc.args...)
			switch {
			case tc.name == "bad profile":
				if err == nil || !strings.Contains(err.Error(), `vitals.profile: "child"`) {
					t.Fatalf("error %v", err)
				}
				return
			case tc.name == "unknown config key":
				if err == nil || !strings.Contains(err.Error(), "colour") {
					t.Fatalf("error %v", err)
				}
				return
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if got := rules(fs); !slices.Equal(got, tc.wantRules) {
				t.Errorf("rules %q, want %q", got, tc.wantRules)
			}
			for _, f := range fs {
				if b, _ := json.Marshal(f); bytes.Contains(b, []byte("MRN")) || bytes.Contains(b, []byte("^SIM")) {
					t.Errorf("patient data in output: %s", b)
				}
			}
			if tc.check != nil {
				tc.check(t, fs, stderr)
			}
		})
	}
}

func TestCheckUnreadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk.hl7")
	content := "MSH|^~\\&|MON|ICU|||20260301120000||ORU^R01|1|P|2.6\rOBX|1|NM|150456^^MDC|1|130|%|||||R\r" +
		"MSH|^~\\&|MON|ICU|||20260301120010||ORU^R01||P|2.6\r" // no control ID
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	fs, stderr, err := runCheck(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if got := rules(fs); !slices.Equal(got, []string{"range"}) {
		t.Errorf("rules %q", got)
	}
	if !strings.Contains(stderr, "message 2:") || !strings.Contains(stderr, "2 messages, 1 monitors, 1 unreadable, 1 findings") {
		t.Errorf("stderr %q", stderr)
	}
}

// --rules: a monitor's watched time is its arrivals, a silence longer than
// an hour (watchGap) ending a stretch, so one message stamped ten years
// off (a clock reset, with --arrival msh7) does not stretch its monitor-hours
// to ten years and its rates to nothing (review46f: they were first to latest
// arrival), nor does a night off count.
func TestCheckRulesHours(t *testing.T) {
	dir := t.TempDir()
	clean := capture(t, dir, "clean.hl7", sim.Options{ID: 1, Seed: 2}, 200, false)
	b, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	lines, n := strings.Split(string(b), "\r\n"), 0
	for i, l := range lines {
		if !strings.HasPrefix(l, "MSH|") {
			continue
		}
		if n++; n >= 100 {
			f := strings.Split(l, "|")
			year, _ := strconv.Atoi(f[6][:4])
			f[6] = strconv.Itoa(year+10) + f[6][4:]
			lines[i] = strings.Join(f, "|")
		}
		if n == 100 {
			skewed := filepath.Join(dir, "skewed.hl7") // message 100 alone ten years late
			if err := os.WriteFile(skewed, []byte(strings.Join(lines, "\r\n")), 0o600); err != nil {
				t.Fatal(err)
			}
			lines[i] = l
		}
	}
	skewed, later := filepath.Join(dir, "skewed.hl7"), filepath.Join(dir, "later.hl7") // later: 101–200 ten years on
	if err := os.WriteFile(later, []byte(strings.Join(lines, "\r\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	hours := func(file string) string {
		t.Helper()
		_, stderr, err := runCheck(t, "--rules", file)
		if err != nil {
			t.Fatal(err)
		}
		_, after, _ := strings.Cut(stderr, "most first, over ")
		h, _, ok := strings.Cut(after, " monitor-hours")
		if !ok {
			t.Fatalf("no monitor-hours in %q", stderr)
		}
		return h
	}
	if h := hours(clean); h != "0.5" {
		t.Errorf("clean capture: %s monitor-hours, want 0.5 (200 messages at 10 s)", h)
	}
	if h := hours(skewed); h != "0.5" {
		t.Errorf("one message stamped ten years late: %s monitor-hours, want 0.5 as without it", h)
	}
	if h := hours(later); h != "0.5" {
		t.Errorf("a monitor silent ten years after message 100: %s monitor-hours, want 0.5, its two stretches", h)
	}
}

// watch keeps a monitor's watched stretches in order whatever the order of
// its arrivals, joining two when a late arrival closes the silence between.
func TestWatch(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		at   []int // seconds after t0
		want []int // from, to of each stretch
	}{
		{"in order", []int{0, 10, 20}, []int{0, 20}},
		{"a batch out of order", []int{100, 90, 110, 95, 120}, []int{90, 120}},
		{"a silence longer than an hour", []int{0, 10, 4000, 4010}, []int{0, 10, 4000, 4010}},
		{"a silence shorter", []int{0, 10, 3000, 3010}, []int{0, 3010}},
		{"one stamped far off, earlier and later", []int{0, 10, -99999, 99999, 20}, []int{-99999, -99999, 0, 20, 99999, 99999}},
		{"a late arrival joins two", []int{0, 7000, 3500}, []int{0, 7000}},
		{"a late arrival between, near neither", []int{0, 10000, 5000}, []int{0, 0, 5000, 5000, 10000, 10000}},
	} {
		var ss []stretch
		for _, s := range c.at {
			ss = watch(ss, t0.Add(time.Duration(s)*time.Second), watchGap)
		}
		var got []int
		for _, s := range ss {
			got = append(got, int(s.from.Sub(t0).Seconds()), int(s.to.Sub(t0).Seconds()))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
