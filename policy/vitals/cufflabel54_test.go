package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestCuffByIntelliVueLabel54 (session 54, det54a): a monitor with local
// numeric codes that labels its rows as IntelliVue does (component 2 NBPs,
// NBPd, NBPm) has its cuff read and judged on the default tables. Before,
// its cuff rows were unknown codes: a cuff reading forged every 10 s, or a
// systolic of 400, passed unseen (the seventh blind generator's three
// local-code layouts: their forged cuff cadences were caught only with the
// site's code table). The bed's own schedule and a five-minute STAT series
// stay quiet.
func TestCuffByIntelliVueLabel54(t *testing.T) {
	local := func(code, label, v, at string) row {
		return row{code: code + "^" + label + "^L", value: v, unit: "mmHg", at: at}
	}
	// cuff returns 40 minutes of messages 10 s apart from a monitor whose
	// cuff rows carry local codes and IntelliVue's labels, the reading of
	// message i stamped at(i) with systolic sys(i).
	cuff := func(sys func(i int) float64, at func(i int) time.Duration) []tick {
		return every(240, 10*sec, func(i int) msg {
			m := normal(i)
			m.app = "LOCALMON"
			ts := t0.Add(at(i)).Format("20060102150405")
			s := sys(i)
			m.rows = append(m.rows, local("601", "NBPs", num(s), ts), local("602", "NBPd", num(s-50), ts),
				local("603", "NBPm", num(s-27), ts))
			return m
		})
	}
	schedule := func(i int) time.Duration { return time.Duration(i/90) * 15 * time.Minute } // every 15 min
	// stat: the scheduled reading at 15 min, then a STAT series of readings
	// 40 s apart for five minutes, then the schedule again.
	stat := func(i int) time.Duration {
		if i >= 90 && i < 120 {
			return 15*time.Minute + time.Duration((i-90)/4)*40*sec
		}
		return schedule(i)
	}
	// forged: from 15 min on a new reading every message, 10 s apart, for
	// three minutes.
	forged := func(i int) time.Duration {
		if i >= 90 && i < 108 {
			return time.Duration(i) * 10 * sec
		}
		return schedule(i)
	}
	level := func(at func(int) time.Duration) func(int) float64 {
		return func(i int) float64 { return float64(118 + int(at(i)/(10*sec))%7) }
	}
	tests := []ruleCase{
		{"the bed's own readings every 15 min", cuff(level(schedule), schedule), nil},
		{"a five-minute STAT series 40 s apart", cuff(level(stat), stat), nil},
		{"a reading forged every 10 s for three minutes", cuff(level(forged), forged), []string{"nibp_cadence"}},
		{"a cuff systolic of 400", cuff(func(i int) float64 {
			if i == 100 {
				return 400
			}
			return 120
		}, func(i int) time.Duration {
			if i >= 100 {
				return 1000 * sec
			}
			return schedule(i)
		}), []string{"range"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...) })
	}
}
