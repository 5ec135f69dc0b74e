package loadgen

import (
	"errors"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/internal/sim"
)

func TestContentMessages(t *testing.T) {
	tests := []struct {
		name    string
		c       Content
		minSize int
	}{
		{"unpadded", Content{Seed: 7}, 1000},
		{"16 KB", Content{Seed: 7, Size: 16 << 10}, 16 << 10},
		{"manipulated", Content{Seed: 7, Manipulation: sim.HRStep}, 1000},
		{"prebuilt", Content{Seed: 7, Prebuilt: 16}, 1000},
		{"prebuilt 16 KB", Content{Seed: 7, Size: 16 << 10, Prebuilt: 3}, 16 << 10},
		{"prebuilt manipulated", Content{Seed: 7, Manipulation: sim.Range, ManipulateAt: 1, Prebuilt: 5}, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ids := make(map[uint64]bool)
			start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
			var buf []byte
			for mon := range 3 {
				src := tc.c.source(mon, start, time.Second)
				for k := range 400 { // past the simulator's first re-send at 1/300
					msg, id, err := src.next(buf[:0])
					if err != nil {
						t.Fatalf("monitor %d message %d: %v", mon, k, err)
					}
					buf = msg
					if len(msg) < tc.minSize {
						t.Fatalf("monitor %d message %d: %d bytes, want at least %d", mon, k, len(msg), tc.minSize)
					}
					m, err := hl7.Parse(msg)
					if err != nil {
						t.Fatal(err)
					}
					if typ, trig, _ := m.MessageType(); string(typ) != "ORU" || string(trig) != "R01" {
						t.Fatalf("message type %s^%s, want ORU^R01", typ, trig)
					}
					if id != hash64(m.ControlID()) || ids[id] {
						t.Fatalf("monitor %d message %d: control ID repeated or hash wrong", mon, k)
					}
					ids[id] = true
				}
			}
		})
	}
}

// TestContentPrebuilt checks that prebuilt messages cycle through Prebuilt renderings that differ only in
// MSH-10, and that with a manipulation only the simulator's manipulated messages are kept.
func TestContentPrebuilt(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	const n = 4
	// stripped is msg without its MSH-10.
	stripped := func(msg []byte) string {
		m, err := hl7.Parse(msg)
		if err != nil {
			t.Fatal(err)
		}
		ctrl := m.ControlID()
		off := controlIDOffset(msg)
		return string(msg[:off]) + string(msg[off+len(ctrl):])
	}
	for _, c := range []Content{
		{Seed: 3, Prebuilt: n},
		{Seed: 3, Prebuilt: n, Manipulation: sim.Range, ManipulateAt: 2},
	} {
		src := c.source(0, start, time.Second)
		// The simulator's own stream, for what the prebuilt messages must be.
		ref := sim.NewMonitor(sim.Options{ID: 0, Seed: 3, Start: start, Interval: time.Second, Manipulation: c.Manipulation, ManipulateAt: c.ManipulateAt})
		var want []string
		for len(want) < n {
			msg, _, label := ref.Next(nil)
			if label.Resend || (c.Manipulation != sim.None && !label.Active) {
				continue
			}
			want = append(want, stripped(msg))
		}
		for k := range 3 * n {
			msg, _, err := src.next(nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := stripped(msg); got != want[k%n] {
				t.Fatalf("%s: message %d is not the simulator's message %d (%d vs %d bytes)", c.Manipulation, k, k%n, len(got), len(want[k%n]))
			}
		}
	}
	if _, _, err := (Content{Prebuilt: 1}).source(maxPrebuiltMonitor+1, start, time.Second).next(nil); !errors.Is(err, ErrBadContent) {
		t.Fatalf("monitor beyond the MSH-10 width: %v, want ErrBadContent", err)
	}
}

// TestContentManipulated checks that only the first Manipulated monitors carry the manipulation.
func TestContentManipulated(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	c := Content{Seed: 7, Manipulation: sim.Range, ManipulateAt: 1, Manipulated: 1}
	for mon, manipulated := range []bool{true, false} {
		clean := Content{Seed: 7}.source(mon, start, time.Second)
		src := c.source(mon, start, time.Second)
		for k := range 2 {
			a, _, err := src.next(nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _, err := clean.next(nil)
			if err != nil {
				t.Fatal(err)
			}
			if differs := string(a) != string(b); differs != (manipulated && k == 1) {
				t.Fatalf("monitor %d message %d: differs from the clean stream = %t", mon, k, differs)
			}
		}
	}
}

// TestContentManipulateAt checks that ManipulateAt reaches the simulator: two streams that differ only in
// it are the same up to the earlier start and differ from there.
func TestContentManipulateAt(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	early := Content{Seed: 7, Manipulation: sim.Range, ManipulateAt: 3}.source(0, start, time.Second)
	late := Content{Seed: 7, Manipulation: sim.Range, ManipulateAt: 1000}.source(0, start, time.Second)
	for k := range 4 {
		a, _, err := early.next(nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := late.next(nil)
		if err != nil {
			t.Fatal(err)
		}
		if same := string(a) == string(b); same != (k < 3) {
			t.Fatalf("message %d: manipulated from 3 and from 1000 alike = %t, want %t", k, same, k < 3)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"default", 0, false},
		{"16k", 16 << 10, false},
		{"16K", 16 << 10, false},
		{"3000", 3000, false},
		{"1024k", 1 << 20, false},
		{"1025k", 0, true},
		{"0", 0, true},
		{"big", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSize(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrBadContent) {
				t.Errorf("error %v is not ErrBadContent", err)
			}
		})
	}
}

func TestParseManipulation(t *testing.T) {
	for _, k := range sim.Kinds() {
		got, err := ParseManipulation(string(k))
		repeatsIDs := k == sim.ReplayMessage || k == sim.ControlIDReuse
		if repeatsIDs != (err != nil) || (err == nil && got != k) {
			t.Errorf("ParseManipulation(%q) = %q, %v", k, got, err)
		}
	}
	if k, err := ParseManipulation(""); err != nil || k != sim.None {
		t.Errorf(`ParseManipulation("") = %q, %v; want None`, k, err)
	}
	if _, err := ParseManipulation("teleport"); !errors.Is(err, ErrBadContent) {
		t.Errorf("unknown kind: %v, want ErrBadContent", err)
	}
}
