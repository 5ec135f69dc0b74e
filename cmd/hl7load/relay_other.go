//go:build !linux

package main

import (
	"context"
	"errors"
	"io"
)

// relayCmd: the bare relay uses Linux system calls (relay_linux.go).
func relayCmd(context.Context, []string, io.Writer) error {
	return errors.New("relay: Linux only")
}
