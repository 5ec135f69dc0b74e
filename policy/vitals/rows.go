package vitals

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"math/bits"

	"github.com/hl7gate/hl7gate/hl7"
)

// A device sends the same OBX rows every message: the same codes, units,
// flags, status and equipment identifier; only the values (OBX-5) change,
// and a cuff reading's time (OBX-14). rowLayout remembers, per stream, what
// the rows of the last message that was read field by field decode to
// (parameter, unit, flags, where OBX-5 and OBX-14 lie), under a keyed hash
// of every byte of those rows except their OBX-5 and OBX-14 (see
// rowsHash). A message whose rows hash the same differs from it only in
// those fields: its rows are not split past OBX-5, and their code, unit and
// equipment identifier are not looked up again (extract). The hash is the
// Engine's maphash, seeded at random per Engine, as the stream's other
// fingerprints are.

// layoutRows is how many OBX rows of a message a rowLayout describes; rows
// after them are always read one by one.
const layoutRows = 16

// rowLayout is the remembered layout of a message's OBX rows (see above).
type rowLayout struct {
	hash       uint64              // of the rows without their OBX-5 and OBX-14 (rowsHash, never 0); 0: no layout
	rows       [layoutRows]rowRead // the first OBX rows, in order
	demo, slow uint16              // bit j: row j holds DEMO in OBX-8; row j is read field by field
	unknown    uint8               // NM rows of unknown codes among them
	equip      uint8               // the row whose OBX-18 gave the message's EUI-64, or layoutRows
	equipAt    uint8               // where that EUI-64 starts, counted back from the row's end; 0: not found yet, or further than a byte tells (see equipOf)
	label      uint8               // the row at which the rows' label was judged (equipment.see): taken there, or refused at labelRefused+row; noLabel: none
}

// What rowLayout.label holds besides a row.
const (
	labelRefused = layoutRows     // added to the row: the label was refused there
	noLabel      = 2 * layoutRows // the layout's rows named no label while no EUI-64 had been named
)

// known reports whether l is a layout (extract made it).
func (l *rowLayout) known() bool { return l.hash != 0 }

// equipOf returns the EUI-64 of b, the layout's equipment row (l.equip) in
// a message whose rows hash as the layout's, as EUI64 reads its OBX-18. The
// row's bytes after its OBX-14 (after OBX-5 when OBX-14 is hashed with the
// row) are the layout's, OBX-18 among them, so the EUI-64 lies as far from
// the row's end in every such message: found once per layout (equipAt), it
// is then cut out without splitting the row.
func (l *rowLayout) equipOf(b []byte, d hl7.Delimiters) []byte {
	if k := int(l.equipAt); k > 0 && k <= len(b) {
		c := b[len(b)-k:]
		i := 0
		for i < len(c) && c[i] != d.Component && c[i] != d.Repetition && c[i] != d.Field {
			i++
		}
		return c[:i:i]
	}
	id, back, label := rowEquip(b, d)
	if len(id) == 0 || label {
		return nil
	}
	if back <= math.MaxUint8 {
		l.equipAt = uint8(back)
	}
	return id
}

// rowEquip returns the equipment identity in the OBX-18 of the OBX row b
// (equipSpan), how far from the row's end it starts and whether it is a
// label.
func rowEquip(b []byte, d hl7.Delimiters) (id []byte, back int, label bool) {
	lo, hi := fieldSpan(b, d.Field, 18)
	a, z, label := equipSpan(b[lo:hi], d)
	return b[lo+a : lo+z : lo+z], len(b) - lo - a, label
}

// rowRead is what an OBX row decodes to, apart from its value and time.
type rowRead struct {
	p   param // pNone: the row is no measurement of a known parameter
	u   uint8 // unit: canon index (unitNone: none given), unitBad or unitUnknown
	lo  uint8 // where OBX-5 starts; 0: further than a byte tells
	obs uint8 // where OBX-14 starts, counted from OBX-5's end; 0: it is hashed with the row (see rowsHash)
}

// PVCRateCode is the IEEE 11073-10101 code of the ECG's ventricular premature
// beat rate (MDC_ECG_V_P_C_RATE), which a monitor's arrhythmia analysis
// reports beside the heart rate (see arrSuspended). It is no row of the
// code table, so hl7gate check --unknown names it as read all the same.
const PVCRateCode = "148066"

