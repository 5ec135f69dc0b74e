package vitals

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hl7gate/hl7gate/hl7"
)

// param is a vital sign the checks understand.
type param uint8

const (
	pNone param = iota
	pHR
	pPR
	pPRInv
	pSpO2
	pNIBPSys
	pNIBPDia
	pNIBPMean
	pARTSys
	pARTDia
	pARTMean
	pRR
	pTemp
	pEtCO2
	numParams
	// pCVP, the central venous pressure, is read only as a witness of the
	// arterial transducers' height (cvpMoved): it has no checks of its own
	// and no per-channel state, so it lies past numParams, which sizes
	// that state, and is no key of the range limits (Parameters).
	pCVP = numParams
)

// quantity is what a parameter measures; units convert within one quantity.
type quantity uint8

const (
	qRate quantity = iota + 1 // per minute
	qPercent
	qPressure    // base unit mm[Hg]
	qTemperature // base unit Cel
)

var quantityNames = map[string]quantity{"rate": qRate, "percent": qPercent, "pressure": qPressure, "temperature": qTemperature}

// paramInfo describes a parameter: its configuration key, the MDC code and
// reference ID findings and alerts report, and its quantity.
type paramInfo struct {
	key, code, ref string
	q              quantity
}

// params is indexed by param. It is a constant table, never written.
var params = [pCVP + 1]paramInfo{
	pHR:       {"hr", "147842", "MDC_ECG_HEART_RATE", qRate},
	pPR:       {"pr", "149530", "MDC_PULS_OXIM_PULS_RATE", qRate},
	pPRInv:    {"pr_inv", "149522", "MDC_BLD_PULS_RATE_INV", qRate},
	pSpO2:     {"spo2", "150456", "MDC_PULS_OXIM_SAT_O2", qPercent},
	pNIBPSys:  {"nibp_sys", "150021", "MDC_PRESS_BLD_NONINV_SYS", qPressure},
	pNIBPDia:  {"nibp_dia", "150022", "MDC_PRESS_BLD_NONINV_DIA", qPressure},
	pNIBPMean: {"nibp_mean", "150023", "MDC_PRESS_BLD_NONINV_MEAN", qPressure},
	pARTSys:   {"art_sys", "150033", "MDC_PRESS_BLD_ART_SYS", qPressure},
	pARTDia:   {"art_dia", "150034", "MDC_PRESS_BLD_ART_DIA", qPressure},
	pARTMean:  {"art_mean", "150035", "MDC_PRESS_BLD_ART_MEAN", qPressure},
	pRR:       {"rr", "151562", "MDC_RESP_RATE", qRate},
	pTemp:     {"temp", "150344", "MDC_TEMP", qTemperature},
	pEtCO2:    {"etco2", "151708", "MDC_AWAY_CO2_ET", qPressure},
	pCVP:      {"cvp", "150087", "MDC_PRESS_BLD_VEN_CENT_MEAN", qPressure},
}

// Parameters returns the parameter keys used in configuration (codes, range
// limits), in a fixed order. The code table also takes "cvp" (pCVP), which
// is no key of the range limits.
func Parameters() []string {
	out := make([]string, 0, numParams-1)
	for p := pHR; p < numParams; p++ {
		out = append(out, params[p].key)
	}
	return out
}

// ParameterKey returns the configuration key (see Parameters) of the
// parameter a Finding names by its MDC reference ID, e.g. "hr" for
// "MDC_ECG_HEART_RATE"; false for an empty or unknown one.
func ParameterKey(ref string) (string, bool) {
	if p := paramByRef(ref); p != pNone {
		return params[p].key, true
	}
	return "", false
}

func paramByKey(k string) (param, bool) {
	for p := pHR; p < numParams; p++ {
		if params[p].key == k {
			return p, true
		}
	}
	return pNone, false
}

// codeParam is paramByKey for the code table, which also names the
// central venous pressure (pCVP).
func codeParam(k string) (param, bool) {
	if k == params[pCVP].key {
		return pCVP, true
	}
	return paramByKey(k)
}

//go:embed codes.csv
var codesCSV []byte

//go:embed units.csv
var unitsCSV []byte

// unit is a canonical unit: a value v in it is v*scale+offset in the base unit
// of its quantity.
type unit struct {
	name          string
	q             quantity
	scale, offset float64
}

// base returns v, given in unit u, in the base unit of u's quantity.
func (u *unit) base(v float64) float64 { return v*u.scale + u.offset }

