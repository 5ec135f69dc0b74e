package vitals

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// count returns how many times k is in keys.
func count(keys []uint64, k uint64) int {
	n := 0
	for _, x := range keys {
		if x == k {
			n++
		}
	}
	return n
}

// TestStreamEvictionModel: Engine.stream's idle replacement, its sweep and
// its eviction at state.max_monitors and state.max_per_source agree, over
// random arrivals of monitors that share sources (some over either of two
// connections, as hl7gate check --monitor device keys them), with gaps around
// state.idle_evict and the clock now and then going back (hl7gate check over
// several files): never more than max_monitors streams, nor more than
// max_per_source made by one source; every stream counted once among its
// source's, a source the Engine still has (one replaced or swept after
// idle_evict leaves none uncounted); a monitor silent for longer than idle_evict always starts afresh,
// swept or not; one back within idle_evict keeps its stream unless a stream
// was made at capacity since (an eviction) or the clock went back since (a
// sweep on a later clock may have dropped it). Found sound (session 14; the
// per-source bound, session 31; the sources replaced, session 31's review).
func TestStreamEvictionModel(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 1403))
	cfg := DefaultConfig()
	cfg.State.MaxMonitors = 6
	cfg.State.MaxPerSource = 2 // sources 0 and 1 carry three monitors each
	cfg.State.IdleEvict = time.Minute
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	type last struct {
		s         *stream
		at        time.Time
		evictions int // the count of streams made at capacity when it was last seen
		backs     int // the count of clock steps back then
	}
	seen := map[int]last{}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	evictions, backs, fresh, kept := 0, 0, 0, 0
	for i := range 200000 {
		switch x := r.IntN(100); {
		case x == 0: // the clock goes back
			now = now.Add(-time.Duration(r.IntN(7200)) * time.Second)
			backs++
		case x < 3:
			now = now.Add(cfg.State.IdleEvict + time.Duration(r.IntN(60))*time.Second)
		default:
			now = now.Add(time.Duration(r.IntN(6)) * time.Second)
		}
		mon := r.IntN(6) // six regular monitors and four now and then: evictions at capacity are not constant
		if r.IntN(40) == 0 {
			mon = 6 + r.IntN(4)
		}
		src := netip.AddrFrom4([4]byte{192, 0, 2, byte(mon % 4)})
		conn := src
		if mon >= 4 { // as hl7gate check --monitor device keys them: a device, over either of two files' sources
			conn = netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + r.IntN(2))})
		}
		app := []byte(fmt.Sprintf("MON%d", mon))
		before, made := len(e.streams), e.made
		full := false
		if so := e.sources[conn]; so != nil {
			full = len(so.keys) >= cfg.State.MaxPerSource
		}
		s, _ := e.stream(conn, src, app, []byte("ICU"), nil, now)
		s.lastSeen.Store(now.UnixNano()) // as observe does
		if e.made != made && (before == cfg.State.MaxMonitors || full) {
			evictions++
		}
		if n := len(e.streams); n > cfg.State.MaxMonitors {
			t.Fatalf("arrival %d: %d streams, max_monitors %d", i, n, cfg.State.MaxMonitors)
		}
		for k, h := range e.streams {
			if c := count(h.so.keys, k); c != 1 {
				t.Fatalf("arrival %d: a stream counted %d times among its source's", i, c)
			}
		}
		counted := 0
		for a, so := range e.sources {
			counted += len(so.keys)
			if len(so.keys) > cfg.State.MaxPerSource {
				t.Fatalf("arrival %d: source %v made %d streams, max_per_source %d", i, a, len(so.keys), cfg.State.MaxPerSource)
			}
			for _, k := range so.keys {
				if h, ok := e.streams[k]; !ok || h.so != so {
					t.Fatalf("arrival %d: source %v counts a stream it does not hold", i, a)
				}
			}
		}
		if counted != len(e.streams) {
			t.Fatalf("arrival %d: %d streams, %d counted among the sources' (a source replaced or swept left some)", i, len(e.streams), counted)
		}
		parked := map[*source]int{}
		for _, p := range e.parked {
			parked[p.so]++
		}
		for a, so := range e.sources {
			if parked[so] != so.parked || so.parked > cfg.State.MaxPerSource {
				t.Fatalf("arrival %d: source %v counts %d parked histories, holds %d, max_per_source %d", i, a, so.parked, parked[so], cfg.State.MaxPerSource)
			}
			delete(parked, so)
		}
		if len(parked) != 0 {
			t.Fatalf("arrival %d: parked histories of a source the Engine forgot", i)
		}
		if p, ok := seen[mon]; ok {
			switch gap := now.Sub(p.at); {
			case gap > cfg.State.IdleEvict:
				if s == p.s {
					t.Fatalf("arrival %d: monitor %d silent for %v kept its stream (idle_evict %v)", i, mon, gap, cfg.State.IdleEvict)
				}
				fresh++
			case gap >= 0 && p.evictions == evictions && p.backs == backs:
				if s != p.s {
					t.Fatalf("arrival %d: monitor %d back after %v lost its stream with no eviction", i, mon, gap)
				}
				kept++
			}
		}
		seen[mon] = last{s, now, evictions, backs}
	}
	t.Logf("fresh after idle %d, kept %d, evictions at capacity %d, clock steps back %d", fresh, kept, evictions, backs)
	if fresh < 1000 || kept < 1000 || evictions < 1000 {
		t.Fatal("the arrivals do not exercise the cases")
	}
}

