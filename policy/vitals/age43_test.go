package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// The patient's age decides what a unit's name cannot (session 43, age43):
// NICU is a neonatal ICU in some hospitals and a neuro ICU in others. A
// patient whose PID-7 birth date lies a year or more before the message is
// not neonatal whatever its location says; a neonatal key of the
// configuration outranks the age, and the age never makes a patient
// neonatal.

// agedBed returns an hour of messages 10 s apart of a calm patient at
// point of care pv1 born on born (PID-7, "" for none), PID-3 pid, whose
// cuff reads 150–152/80 (mean 103–105) every 5 min: above a neonate's 140 mmHg
// cuff range, ordinary for an adult or a child.
func agedBed(pv1, born, pid string) []tick {
	return every(360, 10*sec, func(i int) msg {
		m := msg{pv1: pv1, born: born, pid: pid, rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))),
			spo2(num(96 + float64(i%2))), rr(num(16 + float64(i%3)))}}
		if i%30 == 5 {
			at := ""
			m.rows = append(m.rows, nibpS(num(150+float64(i/30%3)), at), nibpD("80", at), nibpM(num(103+float64(i/30%3)), at))
		}
		return m
	})
}

// cuffRange counts range findings on the cuff.
func cuffRange(fs []vitals.Finding) int {
	n := 0
	for _, f := range only(fs, "range") {
		if f.Value >= 150 && f.Value <= 152 || f.Value >= 103 && f.Value <= 105 {
			n++
		}
	}
	return n
}

// TestAgeAdultInNeuroICU: an adult (born 1962) at a neuro ICU named
// NICU-N is judged as an adult: a cuff of 150 is quiet, and nothing says
// identity_class. On main the location made the bed neonatal and the cuff
// was range (corpus7's clean beds, session 41).
func TestAgeAdultInNeuroICU(t *testing.T) {
	for _, born := range []string{"19620526", "20040129", "196205261230", "19620526000000-0500"} {
		fs := run(t, vitals.DefaultConfig(), agedBed("1|I|NICU-N^N04^2^HOSP", born, ""))
		if n, c := cuffRange(fs), len(only(fs, "identity_class")); n != 0 || c != 0 {
			t.Errorf("born %s at NICU-N: cuff range %d, identity_class %d, want 0 and 0", born, n, c)
		}
	}
}

// TestAgeChildInNeuroICU: a child of 10 at NICU-N is judged paediatric:
// a cuff of 150 is within its range.
func TestAgeChildInNeuroICU(t *testing.T) {
	if n := cuffRange(run(t, vitals.DefaultConfig(), agedBed("1|I|NICU-N^N04^2^HOSP", "20160301", ""))); n != 0 {
		t.Errorf("a child at NICU-N: cuff range %d, want 0", n)
	}
}

// TestAgeNeonateStaysNeonatal: a neonate at a NICU with its own birth date
// (days or months old), with none, with a placeholder, with a date not
// valid or in the future is neonatal: its cuff of 150 is range.
func TestAgeNeonateStaysNeonatal(t *testing.T) {
	for _, born := range []string{"20260220", "20250302", "", "19000101", "19700101", "18991231", "20260231", "20261224", "2026", "1962", "X9620526"} {
		if n := cuffRange(run(t, vitals.DefaultConfig(), agedBed(nicuBed, born, ""))); n == 0 {
			t.Errorf("a neonate at NICU born %q: cuff range 0, want reported", born)
		}
	}
}

// TestAgeConfigOutranks: a neonatal key (application or source) makes
// every monitor neonatal, an adult's birth date included; so does the
// neonatal profile.
func TestAgeConfigOutranks(t *testing.T) {
	for name, edit := range map[string]func(c *vitals.Config){
		"application": func(c *vitals.Config) { c.Neonatal.Applications = []string{"MON1"} },
		"source":      func(c *vitals.Config) { c.Neonatal.Sources = []string{"192.0.2.0/24"} },
		"profile":     func(c *vitals.Config) { c.Profile = "neonatal" },
	} {
		cfg := vitals.DefaultConfig()
		edit(&cfg)
		if n := cuffRange(run(t, cfg, agedBed("1|I|NICU-N^N04^2^HOSP", "19620526", ""))); n == 0 {
			t.Errorf("neonatal %s, an adult at NICU-N: cuff range 0, want reported", name)
		}
	}
}

// TestAgeRewrittenLate: a neonate at a NICU whose PID-7 is rewritten to an
// adult's birth date after half an hour, without a bed turnover, stays
// neonatal (the class holds; the age it was set with judges later
// locations): its cuff of 150 is still range, and the birth date alone
// raises no identity_class. Nor does a newborn's birth date written on an
// adult judged an adult at NICU-N make it neonatal.
func TestAgeRewrittenLate(t *testing.T) {
	// rewrite gives the messages from 30 min on the birth date born; the
	// cuff reads from then on only.
	rewrite := func(ts []tick, born string) []tick {
		for i := range ts {
			if ts[i].at >= 30*time.Minute {
				ts[i].m.born = born
			} else {
				ts[i].m.rows = ts[i].m.rows[:4]
			}
		}
		return ts
	}
	fs := run(t, vitals.DefaultConfig(), rewrite(agedBed(nicuBed, "20260220", ""), "19620526"))
	if n, c := cuffRange(fs), len(only(fs, "identity_class")); n == 0 || c != 0 {
		t.Errorf("neonate rewritten to an adult's birth date: cuff range %d (want reported), identity_class %d (want 0)", n, c)
	}
	if n := cuffRange(run(t, vitals.DefaultConfig(), rewrite(agedBed("1|I|NICU-N^N04^2^HOSP", "19620526", ""), "20260220"))); n != 0 {
		t.Errorf("adult rewritten to a newborn's birth date at NICU-N: cuff range %d, want 0", n)
	}
}
