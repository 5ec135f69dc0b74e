package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// driveConfig is one run of one scenario against one target.
type driveConfig struct {
	Target       string        // address the monitors connect to (a relay, or the station itself)
	Scenario     string        // closed, single, open or flood
	Monitors     int           // closed, open and flood: simultaneous monitors, each its own connection and source
	Duration     time.Duration // closed, open and flood: the timed window
	Warmup       time.Duration // closed, open and flood: traffic before the window, not counted
	Count        int           // single: messages timed
	WarmupMsgs   int           // single: messages sent first, not counted
	Rate         float64       // open and flood: messages per second per monitor
	IdleWait     time.Duration // open: quiet time after connecting, before the relay's idle RSS is read
	SrcNet       string        // first two octets of the monitors' source addresses: monitor i binds A.B.(i/250).(i%250+1)
	Flooders     int           // flood: connections sending large messages back to back, stop-and-wait
	FloodSources int           // flood: the flooders' source addresses (flooder k binds the (k mod this)th of FloodNet)
	FloodBytes   int           // flood: size of a flooder's message, without framing (at least)
	FloodNet     string        // flood: first two octets of the flooders' source addresses, as SrcNet
	AckTimeout   time.Duration // no answer in this time: unanswered, and the connection is closed
	RelayPID     int           // the relay whose CPU and memory are read from /proc (0: none)
	StationCtl   string        // the station's counter address (empty: lost is not checked)
	StationTag   string        // MSH-3 of the station's ACKs
	Name         string        // the target's name in the result
	Round        int
	Run          int // 4 digits in every MSH-10, so runs against one relay do not repeat IDs
}

// verdict is what one message got back.
type verdict int

const (
	vOK         verdict = iota // AA from the station, MSA-2 = MSH-10
	vNak                       // MSA-2 = MSH-10 but not AA: refused (by the station or the relay)
	vWrong                     // an answer for another control ID, or no MSA
	vForged                    // AA with the right MSA-2 that the station did not write (no tag)
	vUnanswered                // no answer in time, or the connection closed first
	vUnsent                    // no connection could be made
)

// tally counts one monitor's verdicts. The window counts are those of messages sent inside the timed
// window; sentAll and positives cover the whole run, for the station cross-check; warmupBad counts the
// warm-up's failures, which are the relay's failures too.
type tally struct {
	sent, ok, nak, wrong, forged, unanswered, unsent uint64
	sentAll, positives, reconnects, warmupBad        uint64
}

func (t *tally) add(o tally) {
	t.sent += o.sent
	t.ok += o.ok
	t.nak += o.nak
	t.wrong += o.wrong
	t.forged += o.forged
	t.unanswered += o.unanswered
	t.unsent += o.unsent
	t.sentAll += o.sentAll
	t.positives += o.positives
	t.reconnects += o.reconnects
	t.warmupBad += o.warmupBad
}

// monitor is one simulated bedside monitor: one connection from its own source address, one message in
// flight, its message pre-built.
type monitor struct {
	cfg      *driveConfig
	local    *net.TCPAddr
	t        *template
	v        vitals
	clock    *clock
	prefix   []byte // what the station's ACKs begin with
	conn     net.Conn
	fr       *frameReader
	deadline time.Time // the connection's deadline, moved forward once less than half the timeout is left
	tally    tally
	hist     *hist
	shared   bool // hist is shared with other monitors (open loop)
}

func newMonitor(cfg *driveConfig, idx int, c *clock, h *hist, shared bool) (*monitor, error) {
	ip, err := sourceIP(cfg.SrcNet, idx)
	if err != nil {
		return nil, err
	}
	return &monitor{cfg: cfg, local: &net.TCPAddr{IP: ip}, t: buildTemplate(idx, cfg.Run), v: newVitals(idx),
		clock: c, prefix: cfg.ackPrefix(), hist: h, shared: shared}, nil
}

// ackPrefix is what the station's ACKs begin with: their MSH up to MSH-3, the station's tag.
func (cfg *driveConfig) ackPrefix() []byte { return []byte("MSH|^~\\&|" + cfg.StationTag + "|") }

