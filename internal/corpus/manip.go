package corpus

import (
	"math"
	"slices"
	"strings"
	"time"
)

// episode is where a bed's manipulation sits in its records.
type episode struct {
	kind      Kind
	param     string
	strength  string // "subtle" or "blatant"
	first     int    // index of the first manipulated record
	last      int    // index of the last one
	detail    string // for monitors.jsonl: what exactly was done
	grace     int    // records after last that must not hold a retransmission
	source    int    // replay: index of the first source record
	dupSource []int  // duplicate_control_id: indexes whose MSH-10 was reused
}

// msgs converts a duration into a number of this bed's messages (at least 1).
func (b *bedSim) msgs(d time.Duration) int {
	return max(1, int(d/b.m.cadence))
}

func (b *bedSim) minutes(lo, hi float64) time.Duration {
	return time.Duration(uniform(b.rng, lo, hi) * float64(time.Minute))
}

// window picks n consecutive records inside the longest stay, with at least
// lead records of that stay before it, starting no earlier than 20 minutes
// (or a sixth of the stay) into the stay and ending no later than 10
// minutes before its end where the stay allows. n is shortened to fit.
func (b *bedSim) window(n, lead int) (int, int) {
	i0, i1 := 0, 0 // the longest stay's records
	for si := range b.stays {
		a := slices.IndexFunc(b.recs, func(r record) bool { return r.stay == si })
		if a < 0 {
			continue
		}
		z := a
		for z < len(b.recs) && b.recs[z].stay == si {
			z++
		}
		if z-a > i1-i0 {
			i0, i1 = a, z
		}
	}
	size := i1 - i0
	st := b.stays[b.recs[i0].stay]
	warm := b.msgs(max(20*time.Minute, st.to.Sub(st.from)/6))
	lead = max(lead, warm)
	tail := b.msgs(10 * time.Minute)
	n = max(1, min(n, size/2))
	lead = min(lead, size/4+size/8)
	tail = min(tail, size/8)
	lo, hi := i0+lead, i1-tail-n
	if hi < lo {
		hi = lo
	}
	s := lo + b.rng.IntN(hi-lo+1)
	return s, min(s+n, i1) - 1
}

// measured lists the parameters cs and, where this bed's monitor measures them, the invasive
// blood pressure abp and the end-tidal CO2 co2.
func measured[T any](b *bedSim, abp, co2 T, cs ...T) []T {
	if b.m.hasABP {
		cs = append(cs, abp)
	}
	if b.m.hasCO2 {
		cs = append(cs, co2)
	}
	return cs
}

// shiftWindow picks the parameter p of a drift or step from cs (and records it in ep), its window
// s..e of 10 to 60 minutes, and the direction sign (-1 or +1) where the parameter may go either way.
func (b *bedSim) shiftWindow(ep *episode, cs []string) (p string, s, e int, sign float64) {
	p = pick(b.rng, cs...)
	ep.param = p
	s, e = b.window(b.msgs(b.minutes(10, 60)), 0)
	return p, s, e, pick(b.rng, -1.0, 1.0)
}

