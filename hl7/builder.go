package hl7

import "time"

// Builder appends segments to a byte slice. Values given as strings are
// escaped with the Builder's delimiters; RawField writes bytes unchanged.
// Every segment is terminated by CR. Methods return the Builder so calls
// chain:
//
//	b := hl7.NewBuilder(hl7.DefaultDelimiters(), buf[:0])
//	b.Segment("MSH").Field("MON").Field("ICU").Skip(2).Time(now).Skip(1).
//		Field("ORU").Component("R01").Component("ORU_R01").Field("1").Field("P").Field("2.6")
//	b.Segment("OBX").Field("1").Field("NM").Field("150456").Component("MDC_PULS_OXIM_SAT_O2").Component("MDC")
//	msg := b.Bytes()
//
// Segment("MSH") (and FHS, BHS) writes MSH-1 and MSH-2 from the delimiters, so
// the first Field after it is MSH-3. The delimiters must be valid (see
// Delimiters.Validate). Appending reuses dst's capacity, so a Builder over a
// large enough buffer does not allocate.
type Builder struct {
	d    Delimiters
	buf  []byte
	open bool // a segment is open and needs its CR
}

// NewBuilder returns a Builder that appends to dst using d.
func NewBuilder(d Delimiters, dst []byte) *Builder {
	return &Builder{d: d, buf: dst}
}

// Segment ends the current segment, if any, and starts one named name.
func (b *Builder) Segment(name string) *Builder {
	b.end()
	b.buf = append(b.buf, name...)
	if name == "MSH" || name == "FHS" || name == "BHS" {
		b.buf = append(b.buf, b.d.Field)
		b.buf = b.d.appendEncodingChars(b.buf)
	}
	b.open = true
	return b
}

// Field starts a new field holding v, escaped.
func (b *Builder) Field(v string) *Builder {
	b.buf = append(b.buf, b.d.Field)
	b.buf = appendEscaped(b.d, b.buf, v)
	return b
}

// RawField starts a new field holding raw, unescaped: use it to copy a field
// of another message with the same delimiters.
func (b *Builder) RawField(raw []byte) *Builder {
	b.buf = append(b.buf, b.d.Field)
	b.buf = append(b.buf, raw...)
	return b
}

// Skip appends n empty fields.
func (b *Builder) Skip(n int) *Builder {
	for range n {
		b.buf = append(b.buf, b.d.Field)
	}
	return b
}

// Time starts a new field holding t, written by AppendTime.
func (b *Builder) Time(t time.Time) *Builder {
	b.buf = append(b.buf, b.d.Field)
	b.buf = AppendTime(b.buf, t)
	return b
}

// Rep appends a new repetition holding v, escaped, to the current field.
func (b *Builder) Rep(v string) *Builder {
	b.buf = append(b.buf, b.d.Repetition)
	b.buf = appendEscaped(b.d, b.buf, v)
	return b
}

// Component appends a new component holding v, escaped, to the current field
// or repetition.
func (b *Builder) Component(v string) *Builder {
	b.buf = append(b.buf, b.d.Component)
	b.buf = appendEscaped(b.d, b.buf, v)
	return b
}

// Sub appends a new subcomponent holding v, escaped, to the current component.
func (b *Builder) Sub(v string) *Builder {
	b.buf = append(b.buf, b.d.Subcomponent)
	b.buf = appendEscaped(b.d, b.buf, v)
	return b
}

// Bytes ends the current segment and returns everything built so far. The
// Builder can go on appending segments afterwards.
func (b *Builder) Bytes() []byte {
	b.end()
	return b.buf
}

func (b *Builder) end() {
	if b.open {
		b.buf = append(b.buf, '\r')
		b.open = false
	}
}
