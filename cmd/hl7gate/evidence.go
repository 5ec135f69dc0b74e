package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/firewall"
	"github.com/hl7gate/hl7gate/gateway/journal"
	"github.com/hl7gate/hl7gate/gateway/store"
)

// evidenceCmd builds the incident evidence bundle (docs/evidence.md):
//
//	hl7gate evidence --config FILE --since TIME [--until TIME] [--device ID] -o FILE.tar.gz
//
// The bundle holds the device's timeline from the on-disk event journal (state.journal.dir), the
// configuration and the nftables ruleset derived from it with their SHA-256, the gateway's build, a
// README and a manifest with the SHA-256 of every other file. Events carry no patient data, so neither
// does the bundle; --include-patient-data is recorded in the manifest and adds nothing, because hl7gate
// keeps no patient data to add.
func evidenceCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("evidence", stderr)
	path := fs.String("config", "", "YAML configuration file the gateway runs with (required): names the journal, and goes into the bundle")
	since := fs.String("since", "", "start of the incident window: RFC 3339 time (2026-12-02T10:00:00Z) or a duration back from now (2h) (required)")
	until := fs.String("until", "", "end of the window, as --since; default now")
	device := fs.String("device", "", "only this device: its source address, listener/source, sending application (MSH-3) or equipment id (OBX-18)")
	out := fs.StringP("output", "o", "", "bundle to write, FILE.tar.gz (required)")
	phi := fs.Bool("include-patient-data", false, "ask for patient data in the bundle (hl7gate keeps none; the manifest records the request)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" || *since == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	now := time.Now().UTC()
	from, err := parseWhen(*since, now)
	if err != nil {
		return fmt.Errorf("--since: %w", err)
	}
	to := now
	if *until != "" {
		if to, err = parseWhen(*until, now); err != nil {
			return fmt.Errorf("--until: %w", err)
		}
	}
	if !from.Before(to) {
		return fmt.Errorf("--since %s is not before --until %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	raw, err := os.ReadFile(*path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	cfg, err := loadConfig(*path, nil, nil) // the file alone: the environment of this shell is not the gateway's
	if err != nil {
		return err
	}
	if cfg.State.Journal.Dir == "" {
		return fmt.Errorf("%s: state.journal.dir is not set: the gateway keeps no events on disk to build evidence from", *path)
	}
	b := bundle{
		req: evidenceRequest{Since: from, Until: to, Device: *device, Config: *path, PatientDataRequested: *phi},
		now: now,
	}
	if err := b.build(cfg, raw); err != nil {
		return err
	}
	sum, err := b.write(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d events, %d files; manifest.json sha256 %s\n", *out, len(b.events), len(b.files), sum)
	return nil
}

// parseWhen reads an RFC 3339 time or a duration back from now.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a duration", s)
	}
	return t.UTC(), nil
}

type evidenceRequest struct {
	Since                time.Time `json:"since"`
	Until                time.Time `json:"until"`
	Device               string    `json:"device,omitempty"`
	Config               string    `json:"config"`
	PatientDataRequested bool      `json:"patient_data_requested"`
}

// bundle is the evidence being assembled: named files, in the order they go into the archive.
type bundle struct {
	req    evidenceRequest
	now    time.Time
	events []journal.Record
	files  []bundleFile
}

type bundleFile struct {
	name string
	data []byte
}

// manifest is manifest.json: what was asked, what each file is and its SHA-256.
type manifest struct {
	Tool        string          `json:"tool"`
	Generated   time.Time       `json:"generated"`
	Request     evidenceRequest `json:"request"`
	PatientData patientData     `json:"patient_data"`
	Events      int             `json:"events"`
	Boots       []string        `json:"boots"` // gateway runs the events come from, oldest first
	Ruleset     string          `json:"ruleset"`
	Files       []manifestEntry `json:"files"`
}

type patientData struct {
	Included bool   `json:"included"`
	Note     string `json:"note"`
}

type manifestEntry struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
	About  string `json:"about"`
}

var fileAbout = map[string]string{
	"README.txt":     "what this bundle is, the window, the summary",
	"timeline.jsonl": "the events of the window, oldest first, one JSON object a line (gateway/journal records)",
	"summary.json":   "counts of the timeline's events by kind, severity and device",
	"config.yaml":    "the configuration in effect (hl7gate validate --print: defaults filled, secrets redacted); README.txt gives the file's own sha256",
	"nftables.nft":   "the nftables ruleset derived from config.yaml (hl7gate firewall render)",
	"version.json":   "the build of the hl7gate that made the bundle",
}

func (b *bundle) add(name string, data []byte) { b.files = append(b.files, bundleFile{name, data}) }

