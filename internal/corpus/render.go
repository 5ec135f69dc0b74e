package corpus

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// layout is how one vendor formats its PCD-01 messages.
type layout struct {
	name    string
	app     string   // MSH-3 first component
	codes   string   // OBX-3: "mdc", "mindray" (cuff NIBP codes, OBX-4 ends with the code) or "nist" (LOINC first, MDC second)
	units   string   // OBX-6: "mdc", "mdc+ucum", "ucum" or "vendor" (bpm, %, rpm, mmHg, cel/degF)
	status  string   // OBX-11 of metric rows
	tz      string   // UTC offset written in timestamps; "" for none (UTC wall clock)
	frac    bool     // timestamps carry milliseconds
	nibp    string   // "repeat" (last reading with its own time), "restamp" (with each message's time), "once"
	holders []string // "not measured" placeholders one of which a device of this layout uses
	ctrl    string   // MSH-10: "counter", "prefix" (MSG000123) or "stamp" (time and counter)
	degF    bool     // temperature in °F
	kpaOK   bool     // some devices of this layout send etCO2 in kPa, labelled kPa
	limits  bool     // OBX-7 alarm limits
	obx14   bool     // OBX-14 on continuous rows
}

var layouts = []*layout{
	{name: "mindray", app: "MINDRAY_BS", codes: "mindray", units: "mdc", status: "", tz: "", nibp: "repeat",
		holders: []string{"-100", "omit", "empty"}, ctrl: "counter", limits: true},
	{name: "philips-ib", app: "PHILIPS_IB", codes: "mdc", units: "vendor", status: "X", tz: "+0000", nibp: "once",
		holders: []string{"-32767", "empty", "-1"}, ctrl: "prefix", obx14: true},
	{name: "nist", app: "NIST_DEC", codes: "nist", units: "ucum", status: "F", tz: "-0500", frac: true, nibp: "repeat",
		holders: []string{"omit", "-999", "-9999"}, ctrl: "stamp", kpaOK: true},
	{name: "ihe-pcd01", app: "IHE_PCD_MON", codes: "mdc", units: "mdc+ucum", status: "R", tz: "+0100", nibp: "repeat",
		holders: []string{"empty", "-1000", "omit"}, ctrl: "counter", kpaOK: true, obx14: true, limits: true},
	{name: "us-vendor", app: "ACME_VS", codes: "mdc", units: "vendor", status: "F", tz: "", nibp: "restamp",
		holders: []string{"-999", "-99.9", "-1"}, ctrl: "prefix", degF: true},
	gatewayLayout, // last: only for gateway beds
}

var gatewayLayout = &layout{name: "gateway", app: "GW", codes: "mdc", units: "mdc+ucum", status: "R", tz: "+0000",
	nibp: "repeat", holders: []string{"-9999", "-100", "empty"}, ctrl: "counter", obx14: true}

// code is how a channel is identified and measured.
type code struct {
	mdc, ref      string // MDC numeric code and reference ID
	cuff, cuffRef string // Mindray's cuff NIBP codes
	loinc, lnName string
	vmd, ch, metr int // OBX-4 hierarchy
	unit, unitRef string
	ucum, vendor  string
	lo, hi        int // alarm limits (adult)
	neoLo, neoHi  int
	prec          int // decimals
}

