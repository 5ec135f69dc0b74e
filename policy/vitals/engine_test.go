package vitals_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/internal/sim"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

func TestEviction(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.State.MaxMonitors = 3
	cfg.State.IdleEvict = time.Minute
	e, err := vitals.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := hl7.Parse(msg{rows: []row{hr("80")}}.bytes(t0, 0))
	if err != nil {
		t.Fatal(err)
	}
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}) }
	steps := []struct {
		at   time.Duration
		src  int
		want int
	}{
		{0, 1, 1}, {0, 2, 2}, {0, 3, 3},
		{10 * sec, 4, 3},            // at capacity: the least recently seen goes
		{20 * sec, 1, 3},            // 1 was evicted: back, evicting 2
		{5 * time.Minute, 5, 1},     // everyone else idle for over a minute
		{5*time.Minute + sec, 5, 1}, // known stream
	}
	for i, s := range steps {
		e.Observe(addr(s.src), m, t0.Add(s.at), nil)
		if got := e.Monitors(); got != s.want {
			t.Fatalf("step %d: %d monitors, want %d", i, got, s.want)
		}
	}
}

// TestEvictionTieDeterministic: at state.max_monitors the least recently
// seen stream makes room; when several were last seen at the same instant
// (monitors whose messages carry the same arrival times, as hl7gate check
// and the simulator give them), which one goes must not depend on the map's
// iteration order: the same input gives the same findings. Monitors a and b
// send at the same instants, c takes a place, then a sends a message whose
// MSH-7 went back 10 minutes: time_backwards if a's stream was kept, none if
// it was evicted. Over fresh engines the answer must not change.
func TestEvictionTieDeterministic(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.State.MaxMonitors = 2
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}) }
	outcome := func() bool {
		e, err := vitals.NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		observe := func(src int, m msg, at int) []vitals.Finding {
			arrival := t0.Add(time.Duration(at) * 10 * sec)
			pm, err := hl7.Parse(m.bytes(arrival, at))
			if err != nil {
				t.Fatal(err)
			}
			return e.Observe(addr(src), pm, arrival, nil)
		}
		for i := range 5 {
			observe(1, msg{rows: []row{hr("80")}}, i)
			observe(2, msg{rows: []row{hr("80")}}, i)
		}
		observe(3, msg{rows: []row{hr("80")}}, 5)
		back := string(hl7.AppendTime(nil, t0.Add(-10*time.Minute)))
		for _, f := range observe(1, msg{ts: back, rows: []row{hr("80")}}, 6) {
			if f.Rule == "time_backwards" {
				return true
			}
		}
		return false
	}
	first := outcome()
	for i := range 200 {
		if got := outcome(); got != first {
			t.Fatalf("run %d: time_backwards %v, the first run %v: which tied stream is evicted changes between runs", i+1, got, first)
		}
	}
}

// TestIdleStreamStartsAfresh: a monitor silent for longer than state.idle_evict starts afresh even when the
// engine's clock went back since a later monitor's message (hl7gate check over several files, each from its
// own first arrival), so that no sweep came for it: its next message is not judged against the old state,
// as in the gateway. A message MSH-7 10 minutes before the monitor's previous one is time_backwards after a
// silence of 2 minutes, and a first message after a silence of 20.
func TestIdleStreamStartsAfresh(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.State.IdleEvict = 15 * time.Minute
	a := netip.MustParseAddr("192.0.2.1")
	b := netip.MustParseAddr("192.0.2.2")
	for _, tc := range []struct {
		silence  time.Duration
		laterMon bool // another monitor's message, hours later, came first (the clock went back)
		want     bool // time_backwards
	}{
		{2 * time.Minute, true, true},
		{20 * time.Minute, true, false},
		{20 * time.Minute, false, false},
	} {
		e, err := vitals.NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		observe := func(src netip.Addr, m msg, arrival time.Time, n int) []vitals.Finding {
			pm, err := hl7.Parse(m.bytes(arrival, n))
			if err != nil {
				t.Fatal(err)
			}
			return e.Observe(src, pm, arrival, nil)
		}
		if tc.laterMon {
			observe(b, msg{app: "MON2^0012340000000002^EUI-64", rows: []row{hr("80")}}, t0.Add(10*time.Hour), 1)
		}
		observe(a, msg{rows: []row{hr("80")}}, t0, 1)
		back := string(hl7.AppendTime(nil, t0.Add(-10*time.Minute)))
		got := false
		for _, f := range observe(a, msg{ts: back, rows: []row{hr("80")}}, t0.Add(tc.silence), 2) {
			got = got || f.Rule == "time_backwards"
		}
		if got != tc.want {
			t.Errorf("silence %s, clock back %v: time_backwards %v, want %v", tc.silence, tc.laterMon, got, tc.want)
		}
	}
}

