package vitals_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// A forged MSH-7 put 40 s back on 3 messages that then comes back to 6 s
// short of the device's clock (beyond time_backwards.tolerance, 5 s) is
// never "back to the device's clock": clockStep forgets it after clockHold.
func TestReview20ClockReturnShort(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	device := func(clock func(i int) time.Duration) []tick {
		return every(120, 10*sec, func(i int) msg {
			m := normal(i)
			at := time.Duration(i)*10*sec + clock(i)
			m.ts = stamp(at)
			for j := range m.rows {
				m.rows[j].at = stamp(at - 2*sec)
			}
			return m
		})
	}
	short := func(i int) time.Duration {
		switch {
		case i < 30:
			return 0
		case i <= 32:
			return -40 * sec
		}
		return -6 * sec
	}
	checkCases(t, []ruleCase{{"MSH-7 40 s back on 3 messages, back to 6 s short", device(short), []string{"time_backwards"}}})
}

// After a silence of 8 min, a device (or a forger replaying it) resumes with
// the time it stopped at, 8 min behind, but sends each message 0.1 s sooner
// than its stamps' spacing: every message is "catching up" (off > prevOff),
// so none is time_skew, although the data is 8 min stale for the whole run.
func TestReview20StaleCatchingUp(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	ts := every(120, 10*sec, func(i int) msg {
		m := normal(i)
		m.ts = stamp(time.Duration(i) * 10 * sec)
		return m
	})
	for i := 30; i < len(ts); i++ {
		ts[i].at = time.Duration(i)*10*sec + 8*time.Minute - time.Duration(i-30)*100*time.Millisecond
	}
	checkCases(t, []ruleCase{{"resumes 8 min behind, lag shrinking 0.1 s a message", ts, []string{"time_skew"}}})
}

// A systolic forged up by 30 for 20 min with the diastolic pulled down by 8
// and the mean left: dampChanged calls both jumps the line's damping, so the
// excursion is "corroborated" and no step or box is reported.
func TestReview20ArtOpposite(t *testing.T) {
	const step = 30 * time.Second
	plain := func(i int) msg { return withArt(patient(i, 80, 97, 16, 38), i, 120, 70, 87) }
	learn := every(120, step, plain)
	held := func(f func(i int) msg) []tick {
		return then(learn, step, every(70, step, func(i int) msg {
			if i < 10 || i >= 50 {
				return plain(i + 1000)
			}
			return f(i + 1000)
		}))
	}
	for _, tc := range []ruleCase{
		{"systolic +30 alone (control)", held(func(i int) msg { return withArt(patient(i, 80, 97, 16, 38), i, 150, 70, 87) }), []string{"rate_of_change"}},
		{"systolic +30, diastolic -8, mean kept", held(func(i int) msg { return withArt(patient(i, 80, 97, 16, 38), i, 150, 62, 87) }), []string{"rate_of_change"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...)
		})
	}
}

// Config.Profile's comment, --profile's help and configs/icu-example.yaml
// say the profile is the class of a monitor that neither Neonatal nor
// Paediatric matches; with profile neonatal a monitor at a PICU bed (a
// paediatric location) is judged by the neonatal cuff limits (0-140).
func TestReview20ProfileOverridesPaediatricMatch(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "neonatal"
	ticks := every(6, 10*sec, func(i int) msg { m := normal(i); m.pv1 = "|I|PICU^^BED1"; return m })
	last := normal(6)
	last.pv1 = "|I|PICU^^BED1"
	last.rows = append(last.rows, nibpS("150", ""))
	ticks = then(ticks, 10*sec, []tick{{0, last}})
	if slices.Contains(rulesOf(run(t, cfg, ticks)), "range") {
		t.Errorf("a child's cuff systolic of 150 at a PICU bed is out of range under profile neonatal")
	}
}
