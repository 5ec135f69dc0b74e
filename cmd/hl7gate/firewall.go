package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/firewall"
)

// firewallCmd prints, installs or removes the nftables ruleset derived from the gateway configuration:
//
//	hl7gate firewall render --config FILE   print the ruleset, exactly as apply installs it
//	hl7gate firewall apply  --config FILE   install it (one atomic nft transaction; root or CAP_NET_ADMIN)
//	hl7gate firewall remove --config FILE   remove its table
//
// Learning mode (count and record, drop only the watchlist) comes from egress.learn.
func firewallCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("firewall render|apply|remove", stderr)
	path := fs.String("config", "", "YAML configuration file the gateway runs with (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	action := fs.Arg(0)
	if fs.NArg() != 1 || (action != "render" && action != "apply" && action != "remove") || *path == "" {
		fmt.Fprintln(stderr, "usage: hl7gate firewall render|apply|remove --config FILE")
		fs.PrintDefaults()
		return errUsage
	}
	cfg, err := loadConfig(*path, fs, os.Environ())
	if err != nil {
		return err
	}
	spec, err := cfg.FirewallSpec()
	if errors.Is(err, config.ErrEgressDisabled) {
		return fmt.Errorf("%s: egress.enabled is false: there are no rules to %s (set egress.enabled, and egress.learn to start in learning mode)", *path, action)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", *path, err)
	}
	mode := "enforce"
	if spec.Learn {
		mode = "learning"
	}
	switch action {
	case "render":
		return firewall.Render(stdout, spec)
	case "apply":
		if err := firewall.Apply(ctx, spec); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "table inet %s installed (%s mode)\n", cfg.Egress.Table, mode)
	case "remove":
		if err := firewall.Remove(ctx, spec.Table); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "table inet %s removed\n", cfg.Egress.Table)
	}
	return nil
}
