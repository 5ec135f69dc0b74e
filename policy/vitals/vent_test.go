package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestVentilatorSetRate18: a mandatory-mode ventilator delivers at least
// its set rate, an integer the monitor reads exactly; breaths the patient
// triggers add to it for a message or two, nothing takes from it. The
// breathing rate keeps falling back to the set rate from above and is held
// there for long stretches (corpus2 training seeds 2 m0088, 7 m0093, at
// 1 s; main d8b08cf: too_regular (b) on the breathing rate, its roughness
// learned while the patient breathed alone). A forgery smoothed on the same
// bed after the ventilator's stretch, dipping below the set rate, staying
// above it or rising from it, is still too_regular; so is one that touches
// the set rate every 22 messages, leaves it for longer than the window and
// falls back to it (corpus2 training seed 6 m0041 message 2403, vent18b).
func TestVentilatorSetRate18(t *testing.T) {
	const step = 5 * sec
	vitalsRR := func(i int, rate string) msg {
		return msg{rows: []row{hr(wobble(80, i)), pr(wobble(80, i+5)), spo2(wobble(96, i+7)), rr(rate)}}
	}
	spontaneous := every(200, step, func(i int) msg { return vitalsRR(i, wobble(16, i+3)) })
	ventilated := then(spontaneous, step, every(600, step, func(i int) msg {
		rate := 12
		switch k := rand.New(rand.NewPCG(uint64(i), 18)).IntN(48); {
		case k == 0:
			rate = 13
		case k == 1:
			rate = 14
		case k == 2 && i%2 == 0:
			rate = 13 // the first of two triggered breaths, 13 then 12 or 14
		}
		return vitalsRR(i+1000, num(float64(rate)))
	}))
	t.Run("ventilated at 12 with breaths the patient triggers", func(t *testing.T) {
		checkRules(t, run(t, vitals.DefaultConfig(), ventilated))
	})
	forgeries := []struct {
		name string
		rate func(i int) float64
	}{
		{"smoothed, dipping below the set rate", func(i int) float64 { return 9 + math.Abs(float64((i+12)%30-15)) }},
		{"smoothed, above the set rate", func(i int) float64 { return math.Round(10*(17+3*math.Sin(float64(i)/6))) / 10 }},
		{"smoothed, rising from the set rate without falling back", func(i int) float64 { return 12 + math.Round(float64(i)*0.8)/10 }},
		{"smoothed, touching the set rate every 16 messages (review18)", func(i int) float64 { return 12 + 0.5*math.Abs(float64(i%16-8)) }},
	}
	for _, f := range forgeries {
		t.Run("after the ventilator, "+f.name, func(t *testing.T) {
			forged := every(120, step, func(i int) msg { return vitalsRR(i+2000, num(f.rate(i))) })
			checkRules(t, run(t, vitals.DefaultConfig(), then(ventilated, step, forged)), "too_regular")
		})
	}
	t.Run("after the ventilator, smoothed, back at the set rate after a window away", func(t *testing.T) {
		// A triangle 12 … 23 … 12 touching the set rate every 22 messages
		// keeps the exemption (vent.go); held at 13 for 40 messages, its
		// fall back to 12 is no set rate's return and is judged.
		const away, back = 40, 88
		rate := func(i int) float64 {
			switch {
			case i >= back+away:
				i -= away
			case i >= back:
				return 13
			}
			return 23 - math.Abs(float64(i%22-11))
		}
		forged := then(ventilated, step, every(back+away+44, step, func(i int) msg { return vitalsRR(i+2000, num(rate(i))) }))
		fs := run(t, vitals.DefaultConfig(), forged)
		checkRules(t, fs, "too_regular")
		if at := t0.Add(forged[len(ventilated)+back+away].at); len(fs) == 0 || !fs[0].ObservedAt.Equal(at) {
			t.Errorf("first finding not at the fall back to 12 (%v)", at)
		}
	})
}

