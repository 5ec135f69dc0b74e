package vitals

import (
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// The patient's class (adult, neonatal, paediatric) picks the monitor's
// range limits and the allowances of a neonate or a child (docs/vitals.md,
// `range`). The configuration's keys (sources, applications) and the
// profile give a monitor its class; a PV1-3 point of care (neonatal and
// paediatric locations) gives it to the patient in the bed. That is the
// monitor's word: a compromised adult monitor that rewrites its PV1-3 to
// NICU in the middle of a stream would unlock a neonate's heart rate of up
// to 350 and its steps (session 40, class40). So the first located PV1-3
// of a patient sets the patient's class, and the class holds until a bed
// turnover, where the next patient's PV1-3 sets it afresh; a point of care
// of another class meanwhile is reported (identity_class) and changes
// nothing.

// classLate is how long after the patient's first message (the stream's,
// or the bed turnover's) its located PV1-3s may still set its class
// quietly, the latest of them deciding. A monitor may begin sending its
// point of care only once the patient is admitted at the central station,
// minutes after the first values, and a monitor moved between units
// between patients may send the old unit's until then (review40a,
// TestReviewClassStaleLocation): the monitor's word decides the first
// location in this window anyway, so the latest one opens nothing more. A
// location that appears later than this on a patient judged all along by
// the configuration's class is a forger's late start as much as a late
// admission: reported, and the class stays.
const classLate = 10 * time.Minute

// early reports whether at (Unix s) lies within classLate of the patient's
// first message (none yet: it is that message).
func (s *stream) early(at uint32) bool {
	return s.pv1.from == 0 || int64(at)-int64(s.pv1.from) <= int64(classLate/time.Second)
}

// patientTurn is what identity made of the message's patient.
type patientTurn uint8

const (
	turnSame     patientTurn = iota // the patient of the messages before (or one identified now)
	turnNew                         // another patient: a bed turnover
	turnUnjudged                    // not judged: another equipment identifier is not settled yet (a gateway's other bed, maybe)
)

// classNow is what a message's located PV1-3 did to the patient's class.
type classNow struct {
	located     bool  // it carries a located PV1-3
	provisional bool  // which gave its rows another class than the patient's, was, until identity judges the patient
	cand, was   uint8 // the class the location selects with the configuration's keys; the patient's class before it
	other       uint8 // the class the first location of another class gave the rows (provisional)
	age         uint8 // the age band (ageOf) cand was judged with
	ageOnly     bool  // the last location, judged as a possible bed turnover, gives the patient's class with the age the class was set with: only the birth date may differ
	seg         int   // the PV1 segment
}

// turnable reports whether the message arriving at arrival may begin
// another patient as identity judges it (an ADT message too, since
// review40a): one after the turnover gap, or after a silence of admitGap
// when its PID names another patient than the established one (patient,
// read from a PID before its PV1: pid). A message of the established
// patient begins no other: its rows keep the patient's class (review40a,
// TestReviewClassSlowCadence: on class40 a monitor sending every 2 min had
// each message's rows judged by its location's class). A message whose
// PV1 comes before its PID (no ORU_R01 has that order; a forger may send
// it, TestReviewClassSlowCadencePV1First), or before another PID
// (pidAfter), or that has none, only after
// the turnover gap: a genuine turnover by an admission in such a message
// has that one message's rows judged by the last patient's class.
func (s *stream) turnable(e *Engine, arrival time.Time, patient uint64, pid bool) bool {
	if s.prevArrival.IsZero() {
		return false
	}
	since := arrival.Sub(s.prevArrival)
	return since >= e.cfg.Rules.IdentityPatient.TurnoverGap || pid && patient != 0 && s.patient != 0 && patient != s.patient && since >= admitGap
}

// pidAfter reports whether a PID segment follows segment seg of m: the
// patient identity judges is the last PID's, unknown at seg (review40a,
// TestReviewClassSlowCadenceTwoPIDs: another patient's PID before the PV1
// and the established one's after it made each message turnable).
func pidAfter(m *hl7.Message, seg int) bool {
	for k := seg + 1; k < m.NumSegments(); k++ {
		if string(m.Segment(k).Name()) == "PID" {
			return true
		}
	}
	return false
}

// classFor returns the class that the configuration's keys and a location
// select (neo, paed), as classify sets it.
func classFor(neo, paed bool, profile int) uint8 {
	switch {
	case neo:
		return classNeonatal
	case paed:
		return classPaediatric
	case profile == classNeonatal, profile == classPaediatric:
		return uint8(profile)
	}
	return classAdult
}

// setClass sets the stream's class to c.
func (s *stream) setClass(c uint8) {
	s.neonatal, s.paediatric = c == classNeonatal, c == classPaediatric
}

// locatedClass reads the class of the message's located PV1-3 (segment
// seg), before its rows are judged. A location of the patient's class
// changes nothing. One of another class gives the rows its class when the
// patient's class is not set yet or was set within classLate, or when the
// message may begin another patient (turnable: a bed turnover from an
// adult to a neonate judges the neonate's first values as a neonate's);
// settleClass keeps or undoes it once identity has judged the patient.
func (s *stream) locatedClass(e *Engine, em *emitter, seg int, patient uint64, pid bool) {
	neo, paed := s.baseNeonatal || s.pv1.neonatal, s.basePaediatric || s.pv1.paediatric
	cur := uint8(s.class())
	em.cls.located, em.cls.seg = true, seg
	settable := !s.pv1.set || s.early(uint32(em.arrival.Unix()))
	age := s.classAge // a later location is judged with the age the class was set with
	cls := classFor(neo, paed, e.profile)
	if settable {
		age = s.pidAge
	} else if s.turnable(e, em.arrival, patient, pid && !pidAfter(em.m, seg)) {
		// The message may begin another patient: its own PID's age judges
		// it, none without a PID (the last one's is the last patient's,
		// review43a, TestReviewAgeStaleAtTurnover). A location that gives
		// the patient's class with the age the class was set with leaves
		// the rows that class: the birth date alone, without a bed
		// turnover, changes nothing and raises nothing (review43a,
		// TestReviewAgeAloneRowsHeld); a turnover takes cand.
		settable, age = true, ageUnknown
		if pid {
			age = s.pidAge
		}
		em.cls.ageOnly = s.aged(cls, paed, s.classAge, e.profile) == cur
	}
	em.cls.cand, em.cls.age = s.aged(cls, paed, age, e.profile), age
	if em.cls.cand == cur || !settable || em.cls.ageOnly {
		return
	}
	if !em.cls.provisional {
		em.cls.was, em.cls.other, em.cls.provisional = cur, em.cls.cand, true
	}
	s.setClass(em.cls.cand)
}

// Age bands of a patient's birth date (PID-7), see ageOf.
const (
	ageUnknown uint8 = iota // none, not a date, a placeholder, in the future, or less than a year before
	ageChild                // a year or more, less than 18 years
	ageAdult                // 18 years or more
)

// ageOf returns the age band of birth date b (PID-7.1, YYYYMMDD[...]) at
// arrival at. A year's precision is all the decision needs: the date is read
// here and nowhere kept. A placeholder (before 1900, 1 January 1900 or
// 1970) or a date not valid is ageUnknown.
func ageOf(b []byte, at time.Time) uint8 {
	if len(b) < 8 {
		return ageUnknown
	}
	v := 0
	for _, c := range b[:8] {
		if c < '0' || c > '9' {
			return ageUnknown
		}
		v = v*10 + int(c-'0')
	}
	y, m, d := v/10000, v/100%100, v%100
	if y < 1900 || m < 1 || m > 12 || d < 1 || m == 1 && d == 1 && (y == 1900 || y == 1970) {
		return ageUnknown
	}
	if t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC); t.Day() != d {
		return ageUnknown // 31 April, 30 February
	}
	ay, am, ad := at.UTC().Date()
	now := ay*10000 + int(am)*100 + ad
	switch {
	case v+180000 <= now:
		return ageAdult
	case v+10000 <= now:
		return ageChild
	}
	return ageUnknown
}

