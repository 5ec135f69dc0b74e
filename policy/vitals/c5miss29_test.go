package vitals_test

import (
	"cmp"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

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

// TestMonitorSwappedAfterSilence29: a monitor taken away and another plugged
// in on the same connection after a silence longer than the Engine keeps a
// connection (state.idle_evict, 15 min: a bed turnover) is a new monitor,
// not a replacement: quiet.
func TestMonitorSwappedAfterSilence29(t *testing.T) {
	ticks := then(every(20, 30*sec, func(i int) msg { return device(i, "MON^001C01FFFEFF033A^EUI-64", "001C01FFFEFF033A", "5514174") }),
		20*60*sec, every(20, 30*sec, func(i int) msg { return device(i+20, "MON^080019FFFE24E643^EUI-64", "080019FFFE24E643", "8694004") }))
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
