package config

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/policy"
)

// A joined error's problems come back one a line, in order, trimmed, with
// blank lines dropped.
func TestErrorLines(t *testing.T) {
	err := errors.Join(errors.New("log.level: bad"), errors.New("  queue.max_age: short \n\n listeners: none"))
	got := ErrorLines(err)
	want := []string{"log.level: bad", "queue.max_age: short", "listeners: none"}
	if !slices.Equal(got, want) {
		t.Errorf("ErrorLines = %q, want %q", got, want)
	}
}

// A heading line ("config FILE:" above the file's problems, as hl7gate's
// config loader writes it) is no problem of its own: it prefixes each line
// under it, up to the next heading.
func TestErrorLinesHeadings(t *testing.T) {
	err := errors.Join(
		errors.New("config /etc/hl7gate/hl7gate.yaml:\nstations[0].connections: -1 not in 1..1024\nlog.level: bad"),
		errors.New("environment (HL7GATE_* variables):\nHL7GATE_LOG_LEVEL: bad"))
	got := ErrorLines(err)
	want := []string{
		"config /etc/hl7gate/hl7gate.yaml: stations[0].connections: -1 not in 1..1024",
		"config /etc/hl7gate/hl7gate.yaml: log.level: bad",
		"environment (HL7GATE_* variables): HL7GATE_LOG_LEVEL: bad",
	}
	if !slices.Equal(got, want) {
		t.Errorf("ErrorLines = %q, want %q", got, want)
	}
}

// Warnings name what validates but an operator should know (redteam52 F8, F10), each with its key, and
// nothing for a configuration without such a thing.
func TestWarnings(t *testing.T) {
	c := Default()
	if ws := c.Warnings(); len(ws) != 0 {
		t.Fatalf("the default configuration warns: %q", ws)
	}
	c.Listeners = []ListenerConfig{
		{Name: "mon", Address: "0.0.0.0:2575", AllowSources: []string{"10.20.0.0/24", "0.0.0.0/0"}},
		{Name: "v6", Address: "[::1]:2580", AllowSources: []string{"::/0"},
			SourceRates: []SourceRate{{Sources: "10.20.0.40/32", MaxSourceRate: -1}, {Sources: "fd00::/64", MaxSourceRate: -1}}},
		{Name: "ward", Address: "10.20.0.1:2581", AllowSources: []string{"10.20.0.0/24"},
			SourceRates: []SourceRate{{Sources: "10.20.0.0/16", MaxSourceRate: -1}, {Sources: "10.20.0.40/32", MaxSourceRate: -1}}},
	}
	c.Stations = []StationConfig{{Name: "loop", Address: "127.0.0.1:2575"}, {Name: "self", Address: "[::1]:2580"},
		{Name: "central", Address: "10.30.0.10:2575"}}
	c.Routes = []policy.RouteConfig{{Name: "any", Stations: []string{"central"}},
		{Name: "vitals", Match: policy.MatchConfig{MessageTypes: []string{"ORU^R01"}}, Stations: []string{"central"}}}
	c.Log.IncludePatientData = true
	var keys []string
	for _, w := range c.Warnings() {
		k, _, _ := strings.Cut(w, ":")
		keys = append(keys, k)
	}
	want := []string{"stations[0].address", "stations[1].address", "routes[0].match.message_types",
		"listeners[0].allow_sources", "listeners[1].allow_sources", "listeners[1].source_rates[0].sources",
		"log.include_patient_data"}
	if !slices.Equal(keys, want) {
		t.Errorf("warnings for %q, want %q:\n%s", keys, want, strings.Join(c.Warnings(), "\n"))
	}
}
