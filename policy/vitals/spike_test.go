package vitals_test

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestSpO2Spike: a saturation that drops for one message and returns, with
// no heart or breathing response, is a spike; a probe's slow desaturation
// is not.
func TestSpO2Spike(t *testing.T) {
	spike := then(baseline(), 10*sec, every(20, 10*sec, func(i int) msg {
		if i == 1 {
			return vitalsAt(i+300, 80, 80, 60)
		}
		return normal(i + 300)
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), spike), "spike")
}

// TestSaturationDipWithHeartRate: a saturation dipping by 17 for one
// message at a one-minute cadence, in the message in which the ECG heart
// rate and the SpO2 pulse rate both rose by 8–9 (beyond their own scatter,
// by the same amount: one heart changing pace as the patient moves), is
// motion (seed 9 m0072). The same dip while the heart stays where it was
// is a forged spike.
func TestSaturationDipWithHeartRate(t *testing.T) {
	before := every(60, 60*sec, func(i int) msg { return vitalsAt(i, 72, 72, 96) })
	dip := func(heart bool) []tick {
		return then(before, 60*sec, every(10, 60*sec, func(i int) msg {
			m := vitalsAt(i+100, 72, 72, 96)
			switch {
			case i == 0:
				m.rows[0], m.rows[1] = hr("72"), pr("72")
			case i == 1:
				m.rows[2] = spo2("79")
				if heart {
					m.rows[0], m.rows[1] = hr("81"), pr("80")
				}
			}
			return m
		}))
	}
	checkRules(t, run(t, vitals.DefaultConfig(), dip(true)))
	checkRules(t, run(t, vitals.DefaultConfig(), dip(false)), "spike")
}

// TestNeonatalDesaturationIsNoSpike: a neonate's saturation dipping from
// 95 to 76 for one message at a 30 s cadence and back, heart, pulse and
// breathing rates steady, is the brief desaturation of apnoea of
// prematurity (corpus2 training seeds: 23 clean neonatal beds, dips of
// 16–21 points); the same bed's saturation forged down to 50 for a message
// (corpus2 seeds 7, 10: 43–47 points) is still a spike.
func TestNeonatalDesaturationIsNoSpike(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "neonatal"
	series := func(dip string) []tick {
		return every(60, 30*sec, func(i int) msg {
			m := neo(i, 150, 94, 45)
			if i == 50 {
				m.rows[2] = spo2(dip)
			}
			return m
		})
	}
	checkRules(t, run(t, cfg, series("76")))
	checkRules(t, run(t, cfg, series("50")), "spike")
}

// TestDeepAdultDipNotVouched (session 24, spike24b): an adult's saturation
// forged from 97 to 26 for two 60 s messages, while the heart and pulse
// rates of an AF patient jump 20/min with it, is a spike (hl7load training
// seed 4 m0096: 97 to 26 and 39 in AF; seed 11 m0063: 95 to 25 in a
// bigeminy): no adult desaturates 70 points and recovers within three
// samples, whatever its heart did. Quiet: the same heart-rate response
// beside a dip of 30 points (a desaturation a heart answers), a neonate's
// bradycardia–desaturation to 50 with its heart rate falling 60/min, and the
// 70-point dip with the oximeter disturbed (its pulse rate jumping alone
// the message before: motion).
func TestDeepAdultDipNotVouched(t *testing.T) {
	adult := func(dip string, edit func(i int, m *msg)) []tick {
		return every(80, 60*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(88 + float64(i%3))), pr(num(87 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(16 + float64(i%2))), temp("37.0")}}
			if i == 60 || i == 61 {
				m.rows[0], m.rows[1], m.rows[2] = hr("110"), pr("108"), spo2(dip)
			}
			if edit != nil {
				edit(i, &m)
			}
			return m
		})
	}
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		tk   []tick
		want []string
	}{
		{"70 points down, the heart with it", adult("26", nil), []string{"spike"}},
		{"30 points down, the heart with it", adult("67", nil), nil},
		{"70 points down, the oximeter jolted before it", adult("26", func(i int, m *msg) {
			if i == 59 {
				m.rows[1] = pr("130")
			}
		}), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, tc.tk), tc.want...) })
	}
	t.Run("a neonate's bradycardia-desaturation", func(t *testing.T) {
		neoCfg := vitals.DefaultConfig()
		neoCfg.Profile = "neonatal"
		checkRules(t, run(t, neoCfg, every(80, 30*sec, func(i int) msg {
			m := neo(i, 150, 94, 45)
			if i == 60 || i == 61 {
				m.rows[0], m.rows[1], m.rows[2] = hr("90"), pr("92"), spo2("50")
			}
			return m
		})))
	})
}

// TestDeepSpikeBesideANoisyBreathingRate: a neonate's breathing rate
// scatters by ±4 a message (its own scatter about 10/min); a saturation
// forged from 95 down to 65 for a message while that rate happens to read
// 6 off its median is a spike (training seeds 17 m0029, 48 m0146, 50 m0059,
// 51 m0036: dips to 38–66 beside a breathing rate 5–11 off, within its
// scatter). Nearby clinical situations stay quiet: a shallow motion dip (to
// 78) with the same breathing rate; a deep dip while the heart and pulse
// rates fall together (a bradycardia–desaturation); a deep dip while the
// breathing rate leaves its scatter (a neonate moving or crying).
func TestDeepSpikeBesideANoisyBreathingRate(t *testing.T) {
	series := func(dip func(i int, m *msg)) []tick {
		r := rand.New(rand.NewPCG(12, 1))
		return every(140, 30*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(140 + float64(i%3))), pr(num(140 + float64((i+1)%3))), spo2(num(94 + float64(i%3))),
				rr(num(50 + float64(r.IntN(9)-4))), temp("37.0")}}
			if i >= 120 && i < 123 {
				dip(i-120, &m)
			}
			return m
		})
	}
	forged := series(func(i int, m *msg) {
		if i == 0 {
			m.rows[2], m.rows[3] = spo2("65"), rr("56")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), forged), "spike")
	shallow := series(func(i int, m *msg) {
		if i == 0 {
			m.rows[2], m.rows[3] = spo2("78"), rr("56")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), shallow))
	brady := series(func(i int, m *msg) {
		if i == 0 {
			m.rows[0], m.rows[1], m.rows[2] = hr("95"), pr("96"), spo2("65")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), brady))
	crying := series(func(i int, m *msg) {
		if i == 0 {
			m.rows[2], m.rows[3] = spo2("65"), rr("75")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), crying))
}