// floodBed is one monitor of TestIdentityFlood31: where it sends from and
// the device it names.
type floodBed struct {
	src int
	app string
}

// floodRig is an Engine that the flood tests send heart-rate messages to,
// each from 192.0.2.src.
type floodRig struct {
	t *testing.T
	e *vitals.Engine
	n int // messages sent, for control IDs
}

func newFloodRig(t *testing.T, maxMonitors, maxPerSource int) *floodRig {
	cfg := vitals.DefaultConfig()
	cfg.State.MaxMonitors, cfg.State.MaxPerSource = maxMonitors, maxPerSource
	e, err := vitals.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &floodRig{t: t, e: e}
}

func floodAddr(src int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(src)}) }

// send observes m, arriving at at from 192.0.2.src.
func (r *floodRig) send(src int, m msg, at time.Time) []vitals.Finding {
	r.n++
	pm, err := hl7.Parse(m.bytes(at, r.n))
	if err != nil {
		r.t.Fatal(err)
	}
	return r.e.Observe(floodAddr(src), pm, at, nil)
}

// kept sends device app at 192.0.2.src a message arriving at at whose MSH-7
// went back 10 minutes, and reports whether time_backwards came: only a
// stream the Engine kept knows the clock went back.
func (r *floodRig) kept(src int, app string, at time.Time) bool {
	back := string(hl7.AppendTime(nil, at.Add(-10*time.Minute)))
	for _, f := range r.send(src, msg{app: app, ts: back, rows: []row{hr("80")}}, at) {
		if f.Rule == "time_backwards" {
			return true
		}
	}
	return false
}

// TestIdentityFlood31: a device that names a new identity (MSH-3) in every
// message must not push other monitors' state out of the Engine (the
// invariant that one device never crowds out another's state). Each case
// lets five monitors talk for three minutes, floods with made-up
// identities, then has each monitor send a message whose MSH-7 went back 10
// minutes: time_backwards only if its stream survived the flood. Before
// max_per_source and settled streams (session 31) every case lost all five.
// One flooding source holds no more than max_per_source streams, also when
// its identities are an aggregating gateway's beds (OBX-18 EUI-64s under one
// MSH-3; session 31's review: the case and the bound, which no case checked).
func TestIdentityFlood31(t *testing.T) {
	// Among the package's slowest: the slow ones share the second core (-race on 2 cores).
	t.Parallel()
	legit := []floodBed{{1, "MONA"}, {2, "MONB"}, {3, "MONC"}, {4, "MOND"}, {5, "MONE"}}
	behindNAT := []floodBed{{7, "MONA"}, {7, "MONB"}, {7, "MONC"}, {7, "MOND"}, {7, "MONE"}}
	for _, tc := range []struct {
		name    string
		beds    []floodBed
		sources []int // the flood's, in turn, one identity a message
		eui     bool  // the identities are EUI-64s in OBX-18 under one MSH-3 (an aggregating gateway's beds, see Engine.bedsOf)
	}{
		{"one source floods", legit, []int{99}, false},
		{"fifty sources flood past max_monitors", legit, func() []int {
			var s []int
			for i := range 50 {
				s = append(s, 100+i)
			}
			return s
		}(), false},
		{"a device behind the monitors' own address floods", behindNAT, []int{7}, false},
		{"a gateway's beds flood", legit, []int{99}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const maxMonitors, maxPerSource = 100, 16
			r := newFloodRig(t, maxMonitors, maxPerSource)
			at := t0
			for range 18 { // three minutes, a message every 10 s
				for _, b := range tc.beds {
					r.send(b.src, msg{app: b.app, rows: []row{hr("80")}}, at)
				}
				at = at.Add(10 * sec)
			}
			for i := range 5000 {
				at = at.Add(10 * time.Millisecond)
				m := msg{app: fmt.Sprintf("FAKE%d", i), rows: []row{hr("80")}}
				if tc.eui {
					b := i - 10 // a new bed a message
					if i < 10 {
						b = i % 2 // after two that interleave: the gateway is found to carry several
					}
					m.app, m.equip = "EGATEWAY^00A037FFFE5AB708^EUI-64", fmt.Sprintf("00E0D6FFFE%06X", b)
				}
				r.send(tc.sources[i%len(tc.sources)], m, at)
			}
			if got := r.e.Monitors(); got > maxMonitors {
				t.Errorf("%d streams, max_monitors %d", got, maxMonitors)
			}
			if got := r.e.Monitors(); len(tc.sources) == 1 && got > len(tc.beds)+maxPerSource {
				t.Errorf("%d streams, more than the monitors and max_per_source of the flood's", got)
			}
			for _, b := range tc.beds {
				if !r.kept(b.src, b.app, at.Add(sec)) {
					t.Errorf("%s at %v: no time_backwards after the flood: its state was pushed out", b.app, floodAddr(b.src))
				}
			}
		})
	}
}

