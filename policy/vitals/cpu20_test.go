package vitals_test

import (
	"slices"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestPointOfCareMoves: PV1 is read again only when it changes (session 20,
// vcpu20), and a monitor whose point of care changes between neonatal and
// adult beds is judged by the new one's limits from that message on: a cuff
// systolic of 160 mmHg is impossible for a neonate, not for an adult.
func TestPointOfCareMoves(t *testing.T) {
	for _, tc := range []struct {
		name        string
		first, then string // PV1 of the first messages, and of the last one, with the cuff reading
		want        bool   // the cuff reading is out of range
	}{
		{"adult bed, then a neonatal one", "|I|ICU^^BED1", "|I|NICU^^BED1", true},
		{"neonatal bed, then an adult one", "|I|NICU^^BED1", "|I|ICU^^BED1", false},
		{"neonatal bed throughout", "|I|NICU^^BED1", "|I|NICU^^BED1", true},
		{"no point of care, then a neonatal one", "|I", "|I|NICU^^BED1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticks := every(6, 10*sec, func(i int) msg { m := normal(i); m.pv1 = tc.first; return m })
			last := normal(6)
			last.pv1 = tc.then
			last.rows = append(last.rows, nibpS("160", ""))
			ticks = then(ticks, 10*sec, []tick{{0, last}})
			if got := slices.Contains(rulesOf(run(t, vitals.DefaultConfig(), ticks)), "range"); got != tc.want {
				t.Errorf("cuff 160 mmHg out of range: %v, want %v", got, tc.want)
			}
		})
	}
}

// TestYearZeroMessageTime: a row without OBX-14 has no observation time, so
// it is never after the message time, even one in the year 0000 (before
// Go's zero time, which stands for "none"; session 20, vcpu20: main
// reported every such row as time_future).
func TestYearZeroMessageTime(t *testing.T) {
	ticks := every(20, 10*sec, normal)
	last := normal(20)
	last.ts = "00000101000000"
	ticks = then(ticks, 10*sec, []tick{{0, last}})
	for _, f := range run(t, vitals.DefaultConfig(), ticks) {
		if f.Rule == "time_future" {
			t.Errorf("time_future on %s: %s", f.Parameter, f.Explanation)
		}
	}
}