// manipulate applies the bed's episode, if any, and labels its records.
func (b *bedSim) manipulate() *episode {
	m, rng := b.m, b.rng
	if m.kind == "" {
		return nil
	}
	ep := &episode{kind: m.kind, strength: "blatant", source: -1}
	subtle := m.subtle
	if subtle {
		ep.strength = "subtle"
	}
	sf := func(sub, blat float64) float64 { // a magnitude by strength
		if subtle {
			return sub
		}
		return blat
	}
	neo := m.neonatal
	var s, e int
	switch m.kind {
	case Spike:
		s, e = b.window(1+rng.IntN(3), 0)
		c := pick(rng, HR, SpO2, RR)
		ep.param = c.String()
		for i := s; i <= e; i++ {
			v := &b.recs[i].v
			base := v[c]
			if math.IsNaN(base) {
				base = 96
			}
			switch c {
			case HR:
				v[HR] = round(sf(math.Min(base+uniform(rng, 70, 100), 245), uniform(rng, 250, 300)))
			case SpO2:
				v[SpO2] = round(sf(base-uniform(rng, 20, 30), uniform(rng, 15, 45)))
			case RR:
				v[RR] = round(sf(base+uniform(rng, 30, 45)*pickF(neo, 1.5, 1), uniform(rng, 90, 150)))
			}
		}
	case Frozen:
		cs := measured(b, ABPSys, EtCO2, HR, PR, RR, SpO2)
		c := pick(rng, cs...)
		ep.param = c.String()
		s, e = b.window(b.msgs(b.minutes(sf(5, 20), sf(15, 60))), 0)
		val := b.lastValue(c, s)
		for i := s; i <= e; i++ {
			b.recs[i].v[c] = val
		}
	case Replay:
		// A subtle replay re-sends data from about an hour earlier, when
		// the patient was likely in a similar state; a blatant one from as
		// far back as the stay allows.
		n := b.msgs(b.minutes(10, 30))
		gap := b.msgs(time.Hour)
		s, e = b.window(n, n+gap)
		n = e - s + 1
		src := max(0, s-n-gap) // the latest source at least an hour back
		if !subtle {
			src = rng.IntN(src/4 + 1) // near the start of the stay
		}
		if src+n > s { // a short stay: replay what there is
			n = s - src
			e = s + n - 1
		}
		ep.source = src
		ep.param = "all"
		shift := b.recs[s].t.Sub(b.recs[src].t)
		for i := s; i <= e; i++ {
			o := &b.recs[src+(i-s)]
			r := &b.recs[i]
			r.v = o.v
			for c := range numChannels {
				if math.IsNaN(r.v[c]) || (c >= NIBPSys && c <= NIBPMean) {
					continue
				}
				if codes[c].prec == 1 || (c == EtCO2 && m.co2KPa) {
					r.v[c] = round1(r.v[c] + float64(rng.IntN(3)-1)*0.1)
				} else {
					r.v[c] += float64(rng.IntN(3) - 1)
				}
			}
			clampSpO2(&r.v)
			r.nibpNew = o.nibpNew
			r.nibpTime = time.Time{}
			if !o.nibpTime.IsZero() {
				r.nibpTime = o.nibpTime.Add(shift)
			}
		}
	case Drift:
		var p string
		var sign float64
		p, s, e, sign = b.shiftWindow(ep, measured(b, "ABP", "etCO2", "HR", "SpO2", "RR", "Temp"))
		var mag float64
		switch p {
		case "HR":
			mag = sign * sf(uniform(rng, 12, 20), uniform(rng, 25, 40))
		case "SpO2":
			mag = -sf(uniform(rng, 3, 5), uniform(rng, 6, 12))
		case "RR":
			mag = sf(uniform(rng, 4, 7), uniform(rng, 8, 15)) * pickF(neo, 2, 1)
		case "Temp":
			mag = sf(uniform(rng, 0.5, 0.9), uniform(rng, 1.2, 2))
		case "ABP":
			mag = sign * sf(uniform(rng, 12, 20), uniform(rng, 25, 40)) * pickF(neo, 0.5, 1)
		case "etCO2":
			mag = sf(uniform(rng, 5, 8), uniform(rng, 10, 18))
		}
		n := float64(e - s + 1)
		for i := s; i <= e; i++ {
			b.shiftParam(&b.recs[i], p, mag*float64(i-s+1)/n)
		}
	case TooSmooth:
		cs := measured(b, "ABP", "etCO2", "HR", "PR", "RR", "SpO2")
		rng.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
		cs = cs[:1+rng.IntN(3)]
		slices.Sort(cs)
		ep.param = strings.Join(cs, ",")
		s, e = b.window(b.msgs(b.minutes(10, 60)), 0)
		for _, p := range cs {
			b.smooth(p, s, e, sf(0.5, 0.15))
		}
	case DupControlID:
		k := 1 + rng.IntN(3)
		age := b.msgs(time.Duration(sf(float64(b.minutes(2, 15)), float64(b.minutes(60, 180)))))
		s, e = b.window(k, age+1)
		ep.param = "MSH-10"
		for i := s; i <= e; i++ {
			j := max(0, i-age)
			b.recs[i].ctrl = b.recs[j].ctrl
			ep.dupSource = append(ep.dupSource, j)
		}
	case Step:
		cs := []string{"HR", "RR"}
		if m.hasABP {
			cs = append(cs, "ABP")
		}
		var p string
		var sign float64
		p, s, e, sign = b.shiftWindow(ep, cs)
		var mag float64
		switch p {
		case "HR":
			mag = sign * sf(uniform(rng, 18, 25), uniform(rng, 35, 50))
		case "RR":
			mag = sf(uniform(rng, 5, 8), uniform(rng, 10, 15)) * pickF(neo, 2, 1)
			if sign < 0 {
				mag = -math.Min(mag, b.recs[s].v[RR]/2) // a step down never reaches zero
			}
		case "ABP":
			mag = sign * sf(uniform(rng, 12, 20), uniform(rng, 25, 45)) * pickF(neo, 0.5, 1)
		}
		for i := s; i <= e; i++ {
			b.shiftParam(&b.recs[i], p, mag)
			if p == "HR" && subtle && !math.IsNaN(b.recs[i].v[PR]) {
				b.recs[i].v[PR] += round(mag) // a subtle step moves the pulse rate too
			}
		}
	case UnitMislabel:
		ep.param = "etCO2"
		s, e = b.window(b.msgs(b.minutes(10, 120)), 0)
		for i := s; i <= e; i++ {
			r := &b.recs[i]
			r.v[EtCO2] = round1(r.v[EtCO2] / mmHgPerKPa)
			r.kpa = true
		}
	case OutOfRange:
		type rng2 struct {
			c      Channel
			lo, hi float64
		}
		cs := []rng2{{RR, 160, 200}, {HR, 330, 400}, {SpO2, 101, 127}, {Temp, 44, 49}, {Temp, 15, 25}}
		if m.hasABP {
			cs = append(cs, rng2{ABPSys, 350, 450})
		}
		if m.hasCO2 {
			cs = append(cs, rng2{EtCO2, 150, 250})
		}
		o := pick(rng, cs...)
		ep.param = o.c.String()
		n := 1 + rng.IntN(10)
		if subtle {
			n = 1
		}
		s, e = b.window(n, 0)
		for i := s; i <= e; i++ {
			v := uniform(rng, o.lo, o.hi)
			if codes[o.c].prec == 1 {
				v = round1(v)
			} else {
				v = round(v)
			}
			if o.c == EtCO2 && m.co2KPa {
				v = round1(v / mmHgPerKPa)
			}
			b.recs[i].v[o.c] = v
		}
	case HRPRMismatch:
		ep.param = "PR"
		s, e = b.window(b.msgs(b.minutes(5, 30)), 0)
		d := pick(rng, -1.0, 1.0) * sf(uniform(rng, 30, 36), uniform(rng, 42, 50))
		for i := s; i <= e; i++ {
			r := &b.recs[i]
			if !math.IsNaN(r.v[PR]) {
				r.v[PR] = round(math.Max(25, r.v[HR]+d))
			}
		}
	case BPInconsist:
		s, e = b.bpInconsistent(ep, subtle)
	case TimeBackwards:
		n := 1 + rng.IntN(int(sf(3, 20)))
		s, e = b.window(n, 0)
		off := time.Duration(sf(uniform(rng, 5, 60), uniform(rng, 600, 6*3600)) * float64(time.Second))
		off = (off + 2*m.cadence).Round(time.Second)
		ep.param = "MSH-7"
		for i := s; i <= e; i++ {
			b.recs[i].shiftTime(-off)
		}
		ep.detail = "back by " + off.String()
	case TimeFuture:
		n := 1 + rng.IntN(30)
		s, e = b.window(n, 0)
		off := time.Duration(sf(uniform(rng, 180, 600), uniform(rng, 3600, 48*3600)) * float64(time.Second)).Round(time.Second)
		ep.param = "MSH-7"
		for i := s; i <= e; i++ {
			b.recs[i].shiftTime(off)
		}
		ep.detail = "ahead by " + off.String()
	case IdentitySwitch:
		s, e = b.window(b.msgs(b.minutes(5, 60)), 0)
		for s < e && b.recs[s].id.unidentified {
			s++
		}
		other := b.newIdentity(b.recs[s].t, true)
		other.admit = b.recs[s].t.Add(-time.Duration(uniform(rng, 24, 480) * float64(time.Hour))).Truncate(time.Minute)
		if subtle { // the same name, another record number and visit
			cur := *b.recs[s].id
			cur.mrn, cur.visit, cur.admit = other.mrn, other.visit, other.admit
			other = &cur
			ep.param = "PID-3"
		} else {
			ep.param = "PID"
		}
		for i := s; i <= e; i++ {
			b.recs[i].id = other
		}
	case NIBPCadence:
		n := 6 + rng.IntN(int(sf(5, 35)))
		s, e = b.window(n, 0)
		ep.param = "NIBP"
		sys, dia := b.nibpBase(s)
		sd := sf(3, 10)
		for i := s; i <= e; i++ {
			r := &b.recs[i]
			ns := round(sys + rng.NormFloat64()*sd)
			nd := round(math.Min(dia+rng.NormFloat64()*sd*0.6, ns-8))
			r.v[NIBPSys], r.v[NIBPDia] = ns, nd
			r.v[NIBPMean] = round(nd + (ns-nd)/3)
			r.nibpTime, r.nibpNew = r.msgTime.Add(-time.Duration(rng.IntN(int(m.cadence/time.Second))+1)*time.Second), true
		}
	}
	ep.first, ep.last = s, e
	ep.grace = 3 + b.msgs(time.Minute)
	for i := s; i <= e; i++ {
		r := &b.recs[i]
		r.kind, r.param, r.strength = m.kind, ep.param, ep.strength
	}
	return ep
}

