package vitals

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"unsafe"

	"github.com/hl7gate/hl7gate/hl7"
)

// TestMedian5 pins median5 to the median a sort gives, ties included.
func TestMedian5(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		var b [baseN]float64
		for i := range b {
			b[i] = float64(r.IntN(7)) // few distinct values: many ties
			if r.IntN(2) == 0 {
				b[i] = r.NormFloat64() * 50
			}
		}
		s := b
		slices.Sort(s[:])
		if got := median5(&b); got != s[baseN/2] {
			t.Fatalf("median5(%v) = %v, want %v", b, got, s[baseN/2])
		}
	}
}

// TestIrregular pins irregular to the median of the sorted changes compared
// with lim, including lims equal to a change and exactly half the changes
// at or above lim; the samples enter through pushHR, which counts the
// changes of at least the configured lim (see TestIrregularCount).
func TestIrregular(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	counted := DefaultConfig().Rules.HRPR.Irregular
	for range 50000 {
		var s stream
		n := 17 + r.IntN(40)
		for range n {
			v := float64(60 + r.IntN(12))
			if r.IntN(3) == 0 {
				v += r.Float64()
			}
			s.pushHR(v, counted)
		}
		var d [16]float64
		for k := range d {
			d[k] = max(s.hr[(s.hrN-1-k)%historyLen]-s.hr[(s.hrN-2-k)%historyLen], s.hr[(s.hrN-2-k)%historyLen]-s.hr[(s.hrN-1-k)%historyLen])
		}
		lims := []float64{float64(r.IntN(8)), r.Float64() * 8, d[r.IntN(16)]}
		slices.Sort(d[:])
		lims = append(lims, (d[7]+d[8])/2, d[7], d[8], counted)
		for _, lim := range lims {
			if got, want := s.irregular(lim), (d[7]+d[8])/2 >= lim; got != want {
				t.Fatalf("irregular(%v) = %v, want %v (changes %v)", lim, got, want, d)
			}
		}
	}
}

