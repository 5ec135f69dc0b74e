package test

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// An egress attempt reaches a real rsyslogd as an egress_attempt with its CEF fields, and names the
// monitor's device by the deviceId its watchlist_hit carries, so that a SOC can join the two. No
// namespace is needed: a connection made straight to the sinkhole listener on loopback is recorded as
// one the nftables rules redirect there. The sinkhole resets every connection it takes, so the attempt
// is act=blocked although the configuration is in learning mode (in which the rules send only the
// watchlist there).
func TestExportEgressToRsyslog(t *testing.T) {
	testkit.NeedRsyslog(t, "")
	rs := testkit.NewRsyslog(t, nil)
	rs.Start()
	st := newStation(t, accept)
	cfg := baseConfig(st)
	// The rules derived from an egress configuration name every port: no port 0 here.
	cfg.Listeners[0].Address = freeLoopbackPort(t)
	cfg.Listeners = append(cfg.Listeners, config.ListenerConfig{Name: "intercept", Address: freeLoopbackPort(t),
		Mode: config.ModeIntercept, AllowSources: []string{"127.0.0.0/8"}})
	sinkhole := freeLoopbackPort(t)
	cfg.Egress = config.EgressConfig{Enabled: true, Learn: true, MonitorInterface: "mon0", HospitalInterface: "hosp0",
		MonitorNetworks: []string{"127.0.0.64/26"}, Sinkhole: sinkhole, SummaryInterval: time.Hour}
	cfg.Export.Syslog = []export.SyslogConfig{{Name: "soc", Address: rs.Addr(), Transport: "tcp", Hostname: "gw-e2e",
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}}
	g, _ := startGateway(t, cfg)

	// A CMS8000 on 127.0.0.70 sends one message (watchlist_hit), then tries another destination.
	const eui = "0009FBFFFF059322"
	src := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 70)}
	c, err := (&net.Dialer{LocalAddr: src}).Dial("tcp", g.ListenerAddr("icu").String())
	if err != nil {
		t.Fatal(err)
	}
	mon := &monitor{c: c, r: mllp.NewReader(c, 0), w: mllp.NewWriter(c)}
	if code, _, _ := mon.mustAck(t, deviceORU(eui, "Contec", "CMS8000", "CMS7.820.075.08/0.74(0.75)", "CMS1")); code != hl7.AA {
		t.Fatalf("CMS8000 message: %s", code)
	}
	c.Close()
	out, err := (&net.Dialer{LocalAddr: src}).Dial("tcp", sinkhole)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.Write([]byte("not HL7")); err != nil {
		t.Fatal(err)
	}
	if _, err := out.Read(make([]byte, 1)); err == nil {
		t.Fatal("the sinkhole did not close the connection")
	}
	out.Close()

	// station_up, watchlist_hit, egress_attempt.
	byKind := map[string]testkit.SyslogRecord{}
	for _, r := range rs.WaitLines(3) {
		byKind[r.MsgID] = r
	}
	_, hit := testkit.ParseCEF(t, byKind["watchlist_hit"].Msg)
	r, ok := byKind["egress_attempt"]
	if !ok {
		t.Fatalf("no egress_attempt: %v", byKind)
	}
	if r.PRI != "107" {
		t.Errorf("egress_attempt PRI %s, want 107 (facility 13, error: CEF severity 7)", r.PRI)
	}
	h, ext := testkit.ParseCEF(t, r.Msg)
	if h[5] != "Egress attempt from the monitor segment" || h[6] != "7" {
		t.Errorf("egress_attempt CEF header %q", h)
	}
	_, port, _ := net.SplitHostPort(sinkhole)
	for k, want := range map[string]string{"act": "blocked", "src": "127.0.0.70", "dst": "127.0.0.1", "dpt": port,
		"proto": "TCP", "cnt": "1", "cs1Label": "deviceId", "cs1": eui} {
		if ext[k] != want {
			t.Errorf("egress_attempt %s=%q, want %q (%v)", k, ext[k], want, ext)
		}
	}
	if msg, ok := ext["msg"]; ok {
		t.Errorf("egress_attempt msg=%q, want none (blocked, not HL7)", msg)
	}
	if ext["cs1"] != hit["cs1"] {
		t.Errorf("egress_attempt deviceId %q, watchlist_hit deviceId %q: the SOC cannot join them", ext["cs1"], hit["cs1"])
	}
	if _, err := strconv.ParseInt(ext["rt"], 10, 64); err != nil {
		t.Errorf("rt=%q", ext["rt"])
	}
}
