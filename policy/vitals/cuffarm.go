package vitals

import (
	"math"
	"time"
)

// A cuff on the arm of the radial arterial line (session 37, cuff37). While
// the cuff is inflated above the systolic pressure the artery under the
// catheter is occluded: the trace damps, its pulse pressure collapses and
// its mean falls, for the 30–45 s before the cuff's reading arrives, and
// comes back as the cuff deflates, when the monitor publishes the reading.
// A ward that puts the cuff there sees this at every cuff cycle; judged 30 s
// in (the corroboration time), it reads as a step of all three arterial
// pressures with no related channel moving. So the step of an arterial
// pressure is held, not judged, while the trace shows an occluded artery
// (cuffOccluding) and the excursion is younger than cuffMeasure; it is
// excused when it comes back to the line's level with a new cuff reading
// having arrived since it began, and reported as it would have been when
// it comes back with none (a forged excursion that returns within a cuff
// measurement), or judged as now once it outlasts cuffMeasure (no cuff
// inflates that long; a forged level holds). A forged arterial step that
// keeps the pulse pressure (an offset on one channel or on all three, a
// scaled trace) or leaves the mean where it was is never held.

// cuffMeasure is the longest a cuff measurement occludes the artery, in
// nanoseconds: an automatic cuff deflates within 2 min (adult monitors
// abort a measurement there; a typical one takes 20–45 s).
const cuffMeasure = int64(2 * 60 * 1e9)

// cuffShortest is the least time from an excursion's first message of an
// occluded trace to the one it came back in for a cuff's reading to excuse
// it: a measurement occludes the artery 20-45 s, two messages at least at a
// 10-s cadence, ten at 2 s. A spike of one or two messages before a reading
// is no cuff's, and is judged as a spike (review37c: an occluded-looking
// arterial spike just before the scheduled reading went unreported).
const cuffShortest = int64(12 * 1e9)

// cuffPP is the share of its pulse pressure before the excursion that an
// occluded artery's trace keeps at most; cuffMeanFall the mean's least fall
// (mmHg) and the systolic's.
const (
	cuffPP       = 0.6
	cuffMeanFall = 8
)

// cuffOccluding reports whether the arterial trace of the current message
// is that of an artery occluded by a cuff on its arm: the systolic and the
// mean fallen from their baselines by cuffMeanFall at least, and the pulse
// pressure collapsed to cuffPP of the baselines' or less, at a time a cuff
// may be measuring (cuffNear). The reading that ends the excursion is what
// excuses it. Once it began, the occlusion lasts while the mean stays down
// (below).
func (s *stream) cuffOccluding(now int64) bool {
	if !s.cuffNear(now) {
		return false
	}
	sys, dia, mean := &s.cur[pARTSys], &s.cur[pARTDia], &s.cur[pARTMean]
	if !sys.ok || !dia.ok || !mean.ok {
		return false
	}
	bs, oks := s.tracks[pARTSys].baseline()
	bd, okd := s.tracks[pARTDia].baseline()
	bm, okm := s.tracks[pARTMean].baseline()
	if !oks || !okd || !okm || bs-bd <= 0 {
		return false
	}
	if bs-sys.v >= cuffMeanFall && bm-mean.v >= cuffMeanFall && sys.v-dia.v <= cuffPP*(bs-bd) {
		return true
	}
	// One message of the measurement whose trace opened a little (the
	// cuff's pressure stepping down) is still under the cuff while the
	// mean has not come back from the excursion the occlusion began, until
	// the cuff's reading: then the cuff has deflated (review37c: a forged
	// offset after the reading was held as occluded up to cuffMeasure).
	m := &s.tracks[pARTMean]
	return s.cuffHeld&cuffOver(pARTMean) != 0 && m.exN > 0 && now-m.exStart < cuffMeasure && m.exPre-mean.v >= cuffMeanFall && !s.cuffSince(m.exStart)
}

// cuffRelease reports the step held for a cuff (cuffHeld's artBit(p)) as
// it would have been, where the excursion ends without a cuff reading:
// come back with none, or ended by a flush or a zeroing re-levelling the
// line or by a silence (cuff37's fresh block: a held step ended by the
// flush after a blood sample went unreported); and forgets the hold. Only
// a cuff reading with the trace back excuses it.
func (s *stream) cuffRelease(em *emitter, p param, dst []Finding) []Finding {
	held := s.cuffHeld&artBit(p) != 0
	s.cuffHeld &^= artBit(p) | cuffOver(p)
	t := &s.tracks[p]
	if !held || t.exN == 0 || !em.on(rRate) {
		return dst
	}
	c := &s.cur[p]
	lo := t.threshold(p, t.exPre) / 2
	return em.add(dst, rRate, p, c.seg, c.at, t.exSum/float64(t.exN), t.exPre, min(lo, t.stepFloor(p, t.exPre)), "", "stepped to a new level with no related channel moving")
}

// cuffSince reports whether a new cuff reading arrived at or after start
// (Unix ns).
func (s *stream) cuffSince(start int64) bool {
	return s.cuffNew != 0 && int64(s.cuffNew) >= start/1e9
}

// artBit is arterial pressure p's bit in cuffHeld: its step is held;
// cuffOver its bit there: its excursion had a message of an occluded trace.
func artBit(p param) uint8   { return 1 << (p - pARTSys) }
func cuffOver(p param) uint8 { return 8 << (p - pARTSys) }