var codes = [numChannels]code{
	HR: {mdc: "147842", ref: "MDC_ECG_HEART_RATE", loinc: "8867-4", lnName: "Heart rate", vmd: 1, ch: 1, metr: 1,
		unit: "264864", unitRef: "MDC_DIM_BEAT_PER_MIN", ucum: "/min", vendor: "bpm", lo: 50, hi: 120, neoLo: 100, neoHi: 200},
	PR: {mdc: "149530", ref: "MDC_PULS_OXIM_PULS_RATE", loinc: "8889-8", lnName: "Heart rate by Pulse oximetry", vmd: 2, ch: 1, metr: 2,
		unit: "264864", unitRef: "MDC_DIM_BEAT_PER_MIN", ucum: "/min", vendor: "bpm", lo: 50, hi: 120, neoLo: 100, neoHi: 200},
	SpO2: {mdc: "150456", ref: "MDC_PULS_OXIM_SAT_O2", loinc: "59408-5", lnName: "Oxygen saturation by Pulse oximetry", vmd: 2, ch: 1, metr: 1,
		unit: "262688", unitRef: "MDC_DIM_PERCENT", ucum: "%", vendor: "%", lo: 90, hi: 100, neoLo: 85, neoHi: 98},
	RR: {mdc: "151562", ref: "MDC_RESP_RATE", loinc: "9279-1", lnName: "Respiratory rate", vmd: 3, ch: 1, metr: 1,
		unit: "264928", unitRef: "MDC_DIM_RESP_PER_MIN", ucum: "/min", vendor: "rpm", lo: 8, hi: 30, neoLo: 20, neoHi: 80},
	NIBPSys: {mdc: "150021", ref: "MDC_PRESS_BLD_NONINV_SYS", cuff: "150301", cuffRef: "MDC_PRESS_CUFF_SYS", loinc: "8480-6", lnName: "Systolic blood pressure",
		vmd: 4, ch: 1, metr: 1, unit: "266016", unitRef: "MDC_DIM_MMHG", ucum: "mm[Hg]", vendor: "mmHg", lo: 90, hi: 160, neoLo: 40, neoHi: 90},
	NIBPDia: {mdc: "150022", ref: "MDC_PRESS_BLD_NONINV_DIA", cuff: "150302", cuffRef: "MDC_PRESS_CUFF_DIA", loinc: "8462-4", lnName: "Diastolic blood pressure",
		vmd: 4, ch: 1, metr: 2, unit: "266016", unitRef: "MDC_DIM_MMHG", ucum: "mm[Hg]", vendor: "mmHg", lo: 50, hi: 90, neoLo: 20, neoHi: 60},
	NIBPMean: {mdc: "150023", ref: "MDC_PRESS_BLD_NONINV_MEAN", cuff: "150303", cuffRef: "MDC_PRESS_CUFF_MEAN", loinc: "8478-0", lnName: "Mean blood pressure",
		vmd: 4, ch: 1, metr: 3, unit: "266016", unitRef: "MDC_DIM_MMHG", ucum: "mm[Hg]", vendor: "mmHg", lo: 65, hi: 110, neoLo: 30, neoHi: 70},
	ABPSys: {mdc: "150033", ref: "MDC_PRESS_BLD_ART_SYS", loinc: "76215-3", lnName: "Invasive Systolic blood pressure", vmd: 5, ch: 1, metr: 1,
		unit: "266016", unitRef: "MDC_DIM_MMHG", ucum: "mm[Hg]", vendor: "mmHg", lo: 90, hi: 160, neoLo: 40, neoHi: 90},
	ABPDia: {mdc: "150034", ref: "MDC_PRESS_BLD_ART_DIA", loinc: "76213-8", lnName: "Invasive Diastolic blood pressure", vmd: 5, ch: 1, metr: 2,
		unit: "266016", unitRef: "MDC_DIM_MMHG", ucum: "mm[Hg]", vendor: "mmHg", lo: 50, hi: 90, neoLo: 20, neoHi: 60},
	ABPMean: {mdc: "150035", ref: "MDC_PRESS_BLD_ART_MEAN", loinc: "76214-6", lnName: "Invasive Mean blood pressure", vmd: 5, ch: 1, metr: 3,
		unit: "266016", unitRef: "MDC_DIM_MMHG", ucum: "mm[Hg]", vendor: "mmHg", lo: 65, hi: 110, neoLo: 30, neoHi: 70},
	Temp: {mdc: "150344", ref: "MDC_TEMP", loinc: "8310-5", lnName: "Body temperature", vmd: 6, ch: 1, metr: 1,
		unit: "268192", unitRef: "MDC_DIM_DEGC", ucum: "Cel", vendor: "cel", lo: 36, hi: 39, neoLo: 36, neoHi: 38, prec: 1},
	EtCO2: {mdc: "151708", ref: "MDC_AWAY_CO2_ET", loinc: "19889-5", lnName: "Carbon dioxide/Gas.total.at end expiration in Exhaled gas", vmd: 7, ch: 1, metr: 1,
		unit: "266016", unitRef: "MDC_DIM_MMHG", ucum: "mm[Hg]", vendor: "mmHg", lo: 25, hi: 50, neoLo: 25, neoHi: 55},
}