// TestBreathingRateZeroBesideCapnograph (session 23, spike23): a breathing
// rate forged to 0 for one or two messages, from a settled 14/min, while the
// capnograph keeps reading the same end-tidal CO2 and every other channel
// stays within its scatter, is a spike (the third blind generator's blatant
// breathing-rate spikes, corpus3 training seeds 3 m0052, 7 m0139, 8 m0105,
// 9 m0048: 10–18/min to 0 for one 10–60 s message). A falling breathing rate
// is otherwise not judged (shallow breaths and pauses are missed by
// impedance); here the capnograph measured the breaths the rate says
// stopped. Quiet: the same 0 with the capnograph gone or near 0 (an open
// circuit, suction), with no capnograph on the bed (an apnoea no second
// sensor contradicts), with the etCO2 falling 8 mmHg with it (a real pause
// the capnograph saw), with the oximeter off (a probe off: nothing tells a
// patient moving from a calm one), three messages after the oximeter was
// jolted (motion settling), and with the heart rate 15 up in it (a change of state).
func TestBreathingRateZeroBesideCapnograph(t *testing.T) {
	series := func(step time.Duration, edit func(i int, m *msg)) []tick {
		return every(100, step, func(i int) msg {
			m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(14 + float64(i%2))), etco2(num(38 + float64(i%2))), temp("37.0")}}
			if i >= 75 && i < 85 {
				edit(i-75, &m)
			}
			return m
		})
	}
	at5 := func(set func(m *msg)) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i == 5 {
				set(m)
			}
		}
	}
	zero := at5(func(m *msg) { m.rows[3] = rr("0") })
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		step time.Duration
		edit func(i int, m *msg)
		want []string
	}{
		{"0 for one message at 10 s", 10 * sec, zero, []string{"spike"}},
		{"0 for one message at 60 s", 60 * sec, zero, []string{"spike"}},
		{"0 for two messages at 15 s", 15 * sec, func(i int, m *msg) {
			if i == 5 || i == 6 {
				m.rows[3] = rr("0")
			}
		}, []string{"spike"}},
		{"an open circuit: etCO2 near 0", 10 * sec, at5(func(m *msg) { m.rows[3], m.rows[4] = rr("0"), etco2("2") }), nil},
		{"the capnograph gone", 10 * sec, at5(func(m *msg) {
			m.rows[3] = rr("0")
			m.rows = append(m.rows[:4], m.rows[5:]...)
		}), nil},
		{"a real pause: etCO2 falling 8 mmHg with it", 10 * sec, at5(func(m *msg) { m.rows[3], m.rows[4] = rr("0"), etco2("30") }), nil},
		{"the oximeter off", 10 * sec, at5(func(m *msg) { m.rows = []row{hr("81"), rr("0"), etco2("38"), temp("37.0")} }), nil},
		{"three messages after the oximeter was jolted", 10 * sec, func(i int, m *msg) {
			switch i {
			case 2:
				m.rows[1] = pr("110")
			case 5:
				m.rows[3] = rr("0")
			}
		}, nil},
		{"the heart rate 15 up with it", 10 * sec, at5(func(m *msg) { m.rows[0], m.rows[1], m.rows[3] = hr("96"), pr("96"), rr("0") }), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, series(tc.step, tc.edit)), tc.want...) })
	}
	t.Run("no capnograph on the bed", func(t *testing.T) {
		checkRules(t, run(t, cfg, every(100, 10*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(14 + float64(i%2))), temp("37.0")}}
			if i == 80 {
				m.rows[3] = rr("0")
			}
			return m
		})))
	})
}

// TestSpikeInMotionBurst: a breathing rate thrown to 44/min for one
// message next to a message in which the oximeter's pulse rate leaves the
// heart rate (motion) is part of the burst; the same spike in calm data is
// a spike.
func TestSpikeInMotionBurst(t *testing.T) {
	calm := func(i int) msg {
		m := normal(i)
		m.rows[3] = rr(num(14 + float64(i%2)))
		return m
	}
	before := every(60, 10*sec, calm)
	burst := then(before, 10*sec, every(10, 10*sec, func(i int) msg {
		m := calm(i + 100)
		switch i {
		case 1:
			m.rows[3] = rr("44")
		case 2:
			m.rows[1] = pr("20") // the oximeter's pulse rate thrown about
		case 3:
			m.rows[1] = pr("111")
		}
		return m
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), burst))
	spike := then(before, 10*sec, every(10, 10*sec, func(i int) msg {
		m := calm(i + 100)
		if i == 1 {
			m.rows[3] = rr("44")
		}
		return m
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), spike), "spike")
}

// TestSpikesAndFreezes: short excursions no other channel shares, and one
// channel frozen while the others move.
func TestSpikesAndFreezes(t *testing.T) {
	spikeAt := func(k int, v float64) func(int) msg {
		return func(i int) msg {
			if i == k {
				return vitalsAt(i, v, 80, 96)
			}
			return normal(i)
		}
	}
	checkRules(t, run(t, vitals.DefaultConfig(), every(60, 10*sec, spikeAt(40, 140))), "spike")
	// A heart-rate spike the pulse shares is a real event.
	checkRules(t, run(t, vitals.DefaultConfig(), every(60, 10*sec, func(i int) msg {
		if i == 40 {
			return vitalsAt(i, 140, 138, 96)
		}
		return normal(i)
	})))
	frozenRR := every(150, 10*sec, func(i int) msg {
		m := normal(i)
		if i >= 90 {
			m.rows[3] = rr("17")
		}
		return m
	})
	checkRules(t, run(t, vitals.DefaultConfig(), frozenRR), "frozen")
}

// TestSeverityFor: a rule's severity_for sets the severity of its findings
// on one parameter (a heart-rate spike recorded as info, not alerted at the
// default min_severity), and leaves its findings on other parameters at the
// rule's severity (a saturation spike stays a warning, alerted). It changes
// nothing but the severity: a finding recorded as info keeps its rule's
// action (here annotate: the NTE still reaches the central station), which
// docs/vitals.md "Fewer alerts" tells a site (review46f).
func TestSeverityFor(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Rules.Spike.SeverityFor = map[string]string{"hr": "info"}
	cfg.Rules.Spike.Action = "annotate"
	cfg.Alert.SendR40 = true
	e, err := vitals.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hrSpike := every(60, 10*sec, func(i int) msg {
		if i == 40 {
			return vitalsAt(i, 140, 80, 96)
		}
		return normal(i)
	})
	spo2Spike := then(baseline(), 10*sec, every(20, 10*sec, func(i int) msg {
		if i == 1 {
			return vitalsAt(i+300, 80, 80, 60)
		}
		return normal(i + 300)
	}))
	for _, c := range []struct {
		name, param string
		ticks       []tick
		sev         vitals.Severity
		alert       bool
	}{
		{"heart rate", "MDC_ECG_HEART_RATE", hrSpike, vitals.Info, false},
		{"saturation", "MDC_PULS_OXIM_SAT_O2", spo2Spike, vitals.Warning, true},
	} {
		fs := run(t, cfg, c.ticks)
		checkRules(t, fs, "spike")
		if f := fs[0]; f.Parameter != c.param || f.Severity != c.sev || e.ShouldAlert(f) != c.alert || f.Action != vitals.Annotate {
			t.Errorf("%s: %s on %s, severity %v, alerted %v, action %v; want %s, %v, %v, annotate", c.name, f.Rule, f.Parameter,
				f.Severity, e.ShouldAlert(f), f.Action, c.param, c.sev, c.alert)
		}
	}
}