// TestSuctionReturn: a ventilated patient's airway suctioned. The circuit
// opens, the etCO2 falls to 0-5 mmHg for about a minute while the breathing
// rate goes erratic (coughing, the ventilator's triggers), then the circuit
// closes and the etCO2 comes back, alone, to the level it left: the end of
// the same condition, not a step no channel explains (the second blind
// generator, session 15; main before it: rate_of_change on the return). An
// etCO2 that comes back somewhere else, alone, is still a step. The first
// reading of the open circuit may land on the level's kPa number by chance.
func TestSuctionReturn(t *testing.T) {
	at := func(i int, r, co2 float64) msg {
		m := vitalsAt(i, 80, 80, 97)
		m.rows[3] = rr(num(r))
		m.rows = append(m.rows, etco2(num(co2)))
		return m
	}
	before := every(60, 10*sec, func(i int) msg { return at(i, float64(14+i%2), float64(38+i%3)) })
	rrOpen := []float64{18, 23, 13, 6, 16, 21}
	co2Open := []float64{3, 0, 1, 5, 2, 1}
	suction := func(after float64, co2Open []float64) []tick {
		return then(then(before, 10*sec, every(len(co2Open), 10*sec, func(i int) msg {
			return at(60+i, rrOpen[i], co2Open[i])
		})), 10*sec, every(30, 10*sec, func(i int) msg { return at(70+i, float64(14+i%2), after+float64(i%3)) }))
	}
	checkRules(t, run(t, vitals.DefaultConfig(), suction(38, co2Open)))
	checkRules(t, run(t, vitals.DefaultConfig(), suction(60, co2Open)), "rate_of_change")
	// The first reading of the open circuit is 5 mmHg, 38 in kPa (main
	// before session 15: unit_mismatch); a unit mislabelled holds it in
	// every message (TestUnitJumpUndone).
	checkRules(t, run(t, vitals.DefaultConfig(), suction(38, []float64{5, 0, 1, 3, 2, 1})))
	// Session 21 (probe21): the third blind generator's suction: the
	// breathing rate reads 0 while the capnograph sends nothing, for 40 s at
	// a 5 s cadence, and comes back to the patient's rate (main before it:
	// rate_of_change). A rate forged to 0 beside an etCO2 that keeps its
	// level is still a step.
	open := func(co2 bool) []tick {
		return then(then(before, 5*sec, every(8, 5*sec, func(i int) msg {
			m := at(60+i, 0, 38)
			if !co2 {
				m.rows = m.rows[:len(m.rows)-1]
			}
			return m
		})), 5*sec, every(30, 5*sec, func(i int) msg { return at(68+i, float64(14+i%2), float64(38+i%3)) }))
	}
	checkRules(t, run(t, vitals.DefaultConfig(), open(false)))
	checkRules(t, run(t, vitals.DefaultConfig(), open(true)), "rate_of_change")
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

// TestNeonatalBreathingWarm26 (session 26, clean26): a newborn just put on
// the monitor (handled, electrodes placed, crying) has no resting breathing
// pace yet: its impedance rate moves by a third in its first minutes (the
// first generator's clean seed 51 m0150 36 to 46 after 4 min, the second's
// seed 4 m0062 39 to 59 after 5 min, the third's seed 3 m0063 45 to 28 after
// 5 min). Main before it: rate_of_change. The same jump after 25 min at one
// pace is still a step, as is an adult's in its first minutes; after a bed
// turnover (a new identity after a 15 min silence) the next baby's first
// minutes are its own.
func TestNeonatalBreathingWarm26(t *testing.T) {
	neoCfg := vitals.DefaultConfig()
	neoCfg.Profile = "neonatal"
	// A neonate's message whose breathing rate r varies by ±1 around its pace.
	baby := func(i int, r float64, pid string) msg {
		m := neo(i, 150, 94, r)
		m.rows[3] = rr(num(r + float64(i%3-1)))
		m.pid = pid
		return m
	}
	// A steady 40/min, a jump to 52 at message at, held for 10 min (30 s
	// cadence).
	jump := func(at int, pid string) []tick {
		return every(at+20, 30*sec, func(i int) msg {
			if i >= at {
				return baby(i, 52, pid)
			}
			return baby(i, 40, pid)
		})
	}
	// An adult at 16/min (±1) whose rate jumps to 26 at message at.
	adult := func(at int) []tick {
		return every(at+20, 30*sec, func(i int) msg {
			r := 16.0
			if i >= at {
				r = 26
			}
			return msg{rows: []row{hr(num(80 + float64(i%3-1))), pr(num(80 + float64(i%2))), spo2("97"), rr(num(r + float64(i%3-1))), temp("37.0")}}
		})
	}
	tests := []struct {
		name   string
		cfg    vitals.Config
		ticks  []tick
		report bool
	}{
		{"a third faster in its first 5 min on the monitor", neoCfg, jump(10, ""), false},
		{"a third faster after 25 min at one pace", neoCfg, jump(50, ""), true},
		{"the next baby's first 5 min after a bed turnover", neoCfg, then(jump(50, "111^^^H^MR")[:40], 15*60*sec, jump(10, "222^^^H^MR")), false},
		{"an adult's in its first 5 min", vitals.DefaultConfig(), adult(10), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, tc.cfg, tc.ticks)
			n := 0
			for _, f := range fs {
				t.Logf("%s %s %g from %g", f.Rule, f.Parameter, f.Value, f.Other)
				if f.Rule == "rate_of_change" && f.Parameter == "MDC_RESP_RATE" {
					n++
				}
			}
			if tc.report && n == 0 {
				t.Errorf("the breathing rate's step was not reported; rules fired %q", rulesOf(fs))
			}
			if !tc.report && n > 0 {
				t.Errorf("the newborn's first minutes were reported as a step")
			}
		})
	}
}