// floodIndex0 is the first flooder's monitor index (its EUI-64, patient and MSH-10 digits), far above the
// good monitors' so that no device identity or control ID is shared.
const floodIndex0 = 90000

// newFlooder is flooder k: a monitor whose messages are FloodBytes long, from the (k mod FloodSources)th
// address of FloodNet, so several connections share one source address as one device's would.
func newFlooder(cfg *driveConfig, k int, c *clock, h *hist) (*monitor, error) {
	ip, err := sourceIP(cfg.FloodNet, k%cfg.FloodSources)
	if err != nil {
		return nil, err
	}
	idx := floodIndex0 + k
	return &monitor{cfg: cfg, local: &net.TCPAddr{IP: ip}, t: buildFloodTemplate(idx, cfg.Run, cfg.FloodBytes),
		v: newVitals(idx), clock: c, prefix: cfg.ackPrefix(), hist: h}, nil
}

// sourceIP is monitor idx's loopback source address.
func sourceIP(srcNet string, idx int) (net.IP, error) {
	ip := net.ParseIP(srcNet + ".0.0").To4()
	if ip == nil || ip[0] != 127 || idx >= 250*256 {
		return nil, fmt.Errorf("source %s.x.y for monitor %d: want 127.B and fewer than 64000 monitors", srcNet, idx)
	}
	ip[2] = byte(idx / 250)
	ip[3] = byte(idx%250 + 1)
	return ip, nil
}

