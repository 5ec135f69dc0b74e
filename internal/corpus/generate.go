package corpus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Label describes one message of the corpus (one line of labels.jsonl).
type Label struct {
	File      string    `json:"file"`      // basename of the .hl7 file
	Message   int       `json:"message"`   // 1-based position in the file
	Monitor   string    `json:"monitor"`   // bed ID, as in monitors.jsonl
	Arrival   time.Time `json:"arrival"`   // arrival at the gateway (RFC 3339 with nanoseconds)
	Label     string    `json:"label"`     // "clean" or a Kind
	Parameter string    `json:"parameter"` // affected parameter, "" when clean
	Episode   int       `json:"episode"`   // manipulation episode ID, 0 when clean
	Strength  string    `json:"strength,omitempty"`
	Events    string    `json:"events,omitempty"` // genuine conditions active (clean traps), comma-separated
}

// MonitorInfo describes one bed (one line of monitors.jsonl).
type MonitorInfo struct {
	ID          string   `json:"id"`
	File        string   `json:"file"`
	Device      string   `json:"device"` // MSH-3
	Class       string   `json:"class"`  // "adult" or "neonatal"
	Layout      string   `json:"layout"`
	CadenceS    float64  `json:"cadence_s"`
	Hours       float64  `json:"hours"`
	Status      string   `json:"status"` // "clean" or "manipulated"
	Messages    int      `json:"messages"`
	Channels    []string `json:"channels"`
	EtCO2Unit   string   `json:"etco2_unit,omitempty"`
	NIBPMode    string   `json:"nibp_mode"`
	NIBPEveryM  float64  `json:"nibp_every_min"`
	Placeholder string   `json:"placeholder"`
	ClockSkewS  float64  `json:"clock_skew_s"`
	Conditions  []string `json:"conditions"`
	// The episode, for manipulated beds.
	Kind         string    `json:"kind,omitempty"`
	Parameter    string    `json:"parameter,omitempty"`
	Strength     string    `json:"strength,omitempty"`
	Episode      int       `json:"episode,omitempty"`
	EpisodeFirst int       `json:"episode_first,omitempty"` // message positions in File
	EpisodeLast  int       `json:"episode_last,omitempty"`
	EpisodeStart time.Time `json:"episode_start,omitzero"` // arrival of its first and last message
	EpisodeEnd   time.Time `json:"episode_end,omitzero"`
	Detail       string    `json:"detail,omitempty"`
	// The episode dealt to a bed of the unforged twin (Config.NoForge), which writes none.
	PlannedKind      string `json:"planned_kind,omitempty"`
	PlannedParameter string `json:"planned_parameter,omitempty"`
	PlannedStrength  string `json:"planned_strength,omitempty"`
}

// Summary is what Generate produced.
type Summary struct {
	Monitors, Files, Messages, Clean int
	Bytes                            int64
	Episodes                         map[Kind]int
}

