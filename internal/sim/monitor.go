package sim

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// Options configure a Monitor. Zero values take the documented defaults.
type Options struct {
	ID           int           // monitor number: device name, bed and EUI-64 derive from it
	Seed         uint64        // same options and seed, same stream
	Start        time.Time     // arrival time of the first message (default 2026-01-05T00:00:00Z)
	Interval     time.Duration // between messages (default 10 s)
	Size         int           // pad each message with extra metric rows to at least this many bytes (0: none, about 2 KB)
	Profile      string        // "adult" (default) or "neonatal"
	NIBPInterval time.Duration // cuff cycle (default 5, 10 or 15 min at random)
	Manipulation Kind          // injected manipulation; None for a clean stream
	ManipulateAt int           // first manipulated message (default: 35 to 45 minutes in)
}

// Label says what a message is: its number, whether it is manipulated, and
// the range of messages the monitor's manipulation affects.
type Label struct {
	Index       int  // message number from 0; a re-send repeats the number of the message it repeats
	Kind        Kind // the monitor's manipulation, None for a clean monitor
	First, Last int  // messages the manipulation affects (inclusive); -1 when Kind is None
	Active      bool // this message is manipulated
	Resend      bool // identical re-send of the previous message, as after a lost ACK
}

// Monitor simulates one bedside monitor sending IHE PCD-01 ORU^R01
// numerics. It is not safe for concurrent use.
type Monitor struct {
	o     Options
	r     *rand.Rand
	p     *patient
	n     int       // next message number
	next  time.Time // arrival of the next message
	clock time.Duration

	app, eui, mrn, pname string
	shown                vals // last displayed, for the oximeter's freeze

	nibpS, nibpD, nibpM float64
	nibpAt, nibpNext    time.Time

	prev   []byte
	prevAt time.Time
	resend bool

	first, last int
	man         manState
}

// manState is what a manipulation remembers between messages.
type manState struct {
	delta, target float64
	which         int
	frozen        *frame
	hist          []vals   // replay_window: values of past messages (ring)
	msgs          [][]byte // replay_message: past messages (ring)
	lookback      int
}

// frame is one message before it is written.
type frame struct {
	v                   vals
	nibpS, nibpD, nibpM float64
	nibpAt              time.Time
	msgTime             time.Time
	seq                 int
	app, eui, mrn       string
	tempUnit            int // 0 Cel, 1 [degF], 2 °F value labelled Cel
}

// NewMonitor returns a monitor for o.
func NewMonitor(o Options) *Monitor {
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	}
	if o.Interval <= 0 {
		o.Interval = 10 * time.Second
	}
	r := rand.New(rand.NewPCG(o.Seed, uint64(o.ID)))
	m := &Monitor{o: o, r: r, next: o.Start, first: -1, last: -1}
	m.p = newPatient(r, o.Profile == "neonatal")
	if o.NIBPInterval <= 0 {
		o.NIBPInterval = time.Duration(5+5*r.IntN(3)) * time.Minute
		m.o.NIBPInterval = o.NIBPInterval
	}
	m.clock = time.Duration(r.IntN(10000)-5000) * time.Millisecond
	if r.Float64() < 0.1 {
		m.clock += time.Hour * time.Duration(1-2*r.IntN(2)) // time zone misconfigured: a constant hour
	}
	m.app = "SIMMON" + strconv.Itoa(o.ID)
	m.eui = euiFor(uint64(o.ID))
	m.mrn, m.pname = patientFor(r)
	m.nibpNext = o.Start.Add(time.Duration(r.Int64N(int64(o.NIBPInterval))))
	if o.Manipulation != None {
		sec := o.Interval.Seconds()
		span, needsART := o.Manipulation.span(sec)
		if needsART {
			m.p.hasART = true
		}
		if o.Manipulation == NIBPIBP {
			m.o.NIBPInterval = 5 * time.Minute
		}
		m.first = o.ManipulateAt
		if m.first <= 0 {
			m.first = int((35*60 + r.Float64()*600) / sec)
		}
		m.last = m.first + span - 1
		m.man.lookback = max(span, int(10*60/sec)) // replays reach 10 minutes back
		switch o.Manipulation {
		case ReplayWindow:
			m.man.hist = make([]vals, m.man.lookback)
		case ReplayMessage:
			m.man.msgs = make([][]byte, m.man.lookback)
		}
	}
	// One minute of physiology before the first message fills the pulse-rate lag.
	for range 60 {
		m.p.advance(r, m.hours(o.Start))
	}
	return m
}

