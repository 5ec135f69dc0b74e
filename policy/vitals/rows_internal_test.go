package vitals

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

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

// sameLayout runs extract over m with cached (its layout remembered) and
// uncached (its layout forgotten first), fails t when their results differ,
// and reports whether cached used its layout.
func sameLayout(t *testing.T, e *Engine, cached, uncached *stream, m *hl7.Message, at time.Time) (fast bool) {
	t.Helper()
	uncached.layout = rowLayout{}
	crh, urh := cached.hashRows(e, m), uncached.hashRows(e, m)
	fast = crh.fast
	if crh.content != urh.content {
		t.Fatalf("message %q: content fingerprint %x with the layout, %x without", m.Bytes(), crh.content, urh.content)
	}
	type out struct {
		dst            []Finding
		cur            [numParams]reading
		equip          string
		label, refused bool
		codes, unknown uint64
		eps            [maxEpisodes]episode
		pvc            bool
	}
	run := func(s *stream) out {
		em := emitter{e: e, s: s, arrival: at, src: netip.MustParseAddr("10.0.0.1"), m: m, msgTime: at}
		c0, u0 := e.Unrecognised()
		rh := s.hashRows(e, m)
		dst, _ := s.extract(e, &em, m, &rh, nil)
		c1, u1 := e.Unrecognised()
		o := out{dst, s.cur, string(em.equip.id), em.equip.label, em.equip.refused, c1 - c0, u1 - u0, [maxEpisodes]episode{}, s.pvcNow}
		if s.eps != nil {
			o.eps = *s.eps
		}
		return o
	}
	got, want := run(cached), run(uncached)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("message %q: with the layout\n%+v\nwithout\n%+v", m.Bytes(), got, want)
	}
	return fast
}

