package sim_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/internal/sim"
)

func TestMonitorMessages(t *testing.T) {
	tests := []struct {
		name string
		o    sim.Options
	}{
		{"default", sim.Options{ID: 1, Seed: 1}},
		{"neonatal every minute", sim.Options{ID: 2, Seed: 1, Profile: "neonatal", Interval: time.Minute}},
		{"padded to 16 KB", sim.Options{ID: 3, Seed: 1, Size: 16 << 10}},
		{"manipulated", sim.Options{ID: 4, Seed: 1, Manipulation: sim.ControlIDReuse, ManipulateAt: 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mon := sim.NewMonitor(tc.o)
			ids := map[string]bool{}
			var last time.Time
			var m hl7.Message
			var prev []byte
			resends, reused := 0, 0
			for n := 0; n < 400; n++ {
				b, at, l := mon.Next(nil)
				if err := m.Parse(b); err != nil {
					t.Fatalf("message %d: %v\n%q", l.Index, err, b)
				}
				if typ, trig, _ := m.MessageType(); string(typ) != "ORU" || string(trig) != "R01" {
					t.Fatalf("message type %s^%s", typ, trig)
				}
				if tc.o.Size > 0 && len(b) < tc.o.Size {
					t.Fatalf("message of %d bytes, want at least %d", len(b), tc.o.Size)
				}
				if !at.After(last) {
					t.Fatalf("arrival %v not after %v", at, last)
				}
				last = at
				id := string(m.ControlID())
				switch {
				case l.Resend:
					resends++
					if !bytes.Equal(b, prev) {
						t.Fatalf("re-send differs from the message it repeats")
					}
				case ids[id]:
					reused++
					if !l.Active || tc.o.Manipulation != sim.ControlIDReuse {
						t.Fatalf("control ID %s reused outside the manipulation", id)
					}
				}
				ids[id] = true
				if l.Active != (l.Index >= l.First && l.Index <= l.Last && l.Kind != sim.None) {
					t.Fatalf("label %+v inconsistent", l)
				}
				prev = append(prev[:0], b...)
			}
			if tc.o.Manipulation == sim.ControlIDReuse && reused == 0 {
				t.Error("no control ID reused")
			}
			t.Logf("%d re-sends", resends)
		})
	}
}

func TestMonitorDeterministic(t *testing.T) {
	a, b := sim.NewMonitor(sim.Options{ID: 9, Seed: 42}), sim.NewMonitor(sim.Options{ID: 9, Seed: 42})
	for range 100 {
		ma, ta, _ := a.Next(nil)
		mb, tb, _ := b.Next(nil)
		if !bytes.Equal(ma, mb) || !ta.Equal(tb) {
			t.Fatal("same options, different streams")
		}
	}
}

func TestKindsHaveRules(t *testing.T) {
	for _, k := range sim.Kinds() {
		if len(k.Rules()) == 0 {
			t.Errorf("%s: no rules", k)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	mon := sim.NewMonitor(sim.Options{ID: 1, Seed: 1})
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf, _, _ = mon.Next(buf[:0])
	}
}
