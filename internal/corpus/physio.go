package corpus

import (
	"math"
	"math/rand/v2"
	"time"
)

// Channel is one reported vital-sign parameter.
type Channel int

// The channels a monitor may report.
const (
	HR       Channel = iota // heart rate from the ECG, /min
	PR                      // pulse rate from the SpO2 plethysmogram, /min
	SpO2                    // oxygen saturation, %
	RR                      // respiratory rate (impedance), /min
	NIBPSys                 // non-invasive (cuff) blood pressure, mmHg
	NIBPDia                 //
	NIBPMean                //
	ABPSys                  // invasive arterial blood pressure, mmHg
	ABPDia                  //
	ABPMean                 //
	Temp                    // body temperature, °C
	EtCO2                   // end-tidal CO2, mmHg
	numChannels
)

var channelNames = [numChannels]string{"HR", "PR", "SpO2", "RR", "NIBP-sys", "NIBP-dia", "NIBP-mean",
	"ABP-sys", "ABP-dia", "ABP-mean", "Temp", "etCO2"}

// String returns the channel's name as used in labels ("HR", "ABP-sys", ...).
func (c Channel) String() string { return channelNames[c] }

// identity is what a message says about the patient (PID and PV1).
type identity struct {
	mrn, family, given, dob, sex string
	unidentified                 bool      // PID-5 "^^^^^^U", temporary MRN
	visit                        string    // PV1-19
	admit                        time.Time // PV1-44
}

// patient holds one patient's baseline physiology. Values are the resting
// means around which the model's processes move.
type patient struct {
	neonatal                          bool
	hr, rr, spo2, sys, dia, temp, co2 float64
}

func newPatient(rng *rand.Rand, neonatal bool) *patient {
	p := &patient{neonatal: neonatal}
	if neonatal {
		p.hr = uniform(rng, 120, 160)
		p.rr = uniform(rng, 35, 58)
		p.spo2 = uniform(rng, 91, 97)
		p.sys = uniform(rng, 45, 72)
		p.temp = uniform(rng, 36.5, 37.3)
		p.co2 = uniform(rng, 35, 46)
	} else {
		p.hr = uniform(rng, 58, 98)
		p.rr = uniform(rng, 11, 20)
		p.spo2 = uniform(rng, 94, 99)
		p.sys = uniform(rng, 100, 145)
		p.temp = uniform(rng, 36.3, 37.2)
		p.co2 = uniform(rng, 33, 43)
	}
	p.dia = p.sys * uniform(rng, 0.52, 0.65)
	return p
}

// Genuine clinical conditions and artefacts (names as in monitors.jsonl and
// the labels' "events" field).
const (
	condHaemorrhage = "haemorrhage"  // HR up, BP down over tens of minutes, then transfusion
	condDesat       = "desaturation" // adult: SpO2 down for minutes, HR and RR up
	condBradyDesat  = "brady_desat"  // neonatal: short SpO2 drops with HR DOWN
	condFever       = "fever"        // temperature up, HR +10/°C, RR up
	condSepsis      = "sepsis"       // fever, HR and RR up, BP and etCO2 down
	condSleep       = "sleep"        // lower HR/RR, quieter signals
	condQuiet       = "quiet"        // genuinely stable values for a while
	condPressor     = "vasopressor"  // bolus: ABP up over minutes, small reflex HR fall
	condSedation    = "sedation"     // RR and HR down, etCO2 up
	condAF          = "af"           // atrial fibrillation: irregular HR, pulse deficit
	condBigeminy    = "bigeminy"     // PR about 50–60 % of HR
	condTachy       = "tachy"        // tachycardia episode
	condBrady       = "brady"        // bradycardia episode
	condFlush       = "art_flush"    // arterial line flush: ABP ~300 mmHg square wave
	condZero        = "art_zeroing"  // transducer zeroing, then a damped trace
	condProbeOff    = "probe_off"    // SpO2 probe off: SpO2/PR not measured
	condMotion      = "motion"       // motion artefact: noisy SpO2/PR/HR/RR bursts
	condNIBPStat    = "nibp_stat"    // NIBP STAT mode: back-to-back cuff cycles for 5 min
	condUnident     = "unidentified" // admitted unidentified; real identity later
	condTransfer    = "transfer"     // discharge, empty bed, new admission
	condRetransmit  = "retransmission"
)

// event is one occurrence of a genuine condition. Its effect is scaled by an
// envelope that ramps from 0 to 1 over rise, holds, and falls back over fall
// before end.
type event struct {
	kind       string
	start, end time.Time
	rise, fall time.Duration
	amp        float64 // strength, kind-specific
	amp2       float64 // second parameter, kind-specific
}

func (e *event) level(t time.Time) float64 {
	if t.Before(e.start) || !t.Before(e.end) {
		return 0
	}
	if d := t.Sub(e.start); d < e.rise {
		return float64(d) / float64(e.rise)
	}
	if d := e.end.Sub(t); d < e.fall {
		return float64(d) / float64(e.fall)
	}
	return 1
}

// ou is an Ornstein-Uhlenbeck process with unit time step of one second:
// mean-reverting noise with standard deviation sd and time constant tau.
type ou struct {
	x, a, b float64
}

func newOU(rng *rand.Rand, sd float64, tau time.Duration) ou {
	a := math.Exp(-1 / tau.Seconds())
	return ou{x: rng.NormFloat64() * sd, a: a, b: sd * math.Sqrt(1-a*a)}
}

