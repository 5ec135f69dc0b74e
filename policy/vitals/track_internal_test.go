package vitals

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
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

// TestUnchangedFor pins the table of unchangedFor to math.Pow, inside it and
// beyond.
func TestUnchangedFor(t *testing.T) {
	for n := range uint32(1000) {
		if got, want := unchangedFor(n), math.Pow(1-changeAlpha, float64(n)); got != want {
			t.Fatalf("unchangedFor(%d) = %v, math.Pow says %v", n, got, want)
		}
	}
}

// TestMultipleOf5 pins multipleOf5 to math.Mod(v, 5) == 0: whole and
// fractional values, signed zeros, values about 2⁵² and 2⁶³, infinities,
// NaN and random bit patterns.
func TestMultipleOf5(t *testing.T) {
	// Among the package's slowest: the slow ones share the second core (-race on 2 cores).
	t.Parallel()
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

// TestPartnerMask: the bitmask holds exactly the related channels of
// trackInfo, pNone (a parameter without three) included.
func TestPartnerMask(t *testing.T) {
	for p := range numParams {
		for q := range numParams {
			want := false
			for _, r := range trackInfo[p].partners {
				want = want || r == q
			}
			if got := partnerMask[p]&chanBit(q, true) != 0; got != want {
				t.Errorf("partnerMask[%d] bit %d = %v, want %v", p, q, got, want)
			}
		}
	}
}

// TestTrackBaseline checks the baseline kept by push and reset against the
// median of the values, taken at every step of random pushes, resets and
// bed turnovers (newPatient).
func TestTrackBaseline(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	cfg := DefaultConfig()
	s := newStream(&cfg)
	tr := &s.tracks[pHR]
	for i := range 5000 {
		v := float64(r.IntN(40))
		randomTrackOp(s, tr, r.IntN(20), v)
		b, ok := tr.baseline()
		if ok != (tr.nb == baseN) {
			t.Fatalf("step %d: baseline present %v with %d values", i, ok, tr.nb)
		}
		if sorted := slices.Sorted(slices.Values(tr.base[:])); ok && b != sorted[baseN/2] {
			t.Fatalf("step %d: baseline %v, median of %v is %v", i, b, tr.base, sorted[baseN/2])
		}
	}
}
