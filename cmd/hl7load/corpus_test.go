package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorpusGenAndScore runs "corpus gen" on a small corpus, then "corpus
// score" with findings on every message of one episode.
func TestCorpusGenAndScore(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"corpus", "gen", "--seed", "3", "--out", dir, "--monitors", "16",
		"--hours", "0.5", "--gateways", "0"}, &out, &errb); err != nil {
		t.Fatalf("gen: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "16 monitors (5 clean) in 16 files") {
		t.Fatalf("gen output: %s", out.String())
	}
	labels, err := os.ReadFile(filepath.Join(dir, "labels.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var findings bytes.Buffer
	episode := 0
	for _, line := range bytes.Split(bytes.TrimSpace(labels), []byte("\n")) {
		var l struct {
			File    string `json:"file"`
			Message int    `json:"message"`
			Episode int    `json:"episode"`
		}
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatal(err)
		}
		if l.Episode != 0 && (episode == 0 || episode == l.Episode) {
			episode = l.Episode
			findings.Write(line)
			findings.WriteByte('\n')
		}
	}
	fpath := filepath.Join(dir, "findings.jsonl")
	if err := os.WriteFile(fpath, findings.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"corpus", "score", "--dir", dir, "--findings", fpath, "--json"}, &out, &errb); err != nil {
		t.Fatalf("score: %v\n%s", err, errb.String())
	}
	var s struct {
		Episodes, Detected int
		CleanFlagged       int `json:"clean_flagged"`
	}
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Episodes != 11 || s.Detected != 1 || s.CleanFlagged != 0 {
		t.Errorf("scores %+v, want 11 episodes, 1 detected, no false flag", s)
	}
	if err := run(context.Background(), []string{"corpus", "score", "--dir", dir}, &out, &errb); err == nil {
		t.Error("score without --findings accepted")
	}
}
