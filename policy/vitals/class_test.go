package vitals_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// The patient's class rewritten in the middle of a stream (session 40,
// class40): the first located PV1-3 of a patient sets its class, which holds
// until a bed turnover; a point of care of another class meanwhile is
// reported (identity_class) and changes nothing.

const (
	adultBed = "1|I|ICU^^04^HOSP"
	nicuBed  = "1|I|NICU^^01^HOSP"
	picuBed  = "1|I|PICU^^07^HOSP"
)

// located sets the PV1 of ts's messages: pv1(t) at each message's time, ""
// for none.
func located(ts []tick, pv1 func(t time.Duration) string) []tick {
	for i := range ts {
		ts[i].m.pv1 = pv1(ts[i].at)
	}
	return ts
}

// racing is an edit that takes the heart rate, and the pulse rate with it,
// from its own level up to 320/min over 20 min from from, held there after:
// a forged value no adult's monitor can measure, slow enough to be no step
// and no spike, judged by the class alone.
func racing(from time.Duration) func(t time.Duration, v *vit) {
	return func(t time.Duration, v *vit) {
		if t >= from {
			k := rise(t, from, 20*time.Minute)
			v.hr += k * (320 - v.hr)
			v.pr += k * (320 - v.pr)
		}
	}
}

// eachCadence runs f as a subtest at 2 s, 10 s and 60 s on seeds 1 to seeds.
func eachCadence(t *testing.T, seeds uint64, f func(t *testing.T, step time.Duration, seed uint64)) {
	for _, step := range []time.Duration{2 * sec, 10 * sec, time.Minute} {
		for seed := uint64(1); seed <= seeds; seed++ {
			t.Run(fmt.Sprintf("%v/%d", step, seed), func(t *testing.T) { f(t, step, seed) })
		}
	}
}

// heartOutOfRange reports whether fs holds a range finding on the heart rate.
func heartOutOfRange(fs []vitals.Finding) bool {
	for _, f := range only(fs, "range") {
		if f.Parameter == "HR" || f.Value > 300 {
			return true
		}
	}
	return false
}

// checkForged fails unless fs report the point of care once (identity_class)
// and the heart rate of 320 out of the adult range.
func checkForged(t *testing.T, fs []vitals.Finding) {
	t.Helper()
	if n := len(only(fs, "identity_class")); n != 1 {
		t.Errorf("identity_class findings: %d, want 1", n)
	}
	if !heartOutOfRange(fs) {
		for _, f := range fs {
			t.Logf("finding %s %s value=%g: %s", f.Rule, f.Parameter, f.Value, f.Explanation)
		}
		t.Errorf("a heart rate of 320 after PV1-3 was rewritten to NICU is not out of range")
	}
}

// TestClassRewrittenMidStream: an adult at an ICU bed for an hour; then the
// monitor's PV1-3 says NICU, and the heart and pulse rates climb to 320
// over 20 min. Reported: the location once, and the heart rate out of the
// adult range. On main the rewritten location made the stream neonatal,
// whose heart-rate range reaches 350: nothing was out of range.
func TestClassRewrittenMidStream(t *testing.T) {
	for _, pv1 := range []string{nicuBed, "1|I|NICU^^04^HOSP", "1|I|SCBU^^2"} {
		t.Run(pv1, func(t *testing.T) {
			eachCadence(t, 3, func(t *testing.T, step time.Duration, seed uint64) {
				ts := wardBed(seed, int(100*time.Minute/step), step, wardOpts{}, racing(time.Hour))
				ts = located(ts, func(at time.Duration) string {
					if at >= time.Hour-step {
						return pv1
					}
					return adultBed
				})
				checkForged(t, run(t, vitals.DefaultConfig(), ts))
			})
		})
	}
}

