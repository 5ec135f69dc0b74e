package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// ventBed is a ventilated adult at a 5 s cadence: breathing rate 14-15,
// etCO2 38-40 for 5 min; then n messages whose breathing rate is 0 and
// whose etCO2 is left out (co2 false) or kept at its level; then 5 min as
// before.
func ventBed(n int, co2 bool) []tick {
	at := func(i int, r, c float64, withCO2 bool) msg {
		m := vitalsAt(i, 80, 80, 97)
		m.rows[3] = rr(num(r))
		if withCO2 {
			m.rows = append(m.rows, etco2(num(c)))
		}
		return m
	}
	before := every(60, 5*sec, func(i int) msg { return at(i, float64(14+i%2), float64(38+i%3), true) })
	return then(then(before, 5*sec, every(n, 5*sec, func(i int) msg {
		return at(60+i, 0, float64(38+i%3), co2)
	})), 5*sec, every(60, 5*sec, func(i int) msg { return at(60+n+i, float64(14+i%2), float64(38+i%3), true) }))
}

// TestReview22RRForgedZeroCO2Dropped: a breathing rate forged to 0 for 60 s
// (12 messages at 5 s) while the attacker simply leaves the etCO2 OBX out of
// those messages. circuitOpen takes any absent etCO2 (present within
// max_gap before) for an open circuit, so the forged 0 and its return are
// no excursion and nothing is reported; with the etCO2 kept at its level
// the same forgery is a rate_of_change (TestSuctionReturn). Deleting one
// segment is cheaper than forging a value: a cheap evasion of the design's
// "a rate forged to 0 leaves the etCO2 as it was", bounded only by max_gap
// (2 min; from about 3 min of 0 on it is reported again). Note: on the
// message alone this is the third generator's suction (RR 0, capnograph
// silent), so the fix needs another witness, see the report.
func TestReview22RRForgedZeroCO2Dropped(t *testing.T) {
	checkRules(t, run(t, vitals.DefaultConfig(), ventBed(12, false)), "rate_of_change")
}