// aged returns class c as the patient's age narrows it (session 43, age43):
// a neonatal class that only the location gave (NICU is a neuro ICU in
// many hospitals) is paediatric for a patient a year or more old, and the
// class the configuration's keys and profile give (paediatric with a
// paediatric key or location, paed) for one of 18 years or more. A
// neonatal key or profile outranks the age, and the age never makes a
// patient neonatal (a forger would widen the limits so).
func (s *stream) aged(c uint8, paed bool, age uint8, profile int) uint8 {
	if c != classNeonatal || s.baseNeonatal || profile == classNeonatal || age == ageUnknown {
		return c
	}
	if age == ageChild {
		return classPaediatric
	}
	return classFor(false, paed, profile)
}

// classNames name the classes in identity_class's explanations, by the
// location's class and the patient's.
var classNames = [numClasses][numClasses]string{
	classAdult: {
		classNeonatal:   "point of care (PV1-3) of an adult on a neonate's monitor without a bed turnover: the neonatal limits stay",
		classPaediatric: "point of care (PV1-3) of an adult on a child's monitor without a bed turnover: the paediatric limits stay",
	},
	classNeonatal: {
		classAdult:      "point of care (PV1-3) of a neonate on an adult's monitor without a bed turnover: the adult limits stay",
		classPaediatric: "point of care (PV1-3) of a neonate on a child's monitor without a bed turnover: the paediatric limits stay",
	},
	classPaediatric: {
		classAdult:    "point of care (PV1-3) of a child on an adult's monitor without a bed turnover: the adult limits stay",
		classNeonatal: "point of care (PV1-3) of a child on a neonate's monitor without a bed turnover: the neonatal limits stay",
	},
}

