package inventory

import (
	"bytes"
	"container/list"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/internal/sim"
)

// msg joins segments with CR and parses them.
func msg(t testing.TB, segs ...string) *hl7.Message {
	t.Helper()
	m, err := hl7.Parse([]byte(strings.Join(segs, "\r") + "\r"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const (
	pid = "PID|||123456^^^HOSP^MR||DOE^JANE||19700101|F"
	pv1 = "PV1||I|ICU^01^A"
	obr = "OBR|1|||182777000^monitoring of patient^SCT|||20261202170000"
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		segs []string
		want Identity
	}{{
		name: "Mindray: EUI-64 in MSH-3",
		segs: []string{"MSH|^~\\&|MINDRAY_VS_SERIES^00a037009b023649^EUI-64|ICU|||20261202||ORU^R01^ORU_R01|1|P|2.6", pid,
			"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|77|262688^MDC_DIM_PERCENT^MDC||DEMO|||R"},
		want: Identity{Sender: "MINDRAY_VS_SERIES", EUI64: "00A037009B023649"},
	}, {
		name: "GE B40: EUI-64 as OBX-18.1",
		segs: []string{"MSH|^~\\&|B40|ICU|||20261202||ORU^R01^ORU_R01|7|P|2.6", pid, obr,
			"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X",
			"OBX|2|NM|150033^MDC_PRESS_BLD_ART_SYS^MDC|1.13.1.1|112|266016^MDC_DIM_MMHG^MDC|||||R|||||||080019FFFE0B4020^B40_GE"},
		want: Identity{Sender: "B40", EUI64: "080019FFFE0B4020", Equipment: "080019FFFE0B4020"},
	}, {
		name: "PCD-01 MDS row with EUI-64 type and product rows",
		segs: []string{"MSH|^~\\&|CMS8000|WARD|||20261202||ORU^R01^ORU_R01|9|P|2.6", pid, pv1, obr,
			"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||XY150Z0409^^0009fbffff059322^EUI-64",
			"OBX|2|ST|531970^MDC_ID_MODEL_MANUFACTURER^MDC|1.0.0.1|Contec||||||X",
			"OBX|3|ST|531969^MDC_ID_MODEL_NUMBER^MDC|1.0.0.2|CMS8000||||||X",
			"OBX|4|ST|531972^MDC_ID_PROD_SPEC_SERIAL^MDC|1.0.0.3|SN0042||||||X",
			"OBX|5|ST|531974^MDC_ID_PROD_SPEC_HW^MDC|1.0.0.4|HW2||||||X",
			"OBX|6|ST|531975^MDC_ID_PROD_SPEC_SW^MDC|1.0.0.5|2.1.7||||||X",
			"OBX|7|ST|531976^MDC_ID_PROD_SPEC_FW^MDC|1.0.0.6|CMS7.820.075.08/0.74(0.75)||||||X",
			"OBX|8|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R"},
		want: Identity{Sender: "CMS8000", EUI64: "0009FBFFFF059322", Equipment: "XY150Z0409", Manufacturer: "Contec",
			Model: "CMS8000", Serial: "SN0042", Hardware: "HW2", Software: "2.1.7", Firmware: "CMS7.820.075.08/0.74(0.75)"},
	}, {
		name: "no device identifiers, patient data ignored",
		segs: []string{"MSH|^~\\&|MON|ICU|||20261202||ORU^R01|1|P|2.5", pid, pv1,
			"OBX|1|ST|531969^MDC_ID_MODEL_NUMBER^MDC"}, // too short to carry OBX-5
		want: Identity{Sender: "MON"},
	}, {
		name: "not an EUI-64, overlong and control characters",
		segs: []string{"MSH|^~\\&|X^nothex!!nothex!!^EUI-64|ICU|||20261202||ORU^R01|1|P|2.6",
			"OBX|1|ST|531970^MDC_ID_MODEL_MANUFACTURER^MDC|1|A\\X09\\B\x01C" + strings.Repeat("z", 100)},
		want: Identity{Sender: "X", Manufacturer: ("A\\X09\\B C" + strings.Repeat("z", 100))[:MaxLen]},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := msg(t, tc.segs...)
			got := Extract(m)
			if got != tc.want {
				t.Fatalf("\ngot  %+v\nwant %+v", got, tc.want)
			}
			if got.Update(m) {
				t.Fatal("a second Update of the same message reports a change")
			}
			for _, leak := range []string{"123456", "DOE", "19700101", "ICU^01"} {
				if strings.Contains(fmt.Sprint(got), leak) {
					t.Fatalf("patient data %q in the identity", leak)
				}
			}
		})
	}
}

// fieldHasPrefix finds the field by counting separators: at the segment's end, in an empty or short field, and
// never past the field it was asked about.
func TestFieldHasPrefix(t *testing.T) {
	tests := []struct {
		seg  string
		n    int
		want bool
	}{
		{"OBX|1|ST|531969^MDC_ID_MODEL_NUMBER^MDC|1|M3", 3, true},
		{"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1|5319", 3, false}, // in OBX-5, not OBX-3
		{"OBX|1|ST|5319", 3, true},
		{"OBX|1|ST|531", 3, false}, // shorter than the prefix
		{"OBX|1|ST||531969", 3, false},
		{"OBX|1|ST", 3, false}, // no OBX-3
		{"OBX|1|ST|", 3, false},
		{"OBX#1#ST#531969", 3, false}, // '|' is not this segment's separator
	}
	for _, tc := range tests {
		if got := fieldHasPrefix([]byte(tc.seg), '|', tc.n, productPart); got != tc.want {
			t.Errorf("fieldHasPrefix(%q, %d) = %v, want %v", tc.seg, tc.n, got, tc.want)
		}
	}
	if !fieldHasPrefix([]byte("OBX#1#ST#531969"), '#', 3, productPart) {
		t.Error("fieldHasPrefix with '#' as the separator: false")
	}
}

func TestUpdateAllocs(t *testing.T) {
	m := msg(t, "MSH|^~\\&|CMS8000^0009FBFFFF059322^EUI-64|WARD|||20261202||ORU^R01^ORU_R01|9|P|2.6", pid, obr,
		"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||XY150Z0409^^0009FBFFFF059322^EUI-64",
		"OBX|2|ST|531969^MDC_ID_MODEL_NUMBER^MDC|1.0.0.2|CMS8000||||||X",
		"OBX|3|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R")
	id := Extract(m)
	if n := testing.AllocsPerRun(100, func() {
		if id.Update(m) {
			t.Fatal("changed")
		}
	}); n != 0 {
		t.Fatalf("Update of an unchanged identity allocates %v times", n)
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"*CMS8000*", "CMS8000", true},
		{"*CMS8000*", "contec cms8000 plus", true},
		{"*CMS8000*", "CMS800", false},
		{"CMS7.820.*", "CMS7.820.075.08/0.74(0.75)", true},
		{"CMS7.820.*", "XCMS7.820.1", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*", "", true},
		{"x", "", false},
		{"*a*b*c", "aXbYbZc", true},
		{"*a*b*c", "aXbYbZ", false},
		{"", "", true},
	}
	for _, tc := range tests {
		if got := glob(tc.p, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

func TestWatchlist(t *testing.T) {
	wl, err := NewWatchlist([]Entry{{Name: "acme-x1", Manufacturer: "acme*", Model: "X1", Advisory: "TEST-1"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		id   Identity
		want string // entry name, "" for none
	}{
		{"CMS8000 by model", Identity{Manufacturer: "Contec", Model: "CMS8000"}, "contec-cms8000"},
		{"CMS8000 by sender only", Identity{Sender: "CONTEC_CMS8000"}, "contec-cms8000-sender"},
		{"CMS8000 firmware, unknown model", Identity{Firmware: "CMS7.820.120.01/0.93(0.95)"}, "contec-cms8000-firmware"},
		{"firmware in the software row", Identity{Software: "smart3250-2.6.27-wlan2.1.7.cramfs"}, "contec-cms8000-firmware-smart3250"},
		{"Epsimed relabel", Identity{Manufacturer: "Epsimed", Model: "MN-120"}, "epsimed-mn120"},
		{"configured entry", Identity{Manufacturer: "ACME Medical", Model: "x1"}, "acme-x1"},
		{"configured entry needs both", Identity{Manufacturer: "ACME Medical", Model: "X2"}, ""},
		{"Mindray", Identity{Sender: "MINDRAY_VS_SERIES", EUI64: "00A037009B023649"}, ""},
		{"empty", Identity{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := wl.Match(&tc.id)
			got := ""
			if ok {
				got = e.Name
			}
			if got != tc.want {
				t.Fatalf("matched %q, want %q", got, tc.want)
			}
		})
	}
	b := Builtin()
	if len(b) == 0 || !strings.Contains(b[0].Advisories(), "ICSMA-25-030-01 CVE-2024-12248 CVE-2025-0626 CVE-2025-0683 CVE-2025-1204") {
		t.Fatalf("built-in entries %+v", b)
	}
}

func TestWatchlistInvalid(t *testing.T) {
	_, err := NewWatchlist([]Entry{{Name: "contec-cms8000", Model: "x"}, {Model: "y"}, {Name: "empty"}})
	want := "watchlist[0].name: \"contec-cms8000\" is used twice\nwatchlist[1].name: required\n" +
		"watchlist[2]: sets none of sender, manufacturer, model, firmware"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
}

func TestInventory(t *testing.T) {
	wl, err := NewWatchlist(nil)
	if err != nil {
		t.Fatal(err)
	}
	inv := New(2, wl)
	t0 := time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)
	cms := Identity{Sender: "CMS8000", EUI64: "0009FBFFFF059322"}
	see := func(id Identity, sec int, addr string) *Entry {
		return inv.Observe(id, Sighting{Time: t0.Add(time.Duration(sec) * time.Second), Addr: netip.MustParseAddr(addr),
			Listener: "icu-a", MessageType: "ORU^R01"})
	}
	hit := see(cms, 0, "10.0.0.5")
	if d, _ := inv.Get(cms.EUI64); hit == nil || hit.Name != "contec-cms8000-sender" || d.Watchlist != hit {
		t.Fatalf("first message of a CMS8000: hit %v", hit)
	}
	for i := 1; i <= 10; i++ { // same device, more addresses than kept
		if hit := see(cms, i, fmt.Sprintf("10.0.0.%d", i)); hit != nil {
			t.Fatalf("hit reported again at message %d", i+1)
		}
	}
	// The product rows arrive later: the identity is merged, and the better entry is reported once.
	withModel := Identity{EUI64: cms.EUI64, Manufacturer: "Contec", Model: "CMS8000"}
	if hit = see(withModel, 11, "10.0.0.10"); hit == nil || hit.Name != "contec-cms8000" {
		t.Fatalf("after the product rows: hit %v", hit)
	}
	if hit = see(withModel, 12, "10.0.0.10"); hit != nil {
		t.Fatal("hit reported twice")
	}
	if n := testing.AllocsPerRun(50, func() { see(withModel, 12, "10.0.0.10") }); n != 0 {
		t.Fatalf("Observe of a known device allocates %v times", n)
	}
	d, _ := inv.Get(cms.EUI64)
	if d.Identity.Sender != "CMS8000" || d.Identity.Model != "CMS8000" {
		t.Fatalf("merged identity %+v", d.Identity)
	}
	d.Messages -= 50 + 1 // the AllocsPerRun runs (and its warm-up)
	if d.Messages != 13 || !d.FirstSeen.Equal(t0) || !d.LastSeen.Equal(t0.Add(12*time.Second)) || len(d.Addrs) != maxAddrs ||
		d.Addrs[len(d.Addrs)-1] != netip.MustParseAddr("10.0.0.10") || d.Addrs[0] != netip.MustParseAddr("10.0.0.3") ||
		len(d.Listeners) != 1 || len(d.MessageTypes) != 1 {
		t.Fatalf("device %+v", d)
	}
	if hit := see(Identity{Sender: "MINDRAY"}, 13, "10.0.1.1"); hit != nil {
		t.Fatal("Mindray matched")
	}
	see(Identity{Sender: "GE"}, 14, "10.0.1.2") // the inventory holds 2: the CMS8000, seen least recently, goes
	if st := inv.Stats(); st.Devices != 2 || st.Evicted != 1 || st.WatchlistHits != 2 {
		t.Fatalf("stats %+v", st)
	}
	if ds := inv.Devices(); len(ds) != 2 || ds[0].Key != "GE" || ds[1].Key != "MINDRAY" {
		t.Fatalf("devices %+v", ds)
	}
	if hit := inv.Observe(Identity{}, Sighting{Time: t0}); hit != nil || inv.Stats().Devices != 2 {
		t.Fatal("a message without identity was recorded")
	}
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte("MSH|^~\\&|MINDRAY_VS_SERIES^00A037009B023649^EUI-64|ICU|||20261202||ORU^R01^ORU_R01|1|P|2.6\r"))
	f.Add([]byte("MSH|^~\\&|B40|ICU|||x||ORU^R01|7|P|2.6\rOBX|1||69965^MDC|1.0.0.0|||||||X|||||||XY150Z0409^^0009fbffff059322^EUI-64\r" +
		"OBX|2|ST|531976^MDC_ID_PROD_SPEC_FW^MDC|1.0.0.6|CMS7.820.075.08/0.74(0.75)\r"))
	f.Add([]byte("MSH|^~\\&|X|Y|||x||ORU^R01|7\nOBX|2|ST|531970~531969|1|a~b|||||||||||||080019fffe0b4020^B40\r"))
	f.Add([]byte("MSH#^~\\&#X#Y###x##ORU^R01#7\rOBX#1#ST#531969^MDC_ID_MODEL_NUMBER^MDC#1#M3|5319\rOBX#2#ST#5319#1#short code\r"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := hl7.Parse(b)
		if err != nil {
			return
		}
		id := Extract(m)
		if id.Update(m) {
			t.Fatalf("second Update changed %+v", id)
		}
		if ref := refExtract(m); id != ref {
			t.Fatalf("Extract %+v, reference %+v", id, ref)
		}
		if id.EUI64 != "" && (!isEUI64([]byte(id.EUI64)) || strings.ToUpper(id.EUI64) != id.EUI64) {
			t.Fatalf("EUI-64 %q", id.EUI64)
		}
		for _, s := range []string{id.Sender, id.EUI64, id.Equipment, id.Manufacturer, id.Model, id.Serial, id.Hardware, id.Software, id.Firmware} {
			if len(s) > MaxLen || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
				t.Fatalf("value %q", s)
			}
		}
		inv := New(1, nil)
		inv.Observe(id, Sighting{})
		if d, ok := inv.Get(id.Key()); ok != (id.Key() != "") || d.Key != id.Key() {
			t.Fatalf("key %q, want %q", d.Key, id.Key())
		}
	})
}

// refExtract is Extract as it was before Update read OBX rows through a FieldReader: every OBX split
// with Segment.Fields through OBX-18 until one has it, then through OBX-5.
func refExtract(m *hl7.Message) Identity {
	var next [9][]byte
	msh3 := m.Segment(0).Field(3)
	next[0] = msh3.Component(1).Bytes()
	if bytes.EqualFold(msh3.Component(3).Bytes(), []byte("EUI-64")) {
		next[1] = msh3.Component(2).Bytes()
	}
	for i := 1; i < m.NumSegments(); i++ {
		s := m.Segment(i)
		if string(s.Name()) != "OBX" {
			continue
		}
		last := 18
		if next[2] != nil {
			last = 5
		}
		f := s.Fields(nil, last)
		if len(f) > 18 && next[2] == nil && !f[18].IsEmpty() {
			ei := f[18].Rep(1)
			next[2] = ei.Component(1).Bytes()
			if next[1] == nil {
				if bytes.EqualFold(ei.Component(4).Bytes(), []byte("EUI-64")) {
					next[1] = ei.Component(3).Bytes()
				} else if isEUI64(next[2]) {
					next[1] = next[2]
				}
			}
		}
		if len(f) <= 5 {
			continue
		}
		if slot := productSlot(f[3].Component(1).Bytes()); slot != 0 && next[slot] == nil {
			next[slot] = f[5].Rep(1).Bytes()
		}
	}
	var id Identity
	fields := [9]*string{&id.Sender, &id.EUI64, &id.Equipment, &id.Manufacturer, &id.Model, &id.Serial,
		&id.Hardware, &id.Software, &id.Firmware}
	for i, p := range fields {
		v := next[i]
		if len(v) > MaxLen {
			v = v[:MaxLen]
		}
		if i == 1 && !isEUI64(v) {
			v = nil
		}
		*p = clean(v)
	}
	return id
}

// Reconfigure checks every known device against the new watchlist: a newly matching device is a hit
// once, a device that no longer matches loses its mark, and a smaller bound forgets the devices seen
// least recently.
func TestReconfigure(t *testing.T) {
	inv := New(10, nil)
	at := time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)
	for i, id := range []Identity{{EUI64: "A", Manufacturer: "ACME", Model: "M3"}, {EUI64: "B", Model: "X1"}, {EUI64: "C", Model: "M3"}} {
		if hit := inv.Observe(id, Sighting{Time: at.Add(time.Duration(i) * time.Second)}); hit != nil {
			t.Fatalf("hit %v without a watchlist", hit)
		}
	}
	wl, err := NewWatchlist([]Entry{{Name: "m3", Model: "M3"}})
	if err != nil {
		t.Fatal(err)
	}
	hits := inv.Reconfigure(10, wl)
	if len(hits) != 2 || hits[0].Key != "C" || hits[1].Key != "A" || hits[0].Watchlist.Name != "m3" {
		t.Fatalf("hits %+v, want C then A (most recently seen first)", hits)
	}
	if again := inv.Reconfigure(10, wl); len(again) != 0 {
		t.Fatalf("the same watchlist again: hits %+v", again)
	}
	if hit := inv.Observe(Identity{EUI64: "A", Manufacturer: "ACME", Model: "M3"}, Sighting{Time: at.Add(time.Minute)}); hit != nil {
		t.Fatalf("a marked device's next message: hit %v", hit)
	}
	wl2, err := NewWatchlist([]Entry{{Name: "acme", Manufacturer: "ACME"}})
	if err != nil {
		t.Fatal(err)
	}
	if hits := inv.Reconfigure(2, wl2); len(hits) != 1 || hits[0].Key != "A" || hits[0].Watchlist.Name != "acme" {
		t.Fatalf("hits %+v, want A on its new entry", hits)
	}
	ds := inv.Devices()
	if len(ds) != 2 || ds[0].Key != "A" || ds[1].Key != "C" || ds[1].Watchlist != nil {
		t.Fatalf("devices %+v, want A and C (B, seen least recently, forgotten), C unmarked", ds)
	}
	if st := inv.Stats(); st.Evicted != 1 || st.WatchlistHits != 3 {
		t.Fatalf("stats %+v", st)
	}
}

// BenchmarkUpdate is Identity.Update of a known device (nothing changes) for a simulated PCD-01 message
// of about 2 KB, the light50 benchmark's.
func BenchmarkUpdate(b *testing.B) {
	msg, _, _ := sim.NewMonitor(sim.Options{ID: 3, Seed: 10, Size: 2 << 10}).Next(nil)
	m, err := hl7.Parse(msg)
	if err != nil {
		b.Fatal(err)
	}
	id := Extract(m)
	b.ReportAllocs()
	for b.Loop() {
		if id.Update(m) {
			b.Fatal("changed")
		}
	}
}

// BenchmarkRepeatSighting is one connection's sighting of a known device whose identity, address, listener and
// message type repeat the previous message's: Observe, and ObserveNext (what the gateway calls).
func BenchmarkRepeatSighting(b *testing.B) {
	id := Identity{Sender: "MON", EUI64: "0123456789ABCDEF", Equipment: "0123456789ABCDEF", Manufacturer: "ACME",
		Model: "M3", Serial: "S1", Hardware: "1", Software: "2", Firmware: "3"}
	s := Sighting{Time: time.Unix(1e9, 0), Addr: netip.MustParseAddr("10.1.2.3"), Listener: "icu", MessageType: "ORU^R01"}
	for _, next := range []bool{false, true} {
		name := "Observe"
		if next {
			name = "ObserveNext"
		}
		b.Run(name, func(b *testing.B) {
			inv := New(10000, nil)
			for i := range 100 { // other devices
				inv.Observe(Identity{EUI64: fmt.Sprintf("%016X", i)}, s)
			}
			var last Last
			b.ReportAllocs()
			for b.Loop() {
				s.Time = s.Time.Add(time.Millisecond)
				if next {
					inv.ObserveNext(&last, &id, true, s)
				} else {
					inv.Observe(id, s)
				}
			}
			if d, _ := inv.Get(id.Key()); d.LastSeen != s.Time {
				b.Fatalf("last seen %v, want %v", d.LastSeen, s.Time)
			}
		})
	}
}

// ObserveNext files every sighting as Observe does: two inventories, one fed with Observe, the other
// with ObserveNext from three connections (each its own Last), see the same sightings — identities,
// addresses, listeners and message types that repeat, change, and move between the connections, a
// watchlist entry some match, evictions from a small inventory — and must report the same hits and hold
// the same devices after each.
func TestObserveNext(t *testing.T) {
	wl, err := NewWatchlist([]Entry{{Name: "m3", Model: "M3"}})
	if err != nil {
		t.Fatal(err)
	}
	ids := []Identity{
		{Sender: "A", EUI64: "00000000000000A1", Model: "M2"},
		{Sender: "A", EUI64: "00000000000000A1", Model: "M3"}, // the same device, on the watchlist now
		{Sender: "A", EUI64: "00000000000000A1"},              // product rows omitted: merged, not erased
		{Sender: "B", Equipment: "EQ-B"},
		{Sender: "C"},
		{}, // names no device
		{Sender: "D", EUI64: "00000000000000D4", Firmware: "1.0"},
		{Sender: "D", EUI64: "00000000000000D4", Firmware: "1.1"},
	}
	addrs := []netip.Addr{{}, netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")}
	listeners := []string{"", "icu-a", "icu-b"}
	types := []string{"", "ORU^R01", "ORU^R40"}
	plain, next := New(3, wl), New(3, wl) // four devices: evictions
	type conn struct {
		id   Identity
		last Last
	}
	conns := make([]conn, 3)
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(n int) int { // mostly the first choices, so that sightings repeat
		if rng.IntN(4) > 0 {
			return 0
		}
		return rng.IntN(n)
	}
	at := time.Unix(1e9, 0)
	repeats := 0
	for i := range 5000 {
		c := &conns[rng.IntN(len(conns))]
		id := ids[rng.IntN(len(ids))]
		if rng.IntN(8) > 0 && i > 0 {
			id = c.id // the connection's device, again
		}
		same := id == c.id && i > 0
		c.id = id
		at = at.Add(time.Duration(rng.IntN(3)-1) * time.Second) // now and then out of order
		s := Sighting{Time: at, Addr: addrs[pick(len(addrs))], Listener: listeners[pick(len(listeners))],
			MessageType: types[pick(len(types))]}
		want := plain.Observe(id, s)
		got := next.ObserveNext(&c.last, &c.id, same, s)
		if got != want {
			t.Fatalf("sighting %d: hit %v, Observe's %v", i, got, want)
		}
		if same {
			repeats++
		}
		if a, b := plain.Devices(), next.Devices(); !reflect.DeepEqual(a, b) {
			t.Fatalf("sighting %d: devices\n%+v\nObserve's\n%+v", i, b, a)
		}
		if a, b := plain.Stats(), next.Stats(); a != b {
			t.Fatalf("sighting %d: stats %+v, Observe's %+v", i, b, a)
		}
	}
	if repeats < 1000 {
		t.Fatalf("only %d repeated sightings: the fast path was hardly tried", repeats)
	}
}

// TestInventoryFlood: a device that names a new identity in every message churns the entries it made;
// devices that have been talking for a minute keep theirs (and are not filed anew, which would raise
// their watchlist hits again). When every device has settled, the one seen least recently goes.
func TestInventoryFlood(t *testing.T) {
	inv := New(20, nil)
	t0 := time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)
	see := func(key string, at time.Duration, addr string) {
		inv.Observe(Identity{Sender: key}, Sighting{Time: t0.Add(at), Addr: netip.MustParseAddr(addr)})
	}
	real := []string{"MONA", "MONB", "MONC", "MOND", "MONE"}
	for i := range 13 { // two minutes, a message every 10 s
		for _, k := range real {
			see(k, time.Duration(i)*10*time.Second, "10.0.0.5")
		}
	}
	for i := range 10000 {
		see(fmt.Sprintf("FAKE%d", i), 2*time.Minute+time.Duration(i)*time.Millisecond, "10.0.0.99")
	}
	for _, k := range real {
		if d, ok := inv.Get(k); !ok || d.Messages != 13 {
			t.Errorf("%s after the flood: held %v, %d messages", k, ok, d.Messages)
		}
	}
	if st := inv.Stats(); st.Devices != 20 || st.Evicted != 10000-15 {
		t.Fatalf("stats %+v, want 20 devices and %d evicted", st, 10000-15)
	}
	if _, ok := inv.Get("FAKE9999"); !ok {
		t.Fatal("the newest made-up identity is not held")
	}
	if _, ok := inv.Get("FAKE9984"); ok {
		t.Fatal("an older made-up identity is held: room was not made among them in order")
	}

	all := New(2, nil) // both settled: the one seen least recently goes
	for i := range 7 {
		all.Observe(Identity{Sender: "A"}, Sighting{Time: t0.Add(time.Duration(i) * 10 * time.Second)})
		all.Observe(Identity{Sender: "B"}, Sighting{Time: t0.Add(time.Duration(i)*10*time.Second + time.Second)})
	}
	all.Observe(Identity{Sender: "C"}, Sighting{Time: t0.Add(2 * time.Minute)})
	if _, ok := all.Get("A"); ok {
		t.Fatal("A, seen least recently, was kept")
	}
	if _, ok := all.Get("B"); !ok {
		t.Fatal("B was dropped")
	}
}

// TestInventoryFloodNewcomer: a device that starts talking from its own address during a flood of
// made-up identities from another keeps its entry (one entry, every message counted) and its watchlist
// hit is raised once: the identities an address makes up make room among themselves. Before (session
// 31's review) the device, filed before most of them, went first every time and was filed anew with
// each message, its watchlist hit raised again each time.
func TestInventoryFloodNewcomer(t *testing.T) {
	wl, err := NewWatchlist([]Entry{{Name: "new-monitor", Sender: "NEWMON"}})
	if err != nil {
		t.Fatal(err)
	}
	inv := New(20, wl)
	t0 := time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)
	hits := 0
	see := func(key string, at time.Duration, addr string) {
		if inv.Observe(Identity{Sender: key}, Sighting{Time: t0.Add(at), Addr: netip.MustParseAddr(addr)}) != nil {
			hits++
		}
	}
	for i := range 13 {
		for _, k := range []string{"MONA", "MONB", "MONC", "MOND", "MONE"} {
			see(k, time.Duration(i)*10*time.Second, "10.0.0.5")
		}
	}
	for i := range 18000 { // three minutes of 100 made-up identities a second; the new device every 10 s
		at := 2*time.Minute + time.Duration(i)*10*time.Millisecond
		if i%1000 == 0 {
			see("NEWMON", at, "10.0.0.6")
		}
		see(fmt.Sprintf("FAKE%d", i), at, "10.0.0.99")
	}
	if d, ok := inv.Get("NEWMON"); !ok || d.Messages != 18 || hits != 1 {
		t.Errorf("the new device after the flood: held %v, %d messages, %d watchlist hits; want 18 messages, 1 hit", ok, d.Messages, hits)
	}
	for _, k := range []string{"MONA", "MONB", "MONC", "MOND", "MONE"} {
		if _, ok := inv.Get(k); !ok {
			t.Errorf("%s was dropped", k)
		}
	}
	see("OTHER", 5*time.Minute, "10.0.0.7") // a device from a third address makes room among all: a made-up one goes
	if _, ok := inv.Get("OTHER"); !ok || inv.Stats().Devices != 20 {
		t.Fatalf("a device from a third address: held %v, stats %+v", ok, inv.Stats())
	}
	filed := 0 // the bookkeeping stays bounded: each device among its address's once, made at most twice the inventory
	for _, q := range inv.mine {
		for f := q.Front(); f != nil; f = f.Next() {
			if d := f.Value.(*list.Element).Value.(*Device); d.gone || d.mine != f {
				t.Fatalf("%s is among its address's devices, gone %v", d.Key, d.gone)
			}
			filed++
		}
	}
	if filed > inv.lru.Len() || len(inv.made) > 2*inv.max+1 {
		t.Fatalf("%d devices among their addresses', %d in made, %d held", filed, len(inv.made), inv.lru.Len())
	}
}
