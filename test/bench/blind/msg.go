package main

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// stampLen is the width of an HL7 DTM with seconds and a UTC offset: 20261207194500+0000.
const stampLen = 19

// clock holds the current time as an HL7 DTM, refreshed every 50 ms by one goroutine so that no sender
// formats a time per message.
type clock struct {
	now atomic.Pointer[[stampLen]byte]
}

// newClock returns the process's one clock, started on first use. The station and the driver share it when
// they share a process (the tests): every further ticker would allocate twice per tick, and those
// allocations would be counted against the per-message path by TestNoAllocationPerMessage.
var newClock = sync.OnceValue(startClock)

func startClock() *clock {
	c := &clock{}
	c.set(time.Now())
	go func() {
		for t := range time.Tick(50 * time.Millisecond) {
			c.set(t)
		}
	}()
	return c
}

func (c *clock) set(t time.Time) {
	var b [stampLen]byte
	copy(b[:], t.UTC().Format("20060102150405-0700")) // UTC's offset is written +0000
	c.now.Store(&b)
}

// The sequence part of MSH-10: ID = 'B' + 4-digit run + 5-digit monitor + 10-digit sequence (20 bytes,
// HL7's historical MSH-10 length).
const (
	idLen    = 20
	seqLen   = 10
	seqStart = idLen - seqLen
)

// template is one monitor's message, framed, with the offsets of the slots written per message.
type template struct {
	frame                            []byte          // 0x0B, payload, 0x1C 0x0D
	id                               int             // MSH-10
	stamps                           []int           // MSH-7, OBR-7
	hr, pr, spo2, rr, sys, dia, mean int             // OBX-5 of each row
	last                             *[stampLen]byte // the stamp written last
}

// builder appends a message and records where its slots are.
type builder struct{ b []byte }

func (b *builder) s(text string) { b.b = append(b.b, text...) }

// slot appends width placeholder bytes and returns their offset.
func (b *builder) slot(width int) int {
	off := len(b.b)
	for range width {
		b.b = append(b.b, '0')
	}
	return off
}

// buildTemplate writes monitor idx's PCD-01 ORU^R01: MSH, PID, PV1, OBR and OBX rows for HR, SpO2, PR,
// RR and NIBP, with a device identity (EUI-64) and a synthetic patient of its own. No real person's
// data: the patient is a made-up test record.
func buildTemplate(idx, run int) *template {
	t := &template{}
	eui := eui64(idx)
	b := &builder{b: make([]byte, 0, 640)}
	b.b = append(b.b, startBlock)
	b.s("MSH|^~\\&|MON^" + eui + "^EUI-64|ICU|CS|HOSP|")
	t.stamps = append(t.stamps, b.slot(stampLen))
	b.s("||ORU^R01^ORU_R01|")
	t.id = b.slot(idLen)
	b.s("|P|2.6|||NE|AL|||||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO\r")
	b.s("PID|||T" + digits(idx, 6) + "^^^BLIND^MR||TEST^X\r")
	b.s("PV1||I|ICU^^" + digits(idx, 4) + "\r")
	b.s("OBR|1|||182777000^^SNOMED-CT|||")
	t.stamps = append(t.stamps, b.slot(stampLen))
	b.s("\r")
	obx := func(n, code, unit string, width int) int {
		b.s("OBX|" + n + "|NM|" + code + "^^MDC||")
		off := b.slot(width)
		b.s("|" + unit + "^^MDC|||||R\r")
		return off
	}
	// IEEE 11073 units: MDC_DIM_BEAT_PER_MIN, _PERCENT, _RESP_PER_MIN, _MMHG.
	const bpm, pct, rpm, mmhg = "264864", "262688", "264928", "266016"
	t.hr = obx("1", "147842", bpm, 2)    // MDC_ECG_HEART_RATE
	t.spo2 = obx("2", "150456", pct, 2)  // MDC_PULS_OXIM_SAT_O2
	t.pr = obx("3", "149530", bpm, 2)    // MDC_PULS_OXIM_PULS_RATE
	t.rr = obx("4", "151562", rpm, 2)    // MDC_RESP_RATE
	t.sys = obx("5", "150021", mmhg, 3)  // MDC_PRESS_BLD_NONINV_SYS
	t.dia = obx("6", "150022", mmhg, 2)  // MDC_PRESS_BLD_NONINV_DIA
	t.mean = obx("7", "150023", mmhg, 2) // MDC_PRESS_BLD_NONINV_MEAN
	b.b = append(b.b, endBlock, carriageReturn)
	t.frame = b.b
	id := t.frame[t.id : t.id+idLen]
	id[0] = 'B'
	copy(id[1:5], digits(run, 4))
	copy(id[5:10], digits(idx, 5))
	return t
}

// waveRow is the rest of one OBX row of a flooding monitor's message after its set ID and sub-ID: 50 samples
// of ECG lead II (MDC_ECG_ELEC_POTL_II, in mV), a second of a 50 Hz trace, as a monitor sending waveforms
// in HL7 writes them (data type NA).
const waveRow = "|" +
	"0.02^0.03^0.05^0.04^0.02^0.01^-0.01^-0.02^-0.05^0.35^1.12^0.48^-0.21^-0.09^0.01^0.02^0.03^0.05^0.08^0.12^" +
	"0.17^0.21^0.23^0.22^0.18^0.12^0.07^0.04^0.02^0.01^0.01^0.02^0.02^0.01^0.00^0.01^0.02^0.03^0.02^0.01^" +
	"0.00^-0.01^0.00^0.01^0.02^0.03^0.04^0.03^0.02^0.01|266418^MDC_DIM_MILLI_VOLT^MDC|||||R\r"

