package vitals_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// Review of age43 (review43a, session 43).

// noCuff strips the cuff rows of ts (agedBed's first four rows are the
// heart, pulse, saturation and breathing rates).
func noCuff(ts []tick) []tick {
	for i := range ts {
		ts[i].m.rows = ts[i].m.rows[:4]
	}
	return ts
}

// TestReviewAgeStaleAtTurnover: at a neonatal unit's bed whose last patient's
// PID-7 named an adult (a mother's birth date, or a compromised monitor's),
// the next patient arrives after the turnover gap on a monitor not yet
// admitted, sending no PID: a bed turnover. The next patient's age is
// unknown: it is neonatal by its location, its cuff of 150 is range. On
// age43 the last patient's PID-7 judged it (the age was not reset at the
// turnover): an adult, its cuff quiet.
func TestReviewAgeStaleAtTurnover(t *testing.T) {
	for _, next := range []string{"omit", "none"} {
		first := noCuff(agedBed(nicuBed, "19620526", "777^^^H^MR")[:180])
		fs := run(t, vitals.DefaultConfig(), then(first, 15*time.Minute, agedBed(nicuBed, "", next)))
		if n := cuffRange(fs); n == 0 {
			t.Errorf("next patient (PID %q) at NICU after an adult's PID-7: cuff range 0, want reported", next)
		}
	}
}

// TestReviewAgeAloneAfterSilence: a neonate's PID-7 changes without a bed
// turnover (a registration corrected, or a forger's) and its monitor falls
// silent for the turnover gap, then comes back with the same PID-3 at the
// same NICU: the same patient, whose class holds (neonatal, its cuff of 150
// is range). The birth date alone raises no identity_class, as it does not
// without the silence (TestAgeRewrittenLate); on age43 it did, naming a
// point of care that had not changed.
func TestReviewAgeAloneAfterSilence(t *testing.T) {
	for _, at := range []int{90, 180} { // the birth date rewritten 15 min before the silence, or at it
		first := noCuff(agedBed(nicuBed, "20260220", "")[:180])
		for i := at; i < len(first); i++ {
			first[i].m.born = "19620526"
		}
		fs := run(t, vitals.DefaultConfig(), then(first, 12*time.Minute, agedBed(nicuBed, "19620526", "")))
		if n, c := cuffRange(fs), len(only(fs, "identity_class")); n == 0 || c != 0 {
			t.Errorf("rewritten at message %d, silence: cuff range %d (want reported), identity_class %d (want 0)", at, n, c)
		}
	}
}

// TestReviewAgeDoesNotAllocate: reading PID-7 does not allocate, with a
// PID whose birth date changes in every message (ageOf read each time) at
// a NICU-named location (TestObserveDoesNotAllocate's monitor sends no
// PID-7).
func TestReviewAgeDoesNotAllocate(t *testing.T) {
	ts := agedBed("1|I|NICU-N^N04^2^HOSP", "", "")
	msgs := make([]*hl7.Message, len(ts))
	for i := range ts {
		ts[i].m.born = []string{"19620526", "20160301", "20260220", "19700101"}[i%4]
		m, err := hl7.Parse(ts[i].m.bytes(t0.Add(ts[i].at), i))
		if err != nil {
			t.Fatal(err)
		}
		msgs[i] = m
	}
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	src := netip.MustParseAddr("192.0.2.10")
	fs := make([]vitals.Finding, 0, 1024)
	for i := range 60 { // the stream and its layout learned
		fs = e.Observe(src, msgs[i], t0.Add(ts[i].at), fs[:0])
	}
	i := 60
	if allocs := testing.AllocsPerRun(200, func() {
		fs = e.Observe(src, msgs[i], t0.Add(ts[i].at), fs[:0])
		i++
	}); allocs != 0 {
		t.Errorf("Observe allocates %v times per message with a PID-7", allocs)
	}
}

// TestReviewAgeAloneRowsHeld: a compromised neonate's monitor rewrites its
// PID-7 to an adult's, falls silent for the turnover gap and comes back
// with the same PID-3, its first message carrying a cuff of 150: the same
// patient, whose rows keep its class (neonatal: range). On age43 the rows
// of a message that may begin another patient took the class of its
// birth date (adult: quiet), a message's widened limits at each silence.
func TestReviewAgeAloneRowsHeld(t *testing.T) {
	first := noCuff(agedBed(nicuBed, "20260220", "")[:180])
	for i := 90; i < len(first); i++ {
		first[i].m.born = "19620526"
	}
	next := noCuff(agedBed(nicuBed, "19620526", "")[:60])
	next[0].m.rows = append(next[0].m.rows, nibpS("150", ""), nibpD("80", ""), nibpM("103", ""))
	fs := run(t, vitals.DefaultConfig(), then(first, 12*time.Minute, next))
	if n, c := cuffRange(fs), len(only(fs, "identity_class")); n == 0 || c != 0 {
		t.Errorf("cuff of 150 after a silence, birth date rewritten: cuff range %d (want reported), identity_class %d (want 0)", n, c)
	}
}
