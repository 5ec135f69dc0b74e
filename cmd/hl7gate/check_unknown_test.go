package main

import (
	"fmt"
	"os"
	"path/filepath"
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
		fmt.Fprintf(&b, "OBX|2|NM|0250^SpO2^99NK||%d|%%|||||F\r", 96+i%2)
		fmt.Fprintf(&b, "OBX|3|ST|0999^Note^99NK||calm||||||F\r")
		if i%2 == 0 {
			fmt.Fprintf(&b, "OBX|4|NM|0300^RR^99NK||%d|/min|||||F\r", 16+i%3)
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
	spo2 := `  "0250@NK_BSM6501": ""   # 20 rows, OBX-3 0250^SpO2^99NK, OBX-6 %`
	rr := `  "0300@NK_BSM6501": ""   # 10 rows, OBX-3 0300^RR^99NK, OBX-6 /min`
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