// tables is the code and unit lookup an Engine uses, built from the embedded
// CSV files plus configuration.
type tables struct {
	// codes maps OBX-3.1 to a parameter, one table per sender: codes[0]
	// for a monitor no sender row names, codes[i] for one whose MSH-3
	// starts with senders[i-1] (see vendorOf). Each is whole (the rows
	// without a sender, then those of each shorter sender it starts with,
	// then the sender's own), so a row costs one lookup
	// whatever the monitor.
	codes   []lookup[param]
	names   lookup[param] // IEEE 11073 reference IDs (codes.csv's MDC_ rows), read in component 1 only (see code)
	labels  lookup[param] // ratedLabels, read in component 2 only (see code)
	senders []string      // upper case, sorted
	units   lookup[uint8] // OBX-6.1 → index into canon
	canon   []unit        // canon[0] is "no unit given"
}

// maxSenders bounds the senders with a code table of their own: a
// stream keeps its table's index in a byte (stream.vendor).
const maxSenders = 255

// codeKey splits a code table key, CODE or CODE@SENDER (the code as OBX-3
// component 1 carries it, the sender a prefix of MSH-3's namespace ID,
// matched ignoring case), into the code and the sender in upper case,
// empty when none is named. at is whether the key names a sender.
func codeKey(k string) (code, sender string, at bool) {
	i := strings.LastIndexByte(k, '@')
	if i < 0 {
		return k, "", false
	}
	return k[:i], strings.ToUpper(k[i+1:]), true
}

// senderDelims are the characters no sender may hold: HL7's default
// delimiters, which end MSH-3's namespace ID or are escaped inside it.
const senderDelims = "|^~\\&"

// CodesKey returns the Config.Codes key that names the code of an OBX row
// (OBX-3 code) from a monitor whose sending application (MSH-3) is app, as
// codeKey reads it back: the first of OBX-3 components 1, 4 and 2 that is
// not empty (as the code table tries them), then '@' and MSH-3 component 1
// up to an '@' (a key's last '@' starts its sender) or an HL7 delimiter
// (senderDelims), still a start of MSH-3, as a sender is matched. When no
// key can name it, key is "" and why says why.
func CodesKey(app, code hl7.Field) (key, why string) {
	var cd string
	for _, i := range [...]int{1, 4, 2} {
		if b := code.Component(i).Bytes(); len(b) > 0 {
			cd = string(b)
			break
		}
	}
	sender := string(app.Component(1).Bytes())
	if i := strings.IndexAny(sender, "@"+senderDelims); i >= 0 {
		sender = sender[:i]
	}
	switch why := keyWhy(cd + sender); {
	case cd == "":
		return "", "no code in OBX-3 components 1, 4 or 2"
	case why != "":
		return "", why
	case sender == "" && strings.Contains(cd, "@"):
		return "", "an '@' in a code needs a sender after it, and MSH-3 names none"
	case sender == "":
		return cd, "" // every sender's: MSH-3 has no namespace ID to start a sender
	}
	return cd + "@" + sender, ""
}

// UnitsKey returns the Config.Units key that names the unit of an OBX row
// (OBX-6 unit): the first of OBX-6 components 1, 4 and 2 that is not empty,
// as unitOf tries them, so that a row whose unit the table does not hold is
// read once the key is in it. When no key can name it, key is "" and why
// says why.
func UnitsKey(unit hl7.Field) (key, why string) {
	var u string
	for _, i := range [...]int{1, 4, 2} {
		if b := unit.Component(i).Bytes(); len(b) > 0 {
			u = string(b)
			break
		}
	}
	if u == "" {
		return "", "no unit in OBX-6 components 1, 4 or 2"
	}
	if why := keyWhy(u); why != "" {
		return "", why
	}
	return u, ""
}

// keyWhy says why s cannot be a key of vitals.codes or vitals.units as
// check --unknown writes them, or "" when it can.
func keyWhy(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "not UTF-8, which no YAML key holds"
	case strings.Contains(s, "."):
		return "a '.' in a key, which the configuration loader reads as a section"
	}
	return ""
}

// ratedLabels are OBX-3 texts (component 2) that name a parameter only when
// the row's unit (OBX-6) is one of the parameter's quantity: a monitor that
// labels its rows as IntelliVue's Information Center does (0002-481a^PR^MDIL
// in bpm; 6^PR beside a local code) sends its pulse rate as PR in /min, and
// an ECG's interval report sends the P-R interval as PR in ms, a unit the
// table does not hold, or without one. Read in /min it is the pulse rate the
// agreement with the heart rate and the cuff-on-the-oximeter's-arm allowance
// take; in ms, or unitless (a P-R interval of 160 read as a pulse of 160), it
// is not read. So with RR: IntelliVue's breathing rate (0002-500a^RR^MDIL in
// rpm), and the R-R interval of an ECG report in ms (an interval of 800 read as
// 800 breaths a minute). A code-table row (codes.csv, vitals.codes) has no
// unit, so these are kept apart (session 54, pr54).
var ratedLabels = map[string]param{"PR": pPR, "RR": pRR}