// What row says of a row besides its rowRead.
const (
	rowDemo    = 1 << iota // OBX-8 holds DEMO
	rowTimed               // OBX-14 holds a time
	rowUnknown             // an NM row of an unknown code
	rowSlow                // a later message's row must be read field by field
	rowPVC                 // a PVC-rate row holding a count, not a placeholder, not deleted (see PVCRateCode)
	rowEUI                 // its OBX-18 gave the message's EUI-64 (equipment.see)
	rowLabel               // the rows' label was judged at it, and taken
	rowNoLabel             // the rows' label was judged at it, and refused
)

// What rowRead.u holds besides a canon index.
const (
	unitBad     = 0xfe // a known unit of another quantity than the parameter's
	unitUnknown = 0xff // a unit the tables do not hold
)

// unitOf returns how an OBX-6 unit reads for parameter p: unitNone when it
// is empty, unitUnknown or unitBad when the value cannot be taken in it, else
// its canon index. Component 1 is read first, then, if the tables do not hold
// it, the alternate identifier and the text, as for the code (a Philips-style
// row carries its own unit code first and the MDC one as the alternate).
func (t *tables) unitOf(field []byte, p param, d hl7.Delimiters) uint8 {
	i := componentEnd(field, d)
	alt := alternates(field, i, d)
	if i == 0 && len(alt[0]) == 0 && len(alt[1]) == 0 {
		return unitNone
	}
	var ui uint8
	known := false
	for _, c := range [3][]byte{field[:i], alt[0], alt[1]} {
		if len(c) > 0 {
			if ui, known = t.units.get(c); known {
				break
			}
		}
	}
	switch {
	case !known:
		return unitUnknown
	case t.canon[ui].q != params[p].q:
		return unitBad
	}
	return ui
}

// rowsHash returns the hash of m's first layoutRows OBX rows without their
// OBX-5 and OBX-14 (a measurement time, new with every measurement), and
// records where those lie in each row (spans: lo, hi of OBX-5, then of
// OBX-14, 0, 0 when OBX-14 is hashed with the row: absent, last, or further
// than a byte tells from OBX-5's end; without a layout, lo 0 when the row
// ends where OBX-5 would start, or before). The bytes from one row's OBX-5 to
// the next one's are hashed at once when the rows are adjacent segments
// (most are), and so are rows whose OBX-5 and OBX-14 are empty, which hash
// the same with or without them: 11 hashes for the simulator's 13 rows
// (10 values, no time).
//
// With a layout (l.known), a row's OBX-5 and OBX-14 are taken to start where
// they started in the layout's message when a field separator precedes
// them there, instead of counting the separators before them: the hash
// equals the layout's only if the bytes before them are the same, and so
// are their separators. Otherwise the spans may be wrong, and so is the
// hash for any later message.
//
// The same pass returns the content fingerprint of the whole message
// (content): the hashes of the rows' strings and of every byte between
// them (what comes before the first row, the rows' OBX-5 and OBX-14, other
// segments, rows after the layout's), folded in their order in the
// message, so that the message is hashed once rather than once for the
// rows and again whole. Identical messages fold the same strings when the
// spans are counted (no layout) and, with a layout, when the rows hash as
// the layout's, whose spans were counted: the spans are then the counted
// ones. The caller takes content only from those two cases (hashRows).
func rowsHash(seed maphash.Seed, m *hl7.Message, d hl7.Delimiters, l *rowLayout, spans *[layoutRows][4]int32) (rows, content uint64) {
	h := delimiterWord(d)
	buf := m.Bytes()
	n, from, last := 0, -1, 0 // rows; start of the bytes not hashed yet, or -1; end of the last row
	c := contentFold{seed: seed, buf: buf}
	for i := range m.NumSegments() {
		start, end := m.SegmentSpan(i)
		b := buf[start:end:end]
		if !isOBX(b, d.Field) || n == layoutRows {
			if from >= 0 {
				h = h*runBase + c.piece(from, last)
				from = -1
			}
			if n == layoutRows && isOBX(b, d.Field) {
				n++ // more rows than the layout holds
				break
			}
			continue
		}
		var lo, hi, lo14, hi14 int
		if k := int(l.rows[n].lo); l.known() && k > 0 && k <= len(b) && b[k-1] == d.Field {
			lo, hi = k, valueEnd(b, k, d.Field)
		} else {
			lo, hi = fieldSpan(b, d.Field, 5)
		}
		if !l.known() {
			if lo14, hi14 = fieldSpan(b, d.Field, 14); lo14 == len(b) || lo14-hi > math.MaxUint8 {
				lo14, hi14 = 0, 0
			}
		} else if k := hi + int(l.rows[n].obs); k > hi && k < len(b) && b[k-1] == d.Field {
			// Not at the row's end, where counting leaves it in the hash.
			lo14, hi14 = k, valueEnd(b, k, d.Field)
		}
		spans[n] = [4]int32{int32(lo), int32(hi), int32(lo14), int32(hi14)}
		if !l.known() && lo == len(b) {
			// The row ends where OBX-5 would start, or before: a later row
			// with the same bytes up to there may hold OBX-4 there, not
			// OBX-5 (it is counted in every message, see note).
			spans[n][0] = 0
		}
		if from < 0 {
			from = start
		}
		if hi > lo {
			h = h*runBase + c.piece(from, start+lo)
			from = start + hi
		}
		if lo14 > 0 && hi14 > lo14 {
			h = h*runBase + c.piece(from, start+lo14)
			from = start + hi14
		}
		last = end
		n++
	}
	if from >= 0 {
		h = h*runBase + c.piece(from, last)
	}
	c.gap(len(buf))
	return mix(h^uint64(n)<<40) | 1, mix(c.h)
}

