package sim

import (
	"math"
	"math/rand/v2"
)

// ou is an Ornstein-Uhlenbeck process: a mean-reverting random walk with
// time constant tau (s) and stationary standard deviation sd.
type ou struct{ x, tau, sd float64 }

func (o *ou) step(r *rand.Rand, dt float64) float64 {
	o.x += -o.x*dt/o.tau + o.sd*math.Sqrt(2*dt/o.tau)*r.NormFloat64()
	return o.x
}

// patient is the true physiology behind one monitor, advanced in one-second
// ticks. Measured values add device noise and quantisation in vitals().
type patient struct {
	neonatal bool

	hrBase, hrNoise, prNoise float64
	hrTrend                  ou
	circAmp, circPhase       float64
	paced                    bool
	paceRate                 float64
	af                       bool
	afDeficit                ou
	prLag                    int // seconds the pleth pulse rate lags the ECG

	spo2Base  float64
	spo2Trend ou
	onO2      bool

	rrBase     float64
	rrTrend    ou
	ventilated bool
	rrSet      float64

	hasART           bool
	mapBase, ppBase  float64
	mapTrend         ou
	formFactor       float64
	nibpBias         [3]float64 // sys, dia, mean offsets of the cuff against the line
	tempBase         float64
	tempTrend        ou
	hasCO2           bool
	co2Base          float64
	co2Trend         ou
	hrHist           [32]float64 // true HR of the last 32 s, for the pulse-rate lag
	tick             int
	ev               events
	trueHR, trueSpO2 float64
	trueRR, trueMAP  float64
	trueTemp, co2    float64
}

// events are genuine clinical events and artefacts in progress (seconds
// remaining; 0 = not active).
type events struct {
	desat, desatNadir, desatRate float64 // s left, target SpO2 drop, %/s
	desatDrop                    float64
	tachy, tachyStep             float64
	probeOff, probeFreeze        float64
	motion, motionDip, motionPR  float64
}

func newPatient(r *rand.Rand, neonatal bool) *patient {
	p := &patient{neonatal: neonatal}
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
	if neonatal {
		p.hrBase, p.rrBase, p.mapBase, p.ppBase = u(120, 160), u(35, 55), u(38, 50), u(18, 28)
	} else {
		p.hrBase, p.rrBase, p.mapBase, p.ppBase = u(60, 100), u(12, 20), u(70, 95), u(35, 60)
	}
	p.hrNoise, p.prNoise = u(1, 2.5), u(1.5, 3)
	p.hrTrend = ou{tau: 1800, sd: 5}
	p.circAmp, p.circPhase = u(2, 6), u(0, 2*math.Pi)
	p.prLag = 3 + r.IntN(12)
	switch x := r.Float64(); {
	case x < 0.1 && !neonatal:
		p.paced, p.paceRate = true, float64(60+10*r.IntN(3))
	case x < 0.2 && !neonatal:
		p.af = true
		p.afDeficit = ou{x: u(5, 20), tau: 600, sd: 4}
		p.hrNoise = u(4, 7)
	}
	p.onO2 = r.Float64() < 0.3
	p.spo2Base = u(94, 99)
	if p.onO2 {
		p.spo2Base = u(99.5, 101)
	}
	p.spo2Trend = ou{tau: 1200, sd: 1}
	p.rrTrend = ou{tau: 900, sd: 2}
	p.ventilated = r.Float64() < 0.3
	p.rrSet = float64(12 + r.IntN(8))
	if neonatal {
		p.rrSet = float64(30 + r.IntN(20))
	}
	p.hasART = r.Float64() < 0.5
	p.mapTrend = ou{tau: 1200, sd: 5}
	p.formFactor = u(0.33, 0.42)
	p.nibpBias = [3]float64{u(-5, 12), u(-3, 8), u(-5, 5)}
	p.tempBase, p.tempTrend = u(36.5, 37.4), ou{tau: 7200, sd: 0.3}
	p.hasCO2 = p.ventilated || r.Float64() < 0.3
	p.co2Base, p.co2Trend = u(34, 42), ou{tau: 900, sd: 1.5}
	return p
}

// Rates of genuine events per hour.
const (
	desatPerHour  = 0.3
	tachyPerHour  = 0.3
	probePerHour  = 0.5
	motionPerHour = 2
)

