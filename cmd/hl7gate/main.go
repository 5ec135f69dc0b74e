// Command hl7gate is the gateway between ICU patient monitors and their central stations.
//
//	hl7gate demo                      the gateway on its embedded defaults with simulated monitors and a station
//	hl7gate serve [--config FILE]     run the gateway
//	hl7gate validate --config FILE [--print]
//	                                  check a configuration and print every problem, or the configuration in effect
//	hl7gate check FILE...             run the vital-sign checks over captured HL7 traffic
//	hl7gate firewall render|apply|remove --config FILE
//	                                  the nftables ruleset that contains the monitor segment
//	hl7gate evidence --config FILE --since TIME [--until TIME] [--device ID] -o FILE.tar.gz
//	                                  the incident evidence bundle, from the on-disk event journal
//	hl7gate devices [--admin URL] [--token-file F] [--json]
//	                                  the device inventory of a running gateway, watchlist matches marked
//	hl7gate queue list|inspect|replay|discard --config FILE
//	                                  store-mode queues and their dead letters (the gateway stopped)
//	hl7gate keepalived --config FILE --router-id NAME --priority N --vrid N --ha-interface IFACE
//	    --ha-source ADDR --ha-peer ADDR --vip ADDR/BITS
//	                                  keepalived.conf for one node of an active/standby pair
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/pflag"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/export"
)

// command is one subcommand. It returns errUsage for bad arguments and pflag.ErrHelp for -h or --help
// (in both cases the usage was printed).
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var errUsage = errors.New("usage")

func commands() map[string]command {
	return map[string]command{
		"serve":      {"run the gateway", serveCmd},
		"validate":   {"check a configuration file", validateCmd},
		"check":      {"run the vital-sign checks over captured traffic", checkCmd},
		"demo":       {"run the gateway with simulated monitors and a central station", demoCmd},
		"firewall":   {"print, install or remove the nftables rules that contain the monitor segment", firewallCmd},
		"evidence":   {"build the incident evidence bundle from the event journal", evidenceCmd},
		"devices":    {"print the device inventory of a running gateway, watchlist matches marked", devicesCmd},
		"queue":      {"list, inspect, replay or discard store-mode dead letters (gateway stopped)", queueCmd},
		"keepalived": {"print keepalived.conf for one node of an active/standby pair", keepalivedCmd},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 {
		usage(stderr, cmds)
		return 2
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout, cmds) // asked for: not an error
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "hl7gate: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	if err := c.run(ctx, args[1:], stdout, stderr); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintf(stderr, "hl7gate %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: hl7gate COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'hl7gate COMMAND --help' for a command's flags.")
}

func newFlagSet(name string, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet("hl7gate "+name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s [flags]\n", fs.Name())
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs. It returns pflag.ErrHelp for -h or --help (pflag printed the usage),
// otherwise errUsage wrapping what was wrong with the arguments, after printing that and the usage.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		fmt.Fprintln(fs.Output(), err)
		fs.Usage()
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, reload, err := configCmd("serve", args, stderr, nil)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	for _, w := range cfg.Warnings() {
		log.Warn().Msg(w)
	}
	return serve(ctx, cfg, log, reload, nil)
}

// serve runs a gateway until ctx ends, then shuts it down gracefully. reload, if set, re-reads the
// configuration on SIGHUP and POST /api/reload. started, if set, is called once the gateway listens.
func serve(ctx context.Context, cfg config.Config, log zerolog.Logger, reload func() (config.Config, error), started func(*gateway.Gateway)) error {
	g, err := gateway.New(cfg, log)
	if err != nil {
		return err
	}
	// SIGHUP is caught before the listeners open: one that arrives while the gateway starts is a reload
	// once it runs, never the default action (exit).
	hup := make(chan os.Signal, 1)
	if reload != nil {
		g.SetConfigSource(reload)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
	}
	if err := g.Start(ctx); err != nil {
		return err
	}
	if started != nil {
		started(g)
	}
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-hup:
			if err := g.ReloadFromSource(ctx); err != nil {
				log.Error().Strs("errors", config.ErrorLines(err)).Msg("configuration reload refused, the running configuration stays")
			}
		}
	}
	log.Info().Msg("shutting down")
	if err := g.Shutdown(context.Background()); err != nil {
		log.Warn().Err(err).Msg("shutdown")
	}
	return nil
}

func validateCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var printCfg *bool
	cfg, path, _, err := configCmd("validate", args, stderr, func(fs *pflag.FlagSet) {
		printCfg = fs.Bool("print", false, "once the checks pass, print the configuration in effect as YAML on stdout: "+
			"defaults filled, HL7GATE_* variables and flags applied, a possible secret as "+export.Redacted+
			" (the verdict goes to stderr)")
	})
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	if !*printCfg {
		fmt.Fprintf(stdout, "%s: ok\n", nameOf(path))
		return nil
	}
	b, err := cfg.YAML()
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s: ok\n", nameOf(path))
	_, err = stdout.Write(b)
	return err
}

// configCmd parses the flags of a command that takes the configuration flags
// (and those more adds, if set) and loads the configuration they name: its
// path ("" for the embedded default), and reload, which reads it again with
// the same flags and environment.
func configCmd(name string, args []string, stderr io.Writer, more func(*pflag.FlagSet)) (cfg config.Config, path string, reload func() (config.Config, error), err error) {
	fs := newFlagSet(name, stderr)
	p := addConfigFlags(fs)
	if more != nil {
		more(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return config.Config{}, "", nil, err
	}
	env := os.Environ()
	reload = func() (config.Config, error) { return loadConfig(*p, fs, env) }
	cfg, err = reload()
	return cfg, *p, reload, err
}

// newLogger is the only place that chooses where logs go.
func newLogger(c config.LogConfig, w io.Writer) zerolog.Logger {
	if c.Format == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	level, err := zerolog.ParseLevel(c.Level)
	if err != nil {
		level = zerolog.InfoLevel
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}
