package corpus

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// The grace after an episode: a finding on one of the next GraceMessages
// messages of the same monitor, or on one arriving up to GraceTime after
// the episode's last message, still detects the episode (whichever reaches
// further). A detector may need a message or two to see that something
// ended or to confirm a change.
const (
	GraceMessages = 3
	GraceTime     = 60 * time.Second
)

// Finding is what Score reads from the detector's output: one JSON object
// per line with at least "file" (basename) and "message" (1-based position
// in that file). Other fields are ignored.
type Finding struct {
	File    string `json:"file"`
	Message int    `json:"message"`
}

// KindScore is the recall of one manipulation kind.
type KindScore struct {
	Kind     string  `json:"kind"`
	Episodes int     `json:"episodes"`
	Detected int     `json:"detected"`
	Recall   float64 `json:"recall"`
	// By strength.
	Subtle         int   `json:"subtle"`
	SubtleDetected int   `json:"subtle_detected"`
	Missed         []int `json:"missed_episodes"`
}

// Scores are the figures of one detector run on one corpus.
type Scores struct {
	Kinds            []KindScore `json:"kinds"`
	Episodes         int         `json:"episodes"`
	Detected         int         `json:"detected"`
	Recall           float64     `json:"recall"`
	GraceMessages    int         `json:"grace_messages"`
	GraceSeconds     float64     `json:"grace_seconds"`
	Findings         int         `json:"findings"`                           // lines read
	Unmatched        int         `json:"unmatched"`                          // findings naming no message of the corpus
	CleanMonitors    int         `json:"clean_monitors"`                     // entirely clean monitors
	CleanHours       float64     `json:"clean_hours"`                        // their monitor-hours
	CleanFlagged     int         `json:"clean_flagged"`                      // their messages with a finding (false flags)
	CleanFindings    int         `json:"clean_findings"`                     // findings on those messages
	FalsePerHour     float64     `json:"false_flags_per_clean_monitor_hour"` // flagged messages per hour
	FindingsPerHour  float64     `json:"false_findings_per_clean_monitor_hour"`
	CleanMonsFlagged int         `json:"clean_monitors_with_false_flag"`
	// Clean stretches of manipulated monitors (outside episode and grace).
	ManipHours        float64 `json:"manipulated_monitor_hours"`
	ManipCleanFlagged int     `json:"manipulated_clean_flagged"`
	ManipFalsePerHour float64 `json:"manipulated_false_flags_per_monitor_hour"`
	// False flags (clean monitors and clean stretches) by the genuine
	// condition active on the flagged message ("none" when there is none).
	FalseByEvent map[string]int `json:"false_flags_by_event"`
}

// labelRow is the part of a label Score needs.
type labelRow struct {
	mon     int
	arrival int64
	kind    string
	episode int
	subtle  bool
	events  string
}