// rated reports whether a row whose code named p only by a rated label (see
// code) is read: whether its unit field is one of p's quantity the unit
// table holds (never for pNone).
func (t *tables) rated(p param, unit []byte, d hl7.Delimiters) bool {
	switch t.unitOf(unit, p, d) {
	case unitNone, unitBad, unitUnknown:
		return false
	}
	return true
}

// unitNone is the index of the empty unit: the value is taken in the base unit.
const unitNone = 0

func loadTables(extraCodes, extraUnits map[string]string) (*tables, error) {
	t := &tables{canon: []unit{{name: "", scale: 1}}}
	codes, units := make(map[string]param), make(map[string]uint8)
	bySender := make(map[string]map[string]param) // sender → its own rows
	setCode := func(code, sender string, p param) {
		if sender == "" {
			codes[code] = p
			return
		}
		if bySender[sender] == nil {
			bySender[sender] = make(map[string]param)
		}
		bySender[sender][code] = p
	}
	rows, err := readCSV(codesCSV, 4)
	if err != nil {
		return nil, fmt.Errorf("codes.csv: %w", err)
	}
	names := make(map[string]param)
	for _, r := range rows {
		p, ok := codeParam(r[1])
		if !ok {
			return nil, fmt.Errorf("codes.csv: code %s: unknown parameter %q", r[0], r[1])
		}
		if strings.HasPrefix(r[0], "MDC_") && r[2] == "" {
			names[r[0]] = p
			continue
		}
		setCode(r[0], strings.ToUpper(r[2]), p)
	}
	t.names = newLookup(names)
	t.labels = newLookup(ratedLabels)
	rows, err = readCSV(unitsCSV, 5)
	if err != nil {
		return nil, fmt.Errorf("units.csv: %w", err)
	}
	for _, r := range rows {
		q, ok := quantityNames[r[2]]
		if !ok {
			return nil, fmt.Errorf("units.csv: unit %s: unknown quantity %q", r[0], r[2])
		}
		scale, err1 := strconv.ParseFloat(r[3], 64)
		offset, err2 := strconv.ParseFloat(r[4], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("units.csv: unit %s: %w", r[0], err)
		}
		u := unit{name: r[1], q: q, scale: scale, offset: offset}
		i := t.canonIndex(u.name)
		if i < 0 {
			i = len(t.canon)
			t.canon = append(t.canon, u)
		} else if t.canon[i] != u {
			return nil, fmt.Errorf("units.csv: unit %s: conflicts with an earlier row for %s", r[0], u.name)
		}
		units[r[0]] = uint8(i)
	}
	// Configuration extends the tables; sorted for deterministic errors.
	// keyOf names the configured key of each code and sender: keys that
	// differ only in the sender's case are one row, refused.
	keyOf := make(map[[2]string]string)
	for _, k := range slices.Sorted(maps.Keys(extraCodes)) {
		code, sender, at := codeKey(k)
		prev, dup := keyOf[[2]string{code, sender}]
		switch {
		case dup:
			return nil, fmt.Errorf("vitals.codes.%s: the same code and sender as %s (a sender is matched ignoring case)", k, prev)
		case code == "":
			return nil, fmt.Errorf("vitals.codes.%s: no code (want CODE or CODE@SENDER)", k)
		case at && sender == "":
			return nil, fmt.Errorf("vitals.codes.%s: no sender after @ (want CODE@SENDER, SENDER the start of the monitors' sending application, MSH-3)", k)
		case strings.ContainsAny(sender, senderDelims):
			return nil, fmt.Errorf("vitals.codes.%s: sender %q holds an HL7 delimiter (%s): it would match no sending application's namespace ID (MSH-3 component 1)", k, sender, senderDelims)
		}
		p, ok := codeParam(extraCodes[k])
		if !ok {
			return nil, fmt.Errorf("vitals.codes.%s: unknown parameter %q (want one of %s, %s)", k, extraCodes[k], strings.Join(Parameters(), ", "), params[pCVP].key)
		}
		setCode(code, sender, p)
		keyOf[[2]string{code, sender}] = k
	}
	if len(bySender) > maxSenders {
		return nil, fmt.Errorf("vitals.codes: %d senders with codes of their own, more than %d", len(bySender), maxSenders)
	}
	for _, k := range slices.Sorted(maps.Keys(extraUnits)) {
		i := t.canonIndex(extraUnits[k])
		if i <= unitNone || k == "" {
			return nil, fmt.Errorf("vitals.units.%s: unknown canonical unit %q", k, extraUnits[k])
		}
		units[k] = uint8(i)
	}
	// A sender's table is the common one with the rows of each sender it
	// starts with over it, the longer over the shorter, its own last: a
	// code named for NK_BSM6501 leaves NK_BSM6501 the codes named for NK.
	t.codes = []lookup[param]{newLookup(codes)}
	bySize := slices.SortedFunc(maps.Keys(bySender), func(a, b string) int { return len(a) - len(b) })
	for _, sender := range slices.Sorted(maps.Keys(bySender)) {
		m := maps.Clone(codes)
		for _, s := range bySize {
			if strings.HasPrefix(sender, s) {
				maps.Copy(m, bySender[s])
			}
		}
		t.codes = append(t.codes, newLookup(m))
		t.senders = append(t.senders, sender)
	}
	t.units = newLookup(units)
	return t, nil
}