// build reads the journal and assembles every file but the manifest.
func (b *bundle) build(cfg config.Config, rawConfig []byte) error {
	err := journal.Read(cfg.State.Journal.Dir, func(r journal.Record) error {
		if !b.inWindow(r.Event) || !matchesDevice(r.Event, b.req.Device) {
			return nil
		}
		b.events = append(b.events, r)
		return nil
	})
	if err != nil {
		return err
	}
	var tl bytes.Buffer
	enc := json.NewEncoder(&tl)
	for _, r := range b.events {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	sum := summarize(b.events)
	sumJSON, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	var rules bytes.Buffer
	ruleset := "nftables.nft"
	spec, err := cfg.FirewallSpec()
	switch {
	case errors.Is(err, config.ErrEgressDisabled):
		ruleset = "none: egress.enabled is false in config.yaml, so hl7gate derives no nftables rules"
	case err != nil:
		return err
	default:
		if err := firewall.Render(&rules, spec); err != nil {
			return err
		}
	}
	ver, err := json.MarshalIndent(buildVersion(), "", "  ")
	if err != nil {
		return err
	}
	effective, err := cfg.YAML() // not the file: a webhook URL in it may carry a token
	if err != nil {
		return err
	}
	b.add("README.txt", b.readme(sum, ruleset, rawConfig, rules.Bytes()))
	b.add("timeline.jsonl", tl.Bytes())
	b.add("summary.json", append(sumJSON, '\n'))
	b.add("config.yaml", effective)
	if rules.Len() > 0 {
		b.add("nftables.nft", rules.Bytes())
	}
	b.add("version.json", append(ver, '\n'))
	return nil
}

// inWindow reports whether e belongs to the window: its time is in it, or, for the journal's gap record,
// the span of the events it says are missing (FirstSeen..LastSeen) overlaps it.
func (b *bundle) inWindow(e store.Event) bool {
	from, to := e.Time, e.Time
	if e.Rule == journal.GapRule {
		from, to = e.FirstSeen, e.LastSeen
	}
	return !to.Before(b.req.Since) && !from.After(b.req.Until)
}

// matchesDevice reports whether e concerns device ("" matches all). Gateway events (start, stop,
// reload) and the containment rules' changes concern every device.
func matchesDevice(e store.Event, device string) bool {
	if device == "" || e.Kind == store.KindGateway || e.Kind == store.KindFirewall {
		return true
	}
	return device == e.Source || device == e.Listener+"/"+e.Source || device == e.SendingApp || device == e.Equipment
}

type summary struct {
	Events     int            `json:"events"`
	First      time.Time      `json:"first,omitzero"`
	Last       time.Time      `json:"last,omitzero"`
	ByKind     map[string]int `json:"by_kind"`
	BySeverity map[string]int `json:"by_severity"`
	BySource   map[string]int `json:"by_source"` // device address → events
	Boots      []string       `json:"boots"`
	// JournalGaps and NotJournaled count the journal's gap records in the window and the events they say
	// are missing (the journal could not write them: a full disk).
	JournalGaps  int    `json:"journal_gaps"`
	NotJournaled uint64 `json:"events_not_journaled"`
}

func summarize(evs []journal.Record) summary {
	s := summary{Events: len(evs), ByKind: map[string]int{}, BySeverity: map[string]int{}, BySource: map[string]int{}}
	for i, r := range evs {
		if i == 0 {
			s.First = r.Time
		}
		s.Last = r.Time
		s.ByKind[r.Kind]++
		s.BySeverity[r.Severity]++
		if r.Source != "" {
			s.BySource[r.Source]++
		}
		if !slices.Contains(s.Boots, r.Boot) {
			s.Boots = append(s.Boots, r.Boot)
		}
		if r.Rule == journal.GapRule {
			s.JournalGaps++
			s.NotJournaled += r.Count
		}
	}
	return s
}

type versionInfo struct {
	Module    string `json:"module"`
	Version   string `json:"version"`
	Revision  string `json:"vcs_revision,omitempty"`
	Modified  string `json:"vcs_modified,omitempty"`
	GoVersion string `json:"go_version"`
}

func buildVersion() versionInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return versionInfo{Module: "github.com/hl7gate/hl7gate", Version: "unknown"}
	}
	v := versionInfo{Module: bi.Main.Path, Version: bi.Main.Version, GoVersion: bi.GoVersion}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.modified":
			v.Modified = s.Value
		}
	}
	return v
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

const noPatientData = "hl7gate records no patient data: events carry device identities (address, MSH-3, OBX-18), " +
	"control IDs (MSH-10), rule names and vital-sign values, never PID/NK1/PV1 contents or raw messages, " +
	"and the gateway keeps no copy of the messages it relays."