// TestClassRewrittenDesaturation: a neonate's allowance used. An adult at
// an ICU bed for an hour; then the monitor's PV1-3 says NICU, and 15 min
// later the saturation is forged 20 points down for 90 s, the heart and
// breathing rates left as they are: as a neonate's, shorter than the 2 min
// a neonate's desaturation must hold (neoDesatHold) and shallower than a
// neonate's spike threshold (22). Reported here, as on an adult (by
// rate_of_change at 2 s and 10 s, spike at 60 s), besides identity_class;
// main reports nothing (0 of 9).
func TestClassRewrittenDesaturation(t *testing.T) {
	eachCadence(t, 3, func(t *testing.T, step time.Duration, seed uint64) {
		ts := wardBed(seed, int(90*time.Minute/step), step, wardOpts{}, func(at time.Duration, v *vit) {
			if within(at, 75*time.Minute, 90*sec) {
				v.spo2 -= 20
			}
		})
		ts = located(ts, func(at time.Duration) string {
			if at >= time.Hour {
				return nicuBed
			}
			return adultBed
		})
		fs := run(t, vitals.DefaultConfig(), ts)
		var sat bool
		for _, f := range fs {
			sat = sat || f.Rule != "identity_class" && f.Parameter != "" && f.ObservedAt.After(t0.Add(75*time.Minute-step))
		}
		if len(only(fs, "identity_class")) != 1 || !sat {
			for _, f := range fs {
				t.Logf("finding %s %s value=%g: %s", f.Rule, f.Parameter, f.Value, f.Explanation)
			}
			t.Errorf("identity_class %d (want 1), the forged desaturation reported %v (want true)", len(only(fs, "identity_class")), sat)
		}
	})
}

// TestClassRewrittenChild: a child at a PICU bed, its PV1-3 rewritten to
// NICU after an hour, is reported, and its heart rate of 320 is out of the
// paediatric (adult) range.
func TestClassRewrittenChild(t *testing.T) {
	eachCadence(t, 2, func(t *testing.T, step time.Duration, seed uint64) {
		ts := wardBed(seed, int(100*time.Minute/step), step, wardOpts{}, racing(time.Hour))
		ts = located(ts, func(at time.Duration) string {
			if at >= time.Hour {
				return nicuBed
			}
			return picuBed
		})
		checkForged(t, run(t, vitals.DefaultConfig(), ts))
	})
}

// TestClassWithoutTurnover: a new patient's identity without a bed
// turnover (identity_patient), its PV1-3 NICU, does not set the class
// either; nor does a monitor that sends no identity and keeps sending, its
// PV1-3 rewritten after a silence shorter than the turnover gap (5 min).
func TestClassWithoutTurnover(t *testing.T) {
	eachCadence(t, 2, func(t *testing.T, step time.Duration, seed uint64) {
		t.Run("another PID-3", func(t *testing.T) {
			ts := wardBed(seed, int(100*time.Minute/step), step, wardOpts{}, racing(time.Hour))
			ts = located(ts, func(at time.Duration) string {
				if at >= time.Hour {
					return nicuBed
				}
				return adultBed
			})
			for i := range ts {
				if ts[i].at >= time.Hour {
					ts[i].m.pid = "999^^^H^MR"
				}
			}
			fs := run(t, vitals.DefaultConfig(), ts)
			checkForged(t, fs)
			if len(only(fs, "identity_patient")) != 1 {
				t.Errorf("identity_patient: %d, want 1", len(only(fs, "identity_patient")))
			}
		})
		t.Run("no identity, 5 min silence", func(t *testing.T) {
			first := located(quietBed(seed, int(time.Hour/step), step, false), func(time.Duration) string { return adultBed })
			next := located(wardBed(seed+100, int(40*time.Minute/step), step, wardOpts{}, racing(0)), func(time.Duration) string { return nicuBed })
			ts := then(first, 5*time.Minute, next)
			for i := range ts {
				ts[i].m.pid = "none"
			}
			checkForged(t, run(t, vitals.DefaultConfig(), ts))
		})
	})
}