// Generate writes a corpus to cfg.Dir. The output depends only on cfg
// (not on Workers).
func Generate(cfg Config) (Summary, error) {
	if err := cfg.defaults(); err != nil {
		return Summary{}, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return Summary{}, err
	}
	plans := plan(cfg)
	// Group beds by file, in bed order.
	var files [][]*monPlan
	for _, m := range plans {
		if k := len(files) - 1; k >= 0 && files[k][0].file == m.file {
			files[k] = append(files[k], m)
		} else {
			files = append(files, []*monPlan{m})
		}
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Files are built in parallel; results are written in file order. The
	// semaphore bounds how many files are in memory at once.
	results := make([]chan fileResult, len(files))
	sem := make(chan struct{}, workers)
	for i := range files {
		results[i] = make(chan fileResult, 1)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the dispatcher
		defer wg.Done()
		for i, beds := range files {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] <- buildFile(cfg.Dir, beds, cfg.NoForge)
			}()
		}
	}()
	sum := Summary{Monitors: len(plans), Files: len(files), Episodes: map[Kind]int{}}
	lf, err := os.Create(filepath.Join(cfg.Dir, "labels.jsonl"))
	if err != nil {
		return sum, err
	}
	defer lf.Close()
	mf, err := os.Create(filepath.Join(cfg.Dir, "monitors.jsonl"))
	if err != nil {
		return sum, err
	}
	defer mf.Close()
	lw, mw := bufio.NewWriterSize(lf, 1<<20), bufio.NewWriter(mf)
	var firstErr error
	for i := range files {
		res := <-results[i]
		<-sem
		if res.err != nil && firstErr == nil {
			firstErr = res.err
		}
		lw.Write(res.labels)
		enc := json.NewEncoder(mw)
		for _, mi := range res.monitors {
			enc.Encode(mi)
			if mi.Status == "clean" {
				sum.Clean++
			} else {
				sum.Episodes[Kind(mi.Kind)]++
			}
		}
		sum.Messages += res.messages
		sum.Bytes += res.bytes
	}
	wg.Wait()
	if firstErr != nil {
		return sum, firstErr
	}
	if err := lw.Flush(); err != nil {
		return sum, err
	}
	if err := mw.Flush(); err != nil {
		return sum, err
	}
	if err := lf.Close(); err != nil {
		return sum, err
	}
	return sum, mf.Close()
}

type fileResult struct {
	labels   []byte
	monitors []MonitorInfo
	messages int
	bytes    int64
	err      error
}