// TestBreathingRateCountsBeatsOnGrid27 (session 27, rr27): impedance
// pneumography counts the chest's impedance swings, and when a sedated
// patient breathes slowly and shallowly the heartbeat's own swing is what it
// counts for a message or a few: the breathing rate reads the heart's
// (60-72 beside a heart rate of 66-80, from 3-9), then falls back. A monitor
// that counts breaths over a fixed window and scales the count to a minute
// reports every rate on a grid (over 20 s, multiples of 3), and so does its
// count of heartbeats. Quiet: such a count on the grid the monitor kept, one
// message or three, at the heart rate or a little under it. Still flagged:
// the same value on a monitor whose rates keep no grid (a forged spike at
// the heart's rate cannot be told from a count there), a value off the
// grid (67 beside a heart rate of 70: no count of this monitor's), and a
// rate on the grid from 15 (no shallow breathing to lose).
func TestBreathingRateCountsBeatsOnGrid27(t *testing.T) {
	series := func(base float64, step float64, edit func(i int, m *msg)) []tick {
		r := rand.New(rand.NewPCG(27, 3))
		return every(100, 15*sec, func(i int) msg {
			h := 68 + float64(r.IntN(3))
			m := msg{rows: []row{hr(num(h)), pr(num(h + float64(r.IntN(3)-1))), spo2(num(95 + float64(r.IntN(2)))),
				rr(num(base + step*float64(r.IntN(3)))), temp("37.0")}}
			if i >= 75 && i < 85 {
				edit(i-75, &m)
			}
			return m
		})
	}
	at := func(v string, from, to int) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i >= from && i < to {
				m.rows[3] = rr(v)
			}
		}
	}
	tests := []ruleCase{
		{"a count of heartbeats on the grid of 3 for a message", series(3, 3, at("66", 5, 6)), nil},
		{"a count of heartbeats on the grid of 3 for three messages", series(3, 3, at("60", 5, 8)), nil},
		{"the same rate on a monitor with no grid", series(5, 1, at("66", 5, 6)), []string{"spike"}},
		// and off the grid the monitor kept, too_regular (session 33, TestBreathingRateOffItsGrid33)
		{"a rate off the grid at the heart rate", series(3, 3, at("67", 5, 6)), []string{"spike", "too_regular"}},
		{"a rate on the grid at the heart rate from 15", series(15, 3, at("66", 5, 6)), []string{"spike"}},
	}
	checkCases(t, tests)
}

// TestBreathingRateCountsBeatsLow36 (session 36, c4clean36): impedance
// counting heartbeats misses some of them (the cardiogenic swing is small
// and varies with the breathing phase), so its count comes out low, down to
// three quarters of the heart rate: a sedated patient's rate on a grid of 3
// reading 54 for one message beside a heart and pulse rate of 70-71 (0.76)
// is such a count (corpus4 training 3 m0048 1880 and 2110, 4 m0095 710:
// reported as spikes while the bound was 0.8). Still flagged: 48 there
// (0.68, no count of this heart), and 54 on a monitor whose rates keep no
// grid.
func TestBreathingRateCountsBeatsLow36(t *testing.T) {
	series := func(base, step float64, v string) []tick {
		r := rand.New(rand.NewPCG(36, 4))
		return every(100, 15*sec, func(i int) msg {
			h := 70 + float64(r.IntN(2))
			m := msg{rows: []row{hr(num(h)), pr(num(h)), spo2(num(95 + float64(r.IntN(2)))),
				rr(num(base + step*float64(r.IntN(3)))), temp("37.0")}}
			if i == 80 {
				m.rows[3] = rr(v)
			}
			return m
		})
	}
	tests := []ruleCase{
		{"a count of heartbeats at 0.76 of the heart rate on the grid of 3", series(3, 3, "54"), nil},
		{"a rate at 0.68 of the heart rate on the grid of 3", series(3, 3, "48"), []string{"spike"}},
		{"a rate at 0.76 of the heart rate on a monitor with no grid", series(5, 1, "54"), []string{"spike"}},
	}
	checkCases(t, tests)
}