// advance moves the patient one second forward; hours is the time of day.
func (p *patient) advance(r *rand.Rand, hours float64) {
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
	chance := func(perHour float64) bool { return r.Float64() < perHour/3600 }
	e := &p.ev
	p.tick++
	// Start events.
	if e.desat <= 0 && chance(desatPerHour) {
		e.desat, e.desatNadir, e.desatRate, e.desatDrop = u(120, 240), u(10, 20), u(10, 25)/60, 0
	}
	if e.tachy <= 0 && !p.paced && chance(tachyPerHour) {
		e.tachy, e.tachyStep = u(120, 600), u(40, 70)
	}
	if e.probeOff <= 0 && e.probeFreeze <= 0 && chance(probePerHour) {
		e.probeFreeze, e.probeOff = 10, u(30, 300)
	}
	if e.motion <= 0 && chance(motionPerHour) {
		e.motion, e.motionDip, e.motionPR = u(5, 15), u(2, 5), u(5, 15)
	}
	// Desaturation: fall at a physiological rate to the nadir, hold, recover.
	if e.desat > 0 {
		e.desat--
		if e.desat > 60 {
			e.desatDrop = math.Min(e.desatNadir, e.desatDrop+e.desatRate)
		} else {
			e.desatDrop = math.Max(0, e.desatDrop-e.desatNadir/40)
		}
	}
	tachy := 0.0
	if e.tachy > 0 {
		e.tachy--
		tachy = e.tachyStep
	}
	if e.probeFreeze > 0 {
		e.probeFreeze--
	} else if e.probeOff > 0 {
		e.probeOff--
	}
	if e.motion > 0 {
		e.motion--
	}
	day := 2 * math.Pi * hours / 24
	p.trueHR = p.hrBase + p.circAmp*math.Sin(day+p.circPhase) + p.hrTrend.step(r, 1) + tachy + 0.8*e.desatDrop
	if p.paced {
		p.trueHR = max(p.paceRate, p.trueHR)
	}
	p.hrHist[p.tick%len(p.hrHist)] = p.trueHR
	p.trueSpO2 = p.spo2Base + p.spo2Trend.step(r, 1) - e.desatDrop
	p.trueRR = p.rrBase + p.rrTrend.step(r, 1) + 0.3*e.desatDrop
	p.trueMAP = p.mapBase + p.mapTrend.step(r, 1)
	p.trueTemp = p.tempBase + p.tempTrend.step(r, 1)
	p.co2 = p.co2Base + p.co2Trend.step(r, 1)
	if p.af {
		p.afDeficit.x = min(30, max(3, p.afDeficit.x))
		p.afDeficit.step(r, 1)
	}
}

// vals is one message's worth of measured values, as the monitor reports
// them (NaN = not reported).
type vals struct {
	hr, pr, spo2, rr, temp, co2 float64
	artS, artD, artM            float64
	probeOff                    bool
}

// pacedPRNoise is the pulse rate's noise (standard deviation, per minute)
// over a paced rhythm: the pulse detection's timing jitter averaged over the
// oximeter's few beats.
const pacedPRNoise = 0.4

// measure samples the monitor's displayed values now. frozen holds the
// values shown before the probe went off (the oximeter freezes them).
func (p *patient) measure(r *rand.Rand, frozen *vals) vals {
	nan := math.NaN()
	v := vals{artS: nan, artD: nan, artM: nan, co2: nan}
	if p.paced && p.trueHR <= p.paceRate {
		v.hr = p.paceRate // paced rhythm: the monitor shows the pacing rate
	} else {
		v.hr = math.Round(p.trueHR + p.hrNoise*r.NormFloat64())
	}
	lagged := p.hrHist[(p.tick-p.prLag+len(p.hrHist))%len(p.hrHist)]
	if p.af {
		lagged -= p.afDeficit.x
	}
	e := &p.ev
	prNoise := p.prNoise
	if p.paced && p.trueHR <= p.paceRate {
		// The oximeter counts the paced beats: as regular as the ECG's,
		// only its pulse detection's jitter left (session 29: the pulse
		// rate scattered ±3 around a held pacing rate, which no averaged
		// count of regular beats does).
		prNoise = pacedPRNoise
	}
	v.pr = math.Round(lagged + prNoise*r.NormFloat64())
	v.spo2 = math.Min(100, math.Round(p.trueSpO2+0.6*r.NormFloat64()))
	if e.motion > 0 {
		v.spo2 -= math.Round(e.motionDip)
		v.pr += math.Round(e.motionPR * r.NormFloat64())
	}
	switch {
	case e.probeFreeze > 0 && frozen != nil:
		v.pr, v.spo2 = frozen.pr, frozen.spo2
	case e.probeOff > 0 && e.probeFreeze <= 0:
		v.pr, v.spo2, v.probeOff = nan, nan, true
	}
	if p.ventilated {
		v.rr = p.rrSet
	} else {
		v.rr = math.Max(0, math.Round(p.trueRR+1.5*r.NormFloat64()))
	}
	v.temp = math.Round(p.trueTemp*10) / 10
	if p.hasCO2 {
		v.co2 = math.Round(p.co2 + 0.7*r.NormFloat64())
	}
	if p.hasART {
		s, d, m := p.art()
		v.artS = math.Round(s + 1.5*r.NormFloat64())
		v.artD = math.Round(d + 1.5*r.NormFloat64())
		v.artM = math.Round(m + 1.5*r.NormFloat64())
	}
	return v
}

// art returns the true arterial systolic, diastolic and mean pressure.
func (p *patient) art() (sys, dia, mean float64) {
	pp := p.ppBase
	return p.trueMAP + (1-p.formFactor)*pp, p.trueMAP - p.formFactor*pp, p.trueMAP
}

// cuff returns a new oscillometric reading: the true pressures plus the
// cuff's bias and noise, ordered as a device reports them.
func (p *patient) cuff(r *rand.Rand) (sys, dia, mean float64) {
	s, d, m := p.art()
	sys = math.Round(s + p.nibpBias[0] + 3*r.NormFloat64())
	dia = math.Round(d + p.nibpBias[1] + 3*r.NormFloat64())
	mean = math.Round(m + p.nibpBias[2] + 3*r.NormFloat64())
	mean = min(max(mean, dia+(sys-dia)/4), sys-(sys-dia)/4)
	return sys, dia, math.Round(mean)
}
