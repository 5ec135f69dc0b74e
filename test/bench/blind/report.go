package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// errBad is returned by report when any run had a message that did not get the station's AA or was
// acknowledged falsely: the table is printed, and the exit status says the run is not clean.
var errBad = fmt.Errorf("some messages were lost, refused, unanswered or wrongly acknowledged (column bad)")

func reportMain(args []string) error {
	var rs []result
	for _, name := range args {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		got, err := readResults(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rs = append(rs, got...)
	}
	return writeReport(os.Stdout, rs)
}

func readResults(r io.Reader) ([]result, error) {
	var rs []result
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var x result
		if err := json.Unmarshal([]byte(line), &x); err != nil {
			return nil, err
		}
		rs = append(rs, x)
	}
	return rs, sc.Err()
}

// cell is the medians of one target in one scenario over its rounds.
type cell struct {
	target                    string
	rounds                    int
	msgs, p50, p99, p999, cpu float64
	peakMiB, idleKiB, lag99   float64
	bad, sent                 uint64
	flood                     floodCell
}

// floodCell is the flood scenario's own medians and sums: the monitors' worst latency and bad count, the
// flooders' rates, the relay's CPU as a share of a core.
type floodCell struct {
	max, msgs, mibs, p50, cpuPct float64
	monitorsBad, floodBad        uint64
}

func median(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func summarise(target string, rs []result) cell {
	c := cell{target: target, rounds: len(rs)}
	c.msgs = median(rs, func(r result) float64 { return r.MsgPerS })
	c.p50 = median(rs, func(r result) float64 { return r.P50us })
	c.p99 = median(rs, func(r result) float64 { return r.P99us })
	c.p999 = median(rs, func(r result) float64 { return r.P999us })
	c.cpu = median(rs, func(r result) float64 { return r.RelayCPUus })
	c.peakMiB = median(rs, func(r result) float64 { return float64(r.RelayPeakKiB) / 1024 })
	c.idleKiB = median(rs, func(r result) float64 { return r.RelayIdleKiB })
	c.lag99 = median(rs, func(r result) float64 { return r.SendLagP99us })
	for _, r := range rs {
		c.bad += r.bad()
		c.sent += r.Sent
	}
	if rs[0].Scenario == "flood" {
		c.flood = summariseFlood(rs)
	}
	return c
}

func summariseFlood(rs []result) floodCell {
	f := floodCell{
		max:    median(rs, func(r result) float64 { return r.MaxUs }),
		msgs:   median(rs, func(r result) float64 { return r.FloodMsgPerS }),
		mibs:   median(rs, func(r result) float64 { return r.FloodMiBPerS }),
		p50:    median(rs, func(r result) float64 { return r.FloodP50us }),
		cpuPct: median(rs, func(r result) float64 { return r.RelayCPUPct }),
	}
	for _, r := range rs {
		f.monitorsBad += r.monitorsBad()
		f.floodBad += r.floodBad()
	}
	return f
}

// writeReport prints one table per scenario: medians over rounds, and each target against HAProxy
// (msg/s ratio; single: latency added over the direct path; open: p99 ratio).
func writeReport(w io.Writer, rs []result) error {
	var scenarios, targets []string
	for _, r := range rs {
		if !slices.Contains(scenarios, r.Scenario) {
			scenarios = append(scenarios, r.Scenario)
		}
		if !slices.Contains(targets, r.Target) {
			targets = append(targets, r.Target)
		}
	}
	anyBad := false
	for _, sc := range scenarios {
		cells := map[string]cell{}
		monitors := 0
		for _, t := range targets {
			var sel []result
			for _, r := range rs {
				if r.Scenario == sc && r.Target == t {
					sel = append(sel, r)
					monitors = r.Monitors
				}
			}
			if len(sel) > 0 {
				cells[t] = summarise(t, sel)
			}
		}
		var ordered []cell
		for _, t := range targets {
			if c, ok := cells[t]; ok {
				ordered = append(ordered, c)
				anyBad = anyBad || c.bad > 0
			}
		}
		if sc == "flood" {
			writeFloodTable(w, monitors, ordered, cells)
		} else {
			writeTable(w, sc, monitors, ordered, cells)
		}
	}
	if anyBad {
		return errBad
	}
	return nil
}

// writeTable prints the closed, single or open scenario's table.
func writeTable(w io.Writer, sc string, monitors int, ordered []cell, cells map[string]cell) {
	fmt.Fprintf(w, "\n### %s (%d monitors; medians over rounds)\n\n", sc, monitors)
	fmt.Fprintln(w, "| target | rounds | msg/s | vs haproxy | p50 µs | added p50 µs | p99 µs | p99 vs haproxy | p999 µs | relay CPU µs/msg | relay peak RSS MiB | relay KiB per idle conn | driver send lag p99 µs | sent | bad |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	ha, hasHA := cells["haproxy"]
	direct, hasDirect := cells["direct"]
	for _, c := range ordered {
		fmt.Fprintf(w, "| %s | %d | %.0f | %s | %.1f | %s | %.1f | %s | %.1f | %s | %s | %s | %s | %d | %d |\n",
			c.target, c.rounds, c.msgs, ratio(c.msgs, ha.msgs, hasHA), c.p50,
			added(c.p50, direct.p50, hasDirect && c.target != "direct"), c.p99, ratio(c.p99, ha.p99, hasHA),
			c.p999, orDash(c.cpu, c.cpu >= 0), orDash(c.peakMiB, c.peakMiB > 0),
			orDash(c.idleKiB, c.peakMiB > 0 && sc == "open"), orDash(c.lag99, sc == "open"), c.sent, c.bad)
	}
}

// writeFloodTable prints the flood scenario's table: the monitors' latency beside the flooders, the
// flooders' rate, the relay's CPU as a share of a core.
func writeFloodTable(w io.Writer, monitors int, ordered []cell, cells map[string]cell) {
	fmt.Fprintf(w, "\n### flood (%d monitors beside the flooders; medians over rounds)\n\n", monitors)
	fmt.Fprintln(w, "| target | rounds | monitors msg/s | p50 ms | p99 ms | p99 vs haproxy | max ms | driver send lag p99 ms | monitors bad | flood msg/s | flood MiB/s | flood p50 ms | flood bad | relay CPU % of a core | relay peak RSS MiB | bad |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	ha, hasHA := cells["haproxy"]
	for _, c := range ordered {
		f := c.flood
		fmt.Fprintf(w, "| %s | %d | %.0f | %.2f | %.2f | %s | %.2f | %.2f | %d | %.1f | %.1f | %.1f | %d | %s | %s | %d |\n",
			c.target, c.rounds, c.msgs, c.p50/1e3, c.p99/1e3, ratio(c.p99, ha.p99, hasHA), f.max/1e3, c.lag99/1e3,
			f.monitorsBad, f.msgs, f.mibs, f.p50/1e3, f.floodBad, orDash(f.cpuPct, f.cpuPct >= 0),
			orDash(c.peakMiB, c.peakMiB > 0), c.bad)
	}
}

func ratio(a, b float64, ok bool) string {
	if !ok || b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", 100*a/b)
}

func added(a, b float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%+.1f", a-b)
}

func orDash(v float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.1f", v)
}