// delimiterWord returns the message's five delimiters as one word.
func delimiterWord(d hl7.Delimiters) uint64 {
	return uint64(d.Field) | uint64(d.Component)<<8 | uint64(d.Repetition)<<16 | uint64(d.EscapeChar)<<24 | uint64(d.Subcomponent)<<32
}

// contentFold folds the hashes of a message's strings, in order, into its
// content fingerprint (see rowsHash): as a polynomial in runBase, one
// multiply-add per string (the strings' hashes being keyed, a chosen
// message cannot aim at a sum), mixed once at the end. The rows' hash folds
// its strings the same way.
type contentFold struct {
	seed maphash.Seed
	buf  []byte
	h    uint64
	done int // buf[:done] is folded
}

// piece returns the hash of buf[from:to], a string of the rows' hash,
// having folded it and the bytes before it not folded yet.
func (c *contentFold) piece(from, to int) uint64 {
	c.gap(from)
	x := maphash.Bytes(c.seed, c.buf[from:to])
	c.h, c.done = c.h*runBase+x, to
	return x
}

// gap folds the bytes up to to not folded yet, if any.
func (c *contentFold) gap(to int) {
	if to > c.done {
		c.h = c.h*runBase + maphash.Bytes(c.seed, c.buf[c.done:to])
		c.done = to
	}
}

// valueEnd returns where the field that starts at lo in segment b ends: at
// the next field separator, or the end.
func valueEnd(b []byte, lo int, fs byte) int {
	for i := lo; i < len(b); i++ {
		if b[i] == fs {
			return i
		}
	}
	return len(b)
}

// isOBX reports whether segment b is an OBX.
func isOBX(b []byte, fs byte) bool {
	return len(b) >= 3 && b[0] == 'O' && b[1] == 'B' && b[2] == 'X' && (len(b) == 3 || b[3] == fs)
}

// fieldSpan returns where field n (n >= 1) of segment b lies (lo, hi), as
// hl7.FieldReader splits it: between the n-th field separator and the next
// one or the end; lo == hi == len(b) when b has fewer than n. The
// separators are found eight bytes at a time.
func fieldSpan(b []byte, fs byte, n int) (lo, hi int) {
	k, lo := 0, len(b)
	i := 0
	for pat := byteOnes * uint64(fs); i+8 <= len(b); i += 8 {
		for t := exactZeros(binary.LittleEndian.Uint64(b[i:]) ^ pat); t != 0; t &= t - 1 {
			if k++; k == n {
				lo = i + bits.TrailingZeros64(t)>>3 + 1
			} else if k > n {
				return lo, i + bits.TrailingZeros64(t)>>3
			}
		}
	}
	for ; i < len(b); i++ {
		if b[i] == fs {
			if k++; k == n {
				lo = i + 1
			} else if k > n {
				return lo, i
			}
		}
	}
	return lo, len(b)
}

