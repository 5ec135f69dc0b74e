package corpus

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// record is one message before rendering: what the device stamps and
// reports, when it arrives, and its label.
type record struct {
	stay     int       // index of the patient stay on this bed
	t        time.Time // true send time
	msgTime  time.Time // device clock stamp: MSH-7, OBR-7, OBX-14 of continuous rows
	nibpTime time.Time // device clock stamp of the shown NIBP measurement; zero: none yet
	nibpNew  bool      // first message after an NIBP measurement
	arrival  time.Time // gateway clock
	ctrl     int       // MSH-10 sequence number, rendered per layout
	v        [numChannels]float64
	kpa      bool // etCO2 value is in kPa whatever the unit says
	id       *identity
	kind     Kind // "" when clean
	param    string
	strength string
	events   string // genuine conditions active at this message, comma-separated
}

// stay is one patient's time on the bed.
type stay struct {
	from, to time.Time
}

// bedSim is the simulation of one bed: its plan, random source and results.
type bedSim struct {
	m     *monPlan
	rng   *rand.Rand
	stays []stay
	conds []string // genuine conditions seen, for monitors.jsonl
	recs  []record
	// unforged: the bed's episode was placed but not written (Config.NoForge)
	unforged bool
}

func (b *bedSim) addCond(c string) {
	if !slices.Contains(b.conds, c) {
		b.conds = append(b.conds, c)
	}
}

// align returns the first message time of the bed at or after t.
func (b *bedSim) align(t time.Time) time.Time {
	d := t.Sub(b.m.start)
	if d <= 0 {
		return b.m.start
	}
	k := (d + b.m.cadence - 1) / b.m.cadence
	return b.m.start.Add(k * b.m.cadence)
}

// simulate runs the bed's physiology second by second and records a
// message at every send time. Everything it draws comes from b.rng, so a
// bed's data depend only on its plan.
func simulate(m *monPlan) *bedSim {
	b := &bedSim{m: m, rng: rand.New(rand.NewPCG(m.seed, uint64(m.n)))}
	rng := b.rng
	end := m.start.Add(m.dur)
	b.stays = []stay{{m.start, end}}
	// A transfer: discharge, the bed stays empty (the monitor in standby
	// sends nothing), then a new patient is admitted.
	if m.kind != Replay && m.dur >= time.Hour && rng.Float64() < 0.12 {
		td := m.start.Add(time.Duration(uniform(rng, 0.3, 0.6) * float64(m.dur)))
		gap := time.Duration(uniform(rng, 5, 30) * float64(time.Minute))
		b.stays = []stay{{m.start, td}, {td.Add(gap), end}}
		b.addCond(condTransfer)
	}
	ctrl := 1 + rng.IntN(90000)
	for si, st := range b.stays {
		p := newPatient(rng, m.neonatal)
		id := b.newIdentity(st.from, si == 0)
		var unid *identity
		var unidUntil time.Time
		if rng.Float64() < 0.15 {
			// Admitted as unknown: a temporary number and no name; the real
			// identity replaces it later under the same visit.
			unid = &identity{mrn: fmt.Sprintf("T%06d", rng.IntN(1e6)), unidentified: true, sex: "U",
				visit: id.visit, admit: id.admit}
			unidUntil = st.from.Add(time.Duration(uniform(rng, 10, 60) * float64(time.Minute)))
			b.addCond(condUnident)
		}
		events := b.drawEvents(p, st)
		ph := newPhysio(rng, p, events)
		nibp := nibpCuff{next: st.from.Add(time.Duration(uniform(rng, 1, 6) * float64(time.Minute)))}
		first := b.align(st.from)
		for t := first.Add(-time.Duration(rng.IntN(300)) * time.Second); t.Before(st.to); t = t.Add(time.Second) {
			ph.step(t)
			if t.Before(first) {
				continue // let the processes settle before the first message
			}
			nibp.tick(b, ph, t, events)
			if t.Sub(m.start)%m.cadence != 0 {
				continue
			}
			r := b.sample(ph, t, events, &nibp)
			r.stay = si
			r.ctrl = ctrl
			ctrl++
			r.id = id
			if unid != nil && t.Before(unidUntil) {
				r.id = unid
			}
			b.recs = append(b.recs, r)
		}
	}
	return b
}