// vendorOf returns the index of the code table for a monitor whose
// sending application (MSH-3) is app: that of the longest sender app
// starts with, ignoring case, else 0, the common one. A stream asks once,
// when it is made (its key holds MSH-3), never per message.
func (t *tables) vendorOf(app []byte) uint8 {
	best, n := 0, 0
	for i, s := range t.senders {
		if len(s) > n && len(app) >= len(s) && strings.EqualFold(string(app[:len(s)]), s) {
			best, n = i+1, len(s)
		}
	}
	return uint8(best)
}

func (t *tables) canonIndex(name string) int {
	for i, u := range t.canon {
		if i > unitNone && u.name == name {
			return i
		}
	}
	return -1
}

// readCSV returns the data rows of an embedded table: '#' lines are
// comments, the first row is the header, every row has n fields.
func readCSV(b []byte, n int) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.Comment = '#'
	r.FieldsPerRecord = n
	var rows [][]string
	for first := true; ; first = false {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		if !first {
			rows = append(rows, rec)
		}
	}
}

// componentEnd returns where component 1 of f's first repetition ends: at
// the first component or repetition separator, else len(f). When f has
// room for a word, its first eight bytes are tested at once (the lowest
// byte the borrow test marks is always a true match).
func componentEnd(f []byte, d hl7.Delimiters) int {
	i := 0
	if cap(f) >= 8 {
		w := binary.LittleEndian.Uint64(f[:8])
		if m := zeroByte(w^byteOnes*uint64(d.Component)) | zeroByte(w^byteOnes*uint64(d.Repetition)); m != 0 {
			return min(bits.TrailingZeros64(m)/8, len(f))
		}
		i = min(8, len(f))
	}
	for i < len(f) && f[i] != d.Component && f[i] != d.Repetition {
		i++
	}
	return i
}

// code returns the parameter of an OBX-3 value in code table v (see
// vendorOf): component 1 of its first repetition, read as a code, then as
// an IEEE 11073 reference ID (a gateway that names a row
// MDC_ECG_HEART_RATE^Heart rate^MDC), else component 4 (the alternate
// identifier: NIST puts LOINC first and MDC there), else component 2 (some
// devices send the code there). The reference IDs are not looked up in
// components 4 and 2: a PCD-01 row names every number there, the
// unchecked ones too (MDC_ECG_AMPL_ST_I), and hashing each such name cost
// 4 % of Observe (session 46). When none of them is known but component 2
// is a rated label (ratedLabels), code returns its parameter and false: the
// row is read as it only when its unit is one of its quantity (rated), which
// the caller reads only then.
func (t *tables) code(v uint8, f []byte, d hl7.Delimiters) (param, bool) {
	codes := &t.codes[v]
	// Component 1 is looked up before the others are cut out: a known code
	// is usually there. It keeps the field's capacity, so that lookup
	// reads it as one word.
	i := componentEnd(f, d)
	if i > 0 {
		if p, ok := codes.get(f[:i]); ok {
			return p, true
		}
		if p, ok := t.names.get(f[:i]); ok {
			return p, true
		}
	}
	alt := alternates(f, i, d)
	for _, c := range alt {
		if len(c) > 0 {
			if p, ok := codes.get(c); ok {
				return p, true
			}
		}
	}
	if p, ok := t.labels.get(alt[1]); ok {
		return p, false
	}
	return pNone, false
}

// alternates returns components 4 (the alternate identifier) and 2 (the
// text) of a coded field's first repetition, in that order, walking on from
// i, where component 1 ends. The order is the one code and unitOf try them
// in after component 1.
func alternates(f []byte, i int, d hl7.Delimiters) (c [2][]byte) {
	for j, k, start := i, 1, i+1; j < len(f) && f[j] != d.Repetition && k < 4; {
		if j++; j == len(f) || f[j] == d.Component || f[j] == d.Repetition {
			if k++; k == 2 {
				c[1] = f[start:j]
			} else if k == 4 {
				c[0] = f[start:j]
			}
			start = j + 1
		}
	}
	return c
}
