//go:build linux

package egress

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/gateway/firewall"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// marker stands for patient data in payloads; it must never show up in the store, the events or the logs.
const marker = "SECRETNAME-EGRESS-7f3a"

// recorderConfig is a valid configuration with egress on: an intercept listener and a station, the
// monitors on 192.0.2.0/24 and fd00:1::/64, one address added to the watchlist.
func recorderConfig() config.Config {
	return config.Config{
		Listeners: []config.ListenerConfig{
			{Name: "intercept", Address: "0.0.0.0:2576", Mode: config.ModeIntercept, AllowSources: []string{"192.0.2.0/24"}},
		},
		Stations: []config.StationConfig{{Name: "central", Address: "198.51.100.10:2575"}},
		Routes:   []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}},
		Egress: config.EgressConfig{
			Enabled: true, MonitorInterface: "mon0", HospitalInterface: "hosp0",
			MonitorNetworks: []string{"192.0.2.0/24", "fd00:1::/64"}, Sinkhole: "0.0.0.0:2577",
			Watchlist: []string{"203.0.113.119/32"},
		},
	}.WithDefaults()
}

// newRecorder builds a recorder for cfg with its own registry.
func newRecorder(t *testing.T, cfg config.Config, log zerolog.Logger, st *store.Store) *Recorder {
	t.Helper()
	e, err := New(cfg, log, st, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestLooksLikeHL7(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"\x0bMSH|^~\\&|", true},
		{"\x0b", true},
		{"MSH|", true},
		{"FHS|^~", true},
		{"BHS|^~", true},
		{"MSH", false},
		{"MSH^", false},
		{"GET / HTTP/1.1", false},
		{"\x05\x00\x3e", false}, // the CMS8000's own binary stream on TCP 515
		{"", false},
	} {
		if got := looksLikeHL7([]byte(tc.in)); got != tc.want {
			t.Errorf("looksLikeHL7(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	e := newRecorder(t, recorderConfig(), zerolog.Nop(), mustStore(t))
	mon, out, st := netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("203.0.113.50"), netip.MustParseAddr("198.51.100.10")
	for _, tc := range []struct {
		name string
		p    packet
		want attempt
		ok   bool
	}{
		{"udp from a monitor", packet{"hl7gate-egress:drop", 17, mon, out, 53},
			attempt{monitor: mon, protocol: "udp", peer: out, port: 53, verdict: firewall.Dropped}, true},
		{"watchlist rule", packet{"hl7gate-watchlist:drop", 1, mon, out, 0},
			attempt{monitor: mon, protocol: "icmp", peer: out, watchlist: true, verdict: firewall.Dropped}, true},
		{"to the host", packet{"hl7gate-input:accept", 6, mon, netip.MustParseAddr("192.0.2.1"), 22},
			attempt{monitor: mon, protocol: "tcp", peer: netip.MustParseAddr("192.0.2.1"), port: 22, verdict: firewall.Accepted}, true},
		{"unsolicited toward a monitor", packet{"hl7gate-inbound:drop", 17, out, mon, 4000},
			attempt{monitor: mon, protocol: "inbound-udp", peer: out, port: 4000, verdict: firewall.Dropped}, true},
		{"routed toward a monitor", packet{"hl7gate-forward:accept", 6, st, mon, 80},
			attempt{monitor: mon, protocol: "inbound-tcp", peer: st, port: 80, verdict: firewall.Accepted}, true},
		{"routed from a monitor", packet{"hl7gate-forward:accept", 6, mon, out, 443},
			attempt{monitor: mon, protocol: "tcp", peer: out, port: 443, verdict: firewall.Accepted}, true},
		{"other protocol", packet{"hl7gate-egress:drop", 47, mon, out, 0},
			attempt{monitor: mon, protocol: "gre", peer: out, verdict: firewall.Dropped}, true},
		{"unknown protocol", packet{"hl7gate-egress:drop", 253, mon, out, 0},
			attempt{monitor: mon, protocol: "ip-253", peer: out, verdict: firewall.Dropped}, true},
		{"rules of an older hl7gate", packet{firewall.PrefixEgress, 17, mon, out, 53},
			attempt{monitor: mon, protocol: "udp", peer: out, port: 53, verdict: firewall.VerdictUnknown}, true},
		{"someone else's prefix", packet{"other", 17, mon, out, 53}, attempt{}, false},
		{"someone else's verdict", packet{"hl7gate-egress:queue", 17, mon, out, 53}, attempt{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := e.classify(tc.p)
			if ok != tc.ok || got != tc.want {
				t.Errorf("classify = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// A storm of attempts, on a few pairs and on many, costs a bounded number of log lines; every attempt is
// counted in the store and the metrics.
func TestEgressRecorderStorm(t *testing.T) {
	logs := &testkit.LogBuffer{}
	st := mustStore(t)
	e := newRecorder(t, recorderConfig(), zerolog.New(logs), st)
	st.UpdateMonitor("intercept/192.0.2.10", func(mo store.Monitor) store.Monitor {
		mo.Source, mo.SendingApplication, mo.Equipment = "192.0.2.10", "CMS8000", "0009FBFFFF059322"
		return mo
	})
	mon := netip.MustParseAddr("192.0.2.10")
	const repeat, many = 3000, 500
	for i := range repeat {
		e.record(attempt{monitor: mon, protocol: "udp", peer: netip.MustParseAddr("203.0.113.119"), port: 53})
		e.record(attempt{monitor: mon, protocol: "tcp", peer: netip.MustParseAddr("198.51.100.99"), port: 515, looksLikeHL7: i == 7})
	}
	for i := range many { // a scan: one new pair per attempt
		e.record(attempt{monitor: mon, protocol: "udp", peer: netip.MustParseAddr("203.0.113.50"), port: uint16(1000 + i)})
	}
	e.summarize()
	e.summarize() // nothing changed since: no line

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if max := newPairLogBurst + 1; len(lines) > max {
		t.Fatalf("%d log lines for %d attempts, want at most %d", len(lines), 2*repeat+many, max)
	}
	var summary map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &summary); err != nil {
		t.Fatal(err)
	}
	if summary["message"] != "egress summary" || summary["attempts"] != float64(2*repeat-2) || summary["pairs"] != float64(2) ||
		summary["new_pairs"] != float64(many+2) || summary["new_pairs_not_logged"] != float64(many+2-newPairLogBurst) {
		t.Errorf("summary line: %v", summary)
	}

	byKey := map[string]store.Egress{}
	for _, a := range st.EgressAttempts() {
		byKey[a.Key] = a
	}
	if len(byKey) != many+2 {
		t.Fatalf("%d pairs stored, want %d", len(byKey), many+2)
	}
	dns := byKey[store.EgressKey(mon, "udp", netip.MustParseAddr("203.0.113.119"), 53)]
	if dns.Count != repeat || !dns.Watchlist || dns.Severity != "critical" || dns.SendingApplication != "CMS8000" || dns.Equipment != "0009FBFFFF059322" {
		t.Errorf("watchlisted pair: %+v", dns)
	}
	lpd := byKey[store.EgressKey(mon, "tcp", netip.MustParseAddr("198.51.100.99"), 515)]
	if lpd.Count != repeat || lpd.Watchlist || lpd.Severity != "warning" || !lpd.LooksLikeHL7 {
		t.Errorf("tcp 515 pair: %+v", lpd)
	}
	if evs := st.Events(store.KindEgress, 0, 0); len(evs) != many+2+2 {
		t.Errorf("%d egress events, want one per new pair (%d) and one per pair with repeats (2)", len(evs), many+2)
	}
	if got := counterValue(t, e, "udp", "true"); got != repeat {
		t.Errorf("udp watchlist counter = %v, want %d", got, repeat)
	}
	if got := counterValue(t, e, "udp", "false"); got != many {
		t.Errorf("udp counter = %v, want %d", got, many)
	}
}

// The sinkhole records each connection with its original destination and whether it starts like HL7,
// never its bytes, and resets it. Thousands of connections cost a few log lines.
//
// A connection is recorded before the sinkhole closes it, so once a client sees its connection closed
// the store holds it: every client waits for that, and no check polls.
func TestSinkhole(t *testing.T) {
	cfg := config.Config{
		Listeners: []config.ListenerConfig{{Name: "intercept", Address: "127.0.0.1:" + freePort(t), Mode: config.ModeIntercept,
			AllowSources: []string{"127.0.0.0/16"}}},
		Stations: []config.StationConfig{{Name: "central", Address: "127.1.0.10:2575"}},
		Routes:   []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}},
		Egress: config.EgressConfig{Enabled: true, MonitorInterface: "mon0", HospitalInterface: "hosp0",
			MonitorNetworks: []string{"127.0.0.0/16"}, Sinkhole: "127.0.0.1:" + freePort(t), SummaryInterval: time.Hour},
	}.WithDefaults()
	logs := &testkit.LogBuffer{}
	st := mustStore(t)
	e := newRecorder(t, cfg, zerolog.New(logs), st)
	if err := e.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	sink := cfg.Egress.Sinkhole
	dst := ap(sink)

	for i, tc := range []struct {
		name, payload string
		hl7           bool
	}{
		{"mllp", "\x0bMSH|^~\\&|CMS|ICU|||||ORU^R01|1|P|2.3\rPID|||1||" + marker + "\r\x1c\r", true},
		{"bare header", "MSH|^~\\&|" + marker, true},
		{"binary", "\x05\x00\x3e" + marker, false},
		{"silent", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Each case from its own loopback address: its own pair.
			src := netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + i)})
			d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, 0))}
			c, err := d.Dial("tcp", sink)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write([]byte(tc.payload)); err != nil {
				t.Fatal(err)
			}
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := c.Read(make([]byte, 1)); err == nil || n != 0 || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("sinkhole answered (%d bytes, %v); it must only close", n, err)
			}
			want := store.EgressKey(src, "tcp", dst.Addr(), dst.Port())
			got := egressPair(t, st, want)
			if got.LooksLikeHL7 != tc.hl7 || got.Count != 1 || got.Monitor != src.String() || got.Protocol != "tcp" || got.Destination != "127.0.0.1" || got.Port != dst.Port() {
				t.Errorf("recorded %+v", got)
			}
		})
	}

	// A storm: every connection counted, the log stays short. Each worker waits for the sinkhole to close
	// its connection before the next, so the accept queue never overflows (an overflowing queue drops
	// connections the sinkhole never sees) and every connection is recorded when the workers are done.
	const storm = 2000
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range storm / 8 {
				c, err := net.Dial("tcp", sink)
				if err != nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
				c.Write([]byte("xxxx"))
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, err = io.Copy(io.Discard, c)
				c.Close()
				if errors.Is(err, os.ErrDeadlineExceeded) {
					t.Errorf("worker %d: the sinkhole did not close a connection", w)
					return
				}
			}
		}()
	}
	wg.Wait()
	key := store.EgressKey(netip.MustParseAddr("127.0.0.1"), "tcp", dst.Addr(), dst.Port())
	if got := egressPair(t, st, key); got.Count != storm {
		t.Errorf("storm pair counted %d connections, want %d", got.Count, storm)
	}
	e.Close()
	var egressLines int
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"component":"egress"`) {
			egressLines++
		}
	}
	if egressLines != 5+1 { // one per new pair, the final summary
		t.Errorf("%d egress log lines for %d connections, want 6:\n%s", egressLines, storm+4, logs.String())
	}
	if !strings.Contains(logs.String(), `"message":"egress summary"`) {
		t.Errorf("no summary line at shutdown:\n%s", logs.String())
	}
	evs, _ := json.Marshal(st.Events("", 0, 0))
	att, _ := json.Marshal(st.EgressAttempts())
	for what, s := range map[string]string{"logs": logs.String(), "events": string(evs), "egress": string(att)} {
		if strings.Contains(s, marker) || strings.Contains(s, "MSH|") {
			t.Errorf("payload bytes in the %s: %s", what, s)
		}
	}
}

// egressPair returns the stored pair key, failing the test when there is none.
func egressPair(t *testing.T, st *store.Store, key string) store.Egress {
	t.Helper()
	for _, a := range st.EgressAttempts() {
		if a.Key == key {
			return a
		}
	}
	t.Fatalf("egress pair %s not recorded", key)
	return store.Egress{}
}

// counterValue reads hl7gate_egress_attempts_total{protocol, watchlist}.
func counterValue(t *testing.T, e *Recorder, protocol, watchlist string) float64 {
	t.Helper()
	var out dto.Metric
	if err := e.attempts.WithLabelValues(protocol, watchlist).Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.GetCounter().GetValue()
}

func mustStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.New(10000)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// listen opens a listener that the test closes at cleanup.
func listen(t *testing.T, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// freePort returns a loopback port that was free a moment ago: the firewall rules need real ports.
func freePort(t *testing.T) string {
	t.Helper()
	ln := listen(t, "127.0.0.1:0")
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// webhookExporter starts a webhook receiver on loopback and an exporter sending to it; each event arrives on
// the channel (buffered for n) as decoded JSON.
func webhookExporter(t *testing.T, n int) (*export.Exporter, chan map[string]any) {
	t.Helper()
	got := make(chan map[string]any, n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			t.Error(err)
		}
		got <- ev
	}))
	t.Cleanup(srv.Close)
	x, err := export.New(export.Config{Webhook: []export.WebhookConfig{{Name: "noc", URL: srv.URL}}}, "test", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return x, got
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// Each new pair is exported once, as an egress_attempt event (here to a real webhook on loopback); later
// attempts on the pair are not.
func TestEgressExport(t *testing.T) {
	x, got := webhookExporter(t, 10)
	e := newRecorder(t, recorderConfig(), zerolog.Nop(), mustStore(t))
	e.ExportTo(x)
	mon := netip.MustParseAddr("192.0.2.7")
	for range 3 {
		e.record(attempt{monitor: mon, protocol: "udp", peer: netip.MustParseAddr("203.0.113.119"), port: 53, watchlist: true, verdict: firewall.Dropped})
	}
	e.record(attempt{monitor: mon, protocol: "tcp", peer: netip.MustParseAddr("198.51.100.99"), port: 515, looksLikeHL7: true, verdict: firewall.Dropped})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := x.Close(ctx); err != nil {
		t.Fatal(err)
	}
	close(got)
	var evs []string
	for ev := range got {
		delete(ev, "time")
		delete(ev, "sequence")
		b, _ := json.Marshal(ev)
		evs = append(evs, string(b))
	}
	want := []string{
		`{"action":"blocked","count":1,"dst":"203.0.113.119:53","kind":"egress_attempt","name":"Egress attempt from the monitor segment","proto":"UDP","rule":"watchlist","severity":10,"src":"192.0.2.7"}`,
		`{"action":"blocked","count":1,"detail":"looks like HL7","dst":"198.51.100.99:515","kind":"egress_attempt","name":"Egress attempt from the monitor segment","proto":"TCP","severity":7,"src":"192.0.2.7"}`,
	}
	if strings.Join(evs, "\n") != strings.Join(want, "\n") {
		t.Errorf("exported:\n%s\nwant:\n%s", strings.Join(evs, "\n"), strings.Join(want, "\n"))
	}
}

// Repeats on known pairs are exported aggregated: one egress_attempt per pair and summary with the
// attempts since the last one in cnt (reason "repeated"), busiest first; a summary with nothing new sends
// nothing; beyond summaryMaxExport pairs the rest are summed up in one event (here to a real webhook on
// loopback).
func TestEgressExportRepeats(t *testing.T) {
	x, got := webhookExporter(t, summaryMaxExport+20)
	st := mustStore(t)
	e := newRecorder(t, recorderConfig(), zerolog.Nop(), st)
	e.ExportTo(x)
	mon := netip.MustParseAddr("192.0.2.7")
	nfs := attempt{monitor: mon, protocol: "tcp", peer: netip.MustParseAddr("203.0.113.119"), port: 2049, verdict: firewall.Dropped}
	other := attempt{monitor: mon, protocol: "udp", peer: netip.MustParseAddr("198.51.100.99"), port: 9999, verdict: firewall.Dropped}
	for range 5 {
		e.record(nfs)
	}
	for range 2 {
		e.record(other)
	}
	next := func() string {
		t.Helper()
		select {
		case ev := <-got:
			delete(ev, "time")
			delete(ev, "sequence")
			delete(ev, "name")
			b, _ := json.Marshal(ev)
			return string(b)
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
			return ""
		}
	}
	// The first attempt on each pair: its own event, as before.
	for range 2 {
		if ev := next(); !strings.Contains(ev, `"count":1,`) || strings.Contains(ev, "repeated") {
			t.Errorf("first attempt: %s", ev)
		}
	}
	e.summarize()
	detail := "repeats since the last summary (egress.summary_interval 1m0s)"
	for _, want := range []string{
		`{"action":"blocked","count":4,"detail":"` + detail + `","dst":"203.0.113.119:2049","kind":"egress_attempt","proto":"TCP","reason":"repeated","rule":"watchlist","severity":10,"src":"192.0.2.7"}`,
		`{"action":"blocked","count":1,"detail":"` + detail + `","dst":"198.51.100.99:9999","kind":"egress_attempt","proto":"UDP","reason":"repeated","severity":7,"src":"192.0.2.7"}`,
	} {
		if ev := next(); ev != want {
			t.Errorf("repeat summary:\n got %s\nwant %s", ev, want)
		}
	}
	e.summarize() // nothing since: nothing exported (checked below, after the next summary's events)
	// The repeats reach the event store too (and so the journal and the evidence bundle): one event per pair
	// and summary, none for the empty summary.
	var stored []string
	for _, ev := range st.Events(store.KindEgress, 0, 100) {
		stored = append(stored, fmt.Sprintf("%s %d %s", ev.Severity, ev.Count, ev.Reason))
	}
	if want := []string{
		"critical 0 blocked: tcp to 203.0.113.119 port 2049",
		"warning 0 blocked: udp to 198.51.100.99 port 9999",
		"critical 4 blocked: repeated, tcp to 203.0.113.119 port 2049, 4 attempts since the last summary",
		"warning 1 blocked: repeated, udp to 198.51.100.99 port 9999, 1 attempts since the last summary",
	}; !slices.Equal(stored, want) {
		t.Errorf("egress events:\n got %q\nwant %q", stored, want)
	}

	// summaryMaxExport+2 pairs with repeats: the busiest summaryMaxExport named, the last two summed up.
	for i := range summaryMaxExport + 2 {
		a := attempt{monitor: mon, protocol: "tcp", peer: netip.MustParseAddr("198.51.100.1"), port: uint16(1000 + i), verdict: firewall.Dropped}
		for range 2 + (summaryMaxExport + 2 - i) { // busiest first: the lower the port, the more attempts
			e.record(a)
		}
		if ev := next(); !strings.Contains(ev, fmt.Sprintf(`"dst":"198.51.100.1:%d"`, 1000+i)) {
			t.Fatalf("first attempt on pair %d: %s", i, ev)
		}
	}
	e.summarize()
	for i := range summaryMaxExport {
		if ev := next(); !strings.Contains(ev, fmt.Sprintf(`"count":%d,`, 1+summaryMaxExport+2-i)) ||
			!strings.Contains(ev, fmt.Sprintf(`"dst":"198.51.100.1:%d"`, 1000+i)) {
			t.Fatalf("repeat summary %d: %s", i, ev)
		}
	}
	if ev, want := next(), `{"count":5,"detail":"2 more pairs, not named (at most 100 per summary); `+detail+
		`","kind":"egress_attempt","reason":"repeated","severity":7}`; ev != want {
		t.Errorf("the rest:\n got %s\nwant %s", ev, want)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := x.Close(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-got:
		t.Errorf("an event more: %v", ev)
	default:
	}
	if st := x.Stats()["noc"]; st.Sent != 2+2+summaryMaxExport+2+summaryMaxExport+1 || st.Dropped != 0 {
		t.Errorf("webhook stats %+v", st)
	}
}

// SetWatchlist (a reload) changes which destinations are critical from the next attempt on.
func TestEgressSetWatchlist(t *testing.T) {
	st := mustStore(t)
	e := newRecorder(t, recorderConfig(), zerolog.Nop(), st)
	mon := netip.MustParseAddr("192.0.2.7")
	e.record(attempt{monitor: mon, protocol: "tcp", peer: netip.MustParseAddr("203.0.113.50"), port: 80})
	e.SetWatchlist([]netip.Prefix{netip.MustParsePrefix("203.0.113.50/32")})
	e.record(attempt{monitor: mon, protocol: "tcp", peer: netip.MustParseAddr("203.0.113.50"), port: 81})
	e.record(attempt{monitor: mon, protocol: "tcp", peer: netip.MustParseAddr("203.0.113.119"), port: 82}) // no longer listed
	e.record(attempt{monitor: mon, protocol: "tcp", peer: netip.MustParseAddr("202.114.4.119"), port: 83}) // built in
	want := map[uint16]bool{80: false, 81: true, 82: false, 83: true}
	got := map[uint16]bool{}
	for _, p := range st.EgressAttempts() {
		got[p.Port] = p.Watchlist
	}
	if !maps.Equal(got, want) {
		t.Fatalf("watchlist flags by port %v, want %v", got, want)
	}
}

// The verdict of each record is the one its rule logged, not the configuration's egress.learn: the
// gateway below was started in learning mode, and a reload may flip the mode before or after the rules
// change. Repeats of one pair under two verdicts (the rules changed within a summary interval) are
// summed up apart, each with its own verdict.
func TestEgressVerdictFromRules(t *testing.T) {
	x, got := webhookExporter(t, 10)
	cfg := recorderConfig()
	cfg.Egress.Learn = true
	st := mustStore(t)
	e := newRecorder(t, cfg, zerolog.Nop(), st)
	e.ExportTo(x)
	mon, out := netip.MustParseAddr("192.0.2.7"), netip.MustParseAddr("203.0.113.50")
	for _, prefix := range []string{"hl7gate-egress:drop", "hl7gate-forward:accept", "hl7gate-forward:accept", "hl7gate-egress:drop",
		"hl7gate-egress:drop", "hl7gate-input:accept"} {
		port := uint16(53)
		if strings.HasPrefix(prefix, "hl7gate-input") {
			port = 54
		}
		a, ok := e.classify(packet{prefix: prefix, protocol: 17, src: mon, dst: out, dstPort: port})
		if !ok {
			t.Fatalf("classify(%q) refused", prefix)
		}
		e.record(a)
	}
	e.summarize()
	var stored []string
	for _, ev := range st.Events(store.KindEgress, 0, 100) {
		stored = append(stored, ev.Reason)
	}
	if want := []string{
		"blocked: udp to 203.0.113.50 port 53",
		"allowed (learning mode): udp to 203.0.113.50 port 54",
		"blocked: repeated, udp to 203.0.113.50 port 53, 2 attempts since the last summary",
		"allowed (learning mode): repeated, udp to 203.0.113.50 port 53, 2 attempts since the last summary",
	}; !slices.Equal(stored, want) {
		t.Errorf("egress events:\n got %q\nwant %q", stored, want)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := x.Close(ctx); err != nil {
		t.Fatal(err)
	}
	close(got)
	var acts []string
	for ev := range got {
		acts = append(acts, fmt.Sprintf("%v %v %v", ev["action"], ev["dst"], ev["count"]))
	}
	slices.Sort(acts)
	if want := []string{"allowed 203.0.113.50:53 2", "allowed 203.0.113.50:54 1", "blocked 203.0.113.50:53 1", "blocked 203.0.113.50:53 2"}; !slices.Equal(acts, want) {
		t.Errorf("exported act, dst, cnt: %q, want %q", acts, want)
	}
}

// Inbound traffic (toward a monitor) is exported and stored as it went: from the sender to the monitor's
// port. The pair is still the monitor's, so /api/egress and the dashboard group it under the monitor.
func TestEgressInbound(t *testing.T) {
	x, got := webhookExporter(t, 10)
	st := mustStore(t)
	e := newRecorder(t, recorderConfig(), zerolog.Nop(), st)
	e.ExportTo(x)
	mon, prober := netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("203.0.113.119")
	a, ok := e.classify(packet{prefix: "hl7gate-inbound:drop", protocol: 6, src: prober, dst: mon, dstPort: 22})
	if !ok {
		t.Fatal("inbound packet not classified")
	}
	e.record(a)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := x.Close(ctx); err != nil {
		t.Fatal(err)
	}
	ev := <-got
	delete(ev, "time")
	delete(ev, "sequence")
	delete(ev, "name")
	b, _ := json.Marshal(ev)
	if want := `{"action":"blocked","count":1,"dst":"192.0.2.10:22","kind":"egress_attempt","proto":"INBOUND-TCP","rule":"watchlist","severity":10,"src":"203.0.113.119"}`; string(b) != want {
		t.Errorf("exported\n got %s\nwant %s", b, want)
	}
	pairs := st.EgressAttempts()
	if len(pairs) != 1 || pairs[0].Monitor != "192.0.2.10" || pairs[0].Source != "203.0.113.119" || pairs[0].Destination != "192.0.2.10" ||
		pairs[0].Port != 22 || pairs[0].Protocol != "inbound-tcp" || !pairs[0].Watchlist {
		t.Errorf("stored %+v", pairs)
	}
	if evs := st.Events(store.KindEgress, 0, 10); len(evs) != 1 || evs[0].Source != "192.0.2.10" ||
		evs[0].Reason != "blocked: inbound-tcp from 203.0.113.119 to port 22" {
		t.Errorf("events %+v", evs)
	}
}
