package vitals

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"math/bits"

	"github.com/hl7gate/hl7gate/hl7"
)

// A device sends the same OBX rows every message: the same codes, units,
// flags, status and equipment identifier, only the values (OBX-5) change.
// rowLayout remembers, per stream, what the rows of the last message that
// was read row by row decode to (parameter, unit, flags), under a keyed hash
// of every byte of those rows except their OBX-5. A message whose rows hash
// the same differs from it only in its values: its rows are not split past
// OBX-5, and their code, unit and equipment identifier are not looked up
// again (extract). The hash is the Engine's maphash, seeded at random per
// Engine, as the stream's other fingerprints are.

// layoutRows is how many OBX rows of a message a rowLayout describes; rows
// after them are always read one by one.
const layoutRows = 16

// rowLayout is the remembered layout of a message's OBX rows (see above).
type rowLayout struct {
	hash       uint64              // of the rows without their OBX-5; valid only with ok
	rows       [layoutRows]rowRead // the first OBX rows, in order
	demo, slow uint16              // bit j: row j holds DEMO in OBX-8; row j is read field by field
	unknown    uint8               // NM rows of unknown codes among them
	equip      uint8               // the row whose OBX-18 gave the message's EUI-64, or layoutRows
	ok         bool
}

// rowRead is what an OBX row decodes to, apart from its value.
type rowRead struct {
	p   param // pNone: the row is no measurement of a known parameter
	u   uint8 // unit: canon index (unitNone: none given), unitBad or unitUnknown
	obs uint8 // where OBX-14 starts, counted from the row's end; 0: it is empty
	lo  uint8 // where OBX-5 starts; 0: further than a byte tells
}

// What row says of a row besides its rowRead.
const (
	rowDemo    = 1 << iota // OBX-8 holds DEMO
	rowSlow                // a later message's row must be read field by field (OBX-14 is far from the end)
	rowUnknown             // an NM row of an unknown code
)

// What rowRead.u holds besides a canon index.
const (
	unitBad     = 0xfe // a known unit of another quantity than the parameter's
	unitUnknown = 0xff // a unit the tables do not hold
)

// unitOf returns how unit (OBX-6, component 1) reads for parameter p:
// unitNone when it is empty, unitUnknown or unitBad when the value cannot
// be taken in it, else its canon index.
func (t *tables) unitOf(unit []byte, p param) uint8 {
	if len(unit) == 0 {
		return unitNone
	}
	ui, known := t.units.get(unit)
	switch {
	case !known:
		return unitUnknown
	case t.canon[ui].q != params[p].q:
		return unitBad
	}
	return ui
}

// rowsHash returns the hash of m's first layoutRows OBX rows without their
// OBX-5, and records where each row's OBX-5 lies (lo, hi into the row). The
// bytes from one row's OBX-5 to the next one's are hashed at once when the
// rows are adjacent segments (most are): 14 hashes for 13 rows, not 26.
// With a layout (l.ok), a row's OBX-5 is taken to start where it started in
// the layout's message when a field separator precedes it there, instead of
// counting the separators before it: the hash equals the layout's only if
// the bytes before it are the same, and so are their separators. Otherwise
// the spans may be wrong, and so is the hash for any later message.
func rowsHash(seed maphash.Seed, m *hl7.Message, d hl7.Delimiters, l *rowLayout, spans *[layoutRows][2]int32) uint64 {
	h := uint64(d.Field) | uint64(d.Component)<<8 | uint64(d.Repetition)<<16 | uint64(d.EscapeChar)<<24 | uint64(d.Subcomponent)<<32
	buf := m.Bytes()
	n, from, last := 0, -1, 0 // rows; start of the bytes not hashed yet, or -1; end of the last row
	for i := range m.NumSegments() {
		start, end := m.SegmentSpan(i)
		b := buf[start:end:end]
		if !isOBX(b, d.Field) || n == layoutRows {
			if from >= 0 {
				h = mix(h ^ maphash.Bytes(seed, buf[from:last]))
				from = -1
			}
			if n == layoutRows && isOBX(b, d.Field) {
				n++ // more rows than the layout holds
				break
			}
			continue
		}
		var lo, hi int
		if k := int(l.rows[n].lo); l.ok && k > 0 && k <= len(b) && b[k-1] == d.Field {
			lo, hi = k, valueEnd(b, k, d.Field)
		} else {
			lo, hi = fieldSpan(b, d.Field, 5)
		}
		spans[n] = [2]int32{int32(lo), int32(hi)}
		if from < 0 {
			from = start
		}
		h = mix(h ^ maphash.Bytes(seed, buf[from:start+lo]))
		from, last = start+hi, end
		n++
	}
	if from >= 0 {
		h = mix(h ^ maphash.Bytes(seed, buf[from:last]))
	}
	return mix(h ^ uint64(n)<<40)
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
// message of the same layout can take from it, and rowDemo, rowSlow (it
// can take nothing) and rowUnknown (an NM row of an unknown code).
func (s *stream) row(e *Engine, em *emitter, seg hl7.Segment, d hl7.Delimiters, i int, dst []Finding) (_ []Finding, rr rowRead, flags uint8) {
	// The fields are split only as far as needed, the furthest needed
	// first, so that a row is split in one or two passes (through OBX-3,
	// then through OBX-14) rather than resumed for every field: OBX-18
	// while no row has given an EUI-64, OBX-14 for a row of a known code.
	r := seg.Reader()
	var equip []byte
	if len(em.equip) == 0 {
		equip = r.Field(18)
	}
	code := r.Field(3)
	o := obxFields{valueType: r.Field(2)}
	p, read := e.t.code(code, d)
	if read {
		o.obsTime = firstComponent(r.Field(14), d)
		o.value, o.unit, o.flags = r.Field(5), firstComponent(r.Field(6), d), r.Field(8)
		o.status = r.Field(11)
	}
	if len(em.equip) == 0 {
		em.equip = eui64(equip, d)
	}
	if !read {
		if string(o.valueType) == "NM" {
			flags = rowUnknown
		}
		return dst, rr, flags
	}
	ok, demo := o.measurement(d)
	if !ok {
		return dst, rr, 0
	}
	rr = rowRead{p: p, u: e.t.unitOf(o.unit, p)}
	if demo {
		flags |= rowDemo
	}
	if len(o.obsTime) > 0 {
		b := seg.Bytes()
		lo, _ := fieldSpan(b, d.Field, 14)
		if off := len(b) - lo; off <= math.MaxUint8 {
			rr.obs = uint8(off)
		} else {
			flags |= rowSlow
		}
	}
	return s.obx(e, em, o.value, o.obsTime, p, rr.u, demo, i, dst), rr, flags
}

// note records row j of a message read field by field, where its OBX-5
// starts, and whether the message has an EUI-64 after the row.
func (l *rowLayout) note(j int, rr rowRead, flags uint8, lo int32, equip bool) {
	if lo <= math.MaxUint8 {
		rr.lo = uint8(lo)
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
	if equip && l.equip == layoutRows {
		l.equip = uint8(j)
	}
}

// obsTime returns OBX-14 of row b, cut to its first component, from where
// it starts counted from the row's end (rowRead.obs; 0: none).
func obsTime(b []byte, obs uint8, d hl7.Delimiters) []byte {
	if obs == 0 {
		return nil
	}
	f := b[len(b)-int(obs):]
	for i, c := range f {
		if c == d.Field || c == d.Component || c == d.Repetition {
			return f[:i:i]
		}
	}
	return f
}
