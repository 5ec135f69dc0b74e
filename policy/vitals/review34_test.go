package vitals_test

import (
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// feedFrom is feed with the ticks' offsets counted from base instead of t0.
func feedFrom(t *testing.T, e *vitals.Engine, base time.Time, ticks []tick) []vitals.Finding {
	t.Helper()
	src := netip.MustParseAddr("192.0.2.10")
	var all []vitals.Finding
	for i, tk := range ticks {
		arrival := base.Add(tk.at)
		m, err := hl7.Parse(tk.m.bytes(arrival, i))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		all = e.Observe(src, m, arrival, all)
	}
	return all
}

// TestJoltedProbeBefore1970Review34 (review34): artAt holds the arrival
// that ended a jolted probe's dip in Unix seconds cut to a uint32, so an
// arrival before 1970 (offline, an arrival read from MSH-7, a device clock at
// a power-up default in a zone east of UTC) wraps to a time in 2106, which
// every later arrival lies before; on main a difference below zero counted
// as within artBurst, and the probe excused every heart-rate rise after it.
// A jolted probe excuses a rise for artBurst, on any date: the rise 6 min
// after a one-message dip is reported, the one 2 min after it is not, in
// 2026, in 1969, and with the dip's end in 1969 and the rise in 1970.
func TestJoltedProbeBefore1970Review34(t *testing.T) {
	// The dip's end, message 76 of calmBed at 20 s, 10 s before 1970.
	across := time.Unix(0, 0).Add(-76*20*time.Second - 10*time.Second)
	for _, base := range []time.Time{t0, time.Date(1969, 12, 31, 22, 0, 0, 0, time.UTC), across} {
		for _, tc := range []struct {
			name string
			step time.Duration
			edit func(i int, m *msg)
			want []string
		}{
			{"a one-message dip 6 min before", 40 * time.Second, riseAfterDip(9, 1), []string{"spike"}},
			{"a one-message dip 2 min before", 20 * time.Second, riseAfterDip(6, 1), nil},
		} {
			t.Run(base.UTC().Format("2006-01-02T15:04:05")+" "+tc.name, func(t *testing.T) {
				e, err := vitals.NewEngine(vitals.DefaultConfig())
				if err != nil {
					t.Fatal(err)
				}
				checkRules(t, feedFrom(t, e, base, calmBed(tc.step, tc.edit)), tc.want...)
			})
		}
	}
}

// TestBradyDesaturationNoJoltReview34 (review34): a saturation pulled for
// one message with the heart rate off its level by more than the agreement
// limit in it is a brady-desaturation, not a jolted probe (notePleth sets
// dipRun past probeJolt): a heart-rate rise 2 min after it is judged as
// with no dip before. No test held that branch: without it every test
// passed.
func TestBradyDesaturationNoJoltReview34(t *testing.T) {
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		hr   string // the heart rate in the dip's message
		want []string
	}{
		{"the heart on its level in the dip", "81", nil},
		{"the heart 20 below its level in the dip", "61", []string{"spike"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, cfg, calmBed(20*time.Second, func(i int, m *msg) {
				if i == 0 {
					m.rows[2] = spo2("90")
					m.rows[0] = hr(tc.hr)
				}
				if i == 6 {
					m.rows[0] = hr("141")
				}
			})), tc.want...)
		})
	}
}

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
