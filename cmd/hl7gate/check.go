package main

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/internal/findingjson"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// checkMaxFrame bounds one MLLP frame of a capture.
const checkMaxFrame = 16 << 20

// checkFinding is one JSON line of `hl7gate check`: the finding and where
// in the input it was seen. It carries no patient data.
type checkFinding struct {
	File    string `json:"file"`
	Message int    `json:"message"` // 1-based position in the file
	Monitor string `json:"monitor"` // the monitor's key: EUI-64, "MSH-3 ..." or the source address
	Source  string `json:"source"`
	findingjson.Finding
}

// checkUsage is the head of `hl7gate check --help`.
const checkUsage = `usage: hl7gate check [flags] FILE...

Runs the vital-sign checks over captured monitor traffic. Findings go to stdout
as JSON lines (file, message position, monitor, rule, values; never patient
data); problems with the input and a summary go to stderr.

Input, detected per file:
  gzip    any of the below, compressed (magic bytes 1f 8b; concatenated members too)
  MLLP    frames 0x0B ... 0x1C 0x0D (a 0x0B within the first 64 KiB); bytes
          between frames are skipped, a bare 0x1C ends a frame too
  text    messages one after another, segments ending in CR, LF or CR LF; a
          message starts at a line that begins with MSH
  FHS/BHS batches and several messages in one frame are split. A comment or
  other junk before the first MSH is skipped and reported; a truncated or
  oversized frame is reported and the rest of the file is read.

Monitors (--monitor): "device" (default) keys each monitor by the device
identity its messages carry: the first EUI-64 in an OBX-18 (equipment
instance), else an EUI-64 in MSH-3, else MSH-3 as sent together with the
file's source (a model name, not a device); a message without either belongs
to its file's source. So one file may hold several monitors
(an aggregating gateway, a merged capture) and one monitor may span several
files (a rotated capture; one named by MSH-3 alone when --source gives the
files one address). A file's source is still the connection its devices
came on: a device replacing the one it carried is reported
(identity_application); interleaving devices (a gateway's beds) are not.
"file" keys by source alone, as the gateway knows a
connection: each file is one monitor unless --source gives files the same
address (the checks still tell an aggregating gateway's beds apart by their
OBX-18 EUI-64s, as on the wire).

Arrival time (--arrival): "msh7" (default) takes MSH-7 for it; "order" takes
MSH-7 but never earlier than the monitor's previous message, so a message
arriving after another is never taken as older, and a re-send carrying an old
MSH-7 is judged as arriving now; a FILE is JSON lines
{"file":"mon-0001.hl7","message":1,"arrival":"2026-01-15T06:02:53.133Z"}
(message: 1-based position in the file; file: the path as given or its base
name; other fields are ignored, so hl7load's labels.jsonl works as it is);
messages it does not list are timed as with "order".

Rows not checked: the summary counts the numeric rows of codes the code table
does not know, and the rows of known parameters in units the unit table does
not know; --unknown lists those codes, most rows first, as lines of a
vitals.codes section (CODE@SENDER: OBX-3 component 1 @ MSH-3 component 1) to
fill in with the parameter each names, or to leave out, and those units as
lines of a vitals.units section (OBX-6 component 1, else 4, else 2), each
with the parameters it came on, to fill in with the canonical unit it stands
for. A unit the table knows for another quantity (a heart rate in "%") is no
unknown unit: its rows are reported as unit_mismatch findings.

Findings by rule: --rules counts them by rule, parameter and severity, most
first, per monitor-hour (each monitor's time from arrival to arrival, a
silence longer than an hour not counted, summed). On a
capture of normal traffic they are the false flags a unit would be alerted
on (with vitals.alert.send_r40); a rule's severity_for records one
parameter's as info instead, its severity those on the whole message (key
"-") (configs/vitals/quiet.yaml, docs/vitals.md "Fewer alerts").

Exit status: 0 when every file was read, with or without findings; problems
inside a file (junk, truncated frames, unreadable messages) are reported on
stderr and counted in the summary, not in the status, so one damaged capture
does not stop the others from being judged. 1 when a file cannot be opened or
read, or --arrival cannot be loaded; 2 on bad arguments.

Flags:
`