func euiFor(id uint64) string {
	return strconv.FormatUint(0x0012340000000000|(id&0xffffffffff), 16)
}

var familyNames = [...]string{"SMITH", "GARCIA", "MULLER", "ROSSI", "NOVAK", "SILVA", "KOWALSKI", "JANSEN"}

func patientFor(r *rand.Rand) (mrn, name string) {
	return "MRN" + strconv.Itoa(100000+r.IntN(900000)), familyNames[r.IntN(len(familyNames))] + "^SIM"
}

func (m *Monitor) hours(t time.Time) float64 {
	return float64(t.Hour()) + float64(t.Minute())/60
}

// Next appends the next message to dst and returns it, its arrival time at
// the gateway and its label.
func (m *Monitor) Next(dst []byte) (msg []byte, at time.Time, label Label) {
	label = Label{Kind: m.o.Manipulation, First: m.first, Last: m.last}
	if m.resend {
		m.resend = false
		label.Index, label.Resend = m.n-1, true
		label.Active = label.Index >= m.first && label.Index <= m.last && m.first >= 0
		m.prevAt = m.prevAt.Add(time.Duration((0.2 + 0.6*m.r.Float64()) * float64(m.o.Interval))) // before the next message is due
		return append(dst, m.prev...), m.prevAt, label
	}
	at = m.next.Add(time.Duration(m.r.IntN(200)) * time.Millisecond)
	label.Index = m.n
	label.Active = m.first >= 0 && m.n >= m.first && m.n <= m.last
	for range int(m.o.Interval / time.Second) {
		m.p.advance(m.r, m.hours(m.next))
	}
	if m.r.Float64() < 0.2/3600*m.o.Interval.Seconds() {
		m.clock -= time.Duration(1+m.r.IntN(3)) * time.Second // NTP steps the clock back a little
	}
	f := frame{seq: m.n, app: m.app, eui: m.eui, mrn: m.mrn, msgTime: at.Add(m.clock).Truncate(time.Second)}
	f.v = m.p.measure(m.r, &m.shown)
	if !f.v.probeOff {
		m.shown = f.v
	}
	if !at.Before(m.nibpNext) {
		m.nibpS, m.nibpD, m.nibpM = m.p.cuff(m.r)
		m.nibpAt = f.msgTime.Add(-time.Duration(15+m.r.IntN(30)) * time.Second)
		m.nibpNext = m.nibpNext.Add(m.o.NIBPInterval)
	}
	f.nibpS, f.nibpD, f.nibpM, f.nibpAt = m.nibpS, m.nibpD, m.nibpM, m.nibpAt
	start := len(dst)
	if label.Active {
		dst = m.manipulate(dst, &f, label.Index-m.first)
	}
	if len(dst) == start { // not replaced by a manipulation
		dst = m.write(dst, &f)
	}
	if m.man.hist != nil {
		m.man.hist[m.n%len(m.man.hist)] = f.v
	}
	if m.man.msgs != nil {
		m.man.msgs[m.n%len(m.man.msgs)] = append(m.man.msgs[m.n%len(m.man.msgs)][:0], dst[start:]...)
	}
	m.prev = append(m.prev[:0], dst[start:]...)
	m.prevAt = at
	m.resend = m.r.Float64() < 1.0/300
	m.n++
	m.next = m.next.Add(m.o.Interval)
	return dst[start:], at, label
}

