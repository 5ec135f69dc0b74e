package loadgen

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is the outcome of one run, for people (WriteText) and for
// automation (encoding/json).
type Report struct {
	Scenario   string            `json:"scenario,omitempty"` // a name for the run, e.g. "open10k"
	Relay      string            `json:"relay,omitempty"`    // what was measured, e.g. "hl7gate", "haproxy", "direct"
	Target     string            `json:"target"`             // addresses the monitors connected to
	Mode       string            `json:"mode"`               // "closed", "open" or "idle"
	Monitors   int               `json:"monitors"`           // monitors run
	Rate       float64           `json:"rate_per_monitor"`   // open loop: messages per second per monitor
	PeakConns  int64             `json:"peak_connections"`   // most connections open at once
	Sent       uint64            `json:"sent"`               // messages written
	MeanSize   uint64            `json:"mean_message_bytes"` // mean payload size
	Answers    map[string]uint64 `json:"answers"`            // by outcome: "AA", "AE", ..., "none", "mismatch"
	DialErrors uint64            `json:"dial_errors"`
	ConnErrors uint64            `json:"conn_errors"`
	Elapsed    float64           `json:"elapsed_seconds"`        // measured phase (after the ramp)
	Throughput float64           `json:"throughput"`             // ACKs of the measured phase per second over Elapsed
	Latency    LatencySummary    `json:"latency"`                // measured phase
	Ramp       *LatencySummary   `json:"ramp_latency,omitempty"` // messages sent during the ramp; nil if none
	SendLag    *LatencySummary   `json:"send_lag,omitempty"`     // open loop: how late the monitors sent, by their own delay; nil in closed loop
	Station    *Verification     `json:"station,omitempty"`      // nil when not verified
	Gateway    *ProcUsage        `json:"gateway,omitempty"`      // nil without --pid
	Failed     bool              `json:"failed"`                 // something was lost, falsely ACKed, duplicated, reordered, changed or mismatched

	// BySecond: open loop, the measured phase's latencies by the second of their intended send, each with
	// how many of them were above the whole phase's p99: whether the tail came from one moment (the
	// ramp's end, a collection) or from all of it.
	BySecond []SecondSummary `json:"latency_by_second,omitempty"`
}

// LatencySummary holds latency quantiles in milliseconds.
type LatencySummary struct {
	Count uint64  `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p99_9_ms"`
	Max   float64 `json:"max_ms"`
}

