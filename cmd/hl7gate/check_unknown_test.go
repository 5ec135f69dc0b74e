package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCheckUnknownCodes: --unknown lists the codes of the numeric rows the
// code table does not read, keyed as vitals.codes takes them (CODE@SENDER),
// most rows first, with the OBX-3 and OBX-6 they came with; a known code, a
// string row and a code the configuration names are not listed; without the
// flag nothing is. A local-code monitor (NK-style) beside one of MDC codes.
func TestCheckUnknownCodes(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i := range 20 {
		ts := at.Add(time.Duration(i) * 15 * time.Second).Format("20060102150405")
		fmt.Fprintf(&b, "MSH|^~\\&|NK_BSM6501|ICU3|CENTRAL|HOSP|%s||ORU^R01|%d|P|2.5\r", ts, i+1)
		fmt.Fprintf(&b, "PID|||P7\rOBR|1|||VS|||%s\r", ts)
		fmt.Fprintf(&b, "OBX|1|NM|0002^HR^99NK||%d|/min|||||F\r", 80+i%3)
		fmt.Fprintf(&b, "OBX|2|NM|0250^SAT^99NK||%d|%%|||||F\r", 96+i%2) // labels the table does not hold (SpO2 and RR it does)
		fmt.Fprintf(&b, "OBX|3|ST|0999^Note^99NK||calm||||||F\r")
		if i%2 == 0 {
			fmt.Fprintf(&b, "OBX|4|NM|0300^BREATH^99NK||%d|/min|||||F\r", 16+i%3)
		}
		fmt.Fprintf(&b, "OBX|5|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||%d|262688||||||F\r\n", 96+i%2)
	}
	path := filepath.Join(dir, "nk.hl7")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runCheck(t, "--unknown", path)
	if err != nil {
		t.Fatal(err)
	}
	// 0002's label HR is a local code of the table (component 2), so it is read.
	want := "unknown codes (2): name each that is a vital sign in vitals.codes (hr, " // then the parameter keys
	spo2 := `  "0250@NK_BSM6501": ""   # 20 rows, OBX-3 0250^SAT^99NK, OBX-6 %`
	rr := `  "0300@NK_BSM6501": ""   # 10 rows, OBX-3 0300^BREATH^99NK, OBX-6 /min`
	i, j := strings.Index(stderr, spo2), strings.Index(stderr, rr)
	if !strings.Contains(stderr, want) || i < 0 || j < i || strings.Contains(stderr, "0999") || strings.Contains(stderr, "150456@") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if !strings.Contains(stderr, "not checked: 30 numeric rows of unknown codes") {
		t.Errorf("summary: %s", stderr)
	}

	cfg := filepath.Join(dir, "site.yaml")
	if err := os.WriteFile(cfg, []byte("vitals:\n  codes:\n    \"0250@NK_\": spo2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err = runCheck(t, "--unknown", "--config", cfg, path); err != nil || strings.Contains(stderr, "0250@") || !strings.Contains(stderr, rr) {
		t.Errorf("configured code: err %v, stderr:\n%s", err, stderr)
	}
	if _, stderr, err = runCheck(t, path); err != nil || strings.Contains(stderr, "unknown codes (") {
		t.Errorf("without --unknown: err %v, stderr:\n%s", err, stderr)
	}
}

// unknownCapture writes one message a line, each MSH-3 app sending OBX rows
// of the given OBX-3 fields (all NM, unit "u"), and returns its path.
func unknownCapture(t *testing.T, dir, name string, msgs [][2]string) string {
	t.Helper()
	at := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i, m := range msgs {
		ts := at.Add(time.Duration(i) * 15 * time.Second).Format("20060102150405")
		fmt.Fprintf(&b, "MSH|^~\\&|%s|ICU3|CENTRAL|HOSP|%s||ORU^R01|%d|P|2.5\rPID|||P7\rOBR|1|||VS|||%s\r", m[0], ts, i+1, ts)
		fmt.Fprintf(&b, "OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97|262688||||||F\r")
		for j, code := range strings.Split(m[1], "\t") {
			fmt.Fprintf(&b, "OBX|%d|NM|%s||%d|u|||||F\r", j+2, code, 10+j)
		}
		b.WriteString("\n")
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// unknownRows returns the summary's count of numeric rows of unknown codes
// and the sum of the rows --unknown lists for codes (keys and unnameable
// lines).
func unknownRows(t *testing.T, stderr string) (summary, listed int) {
	t.Helper()
	i := strings.Index(stderr, "not checked: ")
	if i < 0 {
		t.Fatalf("no summary in:\n%s", stderr)
	}
	fmt.Sscanf(stderr[i:], "not checked: %d numeric rows", &summary)
	for _, line := range unknownSection(stderr, "unknown codes (") {
		if j := strings.Index(line, "# "); j >= 0 {
			var n int
			if _, err := fmt.Sscanf(line[j:], "# %d rows", &n); err == nil {
				listed += n
			}
		}
	}
	return summary, listed
}

// TestCheckUnknownReview40d: the rows --unknown lists are the rows the
// summary counts (a re-sent message, which the engine skips, is not listed
// again), and every listed key, pasted into vitals.codes with a parameter,
// loads and makes its rows read: a sending application with no namespace ID
// or with '@' or '&' in it, a code only in OBX-3 component 4 or 2, a code
// holding '"', '#', a control character or a backslash, or in capitals (check's
// loader kept them lowercased). A code no key can hold (not UTF-8, or with a
// '.', which viper reads as a section) is listed as a comment, and the whole
// list still loads.
func TestCheckUnknownReview40d(t *testing.T) {
	dir := t.TempDir()
	codes := strings.Join([]string{"7001", "1.5", "^^^ALT4", "^TXT2", `Q"1`, "A#B", `x\\y`, "\xe9t\xe9", "9\x01"}, "\t")
	resent := "7001"
	path := unknownCapture(t, dir, "odd.hl7", [][2]string{
		{"ACME", codes}, {"ACME", codes},
		{"^00A0379D904B7191^EUI-64", codes},
		{"AC@ME", codes},
		{"AC&ME^X", codes},
		{"ACME", resent},
	})
	// The re-send: the same message, the same control ID, at once.
	b, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(b), "\n")
	b = append(b, lines[len(lines)-2]...)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runCheck(t, "--unknown", path)
	if err != nil {
		t.Fatal(err)
	}
	if s, l := unknownRows(t, stderr); s != l || s == 0 {
		t.Errorf("summary %d rows of unknown codes, the list %d:\n%s", s, l, stderr)
	}
	var cfg strings.Builder
	cfg.WriteString("vitals:\n  codes:\n")
	for _, line := range unknownSection(stderr, "unknown codes (") {
		cfg.WriteString("  " + strings.Replace(line, `: ""`, ": rr", 1) + "\n")
	}
	cfgPath := filepath.Join(dir, "site.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr2, err := runCheck(t, "--unknown", "--config", cfgPath, path)
	if err != nil {
		t.Fatalf("the list as vitals.codes:\n%s\n%v", cfg.String(), err)
	}
	// Left: the code not UTF-8 and the code with a '.' (one row a message, five messages each).
	if s, l := unknownRows(t, stderr2); s != 10 || l != 10 {
		t.Errorf("with the list as vitals.codes:\n%s\nsummary %d, listed %d rows, want 10:\n%s", cfg.String(), s, l, stderr2)
	}
}

// TestCheckUnknownBounded: a capture of ever new codes keeps at most
// maxUnknownCodes of them, the rest counted on one line.
func TestCheckUnknownBounded(t *testing.T) {
	dir := t.TempDir()
	var msgs [][2]string
	n := maxUnknownCodes + 50
	for i := 0; i < n; i += 100 {
		var cs []string
		for j := i; j < min(i+100, n); j++ {
			cs = append(cs, fmt.Sprint("R", j))
		}
		msgs = append(msgs, [2]string{"ACME", strings.Join(cs, "\t")})
	}
	_, stderr, err := runCheck(t, "--unknown", unknownCapture(t, dir, "many.hl7", msgs))
	if err != nil {
		t.Fatal(err)
	}
	if s, l := unknownRows(t, stderr); s != n || l != n {
		t.Errorf("summary %d, listed %d, want %d", s, l, n)
	}
	if k := strings.Count(stderr, `@ACME": ""`); k != maxUnknownCodes {
		t.Errorf("%d keys listed, want %d", k, maxUnknownCodes)
	}
}

// TestCheckUnknownUnitsRoundTrip: --unknown names the unknown units beside
// the unknown codes (a Philips-style temperature in 0004-1780^deg F^MDIL,
// whose code and text the unit table does not hold, on a known code: the key
// is component 1, not the text, review48f; a local code 7777 the code
// table does not know), and the lines it writes, pasted into vitals.codes and
// vitals.units with a parameter and a canonical unit, make check read both
// rows: the summary counts no row not checked, no unit is listed any more,
// and a temperature of 116.6 [degF] (47 Cel), out of the adult range, is
// now a range finding instead of a value ignored. A unit known for another
// quantity (a heart rate in "%") is no unknown unit, and is not listed.
func TestCheckUnknownUnitsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i := range 20 {
		ts := at.Add(time.Duration(i) * 15 * time.Second).Format("20060102150405")
		temp := fmt.Sprintf("98.%d", 4+i%3)
		if i == 15 {
			temp = "116.6"
		}
		fmt.Fprintf(&b, "MSH|^~\\&|ACME|ICU3|CENTRAL|HOSP|%s||ORU^R01|%d|P|2.5\rPID|||P7\rOBR|1|||VS|||%s\r", ts, i+1, ts)
		fmt.Fprintf(&b, "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||%d|/min|||||F\r", 80+i%3)
		fmt.Fprintf(&b, "OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||%d|%%|||||F\r", 96+i%2)
		fmt.Fprintf(&b, "OBX|3|NM|150344^MDC_TEMP^MDC||%s|0004-1780^deg F^MDIL|||||F\r", temp)
		fmt.Fprintf(&b, "OBX|4|NM|7777^BREATH^L||%d|/min|||||F\r", 16+i%3) // a label the table does not hold (Resp it does since labels55)
		if i == 0 {
			fmt.Fprintf(&b, "OBX|5|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC||%d|%%|||||F\r", 80)
		}
		b.WriteString("\n")
	}
	path := filepath.Join(dir, "acme.hl7")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	fs, stderr, err := runCheck(t, "--unknown", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("check --unknown:\n%s", stderr)
	codeLine := `  "7777@ACME": ""   # 20 rows, OBX-3 7777^BREATH^L, OBX-6 /min`
	unitLine := `  "0004-1780": ""   # 20 rows of temp, OBX-6 0004-1780^deg F^MDIL`
	if !strings.Contains(stderr, "not checked: 20 numeric rows of unknown codes, 20 rows of unknown units") ||
		!strings.Contains(stderr, "unknown units (1): give each the canonical unit it stands for in vitals.units (/min, %, mm[Hg], kPa, Cel, [degF])") ||
		!strings.Contains(stderr, codeLine) || !strings.Contains(stderr, unitLine) {
		t.Errorf("stderr:\n%s", stderr)
	}
	if slices.Contains(rules(fs), "range") {
		t.Errorf("a range finding on a value in an unknown unit: %v", rules(fs))
	}

	// The operator's completion of the lines, as written.
	codes, units := unknownSection(stderr, "unknown codes ("), unknownSection(stderr, "unknown units (")
	var cfg strings.Builder
	cfg.WriteString("vitals:\n  codes:\n")
	for _, l := range codes {
		cfg.WriteString("  " + strings.Replace(l, `: ""`, ": rr", 1) + "\n")
	}
	cfg.WriteString("  units:\n")
	for _, l := range units {
		cfg.WriteString("  " + strings.Replace(l, `: ""`, `: "[degF]"`, 1) + "\n")
	}
	cfgPath := filepath.Join(dir, "site.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	fs, stderr, err = runCheck(t, "--unknown", "--config", cfgPath, path)
	if err != nil {
		t.Fatalf("the lists as vitals.codes and vitals.units:\n%s\n%v", cfg.String(), err)
	}
	if !strings.Contains(stderr, "not checked: 0 numeric rows of unknown codes, 0 rows of unknown units") ||
		!strings.Contains(stderr, "unknown codes (0)") || !strings.Contains(stderr, "unknown units (0)") {
		t.Errorf("with\n%s\nstderr:\n%s", cfg.String(), stderr)
	}
	found := false
	for _, f := range fs {
		if f.Rule == "range" && f.Parameter == "MDC_TEMP" && f.Message == 16 {
			found = true
		}
	}
	if !found {
		t.Errorf("no range finding on the temperature of message 16 with\n%s\nfindings: %+v", cfg.String(), fs)
	}
}

// unknownSection returns the lines --unknown lists under the header that
// starts with head.
func unknownSection(stderr, head string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(stderr, "\n") {
		switch {
		case strings.HasPrefix(line, head):
			in = true
		case !strings.HasPrefix(line, "  "):
			in = false
		case in:
			out = append(out, line)
		}
	}
	return out
}
