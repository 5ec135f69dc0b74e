package journal

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/gateway/store"
)

func readAll(t *testing.T, dir string) []Record {
	t.Helper()
	var out []Record
	if err := Read(dir, func(r Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	for run, boot := range []string{"boot1", "boot2"} {
		j, err := Open(Options{Dir: dir}, boot)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			j.Append(store.Event{ID: uint64(i + 1), Kind: store.KindPolicy, Reason: fmt.Sprintf("run %d event %d", run, i)})
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		if j.Dropped() != 0 {
			t.Fatalf("dropped %d", j.Dropped())
		}
	}
	got := readAll(t, dir)
	if len(got) != 6 {
		t.Fatalf("%d records, want 6: %+v", len(got), got)
	}
	for i, r := range got {
		wantBoot := "boot1"
		if i >= 3 {
			wantBoot = "boot2"
		}
		if r.Boot != wantBoot || r.ID != uint64(i%3+1) || r.Reason != fmt.Sprintf("run %d event %d", i/3, i%3) {
			t.Errorf("record %d = %+v", i, r)
		}
	}
}

func TestBoundedAndRotated(t *testing.T) {
	dir := t.TempDir()
	const maxBytes = 8 * minSegmentBytes
	j, err := Open(Options{Dir: dir, MaxBytes: maxBytes, Buffer: 1 << 16}, "b")
	if err != nil {
		t.Fatal(err)
	}
	reason := strings.Repeat("x", 200)
	const n = 10000 // ~2.5 MB of events into a 512 KiB journal
	for i := range n {
		j.Append(store.Event{ID: uint64(i + 1), Kind: store.KindVitals, Reason: reason})
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	var total int64
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		info, _ := e.Info()
		total += info.Size()
	}
	if total > maxBytes || len(ents) < 2 {
		t.Fatalf("%d segments, %d bytes in all, want at most %d bytes over several segments", len(ents), total, maxBytes)
	}
	if j.Dropped() != 0 {
		t.Fatalf("dropped %d with a buffer larger than the events", j.Dropped())
	}
	got := readAll(t, dir)
	for i := 1; i < len(got); i++ { // the newest survive, in order
		if got[i].ID != got[i-1].ID+1 {
			t.Fatalf("record %d has ID %d after %d", i, got[i].ID, got[i-1].ID)
		}
	}
	if len(got) == 0 || got[len(got)-1].ID != n || got[0].ID == 1 {
		t.Fatalf("kept IDs %d..%d, want the newest up to %d and the oldest gone", got[0].ID, got[len(got)-1].ID, n)
	}
}

func TestDropsInsteadOfBlocking(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(Options{Dir: dir, Buffer: 1}, "b")
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000
	for i := range n { // a one-event buffer: Append never waits for the writer, it drops
		j.Append(store.Event{ID: uint64(i + 1), Kind: store.KindPolicy})
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	written := uint64(len(readAll(t, dir)))
	if written+j.Dropped() != n || written == 0 {
		t.Fatalf("%d written + %d dropped, want %d in all", written, j.Dropped(), n)
	}
	j.Append(store.Event{Kind: store.KindPolicy})
	if j.Dropped() != n-written+1 {
		t.Fatalf("an event appended after Close was not counted as dropped")
	}
}

func TestTornTailSkipped(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(Options{Dir: dir}, "b")
	if err != nil {
		t.Fatal(err)
	}
	j.Append(store.Event{ID: 1, Kind: store.KindPolicy, Reason: "whole"})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, segmentName(1)), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"boot":"b","id":2,"kind":"pol`) // power lost mid-line
	f.Close()
	got := readAll(t, dir)
	if len(got) != 1 || got[0].Reason != "whole" {
		t.Fatalf("got %+v", got)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"boot":"b","id":1,"kind":"policy","reason":"x"}` + "\n"))
	f.Add([]byte("\n\n{" + strings.Repeat("a", 70000) + "\n{}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		if err := decode(bytes.NewReader(b), func(Record) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		if n > bytes.Count(b, []byte("\n"))+1 {
			t.Fatalf("%d records from %d lines", n, bytes.Count(b, []byte("\n"))+1)
		}
	})
}
