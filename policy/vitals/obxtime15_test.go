package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestObservationTimeBackwards: a continuous channel's observation time
// (OBX-14) never goes backwards, whatever lag the device stamps it with, so
// rows re-stamped minutes into the past under an honest MSH-7 are
// time_backwards (session 15, found by the second blind generator: main
// judged MSH-7 alone and was quiet). A device that stamps its rows with a
// steady lag, a breathing rate stamped with its own slower computation time, a
// channel that returns after a gap, and cuff rows that keep an older
// reading's time after a device re-stamped them with each message's time
// stay quiet; a clock that moves MSH-7 and OBX-14 back together is one
// time_backwards, not two, and neither the return from a clock jump ahead
// (for a channel absent on the return too; since session 16 the return to
// the arrival's time is no finding at all, TestClockSetRight) nor from rows
// stamped after their message (time_future) is another.
func TestObservationTimeBackwards(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	// rows returns 30 messages 10 s apart (MSH-7 at the arrival plus msh(i))
	// whose rows are stamped by obs(i, row) (OBX-14 relative to t0; the row's
	// own time when obs returns it unchanged) and edited by f.
	rows := func(msh func(i int) time.Duration, obs func(i, j int, at time.Duration) time.Duration, f func(i int, m *msg)) []tick {
		return every(30, 10*sec, func(i int) msg {
			m := normal(i)
			at := time.Duration(i) * 10 * sec
			m.ts = stamp(at + msh(i))
			for j := range m.rows {
				m.rows[j].at = stamp(obs(i, j, at-3*sec))
			}
			if f != nil {
				f(i, &m)
			}
			return m
		})
	}
	none := func(int) time.Duration { return 0 }
	lagged := func(_, _ int, at time.Duration) time.Duration { return at }
	movedBack := func(i, _ int, at time.Duration) time.Duration {
		if i >= 12 && i <= 14 {
			return at - 300*sec
		}
		return at
	}
	tests := []ruleCase{
		{"rows stamped 3 s before the message", rows(none, lagged, nil), nil},
		{"rows re-stamped 5 min back for 3 messages", rows(none, movedBack, nil), []string{"time_backwards"}},
		{"rows re-stamped 5 min back, message time too", rows(func(i int) time.Duration {
			if i >= 12 && i <= 14 {
				return -300 * sec
			}
			return 0
		}, movedBack, nil), []string{"time_backwards"}},
		{"clock 10 min ahead for 3 messages, pulse rate lost on the return", rows(func(i int) time.Duration {
			if i >= 12 && i <= 14 {
				return 10 * time.Minute
			}
			return 0
		}, func(i, _ int, at time.Duration) time.Duration {
			if i >= 12 && i <= 14 {
				return at + 10*time.Minute
			}
			return at
		}, func(i int, m *msg) {
			if i >= 15 && i < 20 {
				m.rows = append(m.rows[:1], m.rows[2:]...)
			}
		}), []string{"time_future"}},
		{"rows stamped 10 min after the message for 3 messages", rows(none, func(i, _ int, at time.Duration) time.Duration {
			if i >= 12 && i <= 14 {
				return at + 10*time.Minute
			}
			return at
		}, nil), []string{"time_future"}},
		{"breathing rate stamped when last computed, once a minute", rows(none, func(_, j int, at time.Duration) time.Duration {
			if j == 3 { // breathing rate
				return at.Truncate(time.Minute)
			}
			return at
		}, nil), nil},
		{"heart rate lost for 10 messages, back with its new time", rows(none, lagged, func(i int, m *msg) {
			if i >= 10 && i < 20 {
				m.rows = m.rows[1:]
			}
		}), nil},
		{"cuff re-stamped with each message's time, then a new reading 40 s old", rows(none, lagged, func(i int, m *msg) {
			at, v := stamp(time.Duration(i)*10*sec), "120"
			if i >= 20 {
				at, v = stamp(time.Duration(i)*10*sec-40*sec), "118"
				if i > 20 {
					at = stamp(160 * sec)
				}
			}
			m.rows = append(m.rows, nibpS(v, at), nibpD("70", at), nibpM("87", at))
		}), nil},
	}
	checkCases(t, tests)
}

