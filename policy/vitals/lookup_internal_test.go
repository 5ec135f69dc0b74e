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
			case 3: // short ones, whose words end in zero bytes
				k = k[:1+r.IntN(len(k))]
			}
			m[k] = r.Int()
		}
		l := newLookup(m)
		check := func(k string) {
			t.Helper()
			// The key alone, without capacity beyond it, and followed by
			// other bytes within its capacity (as a field inside a message
			// is).
			exact := []byte(k)
			for _, b := range [][]byte{exact[:len(k):len(k)], []byte(k + "0^x|MDC_" + k)[:len(k)]} {
				v, ok := l.get(b)
				if want, wantOK := m[k]; v != want || ok != wantOK {
					t.Fatalf("n=%d: get(%q) (capacity %d) = %d, %v; want %d, %v", n, k, cap(b), v, ok, want, wantOK)
				}
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