// TestPulseRateHeldAboveTheHeartRate: an SpO2 pulse rate forged to 210 for
// two messages at a 30 s cadence while the ECG heart rate stays at 80 and
// the saturation and breathing rate stay where they were is a spike (the
// second blind generator's blatant pulse-rate spikes, corpus2 training
// seeds 1 m0072, 3 m0062, 6 m0121, 10 m0066). More pulses than heartbeats
// is no circulation's. The genuine look-alikes stay quiet: one message of a
// miscount (a probe jolted: the pulse rate 60 above the heart rate, then
// back), the same two messages with the saturation pulled down (motion
// disturbs the whole plethysmograph), and the same two messages one message
// after the oximeter was last disturbed (a burst of motion going on).
//
// The mirror (session 21, spike21): the ECG heart rate fallen 45 below a
// pulse rate that kept its level, for one 30 s message (corpus3 training
// seed 10 m0050, m0101), is a spike too: fewer beats than pulses, for longer
// than an oximeter averages its rate (pulseLag, 15 s; 5 s since spike25),
// is beats the ECG missed or a forgery, no heart's. Quiet: the same fall for
// two messages at 2 s (4 s to its return: the pulse rate lags a brief
// bradycardia; two 5 s messages until spike25), a fall
// the pulse rate shares (a bradycardia), one with the saturation pulled
// down (motion), and one a message after the oximeter was disturbed.
//
// Review21 (failing on 8ffd737): the fall stays a spike with the temperature
// 0.4 °C up for its message (no motion moves a core temperature in 30 s, and
// nothing else reports it). With the pulse rate 10 up in it the fall stays
// quiet, as before: a pulse rate that moved either way is the oximeter
// disturbed too (motion throws both counts off; making only a pulse rate that
// fell vouch cost hl7load training 1 clean-bed and 4 other flags on motion,
// docs/vitals-history.md spike21). The brief fall that is quiet
// at 2 s is reported as a monitor reporting every 15 s sends it: first
// message to return bounds the fall's length from above, not below, so at a
// cadence of 15 s or more one low reading is trusted (a design choice kept
// after review21, docs/vitals-history.md spike21: the one-message forgeries are the
// ones caught).
func TestPulseRateHeldAboveTheHeartRate(t *testing.T) {
	series := func(edit func(i int, m *msg)) []tick { return calmBed(30*sec, edit) }
	forged := series(func(i int, m *msg) {
		if i == 5 || i == 6 {
			m.rows[1] = pr("210")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), forged), "spike")
	miscount := series(func(i int, m *msg) {
		if i == 5 {
			m.rows[1] = pr("140")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), miscount))
	motion := series(func(i int, m *msg) {
		if i == 5 || i == 6 {
			m.rows[1], m.rows[2] = pr("150"), spo2("88")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), motion))
	burst := series(func(i int, m *msg) {
		switch i {
		case 3:
			m.rows[1] = pr("110")
		case 5, 6:
			m.rows[1] = pr("150")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), burst))

	fell := series(func(i int, m *msg) {
		if i == 5 {
			m.rows[0] = hr("35")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), fell), "spike")
	brief := every(400, 2*sec, func(i int) msg {
		m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
			rr(num(16 + float64(i%3))), temp("37.0")}}
		if i == 300 || i == 301 {
			m.rows[0] = hr("35")
		}
		return m
	})
	checkRules(t, run(t, vitals.DefaultConfig(), brief))
	brady := series(func(i int, m *msg) {
		if i == 5 {
			m.rows[0], m.rows[1] = hr("35"), pr("37")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), brady))
	moving := series(func(i int, m *msg) {
		if i == 5 {
			m.rows[0], m.rows[2] = hr("35"), spo2("88")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), moving))
	jolted := series(func(i int, m *msg) {
		switch i {
		case 4:
			m.rows[1] = pr("110")
		case 5:
			m.rows[0] = hr("35")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), jolted))

	warmed := series(func(i int, m *msg) {
		if i == 5 {
			m.rows[0], m.rows[4] = hr("35"), temp("37.4")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), warmed), "spike")
	pulseRose := series(func(i int, m *msg) {
		if i == 5 {
			m.rows[0], m.rows[1] = hr("35"), pr("91")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), pulseRose))
	briefAt15 := every(134, 15*sec, func(j int) msg {
		i := 3 * j // brief's messages, every third
		m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
			rr(num(16 + float64(i%3))), temp("37.0")}}
		if i == 300 || i == 301 {
			m.rows[0] = hr("35")
		}
		return m
	})
	checkRules(t, run(t, vitals.DefaultConfig(), briefAt15), "spike")
}

// TestPulseRateFarAboveHeartRate (session 26, spike26, pulseFar): the SpO2
// pulse rate forged 120 up for one or two messages, 90 or more above the ECG
// heart rate in each, while the saturation, the heart rate and every other
// channel stay within their scatter after an undisturbed oximeter, is a
// spike however brief (corpus2's blatant pulse-rate spikes, training seeds 3
// m0010: 88 → 199 → 85 for one 30 s message; 5 m0117 one 15 s message; 6
// m0121 two 5 s messages in AF; 8 m0021 a neonate, 141 → 239 → 133 at
// 10 s). Quiet: a rise of 70 above the heart rate for one message (a moving
// finger miscounted; the three generators' clean beds read up to 73 above
// it), a rise 120 up that throws the saturation 8 points with it (motion),
// one the heart rate follows half-way (the leads moved too), and one three
// messages after the oximeter was jolted.
func TestPulseRateFarAboveHeartRate(t *testing.T) {
	series := calmBed
	up := func(v string, n int) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i >= 5 && i < 5+n {
				m.rows[1] = pr(v)
			}
		}
	}
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		step time.Duration
		edit func(i int, m *msg)
		want []string
	}{
		{"one message at 30 s", 30 * sec, up("200", 1), []string{"spike"}},
		{"one message at 10 s", 10 * sec, up("200", 1), []string{"spike"}},
		{"two messages at 5 s", 5 * sec, up("205", 2), []string{"spike"}},
		{"70 above the heart rate", 30 * sec, up("150", 1), nil},
		{"the saturation thrown with it", 30 * sec, func(i int, m *msg) {
			if i == 5 {
				m.rows[1], m.rows[2] = pr("200"), spo2("88")
			}
		}, nil},
		{"the heart rate following half-way", 30 * sec, func(i int, m *msg) {
			if i == 5 {
				m.rows[0], m.rows[1] = hr("140"), pr("200")
			}
		}, nil},
		{"three messages after the oximeter was jolted", 30 * sec, func(i int, m *msg) {
			switch i {
			case 2:
				m.rows[1] = pr("120")
			case 5:
				m.rows[1] = pr("200")
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, series(tc.step, tc.edit)), tc.want...) })
	}
}