// TestBreathingRateAtHeartHeld28 (review28): impedance counts heartbeats
// for a message or a few (countsBeats, rr27); a breathing rate on the
// monitor's grid at the heart's rate from a sedated level, held far longer
// than any count of heartbeats lasts, is a level of its own. A forged
// 60-69 beside a heart rate of 68-70, scattering on the grid of 3 (so that
// no freeze catches it), from 3-9 for 30 min was judged by nothing: every
// message of it was excused as a count of heartbeats. Quiet still: the
// counts of the rr27 test (one message, three), and one of 17 messages at
// 15 s (the longest corpus4's training beds show, 4 min).
func TestBreathingRateAtHeartHeld28(t *testing.T) {
	series := func(n, from, to int, forged func(r *rand.Rand) float64) []tick {
		r := rand.New(rand.NewPCG(27, 3))
		return every(n, 15*sec, func(i int) msg {
			h := 68 + float64(r.IntN(3))
			m := msg{rows: []row{hr(num(h)), pr(num(h + float64(r.IntN(3)-1))), spo2(num(95 + float64(r.IntN(2)))),
				rr(num(3 + 3*float64(r.IntN(3)))), temp("37.0")}}
			if i >= from && i < to {
				m.rows[3] = rr(num(forged(r)))
			}
			return m
		})
	}
	onGrid := func(r *rand.Rand) float64 { return float64(60 + 3*r.IntN(4)) }
	tests := []ruleCase{
		{"a count of heartbeats for 17 messages (4 min)", series(120, 75, 92, onGrid), nil},
		{"a rate at the heart's on the grid held 30 min", series(220, 75, 195, onGrid), []string{"rate_of_change"}},
	}
	checkCases(t, tests)
}