// hand is an Engine driven by hand for the state tests: its clock is now.
type hand struct {
	e   *Engine
	now time.Time
}

func newHand(t *testing.T, cfg Config) *hand {
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &hand{e: e, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

// via has device app at src send a message over the connection conn at
// h.now, as Observe would (its stream's last message stamped), and returns
// the device's stream.
func (h *hand) via(conn, src netip.Addr, app string) *stream {
	s, _ := h.e.stream(conn, src, []byte(app), []byte("ICU"), nil, h.now)
	s.lastSeen.Store(h.now.UnixNano())
	return s
}

// see is via over the device's own address.
func (h *hand) see(src netip.Addr, app string) *stream { return h.via(src, src, app) }

// TestSourcesKeepTheirStreams31: a source that goes quiet while a stream its
// messages made lives on (hl7gate check --monitor device: a device in files
// of two sources) is neither forgotten by the sweep nor, when it talks again,
// replaced by one that counts none of its streams: every stream stays counted
// among a source's that the Engine has, where room at max_monitors is taken
// from (Engine.most).
func TestSourcesKeepTheirStreams31(t *testing.T) {
	cfg := DefaultConfig()
	cfg.State.IdleEvict = time.Minute
	h := newHand(t, cfg)
	e := h.e
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	dev, other := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	see := func(conn, src netip.Addr) { h.via(conn, src, "MON") }
	counted := func(when string) {
		n := 0
		for _, so := range e.sources {
			n += len(so.keys)
		}
		if n != len(e.streams) {
			t.Fatalf("%s: %d streams, %d counted among the sources'", when, len(e.streams), n)
		}
	}
	see(a, dev)
	for range 30 { // five minutes over b only: a is swept
		h.now = h.now.Add(10 * time.Second)
		see(b, dev)
	}
	counted("a quiet")
	see(a, other) // a talks again
	counted("a back")
}

// TestSettledAcrossClockBack31: a monitor that has talked for a minute stays
// settled when the clock goes back (hl7gate check: the next file of its
// source starts earlier), so identities its source then makes up churn among
// themselves at max_per_source, not its stream. Before (session 31's
// review) settled was read from its latest arrival, now before its first,
// and it went first.
func TestSettledAcrossClockBack31(t *testing.T) {
	cfg := DefaultConfig()
	cfg.State.MaxPerSource = 3
	h := newHand(t, cfg)
	src := netip.MustParseAddr("192.0.2.1")
	see := func(app string) *stream { return h.see(src, app) }
	m := see("MON")
	h.now = h.now.Add(70 * time.Second)
	see("MON") // settled
	h.now = h.now.Add(-time.Hour)
	see("MON") // the next file
	for i := range 5 {
		h.now = h.now.Add(time.Second)
		see(fmt.Sprintf("FAKE%d", i))
	}
	h.now = h.now.Add(time.Second)
	if see("MON") != m {
		t.Fatal("the settled monitor lost its stream to identities made up after the clock went back")
	}
}

// TestUnsettledNotParked31: identities named for less than a minute are not
// parked when dropped idle, so a device that made them up cannot fill the
// parking (max_monitors histories) and leave no room for a monitor's
// near-replay history when it falls silent (a transport) after them.
func TestUnsettledNotParked31(t *testing.T) {
	cfg := DefaultConfig()
	cfg.State.MaxMonitors = 4
	cfg.State.IdleEvict = time.Minute
	h := newHand(t, cfg)
	e := h.e
	fake, mon := netip.MustParseAddr("192.0.2.9"), netip.MustParseAddr("192.0.2.1")
	see := h.see
	for i := range cfg.State.MaxMonitors {
		see(fake, fmt.Sprintf("FAKE%d", i))
	}
	h.now = h.now.Add(2 * time.Minute) // the made-up identities are dropped idle
	for range 13 {                     // two minutes, a message every 10 s: settled
		see(mon, "MON")
		h.now = h.now.Add(10 * time.Second)
	}
	h.now = h.now.Add(2 * time.Minute) // the monitor falls silent
	see(fake, "LATER")
	if _, ok := e.parked[streamKey(e.seed, mon, []byte("MON"), []byte("ICU"))]; !ok || len(e.parked) != 1 {
		t.Fatalf("%d histories parked, the monitor's among them %v: want only the monitor's", len(e.parked), ok)
	}
}

// TestParkedPerSource31: one connection's streams park at most
// max_per_source histories, so identities it keeps talking for a minute and
// then drops (settled, unlike TestUnsettledNotParked31's) cannot fill the
// parking (max_monitors histories) round after round and leave no room for
// another connection's monitor that falls silent after them.
func TestParkedPerSource31(t *testing.T) {
	cfg := DefaultConfig()
	cfg.State.MaxMonitors = 8
	cfg.State.MaxPerSource = 2
	cfg.State.IdleEvict = time.Minute
	h := newHand(t, cfg)
	e := h.e
	fake, mon := netip.MustParseAddr("192.0.2.9"), netip.MustParseAddr("192.0.2.1")
	see := h.see
	for round := range cfg.State.MaxMonitors { // two identities a round, each named every 40 s for 80 s: settled
		for range 3 {
			for k := range 2 {
				see(fake, fmt.Sprintf("FAKE%d-%d", round, k))
			}
			h.now = h.now.Add(40 * time.Second)
		}
		h.now = h.now.Add(2 * time.Minute) // then dropped idle, and parked
		see(fake, "SWEEP")
	}
	for range 13 { // two minutes, a message every 10 s: settled
		see(mon, "MON")
		h.now = h.now.Add(10 * time.Second)
	}
	h.now = h.now.Add(2 * time.Minute) // the monitor falls silent
	see(fake, "LATER")
	if _, ok := e.parked[streamKey(e.seed, mon, []byte("MON"), []byte("ICU"))]; !ok {
		t.Fatalf("%d histories parked, not the monitor's", len(e.parked))
	}
	if n := e.sources[fake].parked; n > cfg.State.MaxPerSource {
		t.Fatalf("the flooding connection parked %d histories, max_per_source %d", n, cfg.State.MaxPerSource)
	}
}

// TestSourcesBounded31: the Engine's per-connection records stay within 3 ×
// max_monitors however many addresses send one message each within
// idle_evict (each record ~600 B: before, an attacker on a large IPv6
// segment grew them by one an address for 15 minutes), and a
// monitor that talks on keeps its record, with its device switcher.
func TestSourcesBounded31(t *testing.T) {
	cfg := DefaultConfig()
	cfg.State.MaxMonitors = 4
	h := newHand(t, cfg)
	e := h.e
	mon := netip.MustParseAddr("2001:db8::1")
	see := h.see
	for range 13 { // the monitor settles
		see(mon, "MON")
		h.now = h.now.Add(10 * time.Second)
	}
	rec := e.sources[mon]
	for i := range 1000 {
		see(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(i >> 8), 15: byte(i)}), "FAKE")
		if i%10 == 0 {
			see(mon, "MON")
		}
		h.now = h.now.Add(100 * time.Millisecond)
		if n := len(e.sources); n > 3*cfg.State.MaxMonitors {
			t.Fatalf("after %d addresses: %d connection records, max_monitors %d", i+1, n, cfg.State.MaxMonitors)
		}
	}
	if e.sources[mon] != rec {
		t.Fatal("the talking monitor's connection record was dropped")
	}
}

