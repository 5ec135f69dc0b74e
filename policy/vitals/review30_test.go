package vitals_test

import (
	"cmp"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// Review of beds30 (session 30): tests of the Engine's beds on the wire.

// TestAlternatingIdentifiersLive30r: a monitor (one EUI-64, its patient) is
// taken over on its connection: it falls silent and a forger sends another
// patient under the same MSH-3, alternating two new equipment identifiers
// (or a new one every message). Neither new identifier is ever alone for
// switchAfter messages, and the old one never comes back, so the switcher
// stays unsettled forever: the patient is never judged (no identity_patient,
// which 04ef1e4 reported at C40) and no identity_equipment. The patient is
// judged again once the old identifier is overdue (silent for two of its
// intervals): identity_patient at C42. Offline (runVia) the connection
// reports identity_application.
func TestAlternatingIdentifiersLive30r(t *testing.T) {
	own := func(i int) msg { return device(i, "MON^ICU", "001C01FFFEFF033A", "5514174") }
	forged := func(i int) msg {
		eui := [...]string{"080019FFFE24E643", "080019FFFE24E644"}[i%2]
		return device(i+40, "MON^ICU", eui, "8694004")
	}
	ticks := then(every(40, 10*sec, own), 10*sec, every(30, 10*sec, forged))
	fs := run(t, vitals.DefaultConfig(), ticks)
	checkRules(t, fs, "identity_patient")
	if len(fs) > 0 && fs[0].ControlID != "C42" {
		t.Errorf("live: identity_patient at %s, want C42 (the old identifier overdue)", fs[0].ControlID)
	}
	if fs := runVia(t, ticks); len(fs) == 0 {
		t.Errorf("offline: no finding")
	}
}

// TestTwoGatewaysOneSourceLive30r: two aggregating gateways (two MSH-3s, three
// beds each) behind one address (a NAT, an interface engine forwarding both
// on one connection; offline, --monitor file with --source giving both files
// one address). source.beds holds one device: each gateway found to carry
// beds takes it from the other, whose messages then go to its device key
// again, mixed in one stream, until it is found again and its mixed stream
// is moved over the stream of its established bed, and so on every few
// messages: that bed's state lasts a few messages. Want six beds, as with
// one gateway, and each of the first gateway's beds, whose values from
// message 80 of their own on replay 20 of their earlier messages, reported
// (replay_window) as with one gateway alone.
func TestTwoGatewaysOneSourceLive30r(t *testing.T) {
	for _, gateways := range []int{1, 2} {
		per := 3 * gateways // messages per round: each bed one
		ticks := every(120*per, 10*sec/time.Duration(per), func(i int) msg {
			j, g, b := i/per, i%gateways, (i/gateways)%3
			v := j
			if g == 0 && j >= 80 && j < 100 {
				v = j - 50 // the bed's own values of 50 messages before
			}
			m := vitalsAt(v, 70+float64((v+5*b)%17)+5*float64(g), 72+float64((v+3*b)%11), 95+float64(v%4))
			m.app = [...]string{"EGATEWAY^00A037FFFE5AB708^EUI-64", "EGATEWAY^00A037FFFE5AB709^EUI-64"}[g]
			m.equip = "00E0D6FFFE0000" + string(rune('0'+g)) + string(rune('1'+b))
			m.pid = "77" + string(rune('0'+g)) + "00" + string(rune('1'+b)) + "^^^H^MR"
			return m
		})
		e, err := vitals.NewEngine(vitals.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		fs := feed(t, e, ticks)
		beds := map[string]bool{}
		for _, f := range fs {
			if f.Rule == "replay_window" {
				beds[f.Equipment] = true
			}
		}
		if len(beds) != 3 {
			t.Errorf("%d gateways: replay_window on %d beds (%v), want 3 (rules %q)", gateways, len(beds), beds, rulesOf(fs))
		}
		if n := e.Monitors(); n != 3*gateways {
			t.Errorf("%d gateways: %d monitors, want %d (the beds)", gateways, n, 3*gateways)
		}
	}
}

// TestGatewayBedsConcurrent30r: the gateway's beds over several connections
// from one address (one goroutine each, as the gateway calls Observe), for
// the race detector.
func TestGatewayBedsConcurrent30r(t *testing.T) {
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	src := netip.MustParseAddr("192.0.2.10")
	var wg sync.WaitGroup
	for b := range 4 {
		wg.Go(func() {
			var dst []vitals.Finding
			for i := range 200 {
				arrival := t0.Add(time.Duration(i) * 5 * sec)
				m, err := hl7.Parse(bed(i, b).bytes(arrival, 4*i+b))
				if err != nil {
					t.Error(err)
					return
				}
				dst = e.Observe(src, m, arrival, dst[:0])
				if i%50 == 0 {
					_ = e.Monitors()
				}
			}
		})
	}
	wg.Wait()
	// How the goroutines interleave decides whether the beds are told
	// apart (one run after another is one device switching): only a bound.
	if n := e.Monitors(); n > 5 {
		t.Errorf("%d monitors, want at most the 4 beds and the device's own", n)
	}
}

// TestGatewayReplayAcrossSilenceLive30r: TestReplayAcrossSilence on an
// aggregating gateway's three beds. The gateway falls silent for 50 min
// (longer than state.idle_evict: its beds' streams are parked, and its
// connection forgotten) and comes back replaying each bed's values of
// before the silence. Its first messages are read in one stream again until
// the beds are told apart; that stream then becomes the bed of its
// established identifier without the history parked for that bed, which is
// never looked up again: one bed's replay goes unreported. Want all three.
func TestGatewayReplayAcrossSilenceLive30r(t *testing.T) {
	euis := [...]string{"00E0D6FFFE000001", "00E0D6FFFE000002", "00E0D6FFFE000003"}
	var before, after [3][]msg
	for b := range 3 {
		before[b] = wandering(uint64(40+b), 240)
		after[b] = wandering(uint64(50+b), 30)
		for i := range 200 {
			after[b] = append(after[b], jittered(before[b][10+i], i))
		}
	}
	round := func(ms [3][]msg) []tick {
		return every(3*len(ms[0]), 10*sec/3, func(i int) msg {
			b := i % 3
			m := ms[b][i/3]
			m.app, m.equip, m.pid = "EGATEWAY^00A037FFFE5AB708^EUI-64", euis[b], "77000"+string(rune('1'+b))+"^^^H^MR"
			return m
		})
	}
	ts := then(round(before), 50*time.Minute, round(after))
	beds := map[string]bool{}
	fs := run(t, vitals.DefaultConfig(), ts)
	for _, f := range fs {
		if f.Rule == "replay_window" {
			beds[f.Equipment] = true
		}
	}
	if len(beds) != 3 {
		t.Errorf("replay_window on %d beds (%v), want 3; rules %q", len(beds), beds, rulesOf(fs))
	}
}

// TestGatewaySlowBedFirstLive30r: a gateway whose first bed sends every
// 60 s and its three others every 5 s: 36 messages of the others before the
// first is back. The first bed, seen once, is not overdue (its interval
// unknown): the others' patients are not judged in the device's stream
// before the beds are told apart. Quiet, as offline.
func TestGatewaySlowBedFirstLive30r(t *testing.T) {
	var ts []tick
	for i := range 20 {
		ts = append(ts, tick{time.Duration(i) * 60 * sec, bed(i, 0)})
	}
	for i := range 240 {
		ts = append(ts, tick{sec + time.Duration(i/3)*5*sec, bed(100+i/3, 1+i%3)})
	}
	slices.SortStableFunc(ts, func(a, b tick) int { return cmp.Compare(a.at, b.at) })
	checkRules(t, run(t, vitals.DefaultConfig(), ts))
	checkRules(t, runVia(t, ts))
}

// TestGatewayBedsEUINotFirstLive30r: the beds' EUI-64 in OBX-18 not in its
// first component ("^00E0D6FFFE000001^^…^EUI-64", or the IHE form with an
// empty entity identifier, "^^00E0D6FFFE000001^EUI-64", corpus3's). hl7gate
// check --monitor device found it (its own reading, every component) and
// kept each bed apart while the Engine read component 1 alone, so on the
// wire the beds were one monitor again (identity_patient). Both now read
// OBX-18 with EUI64: quiet, live and offline.
func TestGatewayBedsEUINotFirstLive30r(t *testing.T) {
	for _, prefix := range []string{"^", "^^"} {
		ticks := every(400, 5*sec, func(i int) msg {
			m := bed(i/4, i%4)
			m.equip = prefix + m.equip
			return m
		})
		checkRules(t, run(t, vitals.DefaultConfig(), ticks))
	}
}
