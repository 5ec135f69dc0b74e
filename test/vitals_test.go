package test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
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
