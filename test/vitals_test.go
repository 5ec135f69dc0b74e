package test

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// vitalsConfig is baseConfig with the vital-sign checks on, as the YAML loader would set them.
func vitalsConfig(st *station) config.Config {
	cfg := baseConfig(st)
	cfg.Vitals = config.Default().Vitals
	return cfg
}

// impossible is an ORU^R01 whose SpO2 is 150 %: outside any device's range.
func impossible(ctrl string) []byte {
	return bytes.Replace(oru("MON1", ctrl), []byte("|97|262688"), []byte("|150|262688"), 1)
}

func TestVitalsFindingForwardsUnchangedByDefault(t *testing.T) {
	st := newStation(t, accept)
	g, logs := startGateway(t, vitalsConfig(st))
	m := dialMonitor(t, g.ListenerAddr("icu"))
	msg := impossible("V1")
	if code, id, _ := m.mustAck(t, msg); code != hl7.AA || id != "V1" {
		t.Fatalf("ACK %s for %q: a finding must not change ACK semantics", code, id)
	}
	if got := st.waitReceived(t, 1); !bytes.Equal(got[0], msg) {
		t.Fatal("message with a finding was not forwarded unchanged")
	}
	evs := g.Store().Events(store.KindVitals, 0, 0)
	if len(evs) == 0 {
		t.Fatal("no vital-sign event")
	}
	e := evs[0]
	if e.Rule != "range" || e.ControlID != "V1" || e.Parameter == "" || e.Value == nil || *e.Value != 150 ||
		e.Equipment == "" || e.Reason == "" {
		t.Fatalf("event = %+v", e)
	}
	if !strings.Contains(logs.String(), `"vital-sign finding"`) || !strings.Contains(logs.String(), `"rule":"range"`) {
		t.Fatalf("finding not logged:\n%s", logs)
	}
}

func TestVitalsAnnotateAndAlert(t *testing.T) {
	st := newStation(t, accept)
	cfg := vitalsConfig(st)
	cfg.Vitals.Rules.Range.Action = "annotate"
	cfg.Vitals.Alert.SendR40 = true
	cfg.Vitals.Alert.MinSeverity = "info"
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	if code, _, _ := m.mustAck(t, impossible("V2")); code != hl7.AA {
		t.Fatalf("ACK %s", code)
	}
	got := st.waitReceived(t, 2)
	if !bytes.Contains(got[0], []byte("\rNTE|1|HL7GATE|")) {
		t.Fatalf("forwarded message has no annotation:\n%q", got[0])
	}
	alert, err := hl7.Parse(got[1])
	if err != nil {
		t.Fatal(err)
	}
	if typ, trig, _ := alert.MessageType(); string(typ) != "ORU" || string(trig) != "R40" {
		t.Fatalf("second message is %s^%s, want the ORU^R40 alert", typ, trig)
	}
	if bytes.Contains(got[1], []byte("SECRETNAME")) || bytes.Contains(got[1], []byte("MRN12345")) {
		t.Fatal("alert carries patient data")
	}
}

func TestVitalsQuarantineIsExplicitAndNeverPositive(t *testing.T) {
	st := newStation(t, accept)
	cfg := vitalsConfig(st)
	cfg.Vitals.Rules.Range.Action = "quarantine"
	// One station connection: whatever the gateway sent before V4 arrived before it, so once the
	// station has V4 (its AA proves it) the list below is complete.
	cfg.Stations[0].Connections = 1
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	if code, id, _ := m.mustAck(t, impossible("V3")); code != hl7.AR || id != "V3" {
		t.Fatalf("quarantined message: %s for %q, want AR", code, id)
	}
	// A plausible message from the same monitor still goes through.
	if code, _, _ := m.mustAck(t, oru("MON1", "V4")); code != hl7.AA {
		t.Fatalf("clean message after quarantine: %s", code)
	}
	if got := st.received(); len(got) != 1 || !bytes.Contains(got[0], []byte("|V4|")) {
		t.Fatalf("station got %d messages; the quarantined one must not reach it", len(got))
	}
}

// gatewayBed is an ORU^R01 as an aggregating gateway (Mindray's eGateway) sends it for one of its beds: the
// gateway's MSH-3, the bed's patient and its EUI-64 in OBX-18, stamped now.
func gatewayBed(eui, mrn, hr, spo2, ctrl string) []byte {
	now := string(hl7.AppendTime(nil, time.Now()))
	return []byte(strings.Join([]string{
		"MSH|^~\\&|MINDRAY_EGATEWAY^00A037FFFE5AB708^EUI-64|ICU|CENTRAL|HOSP|" + now + "||ORU^R01^ORU_R01|" + ctrl + "|P|2.6|||NE|AL",
		"PID|||" + mrn + "^^^HOSP^MR||SECRETNAME^PATIENT",
		"OBR|1|||182777000^monitoring of patient^SCT|||" + now,
		"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|" + hr + "|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||" + now + "||||" + eui + "^^" + eui + "^EUI-64",
		"OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.150456|" + spo2 + "|262688^MDC_DIM_PERCENT^MDC|||||R|||" + now + "||||" + eui + "^^" + eui + "^EUI-64",
	}, "\r") + "\r")
}

