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

// FuzzObserve feeds arbitrary messages (seeded with simulated PCD-01 and
// hand-written edge cases) through an Engine: no panic, and findings keep
// their invariants.
func FuzzObserve(f *testing.F) {
	mon := sim.NewMonitor(sim.Options{ID: 1, Seed: 5, Manipulation: sim.HRStep, ManipulateAt: 2})
	for range 4 {
		b, _, _ := mon.Next(nil)
		f.Add(b)
	}
	f.Add([]byte("MSH|^~\\&|M|F|||20260301120000||ORU^R01|1|D\rOBX|1|NM|150456^^MDC|1|8388607|%||DEMO|||X|||29991231"))
	f.Add([]byte("MSH|^~\\&|M|F|||2026||ADT^A01|1|P\rPID|||1\rOBX|1|NM|150344|1|98.6|Cel|||||R\rOBX|2|NM|150021|1|-.5|kPa|||||R|||2026030112"))
	known := map[string]bool{}
	for _, r := range vitals.RuleNames() {
		known[r] = true
	}
	one, other := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := hl7.Parse(b)
		if err != nil {
			return
		}
		// A fresh engine per input keeps every run deterministic, which coverage guidance and
		// minimization need (a shared engine made minimization run for minutes). The input goes through
		// it three times, 10 s apart, from one monitor and once from another, so that the checks with
		// state (rate of change, frozen and replayed data, identity) see it as a stream.
		e, err := vitals.NewEngine(vitals.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		var all []vitals.Finding
		for i, src := range []netip.Addr{one, one, one, other} {
			fs := e.Observe(src, m, t0.Add(10*sec*time.Duration(i)), nil)
			for _, fd := range fs {
				if !known[fd.Rule] || fd.Severity == 0 || (fd.Kind != vitals.KindIntegrity && fd.Kind != vitals.KindQuality) {
					t.Fatalf("bad finding %+v", fd)
				}
				if fd.Segment < 0 || fd.Segment >= m.NumSegments() {
					t.Fatalf("finding segment %d out of range", fd.Segment)
				}
			}
			all = append(all, fs...)
		}
		if out := vitals.AppendAnnotated(nil, m, all); len(out) < len(m.Bytes()) {
			t.Fatalf("annotated message shorter than the original")
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