func (b *bundle) patientData() patientData {
	if b.req.PatientDataRequested {
		return patientData{Note: "requested with --include-patient-data, but there is none to include: " + noPatientData}
	}
	return patientData{Note: "not requested. " + noPatientData}
}

func (b *bundle) readme(sum summary, ruleset string, rawConfig, rules []byte) []byte {
	var w bytes.Buffer
	device := b.req.Device
	if device == "" {
		device = "all devices"
	}
	fmt.Fprintf(&w, "hl7gate incident evidence bundle\n\n")
	fmt.Fprintf(&w, "Generated  %s by hl7gate evidence\n", b.now.Format(time.RFC3339))
	fmt.Fprintf(&w, "Window     %s .. %s\n", b.req.Since.Format(time.RFC3339), b.req.Until.Format(time.RFC3339))
	fmt.Fprintf(&w, "Device     %s\n", device)
	fmt.Fprintf(&w, "Config     %s (sha256 of the file %s; config.yaml here is the configuration in effect, secrets redacted)\n", b.req.Config, sha(rawConfig))
	if len(rules) > 0 {
		fmt.Fprintf(&w, "Ruleset    nftables.nft (sha256 %s)\n", sha(rules))
	} else {
		fmt.Fprintf(&w, "Ruleset    %s\n", ruleset)
	}
	fmt.Fprintf(&w, "Patient    %s\n\n", b.patientData().Note)
	fmt.Fprintf(&w, "Events     %d in the window, from %d gateway run(s)\n", sum.Events, len(sum.Boots))
	if sum.JournalGaps > 0 {
		fmt.Fprintf(&w, "INCOMPLETE the journal has %d gap(s) here: %d events were recorded but not journaled (it could\n"+
			"           not write: a full disk?); the journal_gap records in timeline.jsonl say when\n", sum.JournalGaps, sum.NotJournaled)
	}
	tw := tabwriter.NewWriter(&w, 2, 8, 2, ' ', 0)
	for _, k := range sortedKeys(sum.ByKind) {
		fmt.Fprintf(tw, "  %s\t%d\n", k, sum.ByKind[k])
	}
	tw.Flush()
	fmt.Fprintf(&w, "\nFiles (SHA-256 of each in manifest.json; check with: sha256sum, or jq -r '.files[]|.sha256+\"  \"+.name' manifest.json | sha256sum -c)\n")
	tw = tabwriter.NewWriter(&w, 2, 8, 2, ' ', 0)
	for _, name := range []string{"timeline.jsonl", "summary.json", "config.yaml", "nftables.nft", "version.json", "manifest.json"} {
		if about, ok := fileAbout[name]; ok || name == "manifest.json" {
			if name == "manifest.json" {
				about = "what was asked, the SHA-256 of every other file"
			}
			if name == "nftables.nft" && len(rules) == 0 {
				continue
			}
			fmt.Fprintf(tw, "  %s\t%s\n", name, about)
		}
	}
	tw.Flush()
	fmt.Fprintf(&w, "\nThe timeline's event kinds: connection (refused), policy (message rejected), delivery (not\n"+
		"delivered), vitals (vital-sign finding), egress (attempt to leave the monitor segment), gateway\n"+
		"(started, stopped, configuration reloaded), throttle (a source over max_source_rate: its messages\n"+
		"delayed, none refused). See docs/evidence.md.\n")
	return w.Bytes()
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// write puts the files and the manifest into a gzipped tar under one directory and returns the
// manifest's SHA-256. The file is written whole, then renamed into place.
func (b *bundle) write(path string) (string, error) {
	m := manifest{
		Tool: "hl7gate evidence", Generated: b.now, Request: b.req, PatientData: b.patientData(),
		Events: len(b.events), Boots: summarize(b.events).Boots, Ruleset: "nftables.nft",
	}
	if !slices.ContainsFunc(b.files, func(f bundleFile) bool { return f.name == "nftables.nft" }) {
		m.Ruleset = "none: egress.enabled is false"
	}
	for _, f := range b.files {
		m.Files = append(m.Files, manifestEntry{Name: f.name, SHA256: sha(f.data), Bytes: len(f.data), About: fileAbout[f.name]})
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", err
	}
	mj = append(mj, '\n')
	dir := "hl7gate-evidence-" + b.now.Format("20060102T150405Z") + "/"
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range append(slices.Clone(b.files), bundleFile{"manifest.json", mj}) {
		hdr := &tar.Header{Name: dir + f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: b.now, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return "", err
		}
		if _, err := tw.Write(f.data); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	if err := replaceFile(path, buf.Bytes(), 0o640); err != nil {
		return "", err
	}
	return sha(mj), nil
}

// replaceFile writes data to path.tmp, then renames it to path, so that path is never seen half written
// and a failed write leaves what was there.
func replaceFile(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