// SecondSummary is one second of the measured phase.
type SecondSummary struct {
	Second     int     `json:"second"` // from the measured phase's start
	Count      uint64  `json:"count"`
	P50        float64 `json:"p50_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	OverRunP99 uint64  `json:"over_run_p99"` // messages above the measured phase's p99
}

// Summarize reads the usual quantiles from h.
func Summarize(h *Histogram) LatencySummary {
	return LatencySummary{
		Count: h.Count(),
		Mean:  ms(h.Mean()),
		P50:   ms(h.Quantile(0.50)),
		P90:   ms(h.Quantile(0.90)),
		P99:   ms(h.Quantile(0.99)),
		P999:  ms(h.Quantile(0.999)),
		Max:   ms(h.Max()),
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// NewReport puts together what f measured in res, the verification against
// the station (nil if none) and the gateway's usage (nil if none).
func NewReport(f *Fleet, res *FleetResult, v *Verification, gw *ProcUsage) Report {
	r := Report{
		Target:     strings.Join(f.Addrs, ","),
		Mode:       f.mode(),
		Monitors:   res.Monitors,
		Rate:       f.Rate,
		PeakConns:  res.PeakConns,
		Sent:       res.Sent,
		MeanSize:   res.Bytes / max(res.Sent, 1),
		Answers:    make(map[string]uint64),
		DialErrors: res.DialErrors,
		ConnErrors: res.ConnErrors,
		Elapsed:    res.Elapsed.Seconds(),
		Latency:    Summarize(&res.Latency),
		Station:    v,
		Gateway:    gw,
	}
	if res.RampLatency.Count() > 0 {
		ramp := Summarize(&res.RampLatency)
		r.Ramp = &ramp
	}
	if res.SendLag.Count() > 0 {
		lag := Summarize(&res.SendLag)
		r.SendLag = &lag
	}
	p99 := res.Latency.Quantile(0.99)
	for i := range res.BySecond {
		h := &res.BySecond[i]
		r.BySecond = append(r.BySecond, SecondSummary{Second: i, Count: h.Count(), P50: ms(h.Quantile(0.5)),
			P99: ms(h.Quantile(0.99)), Max: ms(h.Max()), OverRunP99: h.Above(p99)})
	}
	for o, n := range res.Answers {
		if n > 0 {
			r.Answers[Outcome(o).String()] = n
		}
	}
	if r.Elapsed > 0 {
		r.Throughput = float64(res.Measured) / r.Elapsed
	}
	r.Failed = res.Answers[AckMismatch] > 0 || (v != nil && v.Failed())
	return r
}

func (f *Fleet) mode() string {
	switch {
	case f.Idle:
		return "idle"
	case f.Rate > 0:
		return "open"
	}
	return "closed"
}

// WriteText writes the report for people.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "target       %s, %d monitors, %s loop", r.Target, r.Monitors, r.Mode)
	if r.Mode == "open" {
		fmt.Fprintf(&b, " at %g msg/s each", r.Rate)
	}
	fmt.Fprintf(&b, ", peak %d connections\n", r.PeakConns)
	fmt.Fprintf(&b, "sent         %d messages of %d bytes on average in %.1f s\n", r.Sent, r.MeanSize, r.Elapsed)
	b.WriteString("answers     ")
	for o := range numOutcomes {
		if n, ok := r.Answers[o.String()]; ok {
			fmt.Fprintf(&b, " %s %d", o, n)
		}
	}
	fmt.Fprintf(&b, "\nerrors       dial %d, connection %d\n", r.DialErrors, r.ConnErrors)
	fmt.Fprintf(&b, "throughput   %.1f msg/s\n", r.Throughput)
	writeLatency(&b, "latency ms ", r.Latency)
	if r.Ramp != nil {
		writeLatency(&b, "ramp-up ms ", *r.Ramp)
	}
	if r.SendLag != nil {
		writeLatency(&b, "send lag ms", *r.SendLag)
	}
	if v := r.Station; v != nil {
		fmt.Fprintf(&b, "station      received %d, lost %d, false-acked %d, duplicated %d, out of order %d, corrupted %d, unexpected %d\n",
			v.Received, v.Lost, v.FalseAcked, v.Duplicated, v.OutOfOrder, v.Corrupted, v.Unexpected)
	} else {
		b.WriteString("station      not verified (no station state given)\n")
	}
	if g := r.Gateway; g != nil {
		fmt.Fprintf(&b, "gateway      pid %v: cpu %.2f s (%.0f%% of one core), rss %.1f MiB (before %.1f), peak rss %.1f MiB\n",
			g.PIDs, g.CPUSeconds, 100*g.CPUSeconds/max(r.Elapsed, 1e-9), mib(g.RSS), mib(g.RSSBefore), mib(g.PeakRSS))
	}
	if r.Failed {
		b.WriteString("result       FAIL\n")
	} else {
		b.WriteString("result       ok\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeLatency(b *strings.Builder, label string, l LatencySummary) {
	fmt.Fprintf(b, "%s  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  (mean %.3f, n %d)\n",
		label, l.P50, l.P90, l.P99, l.P999, l.Max, l.Mean, l.Count)
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// ProcUsage is what some processes (a gateway, or several relay processes)
// used during a run, summed over the processes.
type ProcUsage struct {
	PIDs       []int   `json:"pids"`
	CPUSeconds float64 `json:"cpu_seconds"`      // CPU time used during the run
	RSSBefore  uint64  `json:"rss_before_bytes"` // resident memory when the run started
	RSS        uint64  `json:"rss_bytes"`        // resident memory when the run ended
	PeakRSS    uint64  `json:"peak_rss_bytes"`   // peak resident memory since each process started
}

// ProcWatch measures processes over a run.
type ProcWatch struct {
	pids   []int
	before []ProcStat
}

// WatchProcs samples pids now; Stop samples them again.
func WatchProcs(pids []int) (*ProcWatch, error) {
	w := &ProcWatch{pids: pids}
	for _, pid := range pids {
		s, err := ReadProcStat(pid)
		if err != nil {
			return nil, err
		}
		w.before = append(w.before, s)
	}
	return w, nil
}

// Stop samples the processes again and returns their usage since WatchProcs.
func (w *ProcWatch) Stop() (*ProcUsage, error) {
	u := &ProcUsage{PIDs: w.pids}
	for i, pid := range w.pids {
		s, err := ReadProcStat(pid)
		if err != nil {
			return nil, err
		}
		u.CPUSeconds += (s.CPU - w.before[i].CPU).Seconds()
		u.RSSBefore += w.before[i].RSS
		u.RSS += s.RSS
		u.PeakRSS += s.PeakRSS
	}
	return u, nil
}
