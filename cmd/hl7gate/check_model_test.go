package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// modelBed writes n messages 15 s apart of a monitor that names only its
// model in MSH-3 (no EUI-64 anywhere) and its bed in MSH-4, as Spacelabs
// monitors do, for patient pid, starting at from; it returns the path.
func modelBed(t *testing.T, dir, bed, pid string, from time.Time, n int) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		ts := from.Add(time.Duration(i) * 15 * time.Second).Format("20060102150405")
		fmt.Fprintf(&b, "MSH|^~\\&|ULTRAVIEW_SL|%s|CENTRAL|HOSP|%s||ORU^R01|%s%d|P|2.4\r", bed, ts, bed, i)
		fmt.Fprintf(&b, "PID|||%s||DOE^JANE\rOBR|1||%d|VS|||%s\r", pid, i, ts)
		fmt.Fprintf(&b, "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||%d|264864||||||R\r", 80+i%3)
		fmt.Fprintf(&b, "OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||%d|262688||||||R\r\n", 96+i%2)
	}
	path := filepath.Join(dir, bed+".hl7")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCheckModelName (session 26, c4conv26): two beds of one model, each
// naming the model alone in MSH-3 and its bed in MSH-4, captured in two files
// with their own patients and clocks, are two monitors. Keyed by MSH-3 alone
// they were one device whose MSH-4, patient and clock changed at every file
// (identity_application, identity_patient, time_backwards on the fourth
// blind generator's Spacelabs-style clean beds). One --source joins them
// again, and then the replaced device is reported.
func TestCheckModelName(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	a := modelBed(t, dir, "ICU09", "P1", at, 40)
	b := modelBed(t, dir, "ICU14", "P2", at.Add(-4*time.Hour), 40)
	fs, stderr, err := runCheck(t, a, b)
	if err != nil || len(fs) != 0 || !strings.Contains(stderr, "2 files, 80 messages, 2 monitors,") {
		t.Errorf("separate files: err %v, rules %v, summary %q", err, rules(fs), stderr)
	}
	if !strings.Contains(stderr, "not checked: 0 numeric rows of unknown codes, 0 rows of unknown units") {
		t.Errorf("summary %q", stderr)
	}
	fs, _, err = runCheck(t, "--source", "192.0.2.9", a, b)
	if err != nil || !strings.Contains(strings.Join(rules(fs), " "), "identity_application") {
		t.Errorf("one source: err %v, rules %v", err, rules(fs))
	}
}
