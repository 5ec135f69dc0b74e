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

func TestIdentity(t *testing.T) {
	with := func(f func(i int, m *msg)) func(int) msg {
		return func(i int) msg { m := normal(i); f(i, &m); return m }
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"patient changes mid-stream", every(10, 10*sec, with(func(i int, m *msg) {
			if i >= 5 {
				m.pid = "99999^^^H^MR"
			}
		})), []string{"identity_patient"}},
		{"patient changes after an admission message", every(10, 10*sec, with(func(i int, m *msg) {
			if i == 5 {
				m.typ, m.rows = "ADT^A01^ADT_A01", nil
			}
			if i >= 5 {
				m.pid = "99999^^^H^MR"
			}
		})), nil},
		{"new patient after a 20 min gap", then(every(5, 10*sec, normal), 20*time.Minute, every(5, 10*sec, with(func(i int, m *msg) { m.pid = "99999^^^H^MR" }))), nil},
		{"unassociated bed then a patient", every(10, 10*sec, with(func(i int, m *msg) {
			if i < 5 {
				m.pid = "none"
			}
		})), nil},
		{"discharged, empty PID for 15 min, then a new patient", then(then(every(5, 10*sec, normal), 10*sec,
			every(90, 10*sec, with(func(i int, m *msg) { m.pid = "none" }))), 10*sec,
			every(5, 10*sec, with(func(i int, m *msg) { m.pid = "99999^^^H^MR" }))), nil},
		{"equipment identifier changes", every(10, 10*sec, with(func(i int, m *msg) {
			if i >= 5 {
				m.equip = "00AA000000000002"
			}
		})), []string{"identity_equipment"}},
		{"sending application changes", every(10, 10*sec, with(func(i int, m *msg) {
			if i >= 5 {
				m.app = "EMULATOR"
			}
		})), []string{"identity_application"}},
		{"temperature unit changes", every(10, 10*sec, with(func(i int, m *msg) {
			if i >= 5 {
				m.rows[len(m.rows)-1] = row{code: "150344", value: "98.6", unit: "[degF]"}
			}
		})), []string{"unit_change"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), tc.ticks)
			checkRules(t, fs, tc.want...)
			for _, f := range fs {
				if f.SendingApplication == "" || f.ControlID == "" || !f.Source.IsValid() {
					t.Errorf("finding without monitor identity: %+v", f)
				}
			}
		})
	}
}

// TestDevicesBehindOneAddress: an aggregating gateway's beds are separate
// monitors, and interleaving beds are not an identity switch; one device
// replacing another is.
func TestDevicesBehindOneAddress(t *testing.T) {
	bed := func(app string) func(int) msg {
		return func(i int) msg { m := normal(i); m.app = app; m.equip = ""; return m }
	}
	interleaved := every(60, 5*sec, func(i int) msg {
		if i%2 == 0 {
			return bed("BED1^0012340000000011^EUI-64")(i)
		}
		return bed("BED2^0012340000000022^EUI-64")(i + 500)
	})
	checkRules(t, run(t, vitals.DefaultConfig(), interleaved))
	replaced := then(every(20, 10*sec, bed("MON1^0012340000000011^EUI-64")), 10*sec, every(10, 10*sec, func(i int) msg {
		return bed("ROGUE^0012340000000099^EUI-64")(i + 20)
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), replaced), "identity_application")
}

// runVia feeds the ticks, all from one connection, through a fresh Engine
// the way hl7gate check --monitor device does: each equipment identifier
// (msg.equip) is a monitor with an address of its own, and the connection
// is the capture's source (Engine.ObserveVia).
func runVia(t *testing.T, ticks []tick) []vitals.Finding {
	t.Helper()
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	conn := netip.MustParseAddr("192.0.2.10")
	mons := map[string]netip.Addr{}
	var all []vitals.Finding
	for i, tk := range ticks {
		src, ok := mons[tk.m.equip]
		if !ok {
			src = netip.AddrFrom4([4]byte{198, 51, 100, byte(len(mons) + 1)})
			mons[tk.m.equip] = src
		}
		arrival := t0.Add(tk.at)
		m, err := hl7.Parse(tk.m.bytes(arrival, i))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		all = e.ObserveVia(conn, src, m, arrival, all)
	}
	return all
}