// checkCmd runs the vital-sign checks over captured traffic; checkUsage
// says what it reads and how it assigns monitors and arrival times.
func checkCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", stderr)
	cfgPath := fs.String("config", "", "YAML file whose vitals section configures the checks (default: the built-in defaults)")
	profile := fs.String("profile", "", "patient class of monitors no class configuration matches: adult, paediatric or neonatal (overrides the configuration)")
	sources := fs.StringArray("source", nil, "assumed monitor address: ADDR for every file, or FILE=ADDR for one (repeatable; default 127.0.1.1 for the first file, 127.0.1.2 for the second, ...)")
	keyBy := fs.String("monitor", "device", "what a monitor is: device (MSH-3/OBX-18 identity) or file (source address)")
	arrival := fs.String("arrival", "msh7", "arrival time: msh7, order, or a JSON-lines FILE of file/message/arrival")
	unknown := fs.Bool("unknown", false, "after the summary, list the codes and units of the rows not checked, most frequent first, as vitals.codes keys CODE@SENDER and vitals.units keys")
	byRule := fs.Bool("rules", false, "after the summary, count the findings by rule, parameter and severity, most first, per monitor-hour of the capture")
	fs.Usage = func() {
		fmt.Fprint(stderr, checkUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	if *keyBy != "device" && *keyBy != "file" {
		return fmt.Errorf("%w: --monitor %q: want device or file", errUsage, *keyBy)
	}
	cfg, err := loadVitalsConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *profile != "" {
		cfg.Profile = *profile
	}
	e, err := vitals.NewEngine(cfg)
	if err != nil {
		return err
	}
	assumed, err := parseSources(*sources, fs.Args())
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	c := checker{e: e, out: json.NewEncoder(stdout), stderr: stderr, byDevice: *keyBy == "device",
		monitors: map[string]*checkMonitor{}, appDevice: map[string]string{}, perSource: map[netip.Addr]int{},
		maxPerSrc: cfg.State.MaxPerSource}
	if *unknown {
		c.unknown = map[string]*unknownCode{}
		c.units = map[string]*unknownUnit{}
	}
	if *byRule {
		c.byRule = map[ruleCount]int{}
	}
	switch *arrival {
	case "msh7":
	case "order":
		c.order = true
	default:
		c.order = true // for messages the file does not list
		if c.arrivals, err = loadArrivals(*arrival); err != nil {
			return err
		}
	}
	for i, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		src, ok := assumed[name]
		if !ok {
			if src, err = fileSource(i); err != nil {
				return fmt.Errorf("%w: %v", errUsage, err)
			}
		}
		if err := c.file(name, src); err != nil {
			return err
		}
	}
	// Rows the tables cannot read are not checked: say how many, as the
	// gateway's metrics do, so a feed's unknown codes and units are seen.
	codes, units := c.e.Unrecognised()
	fmt.Fprintf(stderr, "%d files, %d messages, %d monitors, %d unreadable, %d findings; not checked: %d numeric rows of unknown codes, %d rows of unknown units\n",
		fs.NArg(), c.messages, len(c.monitors), c.unreadable, c.findings, codes, units)
	if c.unknown != nil {
		c.listUnknown()
		c.listUnknownUnits()
	}
	if c.byRule != nil {
		c.listRules()
	}
	if c.problems > 0 {
		fmt.Fprintf(stderr, "%d input problems (truncated frames, skipped or unreadable parts), listed above\n", c.problems)
	}
	if c.arrivals != nil && c.unlisted > 0 {
		fmt.Fprintf(stderr, "%d messages without an arrival time in %s, timed by order\n", c.unlisted, *arrival)
	}
	return nil
}

// fileSource is the default source address of the i-th file (from 0):
// 127.0.1.1 onwards through 127.255.255.255, so that files never share one.
func fileSource(i int) (netip.Addr, error) {
	n := 1<<8 + 1 + i // 127.0.1.1 is 0x000101
	if n >= 1<<24 {
		return netip.Addr{}, fmt.Errorf("more than %d files: give --source", 1<<24-1<<8-1)
	}
	return netip.AddrFrom4([4]byte{127, byte(n >> 16), byte(n >> 8), byte(n)}), nil
}