// shiftTime moves every timestamp a record carries.
func (r *record) shiftTime(d time.Duration) {
	r.msgTime = r.msgTime.Add(d)
	if !r.nibpTime.IsZero() {
		r.nibpTime = r.nibpTime.Add(d)
	}
}

func clampSpO2(v *[numChannels]float64) {
	if v[SpO2] > 100 {
		v[SpO2] = 100
	}
}

// lastValue is channel c's value at record s, or the latest measured value
// before it.
func (b *bedSim) lastValue(c Channel, s int) float64 {
	for i := s; i >= 0; i-- {
		if v := b.recs[i].v[c]; !math.IsNaN(v) {
			return v
		}
	}
	return 60
}

// shiftParam adds d to a parameter ("ABP" moves the whole triplet),
// keeping what a display could show.
func (b *bedSim) shiftParam(r *record, p string, d float64) {
	add := func(c Channel, d float64) {
		if math.IsNaN(r.v[c]) {
			return
		}
		if codes[c].prec == 1 || (c == EtCO2 && b.m.co2KPa) {
			if c == EtCO2 {
				d /= mmHgPerKPa
			}
			r.v[c] = round1(r.v[c] + d)
			return
		}
		r.v[c] = math.Max(0, round(r.v[c]+d))
	}
	switch p {
	case "ABP":
		add(ABPSys, d)
		add(ABPDia, d*0.6)
		add(ABPMean, d*0.73)
	case "etCO2":
		add(EtCO2, d)
	default:
		c := Channel(slices.Index(channelNames[:], p))
		add(c, d)
	}
	clampSpO2(&r.v)
}