// TestBreathingRateZeroBesidePulseZero28 (review28): a breathing rate of 0
// counts no heartbeats. Beside an oximeter reporting a pulse rate of 0 (no
// pulse found) it lay within 0.8-1.1 of that rate, so countsBeats took a
// sedated patient's breathing rate falling from 9 to 0 and held 2.5 min
// for impedance counting heartbeats, and the step was not judged.
func TestBreathingRateZeroBesidePulseZero28(t *testing.T) {
	series := func(pulse func(h float64, r *rand.Rand) string) []tick {
		r := rand.New(rand.NewPCG(27, 3))
		return every(200, 15*sec, func(i int) msg {
			h := 68 + float64(r.IntN(3))
			m := msg{rows: []row{hr(num(h)), pr(pulse(h, r)), spo2(num(95 + float64(r.IntN(2)))),
				rr(num(9 + 3*float64(r.IntN(4)/3))), temp("37.0")}}
			if i >= 100 && i < 110 {
				m.rows[3] = rr("0")
			}
			return m
		})
	}
	tests := []ruleCase{
		{"beside a pulse rate", series(func(h float64, r *rand.Rand) string { return num(h + float64(r.IntN(3)-1)) }), []string{"rate_of_change"}},
		{"beside a pulse rate of 0", series(func(float64, *rand.Rand) string { return "0" }), []string{"hr_pr_agreement", "rate_of_change"}},
	}
	checkCases(t, tests)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// TestBreathingRateOffItsGrid33 (session 33, c4rr33): a monitor that counts
// breaths over a fixed window and scales the count to a minute shows only
// multiples of its step (over 20 s, of 3). A breathing rate forged from its
// counts (a moving average of the last four, the level shifted by 5, a held
// value nudged by one) falls between the steps, where the monitor never
// counted: too_regular. Quiet: the counting bed itself; the same forgeries on
// a monitor whose rates keep no grid (an average of breath intervals moves by
// one); a ventilated rate at its set 14, a triggered breath reading 16 now
// and then, that reads 15 once (two values are too few moves to teach a
// grid). The grid belongs to the monitor: after a silence long enough to
// forget the patient (20 min, a transport), a value off it is still one.
func TestBreathingRateOffItsGrid33(t *testing.T) {
	// bed returns 120 messages 30 s apart of a calm adult whose genuine
	// breathing rate is g(i); forge rewrites the rates of messages 80-99.
	bed := func(g func(i int) float64, forge func(i int, genuine []float64) float64) []tick {
		r := rand.New(rand.NewPCG(33, 4))
		genuine := make([]float64, 120)
		for i := range genuine {
			genuine[i] = g(i)
		}
		return every(120, 30*sec, func(i int) msg {
			h := 72 + float64(r.IntN(5))
			v := genuine[i]
			if i >= 80 && i < 100 && forge != nil {
				v = forge(i, genuine)
			}
			return msg{rows: []row{hr(num(h)), pr(num(h + float64(r.IntN(3)-1))), spo2(num(96 + float64(r.IntN(2)))),
				rr(num(v)), temp("37.0")}}
		})
	}
	noise := rand.New(rand.NewPCG(33, 5))
	draws := make([]int, 140)
	for i := range draws {
		draws[i] = noise.IntN(12)
	}
	counted := func(i int) float64 { return float64(15 + 3*(draws[i]%3)) }    // 15, 18, 21: a 20 s count
	averaged := func(i int) float64 { return float64(16 + draws[i]%4) }       // 16-19: breath intervals averaged
	vent := func(i int) float64 { return float64(14 + 2*b2f(draws[i] == 0)) } // set 14, a triggered breath now and then
	smooth := func(i int, g []float64) float64 {
		return math.Round((g[i] + g[i-1] + g[i-2] + g[i-3]) / 4)
	}
	shifted := func(i int, g []float64) float64 { return g[i] + 5 }
	nudged := func(i int, g []float64) float64 {
		if i == 90 {
			return g[80] + 1
		}
		return g[80]
	}
	once := func(i int, g []float64) float64 {
		if i == 90 {
			return 15
		}
		return g[i]
	}
	tests := []ruleCase{
		{"a monitor counting over 20 s", bed(counted, nil), nil},
		{"its rate a moving average of four counts", bed(counted, smooth), []string{"too_regular"}},
		{"its rate shifted by 5", bed(counted, shifted), []string{"too_regular"}},
		{"its rate held at a count, nudged by one once", bed(counted, nudged), []string{"too_regular"}},
		{"a monitor averaging breath intervals, a moving average", bed(averaged, smooth), nil},
		{"a ventilated rate at 14 with triggered breaths, 15 once", bed(vent, once), nil},
	}
	checkCases(t, tests)

	// The grid outlasts a silence that makes the monitor start afresh.
	first := bed(counted, nil)
	after := every(20, 30*sec, func(i int) msg {
		v := counted(120 + i)
		if i == 12 {
			v = 17
		}
		return msg{rows: []row{hr(num(74)), pr(num(74)), spo2(num(96)), rr(num(v)), temp("37.0")}}
	})
	fs := run(t, vitals.DefaultConfig(), then(first, 20*time.Minute, after))
	checkRules(t, fs, "too_regular")
}

// TestCountedRateNoCO2Witness33 (session 33, c4clean33, rrGrid.counted): a
// monitor that counts breaths over a 20 s window shows a breathing rate on a
// grid of 3 that flickers 12/15 as a breath falls in or out of the window,
// however regular the breathing. When sleep makes the breaths regular, the
// end-tidal CO2 (the highest breath peak of the last 12 s, read every 5 s)
// holds a value for a few readings at a time: corpus4's clean beds
// (training seed 2 m0111, m0103). Quiet: that flicker is no witness for the
// end-tidal CO2's noise. Caught: the same end-tidal CO2 beside a breathing
// rate that is not a count on a grid (a mean of breath intervals, 11-17),
// whose roughness is the breathing's own.
func TestCountedRateNoCO2Witness33(t *testing.T) {
	bed := func(counted bool) []tick {
		breaths := func(i int) string {
			if counted {
				return num(12 + 3*float64(rand.New(rand.NewPCG(uint64(i), 13)).IntN(2)))
			}
			return wobble(14, i+3)
		}
		learn := every(200, 5*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i)), pr(wobble(72, i+5)), spo2(wobble(96, i+7)), rr(breaths(i)), etco2(wobble(38, i+9))}}
		})
		asleep := every(80, 5*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i+1000)), pr(wobble(72, i+1005)), spo2(wobble(96, i+1007)), rr(breaths(i + 1000)),
				etco2(num(37 + float64([]int{0, 1, 2, 1}[i/4%4])))}}
		})
		return then(learn, 5*sec, asleep)
	}
	only := func(fs []vitals.Finding) []vitals.Finding {
		var got []vitals.Finding
		for _, f := range fs {
			if f.Rule == "too_regular" {
				got = append(got, f)
			}
		}
		return got
	}
	t.Run("counted breathing rate", func(t *testing.T) { checkRules(t, only(run(t, vitals.DefaultConfig(), bed(true)))) })
	t.Run("breathing rate off any grid", func(t *testing.T) {
		checkRules(t, only(run(t, vitals.DefaultConfig(), bed(false))), "too_regular")
	})
}

