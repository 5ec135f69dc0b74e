package vitals_test

import (
	"slices"
	"strconv"
	"testing"
)

// TestTransducerWithVenousRead34 (review34): what venous and cvpMoved read
// of the central venous pressure. The line and the CVP down by one amount,
// then back (TestTransducerWithVenous34's quiet case), is still reported when
// the CVP cannot be read as one: in a unit the tables do not hold, in one of
// another quantity, or outside venMin..venMax; and when the message before
// the move had no CVP, or no arterial rows (the arterial values it is
// measured from lie further back), or when the diastolic did not move with
// the systolic and the mean. In kPa it is read, converted (quiet).
// Without these tests every guard but the CVP's direction and size could go
// unnoticed; without the unit's, venous indexes the unit table with 0xff.
func TestTransducerWithVenousRead34(t *testing.T) {
	kpa := func(v float64) row {
		return row{code: "150087", value: strconv.FormatFloat(v/7.500615758, 'f', 3, 64), unit: "265987"}
	}
	tests := []struct {
		name     string
		row      func(v float64) row // the CVP row for v mmHg
		before   func(m *msg)        // the message before the line's move, and before its return
		report   bool
		diaStays bool // the diastolic does not move with the systolic and the mean
	}{
		{"in mmHg", cvp, nil, false, false},
		{"in kPa", kpa, nil, false, false},
		{"in an unknown unit", func(v float64) row { return row{code: "150087", value: num(v), unit: "furlong"} }, nil, true, false},
		{"in percent", func(v float64) row { return row{code: "150087", value: num(v), unit: "262688"} }, nil, true, false},
		{"above venMax", func(v float64) row { return cvp(v + 150) }, nil, true, false},
		{"no CVP in the message before", cvp, func(m *msg) { m.rows = m.rows[:len(m.rows)-1] }, true, false},
		{"no arterial rows in the message before", cvp, func(m *msg) {
			m.rows = slices.DeleteFunc(m.rows, func(r row) bool { return r.code == "150033" || r.code == "150034" || r.code == "150035" })
		}, true, false},
		{"the diastolic steady", cvp, nil, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at := func(i int, d, v float64) msg {
				dd := d
				if tc.diaStays {
					dd = 0
				}
				m := artShifted(i, 80, d, dd, d)
				m.rows = append(m.rows, tc.row(8+v+float64(i%2)))
				if tc.before != nil && (i == 59 || i == 119) {
					tc.before(&m)
				}
				return m
			}
			checkHeightShift(t, at, -13, tc.report)
		})
	}
}
