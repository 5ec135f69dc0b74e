package vitals

import (
	"bytes"
	"hash/maphash"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// TestHeldTime: the stream's remembered OBX-14 gives the time ParseTimeIn
// gives for every text, repeated or not, unreadable ones, ones longer than
// it keeps and ones that share its prefix included.
func TestHeldTime(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	texts := []string{
		"20260105081720+0000", "20260105081720+0000", "20260105081720", "202601050817", "2026010508172",
		"20260105081720.1234+0100", "20260105081720.1234+0100^x", "2026-01-05", "20260105081720+0000",
		"20260105081721+0000", "20260105081720+000", "2026010508172012345678901234", "20260105081720+0000",
		"2026010508172012345678901234", "202601050817201234567890123", "x", "20260105081720",
	}
	var h heldTime
	for i, s := range texts {
		want, _ := hl7.ParseTimeIn([]byte(s), loc)
		// The caller's bytes change afterwards: the text must have been copied.
		raw := []byte(s)
		got := h.parse(raw, loc)
		copy(raw, bytes.Repeat([]byte("9"), len(raw)))
		if !got.Equal(want) || got.Location() != want.Location() {
			t.Fatalf("text %d %q: %v, want %v", i, s, got, want)
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

// TestStreamKey: the key hashed from a copy is the one a maphash.Hash's
// writes give, for names of every length around the copy's size.
func TestStreamKey(t *testing.T) {
	seed := maphash.MakeSeed()
	r := rand.New(rand.NewPCG(19, 1))
	for range 2000 {
		src := netip.AddrFrom4([4]byte{10, 0, byte(r.IntN(256)), byte(r.IntN(256))})
		if r.IntN(2) == 0 {
			src = netip.AddrFrom16([16]byte{0x20, 1, 0xd, 0xb8, 15: byte(r.IntN(256))})
		}
		app, fac := []byte(strings.Repeat("A", r.IntN(80))), []byte(strings.Repeat("f", r.IntN(80)))
		var h maphash.Hash
		h.SetSeed(seed)
		a16 := src.As16()
		h.Write(a16[:])
		h.Write(app)
		h.WriteByte(0)
		h.Write(fac)
		if got, want := streamKey(seed, src, app, fac), h.Sum64(); got != want {
			t.Fatalf("streamKey(%v, %d-byte app, %d-byte fac) = %#x, want %#x", src, len(app), len(fac), got, want)
		}
	}
}

// TestExtractSegmentNames: extract reads the rows of segments named OBX,
// as Segment.Name reads the name, and no other: not OBXX, OBX without its
// field separator, nor a name cut short by one.
func TestExtractSegmentNames(t *testing.T) {
	const row = "|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R"
	for _, tc := range []struct {
		seg string
		ok  bool
	}{{"OBX" + row, true}, {"OBXX" + row, false}, {"OB|X" + row, false}, {"ZBX" + row, false}, {"OBX", false}} {
		e, err := NewEngine(DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		msg := "MSH|^~\\&|MON|ICU|GW|H|20260105081720||ORU^R01|1|P|2.6\rPID|||123^^^H^MR||DOE^J\r" + tc.seg + "\r"
		var m hl7.Message
		if err := m.Parse([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		e.Observe(netip.MustParseAddr("10.0.0.1"), &m, time.Date(2026, 1, 5, 8, 17, 20, 0, time.UTC), nil)
		var s *stream
		for _, st := range e.streams {
			s = st.s
		}
		if got := s.cur[pHR].ok && s.cur[pHR].v == 72; got != tc.ok {
			t.Errorf("%q: heart rate read = %v, want %v", tc.seg, got, tc.ok)
		}
		if s.patient == 0 {
			t.Errorf("%q: PID not read", tc.seg)
		}
	}
}
