package vitals

import (
	"fmt"
	"math/rand/v2"
	"slices"
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

// TestPushTuple checks replay_window's moving run (pushTuple) against
// taking each run whole, as the rule did before: the distinct tuples
// counted pairwise, and runs told apart by their tuples, over sequences of
// few tuple values (many repeats and equal runs) for run lengths from 4 to
// historyLen.
func TestPushTuple(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{4, 7, 12, 31, historyLen} {
		for _, values := range []int{2, 5, 40} {
			cfg := DefaultConfig()
			cfg.Rules.ReplayWindow.Samples = n
			s := newStream(&cfg)
			var seq []uint64
			runOf := map[uint64]string{} // run fingerprint -> the run
			fpOf := map[string]uint64{}  // and back
			for i := range 600 {
				h := uint64(r.IntN(values)) * 0x51af_d7ed_558c_cd11
				if i > 300 && i%100 < 60 {
					h = seq[i-80] // replay an earlier stretch
				}
				seq = append(seq, h)
				got := s.pushTuple(h, n)
				if len(seq) < n {
					if got != 0 {
						t.Fatalf("n %d: %d distinct before a whole run", n, got)
					}
					continue
				}
				run := seq[len(seq)-n:]
				want := 0
				for k := range run {
					if !slices.Contains(run[:k], run[k]) {
						want++
					}
				}
				if got != want {
					t.Fatalf("n %d, values %d, tuple %d: %d distinct, want %d", n, values, i, got, want)
				}
				key, fp := fmt.Sprint(run), mix(s.runSum)
				if prev, ok := runOf[fp]; ok && prev != key {
					t.Fatalf("n %d: runs %s and %s share a fingerprint", n, prev, key)
				}
				if prev, ok := fpOf[key]; ok && prev != fp {
					t.Fatalf("n %d: run %s has fingerprints %x and %x", n, key, prev, fp)
				}
				runOf[fp], fpOf[key] = key, fp
			}
			if len(fpOf) == 600-n+1 {
				t.Fatalf("n %d, values %d: no run repeated", n, values)
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

// randomTrackOp applies one step of a random walk over a stream's track:
// op 0 resets tr to v, op 1 starts a new patient, any other op pushes v.
func randomTrackOp(s *stream, tr *track, op int, v float64) {
	switch op {
	case 0:
		tr.reset(v)
	case 1:
		s.newPatient()
	default:
		tr.push(v)
	}
}