// TestFloodChurnsItsOwn31: a connection at max_per_source makes room among
// its own streams, the least recently seen first; a stream that has been
// talking for a minute goes only when none of the others settled.
func TestFloodChurnsItsOwn31(t *testing.T) {
	r := newFloodRig(t, vitals.DefaultConfig().State.MaxMonitors, 3)
	e := r.e
	send := func(app string, at time.Time) { r.send(1, msg{app: app, rows: []row{hr("80")}}, at) }
	kept := func(app string, at time.Time) bool { return r.kept(1, app, at) }
	for i := range 7 { // A talks for a minute: settled
		send("A", t0.Add(time.Duration(i)*10*sec))
	}
	at := t0.Add(61 * sec)
	send("B", at)
	send("C", at.Add(sec))
	send("D", at.Add(2*sec)) // at the quota: B, not settled and least recently seen, goes
	if got := e.Monitors(); got != 3 {
		t.Fatalf("%d streams, want max_per_source 3", got)
	}
	if !kept("A", at.Add(3*sec)) {
		t.Error("A, settled, lost its stream while streams that were not settled were there")
	}
	if kept("B", at.Add(4*sec)) { // B comes back afresh, and C (least recently seen, not settled) makes room
		t.Error("B kept its stream: room was not made among the connection's own")
	}
	if !kept("D", at.Add(5*sec)) {
		t.Error("D lost its stream; C was the one to go")
	}
	if got := e.Monitors(); got != 3 {
		t.Fatalf("%d streams, want max_per_source 3", got)
	}
}