// device returns message i of the monitor with equipment identifier eui
// (OBX-18), sending application app, and patient pid.
func device(i int, app, eui, pid string) msg {
	m := normal(i)
	m.app, m.equip, m.pid = app, eui, pid+"^^^H^MR"
	return m
}

// TestDeviceReplacedOnConnection29: corpus5's blatant identity switch (session
// 29, c5miss29) sends another patient under another device identity, MSH-3
// and OBX-18 both, on the connection the real monitor used, which falls
// silent at that moment. Offline each device is a monitor of its own, so the
// patient check never compared the two; the connection still carries one
// device after another: identity_application, whether MSH-3 changed with the
// equipment identifier or only OBX-18 did.
func TestDeviceReplacedOnConnection29(t *testing.T) {
	for _, tc := range []struct{ name, appA, appB string }{
		{"MSH-3 and OBX-18", "MINDRAY^001C01FFFEFF033A^EUI-64", "MINDRAY^080019FFFE24E643^EUI-64"},
		{"OBX-18 only", "VSP", "VSP"},
	} {
		ticks := then(every(20, 30*sec, func(i int) msg { return device(i, tc.appA, "001C01FFFEFF033A", "5514174") }),
			30*sec, every(10, 30*sec, func(i int) msg { return device(i+20, tc.appB, "080019FFFE24E643", "MRN8694004") }))
		fs := runVia(t, ticks)
		checkRules(t, fs, "identity_application")
		if len(fs) > 0 && fs[0].ControlID != "C22" {
			t.Errorf("%s: reported at %s, want C22 (the new device's third message)", tc.name, fs[0].ControlID)
		}
	}
}

// TestMonitorSwappedAfterSilence29: a monitor taken away and another plugged
// in on the same connection after a silence longer than the Engine keeps a
// connection (state.idle_evict, 15 min: a bed turnover) is a new monitor,
// not a replacement: quiet.
func TestMonitorSwappedAfterSilence29(t *testing.T) {
	ticks := then(every(20, 30*sec, func(i int) msg { return device(i, "MON^001C01FFFEFF033A^EUI-64", "001C01FFFEFF033A", "5514174") }),
		20*60*sec, every(20, 30*sec, func(i int) msg { return device(i+20, "MON^080019FFFE24E643^EUI-64", "080019FFFE24E643", "8694004") }))
	checkRules(t, runVia(t, ticks))
}

// TestGatewayBedsOnConnection29: an aggregating gateway carries three beds on
// one connection, one MSH-3, each bed its own equipment identifier; the beds
// interleave, and one of them falling silent for a while (its patient to CT)
// while the others talk is no replacement: quiet.
func TestGatewayBedsOnConnection29(t *testing.T) {
	euis := []string{"00E0D6FFFE000001", "00E0D6FFFE000002", "00E0D6FFFE000003"}
	ticks := every(180, 10*sec, func(i int) msg {
		b := i % 3
		if b == 0 && i >= 60 && i < 120 {
			b = 1 // bed 1 silent for 10 min: bed 2 sends in its turn
		}
		return device(i, "EGATEWAY^MINDRAY", euis[b], "77000"+string(rune('1'+b)))
	})
	checkRules(t, runVia(t, ticks))
}

// TestGatewayBedReplaced29: on an aggregating gateway's connection (three
// beds, one MSH-3, each bed its EUI-64 in OBX-18, 30 s apart each) one bed's
// identity is replaced by another device with another patient while the
// other two beds keep talking (corpus5's blatant switch on its eGateway):
// the bed fell silent as the new device began, identity_application once.
// The real bed coming back when the forgery ends is not reported again.
// Offline (each device a monitor of its own, runVia) and on the wire (one
// source, the beds told apart by the Engine: session 30, beds30).
func TestGatewayBedReplaced29(t *testing.T) {
	euis := []string{"00E0D6FFFE000001", "00E0D6FFFE000002", "00E0D6FFFE000003"}
	ticks := every(180, 10*sec, func(i int) msg {
		b := i % 3
		if b == 2 && i >= 90 && i < 150 {
			return device(i, "EGATEWAY^MINDRAY", "080019FFFE24E643", "MRN8694004")
		}
		return device(i, "EGATEWAY^MINDRAY", euis[b], "77000"+string(rune('1'+b)))
	})
	for _, fs := range [][]vitals.Finding{runVia(t, ticks), run(t, vitals.DefaultConfig(), ticks)} {
		checkRules(t, fs, "identity_application")
		if len(fs) != 1 || fs[0].ControlID != "C98" {
			t.Errorf("%d findings, want 1 at C98 (the new device's third message)", len(fs))
		}
	}
}