// TestHeartRateFallShorterThanFifteenSeconds (session 25, spike25): the ECG
// heart rate forged 42 down for one 10 s message (corpus3 training seed 2
// m0006: 72 → 30 under a pulse rate of 73) and 57 down for two 3 s messages
// (seed 4 m0114: 86 → 30, 29 under a pulse rate of 86, 6 s to the return)
// while every other channel stays within its scatter is a spike: the
// oximeter averages its pulse rate over at most about 15 s, so a heart that
// slowed 30 or more for 5 s or more pulls it down by 10 or more, and the pulse
// rate held. Both were quiet while pulseLag was 15 s. Quiet: the same fall
// for one message at 2 s and for two messages at 2 s (4 s to the return: an
// oximeter may lag a neonate's brief bradycardia by that much), and the
// 10 s fall that the pulse rate shared (a bradycardia).
func TestHeartRateFallShorterThanFifteenSeconds(t *testing.T) {
	series := func(step time.Duration, from, n int, hrv, prv string) []tick {
		return every(400, step, func(i int) msg {
			m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(16 + float64(i%3))), temp("37.0")}}
			if i >= from && i < from+n {
				m.rows[0] = hr(hrv)
				if prv != "" {
					m.rows[1] = pr(prv)
				}
			}
			return m
		})
	}
	checkRules(t, run(t, vitals.DefaultConfig(), series(10*sec, 300, 1, "30", "")), "spike")
	checkRules(t, run(t, vitals.DefaultConfig(), series(3*sec, 300, 2, "30", "")), "spike")

	checkRules(t, run(t, vitals.DefaultConfig(), series(2*sec, 300, 1, "30", "")))
	checkRules(t, run(t, vitals.DefaultConfig(), series(2*sec, 300, 2, "30", "")))
	checkRules(t, run(t, vitals.DefaultConfig(), series(10*sec, 300, 1, "30", "33")))
}

// TestHeartRateRoseAbovePulse (session 25, spike25b, beatsAdded): the ECG
// heart rate forged 33 up for one to three messages, in one jump from its
// level, while the SpO2 pulse rate stays at the heart's level and every other
// channel within its scatter, for at least 15 s from its first message to
// its return (riseLag; pulseLag before spike25 shortened that for falls), is
// a spike below the heart rate's spike scale (45):
// the second blind generator's subtle heart-rate spikes, corpus2 training
// seeds 1 m0066 (+29 for 3 × 10 s) and 7 m0017 (+36 for 2 × 60 s); also
// when it comes back to a pulse rate that moved on a little meanwhile, to
// 12 above the level it left (5 m0106, a neonate whose heart rate wanders
// by 10 in its sleep: the pulse, not the old level, is its reference). A heart
// that speeds up is counted by both sensors; the mirror of spike21's fall
// (TestPulseRateHeldAboveTheHeartRate). Quiet: a rise the pulse rate shares
// (a heart changing pace), one message at 10 s (10 s to the return: the
// oximeter averages over that long), a heart rate already climbing the
// message before (a patient moving, hl7load training seed 48 m0062), a
// pulse already at a bigeminy's deficit below the heart, the same rise with
// the breathing rate moving with it, and three messages after the oximeter
// was jolted.
func TestHeartRateRoseAbovePulse(t *testing.T) {
	series := calmBed
	up := func(n int) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i >= 5 && i < 5+n {
				m.rows[0] = hr(num(114 + float64(i%2)))
			}
		}
	}
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		step time.Duration
		edit func(i int, m *msg)
		want []string
	}{
		{"one message at 30 s", 30 * sec, up(1), []string{"spike"}},
		{"two messages at 60 s", 60 * sec, up(2), []string{"spike"}},
		{"three messages at 10 s", 10 * sec, up(3), []string{"spike"}},
		{"back to a pulse rate that moved on", 30 * sec, func(i int, m *msg) {
			switch i {
			case 5, 6:
				m.rows[0], m.rows[1] = hr("114"), pr(num(84+3*float64(i-5)))
			case 7, 8, 9:
				m.rows[0], m.rows[1] = hr("90"), pr("90")
			}
		}, []string{"spike"}},
		{"one message at 10 s", 10 * sec, up(1), nil},
		{"the pulse rate rising with it", 30 * sec, func(i int, m *msg) {
			if i == 5 || i == 6 {
				m.rows[0], m.rows[1] = hr("114"), pr("112")
			}
		}, nil},
		{"already climbing the message before", 30 * sec, func(i int, m *msg) {
			switch i {
			case 4:
				m.rows[0], m.rows[1] = hr("93"), pr("92")
			case 5:
				m.rows[0] = hr("114")
			}
		}, nil},
		{"the breathing rate moving with it", 30 * sec, func(i int, m *msg) {
			if i == 5 || i == 6 {
				m.rows[0], m.rows[3] = hr("114"), rr("28")
			}
		}, nil},
		{"three messages after the oximeter was jolted", 30 * sec, func(i int, m *msg) {
			switch i {
			case 2:
				m.rows[1] = pr("120")
			case 5, 6:
				m.rows[0] = hr("114")
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, series(tc.step, tc.edit)), tc.want...) })
	}
	t.Run("a bigeminy's pulse below the heart", func(t *testing.T) {
		checkRules(t, run(t, cfg, every(100, 30*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(44 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(16 + float64(i%3))), temp("37.0")}}
			if i == 80 || i == 81 {
				m.rows[0] = hr("114")
			}
			return m
		})))
	})
}

// TestHeartRateRoseAfterLeadIn (review25b's evasion, fixed in session 26,
// spike26, ledAlone): a heart rate forged above a pulse rate that kept the
// heart's level (beatsAdded) with one lead-in message 13 up, within
// hr_pr_agreement's deficit of the pulse, then 34 up for two messages at 30 s
// and back (80 → 93 → 114 × 2 → 80, the pulse at 80 throughout), is a
// spike: the lead-in is the ECG's alone too. Quiet: the same heart rate with
// the pulse following the lead-in (80 → 90) before staying behind, a heart
// climbing as a patient moves (hl7load training seed 48 m0062).
func TestHeartRateRoseAfterLeadIn(t *testing.T) {
	series := func(lead string) []tick {
		return every(100, 30*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(16 + float64(i%3))), temp("37.0")}}
			switch i {
			case 79:
				m.rows[0], m.rows[1] = hr("93"), pr(lead)
			case 80, 81:
				m.rows[0], m.rows[1] = hr("114"), pr("80")
			}
			return m
		})
	}
	cfg := vitals.DefaultConfig()
	t.Run("the pulse staying through the lead-in", func(t *testing.T) { checkRules(t, run(t, cfg, series("80")), "spike") })
	t.Run("the pulse following the lead-in", func(t *testing.T) { checkRules(t, run(t, cfg, series("90"))) })
}

