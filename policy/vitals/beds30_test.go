package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

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