// exactZeros returns x with the top bit of each zero byte set and every
// other bit clear (no byte above a zero one is marked, unlike zeroByte).
func exactZeros(x uint64) uint64 {
	const low7 = byteOnes * 0x7f
	return ^((x&low7 + low7) | x | low7)
}

// row reads OBX segment i field by field (see extract) and returns what a
// message of the same layout can take from it, and rowDemo, rowTimed,
// rowUnknown (an NM row of an unknown code), what its OBX-18 did to the
// message's equipment identity (rowEUI, rowLabel, rowNoLabel; j is its
// place among the message's OBX rows) and, for a PVC-rate row
// (PVCRateCode), rowSlow and rowPVC (see rowPVC).
func (s *stream) row(e *Engine, em *emitter, seg hl7.Segment, d hl7.Delimiters, i, j int, dst []Finding) (_ []Finding, rr rowRead, flags uint8) {
	// The fields are split only as far as needed, the furthest needed
	// first, so that a row is split in one or two passes (through OBX-3,
	// then through OBX-14) rather than resumed for every field: OBX-18
	// while no row has given an EUI-64, OBX-14 for a row of a known code.
	r := seg.Reader()
	var equip []byte
	look := em.equip.looking()
	if look {
		equip = r.Field(18)
	}
	code := r.Field(3)
	o := obxFields{valueType: r.Field(2)}
	p, read := e.t.code(s.vendor, code, d)
	if !read && p != pNone {
		read = e.t.rated(p, r.Field(6), d) // a rated label (see code)
	}
	if read {
		o.obsTime = firstComponent(r.Field(14), d)
		o.value, o.unit, o.flags = r.Field(5), r.Field(6), r.Field(8)
		o.status = r.Field(11)
	}
	if look {
		flags = em.equip.see(em.m, equip, d, i, j)
	}
	if !read {
		if string(o.valueType) == "NM" {
			flags |= rowUnknown
			if string(firstComponent(code, d)) == PVCRateCode {
				// Read field by field in every message: its value, not
				// only its presence, tells whether the analysis ran.
				flags |= rowSlow
				// A count: not a placeholder (isSentinel) nor deleted
				// (OBX-11 D or W, as measurement reads it).
				if v, ok := parseNumber(r.Field(5)); ok && v >= 0 && !isSentinel(v) {
					if st := string(r.Field(11)); st != "D" && st != "W" {
						flags |= rowPVC
						if !s.pvcNow {
							// The message's first count is its PVC rate.
							s.pvcNow, s.pvcRate = true, uint8(min(math.Round(v), math.MaxUint8))
						}
					}
				}
			}
		}
		return dst, rr, flags
	}
	ok, demo := o.measurement(d)
	if !ok {
		return dst, rr, flags & (rowEUI | rowLabel | rowNoLabel)
	}
	rr = rowRead{p: p, u: e.t.unitOf(o.unit, p, d)}
	if demo {
		flags |= rowDemo
	}
	if len(o.obsTime) > 0 {
		flags |= rowTimed
	}
	return s.obx(e, em, o.value, o.obsTime, p, rr.u, demo, i, dst), rr, flags
}

// note records row j of a message read field by field, where its OBX-5
// and OBX-14 lie (see rowsHash), and what its OBX-18 did to the message's
// equipment identity.
func (l *rowLayout) note(j int, rr rowRead, flags uint8, span [4]int32) {
	if span[0] <= math.MaxUint8 {
		rr.lo = uint8(span[0])
	}
	if span[2] > 0 {
		rr.obs = uint8(span[2] - span[1])
	} else if flags&rowTimed != 0 {
		flags |= rowSlow // its time is hashed with the row, and the layout does not tell where it is
	}
	l.rows[j] = rr
	bit := uint16(1) << j
	if flags&rowDemo != 0 {
		l.demo |= bit
	}
	if flags&rowSlow != 0 {
		l.slow |= bit
	}
	if flags&rowUnknown != 0 {
		l.unknown++
	}
	switch {
	case flags&rowEUI != 0:
		l.equip = uint8(j)
	case flags&rowLabel != 0:
		l.label = uint8(j)
	case flags&rowNoLabel != 0:
		l.label = uint8(labelRefused + j)
	}
}