// TestHeartRateBelowSteadyPulse27 (session 27, spike27, heartLeft): an ECG
// heart rate forged up and then far down for two messages (80 → 229 → 22 →
// 80 at 15 s) beside a pulse rate and a saturation that kept their levels
// is a spike: the pulse rate lay above the heart rate by more than
// pr_over_hr only because the heart rate fell beneath it, which tells of no
// disturbed oximeter (corpus4's blatant heart-rate spikes, training seeds 1
// m0090, 2 m0090, 9 m0001). Quiet: the same excursion with the pulse rate
// thrown with it (a moving patient), with the saturation thrown 8 down, and
// one two messages after the oximeter was jolted by itself.
func TestHeartRateBelowSteadyPulse27(t *testing.T) {
	ex := func(i int, m *msg) {
		switch i {
		case 5:
			m.rows[0] = hr("229")
		case 6:
			m.rows[0] = hr("22")
		}
	}
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		edit func(i int, m *msg)
		want []string
	}{
		{"the pulse and the saturation steady", ex, []string{"spike"}},
		{"the pulse thrown with it", func(i int, m *msg) {
			ex(i, m)
			if i == 6 {
				m.rows[1] = pr("120")
			}
		}, nil},
		{"the saturation thrown with it", func(i int, m *msg) {
			ex(i, m)
			if i == 6 {
				m.rows[2] = spo2("88")
			}
		}, nil},
		{"two messages after the oximeter was jolted", func(i int, m *msg) {
			ex(i, m)
			if i == 3 {
				m.rows[1] = pr("120")
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, calmBed(15*sec, tc.edit)), tc.want...) })
	}
}

// TestHeartRateUpDownUp27 (session 27, spike27, exUp): an ECG heart rate
// forged 48 up, 68 down and 50 up over three 5 s messages and back (80 →
// 128 → 12 → 130 → 80) beside a steady pulse rate and saturation is a
// spike: its furthest value is the fall, but a brief fall (beats the ECG
// lost) does not explain the rises beside it (corpus4 training seed 1
// m0042: 142 → 207 → 18 → 235 → 141). Quiet: the same with the pulse rate
// rising with the heart rate (a related channel that moved vouches for it).
func TestHeartRateUpDownUp27(t *testing.T) {
	seq := func(vs ...string) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i >= 5 && i < 5+len(vs) {
				m.rows[0] = hr(vs[i-5])
			}
		}
	}
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		step time.Duration
		edit func(i int, m *msg)
		want []string
	}{
		{"up, down and up at 5 s", 5 * sec, seq("128", "12", "130"), []string{"spike"}},
		{"the pulse rate rising with it", 5 * sec, func(i int, m *msg) {
			seq("128", "12", "130")(i, m)
			if i == 5 || i == 7 {
				m.rows[1] = pr("140")
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, calmBed(tc.step, tc.edit)), tc.want...) })
	}
}

// TestHeartRateRiseAfterSaturationDip30 (session 30, motion30, dipSince):
// a patient moving throws the ECG (muscle and electrode artefact counted as
// beats) and the pulse oximeter over some tens of seconds, not in the same
// message: corpus5's clean beds show a heart rate 40 above its level for one
// message, the pulse rate at the heart's level, a few messages after the
// saturation read 5-8 points low (training seed 1 m0051, 10 m0084). Quiet:
// such a rise, by the plain spike path (+60) and by beatsAdded's (+34, two
// messages at 30 s), in the message after a dip of 6 and four messages
// after it, and with the dip in the rise's own message; since session 34
// (c5clean34b, probeJolt) also five messages after it. Caught: the same
// rises with the saturation on its level, with a dip of 2 (within the
// oximeter's scatter) just before, and a rise to more than twice the level after a dip
// (artefact counted as beats at most doubles the count; hl7load training
// seed 49 m0139, a forged 139 -> 340 two messages after a dip of 20).
func TestHeartRateRiseAfterSaturationDip30(t *testing.T) {
	cfg := vitals.DefaultConfig()
	rise := func(v string, n, dipAt int, dip string) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i == dipAt {
				m.rows[2] = spo2(dip)
			}
			if i >= 6 && i < 6+n {
				m.rows[0] = hr(v)
			}
		}
	}
	for _, tc := range []struct {
		name string
		edit func(i int, m *msg)
		want []string
	}{
		{"plain, saturation on its level", rise("141", 1, -1, ""), []string{"spike"}},
		{"beatsAdded, saturation on its level", rise("114", 2, -1, ""), []string{"spike"}},
		{"plain, a dip of 2 just before", rise("141", 1, 5, "94"), []string{"spike"}},
		// Caught until session 34; since c5clean34b a one-message dip marks
		// a jolted probe for artBurst (probeJolt), and five messages at 30 s
		// lie within it (TestHeartRateRiseAfterJoltedProbe34).
		{"plain, five messages after a dip", rise("141", 1, 1, "90"), nil},
		{"beatsAdded, five messages after a dip", rise("114", 2, 1, "90"), nil},
		{"plain, more than double its level, the message after a dip", rise("175", 1, 5, "90"), []string{"spike"}},
		{"plain, the message after a dip", rise("141", 1, 5, "90"), nil},
		{"plain, four messages after a dip", rise("141", 1, 2, "90"), nil},
		{"plain, a dip in its own message", rise("141", 1, 6, "90"), nil},
		{"beatsAdded, the message after a dip", rise("114", 2, 5, "90"), nil},
		{"beatsAdded, four messages after a dip", rise("114", 2, 2, "90"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, calmBed(30*sec, tc.edit)), tc.want...) })
	}
}

// TestHeartRateRiseInArtefactSpell33 (session 33, c5clean33, artBurst): an
// ECG handled or moved counts artefact as beats again and again while the
// handling lasts, minutes: corpus5's clean beds show a heart rate 20-45
// above a pulse rate that kept its level for one message, back the next,
// and another such rise one to four minutes later (training seed 4 m0078,
// 157 then 159, a neonate handled; seed 2 m0068, 839 then 843, motion).
// Quiet: the later rise (+60, plain; +34 over two messages, beatsAdded)
// within artBurst after an earlier over-count of 18 ended. Caught: the same
// rises with no earlier over-count, after one more than artBurst before,
// after an earlier over-count within the agreement limit (12), and after a
// pulse that fell 20 below the heart (a deficit, the pulse moving, not the
// ECG counting beats it did not).
func TestHeartRateRiseInArtefactSpell33(t *testing.T) {
	cfg := vitals.DefaultConfig()
	rise := func(v string, n, at int, earlier func(m *msg)) func(i int, m *msg) {
		return func(i int, m *msg) {
			if i == 0 && earlier != nil {
				earlier(m)
			}
			if i >= at && i < at+n {
				m.rows[0] = hr(v)
			}
		}
	}
	over := func(v string) func(m *msg) { return func(m *msg) { m.rows[0] = hr(v) } }
	deficit := func(m *msg) { m.rows[1] = pr("61") }
	const step = 40 * time.Second
	for _, tc := range []struct {
		name string
		edit func(i int, m *msg)
		want []string
	}{
		{"plain, no earlier over-count", rise("141", 1, 6, nil), []string{"spike"}},
		{"beatsAdded, no earlier over-count", rise("114", 2, 6, nil), []string{"spike"}},
		{"plain, earlier over-count beyond artBurst", rise("141", 1, 9, over("99")), []string{"spike"}},
		{"plain, earlier over-count within the limit", rise("141", 1, 6, over("93")), []string{"spike"}},
		{"plain, earlier pulse deficit", rise("141", 1, 6, deficit), []string{"spike"}},
		{"plain, earlier over-count 4 min before", rise("141", 1, 6, over("99")), nil},
		{"plain, earlier over-count 1 min 20 s before", rise("141", 1, 2, over("99")), nil},
		{"beatsAdded, earlier over-count 4 min before", rise("114", 2, 6, over("99")), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, calmBed(step, tc.edit)), tc.want...) })
	}
}

