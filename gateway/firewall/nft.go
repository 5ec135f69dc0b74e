package firewall

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// ErrNoNft is returned when the nft binary is not installed (Debian package
// nftables).
var ErrNoNft = errors.New("nft binary not found (install the nftables package)")

// ErrNoTable is returned by Listing when the table does not exist.
var ErrNoTable = errors.New("no such table")

// Apply renders s and installs it with one `nft -f -` run: the previous
// version of the table, if any, is replaced atomically. It needs root or
// CAP_NET_ADMIN; without them the error wraps os.ErrPermission.
func Apply(ctx context.Context, s Spec) error {
	var buf bytes.Buffer
	if err := Render(&buf, s); err != nil {
		return err
	}
	if _, err := runNft(ctx, &buf, "-f", "-"); err != nil {
		return fmt.Errorf("apply table inet %s: %w", s.table(), err)
	}
	return nil
}

// Remove deletes table inet <table> (DefaultTable when empty) and with it
// every rule Apply installed. Removing a table that does not exist is not an
// error.
func Remove(ctx context.Context, table string) error {
	if table == "" {
		table = DefaultTable
	}
	if !tableName.MatchString(table) {
		return fmt.Errorf("remove table inet %q: not a table name", table)
	}
	script := fmt.Sprintf("table inet %s {}\ndelete table inet %s\n", table, table)
	if _, err := runNft(ctx, strings.NewReader(script), "-f", "-"); err != nil {
		return fmt.Errorf("remove table inet %s: %w", table, err)
	}
	return nil
}

// runNft runs nft with args and stdin and returns its output; on failure
// the error carries its error output, and wraps os.ErrPermission without
// CAP_NET_ADMIN, ErrNoTable when the table named does not exist, and ctx's
// cause when ctx ended first (nft is then killed).
func runNft(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	path, err := nftPath()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = stdin
	cmd.WaitDelay = time.Second // killed at ctx's end; then Run waits no longer for its output
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("nft: %w", context.Cause(ctx))
		case strings.Contains(msg, "Operation not permitted"):
			return nil, fmt.Errorf("nft: %w (run as root or with CAP_NET_ADMIN): %s", os.ErrPermission, msg)
		case strings.HasPrefix(msg, "Error: No such file or directory"):
			return nil, fmt.Errorf("nft: %w", ErrNoTable)
		case msg == "":
			return nil, fmt.Errorf("nft: %w", err)
		}
		return nil, fmt.Errorf("nft: %w: %s", err, msg)
	}
	return stdout.Bytes(), nil
}

// nftPath finds nft in PATH or, for a non-root PATH, in /usr/sbin or /sbin.
func nftPath() (string, error) {
	if p, err := exec.LookPath("nft"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/nft", "/sbin/nft"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrNoNft
}
