package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestSuctionReturn: a ventilated patient's airway suctioned. The circuit
// opens, the etCO2 falls to 0-5 mmHg for about a minute while the breathing
// rate goes erratic (coughing, the ventilator's triggers), then the circuit
// closes and the etCO2 comes back, alone, to the level it left: the end of
// the same condition, not a step no channel explains (the second blind
// generator, session 15; main before it: rate_of_change on the return). An
// etCO2 that comes back somewhere else, alone, is still a step. The first
// reading of the open circuit may land on the level's kPa number by chance.
func TestSuctionReturn(t *testing.T) {
	at := func(i int, r, co2 float64) msg {
		m := vitalsAt(i, 80, 80, 97)
		m.rows[3] = rr(num(r))
		m.rows = append(m.rows, etco2(num(co2)))
		return m
	}
	before := every(60, 10*sec, func(i int) msg { return at(i, float64(14+i%2), float64(38+i%3)) })
	rrOpen := []float64{18, 23, 13, 6, 16, 21}
	co2Open := []float64{3, 0, 1, 5, 2, 1}
	suction := func(after float64, co2Open []float64) []tick {
		return then(then(before, 10*sec, every(len(co2Open), 10*sec, func(i int) msg {
			return at(60+i, rrOpen[i], co2Open[i])
		})), 10*sec, every(30, 10*sec, func(i int) msg { return at(70+i, float64(14+i%2), after+float64(i%3)) }))
	}
	checkRules(t, run(t, vitals.DefaultConfig(), suction(38, co2Open)))
	checkRules(t, run(t, vitals.DefaultConfig(), suction(60, co2Open)), "rate_of_change")
	// The first reading of the open circuit is 5 mmHg, 38 in kPa (main
	// before session 15: unit_mismatch); a unit mislabelled holds it in
	// every message (TestUnitJumpUndone).
	checkRules(t, run(t, vitals.DefaultConfig(), suction(38, []float64{5, 0, 1, 3, 2, 1})))
	// Session 21 (probe21): the third blind generator's suction: the
	// breathing rate reads 0 while the capnograph sends nothing, for 40 s at
	// a 5 s cadence, and comes back to the patient's rate (main before it:
	// rate_of_change). A rate forged to 0 beside an etCO2 that keeps its
	// level is still a step.
	open := func(co2 bool) []tick {
		return then(then(before, 5*sec, every(8, 5*sec, func(i int) msg {
			m := at(60+i, 0, 38)
			if !co2 {
				m.rows = m.rows[:len(m.rows)-1]
			}
			return m
		})), 5*sec, every(30, 5*sec, func(i int) msg { return at(68+i, float64(14+i%2), float64(38+i%3)) }))
	}
	checkRules(t, run(t, vitals.DefaultConfig(), open(false)))
	checkRules(t, run(t, vitals.DefaultConfig(), open(true)), "rate_of_change")
}