// parseSources reads the --source values: "ADDR" applies to every file,
// "FILE=ADDR" to one (and wins).
func parseSources(vals, files []string) (map[string]netip.Addr, error) {
	out := map[string]netip.Addr{}
	for _, v := range vals {
		name, addr, one := strings.Cut(v, "=")
		if !one {
			addr = name
		}
		a, err := netip.ParseAddr(addr)
		if err != nil {
			return nil, fmt.Errorf("--source %s: %w", v, err)
		}
		if one {
			out[name] = a
			continue
		}
		for _, f := range files {
			if _, set := out[f]; !set {
				out[f] = a
			}
		}
	}
	return out, nil
}

// loadVitalsConfig reads the vitals section of a YAML file (the gateway's
// configuration or one holding only that section) over the defaults,
// strictly: an unknown key is an error.
func loadVitalsConfig(path string) (vitals.Config, error) {
	vc := config.VitalsConfig{Enabled: true, Config: vitals.DefaultConfig()}
	if path == "" {
		return vc.Config, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return vc.Config, fmt.Errorf("config: %w", err)
	}
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(b)); err != nil {
		return vc.Config, fmt.Errorf("config %s: %w", path, err)
	}
	if sub := v.Sub("vitals"); sub != nil {
		if err := sub.UnmarshalExact(&vc, viper.DecodeHook(decodeHooks)); err != nil {
			return vc.Config, fmt.Errorf("config %s: vitals: %w", path, err)
		}
		// viper lowercases keys: vitals.codes and vitals.units again as
		// written, as loadConfig does (an OBX-3 code such as ALT4).
		var raw map[string]any
		if err := yaml.Unmarshal(b, &raw); err != nil {
			return vc.Config, fmt.Errorf("config %s: %w", path, err)
		}
		if node, ok := lookupFold(raw, "vitals"); ok {
			if m, ok := node.(map[string]any); ok {
				if err := keepKeyCase(reflect.ValueOf(&vc).Elem(), m, "vitals."); err != nil {
					return vc.Config, fmt.Errorf("config %s: %w", path, err)
				}
			}
		}
	}
	return vc.Config, vc.Config.Validate()
}

// checker runs the files through one Engine.
type checker struct {
	e         *vitals.Engine
	out       *json.Encoder
	stderr    io.Writer
	byDevice  bool                     // --monitor device
	order     bool                     // arrival never earlier than the monitor's previous message
	arrivals  map[arrivalKey]time.Time // --arrival FILE
	monitors  map[string]*checkMonitor // by monitorKey
	appDevice map[string]string        // MSH-3 → the one EUI-64 seen with it ("" when several)
	perSource map[netip.Addr]int       // monitors first seen from each file's source
	maxPerSrc int                      // vitals.state.max_per_source

	unknown     map[string]*unknownCode // --unknown: by vitals.codes key (vitals.CodesKey), else by OBX-3 and sender
	unknownRest int                     // --unknown: rows of codes past the bounds (maxUnknownCodes)
	units       map[string]*unknownUnit // --unknown: by vitals.units key (vitals.UnitsKey), else by OBX-6
	unitsRest   int                     // --unknown: rows of units past the bounds (maxUnknownCodes)
	byRule      map[ruleCount]int       // --rules: findings by rule, parameter and severity

	msg                            hl7.Message
	fs                             []vitals.Finding
	messages, unreadable, findings int
	problems, unlisted             int
}

// checkMonitor is what check keeps per monitor.
type checkMonitor struct {
	addr    netip.Addr // the Engine's key: 2001:db8::N, one per monitor
	last    time.Time  // arrival time of its previous message
	watched []stretch  // --rules: the stretches it was watched, in order, more than watchGap apart
}

// watchGap is the longest silence inside a stretch a monitor was watched
// (--rules): a transport, a probe off or a network outage within it is still
// the bed's time, as the corpora count a monitor's hours (with it, the clean
// monitors' watched time equals their labelled hours to 0.2 % on the first
// training seed of each generator; with vitals.state.idle_evict's 15 min it
// was 0.6–3.4 % short: review46f).
const watchGap = time.Hour

// stretch is a time a monitor was watched: its arrivals from..to, none more
// than watchGap after the one before.
type stretch struct{ from, to time.Time }

