package vitals_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// Review of class40 (review40a, session 40): forgeries and genuine
// situations around the patient's class held until a bed turnover.

// TestReviewClassADTDetour: a compromised adult monitor changes its
// patient's class with two ADT messages and no silence: ADT^A08 for
// another patient at NICU, then ADT^A08 for its own patient at NICU, then
// its ORU messages for its own patient at NICU, the heart rate raised to
// 320. On class40 each ADT adopting another patient was a bed turnover:
// the class became neonatal, and nothing was reported. An ADT message now
// turns the bed over only as any message does (after the turnover gap, or
// an admission inside a silence of 2 min).
func TestReviewClassADTDetour(t *testing.T) {
	eachCadence(t, 3, func(t *testing.T, step time.Duration, seed uint64) {
		ts := wardBed(seed, int(100*time.Minute/step), step, wardOpts{}, racing(62*time.Minute))
		var out []tick
		for _, tk := range ts {
			tk.m.pid = "111^^^H^MR"
			tk.m.pv1 = adultBed
			if tk.at >= time.Hour {
				tk.m.pv1 = nicuBed
			}
			out = append(out, tk)
			if tk.at < time.Hour && tk.at+step >= time.Hour {
				// the detour, between two values, one step apart
				a := tk
				a.m.typ, a.m.pid, a.m.pidName, a.m.pv1, a.m.rows = "ADT^A08^ADT_A01", "999^^^H^MR", "ROE^RICHARD", nicuBed, nil
				a.at += step / 3
				b := a
				b.m.pid, b.m.pidName = "111^^^H^MR", ""
				b.at += step / 3
				out = append(out, a, b)
			}
		}
		fs := run(t, vitals.DefaultConfig(), out)
		if len(only(fs, "identity_class")) == 0 || !heartOutOfRange(fs) {
			for _, f := range fs {
				t.Logf("finding %s %s value=%g: %s", f.Rule, f.Parameter, f.Value, f.Explanation)
			}
			t.Errorf("identity_class %d (want > 0), heart rate of 320 out of range %v (want true)", len(only(fs, "identity_class")), heartOutOfRange(fs))
		}
	})
}

// TestReviewClassStaleLocation: a monitor moved from an adult unit to a
// NICU between patients (a bed turnover by the gap) sends the old unit's
// PV1-3 for the neonate's first 2 min, until the baby is admitted at the
// NICU's central station. Genuine: quiet, and the neonate is judged a
// neonate once NICU arrives (a cuff systolic of 160 is out of its range).
func TestReviewClassStaleLocation(t *testing.T) {
	eachCadence(t, 3, func(t *testing.T, step time.Duration, seed uint64) {
		first := located(quietBed(seed, int(time.Hour/step), step, false), func(time.Duration) string { return adultBed })
		next := located(quietBed(seed+100, int(time.Hour/step), step, true), func(at time.Duration) string {
			if at < 2*time.Minute {
				return adultBed
			}
			return nicuBed
		})
		ts := turnover(first, next, byGap)
		checkRules(t, run(t, vitals.DefaultConfig(), ts))
	})
}

// TestReviewClassADTAdmission: a genuine bed turnover announced by the
// monitor's own ADT^A01 (a neonate admitted at the bedside after an adult,
// after the turnover gap or 3 min of silence with the admission time
// inside it) sets the neonate's class, quietly: a cuff systolic of 160 an
// hour later is out of its range and nothing else is reported.
func TestReviewClassADTAdmission(t *testing.T) {
	// Among the package's slowest: the slow ones share the second core (-race on 2 cores).
	t.Parallel()
	for _, kind := range []turnoverKind{byGap, byAdmit} {
		eachCadence(t, 2, func(t *testing.T, step time.Duration, seed uint64) {
			first := located(quietBed(seed, int(time.Hour/step), step, false), func(time.Duration) string { return adultBed })
			next := quietBed(seed+100, int(time.Hour/step), step, true)
			ts := turnover(first, next, kind)
			k := len(ts) - len(next)
			ts[k].m.typ, ts[k].m.rows = "ADT^A01^ADT_A01", nil
			checkRules(t, run(t, vitals.DefaultConfig(), ts))
			last := ts[len(ts)-1].m
			last.rows = append(append([]row(nil), last.rows...), nibpS("160", ""))
			ts = then(ts, step, []tick{{0, last}})
			if fs := run(t, vitals.DefaultConfig(), ts); len(only(fs, "range")) == 0 || len(only(fs, "identity_class")) > 0 {
				t.Errorf("%v: cuff 160 out of range %d (want > 0), identity_class %d (want 0)", kind, len(only(fs, "range")), len(only(fs, "identity_class")))
			}
		})
	}
}

