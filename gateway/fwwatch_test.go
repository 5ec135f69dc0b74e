package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/gateway/firewall"
	"github.com/hl7gate/hl7gate/gateway/store"
)

// fakeRules plays a firewall.Watcher: Check answers what the test put in next, Repair fails with
// repairErr or makes the next answers intact.
type fakeRules struct {
	next      firewall.Status
	repairErr error
	repaired  int
	installed int    // Install calls
	changed   bool   // what SetSpec answers
	onCheck   func() // called by each Check, when set
	hang      bool   // Check blocks until its context ends, as a hung nft does
}

func (r *fakeRules) Check(ctx context.Context) firewall.Status {
	if r.onCheck != nil {
		r.onCheck()
	}
	if r.hang {
		<-ctx.Done()
		return firewall.Status{State: firewall.Unknown, Detail: "cannot read the rules in force: nft: " + context.Cause(ctx).Error()}
	}
	return r.next
}
func (r *fakeRules) Repair(context.Context) error {
	if r.repairErr != nil {
		return r.repairErr
	}
	r.repaired++
	r.next = firewall.Status{State: firewall.Intact}
	return nil
}
func (r *fakeRules) Install(context.Context, firewall.Spec) error {
	r.installed++
	r.next = firewall.Status{State: firewall.Intact}
	return nil
}
func (r *fakeRules) SetSpec(firewall.Spec) (bool, error) { return r.changed, nil }

// value reads a gauge's or a counter's value.
func value(c prometheus.Metric) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	if m.Gauge != nil {
		return m.GetGauge().GetValue()
	}
	return m.GetCounter().GetValue()
}

// webhookSink collects the kinds and actions of the events an export webhook receives.
type webhookSink struct {
	mu  sync.Mutex
	got []string // "kind/action"
}

func (s *webhookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var e struct{ Kind, Action string }
	if err := json.NewDecoder(r.Body).Decode(&e); err == nil {
		s.mu.Lock()
		s.got = append(s.got, e.Kind+"/"+e.Action)
		s.mu.Unlock()
	}
}

func (s *webhookSink) events() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

