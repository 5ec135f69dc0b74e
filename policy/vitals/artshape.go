package vitals

import "math"

// The arterial line's mean is the integral of the waveform over the
// monitor's averaging window; its systolic and diastolic are the same
// waveform's peak and trough. Where the mean sits between them, its offset
// from DIA + 0.4·PP, is the waveform's shape (the catheter's site, the
// arterial tree's reflections), which is the bed's own and changes slowly
// with the patient: a haemorrhage, a vasopressor or sedation moves all
// three pressures together. Damping and ringing change the shape at once,
// but they move the systolic and the diastolic around a mean that stays
// (damped, flushed and zeroed lines are not judged here). A mean that
// leaves its own waveform by artShapeOff mmHg or more (and by at least
// artShapeScat times the line's own scatter of that offset: a rhythm whose
// beats vary, a ventilated patient's swing, make a line whose mean wanders
// more between messages) in artShapeRun messages in a row, while the
// systolic and diastolic it is the integral of do not follow, is not the
// line's measurement (no clean bed of the third generator's training seeds
// is 5 mmHg or more off its learned offset for three messages in a row
// outside a flush; their lines scatter 0.5-2 mmHg about it; forged means
// moved 10-16 mmHg off it, docs/vitals-history.md, sessions 24 and 26).
//
// map_formula's tolerance (25 mmHg) and form-factor window judge the shape
// against all patients; this judges it against the bed's own.

const (
	// artShapeOff (mmHg) is how far the mean must lie from the bed's own
	// offset for a message to count as off its waveform.
	artShapeOff = 8
	// artShapeRun is how many messages in a row must be off: one or two are
	// a beat or an artefact inside the averaging window.
	artShapeRun = 3
	// artShapeLearn is how many messages the offset is learned from before
	// it is judged.
	artShapeLearn = 10
	// artShapeSpan is the span of the offset's moving average, in messages.
	artShapeSpan = 8
	// artShapeTime (ns) is the least span of the offset's moving average in
	// time: artShapeSpan messages at 30 s. The shape of a patient's
	// waveform changes over minutes; at a fast cadence eight messages are
	// seconds, and a mean moved off it by half a mmHg a message (15 mmHg in
	// 2.5 min at 5 s) would be learned as it moved.
	artShapeTime = int64(artShapeSpan * 30 * 1e9)
	// artShapeScat is how many times the line's own scatter about its
	// offset the mean must lie off it, when that is more than artShapeOff.
	artShapeScat = 4
	// artShapeScatSpan is the span of the scatter's moving average, in
	// messages: the scatter of the last hour at a minute's cadence.
	artShapeScatSpan = 64
)

// artShape follows the arterial mean's offset from DIA + 0.4·PP.
type artShape struct {
	last     [3]float64 // the last triple learned from: systolic, diastolic, mean
	off      float64    // learned offset, mmHg
	scat     float64    // learned mean absolute deviation from off, mmHg
	at       int64      // arrival of the last message learned from, Unix ns
	n        uint8      // messages learned from, up to artShapeLearn
	run      uint8      // messages in a row off the offset, up to artShapeRun
	reported bool       // the current run has been reported
}

// judge takes one arterial triple showing a patient pressure (in order,
// not flushed, zeroed or damped) and reports whether its mean has just
// become off the bed's waveform: the artShapeRun-th message in a row off,
// or the first after it in the same run, whose mean moved since the last
// message learned from by more than the systolic and the diastolic, once
// per run (expected is the mean the learned offset gives, bound the
// distance from it that counted as off; at is the message's arrival, Unix
// ns).
// Messages off are not learned, so a forged mean held for hours is not
// taken for the shape, and the return to it is quiet; the first message
// back within the limit re-arms the check. A message not judged (skip)
// breaks the run.
func (a *artShape) judge(sys, dia, mean float64, at int64) (expected, bound float64, now bool) {
	r := mean - dia - 0.4*(sys-dia)
	if a.n >= artShapeLearn {
		d := math.Abs(r - a.off)
		if bound = max(artShapeOff, artShapeScat*a.scat); d >= bound {
			a.run = min(a.run+1, artShapeRun)
			// The mean must be what moved: a systolic that rose or fell
			// alone (a line ringing or damped, a forged systolic) moves
			// the offset as much and leaves the mean where it was.
			dm := math.Abs(mean - a.last[2])
			now = a.run >= artShapeRun && !a.reported && dm > math.Abs(sys-a.last[0]) && dm > math.Abs(dia-a.last[1])
			if now {
				a.reported = true
			}
			return dia + 0.4*(sys-dia) + a.off, bound, now
		}
		a.run, a.reported = 0, false
		a.scat += (d - a.scat) / artShapeScatSpan
	} else {
		a.n++
	}
	w := 1 / float64(min(a.n, artShapeSpan))
	if a.n >= artShapeLearn {
		w = min(w, float64(max(at-a.at, 0))/float64(artShapeTime))
	}
	a.off += (r - a.off) * w
	a.last, a.at = [3]float64{sys, dia, mean}, at
	return 0, 0, false
}

// skip takes a message of the line that shows no patient pressure to judge
// (a flush, a zeroing, blood sampling, a damped line, pressures out of
// order or without a mean): it ends the run of messages off, which counts
// the line's pressures in a row. The messages around a flush or a zeroing
// are the ones a transducer's disturbance moves; the run that is reported
// has stayed off through pressures the line measured.
func (a *artShape) skip() {
	a.run = 0
}