// TestEUI64 checks which OBX-18 (or MSH-3) values are taken as the
// device's EUI-64: the first component, in any repetition, of 16 hex digits
// or marked so by the next.
func TestEUI64(t *testing.T) {
	d := hl7.DefaultDelimiters()
	for _, tc := range []struct{ f, want string }{
		{"00A0000120089285^EUI-64", "00A0000120089285"},
		{"00-a0-00-01-20-08-92-85^^x^EUI-64", "00-a0-00-01-20-08-92-85"},
		{"00A0000120089285~1234", "00A0000120089285"},
		{"12340000000001^^12340000000001^EUI-64", "12340000000001"}, // 14 digits, but marked
		{"12340000000001", ""},                                      // 14 digits, unmarked
		{"00A000012008928", ""},                                     // 15
		{"00A00001200892850", ""},                                   // 17
		{"00A0000120089G85", ""},                                    // not hex
		{"BED01", ""},
		{"", ""},
		{"00A0000120089285", "00A0000120089285"},
		{"00A000012008928^5", ""},
		{"00A000012008928~00A0000120089285", "00A0000120089285"},
		{"00A0000120089285^^", "00A0000120089285"},
		{"^^00A0000120089285^EUI-64", "00A0000120089285"}, // IHE, entity identifier empty
		{"BED-01^00A0000120089285", "00A0000120089285"},
		{"MINDRAY_EGATEWAY^00A037FFFE5AB708^EUI-64", "00A037FFFE5AB708"}, // an MSH-3
		{"ICU-B057^BED 7", ""},
		{"SERIAL-7^EUI-64x", ""},
		{"SERIAL-7~EUI-64", ""}, // a repetition, not the type
	} {
		if got := string(EUI64([]byte(tc.f), d)); got != tc.want {
			t.Errorf("EUI64(%q) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

// TestCode checks which OBX-3 component names the parameter: component 1 of
// the first repetition, else component 4, else component 2.
func TestCode(t *testing.T) {
	e, err := NewEngine(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	d := hl7.DefaultDelimiters()
	for _, tc := range []struct {
		f    string
		want param
		ok   bool
	}{
		{"147842^MDC_ECG_HEART_RATE^MDC", pHR, true},
		{"8867-4^Heart rate^LN^147842^MDC_ECG_HEART_RATE^MDC", pHR, true},
		{"X1^whatever^L^150456^MDC_PULS_OXIM_SAT_O2^MDC", pSpO2, true}, // component 4
		{"999^150456^x^150344", pTemp, true},                           // component 4 before 2
		{"^150456", pSpO2, true},                                       // component 2
		{"150456~147842", pSpO2, true},                                 // first repetition only
		{"~147842", pNone, false},
		{"131841^MDC_ECG_AMPL_ST^MDC", pNone, false},
		{"131841", pNone, false},
		{"", pNone, false},
	} {
		if p, ok := e.t.code([]byte(tc.f), d); p != tc.want || ok != tc.ok {
			t.Errorf("code(%q) = %v, %v; want %v, %v", tc.f, p, ok, tc.want, tc.ok)
		}
	}
	// Random OBX-3 values against strings.Split: component 1 of the first
	// repetition, else 4, else 2, each when not empty.
	r0 := rand.New(rand.NewPCG(21, 22))
	parts := []string{"", "150456", "147842", "MDC_X", "8867-4", "1", "^", "~", "^", "~"}
	for range 100000 {
		var b strings.Builder
		for range r0.IntN(12) {
			b.WriteString(parts[r0.IntN(len(parts))])
		}
		f := b.String()
		want, wantOK := pNone, false
		comps := strings.Split(strings.SplitN(f, "~", 2)[0], "^")
		for _, c := range []int{0, 3, 1} {
			if c < len(comps) && comps[c] != "" {
				if p, ok := e.t.codes.get([]byte(comps[c])); ok {
					want, wantOK = p, true
					break
				}
			}
		}
		if p, ok := e.t.code([]byte(f), d); p != want || ok != wantOK {
			t.Fatalf("code(%q) = %v, %v; want %v, %v", f, p, ok, want, wantOK)
		}
	}
	// componentEnd is the length firstComponent cuts to, separators
	// anywhere, within the first word or after it, or beyond the field
	// in its capacity.
	r := rand.New(rand.NewPCG(19, 20))
	alphabet := []byte{'1', '^', '~', '&', 0x80, 0xff, '^' + 0x80, '^' - 1, '^' + 1}
	for range 200000 {
		buf := make([]byte, 1+r.IntN(20))
		for i := range buf {
			buf[i] = alphabet[r.IntN(len(alphabet))]
			if r.IntN(4) > 0 {
				buf[i] = '1'
			}
		}
		n := r.IntN(len(buf) + 1)
		f := buf[:n]
		if r.IntN(2) == 0 {
			f = buf[:n:n]
		}
		if got, want := componentEnd(f, d), len(firstComponent(f, d)); got != want {
			t.Fatalf("componentEnd(%q, capacity %d) = %d, want %d", f, cap(f), got, want)
		}
	}
}

// TestMultipleOf5 pins multipleOf5 to math.Mod(v, 5) == 0: whole and
// fractional values, signed zeros, values about 2⁵² and 2⁶³, infinities,
// NaN and random bit patterns.
func TestMultipleOf5(t *testing.T) {
	vs := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64, 0.5, 2.5, 5.000000000000001, 1 << 52, 1<<52 + 5, 1<<52 - 5, 1 << 53, 1<<53 + 2, 1 << 63, -(1 << 63), 1e300}
	for v := -1000.0; v <= 1000; v += 0.25 {
		vs = append(vs, v)
	}
	r := rand.New(rand.NewPCG(5, 5))
	for range 100000 {
		vs = append(vs, math.Float64frombits(r.Uint64()), float64(r.Int64N(1<<54)-1<<53), math.Ldexp(float64(r.IntN(1<<20)), r.IntN(80)))
	}
	for _, v := range vs {
		for _, x := range []float64{v, -v, math.Nextafter(v, math.Inf(1)), math.Nextafter(v, math.Inf(-1))} {
			if got, want := multipleOf5(x), math.Mod(x, 5) == 0; got != want {
				t.Fatalf("multipleOf5(%v) = %v, math.Mod says %v", x, got, want)
			}
		}
	}
}

// TestPeriodicCounts pins periodic, which reads the per-lag counts pushHR
// keeps, to the comparison of the latest periodRun heart rates with those
// at every lag, over random series of few values with looped stretches and
// breaks (hrN reset, as a message without a heart rate does).
func TestPeriodicCounts(t *testing.T) {
	naive := func(s *stream) (lag, distinct int) {
		if s.hrN < periodRun+periodMinLag {
			return 0, 0
		}
		at := func(k int) float64 { return s.hr[(s.hrN-1-k)%historyLen] }
		for l := periodMinLag; l+periodRun <= min(s.hrN, historyLen) && lag == 0; l++ {
			k := 0
			for k < periodRun && at(k) == at(k+l) {
				k++
			}
			if k == periodRun {
				lag = l
			}
		}
		if lag == 0 {
			return 0, 0
		}
		seen := map[float64]bool{}
		for k := range periodRun {
			seen[at(k)] = true
		}
		if len(seen) < periodDistinct {
			return 0, len(seen)
		}
		return lag, len(seen)
	}
	r := rand.New(rand.NewPCG(3, 4))
	cfg := DefaultConfig()
	found := 0
	for range 200 {
		s := newStream(&cfg)
		loop := 0 // > 0: repeating the sample that many back
		for i := range 2000 {
			switch r.IntN(200) {
			case 0:
				s.hrN = 0
			case 1, 2:
				loop = periodMinLag + r.IntN(periodMaxLag+3-periodMinLag)
			case 3:
				loop = 0
			}
			v := float64(60 + r.IntN(8))
			if loop > 0 && s.hrN > loop {
				v = s.hrBack(loop - 1)
			}
			s.pushHR(v, cfg.Rules.HRPR.Irregular)
			gl, gd := s.periodic()
			wl, wd := naive(s)
			if gl != wl || gd != wd {
				t.Fatalf("step %d: periodic %d, %d; comparing the runs %d, %d", i, gl, gd, wl, wd)
			}
			if gl > 0 {
				found++
			}
		}
	}
	if found < 1000 {
		t.Fatalf("only %d periodic runs: the test does not exercise them", found)
	}
}

// TestUnchangedFor pins the table of unchangedFor to math.Pow, inside it and
// beyond.
func TestUnchangedFor(t *testing.T) {
	for n := range uint32(1000) {
		if got, want := unchangedFor(n), math.Pow(1-changeAlpha, float64(n)); got != want {
			t.Fatalf("unchangedFor(%d) = %v, math.Pow says %v", n, got, want)
		}
	}
}

// TestIrregularCount pins irregular, which reads the changes pushHR counted,
// to the median of the last irregularN changes, over random series whose
// changes often sit at the threshold, with breaks (as regular makes them
// when a message has no heart rate), and for thresholds other than the one
// counted.
func TestIrregularCount(t *testing.T) {
	naive := func(s *stream, lim float64) bool {
		if s.hrN < irregularN+1 {
			return false
		}
		var d [irregularN]float64
		for k := range d {
			d[k] = math.Abs(s.hrBack(k) - s.hrBack(k+1))
		}
		sort.Float64s(d[:])
		return (d[irregularN/2-1]+d[irregularN/2])/2 >= lim
	}
	r := rand.New(rand.NewPCG(11, 12))
	cfg := DefaultConfig()
	lim := cfg.Rules.HRPR.Irregular
	fast := 0
	for range 100 {
		s := newStream(&cfg)
		v := 80.0
		spread := 1 + r.IntN(int(2*lim))
		for i := range 3000 {
			if r.IntN(300) == 0 {
				s.hrN, s.eqN, s.hrAbove = 0, 0, 0 // as regular does
			}
			if r.IntN(100) == 0 {
				spread = 1 + r.IntN(int(2*lim))
			}
			v = max(30, min(200, v+float64(r.IntN(2*spread+1)-spread)))
			s.pushHR(v, lim)
			for _, l := range []float64{lim, lim - 1, lim + 0.5} {
				if got, want := s.irregular(l), naive(s, l); got != want {
					t.Fatalf("step %d, limit %v: irregular %v, the median says %v", i, l, got, want)
				}
			}
			if s.hrN > irregularN && s.hrAbove != irregularN/2 {
				fast++
			}
		}
	}
	if fast < 100000 {
		t.Fatalf("only %d judged from the count", fast)
	}
}

// TestStreamSizeClass keeps a monitor's state inside the allocator's 21,760 B
// size class, which holds 21,752 B of an object with pointers (Go puts an
// 8-byte header in front): one word more moves every monitor to the 24,576 B
// class, 2.8 KiB each (BenchmarkMemoryPerMonitor saw it in session 30, until
// three flags moved into padding). A change that needs more says so here
// and in docs/vitals.md.
func TestStreamSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(stream{}); n > 21752 {
		t.Errorf("stream is %d B, over the 21,752 B its size class holds", n)
	}
}
