package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hl7gate/hl7gate/internal/corpus"
)

const corpusUsage = `usage: hl7load corpus <gen|score> [flags]

  gen    write a labelled corpus of monitor feeds (mon-NNNN.hl7, labels.jsonl, monitors.jsonl)
  score  score a detector's findings (JSON lines with "file" and "message") against a corpus
`

// corpusCmd generates a labelled vital-sign corpus or scores findings
// against one.
func corpusCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, corpusUsage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "gen":
		return corpusGen(args[1:], stdout, stderr)
	case "score":
		return corpusScore(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, corpusUsage)
		return nil
	}
	fmt.Fprint(stderr, corpusUsage)
	return fmt.Errorf("unknown corpus command %q", args[0])
}

func corpusGen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hl7load corpus gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg corpus.Config
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed; the corpus depends only on the flags")
	fs.StringVar(&cfg.Dir, "out", "", "output `directory` (created)")
	fs.IntVar(&cfg.Monitors, "monitors", 150, "number of beds")
	fs.Float64Var(&cfg.Hours, "hours", 4, "hours per bed")
	fs.Float64Var(&cfg.Clean, "clean", 1.0/3, "share of entirely clean beds")
	fs.IntVar(&cfg.Gateways, "gateways", 2, "aggregating gateway files (0 for none)")
	fs.IntVar(&cfg.GatewayBeds, "gateway-beds", 4, "beds per gateway file")
	start := fs.String("start", "2026-01-15T06:00:00Z", "earliest bed start (RFC 3339)")
	fs.IntVar(&cfg.Workers, "workers", 0, "parallel simulations (0 = GOMAXPROCS); does not change the output")
	fs.BoolVar(&cfg.NoForge, "no-forge", false, "write the unforged twin: the same messages and arrivals, no forgery written")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	t, err := time.Parse(time.RFC3339, *start)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	cfg.Start = t
	cfg.NoGateways = cfg.Gateways == 0
	if cfg.Clean == 0 {
		cfg.Clean = 1e-9 // zero in Config means the default; here it means no clean bed
	}
	began := time.Now()
	sum, err := corpus.Generate(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d monitors (%d clean) in %d files: %d messages, %.1f MiB, %d episodes, in %v\n",
		sum.Monitors, sum.Clean, sum.Files, sum.Messages, float64(sum.Bytes)/(1<<20), sum.Monitors-sum.Clean,
		time.Since(began).Round(time.Millisecond))
	return nil
}

func corpusScore(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hl7load corpus score", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "corpus `directory` written by corpus gen")
	findings := fs.String("findings", "", "detector findings, JSON lines with \"file\" and \"message\" (- for stdin)")
	asJSON := fs.Bool("json", false, "print the scores as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *findings == "" {
		return errors.New("--dir and --findings are required")
	}
	var in io.Reader = os.Stdin
	if *findings != "-" {
		f, err := os.Open(*findings)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	s, err := corpus.Score(*dir, in)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	return s.WriteText(stdout)
}