func (m *monitor) dial() error {
	d := net.Dialer{LocalAddr: m.local, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", m.cfg.Target)
	if err != nil {
		return err
	}
	m.conn = c
	if m.fr == nil {
		m.fr = newFrameReader(c)
	} else {
		m.fr.r, m.fr.lo, m.fr.hi = c, 0, 0
	}
	m.deadline = time.Time{}
	return nil
}

func (m *monitor) drop() {
	m.conn.Close()
	m.conn = nil
	m.tally.reconnects++
}

// exchange sends the next message, stamped, and waits for its answer.
func (m *monitor) exchange(now time.Time) verdict {
	if m.conn == nil {
		if err := m.dial(); err != nil {
			time.Sleep(10 * time.Millisecond) // a refused dial must not spin
			return vUnsent
		}
	}
	m.t.stamp(m.clock, &m.v)
	if m.deadline.Sub(now) < m.cfg.AckTimeout/2 {
		m.deadline = now.Add(m.cfg.AckTimeout)
		m.conn.SetDeadline(m.deadline)
	}
	if _, err := m.conn.Write(m.t.frame); err != nil {
		m.drop()
		return vUnanswered
	}
	ack, err := m.fr.next()
	if err != nil {
		m.drop()
		return vUnanswered
	}
	return judge(ack, m.t.controlID(), m.prefix)
}

// judge checks one answer: MSA-2 must be the message's MSH-10, MSA-1 AA, and a positive answer must be
// the station's own (its MSH begins with the station's tag).
func judge(ack, id, stationPrefix []byte) verdict {
	code, ctrl, ok := msaFields(ack)
	if !ok || !bytes.Equal(ctrl, id) {
		return vWrong
	}
	if string(code) != "AA" {
		return vNak
	}
	if !bytes.HasPrefix(ack, stationPrefix) {
		return vForged
	}
	return vOK
}

// record counts one message; its latency only when the station accepted it.
func (m *monitor) record(v verdict, counted bool, lat time.Duration) {
	t := &m.tally
	if v != vUnsent {
		t.sentAll++
	}
	if v == vOK || v == vForged {
		t.positives++
	}
	if !counted {
		if v != vOK && v != vForged { // a forged answer is counted as lost, over the whole run
			t.warmupBad++
		}
		return
	}
	if v == vUnsent {
		t.unsent++
		return
	}
	t.sent++
	switch v {
	case vOK:
		t.ok++
		if m.shared {
			m.hist.addAtomic(lat)
		} else {
			m.hist.add(lat)
		}
	case vNak:
		t.nak++
	case vWrong:
		t.wrong++
	case vForged:
		t.forged++
	case vUnanswered:
		t.unanswered++
	}
}

// closedLoop sends back to back until end, counting the messages sent from start on.
func (m *monitor) closedLoop(start, end time.Time) {
	for {
		t0 := time.Now()
		if !t0.Before(end) {
			return
		}
		v := m.exchange(t0)
		m.record(v, !t0.Before(start), time.Since(t0))
	}
}

// openLoop sends one message every period from first until end, whatever the answers' pace. Latency runs
// from the time a message was due, so a late answer also delays what the next message sees. So does the
// driver's own lateness (a sleeping goroutine wakes late): lag records it, due to write, so the report
// can say how much of the latency is the driver's.
func (m *monitor) openLoop(first time.Time, period time.Duration, start, end time.Time, lag *hist) {
	for k := time.Duration(0); ; k++ {
		due := first.Add(k * period)
		if !due.Before(end) {
			return
		}
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		now := time.Now()
		v := m.exchange(now)
		counted := !due.Before(start)
		m.record(v, counted, time.Since(due))
		if counted {
			lag.addAtomic(now.Sub(due))
		}
	}
}

// result is one run's line of output (JSON), read by `blind report`.
type result struct {
	Target          string  `json:"target"`
	Scenario        string  `json:"scenario"`
	Round           int     `json:"round"`
	Monitors        int     `json:"monitors"`
	WindowS         float64 `json:"window_s"`
	MsgBytes        int     `json:"msg_bytes"`
	Sent            uint64  `json:"sent"`
	OK              uint64  `json:"ok"`
	Nak             uint64  `json:"nak"`
	Wrong           uint64  `json:"wrong"`
	Forged          uint64  `json:"forged"`
	Unanswered      uint64  `json:"unanswered"`
	Unsent          uint64  `json:"unsent"`
	WarmupBad       uint64  `json:"warmup_bad"`       // warm-up messages refused, answered wrongly or not at all, or unsent
	Lost            int64   `json:"lost"`             // positive answers beyond the AAs the station wrote (-1: not checked)
	StationExtra    int64   `json:"station_extra"`    // messages the station received beyond those sent (re-sends)
	ConnectFailures int     `json:"connect_failures"` // the monitors' connections not made at the start (flood: not the flooders')
	Reconnects      uint64  `json:"reconnects"`
	MsgPerS         float64 `json:"msg_per_s"`
	P50us           float64 `json:"p50_us"`
	P99us           float64 `json:"p99_us"`
	P999us          float64 `json:"p999_us"`
	MaxUs           float64 `json:"max_us"`          // the slowest accepted message (closed, open, flood: its bucket's middle, within 1.6 %)
	SendLagP50us    float64 `json:"send_lag_p50_us"` // open: the driver's own lateness, due to write (in the latencies)
	SendLagP99us    float64 `json:"send_lag_p99_us"`
	RelayCPUus      float64 `json:"relay_cpu_us_per_msg"`    // -1 without a relay, and in flood (two sizes of message)
	RelayCPUPct     float64 `json:"relay_cpu_pct"`           // the relay's CPU in the window, % of one core (-1 without a relay)
	RelayPeakKiB    int64   `json:"relay_peak_rss_kib"`      // VmHWM at the end of the run
	RelayIdleKiB    float64 `json:"relay_idle_kib_per_conn"` // open only: RSS growth from connecting the monitors, per connection, after -idle-wait
	DriverCPUus     float64 `json:"driver_cpu_us_per_msg"`   // -1 in flood (two sizes of message), as the relay's
	// flood only: the flooders, counted apart from the monitors above (Sent … P999us are the monitors')
	FloodConns           int     `json:"flood_conns,omitempty"`
	FloodSources         int     `json:"flood_sources,omitempty"`
	FloodMsgBytes        int     `json:"flood_msg_bytes,omitempty"`
	FloodSent            uint64  `json:"flood_sent,omitempty"`
	FloodOK              uint64  `json:"flood_ok,omitempty"`
	FloodForged          uint64  `json:"flood_forged,omitempty"`
	FloodFailed          uint64  `json:"flood_failed,omitempty"` // refused, answered wrongly or not at all, or unsent, warm-up included
	FloodConnectFailures int     `json:"flood_connect_failures,omitempty"`
	FloodMsgPerS         float64 `json:"flood_msg_per_s,omitempty"`
	FloodMiBPerS         float64 `json:"flood_mib_per_s,omitempty"`
	FloodP50us           float64 `json:"flood_p50_us,omitempty"`
	FloodP99us           float64 `json:"flood_p99_us,omitempty"`
}

// bad is the number of messages, warm-up included, that did not get the station's AA, plus those falsely
// acknowledged (a forged answer is usually lost too: the larger of the two counts, not their sum).
func (r *result) bad() uint64 {
	return r.Nak + r.Wrong + r.Unanswered + r.Unsent + r.WarmupBad + uint64(r.ConnectFailures) + r.FloodFailed +
		uint64(r.FloodConnectFailures) + max(r.Forged+r.FloodForged, uint64(max(r.Lost, 0)))
}

// monitorsBad is the monitors' own share of bad (flood: not the flooders'), without the lost count, which
// the driver cannot attribute.
func (r *result) monitorsBad() uint64 {
	return r.Nak + r.Wrong + r.Unanswered + r.Unsent + r.WarmupBad + r.Forged + uint64(r.ConnectFailures)
}

// floodBad is the flooders' share of bad, without the lost count.
func (r *result) floodBad() uint64 {
	return r.FloodFailed + r.FloodForged + uint64(r.FloodConnectFailures)
}

func driveMain(args []string) error {
	cfg := driveConfig{}
	fs := flag.NewFlagSet("drive", flag.ExitOnError)
	fs.StringVar(&cfg.Target, "target", "127.0.0.1:12576", "address to send to")
	fs.StringVar(&cfg.Scenario, "scenario", "closed", "closed (N monitors back to back), single (one connection, K messages), open (M monitors at R msg/s each) or flood (open, beside flooders)")
	fs.IntVar(&cfg.Monitors, "monitors", 50, "monitors (closed, open, flood)")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "timed window (closed, open, flood)")
	fs.DurationVar(&cfg.Warmup, "warmup", time.Second, "traffic before the window (closed, open, flood)")
	fs.IntVar(&cfg.Count, "count", 20000, "messages timed (single)")
	fs.IntVar(&cfg.WarmupMsgs, "warmup-msgs", 1000, "messages before those timed (single)")
	fs.Float64Var(&cfg.Rate, "rate", 1, "messages per second per monitor (open, flood)")
	fs.DurationVar(&cfg.IdleWait, "idle-wait", 3*time.Second, "quiet time after connecting before the relay's RSS per idle connection is read (open)")
	fs.StringVar(&cfg.SrcNet, "src-net", "127.10", "first two octets of the monitors' source addresses")
	fs.IntVar(&cfg.Flooders, "flooders", 16, "connections sending large messages back to back (flood)")
	fs.IntVar(&cfg.FloodSources, "flood-sources", 4, "source addresses the flooders share (flood)")
	fs.IntVar(&cfg.FloodBytes, "flood-bytes", 1000000, "size of a flooder's message in bytes, framing not counted (flood)")
	fs.StringVar(&cfg.FloodNet, "flood-net", "127.11", "first two octets of the flooders' source addresses (flood)")
	fs.DurationVar(&cfg.AckTimeout, "ack-timeout", 5*time.Second, "no answer within this: unanswered")
	fs.IntVar(&cfg.RelayPID, "relay-pid", 0, "relay process whose CPU and RSS to read (0: none)")
	fs.StringVar(&cfg.StationCtl, "station-ctl", "", "station's counter address, for the lost check")
	fs.StringVar(&cfg.StationTag, "station-tag", "BLINDSTN", "MSH-3 the station writes in its ACKs")
	fs.StringVar(&cfg.Name, "name", "", "target name in the result")
	fs.IntVar(&cfg.Round, "round", 0, "round number in the result")
	fs.IntVar(&cfg.Run, "run", int(time.Now().UnixNano()/1e6%10000), "run number written into MSH-10")
	fs.Parse(args)
	r, err := drive(&cfg)
	if err != nil {
		return err
	}
	line, _ := json.Marshal(r)
	fmt.Println(string(line))
	fmt.Fprintf(os.Stderr, "%s %s: %.0f msg/s p50 %.1f µs p99 %.1f µs; ok %d nak %d wrong %d forged %d unanswered %d unsent %d lost %d warm-up bad %d\n",
		r.Target, r.Scenario, r.MsgPerS, r.P50us, r.P99us, r.OK, r.Nak, r.Wrong, r.Forged, r.Unanswered, r.Unsent, r.Lost, r.WarmupBad)
	if r.Scenario == "flood" {
		fmt.Fprintf(os.Stderr, "  flooders: %.1f msg/s %.1f MiB/s p50 %.1f ms; ok %d forged %d failed %d; relay CPU %s %% of a core\n",
			r.FloodMsgPerS, r.FloodMiBPerS, r.FloodP50us/1e3, r.FloodOK, r.FloodForged, r.FloodFailed,
			orDash(r.RelayCPUPct, r.RelayCPUPct >= 0))
	}
	return nil
}

