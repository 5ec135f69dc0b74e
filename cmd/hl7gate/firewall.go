package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/firewall"
)

// firewallCmd prints, installs or removes the nftables ruleset derived from the gateway configuration:
//
//	hl7gate firewall render --config FILE   print the ruleset, exactly as apply installs it
//	hl7gate firewall apply  --config FILE   install it (one atomic nft transaction; root or CAP_NET_ADMIN)
//	hl7gate firewall remove --config FILE   remove its table
//
// Learning mode (count and record, drop only the watchlist) comes from egress.learn. render may run
// on another host than the gateway's, for review, so an interface this host lacks is only a warning
// there; apply refuses to install rules for an interface that is not there.
func firewallCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("firewall render|apply|remove", stderr)
	path := fs.String("config", "", "YAML configuration file the gateway runs with (required)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hl7gate firewall render|apply|remove --config FILE")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	action := fs.Arg(0)
	if fs.NArg() != 1 || (action != "render" && action != "apply" && action != "remove") || *path == "" {
		fs.Usage()
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
		for _, m := range missingInterfaces(spec) {
			fmt.Fprintf(stderr, "hl7gate firewall: warning: %s (fine if the rules are for another host)\n", m)
		}
		return firewall.Render(stdout, spec)
	case "apply":
		if missing := missingInterfaces(spec); len(missing) > 0 {
			return fmt.Errorf("%s: not applied, rules for a missing interface contain nothing: %s", *path, strings.Join(missing, "; "))
		}
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

// missingInterfaces describes each interface the rules name that this host (its network namespace) does
// not have.
func missingInterfaces(spec firewall.Spec) []string {
	var missing []string
	for _, i := range []struct{ key, name string }{
		{"egress.monitor_interface", spec.MonitorIface},
		{"egress.hospital_interface", spec.HospitalIface},
	} {
		if _, err := net.InterfaceByName(i.name); err != nil {
			missing = append(missing, fmt.Sprintf("%s: interface %q does not exist on this host", i.key, i.name))
		}
	}
	return missing
}
