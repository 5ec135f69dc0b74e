package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/hl7gate/hl7gate/internal/loadgen"
)

// tableCmd prints one comparison table from JSON reports written by
// "monitors --json", one row per file, in the order given; with --median one
// row per scenario and relay, from its median run.
func tableCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hl7load table", flag.ContinueOnError)
	fs.SetOutput(stderr)
	markdown := fs.Bool("markdown", false, "write a Markdown table")
	median := fs.Bool("median", false, "one row per scenario and relay: the median of its runs by msg/s (closed loop), p99 (open loop) or KiB/conn (idle), with the range")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var reps []loadgen.Report
	for _, file := range fs.Args() {
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("read report: %w", err)
		}
		var r loadgen.Report
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("report %s: %w", file, err)
		}
		reps = append(reps, r)
	}
	var runs []string
	if *median {
		reps, runs = medianRuns(reps)
	}
	return writeTable(stdout, reps, runs, *markdown)
}

// medianRuns groups reps by scenario and relay, in order of first appearance, and keeps the median run of
// each group by the measure that matters for its mode: msg/s in closed loop, p99 in open loop, KiB per
// connection when idle (of an even count, the worse of the two middle runs). It also returns, per group,
// the number of runs and that measure's range.
func medianRuns(reps []loadgen.Report) ([]loadgen.Report, []string) {
	type group struct{ runs []loadgen.Report }
	var (
		order  []string
		groups = map[string]*group{}
	)
	for _, r := range reps {
		k := r.Scenario + "\x00" + r.Relay
		if groups[k] == nil {
			groups[k] = &group{}
			order = append(order, k)
		}
		groups[k].runs = append(groups[k].runs, r)
	}
	var (
		out  []loadgen.Report
		runs []string
	)
	for _, k := range order {
		g := groups[k].runs
		// Sorted from worse to better: the lower middle of an even count is the worse one.
		measure, format, worse := func(r loadgen.Report) float64 { return r.Throughput }, "%d (%.0f–%.0f msg/s)", 1
		switch g[0].Mode {
		case "open":
			measure, format, worse = func(r loadgen.Report) float64 { return r.Latency.P99 }, "%d (%.2f–%.2f ms p99)", -1
		case "idle":
			measure, format, worse = kibPerConn, "%d (%.1f–%.1f KiB/conn)", -1
		}
		slices.SortStableFunc(g, func(a, b loadgen.Report) int { return worse * cmp.Compare(measure(a), measure(b)) })
		out = append(out, g[(len(g)-1)/2])
		lo, hi := measure(g[0]), measure(g[len(g)-1])
		runs = append(runs, fmt.Sprintf(format, len(g), min(lo, hi), max(lo, hi)))
	}
	return out, runs
}

// kibPerConn is an idle run's memory per connection: the relay's peak RSS growth over its connections.
func kibPerConn(r loadgen.Report) float64 {
	g := r.Gateway
	if r.Mode != "idle" || g == nil || r.PeakConns == 0 || g.PeakRSS <= g.RSSBefore {
		return 0
	}
	return float64(g.PeakRSS-g.RSSBefore) / 1024 / float64(r.PeakConns)
}

// writeTable writes reps as aligned columns, or as a Markdown table. When runs is not nil it is one more
// column, one cell per report.
func writeTable(w io.Writer, reps []loadgen.Report, runs []string, markdown bool) error {
	head := []string{"scenario", "relay", "conns", "msg/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms",
		"lost", "false-acked", "other faults", "cpu s", "cpu µs/msg", "peak rss MiB", "KiB/conn"}
	if runs != nil {
		head = append(head, "runs (range)")
	}
	rows := [][]string{head}
	for i, r := range reps {
		other := r.Answers[loadgen.AckMismatch.String()]
		lost, falseAcked := "-", "-" // not verified
		if v := r.Station; v != nil {
			lost, falseAcked = fmt.Sprint(v.Lost), fmt.Sprint(v.FalseAcked)
			other += v.Duplicated + v.OutOfOrder + v.Corrupted
		}
		cpu, perMsg, rss, perConn := "-", "-", "-", "-"
		if g := r.Gateway; g != nil {
			cpu = fmt.Sprintf("%.1f", g.CPUSeconds)
			if r.Sent > 0 {
				perMsg = fmt.Sprintf("%.0f", g.CPUSeconds*1e6/float64(r.Sent))
			}
			rss = fmt.Sprintf("%.1f", float64(g.PeakRSS)/(1<<20))
			if k := kibPerConn(r); k > 0 {
				perConn = fmt.Sprintf("%.1f", k)
			}
		}
		l := r.Latency
		row := []string{r.Scenario, r.Relay, fmt.Sprint(r.PeakConns), fmt.Sprintf("%.0f", r.Throughput)}
		if r.Mode == "idle" {
			row = append(row, "-", "-", "-", "-")
		} else {
			row = append(row, fmt.Sprintf("%.3f", l.P50), fmt.Sprintf("%.3f", l.P99), fmt.Sprintf("%.3f", l.P999), fmt.Sprintf("%.3f", l.Max))
		}
		row = append(row, lost, falseAcked, fmt.Sprint(other), cpu, perMsg, rss, perConn)
		if runs != nil {
			row = append(row, runs[i])
		}
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
