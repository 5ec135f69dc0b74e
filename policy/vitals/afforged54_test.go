package vitals_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// forgedAFBed is a patient in sinus rhythm (heart and pulse rates one
// level about 80, ±1) whose heart rate a forger edits: from 10 minutes on
// it is written ±jitter a sample (AF's scatter, no rule reports it), from
// 30 minutes on a deficit rising to 11 over 10 minutes is added (below the
// limit: the deficit's slow level learns it), and from rampFrom on the
// heart rate is ramped up by rate a minute to 30 above that, held for 15
// minutes. The pulse rate is the patient's throughout.
func forgedAFBed(seed uint64, step time.Duration, jitter int, rampFrom time.Duration, rate float64) []tick {
	n := int((rampFrom + time.Duration(30/rate*float64(time.Minute)) + 15*time.Minute) / step)
	return every(n, step, func(i int) msg {
		g := rand.New(rand.NewPCG(seed, uint64(i)))
		at := time.Duration(i) * step
		level := 80 + 3*math.Sin(2*math.Pi*at.Minutes()/47)
		h := level + float64(g.IntN(3)-1)
		p := math.Round(level + float64(g.IntN(3)-1))
		if at >= 10*time.Minute {
			h += float64(g.IntN(2*jitter+1) - jitter)
		}
		if at >= 30*time.Minute {
			h += 11 * min(1, (at-30*time.Minute).Minutes()/10)
		}
		if at >= rampFrom {
			h += min(30, rate*(at-rampFrom).Minutes())
		}
		return msg{rows: []row{hr(num(math.Round(h))), pr(num(p)), spo2(num(95 + float64(i%2))), rr(wobble(16, i)), temp("37.0")}}
	})
}

// TestForgedAFRampCaught54 (review54b): afWanders excuses a heart-rate
// rise hrAlone finds late in a disagreement over an AF deficit while the
// deficit stays near its slow level. A forger can write those conditions
// into a sinus patient's heart rate first (AF's scatter, then a deficit
// below the limit for the slow level to learn; nothing reports either) and
// then ramp it up 30 over the pulse. det54b compared the deficit's
// smoothed level of one message (0.3 of its change) with the slow level,
// a sample at a time against the persistence: at a 1 s cadence the
// scatter broke every run of 90 unexplained samples, and its cap grew with
// the heart rate's learned roughness, which the forger writes (±20: a cap
// of about 11.5). Main reports the ramp on 40 of 40 runs in each case
// below; det54b on 0 (1 s, 0.3/min), 1 (10 s, 0.2/min) and 16 (60 s,
// 0.2/min). The deficit's level over the last few minutes (mid, midTau)
// against its slow level, once past a third of the limit, makes the
// disagreement the ECG channel moving alone from its start, as hrAlone's
// 1: 40, 40, 40 of 40 (measured on 40 seeds; here 10, at least 8).
func TestForgedAFRampCaught54(t *testing.T) {
	cfg := vitals.DefaultConfig()
	for _, c := range []struct {
		step     time.Duration
		rampFrom time.Duration
		rate     float64
	}{{time.Second, 90 * time.Minute, 0.3}, {10 * time.Second, 90 * time.Minute, 0.2}, {time.Minute, 240 * time.Minute, 0.2}} {
		t.Run(fmt.Sprint(c.step), func(t *testing.T) {
			caught := 0
			for seed := range uint64(10) {
				fs := only(run(t, cfg, forgedAFBed(seed+1100, c.step, 20, c.rampFrom, c.rate)), "hr_pr_agreement")
				for _, f := range fs {
					if !f.ObservedAt.Before(t0.Add(c.rampFrom)) {
						caught++
						break
					}
				}
			}
			if caught < 8 {
				t.Errorf("heart rate forged into AF's scatter and a deficit, then ramped +30 at %v/min (%v): reported after the ramp began on %d of 10 runs, want at least 8", c.rate, c.step, caught)
			}
		})
	}
}