// manipulate changes f for the k-th manipulated message, or appends a
// complete replacement message to dst.
func (m *Monitor) manipulate(dst []byte, f *frame, k int) []byte {
	ms := &m.man
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*m.r.Float64() }
	sign := func() float64 { return float64(1 - 2*m.r.IntN(2)) }
	v := &f.v
	switch m.o.Manipulation {
	case Range:
		if k == 0 {
			ms.which = m.r.IntN(4)
		}
		switch ms.which {
		case 0:
			v.spo2 = float64(101 + m.r.IntN(5))
		case 1:
			v.hr = float64(360 + m.r.IntN(90))
		case 2:
			v.rr = float64(210 + m.r.IntN(40))
		default:
			v.temp = math.Round(u(46, 48)*10) / 10
		}
	case HRStep:
		if k == 0 {
			ms.delta = sign() * u(45, 80)
			if m.r.Float64() < 0.25 || v.hr+ms.delta < 0 {
				ms.delta = -1000 // the flat line: 80 → 0
			}
		}
		v.hr = max(0, v.hr+ms.delta)
	case SpO2Step:
		if k == 0 {
			ms.delta = math.Round(u(12, 25))
		}
		v.spo2 = max(50, v.spo2-ms.delta)
	case HRPRDrift:
		if k == 0 {
			ms.target = -u(35, 60)
			if m.r.IntN(2) == 0 {
				ms.target = u(60, 80)
			}
		}
		ramp := min(1, float64(k)*m.o.Interval.Seconds()/300)
		v.hr = max(0, math.Round(v.hr+ramp*ms.target))
	case BPOrder:
		v.artS, v.artD = v.artD, v.artS
		f.nibpS, f.nibpD = f.nibpD, f.nibpS
	case MAPFormula:
		if k == 0 {
			ms.delta = sign() * math.Round(u(30, 45))
		}
		v.artM += ms.delta
	case PulsePressure:
		v.artD = v.artS - math.Round(u(3, 8))
		v.artM = math.Round((v.artS + v.artD) / 2)
	case NIBPIBP:
		if k == 0 {
			ms.delta = sign() * math.Round(u(35, 50))
		}
		v.artS, v.artD, v.artM = v.artS+ms.delta, v.artD+ms.delta, v.artM+ms.delta
	case NIBPCadence:
		f.nibpS, f.nibpD, f.nibpM = m.p.cuff(m.r)
		f.nibpAt = f.msgTime.Add(-time.Second)
	case Frozen:
		if k == 0 {
			c := *f
			ms.frozen = &c
		}
		v.hr, v.pr, v.spo2, v.rr, v.co2 = ms.frozen.v.hr, ms.frozen.v.pr, ms.frozen.v.spo2, ms.frozen.v.rr, ms.frozen.v.co2
		v.artS, v.artD, v.artM, v.temp = ms.frozen.v.artS, ms.frozen.v.artD, ms.frozen.v.artM, ms.frozen.v.temp
	case TooRegular:
		if k == 0 {
			ms.target, ms.which = v.hr, m.r.IntN(2)
		}
		t := float64(k) * m.o.Interval.Seconds()
		v.hr = math.Round(ms.target + 8*math.Sin(2*math.Pi*t/180))
		v.pr = v.hr // a generator that copies one rate into the other
		if ms.which == 1 {
			v.pr = math.Round(ms.target - 2 + 8*math.Sin(2*math.Pi*(t-5)/180)) // or computes both smoothly
		}
		v.spo2 = 97 + math.Round(math.Sin(2*math.Pi*t/300))
	case ReplayWindow:
		src := ms.hist[(m.n-ms.lookback+len(ms.hist))%len(ms.hist)]
		*v = src
	case ReplayMessage:
		if old := ms.msgs[(m.n-ms.lookback+len(ms.msgs))%len(ms.msgs)]; len(old) > 0 {
			return append(dst, old...)
		}
	case ControlIDReuse:
		f.seq = m.n - min(ms.lookback/2, 100) // an ID from up to 100 messages ago
	case TimeFuture:
		if k == 0 {
			ms.delta = u(10, 60)
		}
		f.msgTime = f.msgTime.Add(time.Duration(ms.delta) * time.Minute)
	case TimeBackwards:
		if k == 0 {
			ms.delta = u(60, 180)
		}
		f.msgTime = f.msgTime.Add(-time.Duration(ms.delta) * time.Minute)
	case IdentityPatient:
		if k == 0 {
			m.mrn, m.pname = patientFor(m.r)
			f.mrn = m.mrn
		}
	case IdentityEquipment:
		if k == 0 {
			m.eui = euiFor(uint64(m.o.ID) + 1<<39)
			f.eui = m.eui
		}
	case IdentityApplication:
		if k == 0 {
			m.app = "EMULATOR" + strconv.Itoa(m.o.ID)
			f.app = m.app
		}
	case UnitChange:
		f.tempUnit = 1
	case UnitMislabel:
		f.tempUnit = 2
	}
	if m.o.Manipulation == UnitChange && k > 0 {
		f.tempUnit = 1
	}
	return dst
}