// check refuses settings a scenario cannot run with.
func (cfg *driveConfig) check() error {
	flood := cfg.Scenario == "flood"
	switch {
	case !slices.Contains([]string{"closed", "single", "open", "flood"}, cfg.Scenario):
		return fmt.Errorf("scenario %q: want closed, single, open or flood", cfg.Scenario)
	case cfg.Scenario != "single" && (cfg.Monitors < 1 || cfg.Duration <= 0):
		return errors.New("-monitors and -duration must be positive")
	case (cfg.Scenario == "open" || flood) && cfg.Rate <= 0:
		return errors.New("-rate must be positive")
	case flood && (cfg.FloodSources < 1 || cfg.Flooders < cfg.FloodSources):
		return errors.New("-flood-sources must be positive and at most -flooders")
	case flood && (cfg.FloodBytes < 1000 || cfg.FloodBytes > maxFrame-1024):
		return fmt.Errorf("-flood-bytes must be 1000 to %d (the station reads frames up to 1 MiB)", maxFrame-1024)
	case cfg.Scenario == "single" && cfg.Count < 1:
		return errors.New("-count must be positive")
	case cfg.AckTimeout <= 0:
		return errors.New("-ack-timeout must be positive")
	}
	return nil
}

// drive runs one scenario and returns its result.
func drive(cfg *driveConfig) (*result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Name == "" {
		cfg.Name = cfg.Target
	}
	clk := newClock()
	before, err := stationCounts(cfg.StationCtl)
	if err != nil {
		return nil, err
	}
	shared := &hist{}
	mons, err := newMonitors(cfg, clk, shared)
	if err != nil {
		return nil, err
	}
	floods, err := newFlooders(cfg, clk)
	if err != nil {
		return nil, err
	}
	r := &result{Target: cfg.Name, Scenario: cfg.Scenario, Round: cfg.Round, Monitors: len(mons),
		MsgBytes: len(mons[0].t.frame) - 3, RelayCPUus: -1, RelayCPUPct: -1, Lost: -1}
	rss0, _ := relayMem(cfg.RelayPID)
	r.ConnectFailures, r.FloodConnectFailures = dialAll(mons), dialAll(floods)
	if cfg.Scenario == "open" { // only here: the others do not wait until the relay has taken the connections
		time.Sleep(cfg.IdleWait) // what "idle" means: connected and quiet this long
		if rss1, _ := relayMem(cfg.RelayPID); cfg.RelayPID > 0 && len(mons) > r.ConnectFailures {
			r.RelayIdleKiB = float64(rss1-rss0) / float64(len(mons)-r.ConnectFailures)
		}
	}
	var w window
	if cfg.Scenario == "single" {
		w = runSingle(cfg, mons[0])
	} else {
		w = runTimed(cfg, mons, floods)
	}
	closeAll(mons)
	closeAll(floods)
	t := gather(mons, shared)
	r.fill(t, w, shared, cfg.RelayPID > 0)
	if cfg.Scenario == "single" {
		r.setQuantiles(w.lat)
	}
	if len(floods) > 0 {
		fh := &hist{}
		ft := gather(floods, fh)
		r.fillFlood(cfg, ft, fh, w, len(floods[0].t.frame)-3)
		t.add(ft) // for the station's cross-check below
	}
	if cfg.StationCtl != "" {
		after, err := stationCounts(cfg.StationCtl)
		if err != nil {
			return nil, err
		}
		r.Lost = max(int64(t.positives)-int64(after.aa-before.aa), 0)
		r.StationExtra = max(int64(after.received-before.received)-int64(t.sentAll), 0)
	}
	if cfg.RelayPID > 0 {
		_, r.RelayPeakKiB, _ = procMemKiB(cfg.RelayPID)
	}
	return r, nil
}