// cuffStill is cuffHeld's bit set while the cuff rows' OBX-14 stayed the
// same from one message to the next (see cuffTS).
const cuffStill = 64

// noteCuff notes a new cuff reading's arrival and the interval since the
// one before (the cuff's cycle, see cuffNear).
func (s *stream) noteCuff(arrival time.Time) {
	at := unixSeconds(arrival)
	if s.cuffNew != 0 && at > s.cuffNew && at-s.cuffNew <= math.MaxUint16 {
		s.cuffGap = uint16(at - s.cuffNew)
	} else {
		s.cuffGap = 0
	}
	s.cuffNew = at
}

// cuffDue reports whether a reading arriving at arrival comes where the
// cuff's cycle puts its next one (within cuffEarly either way of the last
// reading's arrival plus the interval before it), or with no cycle known
// yet at least a cuff's shortest interval (statGap) after the last. The
// last reading's values under a new OBX-14, which nibpChecks does not judge
// as a reading (no nibp_cadence, nibp_ibp_agreement or map_formula), count
// as the cuff's next reading only there: re-stamped between its readings
// they excused any occluded-looking arterial excursion and rewrote the
// cycle (review37c).
func (s *stream) cuffDue(arrival time.Time) bool {
	at := int64(unixSeconds(arrival))
	if s.cuffNew == 0 {
		return true
	}
	if s.cuffGap == 0 {
		return at-int64(s.cuffNew) >= int64(statGap/time.Second)
	}
	due := int64(s.cuffNew) + int64(s.cuffGap) - at
	return due >= -cuffEarly/1e9 && due <= cuffEarly/1e9
}

// cuffNear reports whether a cuff could be measuring at now (Unix ns): its
// next reading on its cycle (the last reading's arrival plus the interval
// before it) is due within cuffMeasure, or came less than cuffEarly ago
// (a measurement lasts 20–45 s, so the reading before may have come later
// on its cycle than this one), or a reading arrived within cuffMeasure
// (it may have come a message before the trace opened). A cuff whose cycle
// is not yet known (fewer than two readings, or none: the first cycles
// after a cuff is put on the line's arm) may be measuring at any time; a
// monitor with no cuff has its collapsed arterial excursions held too,
// and reported when they come back with no reading or outlast cuffMeasure.
func (s *stream) cuffNear(now int64) bool {
	if s.cuffGap == 0 {
		return true
	}
	last := int64(s.cuffNew) * 1e9
	if now-last <= cuffMeasure {
		return true
	}
	due := last + int64(s.cuffGap)*1e9 - now
	return due >= -cuffEarly && due <= cuffMeasure
}

// cuffEarly is how long after its reading was due on the cycle a cuff may
// still be measuring (see cuffNear).
const cuffEarly = int64(60 * 1e9)

// A cuff on the oximeter's arm (session 40, c7clean40). While the cuff is
// inflated above the systolic pressure the finger beyond it has no pulse:
// the oximeter, which finds the arterial blood by its pulsation, counts no
// pulse and publishes no pulse rate, and the saturation it still shows for
// a few seconds is the last of its averaging window sagging with the
// congested, desaturating venous blood of the occluded limb (monitors offer
// an "NIBP simultaneous" setting that silences the saturation's alarms
// while the cuff measures on the probe's arm for this reason). The ECG
// counts the heart all the while, and when the cuff deflates, with the
// reading published, the pulse and the saturation come back. A saturation
// dip whose every message lacks the pulse rate of a monitor that sends one,
// beside an ECG heart rate, and that comes back within a cuff measurement
// (cuffMeasure) with a new cuff reading arrived since it began, is that
// cuff: not a spike. A forged dip written into calm data keeps the pulse
// rate the oximeter counted; one that blanks the pulse rate in each of its
// messages and comes back with the cuff's reading passes (docs/vitals.md,
// "What still slips through").

// cuffOximeter is cuffHeld's bit set while the saturation's open excursion
// has had no pulse rate beside it in any of its messages (pulseLost).
const cuffOximeter = 128

// pulseLost reports a saturation in the current message (at now, Unix ns)
// with no SpO2 pulse rate beside it, on a monitor that sends one (its pulse
// rate has a level) and sent one within cuffMeasure (a cuff stops the
// finger's pulse for one measurement at most: a pulse rate gone longer, the
// oximeter sending none any more, is no cuff's; review40c), while the ECG
// heart rate is present: the oximeter lost the pulse, not the patient.
func (s *stream) pulseLost(now int64) bool {
	if !s.cur[pSpO2].ok || s.cur[pPR].ok || !s.cur[pHR].ok {
		return false
	}
	if last := &s.prev[pPR]; !last.ok || now-last.at.UnixNano() > cuffMeasure {
		return false
	}
	_, ok := s.tracks[pPR].baseline()
	return ok
}

// cuffOnProbe reports whether the saturation's excursion t, coming back
// now, is a cuff's on the oximeter's arm: a dip (an occluded finger's
// saturation sags, it never rises; review40c), no pulse rate beside the
// saturation in any of its messages (cuffOximeter), a new cuff reading
// arrived since it began, and back within cuffMeasure.
func (s *stream) cuffOnProbe(t *track, now int64) bool {
	return t.exPeak < t.exPre && s.cuffHeld&cuffOximeter != 0 && s.cuffSince(t.exStart) && now-t.exStart <= cuffMeasure
}