// riseAfterDip edits calmBed's messages: the saturation at 90 in the first
// dip messages, and the heart rate at 141 in message at.
func riseAfterDip(at, dip int) func(i int, m *msg) {
	return func(i int, m *msg) {
		if i < dip {
			m.rows[2] = spo2("90")
		}
		if i == at {
			m.rows[0] = hr("141")
		}
	}
}

// TestHeartRateRiseAfterJoltedProbe34 (session 34, c5clean34b, probeJolt):
// the hands that jolt a pulse oximeter's probe while a patient is handled,
// turned or crying pull at the ECG's electrodes for as long as the handling
// lasts, minutes: corpus5's clean beds show a heart rate 30-47 above a pulse
// rate that kept its level for one message, back the next, one to five
// minutes after a saturation read 4-5 below its level for one message (training
// seed 1 m0100 57, a neonate handled, 31 s after one; seed 4 m0010 900,
// crying, 4 min after one). Quiet: the rise (+60, plain) 2 min after a
// one-message and after a two-message saturation dip of 6. Caught: the same
// rise with no dip before, after a dip of three messages (a desaturation,
// not a jolted probe), and after a one-message dip more than artBurst
// before.
func TestHeartRateRiseAfterJoltedProbe34(t *testing.T) {
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		step time.Duration
		edit func(i int, m *msg)
		want []string
	}{
		{"no dip before", 20 * time.Second, riseAfterDip(6, 0), []string{"spike"}},
		{"a three-message dip 1 min 40 s before", 20 * time.Second, riseAfterDip(8, 3), []string{"spike"}},
		{"a one-message dip 6 min before", 40 * time.Second, riseAfterDip(9, 1), []string{"spike"}},
		{"a one-message dip 2 min before", 20 * time.Second, riseAfterDip(6, 1), nil},
		{"a two-message dip 2 min before", 20 * time.Second, riseAfterDip(7, 2), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, calmBed(tc.step, tc.edit)), tc.want...) })
	}
}

// artPulseBed is calmBed with an arterial line's pulse rate
// (MDC_BLD_PULS_RATE_INV, 149522) after the oximeter's, at the heart's level;
// rise(i) edits messages 75-84 as calmBed's edit does, and the arterial pulse
// rate of message 81 (the rise) is art2.
func artPulseBed(art2 string, rise int) []tick {
	return calmBed(20*time.Second, func(i int, m *msg) {
		m.rows = append(m.rows, row{code: "149522", value: num(80 + float64(i%2)), unit: "264864"})
		if i == rise {
			m.rows[0] = hr("141")
			switch art2 {
			case "none":
				m.rows = m.rows[:len(m.rows)-1]
			default:
				m.rows[len(m.rows)-1].value = art2
			}
		}
	})
}

// TestHeartRateRiseArterialPulse (session 36, c5clean36, pulseWitness): a
// heart rate risen above an oximeter's pulse rate that kept its level, with
// the arterial line's pulse rate, a second counter of the same beats, risen
// with it, is a heart that beat so, not noise the ECG counted nor a forged
// value (corpus5 training seed 1 m0084 74: 227 from 193, the oximeter 194,
// the arterial pulse rate 227). Quiet: +61 for one message with the arterial
// pulse rate at 140 and at 144. Caught: the arterial pulse rate at the level
// (81), 10 from the heart (131), or absent in the rise's message. Only
// messages 75-84 carry the row: it is no partner the pulse rate's own checks
// judge.
func TestHeartRateRiseArterialPulse(t *testing.T) {
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		art2 string
		want []string
	}{
		{"140", nil},
		{"144", nil},
		{"81", []string{"spike"}},
		{"131", []string{"spike"}},
		{"none", []string{"spike"}},
	} {
		t.Run(tc.art2, func(t *testing.T) { checkRules(t, run(t, cfg, artPulseBed(tc.art2, 6)), tc.want...) })
	}
}

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

// TestFlushByDiastolic: a fast flush that fills most of the monitor's
// averaging window reads the bag's pressure as systolic, diastolic and mean
// a few mmHg apart, sometimes with the systolic below flushBelow (204/192/196,
// 198/190/193; session 19, the third blind generator's art_flush: main
// flagged spike, rate_of_change, bp_order and nibp_ibp_agreement on them).
// A hypertensive pressure forged up by 75 mmHg keeps its pulse
// (255/185/210) and is still a spike.
func TestFlushByDiastolic(t *testing.T) {
	bed := func(art [][3]string) []tick {
		return every(120, 10*sec, func(i int) msg {
			m := normal(i)
			s, d, mn := wobble(180, i+7), wobble(110, i+9), wobble(135, i+11)
			if k := i - 90; k >= 0 && k < len(art) {
				s, d, mn = art[k][0], art[k][1], art[k][2]
			}
			m.rows = append(m.rows, artS(s), artD(d), artM(mn))
			return m
		})
	}
	checkRuleCases(t, []ruleCase{
		{"fast flush below the bag's 200 mmHg", bed([][3]string{{"204", "192", "196"}, {"204", "191", "196"}, {"198", "190", "193"}, {"209", "207", "196"}, {"209", "207", "196"}}), nil},
		{"hypertensive pressure forged up by 75 mmHg", bed([][3]string{{"255", "185", "210"}, {"256", "184", "211"}}), []string{"spike"}},
	})
}

// lineBed returns 120 messages 30 s apart of a calm adult with an arterial
// line near 100/49/69, message 80 replaced by the pressures s/d/m (none
// when s is empty).
func lineBed(s, d, m string) []tick {
	return every(120, 30*time.Second, func(i int) msg {
		ms := msg{rows: []row{hr(num(60 + float64(i%3))), pr(num(60 + float64((i+1)%3))), spo2(num(95 + float64(i%2))),
			rr(num(16 + float64(i%3))), artS(num(99 + float64(i%3))), artD(num(48 + float64(i%2))), artM(num(68 + float64((i+1)%2))), temp("37.3")}}
		if i == 80 && s != "" {
			ms.rows[4], ms.rows[5], ms.rows[6] = artS(s), artD(d), artM(m)
		}
		return ms
	})
}