// newMonitors builds the scenario's monitors (one for single). The open loop's and the flood's record
// into shared, concurrently; the closed loop's each into a histogram of their own, merged at the end.
func newMonitors(cfg *driveConfig, clk *clock, shared *hist) ([]*monitor, error) {
	n := cfg.Monitors
	if cfg.Scenario == "single" {
		n = 1
	}
	concurrent := cfg.Scenario == "open" || cfg.Scenario == "flood"
	mons := make([]*monitor, n)
	for i := range mons {
		h := shared
		if cfg.Scenario == "closed" {
			h = &hist{}
		}
		var err error
		if mons[i], err = newMonitor(cfg, i, clk, h, concurrent); err != nil {
			return nil, err
		}
	}
	return mons, nil
}

// newFlooders builds the flood scenario's flooders (none for the other scenarios), each with a histogram
// of its own.
func newFlooders(cfg *driveConfig, clk *clock) ([]*monitor, error) {
	if cfg.Scenario != "flood" {
		return nil, nil
	}
	floods := make([]*monitor, cfg.Flooders)
	for k := range floods {
		var err error
		if floods[k], err = newFlooder(cfg, k, clk, &hist{}); err != nil {
			return nil, err
		}
	}
	return floods, nil
}

func closeAll(ms []*monitor) {
	for _, m := range ms {
		if m.conn != nil {
			m.conn.Close()
		}
	}
}