// kPa unit of etCO2 where a device sends kPa (IEEE 11073-10101 MDC_DIM_KILO_PASCAL).
const kpaUnit, kpaRef = "265987", "MDC_DIM_KILO_PASCAL"

// appendTS writes an HL7 timestamp in the layout's style.
func (l *layout) appendTS(b []byte, t time.Time) []byte {
	switch l.tz {
	case "":
		t = t.UTC()
	case "+0000":
		t = t.UTC()
	case "+0100":
		t = t.In(time.FixedZone("", 3600))
	case "-0500":
		t = t.In(time.FixedZone("", -5*3600))
	}
	b = t.AppendFormat(b, "20060102150405")
	if l.frac {
		b = t.AppendFormat(b, ".000")
	}
	if l.tz != "" {
		b = append(b, l.tz...)
	}
	return b
}

func (l *layout) appendCtrl(b []byte, r *record) []byte {
	switch l.ctrl {
	case "prefix":
		return fmt.Appendf(b, "MSG%09d", r.ctrl)
	case "stamp":
		// The device's boot time and its message counter: unique and increasing.
		return fmt.Appendf(b, "20260101%010d", r.ctrl)
	}
	return strconv.AppendInt(b, int64(r.ctrl), 10)
}

// render appends one message: segments ended by CR, then LF.
func render(b []byte, m *monPlan, r *record) []byte {
	l := m.lay
	b = append(b, `MSH|^~\&|`...)
	b = fmt.Appendf(b, "%s^%s^EUI-64|%s|CENTRAL|HOSP|", m.app, m.eui, m.unit)
	b = l.appendTS(b, r.msgTime)
	b = append(b, "||ORU^R01^ORU_R01|"...)
	b = l.appendCtrl(b, r)
	b = append(b, "|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO\r"...)
	id := r.id
	if id.unidentified {
		b = fmt.Appendf(b, "PID|||%s^^^HOSP^TMP||^^^^^^U|||U\r", id.mrn)
	} else {
		b = fmt.Appendf(b, "PID|||%s^^^HOSP^MR||%s^%s^^^^^L||%s|%s\r", id.mrn, id.family, id.given, id.dob, id.sex)
	}
	// PV1-2 class, PV1-3 bed, PV1-19 visit number, PV1-44 admission time.
	b = fmt.Appendf(b, "PV1||I|%s^BED%02d^1||||||||||||||||%s|||||||||||||||||||||||||", m.unit, (m.n-1)%40+1, id.visit)
	b = l.appendTS(b, id.admit)
	b = append(b, '\r')
	b = append(b, "OBR|1|"...)
	b = l.appendCtrl(b, r)
	b = fmt.Appendf(b, "^%s|", m.app)
	b = l.appendCtrl(b, r)
	b = fmt.Appendf(b, "^%s|182777000^monitoring of patient^SCT|||", m.app)
	b = l.appendTS(b, r.msgTime)
	b = append(b, '\r')
	b = fmt.Appendf(b, "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||%s^EUI-64\r", m.eui)
	set := 2
	for c := range numChannels {
		if !m.reports(c) {
			continue
		}
		v := r.v[c]
		stamp := r.msgTime
		if c >= NIBPSys && c <= NIBPMean {
			if l.nibp == "once" && !r.nibpNew {
				continue
			}
			if !r.nibpTime.IsZero() && l.nibp != "restamp" {
				stamp = r.nibpTime
			}
		}
		val, ok := m.format(c, v, r.kpa)
		if !ok {
			continue // this device omits a row it cannot measure
		}
		b = m.appendOBX(b, set, c, val, stamp, r.kpa)
		set++
	}
	b = append(b, '\n')
	return b
}