// smooth replaces parameter p over [s, e] with a forgery: the mean of the
// ten messages before s plus a moving average of white noise, scaled to the
// given share of the real signal's standard deviation over [s, e].
func (b *bedSim) smooth(p string, s, e int, share float64) {
	rng := b.rng
	chans := map[string][]Channel{"ABP": {ABPSys, ABPDia, ABPMean}, "etCO2": {EtCO2}}[p]
	if chans == nil {
		chans = []Channel{Channel(slices.Index(channelNames[:], p))}
	}
	bases := make([]float64, len(chans))
	amps := make([]float64, len(chans))
	for k, c := range chans {
		var n int
		for i := max(0, s-10); i < s; i++ {
			if v := b.recs[i].v[c]; !math.IsNaN(v) {
				bases[k] += v
				n++
			}
		}
		if n == 0 {
			bases[k], n = b.lastValue(c, s), 1
		}
		bases[k] /= float64(n)
		amps[k] = share * sd(b.recs[s:e+1], c)
	}
	// A moving average of w unit normals, scaled to unit deviation.
	const w = 8
	var ring [w]float64
	var sum float64
	for k := range w {
		ring[k] = rng.NormFloat64()
		sum += ring[k]
	}
	for i := s; i <= e; i++ {
		x := rng.NormFloat64()
		sum += x - ring[i%w]
		ring[i%w] = x
		ma := sum / math.Sqrt(w)
		r := &b.recs[i]
		for k, c := range chans {
			if math.IsNaN(r.v[c]) {
				continue
			}
			if codes[c].prec == 1 || (c == EtCO2 && b.m.co2KPa) {
				r.v[c] = round1(bases[k] + ma*amps[k])
			} else {
				r.v[c] = round(bases[k] + ma*amps[k])
			}
		}
		clampSpO2(&r.v)
	}
}

