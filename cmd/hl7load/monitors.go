package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/hl7gate/hl7gate/internal/loadgen"
)

// fleetFlags are the flags shared by "monitors" and "run".
type fleetFlags struct {
	addr         string
	scenario     string
	relay        string
	n            int
	rate         float64
	idle         bool
	duration     time.Duration
	messages     int
	ramp         time.Duration
	size         string
	seed         uint64
	interval     time.Duration
	manipulation string
	manipulateAt int
	prebuilt     int
	manipulated  int
	ackTimeout   time.Duration
	sources      string
	tls          bool
	ca           string
	cert, key    string
	serverName   string
	pids         string
	json         bool
	progress     bool
	cpuProfile   string
}

func (o *fleetFlags) register(fs *flag.FlagSet, defaultAddr string) {
	fs.StringVar(&o.addr, "addr", defaultAddr, "`host:port` to connect the monitors to (gateway, relay or station); a comma-separated list spreads the monitors over several")
	fs.StringVar(&o.scenario, "scenario", "", "scenario name recorded in the report")
	fs.StringVar(&o.relay, "relay", "", "name of what is measured (e.g. hl7gate, haproxy, direct), recorded in the report")
	fs.IntVar(&o.n, "n", 50, "number of monitors, one connection each")
	fs.Float64Var(&o.rate, "rate", 0, "messages per second per monitor (open loop); 0 = closed loop, as fast as ACKs come")
	fs.BoolVar(&o.idle, "idle", false, "connect and hold the connections for --duration, send nothing")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of the measured phase (after --ramp); 0 = until --messages")
	fs.IntVar(&o.messages, "messages", 0, "messages per monitor; 0 = until --duration ends")
	fs.DurationVar(&o.ramp, "ramp", 0, "start the monitors one by one over this time, each sending from its start; only what is sent after it is measured")
	fs.StringVar(&o.size, "size", "default", "message size: default (unpadded simulator output, about 2 KB), 16k, or a byte count; padded with extra metric rows")
	fs.Uint64Var(&o.seed, "seed", 1, "simulator seed; monitor i uses seed+i")
	fs.DurationVar(&o.interval, "msg-interval", 0, "how far each message's timestamps advance (default 1/rate; 1s in closed loop)")
	fs.StringVar(&o.manipulation, "manipulation", "", "inject this manipulation of the vital-sign simulator into every monitor's stream (e.g. hr_step, frozen)")
	fs.IntVar(&o.manipulateAt, "manipulate-at", 0, "index (from 0) of the first manipulated message; 0 keeps the simulator's default, 35 to 45 simulated minutes in")
	fs.IntVar(&o.manipulated, "manipulated", 0, "only the first `K` monitors carry --manipulation; 0 = all of them")
	fs.IntVar(&o.prebuilt, "prebuilt", 0, "render `N` messages per monitor before sending and cycle through them, patching only MSH-10 in place (a light driver: no per-message formatting); with --manipulation only manipulated messages are kept")
	fs.DurationVar(&o.ackTimeout, "ack-timeout", 10*time.Second, "longest wait for a connect or an ACK")
	fs.StringVar(&o.sources, "sources", "", "local addresses to connect from, round robin: a list of IPs and ranges, e.g. 127.0.0.1-127.0.0.8")
	fs.BoolVar(&o.tls, "tls", false, "connect with TLS")
	fs.StringVar(&o.ca, "ca", "", "PEM `file` of CAs that sign the server certificate (default: system roots)")
	fs.StringVar(&o.cert, "cert", "", "PEM client certificate `file` (with --key)")
	fs.StringVar(&o.key, "key", "", "PEM client key `file`")
	fs.StringVar(&o.serverName, "server-name", "", "TLS server name (default: host of --addr)")
	fs.StringVar(&o.pids, "pid", "", "comma-separated `pids` of the relay process(es) to measure (CPU, RSS)")
	fs.BoolVar(&o.json, "json", false, "write the report as JSON")
	fs.BoolVar(&o.progress, "progress", false, "print a progress line every second even when stderr is not a terminal")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (the load generator) to `file`")
}

