package vitals

import (
	"math"
	"math/bits"
)

// satQuiet follows an oximeter's saturation for too_regular (g): a saturation
// replaced by a moving average or a slow curve. too_regular (b) leaves SpO2
// out: it is an integer that sits at 97–100 % and is clipped at 100, where a
// real reading has little noise to lose, and its second differences are
// whole points, too coarse for a roughness ratio. Below 97 % a measured
// saturation changes in most messages and flickers between neighbouring
// integers (92, 93, 92) as its estimate scatters around a level; a smoothed
// copy holds a value for many messages and then steps on, rarely back: a
// reading that sits on one integer and blips to the next comes back, one
// flicker for every two changes, a staircase moves on (at most one flicker
// for three changes is judged). The
// channel's own shares of messages that change it and that flicker are
// learned over its first satLearn messages; satWindow messages in a row below
// 97 % with both counts improbably low for those shares, and changes fewer
// than a third of the learned share (a sleeping patient's saturation wanders
// in slower steps and changes in about half as many messages), at a cadence of at
// least satCadence (an oximeter averages over 4–16 s, so faster messages share
// their samples and a quiet stretch of them is not improbable), are reported,
// unless the value was held for half the window (a freeze or a plateau, which
// frozen judges). At a slow cadence the last satShort messages are judged as
// well (see shortQuiet and slowShort).
type satQuiet struct {
	last   [3]float64        // the previous values present in a row, latest first
	run    uint8             // values present in a row, up to len(last)
	runAt  int64             // arrival of the first message of the window's run, Unix ns
	runN   int               // messages in that run
	chg    bits96            // the window: the value changed in that message
	flk    bits96            // the value came back to one of the last 2–3 messages' after leaving it
	high   bits96            // the value was at or above satCeiling
	n      int               // messages in the window, up to satWindow
	learnN int               // messages learned from, up to satLearn
	chgN   int               // of them, changes
	flkN   int               // of them, flickers
	qc, qf float64           // the learned shares of changes and flickers
	vals   [satShort]float32 // the window's last satShort values, a ring
	vi     uint8             // the ring's next slot
	slow   bits96            // the window: the message came satShortCadence or more after the one before
	prevAt int64             // arrival of the previous message with a saturation, Unix ns
}

// bits96 is a window of the last satWindow flags, latest lowest.
type bits96 [2]uint64

func (b *bits96) push(on bool) {
	b[1] = (b[1]<<1 | b[0]>>63) & (1<<(satWindow-64) - 1)
	b[0] <<= 1
	if on {
		b[0] |= 1
	}
}

func (b *bits96) count() int { return bits.OnesCount64(b[0]) + bits.OnesCount64(b[1]) }

// countLast returns how many of the last n flags (n ≤ 64, or satWindow) are set.
func (b *bits96) countLast(n int) int {
	if n >= satWindow {
		return b.count()
	}
	return bits.OnesCount64(b[0] & (1<<n - 1))
}

