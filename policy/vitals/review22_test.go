package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// review22: tests for the merge of probe21 (a temperature fall held back
// while it may be a probe cooling toward the air; a breathing rate of 0
// through an open circuit is no excursion).

// tempBed is an adult at a 60 s cadence whose temperature is 37.0 for an
// hour, then temps, then the last of temps held for half an hour (a forged
// level that stays; no return for probeBack to judge).
func tempBed(temps ...string) []tick {
	return every(60+len(temps)+30, time.Minute, func(i int) msg {
		m := normal(i)
		switch k := i - 60; {
		case k >= len(temps):
			m.rows[4] = temp(temps[len(temps)-1])
		case k >= 0:
			m.rows[4] = temp(temps[k])
		}
		return m
	})
}

// TestReview22TempForgedDecayThenHeld: a core temperature forged down from
// 37.0 to a hypothermic 35.3 °C, shaped as three shrinking falls (1.0, 0.5,
// 0.2: each at least a third of the one before, the last reading far above
// any room's air) and then held there for half an hour. probe21's rule takes
// the three falls for a probe cooling toward the air and never judges the
// fall, also when the "decay" stops at 35.3 instead of going on toward the
// room's 25-32 °C. Main before probe21 reported the 1.0 °C fall at once;
// docs/vitals-history.md says "a forged or displaced level moves and holds" is still
// reported and only a probe cooling "toward the air" is quiet. One more
// shaped message than the covered case "temperature forged down in two
// messages" is enough to evade it: a cheap evasion.
func TestReview22TempForgedDecayThenHeld(t *testing.T) {
	checkRuleCases(t, []ruleCase{
		{"forged down in three shrinking falls, then held at 35.3", tempBed("36.0", "35.5", "35.3"), []string{"rate_of_change"}},
		{"forged down in three equal falls, then held at 34.0", tempBed("36.0", "35.0", "34.0"), []string{"rate_of_change"}},
	})
}

// TestReview22TempStepAfterSmallFalls: a core temperature that eases down
// by 0.1 °C a minute for three minutes (no fast fall: nothing held) and
// then steps down by 2.0 °C in one message and holds there. The 2.0 °C step
// is never held nor judged: the three small falls already make coolRun 3,
// and "at least a third of the fall before it" bounds only how much a fall
// may shrink, not how much it may grow, so the step counts as the decay
// going on (cooling) and the fast fall is dropped at once. A decay's falls
// shrink; a fall 20 times the one before is the opposite of a probe
// cooling toward the air. Main before probe21 reported it. The forger needs
// three 0.1 °C nudges before the step; a patient whose temperature slides
// (a fever broken by an antipyretic, active cooling) gives them for free.
func TestReview22TempStepAfterSmallFalls(t *testing.T) {
	checkRuleCases(t, []ruleCase{
		{"three 0.1 falls, then a 2.0 step held", tempBed("36.9", "36.8", "36.7", "34.7"), []string{"rate_of_change"}},
	})
}

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

// TestReview22TempHeldFallTimeAfterSilence: a temperature forged down by
// 1.2 °C in the last message before the monitor falls silent for 10 min;
// it comes back reading the patient's 37.0. The held fall is reported on
// the first message after the silence (right: it was never decided), but
// with that message's time and temperature segment: the finding says 35.8
// was observed at 13:10, when the temperature read then is 37.0 and the
// 35.8 was read at 13:00. Main before probe21 stamped the fall with its own
// reading's time. A finding whose time (and segment) points at a reading
// that contradicts its value misleads whoever reviews it, and the lateness
// is unbounded (any silence), not "at most 2 messages late" in time.
func TestReview22TempHeldFallTimeAfterSilence(t *testing.T) {
	ts := then(every(61, time.Minute, func(i int) msg {
		m := normal(i)
		if i == 60 {
			m.rows[4] = temp("35.8")
		}
		return m
	}), 10*time.Minute, every(30, time.Minute, func(i int) msg { return normal(61 + i) }))
	fs := run(t, vitals.DefaultConfig(), ts)
	var got []vitals.Finding
	for _, f := range fs {
		if f.Rule == "rate_of_change" {
			got = append(got, f)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d rate_of_change findings, want 1 (the fall to 35.8)", len(got))
	}
	if f, want := got[0], t0.Add(60*time.Minute); f.Value != 35.8 || !f.ObservedAt.Equal(want) {
		t.Errorf("fall reported as value %g observed at %v, want 35.8 observed at %v (the reading's own time)", f.Value, f.ObservedAt, want)
	}
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
