package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// checkMaxFrame bounds one MLLP frame of a capture.
const checkMaxFrame = 16 << 20

// checkFinding is one JSON line of `hl7gate check`: the finding and where
// in the input it was seen. It carries no patient data.
type checkFinding struct {
	File               string          `json:"file"`
	Message            int             `json:"message"` // 1-based position in the file
	Rule               string          `json:"rule"`
	Severity           vitals.Severity `json:"severity"`
	Kind               string          `json:"kind"`
	Source             string          `json:"source"`
	SendingApplication string          `json:"sending_application"`
	SendingFacility    string          `json:"sending_facility,omitempty"`
	Equipment          string          `json:"equipment,omitempty"`
	ControlID          string          `json:"control_id"`
	ObservedAt         time.Time       `json:"observed_at"`
	Parameter          string          `json:"parameter,omitempty"`
	Value              float64         `json:"value"`
	Other              float64         `json:"other"`
	Threshold          float64         `json:"threshold"`
	Explanation        string          `json:"explanation"`
	Action             vitals.Action   `json:"action"`
}

// checkCmd runs the vital-sign checks over captured traffic: files of
// MLLP-framed or plain CR/LF-separated messages. By default each file is one
// monitor, source 127.0.1.N for the N-th file; --source sets it, and --mixed
// treats every sending application (MSH-3, which usually carries the
// device's EUI-64) in a file as a monitor of its own. Offline there is no
// arrival time: MSH-7 stands in for it, so time_future and time_skew cannot
// fire. Findings go to stdout as JSON lines, a summary to stderr.
func checkCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", stderr)
	cfgPath := fs.String("config", "", "YAML file whose vitals section configures the checks (default: the built-in defaults)")
	profile := fs.String("profile", "", "range profile: adult or neonatal (overrides the configuration)")
	sources := fs.StringArray("source", nil, "assumed monitor address: ADDR for every file, or FILE=ADDR for one (repeatable)")
	mixed := fs.Bool("mixed", false, "files hold several monitors: group messages by sending application (MSH-3)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hl7gate check [flags] FILE...")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
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
	c := checker{e: e, out: json.NewEncoder(stdout), stderr: stderr, mixed: *mixed, senders: map[string]netip.Addr{}}
	for i, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		src, ok := assumed[name]
		if !ok {
			src = netip.AddrFrom4([4]byte{127, 0, 1, byte(i + 1)})
		}
		if err := c.file(name, src); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "%d files, %d messages, %d monitors, %d unreadable, %d findings\n",
		fs.NArg(), c.messages, e.Monitors(), c.unreadable, c.findings)
	return nil
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
	}
	return vc.Config, vc.Config.Validate()
}

// checker runs the files through one Engine.
type checker struct {
	e       *vitals.Engine
	out     *json.Encoder
	stderr  io.Writer
	mixed   bool
	senders map[string]netip.Addr // --mixed: MSH-3 → assigned source

	msg                            hl7.Message
	batch                          [][]byte
	last                           time.Time
	fs                             []vitals.Finding
	messages, unreadable, findings int
}

// file checks every message of one capture, assumed to come from src.
func (c *checker) file(name string, src netip.Addr) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	n := 0
	each := func(frame []byte) error {
		var err error
		if c.batch, err = hl7.SplitBatch(frame, c.batch); err != nil {
			n++
			c.unreadable++
			fmt.Fprintf(c.stderr, "%s: message %d: %v\n", name, n, err)
			return nil
		}
		for _, m := range c.batch {
			n++
			if err := c.message(name, n, m, src); err != nil {
				return err
			}
		}
		return nil
	}
	if bytes.IndexByte(b, 0x0b) < 0 { // no MLLP start block: plain messages, one after another
		return each(b)
	}
	r := mllp.NewReader(bytes.NewReader(b), checkMaxFrame)
	r.TolerateMissingCR = true
	for {
		frame, err := r.ReadFrame()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := each(frame); err != nil {
			return err
		}
	}
}

func (c *checker) message(name string, n int, b []byte, src netip.Addr) error {
	c.messages++
	if err := c.msg.Parse(b); err != nil {
		c.unreadable++
		fmt.Fprintf(c.stderr, "%s: message %d: %v\n", name, n, err)
		return nil
	}
	if c.mixed {
		app := string(c.msg.SendingApplication())
		a, ok := c.senders[app]
		if !ok {
			k := len(c.senders) + 1
			a = netip.AddrFrom4([4]byte{127, 2, byte(k >> 8), byte(k)})
			c.senders[app] = a
		}
		src = a
	}
	at, err := c.msg.Time()
	if err != nil {
		at = c.last // no usable MSH-7: the previous message's time
	}
	c.last = at
	c.fs = c.e.Observe(src, &c.msg, at, c.fs[:0])
	for _, f := range c.fs {
		c.findings++
		err := c.out.Encode(checkFinding{
			File: name, Message: n, Rule: f.Rule, Severity: f.Severity, Kind: f.Kind, Source: f.Source.String(),
			SendingApplication: f.SendingApplication, SendingFacility: f.SendingFacility, Equipment: f.Equipment,
			ControlID: f.ControlID, ObservedAt: f.ObservedAt, Parameter: f.Parameter,
			Value: f.Value, Other: f.Other, Threshold: f.Threshold, Explanation: f.Explanation, Action: f.Action,
		})
		if err != nil {
			return err
		}
	}
	return nil
}