// longestClear returns the longest run of clear flags among the last n.
func (b *bits96) longestClear(n int) int {
	longest, run := 0, 0
	for i := range n {
		if b[i/64]>>(i%64)&1 != 0 {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	return longest
}

const (
	satWindow  = 96   // messages judged together
	satLearn   = 48   // messages that teach the channel's shares
	satCeiling = 97   // % from which a saturation is quiet by itself
	satChance  = -12  // log10 chance below which both counts are improbable
	satCadence = 10e9 // ns: the mean interval from which readings share few of the oximeter's samples

	// A saturation that changed in fewer of its first messages, or flickered
	// in fewer, had little scatter to lose (at 96 % from a long averaging
	// time, or settled on one value).
	satMinChange, satMinFlicker = 0.2, 0.1
	satExpl                     = "saturation moves in steps without the changes and flicker between neighbouring values it had"

	// At satShortCadence or more between messages, satWindow messages span
	// 40 min and more, longer than many a smoothed stretch; satShort of them
	// still span 20 min, longer than the 16 min satWindow spans at satCadence
	// (judged when at least half of them came so slowly, see slowShort).
	satShort        = 48
	satShortCadence = 25e9
	satShortModal   = 28 // at most this many of the satShort values on one value (60 %)
)

// satSmooth updates the saturation's window with the present value v and
// reports too_regular (g) (see satQuiet). gap: the previous message had no
// saturation (a probe off), which starts the window anew.
func (s *stream) satSmooth(em *emitter, gap bool, dst []Finding) []Finding {
	q, c := &s.sat, &s.cur[pSpO2]
	now := em.arrival.UnixNano()
	if gap || q.run == 0 {
		q.run, q.n, q.chg, q.flk, q.high, q.slow = 0, 0, bits96{}, bits96{}, bits96{}, bits96{}
		q.runAt, q.runN = now, 0
	}
	v := c.v
	q.runN++
	interval := now - q.prevAt
	q.prevAt = now
	if int(q.run) == len(q.last) {
		changed := v != q.last[0]
		flicker := changed && v == q.last[1] ||
			v != q.last[0] && v != q.last[1] && v == q.last[2]
		q.chg.push(changed)
		q.flk.push(flicker)
		q.high.push(v >= satCeiling)
		q.slow.push(interval >= satShortCadence)
		q.vals[q.vi] = float32(v)
		q.vi = (q.vi + 1) % satShort
		if q.n < satWindow {
			q.n++
		}
		if q.learnN < satLearn {
			q.learnN++
			if changed {
				q.chgN++
			}
			if flicker {
				q.flkN++
			}
			if q.learnN == satLearn {
				q.qc, q.qf = float64(q.chgN)/satLearn, float64(q.flkN)/satLearn
			}
		} else if changed && q.qc > satMinChange && q.qf > satMinFlicker && em.on(rRegular) {
			gaps := float64(q.runN - 1)
			reported := false
			if q.n == satWindow && float64(now-q.runAt) >= satCadence*gaps {
				// The counts' bounds first, the chances (a sum of Lgammas) only
				// for a window that passes them: a saturation below the ceiling
				// changes too often for most windows to.
				if kc, kf, ok := q.bounded(satWindow); ok {
					if p := max(logBinomCDF(kc, satWindow, q.qc), logBinomCDF(kf, satWindow, q.qf)); p < satChance {
						dst = em.add(dst, rRegular, pSpO2, c.seg, c.at, p, float64(kc), satChance, "", satExpl)
						reported = true
					}
				}
			}
			if !reported && q.n >= satShort && q.slowShort() {
				if p, kc, quiet := q.shortQuiet(); quiet {
					dst = em.add(dst, rRegular, pSpO2, c.seg, c.at, p, float64(kc), satChance, "", satExpl)
				}
			}
		}
	} else {
		q.run++
	}
	q.last = [3]float64{v, q.last[0], q.last[1]}
	return dst
}

// shortQuiet judges the window's last satShort messages, at a slow cadence
// (satShortCadence, slowShort), where a smoothed stretch is often shorter than the
// window: quiet when none was at the ceiling, the changes are at most a third
// of the learned share and the flickers at most a third of the changes (as
// for the whole window), no value was held for half of them, no value fills
// more than satShortModal of them, and the chance p of so few changes for the
// learned share is below 10^satChance. The chance of so few flickers is not
// asked for: over satShort messages it cannot reach 10^satChance unless the
// learned flicker share exceeds 0.44. The one-value clause takes its place: a
// quiet saturation (a sleeping patient's) sits on one value and blips to its
// neighbours, coming back after a few messages, while a curve passes through
// its values in turn.
func (q *satQuiet) shortQuiet() (p float64, kc int, quiet bool) {
	kc, _, ok := q.bounded(satShort)
	if !ok || q.mostOnOne() > satShortModal {
		return 0, kc, false
	}
	p = logBinomCDF(kc, satShort, q.qc)
	return p, kc, p < satChance
}

// bounded counts the changes kc and flickers kf among the last n messages
// (satShort or satWindow) and reports whether they pass the bounds both
// windows share: none at the ceiling, flickers at most a third of the
// changes, changes at most a third of the learned share, no value held for
// half of them.
func (q *satQuiet) bounded(n int) (kc, kf int, ok bool) {
	if q.high.countLast(n) != 0 {
		return 0, 0, false
	}
	kc, kf = q.chg.countLast(n), q.flk.countLast(n)
	return kc, kf, 3*kf <= kc && 3*float64(kc) <= q.qc*float64(n) && q.chg.longestClear(n) < n/2
}

// slowShort reports whether at least half of the window's last satShort
// messages came satShortCadence or more after the message before them: the
// readings judged are the oximeter's at a slow cadence, whatever came before
// them in the run (a mean over the run since the probe was last put on counts
// a silence of the link, up to the 15 min after which the monitor starts
// afresh, as slow readings and judges the 15–20 s readings after it;
// review24, `TestSlowSaturationSilence24`).
func (q *satQuiet) slowShort() bool {
	return 2*q.slow.countLast(satShort) >= satShort
}

// mostOnOne returns how many of the last satShort values share one value,
// the most any does.
func (q *satQuiet) mostOnOne() int {
	most := 0
	for _, v := range q.vals {
		n := 0
		for _, w := range q.vals {
			if w == v {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

// logBinomCDF returns log10 of the chance of at most k successes in n trials
// of chance p.
func logBinomCDF(k, n int, p float64) float64 {
	if p >= 1 {
		if k >= n {
			return 0
		}
		return math.Inf(-1)
	}
	lgN, _ := math.Lgamma(float64(n + 1))
	sum := 0.0
	for i := 0; i <= k; i++ {
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(n - i + 1))
		sum += math.Exp(lgN - a - b + float64(i)*math.Log(p) + float64(n-i)*math.Log1p(-p))
	}
	return math.Log10(sum)
}