// TestRowLayout pins extract with a remembered row layout to extract
// without one: two streams see the same messages, the second with its
// layout forgotten before each, and must read the same values, report the
// same findings (and episodes), take the same EUI-64 and count the same unknown codes and
// units. The messages change one thing at a time (values only, then a
// unit, a code, a status, a flag, the fields before OBX-5 (same length), an OBX-14 time (absent, last, far), an OBX-14 time, an EUI-64, the
// delimiters, the number of rows, a segment between rows), each change
// repeated with new values so that the remembered layout is used with it.
func TestRowLayout(t *testing.T) {
	const eui = "00A0000120089285^EUI-64"
	base := []string{
		"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||1234^^1234^EUI-64",
		"OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|%d|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R||||||AMEAS^auto-measurement^MDC|1234^^1234^EUI-64",
		"OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|%d|%%^%%^UCUM|||||F||||||AMEAS^auto-measurement^MDC|1234^^1234^EUI-64",
		"OBX|4|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.3.1.1|%d|mmHg|||||F|||20260105002524+0000|||AMEAS^auto-measurement^MDC|1234^^1234^EUI-64",
		"OBX|5|NM|131841^MDC_ECG_AMPL_ST^MDC|1.1.2.1|0.%d|266418^MDC_DIM_MILLI_M^MDC|||||R||||||AMEAS^auto-measurement^MDC|1234^^1234^EUI-64",
		"OBX|6|NM|151562^MDC_RESP_RATE^MDC|1.1.1.2|%d|rpm|||||F",
	}
	with := func(k int, from, to string) []string {
		r := append([]string(nil), base...)
		r[k] = strings.Replace(r[k], from, to, 1)
		return r
	}
	long := append([]string(nil), base...)
	for len(long) < layoutRows+3 {
		long = append(long, base[1])
	}
	pvc := "OBX|7|NM|148066^MDC_ECG_V_P_C_RATE^MDC|1.1.1.3|%d|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R"
	withPVC := append(append([]string(nil), base...), pvc)
	pvcLate := append(append([]string(nil), long...), pvc)
	var longer []string
	longer = append(longer, long...)
	longer[layoutRows+1] = strings.Replace(longer[layoutRows+1], "264864^MDC_DIM_BEAT", "furlong^MDC_DIM_BEAT", 1)
	variants := []struct {
		name string
		rows []string
		msh  string
	}{
		{"base", base, ""},
		{"component separator", base, "MSH|!~\\&"},
		{"OBX-4 split in two", with(1, "|1.1.1.1|", "|1.1.1|1|"), ""},
		{"base", base, ""},
		{"bad unit", with(1, "264864^MDC_DIM_BEAT_PER_MIN^MDC", "mmHg"), ""},
		{"unknown unit", with(2, "%%^%%^UCUM", "furlong"), ""},
		{"no unit", with(2, "%%^%%^UCUM", ""), ""},
		{"unknown code", with(1, "147842^MDC_ECG_HEART_RATE", "999999^MDC_ECG_HEART_RATE"), ""},
		{"status D", with(1, "|||||R|", "|||||D|"), ""},
		{"demo", with(2, "%%^%%^UCUM||", "%%^%%^UCUM||DEMO~A"), ""},
		{"not NM", with(1, "|NM|", "|ST|"), ""},
		{"OBX-14 time", with(3, "20260105002524", "20260105003024"), ""},
		{"OBX-14 far", with(3, "|||AMEAS^auto-measurement^MDC|1234^^1234^EUI-64", "|||"+strings.Repeat("Z", 300)+"|1234^^1234^EUI-64"), ""},
		{"OBX-7 long", with(3, "|mmHg|||||F", "|mmHg|"+strings.Repeat("9", 300)+"||||F"), ""},
		{"OBX-14 empty", with(3, "|20260105002524+0000|", "||"), ""},
		{"OBX-14 last", with(5, "|rpm|||||F", "|rpm|||||F|||20260105001010"), ""},
		{"EUI-64 row 3", with(2, "1234^^1234^EUI-64", eui), ""},
		{"EUI-64 row 1", with(0, "1234^^1234^EUI-64", eui), ""},
		{"segment between", append(append(append([]string(nil), base[:2]...), "NTE|1||note"), base[2:]...), ""},
		{"17 rows", long, ""},
		{"17 rows, late unit", longer, ""},
		{"no OBX-5", with(5, "|%d|rpm|||||F", ""), ""},
		{"value with component", with(1, "|%d|264864^", "|%d^1|264864^"), ""},
		{"PVC row", withPVC, ""},
		{"PVC row NaN", append(append([]string(nil), base...), strings.Replace(pvc, "%d", "8388607", 1)), ""},
		{"PVC row empty", append(append([]string(nil), base...), strings.Replace(pvc, "|%d|", "||", 1)), ""},
		{"PVC row X", append(append([]string(nil), base...), strings.Replace(pvc, "|%d|", "|X|", 1)), ""},
		{"PVC row negative", append(append([]string(nil), base...), strings.Replace(pvc, "|%d|", "|-100|", 1)), ""},
		{"PVC row 18th", pvcLate, ""},
		{"base again", base, ""},
	}
	e, err := NewEngine(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	cached, uncached := newStream(&e.cfg), newStream(&e.cfg)
	at := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	fast, n := 0, 0
	for _, v := range variants {
		for rep := range 4 {
			n++
			var b strings.Builder
			msh := "MSH|^~\\&"
			if v.msh != "" {
				msh = v.msh
			}
			fmt.Fprintf(&b, "%s|MON^00A0000120089285^EUI-64|ICU|GW|HOSP|20260105000000||ORU^R01^ORU_R01|C%d|P|2.6\rPID|||MRN1^^^HOSP^MR||DOE^JOHN\rPV1||I|ICU^^BED1\rOBR|1|C%d|C%d|182777000^monitoring of patient^SCT\r", msh, n, n, n)
			for k, r := range v.rows {
				if strings.Contains(r, "%d") {
					r = fmt.Sprintf(r, 60+(n*7+k*3+rep)%50)
				} else {
					r = strings.ReplaceAll(r, "%%", "%")
				}
				b.WriteString(r + "\r")
			}
			var m hl7.Message
			if err := m.Parse([]byte(b.String())); err != nil {
				t.Fatalf("%s: %v", v.name, err)
			}
			at = at.Add(10 * time.Second)
			if sameLayout(t, e, cached, uncached, &m, at) {
				fast++
			}
		}
	}
	if fast < n/2 {
		t.Fatalf("the layout was used for %d of %d messages, want most", fast, n)
	}
}

// A row that ends before its OBX-5 (a trailing field separator after
// OBX-4) remembers no OBX-5 start: a later row with the same bytes up to
// there and a value in OBX-4 (and still no OBX-5) has no value to read, not
// its OBX-4.
func TestRowLayoutNoValueField(t *testing.T) {
	head := "MSH|^~\\&|MON|ICU|GW|HOSP|20260105000000||ORU^R01|C1|P|2.6\rPV1||I|ICU^^BED1\r"
	row := "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|"
	e, err := NewEngine(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	cached, uncached := newStream(&e.cfg), newStream(&e.cfg)
	at := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for i, b := range []string{head + row + "\r", head + row + "80\r", head + row + "80\r"} {
		var m hl7.Message
		if err := m.Parse([]byte(b)); err != nil {
			t.Fatal(err)
		}
		sameLayout(t, e, cached, uncached, &m, at.Add(time.Duration(i)*10*time.Second))
	}
}

// TestRowLayoutRandomRows pins extract with a remembered row layout to
// extract without one (sameLayout) over random OBX rows, each message
// followed by three others whose rows change a field, OBX-5, OBX-14 or their
// field count (a trailing field added or removed): the changes most likely
// to leave the bytes outside OBX-5 and OBX-14 as they were.
func TestRowLayoutRandomRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	tokens := []string{"", "", "", "72", "80", "1", "NM", "ST", "147842^MDC_ECG_HEART_RATE^MDC", "150456^MDC_PULS_OXIM_SAT_O2^MDC", "150021", "mmHg", "%", "264864^MDC_DIM_BEAT_PER_MIN^MDC", "F", "R", "D", "DEMO", "20260105002524", "20260105003024", "00A0000120089285^EUI-64", "1.1.1.1", "X", "9^9", "8~9"}
	tok := func() string { return tokens[rng.IntN(len(tokens))] }
	mkRow := func() []string {
		n := 2 + rng.IntN(19)
		f := make([]string, n)
		f[0] = "OBX"
		for i := 1; i < n; i++ {
			f[i] = tok()
		}
		if n > 3 && rng.IntN(2) == 0 {
			f[3] = tokens[8+rng.IntN(3)]
		}
		if n > 2 && rng.IntN(2) == 0 {
			f[2] = "NM"
		}
		return f
	}
	mutate := func(f []string) []string {
		g := append([]string(nil), f...)
		switch rng.IntN(5) {
		case 0:
			if len(g) > 1 {
				g[1+rng.IntN(len(g)-1)] = tok()
			}
		case 1:
			g = append(g, tok())
		case 2:
			if len(g) > 2 {
				g = g[:len(g)-1]
			}
		case 3:
			if len(g) > 5 {
				g[5] = tok()
			}
		case 4:
			if len(g) > 14 {
				g[14] = tok()
			}
		}
		return g
	}
	head := "MSH|^~\\&|MON|ICU|GW|HOSP|20260105000000||ORU^R01|C1|P|2.6\rPV1||I|ICU^^BED1\r"
	build := func(rows [][]string) *hl7.Message {
		var b strings.Builder
		b.WriteString(head)
		for _, r := range rows {
			b.WriteString(strings.Join(r, "|") + "\r")
		}
		var m hl7.Message
		if err := m.Parse([]byte(b.String())); err != nil {
			return nil
		}
		return &m
	}
	e, err := NewEngine(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for iter := range 5000 {
		nr := 1 + rng.IntN(4)
		rows := make([][]string, nr)
		for i := range rows {
			rows[i] = mkRow()
		}
		cached, uncached := newStream(&e.cfg), newStream(&e.cfg)
		m1 := build(rows)
		if m1 == nil {
			continue
		}
		sameLayout(t, e, cached, uncached, m1, at)
		for k := range 3 {
			r2 := make([][]string, nr)
			for i := range rows {
				r2[i] = rows[i]
				if rng.IntN(2) == 0 {
					r2[i] = mutate(rows[i])
				}
			}
			m2 := build(r2)
			if m2 == nil {
				continue
			}
			sameLayout(t, e, cached, uncached, m2, at.Add(time.Duration(iter*4+k+1)*time.Second))
		}
	}
}

// FuzzRowLayout checks extract with a remembered row layout against extract
// without one (see sameLayout) over two messages observed in turn, so that
// each is read with the other's layout, and again with its own.
func FuzzRowLayout(f *testing.F) {
	row := "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|%s|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||%s|||AMEAS|00A0000120089285^EUI-64\r"
	head := "MSH|^~\\&|MON|ICU|GW|HOSP|20260105000000||ORU^R01|C1|P|2.6\rPV1||I|ICU^^BED1\r"
	f.Add([]byte(head+fmt.Sprintf(row, "80", "")), []byte(head+fmt.Sprintf(row, "81", "")))
	f.Add([]byte(head+fmt.Sprintf(row, "80", "20260105000000")), []byte(head+fmt.Sprintf(row, "8|0", "20260105000000")))
	f.Add([]byte(head+fmt.Sprintf(row, "80", "")+"OBX|3|NM|150456|1|97|%|||||R"), []byte(head+fmt.Sprintf(row, "80", "")+"OBX|3|NM|150456|1|97|mmHg|||||R"))
	f.Add([]byte(head+"OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|\r"), []byte(head+"OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|80\r"))
	f.Fuzz(func(t *testing.T, b1, b2 []byte) {
		var m1, m2 hl7.Message
		if m1.Parse(b1) != nil || m2.Parse(b2) != nil {
			return
		}
		e, err := NewEngine(DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		cached, uncached := newStream(&e.cfg), newStream(&e.cfg)
		at := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
		for i, m := range []*hl7.Message{&m1, &m2, &m2, &m1, &m1} {
			sameLayout(t, e, cached, uncached, m, at.Add(time.Duration(i)*10*time.Second))
		}
		fresh := newStream(&e.cfg)
		if same := fresh.hashRows(e, &m1).content == fresh.hashRows(e, &m2).content; same != bytes.Equal(b1, b2) {
			t.Fatalf("messages %q and %q: content fingerprints equal %v", b1, b2, same)
		}
	})
}

// TestContentFingerprint checks that the content fingerprint of the rows'
// pass (rowsHash) tells a message (header, rows with and without a value
// and an OBX-14 time, a segment between rows) from every copy of it with one
// byte changed, with the stream's layout learned from the message and without
// one, and is the same for a copy.
func TestContentFingerprint(t *testing.T) {
	e, err := NewEngine(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	b := []byte("MSH|^~\\&|MON^00A0000120089285^EUI-64|ICU|GW|HOSP|20260105000000||ORU^R01^ORU_R01|C1|P|2.6\r" +
		"PID|||MRN1^^^HOSP^MR||DOE^JOHN\rPV1||I|ICU^^BED1\rOBR|1|C1|C1|182777000^monitoring of patient^SCT\r" +
		"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||1234^^1234^EUI-64\r" +
		"OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|79|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R||||||AMEAS^auto-measurement^MDC|1234^^1234^EUI-64\r" +
		"NTE|1||note\r" +
		"OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.3.1.1|120|mmHg|||||F|||20260105002524+0000|||AMEAS^auto-measurement^MDC|1234^^1234^EUI-64\r" +
		"OBX|4|NM|151562^MDC_RESP_RATE^MDC|1.1.1.2|19|rpm|||||F")
	var m hl7.Message
	if err := m.Parse(b); err != nil {
		t.Fatal(err)
	}
	learned := newStream(&e.cfg)
	rh := learned.hashRows(e, &m)
	em := emitter{e: e, s: learned, m: &m}
	learned.extract(e, &em, &m, &rh, nil)
	want := rh.content
	for _, s := range []*stream{learned, newStream(&e.cfg)} {
		if got := s.hashRows(e, &m).content; got != want {
			t.Fatalf("copy: fingerprint %x, want %x", got, want)
		}
		for i := range b {
			c := bytes.Clone(b)
			c[i] ^= 0x20
			var mc hl7.Message
			if mc.Parse(c) != nil {
				continue
			}
			if s.hashRows(e, &mc).content == want {
				t.Fatalf("byte %d changed: the same fingerprint", i)
			}
		}
	}
}

// TestPVCRowCountedOnce (review35c): the PVC-rate row (PVCRateCode), read field
// by field in every message for arrSuspended, is an unknown code counted
// once per message, as every other unknown row, whether the message is read
// with the stream's layout or without it, and among the layout's rows or
// beyond them.
func TestPVCRowCountedOnce(t *testing.T) {
	const hr = "OBX|%d|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|%d|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R"
	const pvc = "OBX|%d|NM|148066^MDC_ECG_V_P_C_RATE^MDC|1.1.1.3|%d|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R"
	const other = "OBX|%d|NM|999999^MDC_UNKNOWN^MDC|1.1.1.4|%d|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R"
	for _, filler := range []int{0, layoutRows} {
		e, err := NewEngine(DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		s := newStream(&e.cfg)
		at := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
		fast := 0
		for n := range 6 {
			var b strings.Builder
			fmt.Fprintf(&b, "MSH|^~\\&|MON|ICU|GW|HOSP|20260105000000||ORU^R01|C%d|P|2.6\rPV1||I|ICU^^BED1\r", n)
			k := 1
			for range filler {
				fmt.Fprintf(&b, hr+"\r", k, 70+n)
				k++
			}
			fmt.Fprintf(&b, pvc+"\r", k, n%3)
			fmt.Fprintf(&b, other+"\r", k+1, n)
			var m hl7.Message
			if err := m.Parse([]byte(b.String())); err != nil {
				t.Fatal(err)
			}
			at = at.Add(10 * time.Second)
			em := emitter{e: e, s: s, arrival: at, src: netip.MustParseAddr("10.0.0.1"), m: &m, msgTime: at}
			c0, _ := e.Unrecognised()
			rh := s.hashRows(e, &m)
			if rh.fast {
				fast++
			}
			s.extract(e, &em, &m, &rh, nil)
			if c1, _ := e.Unrecognised(); c1-c0 != 2 {
				t.Errorf("%d rows before: message %d (with the layout: %v) counted %d unknown codes, want 2", filler, n, rh.fast, c1-c0)
			}
			if !s.pvcNow {
				t.Errorf("%d rows before: message %d: the PVC row not read", filler, n)
			}
		}
		if fast == 0 {
			t.Errorf("%d rows before: the layout was never used", filler)
		}
	}
}

// TestEquipOf: the layout's equipment row gives the EUI-64 that EUI64 reads
// from its OBX-18, in the message that finds where it lies (equipAt) and in
// later ones whose row differs before OBX-18 (another value, another
// OBX-14), with fields after OBX-18 or none, and with an EUI-64 too far
// from the row's end to be kept (read field by field every time).
func TestEquipOf(t *testing.T) {
	d := hl7.DefaultDelimiters()
	read := func(row string) []byte {
		var m hl7.Message
		if err := m.Parse([]byte("MSH|^~\\&|MON|ICU|GW|H|20260105081720||ORU^R01|1|P|2.6\r" + row + "\r")); err != nil {
			t.Fatal(err)
		}
		return m.Segment(1).Field(18).Bytes()
	}
	for _, f := range []string{
		"00A0000120089285^EUI-64", "00-a0-00-01-20-08-92-85^^x^EUI-64", "00A0000120089285~1234",
		"12340000000001^^12340000000001^EUI-64", "^^00A0000120089285^EUI-64", "BED-01^00A0000120089285",
		"00A000012008928~00A0000120089285", "00A0000120089285", "SER&IAL-7^EUI-64", "BED01", "",
	} {
		for _, tail := range []string{"", "|", "|x^y|20260105081720", "|" + strings.Repeat("z", 300)} {
			var l rowLayout
			for k, pre := range []string{
				"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|/min|||||F|||",
				"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|172.5|/min|||||F|||20260105081720",
				"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1||/min|||||F|||2026",
			} {
				row := pre + "||||" + f + tail
				want := EUI64(read(row), d)
				if got := l.equipOf([]byte(row), d); !bytes.Equal(got, want) || (got == nil) != (want == nil) {
					t.Errorf("message %d, OBX-18 %q, tail %.12q: equipOf = %q, want %q (equipAt %d)", k, f, tail, got, want, l.equipAt)
				}
			}
			if back := len(tail) + len(f); len(EUI64([]byte(f), d)) > 0 && back < 255 && l.equipAt == 0 {
				t.Errorf("OBX-18 %q, tail %.12q: equipAt not kept", f, tail)
			}
		}
	}
}