// sd is the standard deviation of channel c over rs, ignoring NaN.
func sd(rs []record, c Channel) float64 {
	var s, s2, n float64
	for _, r := range rs {
		if v := r.v[c]; !math.IsNaN(v) {
			s += v
			s2 += v * v
			n++
		}
	}
	if n < 2 {
		return 0
	}
	return math.Sqrt(math.Max(0, s2/n-(s/n)*(s/n)))
}

// bpInconsistent makes one blood-pressure triplet inconsistent: for ABP a
// few messages, for NIBP one cuff reading for as long as it is shown.
func (b *bedSim) bpInconsistent(ep *episode, subtle bool) (int, int) {
	rng := b.rng
	spoil := func(v *[numChannels]float64, sys, dia, mean Channel, how int, d float64) {
		switch how {
		case 0: // systolic below diastolic
			v[sys] = v[dia] - round(d)
		case 1: // mean above systolic
			v[mean] = v[sys] + round(d)
		default: // mean below diastolic
			v[mean] = math.Max(0, v[dia]-round(d))
		}
	}
	how := rng.IntN(3)
	d := uniform(rng, 10, 30)
	if subtle {
		how = 1 + rng.IntN(2)
		d = uniform(rng, 2, 5)
	}
	if b.m.hasABP && rng.Float64() < 0.5 {
		ep.param = "ABP"
		s, e := b.window(3+rng.IntN(18), 0)
		for i := s; i <= e; i++ {
			if !math.IsNaN(b.recs[i].v[ABPSys]) {
				spoil(&b.recs[i].v, ABPSys, ABPDia, ABPMean, how, d)
			}
		}
		return s, e
	}
	ep.param = "NIBP"
	s, _ := b.window(1, 0)
	for s < len(b.recs)-1 && !b.recs[s].nibpNew {
		s++
	}
	stamp := b.recs[s].nibpTime
	e := s
	for b.m.nibpMode != "once" && e+1 < len(b.recs) && b.recs[e+1].nibpTime.Equal(stamp) && !b.recs[e+1].nibpNew {
		e++ // the reading is shown again until the next one
	}
	for i := s; i <= e; i++ {
		spoil(&b.recs[i].v, NIBPSys, NIBPDia, NIBPMean, how, d)
	}
	return s, e
}

// nibpBase is the cuff reading shown at or before s, else the next one.
func (b *bedSim) nibpBase(s int) (float64, float64) {
	for i := s; i >= 0; i-- {
		if r := b.recs[i]; !math.IsNaN(r.v[NIBPSys]) {
			return r.v[NIBPSys], r.v[NIBPDia]
		}
	}
	for i := s; i < len(b.recs); i++ {
		if r := b.recs[i]; !math.IsNaN(r.v[NIBPSys]) {
			return r.v[NIBPSys], r.v[NIBPDia]
		}
	}
	return 110, 65
}