// watch adds an arrival at t to stretches (in order, more than idle apart)
// and returns them: t extends the stretch it lies within idle of, joining it
// to the next when it closes the silence between them, or begins one of its
// own. A message stamped years or hours off (a clock reset, a time zone, with
// --arrival msh7) is then a stretch of no length, not a monitor watched all
// that time, and a monitor off for a night is not watched through it;
// messages out of order (batches) still fall within their stretch.
func watch(stretches []stretch, t time.Time, idle time.Duration) []stretch {
	i, _ := slices.BinarySearchFunc(stretches, t, func(s stretch, t time.Time) int {
		if s.to.Add(idle).Before(t) {
			return -1
		}
		return 1
	}) // the first stretch that ends within idle before t, or later
	if i == len(stretches) || t.Before(stretches[i].from.Add(-idle)) {
		return slices.Insert(stretches, i, stretch{t, t})
	}
	s := &stretches[i]
	if t.Before(s.from) {
		s.from = t
	}
	if t.After(s.to) {
		s.to = t
		if i+1 < len(stretches) && !stretches[i+1].from.After(t.Add(idle)) {
			s.to = stretches[i+1].to
			stretches = slices.Delete(stretches, i+1, i+2)
		}
	}
	return stretches
}

// file checks every message of one capture, assumed to come from src. Only
// a file that cannot be opened is an error; what is wrong inside it is
// reported on stderr and the rest is read.
func (c *checker) file(name string, src netip.Addr) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	cr, err := newCaptureReader(f)
	if err != nil {
		c.problem(name, 0, err)
		return nil
	}
	defer cr.Close()
	n := 0
	for {
		chunk, err := cr.Next()
		var p *captureProblem
		switch {
		case errors.Is(err, io.EOF):
			if s := cr.Skipped(); s > 0 {
				fmt.Fprintf(c.stderr, "%s: %d bytes outside MLLP frames skipped\n", name, s)
			}
			return nil
		case errors.As(err, &p) && cr.Framed(): // a frame, though a broken one: it takes a position
			n++
			c.messages++
			c.unreadable++
			c.problems++
			fmt.Fprintf(c.stderr, "%s: message %d: %v\n", name, n, p)
			continue
		case errors.As(err, &p):
			c.problem(name, n, p)
			continue
		case err != nil:
			c.problem(name, n, fmt.Errorf("%w; the rest of the file is lost", err))
			return nil
		}
		switch chunkKind(chunk) {
		case chunkMessage:
			n++
			if err := c.message(name, n, chunk, src); err != nil {
				return err
			}
		case chunkJunk:
			c.problem(name, n, fmt.Errorf("%d bytes that are no message skipped", len(chunk)))
		}
	}
}

// problem reports something wrong with the input after message n of a file.
func (c *checker) problem(name string, n int, err error) {
	c.problems++
	if n == 0 {
		fmt.Fprintf(c.stderr, "%s: before the first message: %v\n", name, err)
		return
	}
	fmt.Fprintf(c.stderr, "%s: after message %d: %v\n", name, n, err)
}

func (c *checker) message(name string, n int, b []byte, src netip.Addr) error {
	c.messages++
	if err := c.msg.Parse(b); err != nil {
		c.unreadable++
		fmt.Fprintf(c.stderr, "%s: message %d: %v\n", name, n, err)
		return nil
	}
	key := c.monitorKey(src)
	mon := c.monitors[key]
	if mon == nil {
		k := len(c.monitors) + 1
		mon = &checkMonitor{addr: netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 8: byte(k >> 56), byte(k >> 48), byte(k >> 40), byte(k >> 32), byte(k >> 24), byte(k >> 16), byte(k >> 8), byte(k)})}
		c.monitors[key] = mon
		if c.perSource[src]++; c.perSource[src] == c.maxPerSrc+1 {
			// The file's source is a connection to the Engine, which keeps state for at most
			// max_per_source of its devices, as the gateway does for one address.
			fmt.Fprintf(c.stderr, "%s: message %d: more than %d devices from source %s (vitals.state.max_per_source): "+
				"beyond it the least settled lose their state; raise it with --config\n", name, n, c.maxPerSrc, src)
		}
	}
	at := c.arrival(name, n, mon)
	// The file's source is the connection: a device replacing the one it
	// carried is judged there (vitals.Engine.ObserveVia).
	codesBefore, unitsBefore := c.e.Unrecognised()
	c.fs = c.e.ObserveVia(src, mon.addr, &c.msg, at, c.fs[:0])
	if c.unknown != nil {
		// Only a message the engine read: a re-send (or a query, an ACK) it
		// skipped is not counted in the summary, so it is not listed either.
		codes, units := c.e.Unrecognised()
		if codes > codesBefore {
			c.e.UnknownCodes(&c.msg, c.noteUnknown)
		}
		if units > unitsBefore {
			c.e.UnknownUnits(&c.msg, c.noteUnknownUnit)
		}
	}
	for _, f := range c.fs {
		c.findings++
		if c.byRule != nil {
			c.byRule[ruleCount{f.Rule, f.Parameter, f.Severity}]++
		}
		err := c.out.Encode(checkFinding{File: name, Message: n, Monitor: key, Source: src.String(), Finding: findingjson.From(&f)})
		if err != nil {
			return err
		}
	}
	return nil
}