// TestVitalsGatewayBedsKeptApart: one monitor connection carries three beds under one MSH-3, each bed its
// own EUI-64 in OBX-18, patient and levels (issue 14: state keyed by the device identity the message
// carries, not by the source address). The gateway judges each bed alone: no finding while the beds
// interleave, and an impossible saturation on one bed is reported with that bed's equipment identifier.
func TestVitalsGatewayBedsKeptApart(t *testing.T) {
	st := newStation(t, accept)
	g, _ := startGateway(t, vitalsConfig(st))
	m := dialMonitor(t, g.ListenerAddr("icu"))
	beds := []struct{ eui, mrn, hr, spo2 string }{
		{"00E0D6FFFE000001", "MRN1001", "58", "99"},
		{"00E0D6FFFE000002", "MRN1002", "104", "91"},
		{"00E0D6FFFE000003", "MRN1003", "142", "95"},
	}
	n := 0
	for range 10 {
		for _, b := range beds {
			n++
			if code, _, _ := m.mustAck(t, gatewayBed(b.eui, b.mrn, b.hr, b.spo2, fmt.Sprintf("G%d", n))); code != hl7.AA {
				t.Fatalf("message %d: ACK %s", n, code)
			}
		}
	}
	for _, e := range g.Store().Events(store.KindVitals, 0, 0) {
		t.Errorf("finding on interleaving beds: %s %s (%s): %s", e.Rule, e.Parameter, e.Equipment, e.Reason)
	}
	b := beds[1]
	if code, _, _ := m.mustAck(t, gatewayBed(b.eui, b.mrn, b.hr, "150", "G-IMPOSSIBLE")); code != hl7.AA {
		t.Fatalf("ACK %s", code)
	}
	evs := g.Store().Events(store.KindVitals, 0, 0)
	if len(evs) != 1 || evs[0].Rule != "range" || evs[0].Equipment != b.eui || evs[0].ControlID != "G-IMPOSSIBLE" {
		t.Fatalf("events = %+v, want one range finding on bed %s", evs, b.eui)
	}
}

// stampedORU is a monitor's ORU^R01 from device app, stamped at.
func stampedORU(app, ctrl string, at time.Time) []byte {
	ts := string(hl7.AppendTime(nil, at))
	return []byte(strings.Join([]string{
		"MSH|^~\\&|" + app + "|ICU|CENTRAL|HOSP|" + ts + "||ORU^R01^ORU_R01|" + ctrl + "|P|2.6|||NE|AL",
		"PID|||MRN12345^^^HOSP^MR||SECRETNAME^PATIENT",
		"OBR|1|||182777000^monitoring of patient^SCT|||" + ts,
		"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||" + ts,
	}, "\r") + "\r")
}

// TestVitalsIdentityFloodKeepsOthers: a device on the monitor segment that names a new identity (MSH-3) in
// every message must not push another monitor's check state out of the gateway (one device never crowds
// out another's state). A monitor talks, a second connection from another address sends 300 messages
// under 300 made-up identities, six times the configured max_monitors, then the monitor sends a message
// whose MSH-7 went back 10 minutes: time_backwards, which only a monitor whose state was kept can raise.
// Before state.max_per_source (session 31) the flood had evicted it and the gateway raised nothing.
func TestVitalsIdentityFloodKeepsOthers(t *testing.T) {
	st := newStation(t, accept)
	cfg := vitalsConfig(st)
	cfg.Vitals.State.MaxMonitors = 50
	cfg.Vitals.State.MaxPerSource = 8
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	start := time.Now()
	for i := range 10 {
		if code, _, _ := m.mustAck(t, stampedORU("MON1", fmt.Sprintf("M%d", i), start.Add(time.Duration(i)*time.Millisecond))); code != hl7.AA {
			t.Fatalf("monitor message %d: ACK %s", i, code)
		}
	}
	c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).Dial("tcp", g.ListenerAddr("icu").String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	flood := &monitor{c: c, r: mllp.NewReader(c, 0), w: mllp.NewWriter(c)}
	for i := range 300 {
		if code, _, _ := flood.mustAck(t, stampedORU(fmt.Sprintf("FAKE%d", i), fmt.Sprintf("F%d", i), time.Now())); code != hl7.AA {
			t.Fatalf("flood message %d: ACK %s", i, code)
		}
	}
	for _, e := range g.Store().Events(store.KindVitals, 0, 0) {
		if e.Rule == "time_backwards" {
			t.Fatalf("time_backwards before the monitor's clock went back: %+v", e)
		}
	}
	if code, _, _ := m.mustAck(t, stampedORU("MON1", "M-BACK", time.Now().Add(-10*time.Minute))); code != hl7.AA {
		t.Fatalf("ACK %s", code)
	}
	for _, e := range g.Store().Events(store.KindVitals, 0, 0) {
		if e.Rule == "time_backwards" && e.ControlID == "M-BACK" {
			return
		}
	}
	t.Fatal("no time_backwards for the monitor after the flood: its state was pushed out")
}
