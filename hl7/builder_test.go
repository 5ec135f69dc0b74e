package hl7_test

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

func TestBuilder(t *testing.T) {
	at := time.Date(2024, 3, 15, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		name  string
		d     hl7.Delimiters
		build func(b *hl7.Builder)
		want  string
	}{
		{"msh", hl7.DefaultDelimiters(), func(b *hl7.Builder) {
			b.Segment("MSH").Field("MON").Field("ICU").Skip(2).Time(at).Skip(1).
				Field("ORU").Component("R01").Component("ORU_R01").Field("1").Field("P").Field("2.6")
		}, "MSH|^~\\&|MON|ICU|||20240315103000+0000||ORU^R01^ORU_R01|1|P|2.6\r"},
		{"escaping", hl7.DefaultDelimiters(), func(b *hl7.Builder) {
			b.Segment("NTE").Field("1").Field("").Field("a|b^c~d\\e&f\rg")
		}, "NTE|1||a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f\\X0D\\g\r"},
		{"structure", hl7.DefaultDelimiters(), func(b *hl7.Builder) {
			b.Segment("PID").Skip(2).Field("42").Component("").Component("").Component("HOSP").Sub("x").Rep("43")
		}, "PID|||42^^^HOSP&x~43\r"},
		{"raw field", hl7.DefaultDelimiters(), func(b *hl7.Builder) {
			b.Segment("OBX").Field("1").RawField([]byte("150456^MDC_PULS_OXIM_SAT_O2^MDC"))
		}, "OBX|1|150456^MDC_PULS_OXIM_SAT_O2^MDC\r"},
		{"two segments", hl7.DefaultDelimiters(), func(b *hl7.Builder) {
			b.Segment("A01").Field("x")
			b.Segment("B01")
		}, "A01|x\rB01\r"},
		{"custom", hl7.Delimiters{'#', '$', '%', '@', '!', '*'}, func(b *hl7.Builder) {
			b.Segment("MSH").Field("A#B").Component("*")
		}, "MSH#$%@!*#A@F@B$@P@\r"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := hl7.NewBuilder(tc.d, []byte("pre"))
			tc.build(b)
			if got := string(b.Bytes()); got != "pre"+tc.want {
				t.Errorf("built %q, want %q", got[3:], tc.want)
			}
			if got := string(b.Bytes()); got != "pre"+tc.want {
				t.Errorf("second Bytes() = %q", got)
			}
		})
	}
}

func TestBuilderAllocs(t *testing.T) {
	buf := make([]byte, 0, 512)
	at := time.Date(2024, 3, 15, 10, 30, 0, 0, time.UTC)
	allocs := testing.AllocsPerRun(100, func() {
		b := hl7.NewBuilder(hl7.DefaultDelimiters(), buf[:0])
		b.Segment("MSH").Field("MON").Skip(4).Time(at).Skip(1).Field("ORU").Component("R40")
		b.Segment("OBX").Field("1").Field("a|b").Rep("c").Sub("d")
		buf = b.Bytes()
	})
	if allocs != 0 {
		t.Errorf("Builder: %v allocs, want 0", allocs)
	}
}

// value is one generated leaf: its position and its unescaped text.
type value struct {
	seg, field, rep, comp, sub int
	text                       string
}

// randomMessage builds a message of random values, many holding delimiter
// characters, CR, LF and escape-like text, and returns what it put where.
func randomMessage(r *rand.Rand, d hl7.Delimiters) ([]byte, []value) {
	alphabet := []byte{d.Field, d.Component, d.Repetition, d.EscapeChar, d.Subcomponent, '\r', '\n', 'X', '.', 'b', 'r', 'F', '0', 'D', ' ', 0, 0xff, 'M', 'S', 'H'}
	text := func() string {
		s := make([]byte, 1+r.IntN(12)) // never empty: an empty leaf is indistinguishable from a missing one
		for i := range s {
			s[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(s)
	}
	b := hl7.NewBuilder(d, nil)
	b.Segment("MSH").Field("MON").Skip(5).Field("ORU").Component("R01").Field("CTRL").Field("P").Field("2.6")
	var vals []value
	nseg := 1 + r.IntN(20)
	for seg := 1; seg <= nseg; seg++ {
		b.Segment("ZX" + string(rune('A'+seg%26)))
		for field := 1; field <= 1+r.IntN(6); field++ {
			for rep := 1; rep <= 1+r.IntN(3); rep++ {
				for comp := 1; comp <= 1+r.IntN(3); comp++ {
					for sub := 1; sub <= 1+r.IntN(3); sub++ {
						v := text()
						switch {
						case rep == 1 && comp == 1 && sub == 1:
							b.Field(v)
						case comp == 1 && sub == 1:
							b.Rep(v)
						case sub == 1:
							b.Component(v)
						default:
							b.Sub(v)
						}
						vals = append(vals, value{seg, field, rep, comp, sub, v})
					}
				}
			}
		}
	}
	return b.Bytes(), vals
}

// checkValues parses msg and compares every generated leaf.
func checkValues(t *testing.T, msg []byte, vals []value) {
	t.Helper()
	m, err := hl7.Parse(msg)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	d := m.Delimiters()
	for _, v := range vals {
		raw := m.Segment(v.seg).Field(v.field).Rep(v.rep).Component(v.comp).Sub(v.sub)
		if got := string(d.Unescape(nil, raw)); got != v.text {
			t.Fatalf("%d-%d[%d].%d.%d = %q, want %q", v.seg, v.field, v.rep, v.comp, v.sub, got, v.text)
		}
	}
}

// TestRoundTrip: Builder → Parse → Unescape gives back every value, for
// random values and random delimiters, directly and through MLLP framing.
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	candidates := []byte(`|^~\&#!$%@*+/:;<=>?[]{}`)
	for i := range 300 {
		d := hl7.DefaultDelimiters()
		if i%2 == 1 {
			p := r.Perm(len(candidates))
			d = hl7.Delimiters{candidates[p[0]], candidates[p[1]], candidates[p[2]], candidates[p[3]], candidates[p[4]], 0}
			if i%4 == 1 {
				d.Truncation = candidates[p[5]]
			}
		}
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		msg, vals := randomMessage(r, d)
		checkValues(t, msg, vals)

		var stream bytes.Buffer
		w := mllp.NewWriter(&stream)
		if err := w.WriteFrame(msg); err != nil {
			t.Fatal(err)
		}
		frame, err := mllp.NewReader(&stream, 1<<20).ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		checkValues(t, frame, vals)
	}
}