// fleet builds the Fleet the flags describe.
func (o *fleetFlags) fleet() (*loadgen.Fleet, error) {
	size, err := loadgen.ParseSize(o.size)
	if err != nil {
		return nil, err
	}
	kind, err := loadgen.ParseManipulation(o.manipulation)
	if err != nil {
		return nil, err
	}
	if o.manipulateAt < 0 || (o.manipulateAt > 0 && kind == "") {
		return nil, fmt.Errorf("--manipulate-at %d: want a positive message index, with --manipulation", o.manipulateAt)
	}
	if o.manipulated < 0 || (o.manipulated > 0 && kind == "") {
		return nil, fmt.Errorf("--manipulated %d: want a monitor count, with --manipulation", o.manipulated)
	}
	if o.prebuilt < 0 {
		return nil, fmt.Errorf("--prebuilt %d: want a message count, or 0 for messages formatted as they are sent", o.prebuilt)
	}
	content := loadgen.Content{Size: size, Seed: o.seed, Interval: o.interval, Manipulation: kind, ManipulateAt: o.manipulateAt, Manipulated: o.manipulated, Prebuilt: o.prebuilt}
	f := &loadgen.Fleet{
		Addrs:      strings.Split(o.addr, ","),
		Monitors:   o.n,
		Rate:       o.rate,
		Idle:       o.idle,
		Duration:   o.duration,
		Messages:   o.messages,
		Ramp:       o.ramp,
		Content:    content,
		AckTimeout: o.ackTimeout,
	}
	if f.Sources, err = parseSources(o.sources); err != nil {
		return nil, err
	}
	if o.tls {
		if f.TLS, err = o.tlsConfig(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (o *fleetFlags) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{ServerName: o.serverName, MinVersion: tls.VersionTLS12}
	if o.ca != "" {
		pool, err := loadPool(o.ca)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if o.cert != "" || o.key != "" {
		c, err := tls.LoadX509KeyPair(o.cert, o.key)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{c}
	}
	if cfg.ServerName == "" {
		first, _, _ := strings.Cut(o.addr, ",")
		host, _, err := net.SplitHostPort(first)
		if err != nil {
			return nil, fmt.Errorf("--addr: %w", err)
		}
		cfg.ServerName = host
	}
	return cfg, nil
}

// loadPool reads a PEM file of CA certificates.
func loadPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s: no PEM certificates", file)
	}
	return pool, nil
}

// parseSources reads "a,b-c": single addresses and inclusive ranges.
func parseSources(s string) ([]netip.Addr, error) {
	var out []netip.Addr
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := netip.ParseAddr(lo)
		if err != nil {
			return nil, fmt.Errorf("--sources %q: %w", item, err)
		}
		b := a
		if isRange {
			if b, err = netip.ParseAddr(hi); err != nil {
				return nil, fmt.Errorf("--sources %q: %w", item, err)
			}
		}
		if b.Less(a) || a.Is4() != b.Is4() {
			return nil, fmt.Errorf("--sources %q: not an ascending range", item)
		}
		for ; a.Compare(b) <= 0; a = a.Next() {
			if len(out) == 1<<16 {
				return nil, fmt.Errorf("--sources %q: more than 65536 addresses", s)
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// parsePIDs reads a comma-separated list of process IDs.
func parsePIDs(s string) ([]int, error) {
	var pids []int
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("--pid %q: not a process id", f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

func monitorsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hl7load monitors", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o fleetFlags
	o.register(fs, "127.0.0.1:2575")
	station := fs.String("station", "", "`URL` of the station's HTTP endpoint (hl7load station --http) to verify against, e.g. http://127.0.0.1:9200")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := o.fleet()
	if err != nil {
		return err
	}
	var records func(context.Context) ([]loadgen.Record, error)
	if *station != "" {
		records = func(ctx context.Context) ([]loadgen.Record, error) { return loadgen.FetchRecords(ctx, *station) }
	}
	return drive(ctx, &o, f, records, stdout, stderr)
}

// drive runs f while reporting progress, verifies against the station's
// records (when records is not nil) and writes the report.
func drive(ctx context.Context, o *fleetFlags, f *loadgen.Fleet, records func(context.Context) ([]loadgen.Record, error), stdout, stderr io.Writer) error {
	pids, err := parsePIDs(o.pids)
	if err != nil {
		return err
	}
	var watch *loadgen.ProcWatch
	if len(pids) > 0 {
		if watch, err = loadgen.WatchProcs(pids); err != nil {
			return err
		}
	}
	if o.cpuProfile != "" {
		pf, err := os.Create(o.cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
	}
	stopProgress := startProgress(f, stderr, o.progress)
	res, runErr := f.Run(ctx)
	stopProgress()
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if res == nil {
		return runErr
	}
	var gw *loadgen.ProcUsage
	if watch != nil {
		if gw, err = watch.Stop(); err != nil {
			return err
		}
	}
	var v *loadgen.Verification
	if records != nil && !f.Idle {
		// A fresh context: an interrupted run is still worth verifying.
		vctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		recs, err := records(vctx)
		cancel()
		if err != nil {
			return err
		}
		vv := loadgen.Verify(res.SentRecords, recs)
		v = &vv
	}
	rep := loadgen.NewReport(f, res, v, gw)
	rep.Scenario, rep.Relay = o.scenario, o.relay
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if runErr != nil {
		return runErr
	}
	if rep.Failed {
		return errFailed
	}
	return nil
}

// startProgress prints a progress line on w every second when w is a
// terminal, or always when force is set; the returned func stops it.
func startProgress(f *loadgen.Fleet, w io.Writer, force bool) (stop func()) {
	tty := isTerminal(w)
	if !tty && !force {
		return func() {}
	}
	end := "\n"
	if tty {
		end = "\r"
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		start := time.Now()
		var last loadgen.Progress
		for {
			select {
			case <-done:
				if tty {
					fmt.Fprintln(w)
				}
				return
			case now := <-t.C:
				p := f.Progress()
				fmt.Fprintf(w, "%6.0fs  conns %d  sent %d  acked %d  failed %d  %d msg/s   %s",
					now.Sub(start).Seconds(), p.Connected, p.Sent, p.Acked, p.Failed, p.Acked-last.Acked, end)
				last = p
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
