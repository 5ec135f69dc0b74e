package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// afWanderBed is a patient in established AF for n messages step apart:
// the ventricular rate's level wanders ±8 about 135 over 20 minutes (vagal
// tone, pain, a sedation hold coming and going), each sample a minute's
// beat mix ±12 about it, and the pulse deficit grows with the level (16 at
// 135, 0.8 of each beat above it lost: the faster the rate, the more R-R
// intervals too short to fill the ventricle), the pulse ±4. From message
// from on the heart rate alone is forged up by a ramp of rise over ramp
// messages (none when ramp is 0) and held there, the pulse kept.
func afWanderBed(seed uint64, step time.Duration, n, from, ramp int, rise float64) []tick {
	period := float64(20*time.Minute) / float64(step)
	return every(n, step, func(i int) msg {
		g := rand.New(rand.NewPCG(seed, uint64(i)))
		level := 135 + 8*math.Sin(2*math.Pi*float64(i)/period+float64(seed))
		h := level + float64(g.IntN(25)-12)
		if ramp > 0 && i >= from {
			h += rise * min(1, float64(i-from+1)/float64(ramp))
		}
		p := level - (16 + 0.8*(level-135)) + float64(g.IntN(9)-4)
		return msg{rows: []row{hr(num(math.Round(h))), pr(num(math.Round(p))), spo2(num(95 + float64(i%2))), rr(wobble(18, i)), temp("37.2")}}
	})
}

// TestAFDeficitWanders54 (session 54, det54b, afWanders): in established AF
// whose deficit sits about the limit (corpus7 training's clean AF beds: the
// deficit's slow level 15-21, the heart rate's learned roughness 19-25),
// a disagreement lasts many messages, and within it the smoothed heart rate
// drifts 60 % of the deficit off the level it began at by chance while the
// pulse follows less: hrAlone's late "the ECG channel moved alone" made the
// whole disagreement unexplained (15 of corpus7's 27 clean-bed
// hr_pr_agreement flags). Over three hours at 10 s main reports it on 20
// of 40 runs, at 30 s on 18; now on at most 10 and 16 (det54b measured 5
// and 11; review54b, the deficit's level over minutes against its slow
// level, 7 and 15). A heart rate ramped up alone over the same patient's
// pulse (+26 over 53 minutes, +15 at 10 s) leaves the deficit's slow level
// behind and is still reported after the ramp began on at least 36 of 40
// runs (main 39, 39, 40; det54b 39, 37, 40; review54b 39, 39, 40).
func TestAFDeficitWanders54(t *testing.T) {
	cfg := vitals.DefaultConfig()
	for _, c := range []struct {
		step    time.Duration
		n, most int
	}{{10 * time.Second, 1080, 10}, {30 * time.Second, 360, 16}} {
		genuine := 0
		for seed := range uint64(40) {
			if len(only(run(t, cfg, afWanderBed(seed+500, c.step, c.n, 0, 0, 0)), "hr_pr_agreement")) > 0 {
				genuine++
			}
		}
		t.Logf("AF deficit wandering at %v: reported on %d of 40 runs", c.step, genuine)
		if genuine > c.most {
			t.Errorf("AF deficit wandering about the limit at %v: reported on %d of 40 runs, want at most %d (main 20 at 10 s, 18 at 30 s)", c.step, genuine, c.most)
		}
	}
	for _, c := range []struct {
		step       time.Duration
		from, ramp int
		rise       float64
	}{{10 * time.Second, 540, 318, 26}, {10 * time.Second, 540, 318, 15}, {30 * time.Second, 180, 106, 26}} {
		caught := 0
		for seed := range uint64(40) {
			ts := afWanderBed(seed+500, c.step, c.from+c.ramp+60, c.from, c.ramp, c.rise)
			for _, f := range only(run(t, cfg, ts), "hr_pr_agreement") {
				if !f.ObservedAt.Before(t0.Add(time.Duration(c.from) * c.step)) {
					caught++
					break
				}
			}
		}
		t.Logf("ramp +%v at %v: reported after it began on %d of 40 runs", c.rise, c.step, caught)
		if caught < 36 {
			t.Errorf("heart rate ramped +%v over %v over a wandering AF deficit: reported after the ramp began on %d of 40 runs, want at least 36", c.rise, time.Duration(c.ramp)*c.step, caught)
		}
	}
}