// TestCuffValuesUnderOneTime: a cuff reading is one measurement, so cuff
// values that change while the rows keep one measurement time (OBX-14) are
// nibp_cadence (session 15, found by the second blind generator: main took
// every change of values for a new reading, at an interval of 0 s, which is
// not "sooner than a cuff can cycle"). New readings with their own times, a
// reading whose mean row comes and goes, and readings of a stat series
// stamped to the minute (two share a stamp) stay quiet.
func TestCuffValuesUnderOneTime(t *testing.T) {
	// cuff returns 30 messages 10 s apart of a patient with a cuff reading
	// of systolic s(i), mean m(i) ("" leaves the row out) stamped at(i).
	cuff := func(s, m func(i int) string, at func(i int) string) []tick {
		return every(30, 10*sec, func(i int) msg {
			msg := normal(i)
			msg.rows = append(msg.rows, nibpS(s(i), at(i)), nibpD("72", at(i)))
			if v := m(i); v != "" {
				msg.rows = append(msg.rows, nibpM(v, at(i)))
			}
			return msg
		})
	}
	fixed := func(v string) func(int) string { return func(int) string { return v } }
	changing := func(i int) string {
		if i >= 15 {
			return num(float64(100 + 7*(i%4)))
		}
		return "120"
	}
	tests := []ruleCase{
		{"values change under one OBX-14", cuff(changing, fixed("88"), fixed("20260301115930")), []string{"nibp_cadence"}},
		{"a new reading with its own time every 2 min", cuff(func(i int) string { return num(float64(115 + i/12)) }, fixed("88"),
			func(i int) string { return t0.Add(time.Duration(i/12)*2*time.Minute - 20*sec).Format("20060102150405") }), nil},
		{"mean row left out every other message", cuff(fixed("120"), func(i int) string {
			if i%2 == 1 {
				return ""
			}
			return "88"
		}, fixed("20260301115930")), nil},
		{"stat series stamped to the minute", cuff(func(i int) string { return num(float64(115 + (i/4)%2)) }, fixed("88"),
			func(i int) string { return t0.Add(time.Duration(i) * 10 * sec).Format("200601021504") }), nil},
	}
	checkCases(t, tests)
}

// TestCuffInAnotherUnit: a cuff reports no systolic below 30 mm[Hg], so a
// whole reading there, in order, whose systolic is a possible one for the
// patient in another unit of pressure is that unit mislabelled: kPa sent as
// mm[Hg] (session 15, found by the second blind generator: 16.0/8.7/11.2
// "mm[Hg]" lay inside the cuff's 0–280 range and passed). A neonate's low
// reading (28 kPa would be 210 mm[Hg], beyond a neonate's cuff), a low
// reading the arterial line confirms as labelled, and a swapped reading
// (bp_order's) are not.
func TestCuffInAnotherUnit(t *testing.T) {
	reading := func(s, d, m string, line bool) []tick {
		return every(12, 10*sec, func(i int) msg {
			msg := normal(i)
			at := t0.Add(-30 * sec).Format("20060102150405")
			msg.rows = append(msg.rows, nibpS(s, at), nibpD(d, at), nibpM(m, at))
			if line {
				msg.rows = append(msg.rows, artS("30"), artD("22"), artM("25"))
			}
			return msg
		})
	}
	neonatal := vitals.DefaultConfig()
	neonatal.Profile = "neonatal"
	tests := []struct {
		name  string
		cfg   vitals.Config
		ticks []tick
		want  []string
	}{
		{"adult reading in kPa labelled mm[Hg]", vitals.DefaultConfig(), reading("16.0", "8.7", "11.2", false), []string{"unit_mismatch"}},
		{"neonate's reading in kPa labelled mm[Hg]", neonatal, reading("8.0", "4.7", "6.0", false), []string{"unit_mismatch"}},
		{"neonate's low reading", neonatal, reading("28", "23", "24", false), nil},
		{"low reading the arterial line confirms", vitals.DefaultConfig(), reading("28", "23", "24", true), nil},
		{"swapped low reading", vitals.DefaultConfig(), reading("29", "50", "40", false), []string{"bp_order"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, tc.cfg, tc.ticks)
			checkRules(t, fs, tc.want...)
			if len(fs) != len(tc.want) {
				t.Errorf("%d findings, want one per rule", len(fs))
			}
		})
	}
}

// checkCases runs each case on the default configuration: its rules, one
// finding per rule, nothing else.
func checkCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), tc.ticks)
			checkRules(t, fs, tc.want...)
			if len(fs) != len(tc.want) {
				t.Errorf("%d findings, want one per rule", len(fs))
			}
		})
	}
}