// TestSourcesKeptWhileParked31b: a connection whose only state is a parked
// history (its monitor dropped idle) keeps its record, and its count, through
// the sweep and through forgetEmptySources however many addresses send; its
// monitor, back within the replay horizon, gets the history from the same
// record. Dropping such a record would leave the history counted against a
// record the Engine forgot, and the connection, with a new one, could park
// max_per_source more.
func TestSourcesKeptWhileParked31b(t *testing.T) {
	cfg := DefaultConfig()
	cfg.State.MaxMonitors = 4
	cfg.State.IdleEvict = time.Minute
	h := newHand(t, cfg)
	e := h.e
	mon := netip.MustParseAddr("2001:db8::1")
	key := streamKey(e.seed, mon, []byte("MON"), []byte("ICU"))
	see := h.see
	for range 13 { // the monitor settles, then falls silent
		see(mon, "MON")
		h.now = h.now.Add(10 * time.Second)
	}
	rec := e.sources[mon]
	for i := range 2000 { // 200 s of addresses sending once each: the monitor's stream is swept and parked
		see(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 13: 1, 14: byte(i >> 8), 15: byte(i)}), "FAKE")
		h.now = h.now.Add(100 * time.Millisecond)
		if n := len(e.sources); n > 3*cfg.State.MaxMonitors {
			t.Fatalf("after %d addresses: %d connection records, max_monitors %d", i+1, n, cfg.State.MaxMonitors)
		}
	}
	p, ok := e.parked[key]
	if !ok || e.sources[mon] != rec || rec.parked != 1 || p.so != rec {
		t.Fatalf("history parked %v, the record kept %v, its count %d: want the same record counting 1", ok, e.sources[mon] == rec, rec.parked)
	}
	live := map[*source]bool{}
	for _, so := range e.sources {
		live[so] = true
	}
	for _, p := range e.parked {
		if !live[p.so] {
			t.Fatal("a parked history counted against a record the Engine forgot")
		}
	}
	see(mon, "MON") // back within the replay horizon
	if _, ok := e.parked[key]; ok || e.sources[mon] != rec || rec.parked != 0 {
		t.Fatalf("after the monitor's return: parked %v, the record kept %v, its count %d", ok, e.sources[mon] == rec, rec.parked)
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

// TestMessageEquip47 pins a message's equipment identity (equipment): the
// first EUI-64 its rows name; else the label they name when each of the
// first layoutRows rows that names a label names the same; else none. The
// rows of a message read by extract end with the same identity, with its
// layout and without (TestRowLayoutRandomRows pins the two to each other).
func TestMessageEquip47(t *testing.T) {
	rows := func(f ...string) string {
		var b strings.Builder
		b.WriteString("MSH|^~\\&|GW|ICU|||20260105000000||ORU^R01|1|P|2.6\r")
		for i, x := range f {
			fmt.Fprintf(&b, "OBX|%d|NM|147842^MDC_ECG_HEART_RATE^MDC||72|/min|||||R|||||||%s\r", i+1, x)
		}
		return b.String()
	}
	many := make([]string, layoutRows)
	for i := range many {
		many[i] = "BED-3"
	}
	for _, tc := range []struct {
		msg, want string
	}{
		{rows("IACS-GICU-35", "IACS-GICU-35", ""), "IACS-GICU-35"},
		{rows("", "^^IACS-GICU-35^L", "IACS-GICU-35"), "IACS-GICU-35"},
		{rows("ECG", "SPO2"), ""},                             // rows named after their modules
		{rows("ECG", "00E0D6FFFE000001"), "00E0D6FFFE000001"}, // an EUI-64 wins wherever it is
		{rows("ECG", "SPO2", "00E0D6FFFE000001^EUI-64"), "00E0D6FFFE000001"},
		{rows(append(many, "BED-9")...), "BED-3"}, // past the first layoutRows rows a label is not compared
		{rows("", ""), ""},
	} {
		var m hl7.Message
		if err := m.Parse([]byte(tc.msg)); err != nil {
			t.Fatal(err)
		}
		if got := string(messageEquip(&m)); got != tc.want {
			t.Errorf("%q: messageEquip = %q, want %q", tc.msg, got, tc.want)
		}
		e, err := NewEngine(DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		s := newStream(&e.cfg)
		for k := range 2 { // without the layout, then with it
			em := emitter{e: e, s: s, m: &m}
			rh := s.hashRows(e, &m)
			s.extract(e, &em, &m, &rh, nil)
			if got := string(em.equip.id); got != tc.want || rh.fast != (k == 1) {
				t.Errorf("%q, message %d (with the layout: %v): extract's identity %q, want %q", tc.msg, k, rh.fast, got, tc.want)
			}
		}
	}
}
