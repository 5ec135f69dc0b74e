package config

import (
	"errors"
	"slices"
	"testing"
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
