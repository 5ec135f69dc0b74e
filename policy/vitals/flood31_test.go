package vitals_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

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