var (
	familyNames = []string{"MILLER", "GARCIA", "NGUYEN", "SCHMIDT", "ROSSI", "KOWALSKI", "DUBOIS", "OKAFOR",
		"TANAKA", "JENSEN", "SILVA", "HASSAN", "MURPHY", "NOVAK", "LINDQVIST", "PETROV", "COHEN", "BAKER"}
	givenNames = []string{"ANNA", "JOHN", "MARIA", "AHMED", "LI", "PETER", "SOFIA", "DAVID", "ELENA",
		"TOMAS", "GRACE", "OMAR", "INES", "PAUL", "HANNA", "RAJ"}
)

// newIdentity makes a synthetic patient identity. The first stay's patient
// was admitted before monitoring began; later ones are admitted at the
// stay's start.
func (b *bedSim) newIdentity(from time.Time, first bool) *identity {
	rng := b.rng
	id := &identity{
		mrn:    fmt.Sprintf("%07d", 1000000+rng.IntN(9000000)),
		family: pick(rng, familyNames...),
		sex:    pick(rng, "F", "M"),
		visit:  fmt.Sprintf("V%08d", rng.IntN(1e8)),
		admit:  from,
	}
	if first {
		id.admit = from.Add(-time.Duration(uniform(rng, 0.5, 96) * float64(time.Hour))).Truncate(time.Minute)
	}
	if b.m.neonatal {
		id.given = map[string]string{"F": "BABYGIRL", "M": "BABYBOY"}[id.sex]
		id.dob = from.Add(-time.Duration(rng.IntN(30*24)) * time.Hour).Format("20060102")
	} else {
		id.given = pick(rng, givenNames...)
		id.dob = fmt.Sprintf("%04d%02d%02d", 1938+rng.IntN(68), 1+rng.IntN(12), 1+rng.IntN(28))
	}
	return id
}

