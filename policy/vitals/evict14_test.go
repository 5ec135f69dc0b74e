package vitals_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestEvictionTieDeterministic: at state.max_monitors the least recently
// seen stream makes room; when several were last seen at the same instant
// (monitors whose messages carry the same arrival times, as hl7gate check
// and the simulator give them), which one goes must not depend on the map's
// iteration order: the same input gives the same findings. Monitors a and b
// send at the same instants, c takes a place, then a sends a message whose
// MSH-7 went back 10 minutes: time_backwards if a's stream was kept, none if
// it was evicted. Over fresh engines the answer must not change.
func TestEvictionTieDeterministic(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.State.MaxMonitors = 2
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}) }
	outcome := func() bool {
		e, err := vitals.NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		observe := func(src int, m msg, at int) []vitals.Finding {
			arrival := t0.Add(time.Duration(at) * 10 * sec)
			pm, err := hl7.Parse(m.bytes(arrival, at))
			if err != nil {
				t.Fatal(err)
			}
			return e.Observe(addr(src), pm, arrival, nil)
		}
		for i := range 5 {
			observe(1, msg{rows: []row{hr("80")}}, i)
			observe(2, msg{rows: []row{hr("80")}}, i)
		}
		observe(3, msg{rows: []row{hr("80")}}, 5)
		back := string(hl7.AppendTime(nil, t0.Add(-10*time.Minute)))
		for _, f := range observe(1, msg{ts: back, rows: []row{hr("80")}}, 6) {
			if f.Rule == "time_backwards" {
				return true
			}
		}
		return false
	}
	first := outcome()
	for i := range 200 {
		if got := outcome(); got != first {
			t.Fatalf("run %d: time_backwards %v, the first run %v: which tied stream is evicted changes between runs", i+1, got, first)
		}
	}
}
