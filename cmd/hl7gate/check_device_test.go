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

// euiCapture writes one capture of n messages 30 s apart from one
// connection; message i names the device euiOf(i) in MSH-3 and OBX-18 and
// the patient pidOf(i). It returns the path.
func euiCapture(t *testing.T, dir, name string, n int, euiOf, pidOf func(i int) string) string {
	t.Helper()
	at := time.Date(2026, 1, 15, 6, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i := range n {
		ts := at.Add(time.Duration(i) * 30 * time.Second).Format("20060102150405")
		eui := euiOf(i)
		fmt.Fprintf(&b, "MSH|^~\\&|MINDRAY^%s^EUI-64||||%s+0000||ORU^R01^ORU_R01|%d|P|2.6\r", eui, ts, 4600+i)
		fmt.Fprintf(&b, "PID|||%s^^^HOSP^MR||DOE^JANE\rPV1||I|MICU^^BED087\rOBR|1|||VS|||%s+0000\r", pidOf(i), ts)
		fmt.Fprintf(&b, "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||%d|264864||||||R|||||||%s^^%s^EUI-64\r", 80+i%3, eui, eui)
		fmt.Fprintf(&b, "OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||%d|262688||||||R|||||||%s^^%s^EUI-64\r\n", 96+i%2, eui, eui)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCheckDeviceReplaced29 (session 29, c5miss29): the fifth blind
// generator's blatant identity switch sends another patient under another
// device identity (MSH-3 and OBX-18) on the monitor's connection, which
// falls silent meanwhile. --monitor device made the forged device a monitor
// of its own, with no past: nothing was reported. The file is one
// connection, and a device replacing the one it carried is reported
// (identity_application) when the new one has sent alone for 3 messages;
// an aggregating gateway's beds interleaving on one connection are not.
func TestCheckDeviceReplaced29(t *testing.T) {
	dir := t.TempDir()
	real, forged := "001C01FFFEFF033A", "080019FFFE24E643"
	switched := euiCapture(t, dir, "switch.hl7", 60, func(i int) string {
		if i >= 30 && i < 50 {
			return forged
		}
		return real
	}, func(i int) string {
		if i >= 30 && i < 50 {
			return "MRN8694004"
		}
		return "5514174"
	})
	fs, _, err := runCheck(t, switched)
	if err != nil || !slices.Equal(rules(fs), []string{"identity_application"}) || fs[0].Message != 33 {
		t.Errorf("switch: err %v, rules %v, findings %+v", err, rules(fs), fs)
	}
	beds := []string{"00E0D6FFFE000001", "00E0D6FFFE000002", "00E0D6FFFE000003"}
	gateway := euiCapture(t, dir, "gateway.hl7", 90, func(i int) string { return beds[i%3] },
		func(i int) string { return fmt.Sprint(7000 + i%3) })
	fs, stderr, err := runCheck(t, gateway)
	if err != nil || len(fs) != 0 || !strings.Contains(stderr, "3 monitors") {
		t.Errorf("gateway: err %v, rules %v, summary %q", err, rules(fs), stderr)
	}
}