// reports tells whether the bed's device has channel c at all.
func (m *monPlan) reports(c Channel) bool {
	switch c {
	case ABPSys, ABPDia, ABPMean:
		return m.hasABP
	case EtCO2:
		return m.hasCO2
	}
	return true
}

// format renders a value, or the device's "not measured" placeholder for
// NaN; ok is false when the device omits the row instead.
func (m *monPlan) format(c Channel, v float64, kpa bool) (string, bool) {
	if math.IsNaN(v) {
		switch m.holder {
		case "omit":
			return "", false
		case "empty":
			return "", true
		}
		return m.holder, true
	}
	prec := codes[c].prec
	if c == EtCO2 && (kpa || m.co2KPa) {
		prec = 1
	}
	if c == Temp && m.lay.degF {
		v = v*9/5 + 32
	}
	return strconv.FormatFloat(v, 'f', prec, 64), true
}

func (m *monPlan) appendOBX(b []byte, set int, c Channel, val string, stamp time.Time, kpa bool) []byte {
	l, k := m.lay, &codes[c]
	b = fmt.Appendf(b, "OBX|%d|NM|", set)
	switch l.codes {
	case "nist":
		b = fmt.Appendf(b, "%s^%s^LN^%s^%s^MDC|1.%d.%d.%d|", k.loinc, k.lnName, k.mdc, k.ref, k.vmd, k.ch, k.metr)
	case "mindray":
		mdc, ref := k.mdc, k.ref
		if k.cuff != "" {
			mdc, ref = k.cuff, k.cuffRef
		}
		b = fmt.Appendf(b, "%s^%s^MDC|1.%d.%d.%s|", mdc, ref, k.vmd, k.ch, mdc)
	default:
		b = fmt.Appendf(b, "%s^%s^MDC|1.%d.%d.%d|", k.mdc, k.ref, k.vmd, k.ch, k.metr)
	}
	b = append(b, val...)
	b = append(b, '|')
	unit, unitRef, ucum, vendor := k.unit, k.unitRef, k.ucum, k.vendor
	if c == EtCO2 && m.co2KPa { // a device set to kPa says so; a mislabelled value (kpa) does not
		unit, unitRef, ucum, vendor = kpaUnit, kpaRef, "kPa", "kPa"
	}
	if c == Temp && l.degF {
		ucum, vendor = "[degF]", "degF"
	}
	switch l.units {
	case "mdc":
		b = fmt.Appendf(b, "%s^%s^MDC", unit, unitRef)
	case "mdc+ucum":
		b = fmt.Appendf(b, "%s^%s^MDC^%s^%s^UCUM", unit, unitRef, ucum, ucum)
	case "ucum":
		b = fmt.Appendf(b, "%s^%s^UCUM", ucum, ucum)
	default:
		b = append(b, vendor...)
	}
	b = append(b, '|')
	if l.limits {
		lo, hi := k.lo, k.hi
		if m.neonatal {
			lo, hi = k.neoLo, k.neoHi
		}
		if !(c == EtCO2 && m.co2KPa) && !(c == Temp && l.degF) {
			b = fmt.Appendf(b, "%d-%d", lo, hi)
		}
	}
	b = append(b, "||||"...)
	b = append(b, l.status...)
	b = append(b, "|||"...)
	if l.obx14 || (c >= NIBPSys && c <= NIBPMean) {
		b = l.appendTS(b, stamp)
	}
	b = fmt.Appendf(b, "|||AMEAS^auto-measurement^MDC|%s^EUI-64\r", m.eui) // OBX-17 method, OBX-18 equipment
	return b
}
