package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/gateway/queue"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// The queue command lists dead letters without payloads, shows a payload only with
// --include-patient-data, replays and discards; it refuses a queue the gateway holds open.
func TestQueueCommand(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "hl7gate.yaml")
	// The addresses are never bound: the queue command only reads the queue directory.
	if err := os.WriteFile(cfgPath, []byte(testkit.StoreModeYAML("127.0.0.1:2575", "127.0.0.1:2576", filepath.Join(dir, "q"))), 0o600); err != nil {
		t.Fatal(err)
	}
	const phi = "PID|||MRN12345^^^HOSP^MR||SECRETNAME^PATIENT"
	q, err := queue.Open(filepath.Join(dir, "q", "vitals"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key := queue.Key("central/eui64:0009FBFFFF000001")
	seq, err := q.Append(t.Context(), key, []byte("MSH|^~\\&|MON|ICU|||||ORU^R01|C1|P|2.6\r"+phi+"\r"))
	if err != nil {
		t.Fatal(err)
	}
	if err := q.DeadLetter(key, seq, "AR from station central after 1 attempts"); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Append(t.Context(), key, []byte("MSH|^~\\&|MON|ICU|||||ORU^R01|C2|P|2.6\r")); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprint(seq)

	// Open: the gateway would hold the lock.
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"queue", "list", "--config", cfgPath}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "is the gateway running?") {
		t.Fatalf("list while open: exit %d, %s", code, errb.String())
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	cmd := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(t.Context(), append([]string{"queue"}, append(args, "--config", cfgPath)...), &out, &errb); code != 0 {
			t.Fatalf("queue %v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	list := cmd("list")
	if !strings.Contains(list, "route vitals: 1 queued") || !strings.Contains(list, "1 dead letters") ||
		!strings.Contains(list, "AR from station central") || !strings.Contains(list, string(key)) {
		t.Errorf("list:\n%s", list)
	}
	if s := cmd("inspect", id); strings.Contains(s, "SECRETNAME") || !strings.Contains(s, "--include-patient-data") {
		t.Errorf("inspect without the flag:\n%s", s)
	}
	if s := cmd("inspect", id, "--include-patient-data"); !strings.Contains(s, phi) {
		t.Errorf("inspect with the flag:\n%s", s)
	}
	if s := cmd("replay", id); !strings.Contains(s, "queued again") {
		t.Errorf("replay: %s", s)
	}
	if s := cmd("list"); !strings.Contains(s, "route vitals: 2 queued") || !strings.Contains(s, "0 dead letters") {
		t.Errorf("list after replay:\n%s", s)
	}
	var errb2 bytes.Buffer
	if code := run(t.Context(), []string{"queue", "discard", id, "--config", cfgPath}, &out, &errb2); code != 1 ||
		!strings.Contains(errb2.String(), "not found") {
		t.Errorf("discard of a replayed dead letter: exit %d, %s", code, errb2.String())
	}

	// The replayed message is queued after C2, in the same key.
	q, err = queue.Open(filepath.Join(dir, "q", "vitals"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	var got []string
	for range 2 {
		m, err := q.Next(t.Context(), key, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Split(string(m.Body), "|")[9])
		if err := q.DeadLetter(key, m.Seq, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(got, " ") != "C2 C1" {
		t.Errorf("queue after replay: %v, want C2 C1", got)
	}
	q.Close()
	ids, _ := os.ReadDir(filepath.Join(dir, "q", "vitals", "dead"))
	for _, de := range ids {
		id := strings.TrimLeft(strings.TrimSuffix(de.Name(), ".dead"), "0")
		if s := cmd("discard", id); !strings.Contains(s, "discarded") {
			t.Errorf("discard: %s", s)
		}
	}
	if s := cmd("list"); !strings.Contains(s, "0 queued") || !strings.Contains(s, "0 dead letters") {
		t.Errorf("list after discard:\n%s", s)
	}
}