// ofRule keeps the findings of one rule on one parameter.
func ofRule(fs []vitals.Finding, rule, param string) []vitals.Finding {
	var got []vitals.Finding
	for _, f := range fs {
		if f.Rule == rule && f.Parameter == param {
			got = append(got, f)
		}
	}
	return got
}

// TestShallowBreathsCO2Level34 (session 34, c4clean34b, fewBreaths): a
// patient breathing 7-9 times a minute (opioids) gives the capnograph one
// breath or two per window, and the end-tidal CO2 it shows is one shallow
// breath's peak: it settles 6-7 mmHg lower for two minutes, scattering, and
// comes back, beside a breathing rate that does not move (corpus4's clean
// beds, training seed 2 m0111). Quiet: no step, and no step on the return.
// Reported as before: the same level beside a breathing rate of 15-17,
// whose window holds several breaths; and a shift of 20 mmHg beside the
// slow breather (beyond the channel's spike threshold).
func TestShallowBreathsCO2Level34(t *testing.T) {
	bed := func(breaths float64, drop float64) []tick {
		learn := every(200, 5*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i)), pr(wobble(72, i+5)), spo2(wobble(95, i+7)),
				rr(num(breaths + float64(i%3))), etco2(num(40 + float64(i%2)))}}
		})
		low := every(24, 5*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i+500)), pr(wobble(72, i+505)), spo2(wobble(95, i+507)),
				rr(num(breaths + float64(i%3))), etco2(num(40 - drop + float64([]int{0, 1, -1, 0}[i%4])))}}
		})
		back := every(60, 5*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i+900)), pr(wobble(72, i+905)), spo2(wobble(95, i+907)),
				rr(num(breaths + float64(i%3))), etco2(num(40 + float64(i%2)))}}
		})
		return then(then(learn, 5*sec, low), 5*sec, back)
	}
	co2 := func(fs []vitals.Finding) []vitals.Finding { return ofRule(fs, "rate_of_change", "MDC_AWAY_CO2_ET") }
	t.Run("slow breather, 7 mmHg", func(t *testing.T) { checkRules(t, co2(run(t, vitals.DefaultConfig(), bed(7, 7)))) })
	t.Run("breathing 15-17, 7 mmHg", func(t *testing.T) {
		checkRules(t, co2(run(t, vitals.DefaultConfig(), bed(15, 7))), "rate_of_change")
	})
	t.Run("slow breather, 20 mmHg", func(t *testing.T) {
		if len(co2(run(t, vitals.DefaultConfig(), bed(7, 20)))) == 0 {
			t.Error("a 20 mmHg end-tidal shift beside a slow breather went unreported")
		}
	})
}

// etco2kPa is an end-tidal CO2 row in kPa (MDC_DIM_KILO_PASCAL).
func etco2kPa(v string) row { return row{code: "151708", value: v, unit: "265987"} }

// capnoBed returns n messages step apart of a ventilated adult breathing 16-18
// times a minute, its end-tidal CO2 row written by co2 (message index i
// counted from from, so that stretches joined with then keep their noise).
func capnoBed(n, from int, step time.Duration, co2 func(i int) row) []tick {
	return every(n, step, func(i int) msg {
		j := from + i
		return msg{rows: []row{hr(wobble(78, j)), pr(wobble(78, j+5)), spo2(num(96 + float64(j%2))),
			rr(num(16 + float64(j%3))), co2(j)}}
	})
}

// co2At returns an mmHg row function around level with a 1 mmHg scatter.
func co2At(level float64) func(i int) row {
	return func(i int) row { return etco2(num(level + float64([]int{0, 1, 0, -1}[i%4]))) }
}