// TestSettledFloodKeepsOthers31: at max_monitors a connection that holds
// streams makes room among its own, and one that holds none takes it from the
// connection holding the most, so no other connection's settled monitor is
// pushed out. Five monitors talk and made-up identities, each named again every
// 10 s after the monitors (every monitor is then seen less recently than all of
// them, and they settle), fill max_monitors from several connections: more
// than fit, or exactly, and then a new address names one more. Before (session
// 31's review) the least recently seen settled stream of all made room: the
// first case lost all five monitors, the second one monitor, whose stream
// and the new address's then took each other's place every round.
func TestSettledFloodKeepsOthers31(t *testing.T) {
	legit := []string{"MONA", "MONB", "MONC", "MOND", "MONE"}
	for _, tc := range []struct {
		name  string
		fakes int // made-up identities, 16 a connection
		fresh bool
	}{
		{"connections that hold streams", 7 * 16, false},
		{"a new address", 95, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const maxMonitors = 100
			r := newFloodRig(t, maxMonitors, 16)
			observe := func(src int, app string, at time.Time) { r.send(src, msg{app: app, rows: []row{hr("80")}}, at) }
			at := t0
			for step := range 30 { // five minutes, a round every 10 s
				for i, app := range legit {
					observe(1+i, app, at)
				}
				for k := range tc.fakes {
					observe(100+k/16, fmt.Sprintf("FAKE%d", k), at.Add(sec+time.Duration(k)*time.Millisecond))
				}
				if tc.fresh && step >= 18 { // from three minutes on
					observe(200, "NEWADDR", at.Add(2*sec))
				}
				at = at.Add(10 * sec)
			}
			if got := r.e.Monitors(); got > maxMonitors {
				t.Errorf("%d streams, max_monitors %d", got, maxMonitors)
			}
			for i, app := range legit {
				if !r.kept(1+i, app, at) {
					t.Errorf("%s: no time_backwards after the flood: its state was pushed out", app)
				}
			}
		})
	}
}

// TestConcurrent runs sessions in parallel, several per source, under -race.
func TestConcurrent(t *testing.T) {
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			mon := sim.NewMonitor(sim.Options{ID: g, Seed: 3})
			src := netip.AddrFrom4([4]byte{10, 0, 0, byte(g % 4)}) // two sessions per source
			var m hl7.Message
			var fs []vitals.Finding
			for range 200 {
				b, at, _ := mon.Next(nil)
				if err := m.Parse(b); err != nil {
					t.Error(err)
					return
				}
				fs = e.Observe(src, &m, at, fs[:0])
			}
		})
	}
	wg.Wait()
	if got := e.Monitors(); got != 8 { // two devices per source, each a monitor of its own
		t.Errorf("%d monitors, want 8", got)
	}
}

// TestObserveWithPVCRowDoesNotAllocate: a PVC-rate row (148066, read in
// every message for arrSuspended) costs no allocation, on calm messages and
// over a heart rate's rise with the row withheld.
func TestObserveWithPVCRowDoesNotAllocate(t *testing.T) {
	pvc := row{code: "148066", value: "12", unit: "264864"}
	ticks := every(60, 10*sec, func(i int) msg {
		m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2("96"), rr("16"), temp("37.0")}}
		if i == 40 {
			m.rows[0] = hr("230")
			return m
		}
		m.rows = append(m.rows, pvc)
		return m
	})
	msgs := make([]hl7.Message, len(ticks))
	for i, tk := range ticks {
		if err := msgs[i].Parse(tk.m.bytes(t0.Add(tk.at), i+1)); err != nil {
			t.Fatal(err)
		}
	}
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	src := netip.MustParseAddr("10.9.9.9")
	fs := make([]vitals.Finding, 0, 8)
	e.Observe(src, &msgs[0], t0, fs) // creates the stream
	i := 1
	allocs := testing.AllocsPerRun(len(msgs)-2, func() {
		fs = e.Observe(src, &msgs[i], t0.Add(ticks[i].at), fs[:0])
		i++
	})
	if allocs != 0 {
		t.Errorf("Observe allocates %v times per message with a PVC row, want 0", allocs)
	}
}

func TestObserveDoesNotAllocate(t *testing.T) {
	mon := sim.NewMonitor(sim.Options{ID: 1, Seed: 11})
	const n = 50
	var msgs [n]hl7.Message
	var at [n]time.Time
	for i := range msgs {
		b, t1, _ := mon.Next(nil)
		if err := msgs[i].Parse(b); err != nil {
			t.Fatal(err)
		}
		at[i] = t1
	}
	// Also with a code table of the monitor's sender's own (vitals.codes
	// CODE@SENDER, review39a): the stream reads table 1, not 0.
	app := string(msgs[0].Segment(0).Field(3).Component(1).Bytes())
	sender := vitals.DefaultConfig()
	sender.Codes = map[string]string{"147842@" + app[:3]: "hr"}
	for _, cfg := range []vitals.Config{vitals.DefaultConfig(), sender} {
		e, err := vitals.NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		src := netip.MustParseAddr("10.9.9.9")
		fs := make([]vitals.Finding, 0, 8)
		e.Observe(src, &msgs[0], at[0], fs) // creates the stream
		i := 1
		allocs := testing.AllocsPerRun(n-2, func() {
			fs = e.Observe(src, &msgs[i], at[i], fs[:0])
			if len(fs) > 0 {
				t.Fatalf("unexpected finding %+v", fs[0])
			}
			i++
		})
		if allocs != 0 {
			t.Errorf("codes %v: Observe allocates %v times per clean message, want 0", cfg.Codes, allocs)
		}
	}
}

