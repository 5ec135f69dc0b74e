package vitals_test

import (
	"net/netip"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestUnitByReferenceName (session 26, c4conv26): an export that sends the
// MDC reference name of its unit under a number the tables do not hold
// (268800^MDC_DIM_KILO_PASCAL on the fourth blind generator's Draeger- and
// Mindray-style capnographs) is read by that name: the etCO2 in kPa is
// judged, not ignored as a unit unknown.
func TestUnitByReferenceName(t *testing.T) {
	ticks := every(60, 10*sec, func(i int) msg {
		m := normal(i)
		m.rows = append(m.rows, row{code: "151708", value: "5.3", unit: "268800^MDC_DIM_KILO_PASCAL^MDC"})
		return m
	})
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var fs []vitals.Finding
	for i, tk := range ticks {
		m, err := hl7.Parse(tk.m.bytes(t0.Add(tk.at), i))
		if err != nil {
			t.Fatal(err)
		}
		fs = e.Observe(netip.MustParseAddr("192.0.2.10"), m, t0.Add(tk.at), fs)
	}
	if len(fs) != 0 {
		t.Errorf("findings %v, want none", rulesOf(fs))
	}
	if _, units := e.Unrecognised(); units != 0 {
		t.Errorf("%d rows of unknown units, want 0", units)
	}
	// 5.3 kPa is 39.8 mmHg: read as mm[Hg] it would be a unit mismatch.
	ticks = then(ticks, 10*sec, every(6, 10*sec, func(i int) msg {
		m := normal(60 + i)
		m.rows = append(m.rows, row{code: "151708", value: "39.8", unit: "268800^MDC_DIM_KILO_PASCAL^MDC"})
		return m
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), ticks), "unit_mismatch")
}
