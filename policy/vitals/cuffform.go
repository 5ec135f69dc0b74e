package vitals

import "math"

// An oscillometric cuff measures one pressure, the mean: the cuff pressure
// at which the arterial wall's oscillations are largest. Its systolic and
// diastolic are not measured but derived from the oscillation envelope by
// the algorithm's ratios, and each carries that derivation's error (ISO
// 81060-2 accepts a device whose systolic and diastolic differ from the
// reference by up to 5 mmHg on average with a standard deviation of up to
// 8 mmHg): at a pulse pressure of 40 mmHg, eight mmHg on the diastolic
// alone moves the form factor (MAP−DIA)/PP by 0.2. Where a bed's readings
// scatter that much (an irregular rhythm, a moving or breathing patient
// changing the envelope from one deflation to the next), a reading whose
// measured mean sits low in its derived pulse is the derivation's error,
// not a forged mean. Where the bed's readings keep their form factor, a
// reading far below the bed's own is no reading of this cuff on this
// artery.
//
// map_formula's form-factor window (form_min, child_form_min) is therefore
// applied to a cuff's low form factor only when the reading also lies more
// than cuffFormScat times the bed's own scatter below the bed's own form
// factor, learned from its readings; a mean at its diastolic (a form
// factor below cuffFormFloor), which no envelope's peak gives, is judged
// against every patient as before. Until the bed has shown cuffFormLearn
// readings there is no own form factor to lie off, and only that floor
// applies.
const (
	// cuffFormFloor is the form factor below which a cuff's mean lies at
	// its diastolic whatever the bed: the peak of the oscillations is
	// always above the pressure at which they have faded to the diastolic
	// ratio.
	cuffFormFloor = 0.04
	// cuffFormLearn is how many readings the bed's form factor is learned
	// from before a reading is judged against it.
	cuffFormLearn = 4
	// cuffFormSpan is the span of the form factor's moving average, in
	// readings (two to four hours at a cuff's usual cycle).
	cuffFormSpan = 8
	// cuffFormScatSpan is the span of the scatter's moving average, in
	// readings.
	cuffFormScatSpan = 16
	// cuffFormScat is how many times the bed's own mean absolute scatter
	// of the form factor a reading must lie below its own form factor.
	cuffFormScat = 3
	// cuffFormMinScat is the least scatter assumed: a cuff's pressures are
	// whole mmHg, which alone moves the form factor by a few hundredths.
	cuffFormMinScat = 0.02
)

// cuffForm follows a bed's cuff form factor (MAP−DIA)/PP over its readings
// whose pulse pressure is wide enough for the window to be judged.
type cuffForm struct {
	mean float64 // learned form factor
	scat float64 // learned mean absolute deviation from mean
	n    uint8   // readings learned from, up to cuffFormScatSpan+1
}

// low reports whether form factor f of a new reading lies too low for this
// bed: below cuffFormFloor, or, once learned, more than cuffFormScat times
// the bed's scatter below its own form factor. The reading is then learned
// from unless it lies outside [cuffFormFloor, hi] (hi: the window's upper
// bound), which no cuff derives.
func (c *cuffForm) low(f, hi float64) bool {
	low := f < cuffFormFloor || (c.n >= cuffFormLearn && f < c.mean-cuffFormScat*max(c.scat, cuffFormMinScat))
	if f < cuffFormFloor || f > hi {
		return low
	}
	if c.n <= cuffFormScatSpan {
		c.n++
	}
	if c.n == 1 {
		c.mean = f
		return low
	}
	c.scat += (math.Abs(f-c.mean) - c.scat) / float64(min(c.n-1, cuffFormScatSpan))
	c.mean += (f - c.mean) / float64(min(c.n, cuffFormSpan))
	return low
}
