package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/journal"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// Strings of the test messages' PID that must never reach the bundle.
var patientStrings = []string{"SECRETNAME", "MRN12345", "19700101"}

// evidenceMsg is a PCD-01-shaped message of type typ with a fake patient; unit is the heart rate's unit
// (a percent raises a vital-sign finding).
func evidenceMsg(typ, ctrl, unit string) []byte {
	return []byte(strings.Join([]string{
		"MSH|^~\\&|MONX|ICU|CENTRAL|HOSP|20261125120000||" + typ + "|" + ctrl + "|P|2.6",
		"PID|||MRN12345^^^HOSP^MR||SECRETNAME^PATIENT||19700101|F",
		"OBR|1|||182777000^monitoring of patient^SCT|||20261125120000",
		"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|" + unit + "|||||R|||20261125120000||||0009FBFFFF059322^EUI-64",
	}, "\r") + "\r")
}

// runGatewayOnce serves cfgPath's gateway, sends msgs from one monitor, expects each ack code in want,
// and stops the gateway (gracefully: the journal is closed).
func runGatewayOnce(t *testing.T, cfgPath string, msgs [][]byte, want []hl7.AckCode) {
	t.Helper()
	cfg, err := loadConfig(cfgPath, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan *gateway.Gateway, 1)
	done := make(chan error, 1)
	var logs testkit.LogBuffer
	go func() {
		done <- serve(ctx, cfg, newLogger(cfg.Log, &logs), nil, func(g *gateway.Gateway) { started <- g })
	}()
	var g *gateway.Gateway
	select {
	case g = <-started:
	case err := <-done:
		t.Fatalf("gateway ended: %v", err)
	}
	c, err := net.Dial("tcp", g.ListenerAddr("icu").String())
	if err != nil {
		t.Fatal(err)
	}
	r, w := mllp.NewReader(c, 0), mllp.NewWriter(c)
	for i, m := range msgs {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if err := w.WriteFrame(m); err != nil {
			t.Fatal(err)
		}
		ack, err := r.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		am, err := hl7.Parse(ack)
		if err != nil {
			t.Fatal(err)
		}
		if code, _, _ := hl7.ParseAck(am); code != want[i] {
			t.Fatalf("message %d: ACK %s, want %s", i, code, want[i])
		}
	}
	c.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, s := range patientStrings {
		if strings.Contains(logs.String(), s) {
			t.Fatalf("patient data %q in the logs", s)
		}
	}
}

// A gateway records events, restarts, records more; the bundle holds both runs' events, its manifest's
// hashes verify, and nothing of the messages' patient reaches any of its files.
func TestEvidenceBundleAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	station := testkit.AckStation(t)
	cfgPath := filepath.Join(dir, "hl7gate.yaml")
	cfgText := fmt.Sprintf(`listeners:
  - name: icu
    address: "127.0.0.1:0"
    allow_sources: ["127.0.0.0/8"]
stations:
  - name: central
    address: %q
routes:
  - name: vitals
    match: {message_types: ["ORU^R01"]}
    stations: [central]
state:
  journal:
    dir: %q
`, station.String(), filepath.Join(dir, "journal"))
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	runGatewayOnce(t, cfgPath, [][]byte{
		evidenceMsg("ORU^R01", "RUN1-OK", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
		evidenceMsg("ADT^A01", "RUN1-ADT", "264864^MDC_DIM_BEAT_PER_MIN^MDC"), // no route: AR, a policy event
		evidenceMsg("ORU^R01", "RUN1-VITALS", "%"),                            // unit mismatch: a vitals event, delivered
	}, []hl7.AckCode{hl7.AA, hl7.AR, hl7.AA})
	runGatewayOnce(t, cfgPath, [][]byte{
		evidenceMsg("ADT^A01", "RUN2-ADT", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
	}, []hl7.AckCode{hl7.AR})

	for _, phi := range []bool{false, true} {
		t.Run(fmt.Sprintf("include-patient-data=%v", phi), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bundle.tar.gz")
			args := []string{"--config", cfgPath, "--since", "1h", "--device", "127.0.0.1", "-o", out}
			if phi {
				args = append(args, "--include-patient-data")
			}
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), append([]string{"evidence"}, args...), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, &stderr)
			}
			files := testkit.EvidenceFiles(t, out)
			var m manifest
			if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
				t.Fatal(err)
			}
			if len(m.Files) != len(files)-1 {
				t.Errorf("manifest lists %d files, the bundle has %d besides it", len(m.Files), len(files)-1)
			}
			for _, f := range m.Files {
				if got := sha(files[f.Name]); got != f.SHA256 || len(files[f.Name]) != f.Bytes {
					t.Errorf("%s: sha256 %s (%d bytes), manifest says %s (%d)", f.Name, got, len(files[f.Name]), f.SHA256, f.Bytes)
				}
			}
			if !strings.Contains(stdout.String(), sha(files["manifest.json"])) {
				t.Errorf("stdout does not name the manifest's sha256: %s", &stdout)
			}
			if m.PatientData.Included || m.Request.PatientDataRequested != phi || strings.Contains(m.PatientData.Note, "requested with") != phi {
				t.Errorf("patient_data %+v with the flag %v", m.PatientData, phi)
			}
			cfgRaw, _ := os.ReadFile(cfgPath)
			if !strings.Contains(string(files["README.txt"]), sha(cfgRaw)) {
				t.Error("README does not give the configuration file's sha256")
			}
			cfg, err := loadConfig(cfgPath, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if effective, _ := cfg.YAML(); !bytes.Equal(files["config.yaml"], effective) {
				t.Errorf("config.yaml is not the configuration in effect (validate --print):\n%s", files["config.yaml"])
			}
			var ctrls, sessions []string
			boots := map[string]bool{}
			if err := journalDecode(files["timeline.jsonl"], func(r journal.Record) {
				boots[r.Boot] = true
				if r.Kind == store.KindSession { // the device's connection timeline: one per run's connection
					sessions = append(sessions, r.SendingApp+" "+strings.Join(strings.Fields(r.Reason)[3:6], " "))
				}
				if r.ControlID != "" {
					ctrls = append(ctrls, r.Kind+":"+r.ControlID)
				}
			}); err != nil {
				t.Fatal(err)
			}
			want := "policy:RUN1-ADT vitals:RUN1-VITALS policy:RUN2-ADT"
			if got := strings.Join(ctrls, " "); got != want || len(boots) != 2 || len(m.Boots) != 2 {
				t.Errorf("timeline events %q from %d runs, want %q from 2", got, len(boots), want)
			}
			if got, want := strings.Join(sessions, "; "), "MONX closed after 3; MONX closed after 1"; got != want {
				t.Errorf("connections in the timeline: %q, want %q", got, want)
			}
			for name, data := range files {
				for _, s := range patientStrings {
					if bytes.Contains(data, []byte(s)) {
						t.Errorf("%s holds patient data %q", name, s)
					}
				}
			}
		})
	}
	// Another device's bundle holds the gateway's own events only.
	out := filepath.Join(dir, "other.tar.gz")
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"evidence", "--config", cfgPath, "--since", "1h", "--device", "10.9.9.9", "-o", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	if err := journalDecode(testkit.EvidenceFiles(t, out)["timeline.jsonl"], func(r journal.Record) {
		if r.Kind != "gateway" {
			t.Errorf("event of another device in its bundle: %+v", r)
		}
	}); err != nil {
		t.Fatal(err)
	}
}

