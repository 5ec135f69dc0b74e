// Command hl7load drives hl7gate (or any MLLP relay) with simulated patient
// monitors and a simulated central station, verifies that every positively
// acknowledged message reached the station intact, once and in order, and
// reports throughput, latency and the relay's CPU and memory.
//
// Typical use, station and monitors in separate processes (each process may
// hold at most 20,000 open files):
//
//	hl7load station --addr 127.0.0.1:2576 --http 127.0.0.1:9200 &
//	hl7load monitors --addr 127.0.0.1:2575 -n 1000 --rate 1 --duration 60s \
//	    --station http://127.0.0.1:9200 --pid $(pidof hl7gate) --json
//
// or both in one process for small runs:
//
//	hl7load run -n 50 --duration 10s
//
// Exit status: 0 when every check passed, 1 when anything was lost, falsely
// acknowledged, duplicated, reordered, changed or acknowledged with the wrong
// control ID, 2 on a usage or setup error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// errFailed is returned when the run worked but verification failed.
var errFailed = errors.New("verification failed")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errFailed):
		os.Exit(1)
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "hl7load:", err)
		os.Exit(2)
	}
}

const usage = `usage: hl7load <command> [flags]

commands:
  monitors   simulated monitors against a gateway, relay or station
  station    a simulated central station that ACKs and records what it receives
  relay      a bare MLLP relay in Go, the benchmark's floor for hl7gate's socket pattern (Linux;
             --engine uring: one thread's io_uring loop; --check: doing hl7gate's per-message work)
  run        a station and monitors in one process (small runs)
  table      one comparison table from JSON reports of "monitors --json"
  corpus     a labelled vital-sign corpus (gen) and the scoring of a detector's findings (score)
  simeval    the project's own simulator through the vital-sign checks: recall and false flags

"hl7load <command> -h" lists a command's flags.
`

// run dispatches a subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "monitors":
		return monitorsCmd(ctx, args[1:], stdout, stderr)
	case "station":
		return stationCmd(ctx, args[1:], stdout, stderr)
	case "relay":
		return relayCmd(ctx, args[1:], stderr)
	case "run":
		return runCmd(ctx, args[1:], stdout, stderr)
	case "table":
		return tableCmd(args[1:], stdout, stderr)
	case "corpus":
		return corpusCmd(args[1:], stdout, stderr)
	case "simeval":
		return simEvalCmd(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
