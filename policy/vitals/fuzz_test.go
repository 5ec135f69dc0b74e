package vitals_test

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/internal/sim"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// FuzzObserve feeds streams of arbitrary messages (seeded with simulated
// PCD-01 and hand-written edge cases) through an Engine: no panic, and
// findings keep their invariants. Three different messages are sent in
// turn, twice, gap seconds apart from one monitor, so the checks with state
// (steps, spikes, corroboration, freezes, replays, identity, episodes) see a
// stream whose values change; the last one also comes from another monitor.
func FuzzObserve(f *testing.F) {
	for _, k := range []sim.Kind{sim.HRStep, sim.SpO2Step, sim.Frozen, sim.IdentityPatient, sim.ControlIDReuse} {
		mon := sim.NewMonitor(sim.Options{ID: 1, Seed: 5, Manipulation: k, ManipulateAt: 1})
		var ms [3][]byte
		for i := range ms {
			ms[i], _, _ = mon.Next(nil)
		}
		f.Add(ms[0], ms[1], ms[2], uint16(10))
	}
	f.Add([]byte("MSH|^~\\&|M|F|||20260301120000||ORU^R01|1|D\rOBX|1|NM|150456^^MDC|1|8388607|%||DEMO|||X|||29991231"),
		[]byte("MSH|^~\\&|M|F|||20260301120010||ORU^R01|1|P\rPID|||7||^^^^^^U\rOBX|1|NM|147842|1|-100|bpm|||||R"),
		[]byte("MSH|^~\\&|M|F|||2026||ADT^A01|1|P\rPID|||1\rOBX|1|NM|150344|1|98.6|Cel|||||R\rOBX|2|NM|150021|1|-.5|kPa|||||R|||2026030112"),
		uint16(1))
	// The central venous pressure beside the arterial rows (pCVP, cvpMoved),
	// then both moved by one amount (review34).
	f.Add([]byte("MSH|^~\\&|M|F|||20260301120000||ORU^R01|1|P\rOBX|1|NM|150033|1|120|266016\rOBX|2|NM|150034|1|70|266016\rOBX|3|NM|150035|1|90|266016\rOBX|4|NM|150087|1|8|266016"),
		[]byte("MSH|^~\\&|M|F|||20260301120030||ORU^R01|2|P\rOBX|1|NM|150033|1|105|266016\rOBX|2|NM|150034|1|55|266016\rOBX|3|NM|150035|1|75|266016\rOBX|4|NM|150087|1|-5|266016"),
		[]byte("MSH|^~\\&|M|F|||20260301120100||ORU^R01|3|P\rOBX|1|NM|150087|1|0.6|kPa\rOBX|2|NM|60985-9|1|7|%"),
		uint16(30))
	known := map[string]bool{}
	for _, r := range vitals.RuleNames() {
		known[r] = true
	}
	one, other := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	f.Fuzz(func(t *testing.T, b1, b2, b3 []byte, gap uint16) {
		var ms []*hl7.Message
		for _, b := range [][]byte{b1, b2, b3} {
			if m, err := hl7.Parse(b); err == nil {
				ms = append(ms, m)
			}
		}
		if len(ms) == 0 {
			return
		}
		// A fresh engine per input keeps every run deterministic, which coverage guidance and
		// minimization need.
		cfg := vitals.DefaultConfig()
		cfg.State.ReportClose = gap%2 == 1
		e, err := vitals.NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		step := time.Duration(gap%600+1) * sec
		for i := range 2 * len(ms) {
			m, src := ms[i%len(ms)], one
			if i == 2*len(ms)-1 {
				src = other
			}
			fs := e.Observe(src, m, t0.Add(step*time.Duration(i)), nil)
			for _, fd := range fs {
				if !known[fd.Rule] || fd.Severity == 0 || (fd.Kind != vitals.KindIntegrity && fd.Kind != vitals.KindQuality) {
					t.Fatalf("bad finding %+v", fd)
				}
				if fd.Segment < 0 || fd.Segment >= m.NumSegments() {
					t.Fatalf("finding segment %d out of range", fd.Segment)
				}
				if fd.Count < 1 {
					t.Fatalf("finding count %d", fd.Count)
				}
			}
			if out := vitals.AppendAnnotated(nil, m, fs); len(out) < len(m.Bytes()) {
				t.Fatalf("annotated message shorter than the original")
			}
		}
	})
}

// FuzzNumbers checks OBX-5 parsing through Observe against strconv: a value
// the engine accepts as a measurement must be one strconv reads the same.
func FuzzNumbers(f *testing.F) {
	for _, s := range []string{"80", "-12.5", "+3", "0.000001", ".5", "5.", "1e3", "1.2.3", " 7 ", "", "99999999999999999999", "8388607"} {
		f.Add(s)
	}
	cfg := vitals.DefaultConfig()
	cfg.Rules.Range.Limits = map[string]vitals.Limits{"hr": {Min: -1e300, Max: -1e299}} // every number is out of range
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsAny(s, "|^~\\&\r\n") {
			return // not one OBX-5 value
		}
		m, err := hl7.Parse([]byte("MSH|^~\\&|M|F|||20260301120000||ORU^R01|1|P\rOBX|1|NM|147842|1|" + s + "|||||R"))
		if err != nil {
			return
		}
		e, err := vitals.NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		fs := e.Observe(netip.MustParseAddr("10.0.0.1"), m, t0, nil)
		if len(fs) == 0 {
			return // not read as a measurement
		}
		if fs[0].Rule != "range" {
			t.Fatalf("finding %+v, want range", fs[0])
		}
		v, err := strconv.ParseFloat(string(m.Segment(1).Field(5).Bytes()), 64)
		if err != nil && len(s) > 0 && s[0] != ' ' && s[len(s)-1] != ' ' {
			t.Fatalf("engine read %q as %g; strconv: %v", s, fs[0].Value, err)
		}
		if err == nil && v != fs[0].Value {
			t.Fatalf("engine read %q as %g, strconv as %g", s, fs[0].Value, v)
		}
	})
}
