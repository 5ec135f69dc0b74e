package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

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