// settleClass settles the patient's class once identity has judged the
// message's patient (turn). At a bed turnover the next patient's class is
// its location's, or the configuration's when the message has none (the
// last patient's location is not the next one's), and its located PV1-3s
// set it. Otherwise the patient's located PV1-3s set it while they come
// within classLate of the patient's first message (the latest deciding);
// a first one later than that that would change the class, or a location
// of another class once the class is set after classLate, is reported
// (identity_class: one finding for as long as the location stays, as any
// episode), and the patient's class stays. A message whose equipment
// identifier is not settled (a gateway's other bed in the messages before
// its beds are told apart) is not judged and leaves the class as it was.
// With a neonatal key of the configuration matching the monitor every
// location selects the neonatal class: PV1-3 then does not matter.
func (s *stream) settleClass(e *Engine, em *emitter, turn patientTurn, dst []Finding) []Finding {
	now := uint32(em.arrival.Unix())
	c := &em.cls
	switch {
	case turn == turnNew:
		s.pv1.set, s.pv1.from, s.classAge = c.located, now, c.age
		if s.patient == 0 {
			// No identity told: the last PID's age is not the next
			// patient's, whose PID is read afresh (review43a).
			s.pid, s.pidAge = pidRead{}, ageUnknown
		}
		if c.located {
			s.setClass(c.cand)
		} else {
			s.classify(s.baseNeonatal, s.basePaediatric, e.profile)
		}
		return dst
	case turn == turnUnjudged:
		if c.provisional {
			s.setClass(c.was)
		}
		return dst
	case s.pv1.from == 0:
		s.pv1.from = now // the stream's first message
	}
	if !c.located {
		return dst
	}
	if early := s.early(now); !s.pv1.set || early {
		s.pv1.set, s.classAge = true, c.age
		if !c.provisional || early {
			return dst // the patient's location sets its class
		}
	} else if !c.provisional && (c.cand == uint8(s.class()) || c.ageOnly) {
		return dst // the birth date alone raises no identity_class (review43a, TestReviewAgeAloneAfterSilence)
	}
	other := c.cand
	if c.provisional {
		s.setClass(c.was)
		other = c.other // a later PV1 of the message may name the patient's own class
	}
	if em.on(rIdentityClass) {
		dst = em.add(dst, rIdentityClass, pNone, c.seg, time.Time{}, 0, 0, classLate.Seconds(), "", classNames[other][s.class()])
	}
	return dst
}
