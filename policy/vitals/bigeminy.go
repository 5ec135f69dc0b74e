package vitals

import "math"

// In a bigeminy every other beat is not perfused: the pulse counts the
// sinus beats and the ECG counts those and the extra beats between them, so
// the pulse rate is about half the heart rate and moves by about half of the
// heart rate's changes (a pulse at a share r of the heart rate moves by r of
// its changes, and r is at most 0.65 for deficitRatio). A pulse rate forged as the heart
// rate minus a number keeps its level at 40–65 % of a heart rate too, but
// follows every change of the heart rate one for one. Over a disagreement
// long enough for the heart rate's own variation to show it, the slope of
// the pulse rate on the heart rate tells the two apart (session 16,
// c2recall16: on corpus2 training seeds 1–10, 0.81–1.07 over the forged
// stretches, at most 0.83 over 182 stretches of genuine bigeminy).

// Samples of a disagreement at a bigeminy's share before follow judges;
// how many of the latest samples its sums weigh (exponentially: a
// bigeminy's share drifts slowly over hundreds of samples as more or fewer
// of the extra beats are perfused, which over a whole long disagreement
// shows as a steeper slope); the largest share of the heart rate
// deficitRatio takes for a bigeminy's pulse, which is therefore the largest
// slope a bigeminy's pulse rate has on the heart rate; how far above its own
// share over the same samples a bigeminy's slope may lie (session 24: its
// share drifting with the heart rate); and how many standard errors of the
// slope it must lie above the lesser of the two.
const (
	followSamples = 20
	followWindow  = 64
	followShare   = 0.65
	followDrift   = 0.10
	followSigmas  = 4
)

// follow sums, over the bigeminy samples of a disagreement, what the
// weighted least-squares slope of the pulse rate on the heart rate needs.
// The sums are of differences from the first sample, so that they stay
// small.
type follow struct {
	n                   int32
	h0, p0              float64 // the first sample
	w, h, p, hh, hp, pp float64 // sums of the weights, of the differences from h0 and p0, their squares and product
	r                   float64 // sum of the shares p/h, weighted as the others
}

func (f *follow) add(h, p float64) {
	if f.n == 0 {
		f.h0, f.p0 = h, p
	}
	if f.n >= followSamples {
		p = f.winsor(h, p)
	}
	const keep = 1 - 1.0/followWindow
	f.r = keep*f.r + p/h
	h, p = h-f.h0, p-f.p0
	f.n = min(f.n, followSamples) + 1
	f.w = keep*f.w + 1
	f.h = keep*f.h + h
	f.p = keep*f.p + p
	f.hh = keep*f.hh + h*h
	f.hp = keep*f.hp + h*p
	f.pp = keep*f.pp + p*p
}

// followClip is how many residual standard deviations (at least one
// display step, 1/min) from the line fitted so far a sample's pulse rate
// counts for at most.
const followClip = 2.5

// winsor returns the pulse rate p, brought to within followClip residual
// standard deviations of the pulse the line fitted so far gives for the
// heart rate h. An oximeter that misses or adds a beat in its averaging
// window reads one pulse rate far off the others (a weak or moving pulse);
// counted whole, one such reading swells the residual variance for minutes
// and hides a pulse that otherwise follows the heart rate one for one.
// Counted at that distance, it still tells its direction (a Huber-like
// weight; a bigeminy's pulse that scatters widely keeps its wide residual
// and its low slope).
func (f *follow) winsor(h, p float64) float64 {
	sxx := f.hh - f.h*f.h/f.w
	if sxx <= 0 {
		return p
	}
	sxy := f.hp - f.h*f.p/f.w
	syy := f.pp - f.p*f.p/f.w
	b := sxy / sxx
	lim := followClip * max(math.Sqrt(max(syy-b*sxy, 0)/(f.w-2)), 1)
	want := f.p0 + f.p/f.w + b*(h-f.h0-f.h/f.w)
	return min(max(p, want-lim), want+lim)
}

// oneForOne reports a pulse rate that followed the heart rate closer to one
// for one than a bigeminy's share allows: after at least followSamples
// samples, the slope over about the latest followWindow lies followSigmas
// standard errors above followShare, or above the pulse's own mean share of
// the heart rate over those samples plus followDrift when that is less. A
// bigeminy's pulse at half the heart rate moves by about half its changes;
// one forged as the heart rate minus 43 at 44 % of a heart rate of 77 moves
// by all of them (session 24, hrpr24: on corpus2 and corpus3 training seeds
// 1–10 the genuine bigeminies' slopes lay at most 3.0 standard errors above
// their own share plus 0.10; hl7load's, whose share drifts by 0.05–0.1 within
// minutes, reached 4 above their share plus 0.05). A heart rate too steady to
// show a slope (its changes no larger than the noise) decides nothing.
func (f *follow) oneForOne() bool {
	if f.n < followSamples {
		return false
	}
	sxx := f.hh - f.h*f.h/f.w
	sxy := f.hp - f.h*f.p/f.w
	syy := f.pp - f.p*f.p/f.w
	if sxx <= 0 {
		return false
	}
	b := sxy / sxx
	s2 := max(syy-b*sxy, 0) / (f.w - 2) // residual variance
	share := min(followShare, f.r/f.w+followDrift)
	return b > share && (b-share)*(b-share)*sxx >= followSigmas*followSigmas*s2
}

// A bigeminy's pulse counts the sinus beats, about half of the ECG's, and
// its share of the heart rate is steady: deficitRatio's floor of 40 % is
// room for the noise of single samples, not a level a bigeminy keeps. A
// pulse forged as a heart rate of about 68 minus 40 lies at 37–43 % of it,
// its samples either side of that floor, and each one inside it would
// restart the persistence count. Over the disagreement's deficit samples
// at shareBand–0.65 of the heart rate, once there are followSamples, a
// mean share below shareFloor is not a bigeminy's (session 24, hrpr24b: on
// the training seeds of all three generators the genuine bigeminies' mean
// share, from their 20th sample on, never fell below 0.48; the forged
// offsets of about 40 lay at 0.40–0.45).
const (
	shareFloor = 0.45
	shareBand  = 0.3
)

// share sums the pulse's shares of the heart rate over a disagreement's
// deficit samples in the band shareBand–followShare.
type share struct {
	n   int32
	sum float64
}

func (s *share) add(r float64) {
	if r >= shareBand && r <= followShare {
		s.n++
		s.sum += r
	}
}

// low reports a mean share below a bigeminy's, after followSamples samples.
func (s *share) low() bool {
	return s.n >= followSamples && s.sum < shareFloor*float64(s.n)
}
