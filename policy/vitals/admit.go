package vitals

import (
	"hash/maphash"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

const (
	// admitGap is the shortest silence in which a bed can be turned over
	// when the new patient's admission time (PV1-44) falls inside it.
	admitGap = 2 * time.Minute
	// admitSkew is how far the admission time, written by another system's
	// clock, may lie outside the silence.
	admitSkew = time.Minute
)

// admittedInGap reports a bed turnover shorter than the turnover gap: the
// monitor fell silent for at least admitGap (discharge, new patient
// admitted at the monitor) and the new message's PV1-44 admission time lies
// inside that silence, between the previous message's time and this one's
// (both MSH-7, in the device's clock, within admitSkew). A forged identity
// arrives without the silence, or with the other patient's real admission
// time, hours or days earlier. Read only when the patient changed.
func (s *stream) admittedInGap(e *Engine, em *emitter, arrival time.Time) bool {
	if s.prevArrival.IsZero() || arrival.Sub(s.prevArrival) < admitGap || s.lastMsgTime.IsZero() {
		return false
	}
	m := em.m
	for i := range m.NumSegments() {
		seg := m.Segment(i)
		if string(seg.Name()) != "PV1" {
			continue
		}
		admit, err := hl7.ParseTimeIn(seg.Field(44).Component(1).Bytes(), e.loc)
		if err != nil {
			return false
		}
		return !admit.Before(s.lastMsgTime.Add(-admitSkew)) && !admit.After(em.msgTime.Add(admitSkew))
	}
	return false
}

// identified reports a provisional identity replaced by the patient's real
// one: an unidentified admission (an unconscious trauma patient, a newborn)
// is registered under a temporary identifier, with sex "unknown" (and no
// birth date), and its real identity replaces it later under the same visit
// number (PV1-19), in the same bed (PV1-3). A forged or misassociated
// identity carries the other patient's own visit number; an identity that
// was complete is never provisional, and the replacement must be complete
// itself, so the replacement is accepted once (one provisional identity
// swapped for another is no identification). Read only when the patient
// changed.
func (s *stream) identified(e *Engine, em *emitter) bool {
	if s.tempVisit == 0 {
		return false
	}
	v, provisional := e.visitOf(em.m)
	return !provisional && v == s.tempVisit
}

// visitOf returns the hash of m's visit number (PV1-19) with its bed (PV1-3),
// of its bed alone when it has no visit number, 0 when it has neither, and
// whether its patient identity is provisional: administrative sex U, unknown
// (PID-8), what a registration desk records of a patient who cannot tell,
// or a family name that stands for none (UNKNOWN^PATIENT, UNKNOWN^BABY
// under a temporary number; Engine.unidentified, session 47). A birth date
// left out is no such mark: many monitors send none for any patient. Many
// monitors send no visit number either (they take the patient from the
// bedside, not from the ADT feed): for them the same bed is what
// is left to tell (UNKNOWN^TRAUMAB under a temporary number and sex U, then
// the patient's own identity in the same bed; the third blind generator,
// session 19).
func (e *Engine) visitOf(m *hl7.Message) (visit uint64, provisional bool) {
	for i := range m.NumSegments() {
		seg := m.Segment(i)
		switch string(seg.Name()) {
		case "PID":
			provisional = string(seg.Field(8).Component(1).Bytes()) == "U" || e.unidentified(seg.Field(5).Component(1).Bytes())
		case "PV1":
			n, bed := seg.Field(19).Component(1).Bytes(), seg.Field(3).Bytes()
			if len(n) > 0 || len(bed) > 0 {
				var h maphash.Hash
				h.SetSeed(e.seed)
				h.Write(n)
				h.WriteByte('|')
				h.Write(bed)
				visit = h.Sum64() | 1
			}
		}
	}
	return visit, provisional
}