// monitorKey names the monitor that sent c.msg (see checkUsage): its device
// identity with --monitor device, else (and when it carries none) src.
func (c *checker) monitorKey(src netip.Addr) string {
	if !c.byDevice {
		return src.String()
	}
	app := string(c.msg.SendingApplication())
	if eui := deviceEUI(&c.msg); eui != "" {
		if app != "" {
			if known, seen := c.appDevice[app]; !seen {
				c.appDevice[app] = eui
			} else if known != eui {
				c.appDevice[app] = "" // a gateway of several devices: MSH-3 alone names none
			}
		}
		return eui
	}
	if app == "" {
		return src.String()
	}
	if eui := c.appDevice[app]; eui != "" {
		return eui
	}
	// MSH-3 without an EUI-64 names a model more often than a device (every
	// Spacelabs monitor sends ULTRAVIEW_SL, telling beds apart in MSH-4): on
	// the wire each such monitor has its own address, so here its file's
	// source stays part of its key. Monitors of one model in several files
	// are then not taken for one device that changed beds, patients and
	// clocks; files of one such monitor are joined by giving them one
	// --source.
	return "MSH-3 " + app + " from " + src.String()
}

// deviceEUI returns the device identity m carries (vitals.EUI64): the
// first EUI-64 in an OBX-18, else in MSH-3, or "", in upper case. An
// OBX-18 that is a bed label or a model name is passed over.
func deviceEUI(m *hl7.Message) string {
	d := m.Delimiters()
	for i := range m.NumSegments() {
		s := m.Segment(i)
		if string(s.Name()) != "OBX" {
			continue
		}
		if eui := vitals.EUI64(s.Field(18).Bytes(), d); eui != nil {
			return strings.ToUpper(string(eui))
		}
	}
	if s, ok := m.Find("MSH", 1); ok {
		return strings.ToUpper(string(vitals.EUI64(s.Field(3).Bytes(), d)))
	}
	return ""
}

// arrival returns when message n of file name arrived, per --arrival, and
// remembers it as mon's latest.
func (c *checker) arrival(name string, n int, mon *checkMonitor) time.Time {
	at, listed := time.Time{}, false
	if c.arrivals != nil {
		if at, listed = c.arrivals[arrivalKey{name, n}]; !listed {
			at, listed = c.arrivals[arrivalKey{filepath.Base(name), n}]
		}
		if !listed {
			c.unlisted++
		}
	}
	if !listed {
		var err error
		if at, err = c.msg.Time(); err != nil {
			at = mon.last // no usable MSH-7: the previous message's time
		}
		if c.order && at.Before(mon.last) {
			at = mon.last
		}
	}
	mon.last = at
	if c.byRule != nil {
		mon.watched = watch(mon.watched, at, watchGap)
	}
	return at
}

// arrivalKey names one message of a capture: its file and 1-based position.
type arrivalKey struct {
	file    string
	message int
}