func journalDecode(b []byte, fn func(journal.Record)) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var r journal.Record
		if err := dec.Decode(&r); err != nil {
			return err
		}
		fn(r)
	}
	return nil
}

// A window inside a journal gap (the journal could not write: a full disk) gets the gap record, though
// the record was written after the window, when the journal wrote again; README and summary.json say
// the bundle is incomplete and by how many events.
func TestEvidenceShowsJournalGap(t *testing.T) {
	dir := t.TempDir()
	jdir := filepath.Join(dir, "journal")
	cfgPath := filepath.Join(dir, "hl7gate.yaml")
	cfgText := fmt.Sprintf(`listeners:
  - name: icu
    address: "127.0.0.1:0"
    allow_sources: ["127.0.0.0/8"]
stations:
  - name: central
    address: "127.0.0.1:9"
routes:
  - name: vitals
    match: {message_types: ["ORU^R01"]}
    stations: [central]
state:
  journal:
    dir: %q
export:
  webhook:
    - name: soc
      url: "https://hooks.example/services/T0/B0/%s"
`, jdir, webhookSecret)
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().Add(-3 * time.Hour).UTC()
	gap := journal.Record{Boot: "b", Event: store.Event{Time: t0.Add(2 * time.Hour), Kind: store.KindGateway, Severity: "warning",
		Rule: journal.GapRule, Count: 42, FirstSeen: t0, LastSeen: t0.Add(2 * time.Hour), Reason: "event journal gap"}}
	line, err := json.Marshal(gap)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(jdir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(jdir, "events-0000000000000001.jsonl"), append(line, '\n'), 0o640); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "gap.tar.gz")
	var stdout, stderr bytes.Buffer
	args := []string{"evidence", "--config", cfgPath, "--since", t0.Add(30 * time.Minute).Format(time.RFC3339),
		"--until", t0.Add(time.Hour).Format(time.RFC3339), "--device", "10.9.9.9", "-o", out}
	if code := run(t.Context(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	files := testkit.EvidenceFiles(t, out)
	var got []journal.Record
	if err := journalDecode(files["timeline.jsonl"], func(r journal.Record) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Rule != journal.GapRule || got[0].Count != 42 {
		t.Errorf("timeline %+v, want the gap record", got)
	}
	var sum struct {
		Gaps         int    `json:"journal_gaps"`
		NotJournaled uint64 `json:"events_not_journaled"`
	}
	if err := json.Unmarshal(files["summary.json"], &sum); err != nil || sum.Gaps != 1 || sum.NotJournaled != 42 {
		t.Errorf("summary.json %s (%v), want 1 gap of 42 events", files["summary.json"], err)
	}
	if !bytes.Contains(files["README.txt"], []byte("INCOMPLETE the journal has 1 gap(s) here: 42 events")) {
		t.Errorf("README.txt does not say the bundle is incomplete:\n%s", files["README.txt"])
	}
	for name, data := range files { // the bundle goes to whoever investigates: no secret of the configuration
		if bytes.Contains(data, []byte(webhookSecret)) {
			t.Errorf("%s holds the webhook URL's secret", name)
		}
	}
	if !bytes.Contains(files["config.yaml"], []byte("url: https://hooks.example/<redacted>")) {
		t.Errorf("config.yaml does not show the webhook redacted:\n%s", files["config.yaml"])
	}
}

// webhookSecret stands for the token a Slack- or Teams-style webhook URL carries in its path.
const webhookSecret = "Xq7secretTokenInPath"