// buildFloodTemplate is buildTemplate's message grown to at least size bytes (without framing) by waveform
// rows: a large valid ORU^R01, as a device that floods with well-formed messages sends. Its rows are
// about 330 bytes, so a 1 MB message has some 3,000 segments (fewer than configs/icu-example.yaml's
// max_segments, 5,000); its slots are those of buildTemplate, stamped per message the same way.
func buildFloodTemplate(idx, run, size int) *template {
	t := buildTemplate(idx, run)
	b := &builder{b: t.frame[:len(t.frame)-2]} // without the end block
	b.b = slices.Grow(b.b, size+len(waveRow)+16)
	for n := 8; len(b.b)-1 < size; n++ { // rows 1–7 are the numerics
		b.s("OBX|" + strconv.Itoa(n) + "|NA|131330^MDC_ECG_ELEC_POTL_II^MDC|1.1.1." + strconv.Itoa(n) + waveRow)
	}
	t.frame = append(b.b, endBlock, carriageReturn)
	return t
}

// eui64 is a made-up EUI-64 per monitor: a fixed prefix and the monitor's index.
func eui64(idx int) string { return fmt.Sprintf("0012340000%06X", idx&0xFFFFFF) }

// digits writes v in decimal with exactly n digits (the high ones dropped).
func digits(v, n int) string {
	b := make([]byte, n)
	putDigits(b, v)
	return string(b)
}

// putDigits writes v into b in decimal, zero-padded to len(b): the per-message stamp of a value.
func putDigits(b []byte, v int) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
}

// nextID advances the sequence part of MSH-10 by one, in place.
func (t *template) nextID() {
	seq := t.frame[t.id+seqStart : t.id+idLen]
	for i := len(seq) - 1; i >= 0; i-- {
		if seq[i] < '9' {
			seq[i]++
			return
		}
		seq[i] = '0'
	}
}

// controlID is the current MSH-10; it aliases the frame.
func (t *template) controlID() []byte { return t.frame[t.id : t.id+idLen] }

// stamp writes the slots of the next message: a new MSH-10, the time, the values. The numerics move at
// most once a second, as a monitor's 1 Hz numerics do (at thousands of messages a second a walk per
// message would be a physiologically impossible rate of change); the pulse rate flickers by a beat in
// every message, so no two messages carry the same values and the same time.
func (t *template) stamp(c *clock, v *vitals) {
	t.nextID()
	if t.stampTime(c) {
		v.step()
	}
	r := v.next()
	f := t.frame
	putDigits(f[t.hr:t.hr+2], v.hr)
	putDigits(f[t.pr:t.pr+2], v.hr+int(r%3)-1)
	putDigits(f[t.spo2:t.spo2+2], v.spo2)
	putDigits(f[t.rr:t.rr+2], v.rr)
	putDigits(f[t.sys:t.sys+3], v.sy)
	putDigits(f[t.dia:t.dia+2], v.di)
	putDigits(f[t.mean:t.mean+2], (v.sy+2*v.di+1)/3)
}

// stampTime writes the clock's current stamp into the time slots when it changed since the last
// message, and reports whether its second did (always, for the first message).
func (t *template) stampTime(c *clock) bool {
	now, last := c.now.Load(), t.last
	if now == last {
		return false
	}
	t.last = now
	for _, off := range t.stamps {
		copy(t.frame[off:off+stampLen], now[:])
	}
	return last == nil || *now != *last
}

// vitals is one simulated patient: a slow random walk inside ranges that keep every value's width fixed
// (HR, PR, SpO2, RR, diastolic and mean two digits, systolic three), with the mean pressure derived from
// systolic and diastolic as a cuff computes it and the pulse rate within one beat of the heart rate. The
// cuff pressures are one reading, repeated as a monitor repeats its latest determination between
// cuff cycles (minutes apart, longer than a run).
type vitals struct {
	rng                  uint64 // xorshift64 state
	hr, spo2, rr, sy, di int
}

func newVitals(idx int) vitals {
	return vitals{rng: uint64(idx)*0x9E3779B97F4A7C15 + 1, hr: 70 + idx%20, spo2: 97, rr: 14 + idx%5,
		sy: 110 + idx%15, di: 65 + idx%10}
}

func (v *vitals) next() uint64 {
	v.rng ^= v.rng << 13
	v.rng ^= v.rng >> 7
	v.rng ^= v.rng << 17
	return v.rng
}

// step moves the walk by one second: each value changes by one with probability 1/4.
func (v *vitals) step() {
	r := v.next()
	v.hr = walk(v.hr, r, 0, 62, 97)
	v.spo2 = walk(v.spo2, r, 8, 95, 99)
	v.rr = walk(v.rr, r, 16, 12, 20)
}

// walk moves x by ±1 with probability 1/4 (three bits of r at shift), kept inside [lo, hi].
func walk(x int, r uint64, shift uint, lo, hi int) int {
	switch (r >> shift) & 7 {
	case 0:
		x--
	case 1:
		x++
	}
	return min(max(x, lo), hi)
}