// TestClassLateStart decides the late PV1 (classLate): a monitor may send
// its point of care only from the patient's admission at the central
// station, minutes after its first values. A neonate's monitor that sends
// no PV1 for its first 3 min, then NICU, is quiet and judged a neonate from
// then on (a cuff systolic of 160 is out of its range). An adult's monitor
// that sent no PV1 for an hour and then begins to with NICU (a forger's
// late start) is reported, and its heart rate of 320 is out of range; so
// it is when it begins with NICU 11 min after a bed turnover.
func TestClassLateStart(t *testing.T) {
	t.Run("neonate admitted after 3 min", func(t *testing.T) {
		eachCadence(t, 3, func(t *testing.T, step time.Duration, seed uint64) {
			ts := located(quietBed(seed, int(time.Hour/step), step, true), func(at time.Duration) string {
				if at < 3*time.Minute {
					return ""
				}
				return nicuBed
			})
			checkRules(t, run(t, vitals.DefaultConfig(), ts))
			last := ts[len(ts)-1].m
			last.rows = append(last.rows, nibpS("160", ""))
			ts = then(ts, step, []tick{{0, last}})
			if !slices.Contains(rulesOf(run(t, vitals.DefaultConfig(), ts)), "range") {
				t.Errorf("a cuff systolic of 160 on the neonate is not out of range: the late PV1 did not set the class")
			}
		})
	})
	t.Run("adult, NICU after an hour", func(t *testing.T) {
		eachCadence(t, 3, func(t *testing.T, step time.Duration, seed uint64) {
			ts := wardBed(seed, int(100*time.Minute/step), step, wardOpts{}, racing(time.Hour))
			ts = located(ts, func(at time.Duration) string {
				if at < time.Hour {
					return ""
				}
				return nicuBed
			})
			checkForged(t, run(t, vitals.DefaultConfig(), ts))
		})
	})
	t.Run("adult after a turnover, NICU 11 min later", func(t *testing.T) {
		eachCadence(t, 2, func(t *testing.T, step time.Duration, seed uint64) {
			next := wardBed(seed+100, int(50*time.Minute/step), step, wardOpts{}, racing(11*time.Minute))
			next = located(next, func(at time.Duration) string {
				if at < 11*time.Minute {
					return ""
				}
				return nicuBed
			})
			checkForged(t, run(t, vitals.DefaultConfig(), turnover(quietBed(seed, int(time.Hour/step), step, false), next, byGap)))
		})
	})
}

// TestClassQuiet: genuine situations stay quiet at 2 s, 10 s and 60 s: a
// neonate's monitor that always says NICU; a neonate moved from one NICU
// bed to another, an adult from an ICU bed to a CCU one (the same class);
// an adult's monitor without PV1; a bed turnover from an adult to a
// neonate and from a neonate to an adult (a mixed ward, or a monitor moved
// between units between patients), after the turnover gap or after an
// admission in a shorter silence, the new patient's first located PV1-3
// setting the class afresh; a gateway carrying a NICU bed and an ICU bed
// side by side on one connection; and a monitor the configuration fixes as
// a neonate's (by source or by application) whose PV1-3 says ICU for a
// while (PV1 then does not matter).
func TestClassQuiet(t *testing.T) {
	// Among the package's slowest: the slow ones share the second core (-race on 2 cores).
	t.Parallel()
	neo := func(seed uint64, d time.Duration, step time.Duration) []tick {
		return quietBed(seed, int(d/step), step, true)
	}
	adult := func(seed uint64, d time.Duration, step time.Duration) []tick {
		return located(quietBed(seed, int(d/step), step, false), func(time.Duration) string { return adultBed })
	}
	cases := []struct {
		name string
		cfg  func(c *vitals.Config)
		ts   func(seed uint64, step time.Duration) []tick
	}{
		{"neonate, NICU throughout", nil, func(seed uint64, step time.Duration) []tick { return neo(seed, 90*time.Minute, step) }},
		{"neonate, NICU bed 01 then 02", nil, func(seed uint64, step time.Duration) []tick {
			return located(neo(seed, 90*time.Minute, step), func(at time.Duration) string {
				if at < 45*time.Minute {
					return nicuBed
				}
				return "1|I|NICU^^02^HOSP"
			})
		}},
		{"adult, ICU then CCU", nil, func(seed uint64, step time.Duration) []tick {
			return located(adult(seed, 90*time.Minute, step), func(at time.Duration) string {
				if at < 45*time.Minute {
					return adultBed
				}
				return "1|I|CCU^^02^HOSP"
			})
		}},
		{"adult, no PV1", nil, func(seed uint64, step time.Duration) []tick {
			return quietBed(seed, int(90*time.Minute/step), step, false)
		}},
		{"adult then neonate, gap", nil, func(seed uint64, step time.Duration) []tick {
			return turnover(adult(seed, time.Hour, step), neo(seed+100, time.Hour, step), byGap)
		}},
		{"adult then neonate, admission", nil, func(seed uint64, step time.Duration) []tick {
			return turnover(adult(seed, time.Hour, step), neo(seed+100, time.Hour, step), byAdmit)
		}},
		{"neonate then adult, gap", nil, func(seed uint64, step time.Duration) []tick {
			return turnover(neo(seed, time.Hour, step), adult(seed+100, time.Hour, step), byGap)
		}},
		{"neonate then adult, admission", nil, func(seed uint64, step time.Duration) []tick {
			return turnover(neo(seed, time.Hour, step), adult(seed+100, time.Hour, step), byAdmit)
		}},
		{"no identity, adult then neonate after the turnover gap", nil, func(seed uint64, step time.Duration) []tick {
			first, next := adult(seed, time.Hour, step), neo(seed+100, time.Hour, step)
			for i := range first {
				first[i].m.pid = "none"
			}
			for i := range next {
				next[i].m.pid = "none"
			}
			return then(first, 11*time.Minute, next)
		}},
		{"gateway, NICU and ICU beds", nil, func(seed uint64, step time.Duration) []tick {
			a, b := neo(seed, time.Hour, step), adult(seed+100, time.Hour, step)
			var ts []tick
			for i := range a {
				a[i].m.app, a[i].m.equip, a[i].m.pid = "GW1", "0012340000000001", "111^^^H^MR"
				b[i].m.app, b[i].m.equip, b[i].m.pid = "GW1", "0012340000000002", "222^^^H^MR"
				b[i].at += step / 2
				ts = append(ts, a[i], b[i])
			}
			return ts
		}},
		{"neonatal source, PV1 ICU for a while", func(c *vitals.Config) { c.Neonatal.Sources = []string{"192.0.2.0/24"} }, func(seed uint64, step time.Duration) []tick {
			return located(neo(seed, 90*time.Minute, step), func(at time.Duration) string {
				if at >= 30*time.Minute && at < 60*time.Minute {
					return adultBed
				}
				return nicuBed
			})
		}},
		{"neonatal application, ICU from the start", func(c *vitals.Config) { c.Neonatal.Applications = []string{"MON1"} }, func(seed uint64, step time.Duration) []tick {
			return located(neo(seed, 90*time.Minute, step), func(at time.Duration) string {
				if at < 45*time.Minute {
					return adultBed
				}
				return nicuBed
			})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachCadence(t, 3, func(t *testing.T, step time.Duration, seed uint64) {
				cfg := vitals.DefaultConfig()
				if c.cfg != nil {
					c.cfg(&cfg)
				}
				checkRules(t, run(t, cfg, c.ts(seed, step)))
			})
		})
	}
}