// TestReviewClassSlowCadence: a compromised adult monitor at ICU sends
// every 2 min from the hour on, its PV1-3 NICU, the heart rate raised to
// 320. Each message follows a silence of 2 min and so may begin another
// patient: on class40 its own rows were judged by its location's class
// before identity found the same patient, and the heart rate of 320 was
// never out of range (only identity_class, once). A message of the
// established patient (PID before PV1) cannot begin another: its rows
// keep the patient's class.
func TestReviewClassSlowCadence(t *testing.T) {
	for _, pid := range []string{"none"} {
		for _, seed := range []uint64{1, 2, 3} {
			first := located(quietBed(seed, 60, time.Minute, false), func(time.Duration) string { return adultBed })
			next := located(wardBed(seed, 30, 2*time.Minute, wardOpts{}, racing(0)), func(time.Duration) string { return nicuBed })
			ts := then(first, 2*time.Minute, next)
			for i := range ts {
				ts[i].m.pid = pid
			}
			fs := run(t, vitals.DefaultConfig(), ts)
			if len(only(fs, "identity_class")) == 0 || !heartOutOfRange(fs) {
				t.Errorf("PID %q, seed %d: identity_class %d (want > 0), heart rate of 320 out of range %v (want true)", pid, seed, len(only(fs, "identity_class")), heartOutOfRange(fs))
			}
		}
	}
}

// TestReviewClassSamePatientAfterGap: an adult's monitor falls silent for
// the turnover gap and comes back with its own PID-3 at NICU, the heart
// rate raised to 320: the same patient, no turnover; reported, and the
// heart rate is out of the adult range.
func TestReviewClassSamePatientAfterGap(t *testing.T) {
	eachCadence(t, 2, func(t *testing.T, step time.Duration, seed uint64) {
		first := located(quietBed(seed, int(time.Hour/step), step, false), func(time.Duration) string { return adultBed })
		next := located(wardBed(seed, int(40*time.Minute/step), step, wardOpts{}, racing(0)), func(time.Duration) string { return nicuBed })
		checkForged(t, run(t, vitals.DefaultConfig(), then(first, 11*time.Minute, next)))
	})
}

// pv1First feeds ts as run does, each message's PV1 moved before its PID
// (an order no ORU_R01 has, but one a forger can send).
func pv1First(t *testing.T, cfg vitals.Config, ts []tick) []vitals.Finding {
	t.Helper()
	e, err := vitals.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src := netip.MustParseAddr("192.0.2.10")
	var all []vitals.Finding
	for i, tk := range ts {
		arrival := t0.Add(tk.at)
		segs := strings.Split(string(tk.m.bytes(arrival, i)), "\r")
		if len(segs) > 2 && strings.HasPrefix(segs[1], "PID") && strings.HasPrefix(segs[2], "PV1") {
			segs[1], segs[2] = segs[2], segs[1]
		}
		m, err := hl7.Parse([]byte(strings.Join(segs, "\r")))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		all = e.Observe(src, m, arrival, all)
	}
	return all
}

