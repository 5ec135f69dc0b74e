package sim

import (
	"fmt"
	"io"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// EvalOptions size a detection run.
type EvalOptions struct {
	Seed       uint64
	PerKind    int           // manipulated monitors per kind
	Clean      int           // clean monitors
	CleanHours float64       // hours per clean monitor
	Interval   time.Duration // message interval (default 10 s)
	Profile    string        // "adult" (default) or "neonatal"
}

// KindResult is the detection outcome for one manipulation kind.
type KindResult struct {
	Kind     Kind
	Monitors int
	Detected int
	Missed   []int          // monitor IDs whose manipulation went unflagged
	ByRule   map[string]int // monitors on which each rule fired while the manipulation was active
}

// Recall is Detected/Monitors.
func (k KindResult) Recall() float64 { return float64(k.Detected) / float64(max(1, k.Monitors)) }

// Report is the result of Evaluate.
type Report struct {
	Options      EvalOptions
	Kinds        []KindResult
	CleanHours   float64        // monitor-hours of clean streams
	FalseFlags   int            // findings on clean streams
	FalseByRule  map[string]int // the same by rule
	Messages     int            // messages observed in total
	ObserveTotal time.Duration  // time spent in Observe
}

// FalsePerHour is FalseFlags per clean monitor-hour.
func (r *Report) FalsePerHour() float64 { return float64(r.FalseFlags) / max(r.CleanHours, 1e-9) }

// Evaluate runs simulated monitors through one vitals Engine: o.PerKind
// monitors per manipulation kind that applies at o.Interval (a kind counts as detected on a monitor
// when one of Kind.Rules fires on a message the manipulation affects) and
// o.Clean clean monitors with genuine events, whose every finding is a false
// flag.
func Evaluate(cfg vitals.Config, o EvalOptions) (*Report, error) {
	if o.Interval <= 0 {
		o.Interval = 10 * time.Second
	}
	cfg.Profile = o.Profile
	if cfg.Profile == "" {
		cfg.Profile = "adult"
	}
	e, err := vitals.NewEngine(cfg)
	if err != nil {
		return nil, err
	}
	rep := &Report{Options: o, FalseByRule: map[string]int{}}
	var (
		msg  hl7.Message
		buf  []byte
		fs   []vitals.Finding
		id   int
		addr = func(id int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(id >> 16), byte(id >> 8), byte(id)}) }
	)
	observe := func(src netip.Addr, b []byte, at time.Time) []vitals.Finding {
		if err := msg.Parse(b); err != nil {
			panic(fmt.Sprintf("simulator wrote an unparseable message: %v", err))
		}
		t0 := time.Now()
		fs = e.Observe(src, &msg, at, fs[:0])
		rep.ObserveTotal += time.Since(t0)
		rep.Messages++
		return fs
	}
	for _, k := range Kinds() {
		if !k.Applies(o.Interval) {
			continue
		}
		kr := KindResult{Kind: k, ByRule: map[string]int{}}
		want := k.Rules()
		for range o.PerKind {
			id++
			mon := NewMonitor(Options{ID: id, Seed: o.Seed, Interval: o.Interval, Profile: cfg.Profile, Manipulation: k})
			src, hit, fired := addr(id), false, map[string]bool{}
			for {
				var at time.Time
				var l Label
				buf, at, l = mon.Next(buf[:0])
				for _, f := range observe(src, buf, at) {
					if l.Active {
						hit = hit || slices.Contains(want, f.Rule)
						fired[f.Rule] = true
					}
				}
				if l.Index >= l.Last {
					break
				}
			}
			for rule := range fired {
				kr.ByRule[rule]++
			}
			kr.Monitors++
			if hit {
				kr.Detected++
			} else {
				kr.Missed = append(kr.Missed, id)
			}
		}
		rep.Kinds = append(rep.Kinds, kr)
	}
	per := int(o.CleanHours * 3600 / o.Interval.Seconds())
	for range o.Clean {
		id++
		mon := NewMonitor(Options{ID: id, Seed: o.Seed, Interval: o.Interval, Profile: cfg.Profile})
		src := addr(id)
		for n := 0; n < per; {
			var at time.Time
			var l Label
			buf, at, l = mon.Next(buf[:0])
			for _, f := range observe(src, buf, at) {
				rep.FalseFlags++
				key := f.Rule
				if f.Parameter != "" {
					key += " " + f.Parameter
				}
				rep.FalseByRule[key]++
			}
			n = l.Index + 1
		}
		rep.CleanHours += float64(per) * o.Interval.Seconds() / 3600
	}
	return rep, nil
}

// WriteText writes the report as a table.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "kind\tmonitors\tdetected\trecall\t  rules fired (monitors)\n")
	for _, k := range r.Kinds {
		var fired []string
		for _, rule := range slices.Sorted(maps.Keys(k.ByRule)) {
			fired = append(fired, fmt.Sprintf("%s %d", rule, k.ByRule[rule]))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f%%\t  %s\n", k.Kind, k.Monitors, k.Detected, 100*k.Recall(), strings.Join(fired, ", "))
	}
	fmt.Fprintf(tw, "\n")
	fmt.Fprintf(tw, "clean monitor-hours\t%.0f\t\n", r.CleanHours)
	fmt.Fprintf(tw, "false flags\t%d\t\n", r.FalseFlags)
	fmt.Fprintf(tw, "false flags per monitor-hour\t%.4f\t\n", r.FalsePerHour())
	for _, rule := range slices.Sorted(maps.Keys(r.FalseByRule)) {
		fmt.Fprintf(tw, "  false %s\t%d\t\n", rule, r.FalseByRule[rule])
	}
	fmt.Fprintf(tw, "messages observed\t%d\t\n", r.Messages)
	if r.Messages > 0 {
		fmt.Fprintf(tw, "mean Observe time\t%s\t\n", r.ObserveTotal/time.Duration(r.Messages))
	}
	return tw.Flush()
}
