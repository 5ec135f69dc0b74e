package vitals

import (
	"math/rand/v2"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
)

// TestFirstComponent checks firstComponent against hl7.Field.Component(1) on random fields full of
// delimiters.
func TestFirstComponent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const alphabet = "|||^^~&\\AB1."
	for range 5000 {
		seg := []byte("OBX")
		for range r.IntN(60) {
			seg = append(seg, alphabet[r.IntN(len(alphabet))])
		}
		m, err := hl7.Parse(append([]byte("MSH|^~\\&|A|B|||2026||ORU^R01|1|P\r"), seg...))
		if err != nil || m.NumSegments() != 2 {
			continue
		}
		s, d := m.Segment(1), m.Delimiters()
		for n := 1; n <= s.NumFields(); n++ {
			f := s.Field(n)
			if c := firstComponent(f.Bytes(), d); string(c) != string(f.Component(1).Bytes()) {
				t.Fatalf("%q: firstComponent of field %d = %q, want %q", s.Bytes(), n, c, f.Component(1).Bytes())
			}
		}
	}
}
