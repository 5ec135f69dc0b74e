package vitals_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// Everyday ICU situations, written from what a bedside monitor sends in
// them, not from any corpus (session 37, ward37): a clinician switches the
// checks off if one they see every day raises a manipulation finding. Each
// runs on three seeds at the cadences listed quiet; the cadences left out
// raise the findings its comment names (measured on 20 seeds, see "Everyday
// situations outside the corpora, session 37" in docs/vitals-history.md).

// vit holds one message's values as the monitor would display them before
// its own measurement noise; NaN leaves a row out.
type vit struct {
	hr, pr, spo2, rr, co2, sys, dia, mean, temp float64
	cuff                                        [3]float64 // a new cuff reading in this message when cuff[2] > 0
	paced                                       bool       // the heart rate is the pacemaker's: the ECG counts it without scatter
	vented                                      bool       // the breathing rate is a ventilator's set rate: exact, breaths the patient triggers add to it
}

// wardOpts describes a bed: which channels it sends.
type wardOpts struct {
	art, co2, cuff bool
	cuffEvery      time.Duration // automatic cuff interval, 0: none
	neonate        bool
}

// wardBed returns n messages step apart of a monitored patient: a slow
// wander (an Ornstein-Uhlenbeck process, time constant 3 min) of the
// heart rate, saturation, breathing rate, end-tidal CO2 and arterial
// pressure around a resting level, the pulse rate counting the heart's beats,
// plus each sensor's own noise, rounded as monitors display them (the ECG
// heart rate ±1, a paced one ±0.3; the oximeter's pulse rate ±1.5, beside a
// paced heart ±0.7; a ventilator's set rate exact, a breath the patient
// triggers adding one now and then); f edits the values of the message at t
// (after the resting values and wander are set, before the sensor noise).
// The arterial systolic, mean and diastolic are the maximum, mean and
// minimum of one trace, so they keep that order.
func wardBed(seed uint64, n int, step time.Duration, o wardOpts, f func(t time.Duration, v *vit)) []tick {
	r := rand.New(rand.NewPCG(seed, 37))
	base := vit{hr: 82, pr: 82, spo2: 97, rr: 16, co2: 36, sys: 122, dia: 64, mean: 84, temp: 37.2}
	if o.neonate {
		base = vit{hr: 145, pr: 145, spo2: 95, rr: 45, co2: 40, sys: 62, dia: 34, mean: 45, temp: 36.8}
	}
	dt := step.Seconds()
	a := math.Exp(-dt / 180)
	ou := func(x, sd float64) float64 { return a*x + sd*math.Sqrt(1-a*a)*r.NormFloat64() }
	var wHR, wSat, wRR, wCO2, wArt float64
	var lastCuff string
	var cuffVals [3]float64
	hrSD, rrSD := 3.0, 1.5
	if o.neonate {
		hrSD, rrSD = 6, 5
	}
	return every(n, step, func(i int) msg {
		t := time.Duration(i) * step
		wHR, wSat, wRR, wCO2, wArt = ou(wHR, hrSD), ou(wSat, 0.8), ou(wRR, rrSD), ou(wCO2, 1.2), ou(wArt, 4)
		v := base
		v.hr += wHR
		v.pr += wHR
		v.spo2 += wSat
		v.rr += wRR
		v.co2 += wCO2
		v.sys += wArt * 1.3
		v.dia += wArt * 0.7
		v.mean += wArt
		v.temp += 0.1 * math.Sin(float64(i)*dt/3600)
		if o.cuffEvery > 0 && t%o.cuffEvery == 0 && t > 0 {
			v.cuff = [3]float64{v.sys - 4, v.dia + 3, v.mean + 1}
		}
		f(t, &v)
		noise := func(x, sd float64) float64 {
			if math.IsNaN(x) {
				return x
			}
			return max(0, math.Round(x+sd*r.NormFloat64()))
		}
		var rows []row
		add := func(x float64, mk func(string) row) {
			if !math.IsNaN(x) {
				rows = append(rows, mk(num(x)))
			}
		}
		hrNoise := 1.0
		if v.paced {
			hrNoise = 0.3
		}
		add(noise(v.hr, hrNoise), hr)
		prNoise := 1.5
		if v.paced {
			prNoise = 0.7
		}
		add(noise(v.pr, prNoise), pr)
		if !math.IsNaN(v.spo2) {
			add(math.Min(100, noise(v.spo2, 0.4)), spo2)
		}
		if v.vented {
			if r.IntN(6) == 0 {
				v.rr++ // a breath the patient triggered
			}
			add(v.rr, rr)
		} else {
			add(noise(v.rr, 1), rr)
		}
		if o.co2 {
			add(noise(v.co2, 0.7), etco2)
		}
		if o.art {
			// a monitor's systolic, mean and diastolic are the maximum,
			// mean and minimum of one trace: never out of that order
			s, d, m := noise(v.sys, 1.5), noise(v.dia, 1), noise(v.mean, 1)
			s, d = max(s, d), min(s, d)
			m = min(max(m, d), s)
			add(s, artS)
			add(d, artD)
			add(m, artM)
		}
		if !math.IsNaN(v.temp) {
			rows = append(rows, temp(num(math.Round(v.temp*10)/10)))
		}
		if o.cuff {
			if v.cuff[2] > 0 {
				lastCuff = t0.Add(t).Format("20060102150405")
				cuffVals = [3]float64{math.Round(v.cuff[0]), math.Round(v.cuff[1]), math.Round(v.cuff[2])}
			}
			if lastCuff != "" {
				rows = append(rows, nibpS(num(cuffVals[0]), lastCuff), nibpD(num(cuffVals[1]), lastCuff), nibpM(num(cuffVals[2]), lastCuff))
			}
		}
		m := msg{rows: rows}
		if o.neonate {
			m.pv1 = "1|I|NICU^^01^HOSP"
		}
		return m
	})
}