// TestFindingsDeterministic: the same messages at the same arrival times give the same findings, field
// for field, in two engines, whatever the order the monitors' messages interleave in. Monitors at 1 s and
// 2 s (several messages per remembered one, so the near-replay's offPhase and its ring run), adult and
// neonatal, clean and manipulated (replays, spikes and steps, the cuff and the line, a patient changed),
// 25 min each, manipulated from the middle.
func TestFindingsDeterministic(t *testing.T) {
	// Among the package's slowest: the slow ones share the second core (-race on 2 cores).
	t.Parallel()
	type arrival struct {
		src netip.Addr
		m   *hl7.Message
		at  time.Time
	}
	var msgs []arrival
	kinds := []sim.Kind{sim.None, sim.ReplayWindow, sim.ReplayMessage, sim.SpO2Step, sim.HRStep, sim.NIBPIBP, sim.IdentityPatient, sim.Frozen}
	for i, k := range kinds {
		for j, iv := range []time.Duration{time.Second, 2 * time.Second} {
			id := 1 + 2*i + j
			profile := "adult"
			if id%3 == 0 {
				profile = "neonatal"
			}
			n := int(25 * time.Minute / iv)
			mon := sim.NewMonitor(sim.Options{ID: id, Seed: uint64(100 + id), Interval: iv, Profile: profile, Manipulation: k, ManipulateAt: n / 2})
			src := netip.AddrFrom4([4]byte{10, 0, 0, byte(id)})
			for range n {
				b, at, _ := mon.Next(nil)
				m, err := hl7.Parse(b)
				if err != nil {
					t.Fatal(err)
				}
				msgs = append(msgs, arrival{src, m, at})
			}
		}
	}
	run := func(order []arrival) map[netip.Addr][]vitals.Finding {
		e, err := vitals.NewEngine(vitals.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		out := map[netip.Addr][]vitals.Finding{}
		for _, a := range order {
			out[a.src] = append(out[a.src], e.Observe(a.src, a.m, a.at, nil)...)
		}
		return out
	}
	first := run(msgs) // monitor after monitor
	sorted := append([]arrival(nil), msgs...)
	slices.SortStableFunc(sorted, func(a, b arrival) int { return a.at.Compare(b.at) }) // ties in the order above
	n := 0
	for _, fs := range first {
		n += len(fs)
	}
	if n == 0 {
		t.Fatal("no findings at all")
	}
	for name, order := range map[string][]arrival{"the same order": msgs, "interleaved by arrival": sorted} {
		if got := run(order); !reflect.DeepEqual(got, first) {
			for src, fs := range first {
				if !reflect.DeepEqual(got[src], fs) {
					t.Errorf("%s: monitor %s: %d findings, then %d", name, src, len(fs), len(got[src]))
				}
			}
		}
	}
	rules := map[string]int{}
	for _, fs := range first {
		for _, f := range fs {
			rules[f.Rule]++
		}
	}
	t.Logf("%d messages, %d findings %v", len(msgs), n, rules)
}

// Values a monitor should never send, in a moving stream at 2 s (k > 1: offPhase runs): NaN, infinities,
// numbers past float64's range, huge and tiny ones, and negative zero, now and then in one channel or all. No
// finding may carry a number that is not finite, whatever rule reports it (a NaN would compare false
// everywhere and an infinity would be exported as such).
func TestOddValuesFiniteFindings(t *testing.T) {
	odd := []string{"NaN", "nan", "Inf", "+Inf", "-Inf", "infinity", "1e400", "-1e400", "1e308", "-1e308", "4.9e-324",
		"99999999999999999999", "-0", "0x1p10", "1_000", "8388607", "8388608", "-8388608"}
	base := wandering(2026, 2000)
	ms := make([]msg, len(base))
	for i, m := range base {
		ms[i] = m
		if i%37 == 36 {
			v := odd[(i/37)%len(odd)]
			rows := slices.Clone(m.rows)
			if i%74 == 36 { // all channels
				for j := range rows {
					rows[j].value = v
				}
			} else {
				rows[(i/37)%len(rows)].value = v
			}
			ms[i].rows = rows
		}
	}
	n := 0
	for _, f := range run(t, vitals.DefaultConfig(), every(len(ms), 2*sec, func(i int) msg { return ms[i] })) {
		n++
		for _, x := range []float64{f.Value, f.Other, f.Threshold} {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Errorf("%s at %s: value %g, other %g, threshold %g", f.Rule, f.ObservedAt.Format("15:04:05"), f.Value, f.Other, f.Threshold)
				break
			}
		}
	}
	t.Logf("%d findings", n)
}