// TestReviewClassSlowCadencePV1First: TestReviewClassSlowCadence with each
// message's PV1 before its PID, so that the patient is not known when the
// location is read. Reported, and the heart rate of 320 out of range.
func TestReviewClassSlowCadencePV1First(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		first := located(quietBed(seed, 60, time.Minute, false), func(time.Duration) string { return adultBed })
		next := located(wardBed(seed, 30, 2*time.Minute, wardOpts{}, racing(0)), func(time.Duration) string { return nicuBed })
		fs := pv1First(t, vitals.DefaultConfig(), then(first, 2*time.Minute, next))
		if len(only(fs, "identity_class")) == 0 || !heartOutOfRange(fs) {
			t.Errorf("seed %d: identity_class %d (want > 0), heart rate of 320 out of range %v (want true)", seed, len(only(fs, "identity_class")), heartOutOfRange(fs))
		}
	}
}

// TestReviewClassPV1FirstTurnover: a genuine bed turnover from an adult to
// a neonate (after the gap, or an admission in 3 min of silence) whose
// messages carry PV1 before PID stays quiet.
func TestReviewClassPV1FirstTurnover(t *testing.T) {
	// Among the package's slowest: the slow ones share the second core (-race on 2 cores).
	t.Parallel()
	for _, kind := range []turnoverKind{byGap, byAdmit} {
		eachCadence(t, 2, func(t *testing.T, step time.Duration, seed uint64) {
			first := located(quietBed(seed, int(time.Hour/step), step, false), func(time.Duration) string { return adultBed })
			ts := turnover(first, quietBed(seed+100, int(time.Hour/step), step, true), kind)
			checkRules(t, pv1First(t, vitals.DefaultConfig(), ts))
		})
	}
}

// TestReviewClassSlowCadenceTwoPIDs: TestReviewClassSlowCadence with each
// message carrying another patient's PID before its PV1 and its own
// patient's after it: the patient identity judges is the last PID's, the
// established one. Reported, and the heart rate of 320 out of range.
func TestReviewClassSlowCadenceTwoPIDs(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		first := located(quietBed(seed, 60, time.Minute, false), func(time.Duration) string { return adultBed })
		next := located(wardBed(seed, 30, 2*time.Minute, wardOpts{}, racing(0)), func(time.Duration) string { return nicuBed + "\rPID|||111^^^H^MR||DOE^JANE" })
		for i := range first {
			first[i].m.pid = "111^^^H^MR"
		}
		for i := range next {
			next[i].m.pid = "999^^^H^MR"
		}
		fs := run(t, vitals.DefaultConfig(), then(first, 2*time.Minute, next))
		if len(only(fs, "identity_class")) == 0 || !heartOutOfRange(fs) || len(only(fs, "identity_patient")) > 0 {
			t.Errorf("seed %d: identity_class %d (want > 0), heart rate of 320 out of range %v (want true), identity_patient %d (want 0)", seed, len(only(fs, "identity_class")), heartOutOfRange(fs), len(only(fs, "identity_patient")))
		}
	}
}

// TestClassTwoLocationsInOneMessage: an adult's monitor sends no PV1 for
// 30 min, then one message with two PV1 segments, a neonatal unit and then
// an adult bed. The neonatal point of care, too late to set the class, is
// reported with an explanation that names it (review40a left it empty: the
// last PV1's class, the patient's, named both sides), and the class stays.
func TestClassTwoLocationsInOneMessage(t *testing.T) {
	for _, step := range []time.Duration{2 * sec, 10 * sec, time.Minute} {
		ts := quietBed(1, int(40*time.Minute/step), step, false)
		ts[int(30*time.Minute/step)].m.pv1 = nicuBed + "\rPV1|" + adultBed
		fs := only(run(t, vitals.DefaultConfig(), ts), "identity_class")
		if len(fs) != 1 {
			t.Fatalf("%v: identity_class findings %d, want 1", step, len(fs))
		}
		if want := "point of care (PV1-3) of a neonate on an adult's monitor without a bed turnover: the adult limits stay"; fs[0].Explanation != want {
			t.Errorf("%v: explanation %q, want %q", step, fs[0].Explanation, want)
		}
	}
}
