package corpus

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// handCorpus writes labels.jsonl and monitors.jsonl of a tiny hand-made
// corpus (no .hl7 files: Score does not read them):
//
//	a.hl7  monitor A, clean, 2 h, 10 messages 10 s apart
//	b.hl7  monitor B, 2 h, spike episode 5 on messages 4–5, 10 messages 30 s apart
//	g.hl7  gateway: C (clean, 1 h) at odd positions, D (2 h) at even ones,
//	       D's frozen episode 9 on positions 2 and 4; 8 messages 10 s apart
//	e.hl7  monitor E, 1 h, drift episode 11 on message 2, 20 messages 5 s apart
func handCorpus(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 15, 6, 0, 0, 0, time.UTC)
	var mons, labels bytes.Buffer
	me, le := json.NewEncoder(&mons), json.NewEncoder(&labels)
	mon := func(id, file string, hours float64, kind string, ep int) {
		m := MonitorInfo{ID: id, File: file, Hours: hours, Status: "clean"}
		if kind != "" {
			m.Status, m.Kind, m.Episode = "manipulated", kind, ep
		}
		me.Encode(m)
	}
	mon("A", "a.hl7", 2, "", 0)
	mon("B", "b.hl7", 2, "spike", 5)
	mon("C", "g.hl7", 1, "", 0)
	mon("D", "g.hl7", 2, "frozen", 9)
	mon("E", "e.hl7", 1, "drift", 11)
	lab := func(file string, n int, monitor string, every time.Duration, kind string, ep int, events string) {
		l := Label{File: file, Message: n, Monitor: monitor, Arrival: t0.Add(time.Duration(n-1) * every), Label: "clean", Episode: ep, Events: events}
		if kind != "" {
			l.Label, l.Parameter = kind, "HR"
		}
		le.Encode(l)
	}
	for n := 1; n <= 10; n++ {
		ev := ""
		if n == 2 {
			ev = "motion"
		}
		lab("a.hl7", n, "A", 10*time.Second, "", 0, ev)
	}
	for n := 1; n <= 10; n++ {
		kind, ep, ev := "", 0, ""
		if n == 4 || n == 5 {
			kind, ep = "spike", 5
		}
		if n == 2 {
			ev = "art_flush,motion"
		}
		lab("b.hl7", n, "B", 30*time.Second, kind, ep, ev)
	}
	for n := 1; n <= 8; n++ {
		if n%2 == 1 {
			lab("g.hl7", n, "C", 10*time.Second, "", 0, "")
		} else if n <= 4 {
			lab("g.hl7", n, "D", 10*time.Second, "frozen", 9, "")
		} else {
			lab("g.hl7", n, "D", 10*time.Second, "", 0, "")
		}
	}
	for n := 1; n <= 20; n++ {
		kind, ep := "", 0
		if n == 2 {
			kind, ep = "drift", 11
		}
		lab("e.hl7", n, "E", 5*time.Second, kind, ep, "")
	}
	for name, b := range map[string][]byte{"monitors.jsonl": mons.Bytes(), "labels.jsonl": labels.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestScoreHandMade(t *testing.T) {
	dir := handCorpus(t)
	findings := strings.Join([]string{
		`{"file":"a.hl7","message":2,"check":"x"}`, // clean A, twice on one message
		`{"file":"a.hl7","message":2,"check":"y"}`,
		`{"file":"a.hl7","message":5}`,                    // clean A
		`{"file":"/elsewhere/b.hl7","message":8}`,         // B: third message after the spike: detects it
		`{"file":"b.hl7","message":9}`,                    // B: fourth, 120 s later: false flag
		`{"file":"b.hl7","message":2}`,                    // B: before the episode: false flag
		`{"file":"g.hl7","message":5}`,                    // C, right after D's episode: C's false flag, not D's detection
		`{"file":"e.hl7","message":14}`,                   // E: 12th message after, exactly 60 s: detects the drift
		`{"file":"e.hl7","message":15}`,                   // E: 65 s after: false flag
		`{"file":"zzz.hl7","message":1}`,                  // unmatched
		`{"file":"a.hl7","message":11}`,                   // unmatched
		`{"file":"a.hl7","message":0,"detail":{"x":[1]}}`, // unmatched
		``,
	}, "\n")
	s, err := Score(dir, strings.NewReader(findings))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]KindScore{}
	for _, k := range s.Kinds {
		kinds[k.Kind] = k
	}
	for _, tc := range []struct {
		kind               string
		episodes, detected int
		missed             string
	}{
		{"spike", 1, 1, "[]"}, {"frozen", 1, 0, "[9]"}, {"drift", 1, 1, "[]"}, {"replay", 0, 0, "[]"},
	} {
		k := kinds[tc.kind]
		m, _ := json.Marshal(k.Missed)
		if k.Episodes != tc.episodes || k.Detected != tc.detected || string(m) != tc.missed {
			t.Errorf("%s: %d/%d missed %s, want %d/%d missed %s", tc.kind, k.Detected, k.Episodes, m, tc.detected, tc.episodes, tc.missed)
		}
	}
	if len(s.Kinds) != len(Kinds) {
		t.Errorf("%d kinds listed, want %d", len(s.Kinds), len(Kinds))
	}
	got := []float64{float64(s.Episodes), float64(s.Detected), s.Recall, float64(s.Findings), float64(s.Unmatched),
		float64(s.CleanMonitors), s.CleanHours, float64(s.CleanFlagged), float64(s.CleanFindings), s.FalsePerHour,
		float64(s.CleanMonsFlagged), s.ManipHours, float64(s.ManipCleanFlagged), s.ManipFalsePerHour}
	want := []float64{3, 2, 2.0 / 3, 12, 3,
		2, 3, 3, 4, 1,
		2, 5, 3, 0.6}
	for i := range want {
		if d := got[i] - want[i]; d > 1e-9 || d < -1e-9 {
			t.Errorf("figure %d = %v, want %v (all: %v)", i, got[i], want[i], got)
		}
	}
	wantEv := map[string]int{"motion": 2, "art_flush": 1, "none": 4}
	if len(s.FalseByEvent) != len(wantEv) {
		t.Errorf("false flags by event %v, want %v", s.FalseByEvent, wantEv)
	}
	for e, n := range wantEv {
		if s.FalseByEvent[e] != n {
			t.Errorf("false flags by event %v, want %v", s.FalseByEvent, wantEv)
		}
	}
	var out bytes.Buffer
	if err := s.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"all", "66.7%", "3 false-flagged messages = 1.000 per monitor-hour (4 findings = 1.333); 2 monitors with any", "motion=2"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestScoreRejectsBadInput(t *testing.T) {
	dir := handCorpus(t)
	if _, err := Score(dir, strings.NewReader("{not json\n")); err == nil {
		t.Error("malformed findings accepted")
	}
	if err := os.WriteFile(filepath.Join(dir, "labels.jsonl"), []byte(`{"file":"a.hl7","message":2,"monitor":"A"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Score(dir, strings.NewReader("")); err == nil {
		t.Error("labels not starting at message 1 accepted")
	}
}

// TestScoreGenerated: findings on exactly the episode messages give full
// recall and no false flag; findings on every message give full recall and
// a false flag on every clean monitor.
func TestScoreGenerated(t *testing.T) {
	dir := t.TempDir()
	cfg := smallConfig(dir)
	cfg.Monitors, cfg.Hours = 30, 1
	if _, err := Generate(cfg); err != nil {
		t.Fatal(err)
	}
	var onEp, onAll bytes.Buffer
	for _, l := range readLabels(t, dir) {
		line, _ := json.Marshal(Finding{File: l.File, Message: l.Message})
		onAll.Write(append(line, '\n'))
		if l.Episode != 0 {
			onEp.Write(append(line, '\n'))
		}
	}
	s, err := Score(dir, &onEp)
	if err != nil {
		t.Fatal(err)
	}
	if s.Episodes != 20 || s.Recall != 1 || s.CleanFlagged != 0 || s.ManipCleanFlagged != 0 || s.Unmatched != 0 {
		t.Errorf("episode findings: %d episodes, recall %v, false %d+%d, unmatched %d", s.Episodes, s.Recall, s.CleanFlagged, s.ManipCleanFlagged, s.Unmatched)
	}
	s, err = Score(dir, &onAll)
	if err != nil {
		t.Fatal(err)
	}
	if s.Recall != 1 || s.CleanMonsFlagged != s.CleanMonitors || s.CleanMonitors != 10 || s.ManipCleanFlagged == 0 {
		t.Errorf("all findings: recall %v, %d of %d clean monitors flagged, %d manipulated clean", s.Recall, s.CleanMonsFlagged, s.CleanMonitors, s.ManipCleanFlagged)
	}
}

func FuzzScoreFindings(f *testing.F) {
	f.Add([]byte(`{"file":"a.hl7","message":2}` + "\n" + `{"file":"b.hl7","message":9}`))
	f.Add([]byte(`{"file":"../a.hl7","message":-1}`))
	f.Add([]byte("\n\n{}\n"))
	dir := handCorpus(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Score(dir, bytes.NewReader(b))
		if err != nil {
			return
		}
		if s.Detected > s.Episodes || s.Unmatched > s.Findings {
			t.Fatalf("inconsistent scores %+v", s)
		}
	})
}