// within reports whether t lies in [from, from+d).
func within(t, from, d time.Duration) bool { return t >= from && t < from+d }

// rise returns 0 before from, 1 after from+d, linear between.
func rise(t, from, d time.Duration) float64 {
	switch {
	case t <= from:
		return 0
	case t >= from+d:
		return 1
	}
	return float64(t-from) / float64(d)
}

// situation is an everyday event on a monitored bed.
type situation struct {
	name string
	o    wardOpts
	mins int                                              // length of the stay
	f    func(r *rand.Rand) func(t time.Duration, v *vit) // the event, given its own random source
	drop func(t time.Duration) bool                       // messages the monitor did not send (nil: none)
	// quiet lists the cadences at which the situation raises nothing; nil:
	// 2 s, 10 s and 60 s.
	quiet []time.Duration
}

// evT is when each situation's event begins: 40 min into the stay, levels,
// noise and roughness learned.
const evT = 40 * time.Minute

// motion is one message of motion on the oximeter: the pulse rate thrown
// ±20, the saturation dipping up to 5.
func motion(r *rand.Rand, v *vit) {
	v.pr += float64(r.IntN(41) - 20)
	v.spo2 -= float64(r.IntN(6))
}

// ticks returns the situation's messages at cadence step.
func (s situation) ticks(seed uint64, step time.Duration) []tick {
	r := rand.New(rand.NewPCG(seed, 99))
	ts := wardBed(seed, int(time.Duration(s.mins)*time.Minute/step), step, s.o, s.f(r))
	if s.drop == nil {
		return ts
	}
	kept := ts[:0]
	for _, tk := range ts {
		if !s.drop(tk.at) {
			kept = append(kept, tk)
		}
	}
	return kept
}