// TestFlushInPartOfWindow: a fast flush that filled part of the monitor's
// averaging window (systolic at the bag's pressure, diastolic at the line's
// own level, mean about half way) is a flushed line, not a spike nor an
// implausible pulse pressure; a systolic raised alone, a triplet raised
// with its diastolic, and a mean at a beat's share of the pulse pressure
// are still caught.
func TestFlushInPartOfWindow(t *testing.T) {
	tests := []struct {
		name    string
		s, d, m string
		caught  bool
	}{
		{"a fast flush in part of the window (corpus5: 288/54/168)", "288", "54", "168", false},
		{"a fast flush in part of the window, the diastolic a little above its level", "293", "58", "176", false},
		{"a systolic raised alone to the bag's pressure", "288", "49", "70", true},
		{"a triplet scaled up, the mean at a beat's share (out of range)", "275", "96", "151", true},
		{"a flush-like triplet with the diastolic raised far from its level", "288", "110", "199", true},
		{"the mean above the systolic", "260", "50", "265", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), lineBed(tc.s, tc.d, tc.m))
			if got := len(fs) > 0; got != tc.caught {
				for _, f := range fs {
					t.Logf("finding %s %s value=%g other=%g: %s", f.Rule, f.Parameter, f.Value, f.Other, f.Explanation)
				}
				t.Errorf("caught %v, want %v", got, tc.caught)
			}
		})
	}
	checkRules(t, run(t, vitals.DefaultConfig(), lineBed("", "", "")))
}

// TestHeartRateRiseWithArrhythmiaSuspended35 (session 35, ecg35,
// arrSuspended): a monitor that reports a PVC rate beside the heart rate
// withholds it while its arrhythmia analysis is suspended on a noisy ECG,
// when the QRS counter counts the noise as beats: an ECG heart rate risen
// to 230 for two messages at 10 s above a pulse rate at the heart's level,
// with the PVC row gone in both and back with the return, is the ECG's own
// artefact (corpus6's "ECG noise counted as QRS"). Reported: the same rise
// with the PVC row kept (a forgery rewrites the heart rate and leaves the
// rest of the message as the monitor wrote it), and with the PVC row still
// gone on the return (the analysis did not come back with the heart rate).
func TestHeartRateRiseWithArrhythmiaSuspended35(t *testing.T) {
	pvc := func(v string) row { return row{code: "148066", value: v, unit: "264864"} }
	bed := func(pvcDuring, pvcReturn bool) []tick {
		return every(100, 10*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(16 + float64(i%3))), temp("37.0")}}
			rise := i == 80 || i == 81
			if rise {
				m.rows[0] = hr(num(230 + float64(i%2)))
			}
			if !rise && (i != 82 || pvcReturn) || rise && pvcDuring {
				m.rows = append(m.rows, pvc("0"))
			}
			return m
		})
	}
	cfg := vitals.DefaultConfig()
	t.Run("PVC row gone over the rise", func(t *testing.T) { checkRules(t, run(t, cfg, bed(false, true))) })
	t.Run("PVC row kept", func(t *testing.T) { checkRules(t, run(t, cfg, bed(true, true)), "spike") })
	t.Run("PVC row not back on the return", func(t *testing.T) { checkRules(t, run(t, cfg, bed(false, false)), "spike") })
}

// TestHeartRateForgedBetweenIntermittentPVCRows35 (review35c): a monitor that
// sends its PVC row in every other message only (or only when non-zero) has
// a message without it before and after each one that carries it; a heart
// rate forged into one of the messages without it, the rest of the message
// as the monitor wrote it, was taken for an ECG whose arrhythmia analysis
// was suspended (arrSuspended). The row must have come steadily before the
// rise for its absence to say anything.
func TestHeartRateForgedBetweenIntermittentPVCRows35(t *testing.T) {
	pvc := row{code: "148066", value: "0", unit: "264864"}
	ticks := every(100, 10*sec, func(i int) msg {
		m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
			rr(num(16 + float64(i%3))), temp("37.0")}}
		if i == 81 {
			m.rows[0] = hr("230")
		}
		if i%2 == 0 {
			m.rows = append(m.rows, pvc)
		}
		return m
	})
	checkRules(t, run(t, vitals.DefaultConfig(), ticks), "spike")
}

// TestHeartRateRiseWithPVCPlaceholder35 (review35c): a PVC row whose value
// is no count (the 11073 NaN 8388607, -100, empty, X) or whose status is
// deleted says, as the row's absence does, that the arrhythmia analysis
// reported nothing; its count before and in the return says it ran.
func TestHeartRateRiseWithPVCPlaceholder35(t *testing.T) {
	for _, tc := range []struct{ value, status string }{{"8388607", ""}, {"2047", ""}, {"-100", ""}, {"", ""}, {"X", ""}, {"3", "D"}} {
		ticks := every(100, 10*sec, func(i int) msg {
			m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
				rr(num(16 + float64(i%3))), temp("37.0")}}
			p := row{code: "148066", value: "0", unit: "264864"}
			if i == 80 || i == 81 {
				m.rows[0] = hr(num(230 + float64(i%2)))
				p.value, p.status = tc.value, tc.status
			}
			m.rows = append(m.rows, p)
			return m
		})
		t.Run(tc.value+tc.status, func(t *testing.T) { checkRules(t, run(t, vitals.DefaultConfig(), ticks)) })
	}
}

// TestHeartRateRiseBesideTheMonitorsOwnScatter36 (session 36, c6noise36;
// measured, no check changed): an ECG heart rate risen to 230 for two
// messages at 10 s above a pulse rate that kept the heart's level, on a
// monitor that sends no PVC row, is reported as a spike whatever the other
// channels of the same messages do within the scatter a monitor shows from
// message to message: the breathing rate 3 up (thoracic impedance is read
// across the ECG electrodes), the saturation 2 down (a probe moved), the
// pulse rate 4 up. On corpus6 such a witness is as common in the messages of
// a forged heart-rate rise as in those of the ECG's noise counted as beats
// (docs/vitals-history.md, "ECG noise on beds without a PVC row, session
// 36"): a forgery rewrites the heart rate and leaves the rest as the monitor
// wrote it, scatter included.
func TestHeartRateRiseBesideTheMonitorsOwnScatter36(t *testing.T) {
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name  string
		other func(m *msg)
	}{
		{"nothing else moving", func(m *msg) {}},
		{"the breathing rate 3 up", func(m *msg) { m.rows[3] = rr("20") }},
		{"the saturation 2 down", func(m *msg) { m.rows[2] = spo2("94") }},
		{"the pulse rate 4 up", func(m *msg) { m.rows[1] = pr("85") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, cfg, calmBed(10*sec, func(i int, m *msg) {
				if i == 5 || i == 6 {
					m.rows[0] = hr(num(230 + float64(i%2)))
					tc.other(m)
				}
			})), "spike")
		})
	}
}

