package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/hl7gate/hl7gate/internal/sim"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// simEvalKind is one manipulation kind in the JSON output of simeval.
type simEvalKind struct {
	Kind     string  `json:"kind"`
	Monitors int     `json:"episodes"` // one manipulated monitor is one episode
	Detected int     `json:"detected"`
	Recall   float64 `json:"recall"`
	Missed   []int   `json:"missed_monitors"`
}

// simEvalReport is the JSON output of simeval; its field names follow those
// of "corpus score --json" where they mean the same.
type simEvalReport struct {
	Seed         uint64         `json:"seed"`
	Profile      string         `json:"profile"`
	IntervalS    float64        `json:"interval_s"`
	Kinds        []simEvalKind  `json:"kinds"`
	Episodes     int            `json:"episodes"`
	Detected     int            `json:"detected"`
	Recall       float64        `json:"recall"`
	CleanHours   float64        `json:"clean_hours"`
	FalseFlags   int            `json:"false_findings"`
	FalsePerHour float64        `json:"false_findings_per_clean_monitor_hour"`
	FalseByRule  map[string]int `json:"false_by_rule"`
	Messages     int            `json:"messages"`
}

// simEvalCmd runs the project's own labelled simulator (internal/sim)
// through the vital-sign checks with their default configuration and
// prints recall per manipulation kind and false findings per clean
// monitor-hour.
func simEvalCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hl7load simeval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o sim.EvalOptions
	fs.Uint64Var(&o.Seed, "seed", 1, "simulator seed")
	fs.IntVar(&o.PerKind, "per-kind", 10, "manipulated monitors per kind")
	fs.IntVar(&o.Clean, "clean", 50, "clean monitors")
	fs.Float64Var(&o.CleanHours, "clean-hours", 4, "hours per clean monitor")
	fs.DurationVar(&o.Interval, "interval", 10*time.Second, "message interval")
	fs.StringVar(&o.Profile, "profile", "adult", "simulated patients and range profile: adult or neonatal")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	rep, err := sim.Evaluate(vitals.DefaultConfig(), o)
	if err != nil {
		return err
	}
	if !*asJSON {
		return rep.WriteText(stdout)
	}
	out := simEvalReport{Seed: o.Seed, Profile: o.Profile, IntervalS: o.Interval.Seconds(), CleanHours: rep.CleanHours,
		FalseFlags: rep.FalseFlags, FalsePerHour: rep.FalsePerHour(), FalseByRule: rep.FalseByRule, Messages: rep.Messages}
	for _, k := range rep.Kinds {
		out.Kinds = append(out.Kinds, simEvalKind{Kind: string(k.Kind), Monitors: k.Monitors, Detected: k.Detected,
			Recall: k.Recall(), Missed: append([]int{}, k.Missed...)})
		out.Episodes += k.Monitors
		out.Detected += k.Detected
	}
	out.Recall = float64(out.Detected) / float64(max(1, out.Episodes))
	if out.FalseByRule == nil {
		out.FalseByRule = map[string]int{}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