var situations = []situation{
	// Vomiting: 40 s of retching (heart rate up 20, the arterial pressure thrown up 10-40 on the whole trace, the
	// breathing rate scattered 0-40, motion on the pleth), the saturation 3 lower for a minute after.
	{"vomiting", wardOpts{art: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 40*sec) {
				k := float64(10 + r.IntN(30))
				v.sys += k
				v.mean += 0.6 * k
				v.dia += 0.4 * k
				v.hr += 20
				v.pr += 20
				v.rr = float64(r.IntN(40))
				motion(r, v)
			}
			if within(t, evT+40*sec, time.Minute) {
				v.spo2 -= 3
			}
		}
	}, nil, nil},
	// Shivering after surgery: 20 min of muscle tremor, the ECG's count scattered ±5 and the pleth's ±10, the
	// saturation dipping now and then, the heart rate 10 higher, the temperature rising 0.5 °C.
	{"shivering", wardOpts{art: true}, 90, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 20*time.Minute) {
				v.hr += 10 + float64(r.IntN(11)-5)
				v.pr += 10 + float64(r.IntN(21)-10)
				v.spo2 -= float64(r.IntN(3))
				v.rr += 4
			}
			v.temp += 0.5 * rise(t, evT, 30*time.Minute)
		}
	}, nil, nil},
	// A neonate feeding by tube and held: 20 min of motion on the pleth now and then, the heart rate 10 higher, the
	// breathing irregular, two short desaturations of 6. Known at 60 s: the breathing-rate step of the neonate at
	// rest (1 of 20 seeds, the same seed and message), not the feeding's.
	{"neo-feeding", wardOpts{neonate: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 20*time.Minute) {
				v.hr += 10
				v.pr += 10
				v.rr += float64(r.IntN(11) - 5)
				if r.IntN(5) == 0 {
					motion(r, v)
				}
				for _, at := range []time.Duration{evT + 5*time.Minute, evT + 14*time.Minute} {
					v.spo2 -= 6 * (rise(t, at, 20*sec) - rise(t, at+40*sec, 30*sec))
				}
			}
		}
	}, nil, []time.Duration{2 * sec, 10 * sec}},
	// The ECG electrodes changed: the heart rate absent for 40 s.
	{"ecg-leads-changed", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 40*sec) {
				v.hr = math.NaN()
			}
		}
	}, nil, nil},
	// Chest physiotherapy: 3 min of percussion counted by the ECG as beats (the heart rate 40-120 high), motion on
	// the pleth. Known: hr_pr_agreement at every cadence (17/20 at 2 s, 19/20 at 10 s, 8/20 at 60 s) and
	// rate_of_change at 60 s: the ECG channel moving alone for minutes is what a forged heart rate looks like.
	{"chest-physio-ecg-artefact", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 3*time.Minute) { // percussion counted as beats
				v.hr = v.hr + 40 + float64(r.IntN(80))
				v.rr += float64(r.IntN(15))
				motion(r, v)
			}
		}
	}, nil, []time.Duration{}},
	// The cuff on the arm that carries the radial arterial line: for the 40 s before each reading the trace is
	// damped and its mean 20-40 % low. Quiet since session 37 (cuff37, cuffarm.go: the excursion is held until the
	// cuff's reading); before, rate_of_change on the three pressures at 2 s and 10 s on 20 of 20 seeds.
	{"cuff-on-art-arm", wardOpts{art: true, cuff: true, cuffEvery: 15 * time.Minute}, 90, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			p := t % (15 * time.Minute)
			if t > 14*time.Minute && p >= 15*time.Minute-40*sec { // the cuff inflated above the radial line before its reading: the trace damps and flattens
				f := 0.3 + 0.2*r.Float64()
				m := v.mean * (0.6 + 0.2*r.Float64())
				v.sys, v.dia, v.mean = m+(v.sys-v.mean)*f, m-(v.mean-v.dia)*f, m
			}
		}
	}, nil, nil},
	// A propofol bolus: the arterial pressure falling 35/15/22 over 2 min, breathing slower, etCO2 up 5, back over
	// 10 min. Known at 60 s: a step on the systolic on 1 of 20 seeds, in the 10-min recovery (the patient's wander
	// on the ramp); the fall itself, half in one message and the rest in the next, is no step since session 38
	// (wardart38, rampSampled; 6 of 20 before).
	{"propofol-bolus", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			d := rise(t, evT, 2*time.Minute) - rise(t, evT+5*time.Minute, 10*time.Minute)
			v.sys -= 35 * d
			v.dia -= 15 * d
			v.mean -= 22 * d
			v.hr -= 5 * d
			v.pr -= 5 * d
			v.rr -= 6 * d
			v.co2 += 5 * d
		}
	}, nil, []time.Duration{2 * sec, 10 * sec}},
	// Agitation or pain on handling: heart rate up 25, arterial pressure up 30/12/18 within a minute, breathing rate
	// up 10, motion on the pleth, settling over 5 min.
	{"agitation", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			d := rise(t, evT, 60*sec) - rise(t, evT+3*time.Minute, 5*time.Minute)
			v.sys += 30 * d
			v.dia += 12 * d
			v.mean += 18 * d
			v.hr += 25 * d
			v.pr += 25 * d
			v.rr += 10 * d
			if within(t, evT, 4*time.Minute) && r.IntN(3) == 0 {
				motion(r, v)
			}
		}
	}, nil, nil},
	// A neonate crying: heart rate up 40 within 30 s, the breathing rate scattering 30-80, motion on the pleth, 4
	// min. Quiet since session 39 (wardneo39, breathLag: the saturation that moved in the message a neonate's
	// breathing rate came back in answered it late); before, a breathing-rate spike on 4 of 20 seeds at 2 s and 10 s,
	// 1 at 60 s, mostly the first crying message, judged before the saturation fell.
	{"neo-crying", wardOpts{neonate: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			d := rise(t, evT, 30*sec) - rise(t, evT+3*time.Minute, 2*time.Minute)
			v.hr += 40 * d
			v.pr += 40 * d
			if within(t, evT, 4*time.Minute) {
				v.rr = 30 + float64(r.IntN(50))
				motion(r, v)
				v.spo2 -= 4 * d
			}
		}
	}, nil, nil},
	// New-onset AF with a wider deficit (22-32). Known: at 10 s rate_of_change on the heart rate (the pulse followed
	// by less than the step) on 3 of 20 seeds; at 60 s hr_pr_agreement on 20 of 20, rate_of_change on 7, decoupled
	// on 3.
	{"af-onset-wide-deficit", wardOpts{art: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if t >= evT {
				h := 128 + float64(r.IntN(25)-12)
				v.pr = v.pr - v.hr + h - 22 - float64(r.IntN(10))
				v.hr = h
			}
		}
	}, nil, []time.Duration{2 * sec}},
	// New-onset AF: the heart rate from 82 to 116-140 irregular, the pulse rate 12-30 below it. Known at 60 s:
	// hr_pr_agreement on 8 of 20 seeds (13 before session 38's withinAF: a disagreement begun anew from a deficit
	// already there, by less than the limit, inside a heart rate rough now and jumping, is AF's; the rhythm is told
	// irregular only after 16 changes, 16 min; 6 before review38c asked the heart rate to have been irregular before
	// the disagreement, jumpedBefore). Still reported: the onset's own disagreement, its deficit jumping from none
	// to 20-30 in the first AF minute (3 seeds), a restart jumping by 16 (1), hrAlone's smoothed levels, still
	// rising from the sinus minutes, taking the heart rate for one that moved alone (2), and two restarts whose
	// heart rate jumpedBefore did not find irregular over its 8 changes before them (2).
	{"af-onset", wardOpts{art: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if t >= evT {
				h := 128 + float64(r.IntN(25)-12)
				v.pr = v.pr - v.hr + h - 12 - float64(r.IntN(18))
				v.hr = h
				v.sys -= 12
				v.dia -= 2
				v.mean -= 6
			}
		}
	}, nil, []time.Duration{2 * sec, 10 * sec}},
	// A vasopressor syringe changed: the arterial pressure falling 30/14/20 over 90 s, the heart rate up 6, back
	// over 2 min after 3 min. Known at 60 s: a step on 3 of 20 seeds (13 before session 38's wardart38,
	// rampSampled and rampBack): on the diastolic or the mean whose fall the patient's wander put more than 80 % into
	// its first message (2), or the mean's return judged from the level it fell to (1).
	{"pressor-syringe-swap", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			d := rise(t, evT, 90*sec) - rise(t, evT+3*time.Minute, 2*time.Minute)
			v.sys -= 30 * d
			v.dia -= 14 * d
			v.mean -= 20 * d
			v.hr += 6 * d
			v.pr += 6 * d
		}
	}, nil, []time.Duration{2 * sec, 10 * sec}},
	// The patient sat up, the transducer left on the pole: 60 s of motion, the heart rate up 6 and the three
	// arterial pressures 8 lower from then on. Known at 60 s: the start reported as a step on 2 of 20 seeds.
	{"sit-up", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 60*sec) {
				motion(r, v)
			}
			if t >= evT+20*sec {
				v.hr += 6
				v.pr += 6
				v.sys -= 8
				v.dia -= 8
				v.mean -= 8
			}
		}
	}, nil, []time.Duration{2 * sec, 10 * sec}},
	// The oximeter probe moved from a finger to the ear: 40 s without saturation and pulse rate, then a saturation 3
	// lower.
	{"spo2-probe-resited", wardOpts{art: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 40*sec) {
				v.spo2, v.pr = math.NaN(), math.NaN()
			}
			if t >= evT+40*sec {
				v.spo2 -= 3 // an ear probe reads lower than the finger's
			}
		}
	}, nil, nil},
	// A ventilated adult with an arterial line, a capnograph and a cuff every 15 min, nothing happening: the harness
	// itself raises nothing.
	{"quiet-adult", wardOpts{art: true, co2: true, cuff: true, cuffEvery: 15 * time.Minute}, 120, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {}
	}, nil, nil},
	// A neonate in the NICU, nothing happening. Known at 60 s: a breathing-rate step on 1 of 20 seeds (the newborn's
	// rate wandering by itself).
	{"quiet-neonate", wardOpts{neonate: true}, 120, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {}
	}, nil, []time.Duration{2 * sec, 10 * sec}},
	// The cuff inflating on the arm that carries the oximeter: the saturation and its pulse rate vanish for 45 s
	// every cuff cycle, the ECG heart rate unchanged.
	{"cuff-on-ox-arm-absent", wardOpts{cuff: true, cuffEvery: 15 * time.Minute}, 90, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if t%(15*time.Minute) < 45*sec && t > 15*time.Minute {
				v.spo2, v.pr = math.NaN(), math.NaN()
			}
		}
	}, nil, nil},
	// The same, the pleth shrinking first: for 15 s the oximeter counts half to nine tenths of the beats and the
	// saturation sags 3-6 points, then both vanish for 35 s.
	{"cuff-on-ox-arm-fading", wardOpts{cuff: true, cuffEvery: 15 * time.Minute}, 90, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			p := t % (15 * time.Minute)
			if t > 15*time.Minute && p < 50*sec {
				switch {
				case p < 15*sec: // pleth shrinking: the rate counted low, the saturation sagging
					v.pr = v.hr * (0.5 + 0.4*r.Float64())
					v.spo2 -= 3 + float64(r.IntN(4))
				default:
					v.spo2, v.pr = math.NaN(), math.NaN()
				}
			}
		}
	}, nil, nil},
	// Endotracheal suctioning: the circuit open 25 s (the capnograph reads the air, the breathing rate scatters
	// 0-40), coughing on reconnection, the CO2 gathered while disconnected washed out over a minute (+8 mmHg
	// decaying), heart rate and arterial pressure up 25 and back over 2.5 min, a 9-point desaturation.
	{"suction-tachy", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 25*sec) {
				v.co2 = float64(r.IntN(4))
				v.rr = float64(r.IntN(40))
			}
			if within(t, evT+25*sec, 30*sec) {
				v.rr = 10 + float64(r.IntN(25))
			}
			if t >= evT+25*sec { // the CO2 gathered while disconnected, washed out over a minute
				v.co2 += 8 * math.Exp(-float64(t-evT-25*sec)/float64(30*sec))
			}
			up := rise(t, evT, 30*sec) - rise(t, evT+60*sec, 150*sec)
			v.hr += 25 * up
			v.pr += 25 * up
			v.sys += 25 * up
			v.dia += 10 * up
			v.mean += 15 * up
			de := rise(t, evT+10*sec, 50*sec) - rise(t, evT+60*sec, 90*sec)
			v.spo2 -= 9 * de
		}
	}, nil, nil},
	// Suctioning with a vagal response: the heart rate falls 40 for 30 s, the arterial pressure with it, a
	// desaturation of 8.
	{"suction-vagal", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 25*sec) {
				v.co2 = float64(r.IntN(4))
				v.rr = float64(r.IntN(40))
			}
			if within(t, evT+10*sec, 30*sec) {
				v.hr -= 40
				v.pr -= 40
				v.sys -= 30
				v.dia -= 15
				v.mean -= 20
			}
			de := rise(t, evT+10*sec, 50*sec) - rise(t, evT+60*sec, 90*sec)
			v.spo2 -= 8 * de
		}
	}, nil, nil},
	// Turning: 90 s of motion on the pleth (the pulse rate ±20, the saturation dipping), the heart rate up 10, and
	// the transducer, left on its pole, reading the three arterial pressures 11 mmHg higher from then on.
	{"turn-transducer-stays", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 90*sec) {
				motion(r, v)
				v.hr += 10
				v.pr += 10
			}
			if t >= evT+30*sec {
				v.sys += 11
				v.dia += 11
				v.mean += 11
			}
		}
	}, nil, nil},
	// Turning with the transducer 9 mmHg low for 15 min, then levelled again. Known: at 10 s a box (its return) on 1
	// of 20 seeds, at 60 s the start reported as a step on 2-5 of 20 and its end as drift_return on 2: a transducer
	// moved and put back is corpus4's forged box of one amount (level.go), not told apart.
	{"turn-relevelled", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 90*sec) {
				motion(r, v)
				v.hr += 10
				v.pr += 10
			}
			if within(t, evT+30*sec, 15*time.Minute) {
				v.sys -= 9
				v.dia -= 9
				v.mean -= 9
			}
		}
	}, nil, []time.Duration{2 * sec}},
	// An arterial blood sample: the line shut 40 s (the three pressures flat at 22-24 in their waveform's order),
	// then flushed (≈300) for 6 s.
	{"blood-sample-flush", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			switch {
			case within(t, evT, 40*sec):
				v.sys, v.dia, v.mean = 24, 22, 23
			case within(t, evT+40*sec, 6*sec):
				v.sys, v.dia, v.mean = 300, 294, 297
			}
		}
	}, nil, nil},
	// The transducer re-zeroed: the three pressures 0 for 20 s.
	{"rezero", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 20*sec) {
				v.sys, v.dia, v.mean = 0, 0, 0
			}
		}
	}, nil, nil},
	// Electrical cardioversion of AF (heart rate 118-142 irregular, the pulse 15-30 below it) to sinus rhythm at 74,
	// the ECG and the pulse rate absent for 30 s around the shock. Known at 2 s: frozen (c) on the pulse rate on 1
	// of 20 seeds, the pair's difference learned in AF (its deficit) outlasting the conversion.
	{"cardioversion", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if t < evT {
				h := 130 + float64(r.IntN(25)-12)
				v.pr = v.pr - v.hr + h - 15 - float64(r.IntN(15))
				v.hr = h
				v.sys -= 10
				v.mean -= 6
			} else if t < evT+30*sec {
				v.hr, v.pr = math.NaN(), math.NaN() // shock artefact, leads reconnected
				v.hr -= 8
			} else {
				v.hr -= 8
				v.pr -= 8
			}
		}
	}, nil, []time.Duration{10 * sec, time.Minute}},
	// A paced patient (the heart rate at the pacing rate, a count off by one now and then) whose pacemaker is
	// reprogrammed from 70 to 90.
	{"pacing-rate-changed", wardOpts{art: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			p := 70.0
			if t >= evT {
				p = 90
			}
			v.pr = v.pr - v.hr + p
			v.hr = p
			v.paced = true
		}
	}, nil, nil},
	// A temporary pacing wire switched on at 80 for 30 min over an own rhythm of 47, then off. Known: too_regular
	// (b) on the heart rate at 2 s on 5 of 20 seeds (the paced rate's rare one-beat blips judged against the
	// roughness learned in the own rhythm; the pulse rate keeps a little noise, so the paced exemption, which asks
	// for a quiet pulse, does not hold), the heart box (its return) at 10 s on 1, frozen at 60 s on 3.
	{"temp-wire-on-off", wardOpts{art: true}, 100, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			v.hr -= 35
			v.pr -= 35
			v.sys -= 15
			v.dia -= 8
			v.mean -= 10
			if within(t, evT, 30*time.Minute) {
				v.pr = v.pr - v.hr + 80
				v.hr = 80
				v.paced = true
				v.sys += 15
				v.dia += 8
				v.mean += 10
			}
		}
	}, nil, []time.Duration{}},
	// Extubation: the capnograph's row vanishes, two minutes of coughing and motion, then spontaneous breathing
	// 6/min above the set rate of 14 it had on the ventilator.
	{"extubation", wardOpts{co2: true, art: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if t < evT {
				v.rr, v.vented = 14, true // set rate
				return
			}
			if t < evT+2*time.Minute { // coughing, suction of the mouth
				v.rr = float64(10 + r.IntN(25))
				v.hr += 15
				v.pr += 15
				motion(r, v)
			}
			v.co2 = math.NaN()
			v.rr += 6
			v.hr += 8
			v.pr += 8
		}
	}, nil, nil},
	// A ventilator switched from a mandatory mode (the set rate 14, breaths the patient triggers above it) to
	// pressure support: the patient's own rate, 5 higher with its scatter, the etCO2 3 lower. Known at 10 s: a
	// breathing-rate step on 2 of 20 seeds (its level reaching 23).
	{"vent-mode-change", wardOpts{co2: true, art: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if t < evT {
				v.rr, v.vented = 14, true
				return
			}
			v.rr += 5
			v.co2 -= 3
		}
	}, nil, []time.Duration{2 * sec, time.Minute}},
	// A patient taken to CT on a transport monitor: the bed's monitor silent 30 min, then the same patient back,
	// heart rate 15 and arterial pressure 8-12 higher, etCO2 4 lower.
	{"transport", wardOpts{art: true, co2: true}, 110, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if t >= evT {
				v.hr += 15
				v.pr += 15
				v.sys += 12
				v.dia += 6
				v.mean += 8
				v.co2 -= 4
			}
		}
	}, func(t time.Duration) bool { return within(t, evT-30*time.Minute, 30*time.Minute) }, nil},
	// A febrile rigor: heart rate up 35 and breathing rate up 12 within 90 s, arterial pressure up, 4 min of
	// shivering on the pleth and the arterial trace, the temperature rising 1.2 °C over 30 min.
	{"rigor", wardOpts{art: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			up := rise(t, evT, 90*sec) - rise(t, evT+10*time.Minute, 10*time.Minute)
			v.hr += 35 * up
			v.pr += 35 * up
			v.rr += 12 * up
			v.sys += 15 * up
			v.mean += 10 * up
			v.dia += 6 * up
			v.temp += 1.2 * rise(t, evT, 30*time.Minute)
			if within(t, evT+30*sec, 4*time.Minute) {
				motion(r, v)
				v.sys += float64(r.IntN(21) - 10)
			}
		}
	}, nil, nil},
	// A generalised seizure: heart rate up 50 in 30 s, EMG noise on the ECG, the breathing rate scattering 0-45, a
	// desaturation of 15, arterial pressure up, 2 min of motion, recovery over 5 min.
	{"seizure", wardOpts{art: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			up := rise(t, evT, 30*sec) - rise(t, evT+2*time.Minute, 5*time.Minute)
			v.hr += 50 * up
			v.pr += 50 * up
			v.sys += 35 * up
			v.mean += 22 * up
			v.dia += 12 * up
			de := rise(t, evT+20*sec, 60*sec) - rise(t, evT+2*time.Minute, 2*time.Minute)
			v.spo2 -= 15 * de
			if within(t, evT, 2*time.Minute) {
				v.rr = float64(r.IntN(45))
				motion(r, v)
				v.hr += float64(r.IntN(31) - 10) // EMG noise on the ECG
			}
		}
	}, nil, nil},
	// A coughing fit: 45 s of arterial pressure thrown up 20-50 (the whole trace), breathing rate 25-40, etCO2
	// scattered, heart rate up 15.
	{"coughing-fit", wardOpts{art: true, co2: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 45*sec) {
				k := float64(20 + r.IntN(30)) // intrathoracic pressure on the whole trace
				v.sys += k
				v.mean += 0.6 * k
				v.dia += 0.4 * k
				v.rr = float64(25 + r.IntN(15))
				v.co2 = v.co2 - 10 + float64(r.IntN(15))
				v.hr += 15
				v.pr += 15
			}
		}
	}, nil, nil},
	// An adult's obstructive sleep apnoea through the night: every 80 s the breathing rate reads 0-3 for 25 s, the
	// saturation falls 8 and recovers, the heart rate rises 15 at each arousal.
	{"sleep-apnoea", wardOpts{}, 180, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if t < evT {
				return
			}
			p := (t - evT) % (80 * sec)
			if p < 25*sec {
				v.rr = 0 + float64(r.IntN(4))
			}
			// desaturation lags the apnoea by ~20 s
			q := (t - evT + 60*sec) % (80 * sec)
			if q < 40*sec {
				v.spo2 -= 8 * math.Sin(math.Pi*float64(q)/float64(40*sec))
			}
			if p >= 25*sec && p < 40*sec {
				v.hr += 15
				v.pr += 15
			}
		}
	}, nil, nil},
	// A neonate's bradycardia-desaturation spells: heart rate 145 -> 80 within 10 s, saturation down 20, recovery
	// within a minute, three spells in half an hour.
	{"neo-brady-desat", wardOpts{neonate: true}, 80, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			for _, at := range []time.Duration{evT, evT + 13*time.Minute, evT + 27*time.Minute} {
				b := rise(t, at, 10*sec) - rise(t, at+25*sec, 20*sec)
				v.hr -= 65 * b
				v.pr -= 65 * b
				d := rise(t, at, 25*sec) - rise(t, at+40*sec, 40*sec)
				v.spo2 -= 20 * d
			}
		}
	}, nil, nil},
	// Kangaroo care: an hour on the parent's chest (heart and breathing rates a little lower, the skin probe 0.3 °C
	// warmer, motion on the pleth now and then), three minutes of handling at either end. Known: a breathing-rate
	// spike at 2 s and a step at 10 s, 1 of 20 seeds each.
	{"neo-kangaroo", wardOpts{neonate: true}, 120, func(r *rand.Rand) func(time.Duration, *vit) {
		return func(t time.Duration, v *vit) {
			if within(t, evT, 60*time.Minute) {
				v.hr -= 8
				v.pr -= 8
				v.rr -= 5
				v.temp += 0.3
				if r.IntN(4) == 0 {
					motion(r, v)
				}
				if within(t, evT, 3*time.Minute) || within(t, evT+60*time.Minute-3*time.Minute, 3*time.Minute) {
					motion(r, v)
					v.hr += 20 // handled
					v.pr += 20
					v.rr += float64(r.IntN(30))
				}
			}
		}
	}, nil, []time.Duration{time.Minute}},
}

// TestWardSituationsQuiet runs every everyday situation at the cadences it
// stays quiet at, on three seeds: no finding of any rule.
func TestWardSituationsQuiet(t *testing.T) {
	// Among the package's slowest: the slow ones share the second core (-race on 2 cores).
	t.Parallel()
	if testing.Short() {
		t.Skip("long: 36 situations, up to 3 h each")
	}
	for _, s := range situations {
		steps := s.quiet
		if steps == nil {
			steps = []time.Duration{2 * sec, 10 * sec, time.Minute}
		}
		for _, step := range steps {
			for seed := uint64(1); seed <= 3; seed++ {
				t.Run(fmt.Sprintf("%s/%v/%d", s.name, step, seed), func(t *testing.T) {
					checkRules(t, run(t, vitals.DefaultConfig(), s.ticks(seed, step)))
				})
			}
		}
	}
}