func TestFindingCarriesNoPatientData(t *testing.T) {
	m := msg{pid: "SECRET-MRN^^^H^MR", rows: []row{spo2("130")}}
	fs := run(t, vitals.DefaultConfig(), []tick{{0, m}})
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1", len(fs))
	}
	if s := fmt.Sprintf("%+v", fs[0]); strings.Contains(s, "SECRET") || strings.Contains(s, "DOE") {
		t.Errorf("finding carries patient data: %s", s)
	}
	f := fs[0]
	if f.Rule != "range" || f.Parameter != "MDC_PULS_OXIM_SAT_O2" || f.Value != 130 || f.Threshold != 100 ||
		f.ControlID != "C0" || f.Equipment != "0012340000000001" || f.Segment != 4 || !f.ObservedAt.Equal(t0) {
		t.Errorf("finding %+v", f)
	}
	if b := vitals.AppendAlert(nil, f, "ALERT1", t0); bytes.Contains(b, []byte("SECRET")) || bytes.Contains(b, []byte("PID")) {
		t.Errorf("alert carries patient data: %q", b)
	}
}

// TestEpisodes: a condition that persists is one Finding; with ReportClose
// its end is a second one, Closed, counting the messages that showed it.
func TestEpisodes(t *testing.T) {
	ticks := then(then(baseline(), 10*sec, every(30, 10*sec, func(i int) msg { m := normal(i + 500); m.rows[2] = spo2("130"); return m })), 10*sec,
		every(40, 10*sec, func(i int) msg { return normal(i + 2000) }))
	fs := run(t, vitals.DefaultConfig(), ticks)
	checkRules(t, fs, "range")
	if len(fs) != 1 || fs[0].Count != 1 || fs[0].Closed {
		t.Fatalf("findings %+v, want one opening", fs)
	}
	cfg := vitals.DefaultConfig()
	cfg.State.ReportClose = true
	fs = run(t, cfg, ticks)
	if len(fs) != 2 || !fs[1].Closed || fs[1].Rule != "range" || fs[1].Count != 30 {
		t.Fatalf("findings %+v, want an opening and a close after 30 messages", fs)
	}
}

