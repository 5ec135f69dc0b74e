package vitals_test

import (
	"net/netip"
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

// TestJoltedProbeBefore1970Review34 (review34): probeAt holds the arrival
// that ended a jolted probe's dip in Unix seconds cut to a uint32, so an
// arrival before 1970 (offline, an arrival read from MSH-7, a device clock at
// a power-up default in a zone east of UTC) wraps to a time in 2106, which
// every later arrival lies before; on main a difference below zero counted
// as within artBurst, and the probe excused every heart-rate rise after it.
// A jolted probe excuses a rise for artBurst, on any date: the rise 6 min
// after a one-message dip is reported, the one 2 min after it is not, in
// 2026, in 1969, and with the dip's end in 1969 and the rise in 1970.
func TestJoltedProbeBefore1970Review34(t *testing.T) {
	rise := func(at, dip int) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i < dip {
				m.rows[2] = spo2("90")
			}
			if i == at {
				m.rows[0] = hr("141")
			}
		}
	}
	// The dip's end, message 76 of calmBed at 20 s, 10 s before 1970.
	across := time.Unix(0, 0).Add(-76*20*time.Second - 10*time.Second)
	for _, base := range []time.Time{t0, time.Date(1969, 12, 31, 22, 0, 0, 0, time.UTC), across} {
		for _, tc := range []struct {
			name string
			step time.Duration
			edit func(i int, m *msg)
			want []string
		}{
			{"a one-message dip 6 min before", 40 * time.Second, rise(9, 1), []string{"spike"}},
			{"a one-message dip 2 min before", 20 * time.Second, rise(6, 1), nil},
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
