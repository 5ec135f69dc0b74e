package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/hl7gate/hl7gate/test/load"
)

// tableCmd prints one comparison table from JSON reports written by
// "monitors --json", one row per file, in the order given.
func tableCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hl7load table", flag.ContinueOnError)
	fs.SetOutput(stderr)
	markdown := fs.Bool("markdown", false, "write a Markdown table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var reps []load.Report
	for _, file := range fs.Args() {
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("read report: %w", err)
		}
		var r load.Report
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("report %s: %w", file, err)
		}
		reps = append(reps, r)
	}
	return writeTable(stdout, reps, *markdown)
}

// writeTable writes reps as aligned columns, or as a Markdown table.
func writeTable(w io.Writer, reps []load.Report, markdown bool) error {
	head := []string{"scenario", "relay", "conns", "msg/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms",
		"lost", "false-acked", "other faults", "cpu s", "peak rss MiB", "KiB/conn"}
	rows := [][]string{head}
	for _, r := range reps {
		other := r.Answers[load.AckMismatch.String()]
		lost, falseAcked := "-", "-" // not verified
		if v := r.Station; v != nil {
			lost, falseAcked = fmt.Sprint(v.Lost), fmt.Sprint(v.FalseAcked)
			other += v.Duplicated + v.OutOfOrder + v.Corrupted
		}
		cpu, rss, perConn := "-", "-", "-"
		if g := r.Gateway; g != nil {
			cpu = fmt.Sprintf("%.1f", g.CPUSeconds)
			rss = fmt.Sprintf("%.1f", float64(g.PeakRSS)/(1<<20))
			if r.Mode == "idle" && r.PeakConns > 0 && g.PeakRSS > g.RSSBefore {
				perConn = fmt.Sprintf("%.1f", float64(g.PeakRSS-g.RSSBefore)/1024/float64(r.PeakConns))
			}
		}
		l := r.Latency
		row := []string{r.Scenario, r.Relay, fmt.Sprint(r.PeakConns), fmt.Sprintf("%.0f", r.Throughput)}
		if r.Mode == "idle" {
			row = append(row, "-", "-", "-", "-")
		} else {
			row = append(row, fmt.Sprintf("%.3f", l.P50), fmt.Sprintf("%.3f", l.P99), fmt.Sprintf("%.3f", l.P999), fmt.Sprintf("%.3f", l.Max))
		}
		row = append(row, lost, falseAcked, fmt.Sprint(other), cpu, rss, perConn)
		rows = append(rows, row)
	}
	if markdown {
		for i, row := range rows {
			fmt.Fprint(w, "|")
			for _, c := range row {
				fmt.Fprintf(w, " %s |", c)
			}
			fmt.Fprintln(w)
			if i == 0 {
				fmt.Fprint(w, "|")
				for range row {
					fmt.Fprint(w, "---|")
				}
				fmt.Fprintln(w)
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range rows {
		for _, c := range row {
			fmt.Fprint(tw, c, "\t")
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