func TestAppendAnnotated(t *testing.T) {
	base := "MSH|^~\\&|MON|ICU|||20260301120000||ORU^R01|C1|P|2.6\rPID|||1\rOBR|1\rOBX|1|NM|150456^^MDC|1|130|%\rOBX|2|NM|147842^^MDC|2|80"
	value := vitals.Finding{Rule: "range", Severity: vitals.Critical, Explanation: "a|b", Action: vitals.Annotate, Segment: 3}
	whole := vitals.Finding{Rule: "time_future", Severity: vitals.Warning, Explanation: "late", Action: vitals.Annotate}
	forward := vitals.Finding{Rule: "frozen", Action: vitals.Forward, Segment: 4}
	tests := []struct {
		name string
		msg  string
		fs   []vitals.Finding
		want string
	}{
		{"nothing to annotate", base, []vitals.Finding{forward}, base},
		{"value and message", base, []vitals.Finding{value, whole, forward},
			"MSH|^~\\&|MON|ICU|||20260301120000||ORU^R01|C1|P|2.6\rPID|||1\rOBR|1\rNTE|1|HL7GATE|warning time_future: late\r" +
				"OBX|1|NM|150456^^MDC|1|130|%\rNTE|1|HL7GATE|critical range: a\\F\\b\rOBX|2|NM|147842^^MDC|2|80"},
		{"last segment without terminator", base, []vitals.Finding{{Rule: "frozen", Severity: vitals.Info, Action: vitals.Annotate, Segment: 4, Explanation: "x"}},
			base + "\rNTE|1|HL7GATE|info frozen: x"},
		{"CRLF terminators kept", strings.ReplaceAll(base, "\r", "\r\n") + "\r\n", []vitals.Finding{value},
			strings.ReplaceAll("MSH|^~\\&|MON|ICU|||20260301120000||ORU^R01|C1|P|2.6\rPID|||1\rOBR|1\rOBX|1|NM|150456^^MDC|1|130|%\rNTE|1|HL7GATE|critical range: a\\F\\b\rOBX|2|NM|147842^^MDC|2|80\r", "\r", "\r\n")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := hl7.Parse([]byte(tc.msg))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(vitals.AppendAnnotated([]byte("prefix"), m, tc.fs)); got != "prefix"+tc.want {
				t.Errorf("got  %q\nwant %q", got, "prefix"+tc.want)
			}
		})
	}
}

func TestAppendAlert(t *testing.T) {
	f := vitals.Finding{Rule: "hr_pr_agreement", Severity: vitals.Warning, Kind: vitals.KindIntegrity,
		Source: netip.MustParseAddr("192.0.2.7"), Equipment: "0012340000000001", Parameter: "MDC_ECG_HEART_RATE",
		Value: 42, ObservedAt: t0, Explanation: "ECG heart rate and pulse rate disagree persistently"}
	m, err := hl7.Parse(vitals.AppendAlert(nil, f, "A-17", t0.Add(time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"MSH-3": "HL7GATE", "MSH-9": "ORU^R40^ORU_R40", "MSH-10": "A-17", "MSH-21.1": "IHE_PCD_ACM_001",
		"OBR-3.1": "A-17", "OBR-4": "196616^MDC_EVT_ALARM^MDC", "OBR-7": "20260301120000+0000",
		"OBX(1)-4": "1.0.0.0.1", "OBX(1)-5.1": "hr_pr_agreement", "OBX(1)-8": "PM~SA", "OBX(1)-18": "0012340000000001",
		"OBX(2)-3.1": "147842", "OBX(2)-5": "42", "OBX(3)-5": "start", "OBX(4)-5": "active",
		"OBX(6)-5": "PM", "OBX(7)-3.2": "MDC_ATTR_ALERT_TYPE", "OBX(7)-4": "1.0.0.0.7", "OBX(7)-5": "SA",
	}
	for path, v := range want {
		if got, err := m.Get(path); err != nil || string(got) != v {
			t.Errorf("%s = %q (%v), want %q", path, got, err, v)
		}
	}
	if _, err := m.Get("PID-3"); !errors.Is(err, hl7.ErrNoSegment) {
		t.Errorf("alert has a PID segment (%v)", err)
	}
}

func TestShouldAlert(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Alert.SendR40 = true
	e, err := vitals.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for sev, want := range map[vitals.Severity]bool{vitals.Info: false, vitals.Warning: true, vitals.Critical: true} {
		if got := e.ShouldAlert(vitals.Finding{Severity: sev}); got != want {
			t.Errorf("ShouldAlert(%s) = %v, want %v", sev, got, want)
		}
	}
}
