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