// TestHeartRateRiseArterialPulseUnsteady36 (review36): the second pulse-rate
// row vouches for a heart-rate spike only as a counter that counted this
// heart's beats before it: present, within pulseSame of the heart rate, in
// each of the rowSteady messages before the excursion. A row that appears
// in the spike's message alone (one row written beside the forged heart
// rate), or that sat at another level before (another bed's row on an
// aggregating gateway's message, another counter), is no witness: +61 for
// one message is a spike, as without the row.
func TestHeartRateRiseArterialPulseUnsteady36(t *testing.T) {
	cfg := vitals.DefaultConfig()
	for _, tc := range []struct {
		name string
		edit func(i int, m *msg)
	}{
		{"the row in the rise's message only", func(i int, m *msg) {
			if i == 6 {
				m.rows[0] = hr("141")
				m.rows = append(m.rows, row{code: "149522", value: "140", unit: "264864"})
			}
		}},
		{"the row at another level before", func(i int, m *msg) {
			v := "120"
			if i == 6 {
				m.rows[0] = hr("141")
				v = "140"
			}
			m.rows = append(m.rows, row{code: "149522", value: v, unit: "264864"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, cfg, calmBed(20*time.Second, tc.edit)), "spike") })
	}
}

// TestHeartRateRiseArterialPulseAfterPlaceholders36 (review36): the
// oximeter's pulse rate sent as "not measured" (8388607) in the messages
// before the rise still holds the first pulse-rate row's place: the
// arterial line's row after it is the second counter's, and its run at the
// heart's level vouches for the rise it counted (corpus5 training s3 m0080
// 91: 198 beside 197, the oximeter's rows placeholders until message 90).
func TestHeartRateRiseArterialPulseAfterPlaceholders36(t *testing.T) {
	checkRules(t, run(t, vitals.DefaultConfig(), calmBed(20*time.Second, func(i int, m *msg) {
		art := num(80 + float64(i%2))
		if i < 5 {
			m.rows[1] = pr("8388607")
		}
		if i == 6 {
			m.rows[0] = hr("141")
			art = "140"
		}
		m.rows = append(m.rows, row{code: "149522", value: art, unit: "264864"})
	})))
}

// TestHeartRateRiseDuplicatePulseRow36 (review36, pinned): the oximeter's
// pulse-rate row sent twice (or under two codes of the same counter) is a
// second row that repeats the first: a heart rate forged 61 up for one
// message leaves both at the heart's level, and the spike is reported.
func TestHeartRateRiseDuplicatePulseRow36(t *testing.T) {
	checkRules(t, run(t, vitals.DefaultConfig(), calmBed(20*time.Second, func(i int, m *msg) {
		if i == 6 {
			m.rows[0] = hr("141")
		}
		m.rows = append(m.rows, m.rows[1])
	})), "spike")
}

// TestNeonateCryingSaturationLate39 (session 39, wardneo39, breathLag): a
// neonate who starts to cry breathes 70-80/min at once, and the oximeter
// answers a message later, its saturation 4-5 points down (the breaths
// held between cries, the probe on a kicking foot, the oximeter's average
// over its last seconds), the heart rate rising over the next half minute.
// When the first crying message's breathing rate was followed by one back
// near the resting rate, main judged that message alone: the saturation
// moved in the message the breathing rate came back in, not in its own
// (ward37's neo-crying, 4 of 20 seeds at 2 s and 10 s, 1 at 60 s). Still a
// spike: the same breathing rate forged into a neonate at rest, and beside a
// heart rate rising as a crying one's does with the saturation on its level;
// a breathing rate forged 20 higher for good is still a step.
func TestNeonateCryingSaturationLate39(t *testing.T) {
	series := func(edit func(i int, m *msg)) []tick {
		return every(200, 2*sec, func(i int) msg {
			m := neo(i, 145, 95, 45)
			m.pv1 = "1|I|NICU^^01^HOSP"
			if i >= 140 {
				edit(i-140, &m)
			}
			return m
		})
	}
	crying := series(func(i int, m *msg) {
		switch {
		case i == 10:
			m.rows[2], m.rows[3] = spo2("94"), rr("76")
		case i == 11:
			m.rows[0], m.rows[1], m.rows[2], m.rows[3] = hr("150"), pr("151"), spo2("90"), rr("47")
		case i > 11 && i < 40:
			h := 150 + min(35, float64(i-11)*3)
			m.rows[0], m.rows[1] = hr(wobble(h, i)), pr(wobble(h, i+5))
			m.rows[2] = spo2(num(min(95, 89+float64(i-11))))
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), crying))
	atRest := series(func(i int, m *msg) {
		if i == 10 {
			m.rows[3] = rr("76")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), atRest), "spike")
	heartRising := series(func(i int, m *msg) {
		if i < 30 {
			h := 145 + float64(i)*40/30
			m.rows[0], m.rows[1] = hr(wobble(h, i)), pr(wobble(h, i+5))
		} else {
			m.rows[0], m.rows[1] = hr(wobble(185, i)), pr(wobble(185, i+5))
		}
		if i == 10 {
			m.rows[3] = rr("76")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), heartRising), "spike")
	// A step is judged as before: the breathing rate forged 20 higher from
	// 12 min on, past the newborn's first 10 min (neoRRWarming).
	step := every(420, 2*sec, func(i int) msg {
		m := neo(i, 145, 95, 45)
		m.pv1 = "1|I|NICU^^01^HOSP"
		if i >= 360 {
			m.rows[3] = rr(wobble(65, i+3))
		}
		return m
	})
	checkRules(t, run(t, vitals.DefaultConfig(), step), "rate_of_change")
}

// TestNeonateBreathlessSaturationLate39 (review39c): a neonate's breathing
// rate that read 0 for one message beside a capnograph that kept reading
// (breathsSeen) is breaths the airway measured, whatever the saturation did
// within its own scatter (two points a message here) in the message the rate
// came back in: breathLag's witness is a saturation beyond its scatter, which
// leaves the rate not alone. Reported on main; wardneo39 (a third of the
// saturation's scale, 3 points here, was its witness) let it through.
func TestNeonateBreathlessSaturationLate39(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Profile = "neonatal"
	ts := every(100, 10*sec, func(i int) msg {
		m := neo(i, 145, 94, 30)
		m.rows[2] = spo2(num(94 + 2*float64(i%2)))
		m.rows = append(m.rows, etco2(num(40+float64(i%2))))
		switch i {
		case 80:
			m.rows[3] = rr("0")
		case 81:
			m.rows[2] = spo2("91")
		}
		return m
	})
	checkRules(t, run(t, cfg, ts), "spike")
}

// TestNeonateSpikeScatteredSaturation39 (review39c): breathLag's witness is a
// saturation beyond its own scatter in the message the breathing rate came
// back in. A forged breathing-rate spike on a restless neonate whose
// saturation scatters by 2-3 points from message to message, the next
// message's saturation 3 below its level as it often is there, is still a
// spike (as on main; wardneo39's third of the scale let it through). The
// crying neonate of TestNeonateCryingSaturationLate39 stays quiet.
func TestNeonateSpikeScatteredSaturation39(t *testing.T) {
	ts := every(200, 2*sec, func(i int) msg {
		m := neo(i, 145, 94, 45)
		m.pv1 = "1|I|NICU^^01^HOSP"
		m.rows[2] = spo2(num(94 + 2*float64(i%2)))
		switch i {
		case 150:
			m.rows[3] = rr("76")
		case 151:
			m.rows[2] = spo2("91")
		}
		return m
	})
	checkRules(t, run(t, vitals.DefaultConfig(), ts), "spike")
}
