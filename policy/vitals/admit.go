package vitals

import (
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