// drawEvents draws the genuine conditions and artefacts of one stay.
func (b *bedSim) drawEvents(p *patient, st stay) []*event {
	rng, m := b.rng, b.m
	dur := st.to.Sub(st.from)
	var evs []*event
	add := func(kind string, start time.Time, length, rise, fall time.Duration, amp, amp2 float64) {
		if !start.Before(st.to) {
			return
		}
		evs = append(evs, &event{kind: kind, start: start, end: start.Add(length), rise: rise, fall: fall, amp: amp, amp2: amp2})
		b.addCond(kind)
	}
	at := func(lo, hi float64) time.Time { // a time at a share of the stay
		return st.from.Add(time.Duration(uniform(rng, lo, hi) * float64(dur)))
	}
	mins := func(lo, hi float64) time.Duration { return time.Duration(uniform(rng, lo, hi) * float64(time.Minute)) }
	secs := func(lo, hi float64) time.Duration { return time.Duration(uniform(rng, lo, hi) * float64(time.Second)) }
	times := func(lo, hi int) int { return lo + rng.IntN(hi-lo+1) }
	regular := m.kind == HRPRMismatch // that kind needs a patient with a regular rhythm

	// Physiology.
	if !p.neonatal && rng.Float64() < 0.10 {
		add(condHaemorrhage, at(0.1, 0.5), mins(90, 150), mins(20, 40), mins(25, 40), uniform(rng, 0.5, 1), 0)
	}
	if !p.neonatal && rng.Float64() < 0.25 {
		for range times(2, 5) {
			add(condDesat, at(0, 0.95), mins(3, 9), mins(1, 2), mins(1, 2), uniform(rng, 6, 15), 0)
		}
	}
	if p.neonatal && rng.Float64() < 0.5 {
		for range times(3, 12) {
			add(condBradyDesat, at(0, 0.97), secs(30, 90), secs(5, 15), secs(20, 40), uniform(rng, 10, 25), uniform(rng, 40, 80))
		}
	}
	if rng.Float64() < 0.18 {
		add(condFever, at(0, 0.5), 2*dur, mins(60, 120), time.Minute, uniform(rng, 1, 2.5), 0)
	} else if rng.Float64() < 0.1 {
		add(condSepsis, at(0, 0.4), 2*dur, mins(90, 150), time.Minute, uniform(rng, 0.6, 1), 0)
	}
	if rng.Float64() < pickF(p.neonatal, 0.5, 0.35) {
		add(condSleep, at(0, 0.6), mins(60, 150), mins(5, 10), mins(5, 10), 0, 0)
	}
	if rng.Float64() < 0.3 {
		add(condQuiet, at(0, 0.8), mins(30, 90), mins(2, 5), mins(2, 5), 0, 0)
	}
	if m.hasABP && rng.Float64() < pickF(p.neonatal, 0.15, 0.3) {
		for range times(1, 3) {
			add(condPressor, at(0, 0.9), mins(20, 30), mins(3, 5), mins(12, 20), uniform(rng, 15, 35), 0)
		}
	}
	if rng.Float64() < pickF(p.neonatal, 0.1, 0.2) {
		add(condSedation, at(0, 0.7), 2*dur, mins(8, 15), time.Minute, 0, 0)
	}
	if !p.neonatal && !regular && rng.Float64() < 0.15 {
		if rng.Float64() < 0.4 {
			add(condAF, st.from, 2*dur, time.Second, time.Second, uniform(rng, 10, 40), 0)
		} else {
			add(condAF, at(0, 0.8), mins(30, 120), mins(0.2, 1), mins(0.2, 1), uniform(rng, 20, 45), 0)
		}
	}
	if !regular && rng.Float64() < 0.08 {
		for range times(1, 3) {
			add(condBigeminy, at(0, 0.9), mins(5, 40), time.Second, time.Second, 0, uniform(rng, 0.5, 0.6))
		}
	}
	if rng.Float64() < 0.12 {
		for range times(1, 3) {
			add(condTachy, at(0, 0.95), mins(1, 10), secs(10, 30), secs(30, 90), pickF(p.neonatal, uniform(rng, 35, 50), uniform(rng, 40, 60)), 0)
		}
	}
	if !p.neonatal && rng.Float64() < 0.08 {
		for range times(1, 3) {
			// Down to 36–50/min whatever the baseline.
			add(condBrady, at(0, 0.95), mins(1, 8), secs(10, 30), secs(20, 60), -math.Max(10, p.hr-uniform(rng, 36, 50)), 0)
		}
	}
	// Artefacts. Short ones start on a send time so that they are seen.
	if m.hasABP && rng.Float64() < 0.8 {
		for range times(2, 6) {
			add(condFlush, b.align(at(0, 0.98)), secs(3, 8), 0, 0, 0, 0)
		}
	}
	if m.hasABP && rng.Float64() < 0.5 {
		for range times(1, 2) {
			// amp: seconds of zero; then a damped trace until the end.
			add(condZero, b.align(at(0, 0.95)), mins(1, 5), 0, 0, uniform(rng, 10, 40), 0)
		}
	}
	if rng.Float64() < 0.6 {
		for range times(1, 5) {
			add(condProbeOff, b.align(at(0, 0.98)), secs(10, 300), 0, 0, 0, 0)
		}
	}
	if rng.Float64() < 0.5 {
		for range times(2, 8) {
			add(condMotion, b.align(at(0, 0.98)), secs(10, 90), 0, 0, uniform(rng, 5, 20), 0)
		}
	}
	if rng.Float64() < 0.15 {
		add(condNIBPStat, at(0.05, 0.9), 5*time.Minute, 0, 0, 0, 0)
	}
	return evs
}

// nibpCuff schedules cuff measurements: one every nibpInt, and back to back
// (every 35–45 s) while STAT mode is on.
type nibpCuff struct {
	next                  time.Time
	stamp                 time.Time // true time of the last measurement
	sys, dia, mean        float64
	measured, newSinceMsg bool
}

func (c *nibpCuff) tick(b *bedSim, ph *physio, t time.Time, events []*event) {
	for _, e := range events {
		if e.kind == condNIBPStat && !t.Before(e.start) && t.Before(e.end) && c.next.Sub(t) > 45*time.Second {
			c.next = t.Add(35 * time.Second)
		}
	}
	if t.Before(c.next) {
		return
	}
	rng := b.rng
	v := ph.state(t)
	c.sys = round(v.sys + rng.NormFloat64()*4)
	c.dia = round(v.dia + rng.NormFloat64()*3)
	c.mean = round(c.dia + (c.sys-c.dia)/3 + rng.NormFloat64())
	c.dia = math.Min(c.dia, c.sys-5)
	c.mean = math.Max(c.dia, math.Min(c.sys, c.mean))
	c.stamp, c.measured, c.newSinceMsg = t, true, true
	c.next = t.Add(b.m.nibpInt)
	for _, e := range events {
		if e.kind == condNIBPStat && !t.Before(e.start) && t.Before(e.end) {
			c.next = t.Add(time.Duration(35+rng.IntN(11)) * time.Second)
		}
	}
}

