package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/internal/loadgen"
	"github.com/hl7gate/hl7gate/internal/sim"
)

// demoCmd runs, in one process, a simulated central station, the gateway on its embedded default
// configuration and a few simulated monitors: clean ones, one that starts sending an impossible value
// after a few messages, one whose ECG heart rate is shifted without the pulse rate following (flagged once
// the disagreement has persisted for about a minute), and one sending a message type no route allows. It
// prints what happens.
func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	duration := fs.Duration("duration", 0, "stop after this long (default: until Ctrl-C)")
	monitors := fs.Int("monitors", 3, "clean simulated monitors")
	interval := fs.Duration("interval", time.Second, "time between a monitor's messages")
	verbose := fs.Bool("verbose", false, "show the gateway's own log lines")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	cfg, err := loadConfig("", nil, os.Environ())
	if err != nil {
		return err
	}
	cfg.Log.Format = "console"
	logOut := io.Discard
	if *verbose {
		logOut = stderr
	}

	// The central station the default configuration allowlists.
	st := loadgen.NewStation(loadgen.AckMode{Code: hl7.AA})
	ln, err := net.Listen("tcp", cfg.Stations[0].Address)
	if err != nil {
		return fmt.Errorf("simulated central station: %w (is another demo running?)", err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	stCtx, stopStation := context.WithCancel(context.Background())
	defer stopStation()
	wg.Go(func() { _ = st.Serve(stCtx, ln) })

	started := make(chan *gateway.Gateway, 1)
	gwDone := make(chan error, 1)
	go func() {
		gwDone <- serve(ctx, cfg, newLogger(cfg.Log, logOut), nil, func(g *gateway.Gateway) { started <- g })
	}()
	var g *gateway.Gateway
	select {
	case g = <-started:
	case err := <-gwDone:
		return err
	}
	addr := g.ListenerAddr(cfg.Listeners[0].Name).String()
	fmt.Fprintf(stdout, "hl7gate demo: monitors → hl7gate %s → central station %s; admin http://%s\n",
		addr, cfg.Stations[0].Address, cfg.Admin.Address)
	fmt.Fprintf(stdout, "%d clean monitors; 1 tampered to send an impossible value from its 5th message; 1 with its ECG heart rate\n"+
		"shifted from its 10th (flagged once the disagreement with the pulse rate persists); 1 sending ADT^A01 (no route: AR)\n\n", *monitors)

	var counts demoCounts
	start := time.Now()
	for i := range *monitors + 2 {
		kind, at := sim.None, 0
		switch i - *monitors {
		case 0:
			kind, at = sim.Range, 5
		case 1:
			kind, at = sim.HRStep, 10
		}
		m := sim.NewMonitor(sim.Options{ID: i + 1, Seed: uint64(i + 1), Start: start, Interval: *interval,
			Manipulation: kind, ManipulateAt: at})
		wg.Go(func() {
			demoMonitor(ctx, i+1, addr, *interval, &counts, func(dst []byte) []byte { b, _, _ := m.Next(dst); return b })
		})
	}
	rogue := sim.NewMonitor(sim.Options{ID: 99, Seed: 99, Start: start, Interval: *interval})
	wg.Go(func() {
		demoMonitor(ctx, 99, addr, 5**interval, &counts, func(dst []byte) []byte {
			b, _, _ := rogue.Next(dst)
			return bytes.Replace(b, []byte("ORU^R01^ORU_R01"), []byte("ADT^A01^ADT_A01"), 1)
		})
	})

	tick := time.NewTicker(3 * time.Second)
	defer tick.Stop()
	var seen uint64
	for {
		select {
		case <-ctx.Done():
			demoSummary(stdout, &counts, st, g)
			stopStation()
			return <-gwDone
		case <-tick.C:
			demoSummary(stdout, &counts, st, g)
			for _, e := range g.Store().Events("", seen, 0) {
				seen = e.ID
				demoEvent(stdout, e)
			}
		}
	}
}

type demoCounts struct {
	sent, aa, ar, ae, none atomic.Uint64
}

// demoMonitor behaves like a bedside monitor: one message, wait for its ACK, the next one an interval
// later; it reconnects when the connection drops. Monitor id connects from 127.0.0.<10+id>: on a real
// segment every monitor has its own address, and the gateway's per-monitor checks key on it.
func demoMonitor(ctx context.Context, id int, addr string, every time.Duration, n *demoCounts, next func([]byte) []byte) {
	var buf []byte
	var ack hl7.Message
	src := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(10+id))}
	for ctx.Err() == nil {
		d := net.Dialer{LocalAddr: src}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			sleepCtx(ctx, every)
			continue
		}
		r, w := mllp.NewReader(c, 0), mllp.NewWriter(c)
		stop := context.AfterFunc(ctx, func() { c.Close() })
		for ctx.Err() == nil {
			buf = next(buf[:0])
			if w.WriteFrame(buf) != nil {
				break
			}
			n.sent.Add(1)
			_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
			frame, err := r.ReadFrame()
			if err != nil {
				n.none.Add(1)
				break
			}
			code := hl7.AckCode("")
			if ack.Parse(frame) == nil {
				code, _, _ = hl7.ParseAck(&ack)
			}
			switch code {
			case hl7.AA, hl7.CA:
				n.aa.Add(1)
			case hl7.AR, hl7.CR:
				n.ar.Add(1)
			default:
				n.ae.Add(1)
			}
			sleepCtx(ctx, every)
		}
		stop()
		c.Close()
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func demoSummary(w io.Writer, n *demoCounts, st *loadgen.Station, g *gateway.Gateway) {
	findings := map[string]int{}
	for _, e := range g.Store().Events(store.KindVitals, 0, 0) {
		findings[e.Rule]++
	}
	var fs []string
	for rule, k := range findings {
		fs = append(fs, fmt.Sprintf("%s×%d", rule, k))
	}
	sort.Strings(fs)
	if len(fs) == 0 {
		fs = []string{"none"}
	}
	fmt.Fprintf(w, "[%s] sent %d · AA %d · AR %d · AE %d · no answer %d · station received %d · findings: %s\n",
		time.Now().Format(time.TimeOnly), n.sent.Load(), n.aa.Load(), n.ar.Load(), n.ae.Load(), n.none.Load(),
		st.Stats().Received, strings.Join(fs, ", "))
}

func demoEvent(w io.Writer, e store.Event) {
	switch e.Kind {
	case store.KindVitals:
		fmt.Fprintf(w, "    finding  %-8s %-16s %-22s msh10=%s  %s\n", e.Severity, e.Rule, e.Parameter, e.ControlID, e.Reason)
	default:
		fmt.Fprintf(w, "    %-8s %-8s source=%s msh10=%s  %s\n", e.Kind, e.Severity, e.Source, e.ControlID, e.Reason)
	}
}