// TestGatewayBedStarts29: a gateway's capture begins with one bed at a 60 s
// cadence; a second bed starts 24 s after its fourth message, at 10 s, and
// has sent three messages before the first bed's next one is due (hl7load
// s1 m0147 and s49 m0143: reported by b2dfeaa's count of three messages
// alone). The first bed was not overdue and talks on: quiet.
func TestGatewayBedStarts29(t *testing.T) {
	var ticks []tick
	for i := range 20 {
		ticks = append(ticks, tick{time.Duration(i) * 60 * sec, device(i, "GW02_BED3^00A00095E85662E8^EUI-64", "00A00095E85662E8", "7001")})
	}
	for i := range 100 {
		ticks = append(ticks, tick{204*sec + time.Duration(i)*10*sec, device(100+i, "GW02_BED2^00A00094E7FB889E^EUI-64", "00A00094E7FB889E", "7002")})
	}
	slices.SortStableFunc(ticks, func(a, b tick) int { return cmp.Compare(a.at, b.at) })
	checkRules(t, runVia(t, ticks))
}

// bed returns the bed's own message i of bed b (0–3) behind an aggregating gateway: one
// MSH-3 for all, the bed's EUI-64 in OBX-18, its own patient, and its own
// levels (heart and pulse rate 60, 90, 120 or 150, saturation 92–98).
func bed(i, b int) msg {
	euis := [...]string{"00E0D6FFFE000001", "00E0D6FFFE000002", "00E0D6FFFE000003", "00E0D6FFFE000004"}
	h := 60 + 30*float64(b)
	m := vitalsAt(i, h, h, 92+2*float64(b))
	m.app, m.equip, m.pid = "EGATEWAY^00A037FFFE5AB708^EUI-64", euis[b], "77000"+string(rune('1'+b))+"^^^H^MR"
	return m
}

// TestGatewayBedsLive30: on the wire an aggregating gateway (Mindray's
// eGateway) carries four beds on one connection under one MSH-3, each bed
// its EUI-64 in OBX-18, its own patient and levels. The gateway knows the
// connection only by its address: the Engine must still give each bed a
// state of its own (issue 14, "state keyed by device"), not judge one
// monitor whose patient, heart rate and saturation jump every message.
// Quiet, as hl7gate check --monitor device is on the same messages.
func TestGatewayBedsLive30(t *testing.T) {
	ticks := every(400, 5*sec, func(i int) msg { return bed(i/4, i%4) })
	checkRules(t, run(t, vitals.DefaultConfig(), ticks))
	checkRules(t, runVia(t, ticks))
}

// TestDeviceAndPatientSwitchedLive30: a single monitor whose equipment
// identifier and patient change together (corpus5's blatant identity
// switch on a monitor of its own) is no gateway: the new identifier stays
// alone, so both identity_equipment and identity_patient are reported (the
// patient once the new identifier is established, switchAfter messages).
func TestDeviceAndPatientSwitchedLive30(t *testing.T) {
	ticks := then(every(40, 10*sec, func(i int) msg { return device(i, "MON^ICU", "001C01FFFEFF033A", "5514174") }),
		10*sec, every(20, 10*sec, func(i int) msg { return device(i+40, "MON^ICU", "080019FFFE24E643", "8694004") }))
	fs := run(t, vitals.DefaultConfig(), ticks)
	checkRules(t, fs, "identity_equipment", "identity_patient")
	for _, f := range fs {
		if f.ControlID != "C42" {
			t.Errorf("%s at %s, want C42 (the new identifier's third message)", f.Rule, f.ControlID)
		}
	}
}