// clock is the device's clock at true time t.
func (b *bedSim) clock(t time.Time) time.Time {
	h := t.Sub(b.m.start).Hours()
	return t.Add(b.m.skew + time.Duration(h*b.m.skewRate*float64(time.Second)))
}

// sample builds the message a device sends at t: the model's values with
// measurement noise, rounded as a monitor displays them, with the active
// artefacts applied.
func (b *bedSim) sample(ph *physio, t time.Time, events []*event, cuff *nibpCuff) record {
	rng, m := b.rng, b.m
	tr := ph.state(t)
	nz := ph.noise
	var r record
	r.t = t
	r.msgTime = b.clock(t)
	r.arrival = t.Add(time.Duration(5+rng.IntN(150)) * time.Millisecond)
	hr := math.Min(tr.hr, pickF(m.neonatal, 240, 190)) + rng.NormFloat64()*nz
	var pr float64
	switch {
	case tr.af:
		hr += rng.NormFloat64() * 9 // irregular ventricular response
		pr = hr - (tr.hr - tr.pr) + rng.NormFloat64()*4
	default:
		pr = hr + rng.NormFloat64()*1.2
	}
	spo2 := tr.spo2 + rng.NormFloat64()*0.4
	rr := tr.rr + rng.NormFloat64()*nz*pickF(m.neonatal, 2, 1)
	sys := tr.sys + rng.NormFloat64()*2
	dia := tr.dia + rng.NormFloat64()*1.2
	mean := dia + (sys-dia)/3 + rng.NormFloat64()*0.7
	var names []string
	for _, e := range events {
		l := e.level(t)
		if l == 0 {
			continue
		}
		if !slices.Contains(names, e.kind) {
			names = append(names, e.kind)
		}
		switch e.kind {
		case condBigeminy:
			pr = hr * (e.amp2 + rng.NormFloat64()*0.02)
		case condMotion:
			spo2 -= uniform(rng, 0, e.amp)
			pr += rng.NormFloat64() * 25
			hr += rng.NormFloat64() * 15
			rr += rng.NormFloat64() * 8
		case condFlush:
			// Flush: the transducer sees the bag pressure, a ~300 mmHg square wave.
			sys = 300 + rng.NormFloat64()*8
			dia = sys - uniform(rng, 3, 9)
			mean = (sys + dia) / 2
		case condZero:
			if t.Sub(e.start) < time.Duration(e.amp*float64(time.Second)) {
				sys, dia = uniform(rng, 1, 4), uniform(rng, 0, 0.6)
				mean = (sys + dia) / 2
			} else { // damped trace after re-connection: narrow pulse pressure
				sys, dia = mean+uniform(rng, 2, 6), mean-uniform(rng, 2, 6)
			}
		}
	}
	r.events = strings.Join(names, ",")
	r.v[HR] = round(math.Max(hr, 20))
	r.v[PR] = round(math.Max(pr, 20))
	r.v[SpO2] = round(math.Max(50, math.Min(100, spo2)))
	r.v[RR] = round(math.Max(rr, 0))
	for _, n := range names {
		if n == condProbeOff {
			r.v[SpO2], r.v[PR] = math.NaN(), math.NaN()
		}
	}
	for c := NIBPSys; c <= NIBPMean; c++ {
		r.v[c] = math.NaN()
	}
	if cuff.measured {
		r.v[NIBPSys], r.v[NIBPDia], r.v[NIBPMean] = cuff.sys, cuff.dia, cuff.mean
		r.nibpTime = b.clock(cuff.stamp)
		r.nibpNew = cuff.newSinceMsg
		cuff.newSinceMsg = false
	}
	r.v[ABPSys], r.v[ABPDia], r.v[ABPMean] = math.NaN(), math.NaN(), math.NaN()
	if m.hasABP {
		s, d := round(sys), round(dia)
		if d >= s {
			d = s - 1
		}
		r.v[ABPSys], r.v[ABPDia] = s, d
		r.v[ABPMean] = math.Max(d, math.Min(s, round(mean)))
	}
	r.v[Temp] = round1(tr.temp + rng.NormFloat64()*0.03)
	r.v[EtCO2] = math.NaN()
	if m.hasCO2 {
		co2 := math.Max(0, tr.co2+rng.NormFloat64()*0.8)
		if m.co2KPa {
			r.v[EtCO2] = round1(co2 / mmHgPerKPa)
		} else {
			r.v[EtCO2] = round(co2)
		}
	}
	return r
}

// mmHgPerKPa converts kPa to mmHg.
const mmHgPerKPa = 7.50062
