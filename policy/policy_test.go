package policy_test

import (
	"context"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// message parses an ORU^R01 whose MSH-3..6 and MSH-9 are given, with one heart-rate OBX.
func message(t testing.TB, sendApp, sendFac, recvApp, recvFac, typ string) *hl7.Message {
	t.Helper()
	raw := "MSH|^~\\&|" + sendApp + "|" + sendFac + "|" + recvApp + "|" + recvFac + "|20261125120000||" + typ +
		"|C1|P|2.6\rOBX|1|NM|8867-4^Heart rate^LN||72|/min|||||F\r"
	var m hl7.Message
	if err := m.Parse([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	return &m
}

var (
	stations  = []string{"central-a", "central-b", "lab"}
	listeners = []string{"icu", "ward", "intercept"}
	icuSrc    = netip.MustParseAddr("192.0.2.10")
	wardSrc   = netip.MustParseAddr("198.51.100.10")
)

// routes covers every kind of match; the first match wins.
func routes() []policy.RouteConfig {
	return []policy.RouteConfig{
		{Name: "lab-results", Match: policy.MatchConfig{MessageTypes: []string{"ORU^R01^ORU_R01"}, ReceivingApplications: []string{"LAB"}},
			Stations: []string{"lab"}},
		{Name: "icu-monitors", Match: policy.MatchConfig{Listeners: []string{"icu"}, Sources: []string{"192.0.2.0/24"},
			SendingApplications: []string{"MON"}, MessageTypes: []string{"ORU^R01"}},
			Stations: []string{"central-a", "central-b"}, AckFrom: policy.AckAll},
		{Name: "ward-adt", Match: policy.MatchConfig{Listeners: []string{"ward"}, SendingFacilities: []string{"WARD"},
			MessageTypes: []string{"ADT"}}, Stations: []string{"central-b"}},
	}
}

func TestRouter(t *testing.T) {
	r, err := policy.NewRouter(routes(), stations, listeners)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		listener string
		src      netip.Addr
		station  int
		msg      *hl7.Message
		route    string // "" for a drop
		to       []int
		ackFrom  string
		errCode  int // of a drop: HL7 table 0357
	}{
		{"icu monitor", "icu", icuSrc, -1, message(t, "MON", "ICU", "CENTRAL", "HOSP", "ORU^R01"), "icu-monitors", []int{0, 1}, policy.AckAll, 0},
		{"app matched by its first component", "icu", icuSrc, -1, message(t, "MON^0009FBFFFF059322^EUI-64", "ICU", "CENTRAL", "HOSP", "ORU^R01^ORU_R01"), "icu-monitors", []int{0, 1}, policy.AckAll, 0},
		{"first match wins", "icu", icuSrc, -1, message(t, "MON", "ICU", "LAB", "HOSP", "ORU^R01^ORU_R01"), "lab-results", []int{2}, policy.AckPrimary, 0},
		{"type matched by type alone", "ward", wardSrc, -1, message(t, "ADTAPP", "WARD", "CENTRAL", "HOSP", "ADT^A01"), "ward-adt", []int{1}, policy.AckPrimary, 0},
		// Intercepted: the original destination narrows the matching route to its station, never widens
		// what may pass.
		{"intercepted: the route narrowed to the original destination's station", "icu", icuSrc, 1, message(t, "MON", "ICU", "CENTRAL", "HOSP", "ORU^R01"), "icu-monitors", []int{1}, policy.AckPrimary, 0},
		{"intercepted: the first route that includes the station", "icu", icuSrc, 2, message(t, "MON", "ICU", "LAB", "HOSP", "ORU^R01^ORU_R01"), "lab-results", []int{2}, policy.AckPrimary, 0},
		{"intercepted: a type no route allows", "intercept", wardSrc, 2, message(t, "X", "Y", "Z", "W", "ADT^A08"), "", nil, "", hl7.CodeUnsupportedMessageType},
		{"intercepted: the allowlist of another listener", "intercept", icuSrc, 0, message(t, "MON", "ICU", "CENTRAL", "HOSP", "ORU^R01"), "", nil, "", hl7.CodeUnsupportedMessageType},
		{"intercepted: a station the matching route does not include", "icu", icuSrc, 2, message(t, "MON", "ICU", "CENTRAL", "HOSP", "ORU^R01"), "", nil, "", hl7.CodeUnsupportedMessageType},
		// Default deny: whatever matches no route is dropped.
		{"wrong listener", "ward", icuSrc, -1, message(t, "MON", "ICU", "CENTRAL", "HOSP", "ORU^R01"), "", nil, "", hl7.CodeUnsupportedMessageType},
		{"source outside the route's networks", "icu", wardSrc, -1, message(t, "MON", "ICU", "CENTRAL", "HOSP", "ORU^R01"), "", nil, "", hl7.CodeUnsupportedMessageType},
		{"other sending application", "icu", icuSrc, -1, message(t, "PUMP", "ICU", "CENTRAL", "HOSP", "ORU^R01"), "", nil, "", hl7.CodeUnsupportedMessageType},
		{"application matched only as a whole or first component", "icu", icuSrc, -1, message(t, "X^MON", "ICU", "CENTRAL", "HOSP", "ORU^R01"), "", nil, "", hl7.CodeUnsupportedMessageType},
		{"other trigger", "icu", icuSrc, -1, message(t, "MON", "ICU", "CENTRAL", "HOSP", "ORU^R30"), "", nil, "", hl7.CodeUnsupportedEvent},
		{"other structure", "icu", icuSrc, -1, message(t, "MON", "ICU", "LAB", "HOSP", "ORU^R01^ORU_R02"), "icu-monitors", []int{0, 1}, policy.AckAll, 0},
		{"other facility", "ward", wardSrc, -1, message(t, "ADTAPP", "ICU", "CENTRAL", "HOSP", "ADT^A01"), "", nil, "", hl7.CodeUnsupportedMessageType},
		{"station index out of range is not a route", "intercept", wardSrc, 3, message(t, "MON", "ICU", "CENTRAL", "HOSP", "ORU^R01"), "", nil, "", hl7.CodeUnsupportedMessageType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v policy.Verdict
			policy.Chain{r}.Evaluate(t.Context(), &policy.Request{Listener: tc.listener, Source: tc.src, Msg: tc.msg,
				Arrival: time.Now(), Station: tc.station}, &v)
			if tc.route == "" {
				if !v.Drop || v.By != "allowlist" || v.Code != hl7.AR || v.ErrorCode != tc.errCode || v.Route != nil ||
					!strings.HasPrefix(v.Reason, "no route to an allowlisted station") {
					t.Errorf("verdict %+v, want a default-deny drop by the allowlist", v)
				}
				return
			}
			if v.Drop || v.Route == nil {
				t.Fatalf("verdict %+v, want route %s", v, tc.route)
			}
			if v.Route.Name != tc.route || !reflect.DeepEqual(v.Route.Stations, tc.to) || v.Route.AckFrom != tc.ackFrom {
				t.Errorf("route %s to %v (ack from %s), want %s to %v (ack from %s)",
					v.Route.Name, v.Route.Stations, v.Route.AckFrom, tc.route, tc.to, tc.ackFrom)
			}
		})
	}
}

// An IPv4-mapped IPv6 source matches an IPv4 network.
func TestRouterMappedSource(t *testing.T) {
	r, err := policy.NewRouter(routes(), stations, listeners)
	if err != nil {
		t.Fatal(err)
	}
	var v policy.Verdict
	policy.Chain{r}.Evaluate(t.Context(), &policy.Request{Listener: "icu", Source: netip.AddrFrom16(icuSrc.As16()),
		Msg: message(t, "MON", "ICU", "CENTRAL", "HOSP", "ORU^R01"), Station: -1}, &v)
	if v.Drop || v.Route.Name != "icu-monitors" {
		t.Errorf("verdict %+v, want route icu-monitors", v)
	}
}

// A chain without a router denies everything; a drop ends the chain.
func TestChainDefaultDeny(t *testing.T) {
	msg := message(t, "MON", "ICU", "CENTRAL", "HOSP", "ORU^R01")
	req := &policy.Request{Listener: "icu", Source: icuSrc, Msg: msg, Station: -1}
	var v policy.Verdict
	policy.Chain{}.Evaluate(t.Context(), req, &v)
	if !v.Drop || v.By != "default-deny" || v.Code != hl7.AR || v.ErrorCode != hl7.CodeUnsupportedMessageType || v.Reason != "no route to an allowlisted station" {
		t.Errorf("empty chain: %+v, want a default-deny drop", v)
	}

	after := &countingCheck{}
	r, err := policy.NewRouter(routes(), stations, listeners)
	if err != nil {
		t.Fatal(err)
	}
	req.Listener = "ward" // no route
	policy.Chain{r, after}.Evaluate(t.Context(), req, &v)
	if !v.Drop || v.By != "allowlist" || after.n != 0 {
		t.Errorf("verdict %+v, checks after the drop ran %d times; want a drop by the allowlist, none", v, after.n)
	}
	req.Listener = "icu"
	policy.Chain{r, after}.Evaluate(t.Context(), req, &v)
	if v.Drop || after.n != 1 {
		t.Errorf("verdict %+v, checks after the route ran %d times; want a route, 1", v, after.n)
	}
}

// Evaluate resets the verdict it is given, keeping the findings' storage.
func TestEvaluateResets(t *testing.T) {
	r, err := policy.NewRouter(routes(), stations, listeners)
	if err != nil {
		t.Fatal(err)
	}
	v := policy.Verdict{Drop: true, By: "stale", Reason: "stale", Findings: make([]policy.Finding, 3, 8)}
	policy.Chain{r}.Evaluate(t.Context(), &policy.Request{Listener: "icu", Source: icuSrc,
		Msg: message(t, "MON", "ICU", "CENTRAL", "HOSP", "ORU^R01"), Station: -1}, &v)
	if v.Drop || v.By != "" || v.Reason != "" || len(v.Findings) != 0 || cap(v.Findings) != 8 {
		t.Errorf("verdict after reuse: %+v (findings cap %d)", v, cap(v.Findings))
	}
}

// countingCheck counts its calls and lets every message through.
type countingCheck struct{ n int }

func (*countingCheck) Name() string { return "count" }

func (c *countingCheck) Check(context.Context, *policy.Request, *policy.Verdict) { c.n++ }

// Every configuration problem is reported at once, each naming its key.
func TestNewRouterErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		routes []policy.RouteConfig
		want   []string
	}{
		{"none", nil, []string{"routes: at least one route is required (messages matching no route are rejected)"}},
		{"many", []policy.RouteConfig{
			{Name: "a", Stations: []string{"central-a"}},
			{Name: "a", Stations: []string{"nowhere"}, AckFrom: "some", Match: policy.MatchConfig{
				Listeners: []string{"lobby"}, Sources: []string{"192.0.2.0/33"}, MessageTypes: []string{"ORU^^X", ""}}},
			{Stations: nil},
		}, []string{
			`routes[1].name: "a" already used by routes[0]`,
			`routes[1].ack_from: "some" is not primary, all or any`,
			`routes[1].stations[0]: "nowhere" is not an allowlisted station`,
			`routes[1].match.listeners[0]: "lobby" is not a listener`,
			`routes[1].match.sources[0]: "192.0.2.0/33" is not a CIDR prefix`,
			`routes[1].match.message_types[0]: "ORU^^X" is not TYPE[^TRIGGER[^STRUCTURE]]`,
			`routes[1].match.message_types[1]: "" is not TYPE[^TRIGGER[^STRUCTURE]]`,
			"routes[2].name: required",
			"routes[2].stations: at least one station is required",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := policy.NewRouter(tc.routes, stations, listeners)
			if err == nil {
				t.Fatal("no error")
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// The vital-sign check only adds findings; the verdict is the router's.
func TestVitalsInChain(t *testing.T) {
	r, err := policy.NewRouter(routes(), stations, listeners)
	if err != nil {
		t.Fatal(err)
	}
	checks, err := policy.NewVitals(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var v policy.Verdict
	policy.Chain{r, checks}.Evaluate(t.Context(), &policy.Request{Listener: "icu", Source: icuSrc,
		Msg: message(t, "MON", "ICU", "CENTRAL", "HOSP", "ORU^R01"), Arrival: time.Now(), Station: -1}, &v)
	if v.Drop || v.Route == nil || v.Route.Name != "icu-monitors" {
		t.Errorf("verdict %+v, want route icu-monitors", v)
	}
	if out, ok := v.AppendAnnotated(nil, message(t, "MON", "ICU", "CENTRAL", "HOSP", "ORU^R01")); ok || out != nil {
		t.Errorf("AppendAnnotated without findings = %q, %v; want nothing", out, ok)
	}
}

// BenchmarkRoute is the routing of one message under test/bench's configuration: one route taking
// ORU^R01 and ORU^R40 to one station. The match reads MSH-3 to MSH-6 and MSH-9.
func BenchmarkRoute(b *testing.B) {
	r, err := policy.NewRouter([]policy.RouteConfig{{Name: "vitals", Match: policy.MatchConfig{MessageTypes: []string{"ORU^R01", "ORU^R40"}},
		Stations: []string{"central-a"}}}, stations, listeners)
	if err != nil {
		b.Fatal(err)
	}
	m := message(b, "MON^0009FBFFFF059322^EUI-64", "ICU", "CENTRAL", "HOSP", "ORU^R01^ORU_R01")
	req := policy.Request{Listener: "icu", Source: icuSrc, Msg: m, Station: -1}
	var v policy.Verdict
	b.ReportAllocs()
	for b.Loop() {
		v.Reset()
		r.Check(b.Context(), &req, &v)
		if v.Route == nil {
			b.Fatal("not routed")
		}
	}
}