// The watch's state machine: each change of state is one log line, one stored event and one exported
// event, and moves the gauges; the same state again (with the same or another detail, as counters
// counting or a repair failing again would give) is none of these, so nothing flaps. Missing, foreign and
// modified fail readiness; unknown does not, but is told once. A repair shows as the broken state and then
// "repaired"; a failing one keeps the state, says why in the readiness error, and is logged once.
func TestFWWatchTransitions(t *testing.T) {
	sink := &webhookSink{}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	x, err := export.New(export.Config{Webhook: []export.WebhookConfig{{Name: "soc", URL: srv.URL}}}, "test", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close(context.Background())
	st, err := store.New(100)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	fake := &fakeRules{}
	repair := false
	reg := prometheus.NewRegistry()
	f, err := newRulesWatch(fake, time.Second, func() bool { return repair }, zerolog.New(&logs), st, x, reg)
	if err != nil {
		t.Fatal(err)
	}

	step := func(name string, s firewall.State, detail string, times int, wantEvents, wantLogs []string, wantReady string) {
		t.Helper()
		before, beforeLogs := len(st.Events(store.KindFirewall, 0, 100)), strings.Count(logs.String(), "\n")
		for i := range times {
			fake.next = firewall.Status{State: s, Detail: fmt.Sprintf("%s %d", detail, i)}
			f.mu.Lock()
			f.checkLocked(t.Context())
			f.mu.Unlock()
		}
		evs := st.Events(store.KindFirewall, 0, 100)[before:]
		if len(evs) != len(wantEvents) {
			t.Fatalf("%s: %d events %+v, want %d", name, len(evs), evs, len(wantEvents))
		}
		for i, e := range evs {
			if got := e.Severity + " " + e.Reason; !strings.HasPrefix(got, wantEvents[i]) {
				t.Errorf("%s: event %q, want it to start with %q", name, got, wantEvents[i])
			}
		}
		lines := strings.Split(logs.String(), "\n")[beforeLogs:strings.Count(logs.String(), "\n")]
		if len(lines) != len(wantLogs) {
			t.Fatalf("%s: log lines %q, want %d", name, lines, len(wantLogs))
		}
		for i, l := range lines {
			if !strings.Contains(l, wantLogs[i]) {
				t.Errorf("%s: log line %q lacks %q", name, l, wantLogs[i])
			}
		}
		err := f.ready()
		if (err == nil) != (wantReady == "") || err != nil && !strings.Contains(err.Error(), wantReady) {
			t.Errorf("%s: ready() = %v, want %q", name, err, wantReady)
		}
		final := f.cur.State
		if got := value(f.intact); got != b2f(final == firewall.Intact) {
			t.Errorf("%s: hl7gate_firewall_intact %v in state %s", name, got, final)
		}
		for _, s := range fwStates {
			if got := value(f.state.WithLabelValues(string(s))); got != b2f(s == final) {
				t.Errorf("%s: hl7gate_firewall_state{state=%q} %v in state %s", name, s, got, final)
			}
		}
	}

	step("start intact", firewall.Intact, "", 3, nil, []string{`"level":"info","message":"nftables containment rules intact"`}, "")
	step("table deleted", firewall.Missing, "no table", 3,
		[]string{"critical nftables containment rules missing: no table 0"},
		[]string{`"level":"error","state":"missing","detail":"no table 0","severity":"critical","message":"nftables containment rules not intact"`},
		"nftables containment rules missing: no table 2")
	step("re-applied", firewall.Intact, "", 2, []string{"info nftables containment rules restored"},
		[]string{`"state":"intact","was":"missing","repaired":false`}, "")
	step("rule deleted", firewall.Modified, "line 9", 2, []string{"critical nftables containment rules modified: line 9 0"},
		[]string{`"state":"modified"`}, "nftables containment rules modified: line 9 1")
	step("other rules", firewall.Foreign, "digest", 1, []string{"critical nftables containment rules foreign: digest 0"},
		[]string{`"state":"foreign"`}, "nftables containment rules foreign")
	step("no permission", firewall.Unknown, "needs CAP_NET_ADMIN", 3,
		[]string{"warning nftables containment rules cannot be checked: needs CAP_NET_ADMIN 0"},
		[]string{`"level":"warn","state":"unknown"`}, "")
	step("readable again", firewall.Intact, "", 1, []string{"info nftables containment rules restored"}, []string{`"was":"unknown"`}, "")

	repair = true
	step("flushed, repaired", firewall.Missing, "no table", 1,
		[]string{"critical nftables containment rules missing", "info nftables containment rules repaired by hl7gate (egress.repair)"},
		[]string{`"state":"missing"`, `"state":"intact","was":"missing","repaired":true`}, "")
	if fake.repaired != 1 || value(f.repairs.WithLabelValues("applied")) != 1 {
		t.Errorf("repairs: %d, hl7gate_firewall_repairs_total{result=applied} %v; want 1",
			fake.repaired, value(f.repairs.WithLabelValues("applied")))
	}
	fake.repairErr = errors.New("nft: permission denied")
	step("repair fails", firewall.Modified, "line 3", 3,
		[]string{"critical nftables containment rules modified: line 3 0; repair failed: nft: permission denied"},
		[]string{`"error":"nft: permission denied","state":"modified","message":"nftables containment rules not repaired"`, `"state":"modified"`},
		"nftables containment rules modified: line 3 2; repair failed: nft: permission denied")
	if got := value(f.repairs.WithLabelValues("failed")); got != 3 {
		t.Errorf("hl7gate_firewall_repairs_total{result=failed} %v, want 3", got)
	}

	wantExport := []string{"firewall_altered/missing", "firewall_restored/restored", "firewall_altered/modified",
		"firewall_altered/foreign", "firewall_altered/unknown", "firewall_restored/restored", "firewall_altered/missing",
		"firewall_restored/repaired", "firewall_altered/modified"} // one per stored event
	deadline := time.Now().Add(10 * time.Second)
	for len(sink.events()) < len(wantExport) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling the sink, with a deadline
	}
	if got := sink.events(); strings.Join(got, " ") != strings.Join(wantExport, " ") {
		t.Errorf("exported %q, want %q", got, wantExport)
	}
}