func (o *ou) step(rng *rand.Rand, scale float64) { o.x = o.x*o.a + o.b*scale*rng.NormFloat64() }

// Indexes of the model's slow processes.
const (
	pHR = iota
	pRR
	pSpO2
	pSys
	pDia
	pTemp
	pCO2
	pDeficit // AF pulse deficit
	nProc
)

// physio simulates one patient stay second by second. It is advanced with
// step and read with sample.
type physio struct {
	rng    *rand.Rand
	p      *patient
	proc   [nProc]ou
	events []*event
	noise  float64 // current noise scale (sleep and quiet periods lower it)
}

func newPhysio(rng *rand.Rand, p *patient, events []*event) *physio {
	s := &physio{rng: rng, p: p, events: events, noise: 1}
	k := 1.0
	if p.neonatal {
		k = 1.6
	}
	s.proc[pHR] = newOU(rng, 3*k, 2*time.Minute)
	s.proc[pRR] = newOU(rng, 1.5*k*k, 90*time.Second)
	s.proc[pSpO2] = newOU(rng, 0.8*k, time.Minute)
	s.proc[pSys] = newOU(rng, 4, 5*time.Minute)
	s.proc[pDia] = newOU(rng, 2.5, 5*time.Minute)
	s.proc[pTemp] = newOU(rng, 0.08, 30*time.Minute)
	s.proc[pCO2] = newOU(rng, 1.2, 5*time.Minute)
	s.proc[pDeficit] = newOU(rng, 8, 40*time.Second)
	return s
}

// step advances the slow processes by one second at time t.
func (s *physio) step(t time.Time) {
	s.noise = 1
	for _, e := range s.events {
		if l := e.level(t); l > 0 && (e.kind == condSleep || e.kind == condQuiet) {
			s.noise = math.Min(s.noise, 1-0.7*l)
		}
	}
	for i := range s.proc {
		s.proc[i].step(s.rng, s.noise)
	}
}

// truth is the model's state at one instant, before rounding and artefacts.
type truth struct {
	hr, pr, spo2, rr, sys, dia, mean, temp, co2 float64
	af, bigeminy                                bool
}

// state computes the true vital signs at t from the baseline, the active
// events and the slow processes.
func (s *physio) state(t time.Time) truth {
	p := s.p
	var dHR, dRR, dSpO2, dSys, dDia, dTemp, dCO2 float64
	var af, big float64
	for _, e := range s.events {
		l := e.level(t)
		if l == 0 {
			continue
		}
		switch e.kind {
		case condHaemorrhage:
			dHR += 30 * e.amp * l
			dSys -= 35 * e.amp * l
			dDia -= 18 * e.amp * l
			dRR += 4 * e.amp * l
			dSpO2 -= 1 * e.amp * l
		case condDesat:
			dSpO2 -= e.amp * l
			dHR += 1.1 * e.amp * l
			dRR += 0.4 * e.amp * l
		case condBradyDesat:
			dSpO2 -= e.amp * l
			dHR -= e.amp2 * l
		case condFever:
			dTemp += e.amp * l
			dHR += 10 * e.amp * l
			dRR += 2 * e.amp * l
		case condSepsis:
			dTemp += 1.5 * e.amp * l
			dHR += 25 * e.amp * l
			dRR += 7 * e.amp * l
			dSys -= 22 * e.amp * l
			dDia -= 11 * e.amp * l
			dCO2 -= 5 * e.amp * l
		case condSleep:
			dHR -= 8 * l
			dRR -= 2.5 * l
		case condPressor:
			dSys += e.amp * l
			dDia += 0.45 * e.amp * l
			dHR -= 0.2 * e.amp * l
		case condSedation:
			if p.neonatal {
				dRR -= 8 * l
			} else {
				dRR -= 4 * l
			}
			dHR -= 8 * l
			dCO2 += 4 * l
			dSys -= 8 * l
			dDia -= 4 * l
		case condAF:
			af = l
			dHR += e.amp * l
		case condBigeminy:
			big = l
		case condTachy, condBrady:
			dHR += e.amp * l
		}
	}
	scale := 1.0
	if p.neonatal {
		scale = 0.6 // neonatal pressures are lower, so are their swings
	}
	v := truth{
		hr:   p.hr + dHR + s.proc[pHR].x,
		rr:   math.Max(2, p.rr+dRR+s.proc[pRR].x),
		spo2: p.spo2 + dSpO2 + s.proc[pSpO2].x,
		sys:  p.sys + scale*(dSys+s.proc[pSys].x),
		dia:  p.dia + scale*(dDia+s.proc[pDia].x),
		temp: p.temp + dTemp + s.proc[pTemp].x,
		co2:  p.co2 + dCO2 + s.proc[pCO2].x,
	}
	v.hr = math.Max(v.hr, pickF(p.neonatal, 55, 32)) // the sum of several depressants stays survivable
	if v.dia > v.sys-10*scale {
		v.dia = v.sys - 10*scale
	}
	v.mean = v.dia + (v.sys-v.dia)/3
	v.pr = v.hr
	if af > 0.5 {
		v.af = true
		// The deficit is the share of beats too weak to reach the finger.
		v.pr = v.hr - math.Min(45, math.Abs(s.proc[pDeficit].x)+4)
	}
	if big > 0.5 {
		v.bigeminy = true
	}
	return v
}

func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

func round(x float64) float64 { return math.Round(x) }

func round1(x float64) float64 { return math.Round(x*10) / 10 }
