package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// countRule returns how many findings of rule fs holds.
func countRule(fs []vitals.Finding, rule string) int {
	n := 0
	for _, f := range fs {
		if f.Rule == rule {
			n++
		}
	}
	return n
}

// TestStepUndone: a breathing rate forged from 16 to 34/min for ten
// minutes, then given back to the patient's 16, is one condition: its
// onset is reported, its end (the channel going back, alone, to the level
// the reported step left) is not reported again (session 13: on training
// seeds most flags outside episodes on manipulated beds were such ends,
// three or four messages after the episode). A second forged step that
// does not go back (34 to 52) is still reported, and so is a step back to
// 16 when the step away was never reported (a related channel moved
// with it).
func TestStepUndone(t *testing.T) {
	at := func(i int, r, co2 float64) msg {
		m := vitalsAt(i, 80, 80, 97)
		m.rows[3] = rr(num(r + float64(i%2)))
		m.rows = append(m.rows, etco2(num(co2+float64(i%3))))
		return m
	}
	seg := func(from, n int, r, co2 float64) []tick {
		return every(n, 30*sec, func(i int) msg { return at(from+i, r, co2) })
	}
	before := seg(0, 60, 16, 38)
	back := then(then(before, 30*sec, seg(60, 20, 34, 38)), 30*sec, seg(80, 20, 16, 38))
	if fs := run(t, vitals.DefaultConfig(), back); countRule(fs, "rate_of_change") != 1 {
		checkRules(t, fs, "rate_of_change")
		t.Errorf("%d rate_of_change findings, want 1 (the onset)", countRule(fs, "rate_of_change"))
	}
	further := then(then(before, 30*sec, seg(60, 20, 34, 38)), 30*sec, seg(80, 20, 52, 38))
	if n := countRule(run(t, vitals.DefaultConfig(), further), "rate_of_change"); n != 2 {
		t.Errorf("34 then 52: %d rate_of_change findings, want 2", n)
	}
	// The end-tidal CO2 moved with the rise (corroborated, not reported):
	// the fall back to 16 alone is a step of its own.
	unreported := then(then(before, 30*sec, seg(60, 20, 34, 24)), 30*sec, seg(80, 20, 16, 24))
	if n := countRule(run(t, vitals.DefaultConfig(), unreported), "rate_of_change"); n != 1 {
		t.Errorf("corroborated rise, lone fall: %d rate_of_change findings, want 1 (the fall)", n)
	}
}

// TestUnitJumpUndone: end-tidal CO2 of 40 mmHg relabelled, its kPa number
// (5.3) sent as mmHg for ten minutes while the patient's level wanders
// out of the conversion's 10 %, then sent right again: the relabelling is
// reported (unit_mismatch), its end is not a step.
func TestUnitJumpUndone(t *testing.T) {
	at := func(i int, co2 string) msg {
		m := vitalsAt(i, 80, 80, 97)
		m.rows[3] = rr(num(16 + float64(i%2)))
		m.rows = append(m.rows, etco2(co2))
		return m
	}
	kpa := []string{"5.3", "5.2", "5.3", "5.1", "5.0", "4.9", "4.8", "4.7", "4.9", "4.8"}
	ticks := every(60, 30*sec, func(i int) msg { return at(i, num(40+float64(i%2))) })
	ticks = then(ticks, 30*sec, every(20, 30*sec, func(i int) msg { return at(60+i, kpa[min(i, len(kpa)-3)+i%3]) }))
	ticks = then(ticks, 30*sec, every(20, 30*sec, func(i int) msg { return at(80+i, num(37+float64(i%2))) }))
	checkRules(t, run(t, vitals.DefaultConfig(), ticks), "unit_mismatch")
}

// TestQuietBigeminyRepeatsItsDifference: a sedated patient in a bigeminy,
// the heart rate flickering between 61 and 62, the pulse at 55 % of it with
// a beat or two of its own noise; after half an hour of varied differences
// six messages in a row happen to keep one (61/33, 62/34; training seed 48
// m0032, a clean bed). That is a quiet pulse's noise, not a pulse computed
// from the heart rate. The same difference kept for twelve messages is one,
// and so is a pulse locked to the heart rate from the disagreement's first
// message (a forged hr_pr_mismatch on a quiet patient: 88/42, 87/41, 86/40).
func TestQuietBigeminyRepeatsItsDifference(t *testing.T) {
	noisy := []float64{33, 35, 32, 34, 36, 33, 31, 34, 35, 32}
	quiet := func(from, locked int) []tick {
		ticks := every(60, 10*sec, func(i int) msg { return vitalsAt(i, 61, 61, 96) })
		return then(ticks, 10*sec, every(60, 10*sec, func(i int) msg {
			h := 61 + float64(i%2)
			p := noisy[i%len(noisy)]
			if i >= from && i < from+locked {
				p = h - 28
			}
			return msg{rows: []row{hr(num(h)), pr(num(p)), spo2(num(96 + float64(i%2))), rr(wobble(16, i)), temp("37.0")}}
		}))
	}
	checkRules(t, run(t, vitals.DefaultConfig(), quiet(30, 6)))
	checkRules(t, run(t, vitals.DefaultConfig(), quiet(30, 12)), "hr_pr_agreement")
	checkRules(t, run(t, vitals.DefaultConfig(), quiet(0, 10)), "hr_pr_agreement") // 100 s, beyond persist
}
