package vitals

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestLookup checks lookup against the map it is built from, for keys present
// and absent (prefixes, extensions, the empty key, keys of a length no key
// has), at several sizes.
func TestLookup(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 7, 31, 100} {
		m := map[string]int{}
		for len(m) < n {
			k := strconv.Itoa(r.IntN(1000000))
			switch r.IntN(8) {
			case 0, 1:
				k = "MDC_" + k
			case 2: // 62 bytes or longer: lengths from 63 on share one bit of lookup.lens
				k = strings.Repeat("x", 56) + k
			}
			m[k] = r.Int()
		}
		l := newLookup(m)
		check := func(k string) {
			t.Helper()
			v, ok := l.get([]byte(k))
			if want, wantOK := m[k]; v != want || ok != wantOK {
				t.Fatalf("n=%d: get(%q) = %d, %v; want %d, %v", n, k, v, ok, want, wantOK)
			}
		}
		check("")
		for k := range m {
			check(k)
			check(k[:len(k)-1])
			check(k + "0")
		}
		for range 1000 {
			check(strconv.Itoa(r.IntN(1000000)))
		}
	}
}