// TestOneForeignIdentifierLive30: one message under another equipment
// identifier (and patient) among a monitor's own makes the channel look
// like a gateway's; the monitor keeps its state (its stream becomes its
// bed's) rather than starting afresh, so a later change of its patient
// without admission is still reported. The stray message itself was read
// in the monitor's stream, before the channel showed two identifiers, with
// its patient not judged (unsettled): one monitor.
func TestOneForeignIdentifierLive30(t *testing.T) {
	own := func(i int) msg { return device(i, "MON^ICU", "001C01FFFEFF033A", "5514174") }
	ticks := every(40, 10*sec, own)
	ticks = then(ticks, 10*sec, []tick{{0, device(40, "MON^ICU", "080019FFFE24E643", "8694004")}})
	ticks = then(ticks, 10*sec, every(20, 10*sec, func(i int) msg { return own(i + 41) }))
	ticks = then(ticks, 10*sec, every(10, 10*sec, func(i int) msg { return device(i+61, "MON^ICU", "001C01FFFEFF033A", "6600011") }))
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	fs := feed(t, e, ticks)
	checkRules(t, fs, "identity_patient")
	if n := e.Monitors(); n != 1 {
		t.Errorf("%d monitors, want 1", n)
	}
}

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

// labelBed is bed's message i of bed b behind a gateway that names its
// beds by a label in OBX-18 alone (a Dräger Infinity Gateway-style
// "IACS-GICU-35"; no EUI-64 anywhere), under one MSH-3 without one either.
func labelBed(i, b int) msg {
	m := bed(i, b)
	m.app, m.label = "INFINITY_GW^ICU-G", "IACS-GICU-0"+string(rune('1'+b))
	return m
}

// TestGatewayBedLabels47: the beds of a gateway that tells them apart only
// by a bed label in OBX-18 get a state each, on the wire and offline, as
// beds with an EUI-64 do (TestGatewayBedsLive30): before session 47 the
// four were judged as one monitor whose patient, heart rate and saturation
// jumped every message (corpus8's Dräger-style gateway: identity_patient,
// steps, spikes and times running back between its beds' clocks).
func TestGatewayBedLabels47(t *testing.T) {
	ticks := every(400, 5*sec, func(i int) msg { return labelBed(i/4, i%4) })
	checkRules(t, run(t, vitals.DefaultConfig(), ticks))
	checkRules(t, runVia(t, ticks))
}

// TestGatewayBedLabelStep47: told apart by their labels, one bed's forged
// heart-rate step is still reported, on that bed alone.
func TestGatewayBedLabelStep47(t *testing.T) {
	ticks := every(600, 5*sec, func(i int) msg {
		m := labelBed(i/4, i%4)
		if i%4 == 1 && i/4 >= 100 {
			m = set(m, hr("150"))
		}
		return m
	})
	fs := run(t, vitals.DefaultConfig(), ticks)
	if !slices.ContainsFunc(fs, func(f vitals.Finding) bool { return f.Rule == "rate_of_change" }) {
		t.Error("the forged step not reported")
	}
	for _, f := range fs {
		if f.Equipment != "IACS-GICU-02" || f.ControlID < "C400" {
			t.Errorf("%s on %q at %s, want IACS-GICU-02 from C401 on", f.Rule, f.Equipment, f.ControlID)
		}
	}
}

// TestBedLabelChanged47: a monitor whose bed label changes (moved to another
// bed, relabelled) is no other device: no identity_equipment, and its
// patient, the same, raises nothing either; a label is no EUI-64.
func TestBedLabelChanged47(t *testing.T) {
	ticks := then(every(40, 10*sec, func(i int) msg { m := device(i, "MON^ICU", "", "5514174"); m.label = "BED-01"; return m }),
		10*sec, every(40, 10*sec, func(i int) msg { m := device(i+40, "MON^ICU", "", "5514174"); m.label = "BED-07"; return m }))
	checkRules(t, run(t, vitals.DefaultConfig(), ticks))
}