// gather sums the monitors' tallies and merges their histograms into h (those that are not h already).
func gather(ms []*monitor, h *hist) tally {
	var t tally
	for _, m := range ms {
		t.add(m.tally)
		if m.hist != h {
			h.merge(m.hist)
		}
	}
	return t
}

func relayMem(pid int) (int64, error) {
	if pid <= 0 {
		return 0, nil
	}
	rss, _, err := procMemKiB(pid)
	return rss, err
}

// dialAll connects every monitor, 64 at a time (a listen backlog takes a burst, not thousands at once),
// and returns how many could not connect.
func dialAll(mons []*monitor) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	sem := make(chan struct{}, 64)
	for _, m := range mons {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := m.dial(); err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return failed
}

// window is what was measured around the timed part: its length, CPU times, and (single) latencies.
type window struct {
	seconds          float64
	relayCPU, ownCPU float64 // seconds spent inside the window
	lat              []time.Duration
	lag              hist // open: each message's send lag, from due to the driver's write
}

// cpuMark reads the relay's and the driver's CPU times at one instant.
type cpuMark struct{ relay, own float64 }

func markCPU(relayPID int) cpuMark {
	var c cpuMark
	if relayPID > 0 {
		c.relay, _ = procCPU(relayPID)
	}
	c.own, _ = procCPU(os.Getpid())
	return c
}

func (w *window) between(a, b cpuMark) {
	w.relayCPU = b.relay - a.relay
	w.ownCPU = b.own - a.own
}

// runTimed runs the closed or open loop, or the flood (the monitors' open loop beside the flooders' closed
// loop): every monitor and flooder from now, counted from now+warmup for duration.
func runTimed(cfg *driveConfig, mons, floods []*monitor) window {
	now := time.Now()
	start := now.Add(cfg.Warmup)
	end := start.Add(cfg.Duration)
	w := window{seconds: cfg.Duration.Seconds()}
	var wg sync.WaitGroup
	for i, m := range mons {
		switch cfg.Scenario {
		case "closed":
			wg.Go(func() { m.closedLoop(start, end) })
		case "open", "flood":
			period := time.Duration(float64(time.Second) / cfg.Rate)
			first := now.Add(period * time.Duration(i) / time.Duration(len(mons)))
			wg.Go(func() { m.openLoop(first, period, start, end, &w.lag) })
		}
	}
	for _, f := range floods {
		wg.Go(func() { f.closedLoop(start, end) })
	}
	time.Sleep(time.Until(start))
	a := markCPU(cfg.RelayPID)
	time.Sleep(time.Until(end))
	b := markCPU(cfg.RelayPID)
	wg.Wait()
	w.between(a, b)
	return w
}