// buildFile simulates the beds of one file, applies their episodes (or,
// with noForge, places them and leaves the records genuine), adds genuine
// retransmissions, merges the beds by arrival and writes the file.
func buildFile(dir string, beds []*monPlan, noForge bool) fileResult {
	type item struct {
		b *bedSim
		r *record
	}
	var items []item
	sims := make([]*bedSim, len(beds))
	eps := make([]*episode, len(beds))
	for k, m := range beds {
		b := simulate(m)
		var genuine []record
		if noForge {
			genuine = slices.Clone(b.recs)
		}
		eps[k] = b.manipulate()
		if noForge && eps[k] != nil {
			b.unforge(genuine)
		}
		b.retransmit(eps[k])
		sims[k] = b
		for i := range b.recs {
			items = append(items, item{b, &b.recs[i]})
		}
	}
	slices.SortStableFunc(items, func(x, y item) int { return x.r.arrival.Compare(y.r.arrival) })
	f, err := os.Create(filepath.Join(dir, beds[0].file))
	if err != nil {
		return fileResult{err: err}
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var res fileResult
	var lb bytes.Buffer
	enc := json.NewEncoder(&lb)
	pos := map[*record]int{}
	count := map[*bedSim]int{}
	var buf []byte
	for i, it := range items {
		buf = render(buf[:0], it.b.m, it.r)
		w.Write(buf)
		res.bytes += int64(len(buf))
		count[it.b]++
		pos[it.r] = i + 1
		l := Label{File: beds[0].file, Message: i + 1, Monitor: it.b.m.id, Arrival: it.r.arrival, Label: "clean",
			Parameter: it.r.param, Events: it.r.events}
		if it.r.kind != "" {
			l.Label, l.Episode, l.Strength = string(it.r.kind), it.b.m.episode, it.r.strength
		}
		enc.Encode(l)
	}
	res.messages = len(items)
	if err := w.Flush(); err != nil {
		f.Close()
		return fileResult{err: err}
	}
	if err := f.Close(); err != nil {
		return fileResult{err: err}
	}
	res.labels = lb.Bytes()
	for k, b := range sims {
		res.monitors = append(res.monitors, b.info(eps[k], count[b], pos))
	}
	return res
}

// unforge makes the bed its unforged twin: manipulate has drawn from the
// bed's random source as for the forged corpus, so the retransmissions
// drawn after it (which keep clear of the episode's place) are the forged
// corpus's; the records go back to their genuine content. No manipulation
// inserts or removes a record (duplicate_control_id reuses the MSH-10 of
// existing ones), so message N of a file is message N of its twin.
func (b *bedSim) unforge(genuine []record) {
	b.recs = genuine
	b.unforged = true
}

// retransmit adds genuine retransmissions, clean: the same message (same
// MSH-10, same content) resent a few seconds later after a lost ACK. Only
// devices sending every 5 s or slower do it here, so that the resend
// arrives before the next message; none falls in or just after the
// episode.
func (b *bedSim) retransmit(ep *episode) {
	rng, m := b.rng, b.m
	if m.cadence < 5*time.Second || rng.Float64() > 0.25 || len(b.recs) < 10 {
		return
	}
	var at []int
	for range 1 + rng.IntN(4) {
		i := rng.IntN(len(b.recs) - 1)
		if ep != nil && i >= ep.first-1 && i <= ep.last+ep.grace {
			continue
		}
		if slices.Contains(at, i) {
			continue
		}
		at = append(at, i)
	}
	slices.Sort(at)
	for k := len(at) - 1; k >= 0; k-- {
		i := at[k]
		r := b.recs[i]
		limit := min(10*time.Second, m.cadence-time.Second)
		r.arrival = r.arrival.Add(time.Duration(uniform(rng, 2, limit.Seconds()) * float64(time.Second)))
		r.events = strings.TrimPrefix(r.events+","+condRetransmit, ",")
		b.recs = slices.Insert(b.recs, i+1, r)
		if ep != nil {
			for _, x := range []*int{&ep.first, &ep.last, &ep.source} {
				if i < *x {
					*x++
				}
			}
			for k := range ep.dupSource {
				if i < ep.dupSource[k] {
					ep.dupSource[k]++
				}
			}
		}
	}
	if len(at) > 0 {
		b.addCond(condRetransmit)
	}
}

// info describes the bed for monitors.jsonl; pos maps records to their
// position in the file.
func (b *bedSim) info(ep *episode, n int, pos map[*record]int) MonitorInfo {
	m := b.m
	mi := MonitorInfo{
		ID: m.id, File: m.file, Device: m.app + "^" + m.eui + "^EUI-64", Class: "adult", Layout: m.lay.name,
		CadenceS: m.cadence.Seconds(), Hours: m.dur.Hours(), Status: "clean", Messages: n,
		NIBPMode: m.nibpMode, NIBPEveryM: m.nibpInt.Minutes(), Placeholder: m.holder,
		ClockSkewS: m.skew.Seconds(), Conditions: b.conds,
	}
	if m.neonatal {
		mi.Class = "neonatal"
	}
	if mi.Conditions == nil {
		mi.Conditions = []string{}
	}
	for c := range numChannels {
		if m.reports(c) {
			mi.Channels = append(mi.Channels, c.String())
		}
	}
	if m.hasCO2 {
		mi.EtCO2Unit = "mmHg"
		if m.co2KPa {
			mi.EtCO2Unit = "kPa"
		}
	}
	if ep != nil && b.unforged {
		mi.PlannedKind, mi.PlannedParameter, mi.PlannedStrength = string(ep.kind), ep.param, ep.strength
		mi.Detail = "(unforged twin: no forgery written)"
	} else if ep != nil {
		mi.Status, mi.Kind, mi.Parameter, mi.Strength, mi.Episode = "manipulated", string(ep.kind), ep.param, ep.strength, m.episode
		mi.EpisodeFirst, mi.EpisodeLast = pos[&b.recs[ep.first]], pos[&b.recs[ep.last]]
		mi.EpisodeStart, mi.EpisodeEnd = b.recs[ep.first].arrival, b.recs[ep.last].arrival
		mi.Detail = ep.detail
		if ep.source >= 0 {
			mi.Detail = fmt.Sprintf("replays the messages sent from %s", b.recs[ep.source].t.Format(time.RFC3339))
		}
		if len(ep.dupSource) > 0 {
			mi.Detail = fmt.Sprintf("reuses the MSH-10 of messages sent %s earlier",
				b.recs[ep.first].t.Sub(b.recs[ep.dupSource[0]].t).Round(time.Second))
		}
	}
	return mi
}
