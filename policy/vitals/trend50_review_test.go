package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// minuteRows returns n messages a minute apart of a calm adult, each with
// heart, pulse, saturation and breathing rows stamped with the minute
// (OBX-14) and arriving extra after it; heart gives minute k's heart rate
// ("" for the calm patient's, "-" for no heart row), and more the rows added after them, stamped
// at their own times (forged rows, review50t).
func minuteRows(n int, extra time.Duration, heart func(k int) string, more func(k int, at time.Time) []row) []tick {
	ts := make([]tick, n)
	for k := range ts {
		m := t0.Add(time.Duration(k) * time.Minute)
		at := string(hl7.AppendTime(nil, m))
		h := heart(k)
		if h == "" {
			h = wobble(80, k)
		}
		var rows []row
		for _, r := range []row{hr(h), pr(wobble(80, k+5)), spo2(num(96 + float64(k%2))), rr(wobble(16, k+3))} {
			if r.value == "-" {
				continue
			}
			r.at = at
			rows = append(rows, r)
		}
		rows = append(rows, more(k, m)...)
		ts[k] = tick{time.Duration(k)*time.Minute + extra, msg{rows: rows}}
	}
	return ts
}

// stamped returns r with OBX-14 at.
func stamped(r row, at time.Time) row {
	r.at = string(hl7.AppendTime(nil, at))
	return r
}

// TestTrendRowsForged50: a forger who has read minutes. A heart rate held
// 45 min on a bed sending one row per channel a minute is frozen on main;
// the branch must report it too when the forger adds rows stamped later
// than the message's first (a batch that does not fit the time since the
// message before is read as on main: the held heart rate, the first heart
// row of its message, must still be judged).
func TestTrendRowsForged50(t *testing.T) {
	held := func(k int) string {
		if k >= 60 && k < 105 {
			return "84"
		}
		return ""
	}
	none := func(int, time.Time) []row { return nil }
	checkCases(t, []ruleCase{
		{"a heart rate held 45 min, a minute to a message", minuteRows(150, 2*sec, held, none), []string{"frozen"}},
		// The held heart rate comes after a repeated pulse row stamped
		// 90 s later, its own row stamped there too: the batch spans
		// more than the minute since the message before.
		{"a held heart rate after a pulse row 90 s later", minuteRows(150, 92*sec, func(int) string { return "-" }, func(k int, m time.Time) []row {
			h := held(k)
			if h == "" {
				h = wobble(80, k+11)
			}
			return []row{stamped(pr(wobble(80, k+7)), m.Add(90*sec)), stamped(hr(h), m.Add(90*sec))}
		}), []string{"frozen"}},
	})
}

// TestTrendRowsDiluted50: the held heart rate of the first row diluted by a
// second heart row 40 s later that moves (a forger's decoy). Main reads the
// first row only and reports frozen; minutes reads both as minutes.
func TestTrendRowsDiluted50(t *testing.T) {
	held := func(k int) string {
		if k >= 60 && k < 105 {
			return "84"
		}
		return ""
	}
	checkCases(t, []ruleCase{
		{"a held heart rate diluted by a moving row 40 s later", minuteRows(150, 42*sec, held, func(k int, m time.Time) []row {
			if k < 30 {
				return nil // the forger took the bed over after half an hour
			}
			return []row{stamped(hr(wobble(84, k+11)), m.Add(40*sec))}
		}), []string{"frozen"}},
	})
}