// Score reads dir's labels.jsonl and monitors.jsonl and scores findings.
func Score(dir string, findings io.Reader) (*Scores, error) {
	mons, err := readMonitors(filepath.Join(dir, "monitors.jsonl"))
	if err != nil {
		return nil, err
	}
	monIdx := map[string]int{}
	for i, m := range mons {
		monIdx[m.ID] = i
	}
	lf, err := os.Open(filepath.Join(dir, "labels.jsonl"))
	if err != nil {
		return nil, err
	}
	defer lf.Close()
	var rows []labelRow
	where := map[string]int{} // file -> index of its first row
	var lastFile string
	sc := bufio.NewScanner(lf)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var l Label
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("labels.jsonl:%d: %w", n, err)
		}
		mi, ok := monIdx[l.Monitor]
		if !ok {
			return nil, fmt.Errorf("labels.jsonl:%d: unknown monitor %q", n, l.Monitor)
		}
		if l.File != lastFile {
			if _, dup := where[l.File]; dup {
				return nil, fmt.Errorf("labels.jsonl:%d: file %s not contiguous", n, l.File)
			}
			where[l.File] = len(rows)
			lastFile = l.File
		}
		if want := len(rows) - where[l.File] + 1; l.Message != want {
			return nil, fmt.Errorf("labels.jsonl:%d: message %d, want %d", n, l.Message, want)
		}
		rows = append(rows, labelRow{mon: mi, arrival: l.Arrival.UnixNano(), kind: l.Label, episode: l.Episode,
			subtle: l.Strength == "subtle", events: l.Events})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	// Each file's rows end where the next file's begin.
	ends := map[string]int{}
	for f, start := range where {
		ends[f] = len(rows)
		for _, st := range where {
			if st > start && st < ends[f] {
				ends[f] = st
			}
		}
	}
	flagged := make([]int, len(rows)) // findings per row
	s := &Scores{GraceMessages: GraceMessages, GraceSeconds: GraceTime.Seconds(), FalseByEvent: map[string]int{}}
	fs := bufio.NewScanner(findings)
	fs.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; fs.Scan(); n++ {
		line := strings.TrimSpace(fs.Text())
		if line == "" {
			continue
		}
		var f Finding
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			return nil, fmt.Errorf("findings line %d: %w", n, err)
		}
		s.Findings++
		start, ok := where[filepath.Base(f.File)]
		if !ok || f.Message < 1 || start+f.Message-1 >= ends[filepath.Base(f.File)] {
			s.Unmatched++
			continue
		}
		flagged[start+f.Message-1]++
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	// Per monitor, its rows in order; mark episodes and graces.
	perMon := make([][]int, len(mons))
	for i, r := range rows {
		perMon[r.mon] = append(perMon[r.mon], i)
	}
	inGrace := make([]bool, len(rows))
	type epState struct {
		kind             string
		subtle, detected bool
	}
	eps := map[int]*epState{}
	for _, idx := range perMon {
		for k, i := range idx {
			r := rows[i]
			if r.episode == 0 {
				continue
			}
			e := eps[r.episode]
			if e == nil {
				e = &epState{kind: r.kind, subtle: r.subtle}
				eps[r.episode] = e
			}
			if flagged[i] > 0 {
				e.detected = true
			}
			// Last message of the episode: the grace follows.
			if k+1 < len(idx) && rows[idx[k+1]].episode == r.episode {
				continue
			}
			for g := k + 1; g < len(idx); g++ {
				j := idx[g]
				if rows[j].episode != 0 {
					break
				}
				if g-k > GraceMessages && time.Duration(rows[j].arrival-r.arrival) > GraceTime {
					break
				}
				inGrace[j] = true
				if flagged[j] > 0 {
					e.detected = true
				}
			}
		}
	}
	byKind := map[string]*KindScore{}
	for _, k := range Kinds {
		byKind[string(k)] = &KindScore{Kind: string(k), Missed: []int{}}
	}
	ids := make([]int, 0, len(eps))
	for id := range eps {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		e := eps[id]
		ks := byKind[e.kind]
		if ks == nil {
			ks = &KindScore{Kind: e.kind, Missed: []int{}}
			byKind[e.kind] = ks
		}
		ks.Episodes++
		s.Episodes++
		if e.subtle {
			ks.Subtle++
		}
		if e.detected {
			ks.Detected++
			s.Detected++
			if e.subtle {
				ks.SubtleDetected++
			}
		} else {
			ks.Missed = append(ks.Missed, id)
		}
	}
	for _, ks := range byKind {
		ks.Recall = ratio(ks.Detected, ks.Episodes)
		s.Kinds = append(s.Kinds, *ks)
	}
	slices.SortFunc(s.Kinds, func(a, b KindScore) int { return strings.Compare(a.Kind, b.Kind) })
	s.Recall = ratio(s.Detected, s.Episodes)
	// False flags.
	for mi, idx := range perMon {
		m := mons[mi]
		clean := m.Status == "clean"
		if clean {
			s.CleanMonitors++
			s.CleanHours += m.Hours
		} else {
			s.ManipHours += m.Hours
		}
		any := false
		for _, i := range idx {
			r := rows[i]
			if flagged[i] == 0 || r.episode != 0 || inGrace[i] {
				continue
			}
			ev := r.events
			if ev == "" {
				ev = "none"
			}
			for _, e := range strings.Split(ev, ",") {
				s.FalseByEvent[e]++
			}
			if clean {
				s.CleanFlagged++
				s.CleanFindings += flagged[i]
				any = true
			} else {
				s.ManipCleanFlagged++
			}
		}
		if any {
			s.CleanMonsFlagged++
		}
	}
	if s.CleanHours > 0 {
		s.FalsePerHour = float64(s.CleanFlagged) / s.CleanHours
		s.FindingsPerHour = float64(s.CleanFindings) / s.CleanHours
	}
	if s.ManipHours > 0 {
		s.ManipFalsePerHour = float64(s.ManipCleanFlagged) / s.ManipHours
	}
	return s, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func readMonitors(path string) ([]MonitorInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mons []MonitorInfo
	dec := json.NewDecoder(f)
	for {
		var m MonitorInfo
		if err := dec.Decode(&m); err == io.EOF {
			return mons, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		mons = append(mons, m)
	}
}

// WriteText prints the scores as a table.
func (s *Scores) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "kind\tepisodes\tdetected\trecall\tsubtle det/all\tmissed episodes\t\n")
	for _, k := range s.Kinds {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f%%\t%d/%d\t%s\t\n", k.Kind, k.Episodes, k.Detected, 100*k.Recall,
			k.SubtleDetected, k.Subtle, joinInts(k.Missed))
	}
	fmt.Fprintf(tw, "all\t%d\t%d\t%.1f%%\t\t\t\n", s.Episodes, s.Detected, 100*s.Recall)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\ngrace: %d messages or %v after an episode's last message, whichever reaches further\n",
		s.GraceMessages, time.Duration(s.GraceSeconds*float64(time.Second)))
	fmt.Fprintf(w, "findings: %d lines, %d naming no message of the corpus\n", s.Findings, s.Unmatched)
	fmt.Fprintf(w, "clean monitors: %d, %.1f monitor-hours: %d false-flagged messages = %.3f per monitor-hour (%d findings = %.3f); %d monitors with any\n",
		s.CleanMonitors, s.CleanHours, s.CleanFlagged, s.FalsePerHour, s.CleanFindings, s.FindingsPerHour, s.CleanMonsFlagged)
	fmt.Fprintf(w, "manipulated monitors outside episode+grace: %.1f monitor-hours: %d false-flagged messages = %.3f per monitor-hour\n",
		s.ManipHours, s.ManipCleanFlagged, s.ManipFalsePerHour)
	if len(s.FalseByEvent) > 0 {
		var evs []string
		for e := range s.FalseByEvent {
			evs = append(evs, e)
		}
		slices.SortFunc(evs, func(a, b string) int {
			if d := s.FalseByEvent[b] - s.FalseByEvent[a]; d != 0 {
				return d
			}
			return strings.Compare(a, b)
		})
		fmt.Fprintf(w, "false flags by genuine condition active on the message:")
		for _, e := range evs {
			fmt.Fprintf(w, " %s=%d", e, s.FalseByEvent[e])
		}
		fmt.Fprintln(w)
	}
	return nil
}

func joinInts(xs []int) string {
	if len(xs) == 0 {
		return "-"
	}
	var b strings.Builder
	for i, x := range xs {
		if i == 8 {
			fmt.Fprintf(&b, " +%d", len(xs)-i)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, x)
	}
	return b.String()
}