// write appends f as an IHE PCD-01 ORU^R01.
func (m *Monitor) write(dst []byte, f *frame) []byte {
	ctrl := func(dst []byte) []byte {
		dst = append(dst, f.app...)
		dst = append(dst, '-')
		return strconv.AppendInt(dst, int64(f.seq), 10)
	}
	dst = append(dst, "MSH|^~\\&|"...)
	dst = append(dst, f.app...)
	dst = append(dst, '^')
	dst = append(dst, f.eui...)
	dst = append(dst, "^EUI-64|ICU|HL7GATE|HOSPITAL|"...)
	dst = hl7.AppendTime(dst, f.msgTime)
	dst = append(dst, "||ORU^R01^ORU_R01|"...)
	dst = ctrl(dst)
	dst = append(dst, "|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO\r"...)
	dst = append(dst, "PID|||"...)
	dst = append(dst, f.mrn...)
	dst = append(dst, "^^^HOSPITAL^MR||"...)
	dst = append(dst, m.pname...)
	dst = append(dst, "\rPV1||I|ICU^^BED"...)
	dst = strconv.AppendInt(dst, int64(m.o.ID), 10)
	dst = append(dst, "\rOBR|1|"...)
	dst = ctrl(dst)
	dst = append(dst, '^')
	dst = append(dst, f.app...)
	dst = append(dst, '|')
	dst = ctrl(dst)
	dst = append(dst, '^')
	dst = append(dst, f.app...)
	dst = append(dst, "|182777000^monitoring of patient^SCT|||"...)
	dst = hl7.AppendTime(dst, f.msgTime)
	dst = append(dst, '\r')

	w := obxWriter{dst: dst, eui: f.eui}
	w.device("69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC", "1.0.0.0")
	w.device("69798^MDC_DEV_ECG_VMD^MDC", "1.1.0.0")
	w.metric("147842^MDC_ECG_HEART_RATE^MDC", "1.1.1.1", f.v.hr, 0, "264864^MDC_DIM_BEAT_PER_MIN^MDC", time.Time{})
	w.metric("151562^MDC_RESP_RATE^MDC", "1.1.1.2", f.v.rr, 0, "264928^MDC_DIM_RESP_PER_MIN^MDC", time.Time{})
	w.device("69642^MDC_DEV_ANALY_SAT_O2_VMD^MDC", "1.2.0.0")
	w.metric("150456^MDC_PULS_OXIM_SAT_O2^MDC", "1.2.1.1", f.v.spo2, 0, "262688^MDC_DIM_PERCENT^MDC", time.Time{})
	w.metric("149530^MDC_PULS_OXIM_PULS_RATE^MDC", "1.2.1.2", f.v.pr, 0, "264864^MDC_DIM_BEAT_PER_MIN^MDC", time.Time{})
	if !f.nibpAt.IsZero() {
		w.metric("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "1.3.1.1", f.nibpS, 0, "266016^MDC_DIM_MMHG^MDC", f.nibpAt)
		w.metric("150022^MDC_PRESS_BLD_NONINV_DIA^MDC", "1.3.1.2", f.nibpD, 0, "266016^MDC_DIM_MMHG^MDC", f.nibpAt)
		w.metric("150023^MDC_PRESS_BLD_NONINV_MEAN^MDC", "1.3.1.3", f.nibpM, 0, "266016^MDC_DIM_MMHG^MDC", f.nibpAt)
	}
	if !math.IsNaN(f.v.artM) {
		w.metric("150033^MDC_PRESS_BLD_ART_SYS^MDC", "1.4.1.1", f.v.artS, 0, "266016^MDC_DIM_MMHG^MDC", time.Time{})
		w.metric("150034^MDC_PRESS_BLD_ART_DIA^MDC", "1.4.1.2", f.v.artD, 0, "266016^MDC_DIM_MMHG^MDC", time.Time{})
		w.metric("150035^MDC_PRESS_BLD_ART_MEAN^MDC", "1.4.1.3", f.v.artM, 0, "266016^MDC_DIM_MMHG^MDC", time.Time{})
	}
	switch f.tempUnit {
	case 1:
		w.metric("150344^MDC_TEMP^MDC", "1.5.1.1", f.v.temp*9/5+32, 1, "266560^MDC_DIM_FAHR^MDC", time.Time{})
	case 2:
		w.metric("150344^MDC_TEMP^MDC", "1.5.1.1", f.v.temp*9/5+32, 1, "268192^MDC_DIM_DEGC^MDC", time.Time{})
	default:
		w.metric("150344^MDC_TEMP^MDC", "1.5.1.1", f.v.temp, 1, "268192^MDC_DIM_DEGC^MDC", time.Time{})
	}
	if !math.IsNaN(f.v.co2) {
		w.metric("151708^MDC_AWAY_CO2_ET^MDC", "1.6.1.1", f.v.co2, 0, "266016^MDC_DIM_MMHG^MDC", time.Time{})
	}
	// Padding: ST-segment levels, which the checks do not use.
	for lead := 0; len(w.dst) < m.o.Size; lead++ {
		w.metric("1318"+strconv.Itoa(41+lead%60)+"^MDC_ECG_AMPL_ST^MDC", "1.1.2."+strconv.Itoa(lead+1),
			math.Round(m.r.NormFloat64()*10)/100, 2, "266418^MDC_DIM_MILLI_M^MDC", time.Time{})
	}
	return w.dst
}

// obxWriter appends OBX rows, numbering them.
type obxWriter struct {
	dst []byte
	n   int
	eui string
}

func (w *obxWriter) head() {
	w.n++
	w.dst = append(w.dst, "OBX|"...)
	w.dst = strconv.AppendInt(w.dst, int64(w.n), 10)
}

func (w *obxWriter) equipment() {
	w.dst = append(w.dst, w.eui...)
	w.dst = append(w.dst, "^^"...)
	w.dst = append(w.dst, w.eui...)
	w.dst = append(w.dst, "^EUI-64\r"...)
}

// device writes a device-hierarchy row (OBX-11 X).
func (w *obxWriter) device(code, sub string) {
	w.head()
	w.dst = append(w.dst, "||"...)
	w.dst = append(w.dst, code...)
	w.dst = append(w.dst, '|')
	w.dst = append(w.dst, sub...)
	w.dst = append(w.dst, "|||||||X|||||||"...)
	w.equipment()
}

// metric writes a numeric row; NaN writes the row of an unavailable value
// (empty OBX-5, OBX-11 X).
func (w *obxWriter) metric(code, sub string, v float64, decimals int, unit string, obs time.Time) {
	w.head()
	w.dst = append(w.dst, "|NM|"...)
	w.dst = append(w.dst, code...)
	w.dst = append(w.dst, '|')
	w.dst = append(w.dst, sub...)
	w.dst = append(w.dst, '|')
	status := "R"
	if math.IsNaN(v) {
		status = "X"
	} else {
		w.dst = strconv.AppendFloat(w.dst, v, 'f', decimals, 64)
	}
	w.dst = append(w.dst, '|')
	w.dst = append(w.dst, unit...)
	w.dst = append(w.dst, "|||||"...)
	w.dst = append(w.dst, status...)
	w.dst = append(w.dst, "|||"...)
	if !obs.IsZero() {
		w.dst = hl7.AppendTime(w.dst, obs)
	}
	w.dst = append(w.dst, "|||AMEAS^auto-measurement^MDC|"...)
	w.equipment()
}