// newTestWatch is a watch of fake with repair on, its events in a store, its exports nowhere.
func newTestWatch(t *testing.T, fake *fakeRules) (*fwWatch, *store.Store) {
	t.Helper()
	x, err := export.New(export.Config{}, "test", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close(context.Background()) })
	st, err := store.New(100)
	if err != nil {
		t.Fatal(err)
	}
	f, err := newRulesWatch(fake, time.Second, func() bool { return true }, zerolog.Nop(), st, x, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return f, st
}

// A repair that works does not fail readiness on its way: keepalived's check (fall 1) polls /readyz every
// second, and one 503 moves the address to the peer, which a repair is there to avoid. The broken state is
// still told (event, log line), readiness never sees it.
func TestFWWatchRepairStaysReady(t *testing.T) {
	fake := &fakeRules{}
	f, st := newTestWatch(t, fake)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checkLocked(t.Context())
	var during []error
	fake.onCheck = func() { during = append(during, f.ready()) }
	fake.next = firewall.Status{State: firewall.Missing, Detail: "no table inet hl7gate"}
	f.checkLocked(t.Context())
	for i, err := range during {
		if err != nil {
			t.Errorf("check %d of the repair: /readyz fails: %v", i+1, err)
		}
	}
	if len(during) != 2 || fake.repaired != 1 || f.ready() != nil {
		t.Errorf("%d checks, %d repairs, ready %v; want 2, 1, nil", len(during), fake.repaired, f.ready())
	}
	if evs := st.Events(store.KindFirewall, 0, 10); len(evs) != 2 || !strings.HasPrefix(evs[0].Reason, "nftables containment rules missing") {
		t.Errorf("events %+v, want the missing rules and their repair", evs)
	}
}

// A hung nft neither stops the checks nor holds the gateway (its start, a reload, its shutdown wait for the
// watch's lock): each check ends after f.timeout, as unknown, and the next one runs.
func TestFWWatchNftHangs(t *testing.T) {
	fake := &fakeRules{hang: true}
	f, st := newTestWatch(t, fake)
	f.timeout = 50 * time.Millisecond
	done := make(chan firewall.State, 1)
	go func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		done <- f.checkLocked(t.Context())
	}()
	select {
	case s := <-done:
		if s != firewall.Unknown || f.ready() != nil {
			t.Errorf("a hung check: %s, ready %v; want unknown, ready", s, f.ready())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the check still waits for a hung nft after 10 s")
	}
	if evs := st.Events(store.KindFirewall, 0, 10); len(evs) != 1 || !strings.Contains(evs[0].Reason, "no answer within 50ms") {
		t.Errorf("events %+v, want one naming the time nft had", evs)
	}
}

// A reload whose rules differ installs them, with egress.repair on, as its own change: no event (nothing
// was lost), /readyz ready throughout. With the same rules it installs nothing; with repair off it leaves
// them to `hl7gate firewall apply` and has the check look now (which then finds them foreign).
func TestFWWatchReloadInstalls(t *testing.T) {
	fake := &fakeRules{}
	f, st := newTestWatch(t, fake)
	f.mu.Lock()
	f.checkLocked(t.Context())
	f.mu.Unlock()
	fake.changed = true
	fake.onCheck = func() {
		if err := f.ready(); err != nil {
			t.Errorf("/readyz during the reload's install: %v", err)
		}
	}
	f.expect(t.Context(), firewall.Spec{})
	if fake.installed != 1 || f.ready() != nil {
		t.Errorf("changed rules, repair on: %d installs, ready %v; want 1, nil", fake.installed, f.ready())
	}
	if evs := st.Events(store.KindFirewall, 0, 10); len(evs) != 0 {
		t.Errorf("events %+v, want none", evs)
	}
	fake.changed = false
	f.expect(t.Context(), firewall.Spec{})
	f.repair = func() bool { return false }
	fake.changed = true
	<-f.poke
	f.expect(t.Context(), firewall.Spec{})
	if fake.installed != 1 || len(f.poke) != 1 {
		t.Errorf("same rules, then repair off: %d installs, %d checks asked for; want 1, 1", fake.installed, len(f.poke))
	}
}