// co2Findings keeps the end-tidal CO2's spikes, steps and unit findings.
func co2Findings(fs []vitals.Finding) []vitals.Finding {
	var got []vitals.Finding
	for _, f := range fs {
		if f.Parameter == "MDC_AWAY_CO2_ET" && (f.Rule == "spike" || f.Rule == "rate_of_change" || f.Rule == "unit_mismatch") {
			got = append(got, f)
		}
	}
	return got
}

// air returns an mmHg row function reading the air: 0-3 mmHg.
func air(i int) row { return etco2(num(float64(i % 4))) }

// TestSamplingLineOff35 (session 35, c6gas35, airRead): a capnograph whose
// sampling line came off the airway adapter reads the air, 0-3 mmHg (0.1-0.4
// kPa), while the patient keeps breathing (the breathing rate from the chest
// impedance does not move), for one message to many minutes, and reads the
// patient again when it is put back (corpus6's clean beds, etco2_disconnect:
// training seed 1 m0043 messages 252-254, 48 mmHg to 0, 1, 2 and back; seed 4
// m0111 messages 75-77, a silent message, 0.2 kPa, back). Quiet: no spike, no
// step, no unit mislabelled.
func TestSamplingLineOff35(t *testing.T) {
	cfg := vitals.DefaultConfig()
	t.Run("three readings of the air", func(t *testing.T) {
		ticks := then(then(capnoBed(200, 0, 10*sec, co2At(47)), 10*sec, capnoBed(3, 200, 10*sec, air)),
			10*sec, capnoBed(60, 203, 10*sec, co2At(47)))
		checkRules(t, co2Findings(run(t, cfg, ticks)))
	})
	t.Run("kPa, two readings of the air", func(t *testing.T) {
		kpa := func(i int) row { return etco2kPa(num(5.3 + 0.1*float64([]int{0, 1, 0, -1}[i%4]))) }
		off := func(i int) row { return etco2kPa([]string{"0.1", "0.4"}[i%2]) }
		ticks := then(then(capnoBed(200, 0, 15*sec, kpa), 15*sec, capnoBed(2, 200, 15*sec, off)),
			15*sec, capnoBed(60, 202, 15*sec, kpa))
		checkRules(t, co2Findings(run(t, cfg, ticks)))
	})
	t.Run("twenty minutes off, back 4 mmHg lower", func(t *testing.T) {
		ticks := then(then(capnoBed(200, 0, 10*sec, co2At(40)), 10*sec, capnoBed(120, 200, 10*sec, air)),
			10*sec, capnoBed(60, 320, 10*sec, co2At(36)))
		checkRules(t, co2Findings(run(t, cfg, ticks)))
	})
	t.Run("a silent message, one of the air, at 60 s", func(t *testing.T) {
		none := func(i int) row { return row{code: "151708", value: "", unit: "266016"} }
		ticks := then(then(then(capnoBed(100, 0, 60*sec, co2At(28)), 60*sec, capnoBed(1, 100, 60*sec, none)),
			60*sec, capnoBed(1, 101, 60*sec, func(int) row { return etco2("1.5") })),
			60*sec, capnoBed(40, 102, 60*sec, co2At(28)))
		checkRules(t, co2Findings(run(t, cfg, ticks)))
	})
}

// TestSuctionCO2Scatter35 (session 35, c6gas35): an airway suction opens the
// circuit for about 40 s and the capnograph reads air mixed with the last
// breaths, 0-6 mmHg under a level of 40, scattering, beside a breathing rate
// that scatters too (corpus2's clean beds, training seed 4 m0125 messages
// 6358-6378). Quiet as before airRead (a reading of 5, the level in kPa,
// between readings of the air is no unit mislabelled).
func TestSuctionCO2Scatter35(t *testing.T) {
	scatter := []float64{5, 3, 1, 3, 5, 5, 2, 1, 3, 5, 5, 4, 4, 4, 6, 0, 1, 2, 0, 3}
	breaths := []float64{13, 4, 1, 17, 12, 13, 7, 7, 3, 17, 13, 28, 24, 18, 21, 8, 21, 12, 10, 29}
	suction := every(len(scatter), 2*sec, func(i int) msg {
		return msg{rows: []row{hr(wobble(150, i)), pr(wobble(130, i+5)), spo2("95"), rr(num(breaths[i])), etco2(num(scatter[i]))}}
	})
	ticks := then(then(capnoBed(300, 0, 2*sec, co2At(40)), 2*sec, suction), 2*sec, capnoBed(60, 320, 2*sec, co2At(40)))
	checkRules(t, co2Findings(run(t, vitals.DefaultConfig(), ticks)))
}