// runSingle sends WarmupMsgs, then times Count messages one after the other on one connection.
func runSingle(cfg *driveConfig, m *monitor) window {
	for range cfg.WarmupMsgs {
		m.record(m.exchange(time.Now()), false, 0)
	}
	w := window{lat: make([]time.Duration, 0, cfg.Count)}
	a := markCPU(cfg.RelayPID)
	began := time.Now()
	for range cfg.Count {
		t0 := time.Now()
		v := m.exchange(t0)
		lat := time.Since(t0)
		m.record(v, true, lat)
		if v == vOK {
			w.lat = append(w.lat, lat)
		}
	}
	w.seconds = time.Since(began).Seconds()
	w.between(a, markCPU(cfg.RelayPID))
	return w
}

func (r *result) fill(t tally, w window, h *hist, relay bool) {
	r.WindowS = w.seconds
	r.Sent, r.OK, r.Nak, r.Wrong, r.Forged = t.sent, t.ok, t.nak, t.wrong, t.forged
	r.Unanswered, r.Unsent, r.Reconnects, r.WarmupBad = t.unanswered, t.unsent, t.reconnects, t.warmupBad
	if w.seconds > 0 {
		r.MsgPerS = float64(t.ok) / w.seconds
	}
	if relay && w.seconds > 0 {
		r.RelayCPUPct = 100 * w.relayCPU / w.seconds
	}
	if t.sent > 0 {
		if relay {
			r.RelayCPUus = w.relayCPU * 1e6 / float64(t.sent)
		}
		r.DriverCPUus = w.ownCPU * 1e6 / float64(t.sent)
	}
	r.P50us, r.P99us, r.P999us, r.MaxUs = us(h.quantile(0.5)), us(h.quantile(0.99)), us(h.quantile(0.999)), us(h.quantile(1))
	r.SendLagP50us, r.SendLagP99us = us(w.lag.quantile(0.5)), us(w.lag.quantile(0.99))
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }

// fillFlood adds the flooders' counts to a flood result. The relay's and the driver's CPU per message mean
// nothing over two sizes of message: the flood reports the relay's share of a core instead.
func (r *result) fillFlood(cfg *driveConfig, t tally, h *hist, w window, msgBytes int) {
	r.FloodConns, r.FloodSources, r.FloodMsgBytes = cfg.Flooders, cfg.FloodSources, msgBytes
	r.FloodSent, r.FloodOK, r.FloodForged = t.sent, t.ok, t.forged
	r.FloodFailed = t.nak + t.wrong + t.unanswered + t.unsent + t.warmupBad
	if w.seconds > 0 {
		r.FloodMsgPerS = float64(t.ok) / w.seconds
		r.FloodMiBPerS = r.FloodMsgPerS * float64(msgBytes) / (1 << 20)
	}
	r.FloodP50us, r.FloodP99us = us(h.quantile(0.5)), us(h.quantile(0.99))
	r.RelayCPUus, r.DriverCPUus = -1, -1
}

// setQuantiles replaces the histogram's quantiles with exact ones (single: every latency is kept).
func (r *result) setQuantiles(lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[min(int(p*float64(len(lat))), len(lat)-1)]) / 1e3 }
	r.P50us, r.P99us, r.P999us = q(0.5), q(0.99), q(0.999)
	r.MaxUs = float64(lat[len(lat)-1]) / 1e3
}

// stationCount is what the station counted: messages received, and AAs it wrote for them.
type stationCount struct{ received, aa uint64 }

// stationCounts reads the station's counters (zero when addr is empty).
func stationCounts(addr string) (stationCount, error) {
	var n stationCount
	if addr == "" {
		return n, nil
	}
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return n, fmt.Errorf("station counters: %w", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		return n, fmt.Errorf("station counters: %w", err)
	}
	line := strings.TrimSpace(string(b))
	if _, err := fmt.Sscanf(line, "received %d aa %d", &n.received, &n.aa); err != nil {
		return n, errors.New("station counters: unexpected line " + line)
	}
	return n, nil
}