// loadArrivals reads an --arrival file: JSON lines with "file", "message"
// and "arrival" (RFC 3339), other fields ignored; gzip-compressed or not.
func loadArrivals(path string) (map[arrivalKey]time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--arrival: %w", err)
	}
	defer f.Close()
	var rd io.Reader = bufio.NewReader(f)
	if magic, _ := rd.(*bufio.Reader).Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(rd)
		if err != nil {
			return nil, fmt.Errorf("--arrival %s: %w", path, err)
		}
		defer gz.Close()
		rd = gz
	}
	out := map[arrivalKey]time.Time{}
	sc := bufio.NewScanner(rd)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var l struct {
			File    string    `json:"file"`
			Message int       `json:"message"`
			Arrival time.Time `json:"arrival"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("--arrival %s:%d: %w", path, line, err)
		}
		if l.File == "" || l.Message < 1 || l.Arrival.IsZero() {
			return nil, fmt.Errorf("--arrival %s:%d: want file, message (from 1) and arrival", path, line)
		}
		out[arrivalKey{l.File, l.Message}] = l.Arrival
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--arrival %s: %w", path, err)
	}
	return out, nil
}

// The bounds of --unknown on a capture of ever new codes or units (a fault,
// or junk): at most maxUnknownCodes codes are kept, each of at most
// maxUnknownKey bytes of code and sender, with maxUnknownShown bytes of its
// OBX-3 and OBX-6, and as many units, each of at most maxUnknownKey bytes,
// with as much of an OBX-6; the rows of any other are counted on one line.
const (
	maxUnknownCodes = 10000
	maxUnknownKey   = 128
	maxUnknownShown = 80
)

// unknownCode is a code the tables do not know, as --unknown lists it.
type unknownCode struct {
	key         string // the vitals.codes key (CODE@SENDER, or CODE for no sender); "" when none can name it
	why         string // when key is "": why
	field, unit string // an OBX-3 and OBX-6 it came with, cut to maxUnknownShown bytes
	rows        int
}

// noteUnknown counts a numeric row of an unknown code (vitals.Engine.UnknownCodes).
func (c *checker) noteUnknown(app, code, unit hl7.Field) {
	key, why := vitals.CodesKey(app, code)
	id := key
	if key == "" { // no key names it: one line per OBX-3 and sender
		id = "\x00" + string(code.Bytes()) + "\x00" + string(app.Component(1).Bytes())
	}
	u, ok := c.unknown[id]
	if !ok {
		if len(id) > maxUnknownKey || len(c.unknown) >= maxUnknownCodes {
			c.unknownRest++
			return
		}
		u = &unknownCode{field: shown(code.Bytes()), unit: shown(unit.Bytes())}
		u.key, u.why = key, why
		c.unknown[id] = u
	}
	u.rows++
}

// unknownUnit is a unit the unit table does not know, as --unknown lists it.
type unknownUnit struct {
	key, why string   // the vitals.units key (vitals.UnitsKey); "" and why when none can name it
	unit     string   // an OBX-6 it came as, cut to maxUnknownShown bytes
	params   []string // the parameter keys it came on, in the order first seen
	rows     int
}

// noteUnknownUnit counts a row of a known parameter in an unknown unit
// (vitals.Engine.UnknownUnits).
func (c *checker) noteUnknownUnit(param string, unit hl7.Field) {
	key, why := vitals.UnitsKey(unit)
	id := key
	if key == "" { // no key names it: one line per OBX-6
		id = "\x00" + string(unit.Bytes())
	}
	u, ok := c.units[id]
	if !ok {
		if len(id) > maxUnknownKey || len(c.units) >= maxUnknownCodes {
			c.unitsRest++
			return
		}
		u = &unknownUnit{key: key, why: why, unit: shown(unit.Bytes())}
		c.units[id] = u
	}
	if !slices.Contains(u.params, param) {
		u.params = append(u.params, param)
	}
	u.rows++
}

// shown returns b for a YAML comment: cut to maxUnknownShown bytes, with
// what is not UTF-8 or is a control character (YAML refuses both) as '?'.
func shown(b []byte) string {
	s := strings.ToValidUTF8(string(b[:min(len(b), maxUnknownShown)]), "?")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

// ruleCount is what --rules counts findings by.
type ruleCount struct {
	rule, parameter string // parameter: the MDC reference ID, "" for a rule judging the whole message
	severity        vitals.Severity
}

// listRules writes the findings by rule, parameter and severity, most first,
// with their rate per monitor-hour of the capture (the time each monitor was
// watched, summed: its arrivals, a silence longer than watchGap not
// counted, see watch) and the key a
// vitals.rules section's severity_for takes for the parameter ("-" for a
// finding on the whole message, which the rule's severity sets): on a
// capture of normal traffic these are the false flags, and the operator
// sees which rules on which parameters make them.
func (c *checker) listRules() {
	var span time.Duration
	for _, m := range c.monitors {
		for _, s := range m.watched {
			span += s.to.Sub(s.from)
		}
	}
	hours := span.Hours()
	list := slices.Collect(maps.Keys(c.byRule))
	slices.SortFunc(list, func(a, b ruleCount) int {
		if n := c.byRule[b] - c.byRule[a]; n != 0 {
			return n
		}
		return cmp.Or(strings.Compare(a.rule, b.rule), strings.Compare(a.parameter, b.parameter), cmp.Compare(a.severity, b.severity))
	})
	fmt.Fprintf(c.stderr, "findings by rule and parameter (%d), most first, over %.1f monitor-hours: findings, per monitor-hour, rule, parameter key (severity_for), severity\n", len(list), hours)
	for _, r := range list {
		rate := "-"
		if hours > 0 {
			rate = strconv.FormatFloat(float64(c.byRule[r])/hours, 'f', 4, 64)
		}
		key, _ := vitals.ParameterKey(r.parameter)
		fmt.Fprintf(c.stderr, "  %7d  %8s  %-20s %-10s %s\n", c.byRule[r], rate, r.rule, cmp.Or(key, "-"), r.severity)
	}
}

// listUnknown writes the unknown codes, most rows first, as lines of a
// vitals.codes section an operator completes with each row's parameter. A
// key is quoted as Go quotes a valid UTF-8 string, which YAML reads back.
func (c *checker) listUnknown() {
	list := make([]*unknownCode, 0, len(c.unknown))
	for _, u := range c.unknown {
		list = append(list, u)
	}
	slices.SortFunc(list, func(a, b *unknownCode) int {
		if a.rows != b.rows {
			return b.rows - a.rows
		}
		if k := strings.Compare(a.key, b.key); k != 0 {
			return k
		}
		return strings.Compare(a.field, b.field)
	})
	fmt.Fprintf(c.stderr, "unknown codes (%d): name each that is a vital sign in vitals.codes (%s, cvp)\n", len(list), strings.Join(vitals.Parameters(), ", "))
	for _, u := range list {
		if u.key == "" {
			fmt.Fprintf(c.stderr, "  # %d rows, OBX-3 %s, OBX-6 %s: no vitals.codes key names it (%s)\n", u.rows, u.field, u.unit, u.why)
			continue
		}
		note := ""
		if code, _, _ := strings.Cut(u.key, "@"); code == vitals.PVCRateCode {
			note = " (the ECG's PVC rate, which the rhythm checks read as such: not a vital sign to name)"
		}
		fmt.Fprintf(c.stderr, "  %q: \"\"   # %d rows, OBX-3 %s, OBX-6 %s%s\n", u.key, u.rows, u.field, u.unit, note)
	}
	if c.unknownRest > 0 {
		fmt.Fprintf(c.stderr, "  # %d rows of other codes, not kept (over %d codes, or a code and sender over %d bytes)\n", c.unknownRest, maxUnknownCodes, maxUnknownKey)
	}
}

// listUnknownUnits writes the unknown units, most rows first, as lines of
// a vitals.units section an operator completes with the canonical unit each
// stands for, keyed and quoted as listUnknown keys codes.
func (c *checker) listUnknownUnits() {
	list := slices.Collect(maps.Values(c.units))
	slices.SortFunc(list, func(a, b *unknownUnit) int {
		if a.rows != b.rows {
			return b.rows - a.rows
		}
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.unit, b.unit))
	})
	fmt.Fprintf(c.stderr, "unknown units (%d): give each the canonical unit it stands for in vitals.units (%s)\n", len(list), strings.Join(c.e.CanonicalUnits(), ", "))
	for _, u := range list {
		on := strings.Join(u.params, "/")
		if u.key == "" {
			fmt.Fprintf(c.stderr, "  # %d rows of %s, OBX-6 %s: no vitals.units key names it (%s)\n", u.rows, on, u.unit, u.why)
			continue
		}
		fmt.Fprintf(c.stderr, "  %q: \"\"   # %d rows of %s, OBX-6 %s\n", u.key, u.rows, on, u.unit)
	}
	if c.unitsRest > 0 {
		fmt.Fprintf(c.stderr, "  # %d rows of other units, not kept (over %d units, or a unit over %d bytes)\n", c.unitsRest, maxUnknownCodes, maxUnknownKey)
	}
}