// TestForgedCO2AroundAir35 (session 35, c6gas35): what airRead must not
// swallow. A monitor sending etCO2 in kPa under an mmHg label (unit_mislabel
// of every generator: 4-6 "mmHg"), also right after a line off, and also for
// a hyperventilated patient whose 26 mmHg is 3.4-3.6 kPa, under the air's floor; a
// level forged 12 mmHg up after a line off (corpus6's etCO2 step); a level
// forged 19 mmHg down (corpus3's and corpus5's). Each stays reported.
func TestForgedCO2AroundAir35(t *testing.T) {
	cfg := vitals.DefaultConfig()
	kpaAsMMHg := func(level float64) func(i int) row {
		return func(i int) row {
			return etco2(num(float64(int((level/7.5006+0.1*float64([]int{0, 1, 0, -1}[i%4]))*10+0.5)) / 10))
		}
	}
	cases := []struct {
		name  string
		ticks []tick
	}{
		{"kPa labelled mmHg", then(then(capnoBed(200, 0, 10*sec, co2At(40)), 10*sec, capnoBed(20, 200, 10*sec, kpaAsMMHg(40))),
			10*sec, capnoBed(60, 220, 10*sec, co2At(40)))},
		{"kPa labelled mmHg after a line off", then(then(then(capnoBed(200, 0, 10*sec, co2At(40)), 10*sec, capnoBed(2, 200, 10*sec, air)),
			10*sec, capnoBed(30, 202, 10*sec, kpaAsMMHg(40))), 10*sec, capnoBed(60, 232, 10*sec, co2At(40)))},
		{"kPa labelled mmHg, 26 mmHg patient", then(then(capnoBed(200, 0, 10*sec, co2At(26)), 10*sec, capnoBed(20, 200, 10*sec, kpaAsMMHg(26))),
			10*sec, capnoBed(60, 220, 10*sec, co2At(26)))},
		{"level forged up after a line off", then(then(then(capnoBed(200, 0, 10*sec, co2At(40)), 10*sec, capnoBed(2, 200, 10*sec, air)),
			10*sec, capnoBed(60, 202, 10*sec, co2At(52))), 10*sec, capnoBed(30, 262, 10*sec, co2At(40)))},
		{"level forged down", then(then(capnoBed(200, 0, 10*sec, co2At(38)), 10*sec, capnoBed(60, 200, 10*sec, co2At(19))),
			10*sec, capnoBed(30, 260, 10*sec, co2At(38)))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(co2Findings(run(t, cfg, c.ticks))) == 0 {
				t.Error("the forged end-tidal CO2 went unreported")
			}
		})
	}
}

// TestForgedCO2AcrossAirReview35 (review35): what one forged reading of the
// air must not buy. A level forged 7 mmHg up (above the step threshold, 6)
// right after one reading of the air landed "back on the level" by a quarter
// of the air's depth (10 mmHg under 40) and was learned as the level, never
// judged; a spike forged up and followed by one reading of the air was marked
// the line's and dropped. Without the air reading both are reported, and
// before airRead the air reading itself was a spike.
func TestForgedCO2AcrossAirReview35(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cases := []struct {
		name  string
		ticks []tick
	}{
		{"level forged 7 up after one reading of the air", then(then(capnoBed(200, 0, 10*sec, co2At(40)), 10*sec, capnoBed(1, 200, 10*sec, air)),
			10*sec, capnoBed(200, 201, 10*sec, co2At(47)))},
		{"level forged 7 down after one reading of the air", then(then(capnoBed(200, 0, 10*sec, co2At(40)), 10*sec, capnoBed(1, 200, 10*sec, air)),
			10*sec, capnoBed(200, 201, 10*sec, co2At(33)))},
		{"spike forged up, then one reading of the air", then(then(then(capnoBed(200, 0, 10*sec, co2At(40)), 10*sec, capnoBed(2, 200, 10*sec, co2At(60))),
			10*sec, capnoBed(1, 202, 10*sec, air)), 10*sec, capnoBed(60, 203, 10*sec, co2At(40)))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(co2Findings(run(t, cfg, c.ticks))) == 0 {
				t.Error("the forged end-tidal CO2 went unreported")
			}
		})
	}
}