// TestClassAfterTurnover: the next patient's class is its own location's,
// from its first message on. A neonate after an adult (both located) is
// judged a neonate: a cuff systolic of 160 in its first message, or an hour
// after the turnover, is out of range; an adult after a neonate is judged
// an adult: it is not.
func TestClassAfterTurnover(t *testing.T) {
	// Among the package's slowest: the slow ones share the second core (-race on 2 cores).
	t.Parallel()
	for _, kind := range []turnoverKind{byGap, byAdmit} {
		for _, step := range []time.Duration{2 * sec, 10 * sec, time.Minute} {
			t.Run(fmt.Sprintf("%v/%v", kind, step), func(t *testing.T) {
				adult := func(seed uint64) []tick {
					return located(quietBed(seed, int(time.Hour/step), step, false), func(time.Duration) string { return adultBed })
				}
				neo := func(seed uint64) []tick { return quietBed(seed, int(time.Hour/step), step, true) }
				for _, c := range []struct {
					name        string
					first, next []tick
					want        bool
				}{
					{"neonate after adult", adult(1), neo(101), true},
					{"adult after neonate", neo(1), adult(101), false},
				} {
					for _, first := range []bool{false, true} {
						next := slices.Clone(c.next)
						ts := turnover(slices.Clone(c.first), next, kind)
						if first {
							// the cuff in the next patient's first message
							k := len(ts) - len(next)
							ts[k].m.rows = append(slices.Clone(ts[k].m.rows), nibpS("160", ""))
						} else {
							last := ts[len(ts)-1].m
							last.rows = append(slices.Clone(last.rows), nibpS("160", ""))
							ts = then(ts, step, []tick{{0, last}})
						}
						fs := run(t, vitals.DefaultConfig(), ts)
						if got := slices.Contains(rulesOf(fs), "range"); got != c.want || len(only(fs, "identity_class")) > 0 {
							t.Errorf("%s (first message %v): cuff 160 out of range %v (want %v), identity_class %d", c.name, first, got, c.want, len(only(fs, "identity_class")))
						}
					}
				}
			})
		}
	}
}
