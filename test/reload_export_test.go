package test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/gateway/admin"
	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/inventory"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// A reload adds a syslog target (a real rsyslogd) and a watchlist entry that the monitor already
// connected matches: the device raises one critical watchlist event, which the new target receives, and
// /api/devices marks it; the monitor's connection carries on. Reloading the same file again raises
// nothing; a reload that removes the target sends it nothing more.
func TestReloadExportAndWatchlist(t *testing.T) {
	testkit.NeedRsyslog(t, "")
	rs := testkit.NewRsyslog(t, nil)
	rs.Start()
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Admin.Address = "127.0.0.1:0"
	g, logs := startGateway(t, cfg)

	const eui = "00A0C9FFFE000001"
	m := dialMonitor(t, g.ListenerAddr("icu"))
	if code, _, _ := m.mustAck(t, deviceORU(eui, "ACME", "M3", "4.2", "A1")); code != hl7.AA {
		t.Fatalf("before the reload: %s", code)
	}
	devices := func() []admin.Device {
		t.Helper()
		code, body := testkit.Get(t, "http://"+g.AdminAddr().String()+"/api/devices", "")
		var ds []admin.Device
		if err := json.Unmarshal([]byte(body), &ds); code != http.StatusOK || err != nil || len(ds) != 1 {
			t.Fatalf("/api/devices: %d %v\n%s", code, err, body)
		}
		return ds
	}
	if d := devices()[0]; d.Watchlist != nil {
		t.Fatalf("ACME M3 on the watchlist before the reload: %+v", d.Watchlist)
	}

	next := cfg
	next.Export.Syslog = []export.SyslogConfig{{Name: "soc", Address: rs.Addr(), Transport: "tcp", Hostname: "gw-reload"}}
	next.Inventory.Watchlist = []inventory.Entry{{Name: "acme-m3-old", Manufacturer: "ACME", Model: "M3*", Firmware: "4.*",
		Advisory: "ICSMA-00-000-00", CVEs: []string{"CVE-0000-0001"}, Note: "test entry"}}
	if err := g.Reload(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	recs := rs.WaitLines(1)
	if r := recs[0]; r.MsgID != "watchlist_hit" || r.PRI != "106" || r.Hostname != "gw-reload" {
		t.Fatalf("first record after the reload: %+v", r)
	}
	h, ext := testkit.ParseCEF(t, recs[0].Msg)
	delete(ext, "rt")
	if want := map[string]string{"act": "flagged", "src": "127.0.0.1",
		"cs1Label": "deviceId", "cs1": eui, "cs2Label": "listener", "cs2": "icu", "cs3Label": "rule", "cs3": "acme-m3-old",
		"cs4Label": "deviceModel", "cs4": "ACME / M3 / 4.2", "cs5Label": "advisory", "cs5": "ICSMA-00-000-00 CVE-0000-0001",
		"msg": "test entry"}; h[4] != "watchlist_hit" || h[6] != "10" || !maps.Equal(ext, want) {
		t.Errorf("watchlist_hit: header %q\n got %v\nwant %v", h, ext, want)
	}
	if d := devices()[0]; d.Watchlist == nil || d.Watchlist.Name != "acme-m3-old" || d.Watchlist.Advisory != "ICSMA-00-000-00" {
		t.Errorf("/api/devices after the reload: %+v", d)
	}
	// The same connection carries on; neither its messages nor reloading the same file raise the hit again.
	if code, _, _ := m.mustAck(t, deviceORU(eui, "ACME", "M3", "4.2", "A2")); code != hl7.AA {
		t.Fatalf("after the reload: %s", code)
	}
	if err := g.Reload(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := m.mustAck(t, deviceORU(eui, "ACME", "M3", "4.2", "A3")); code != hl7.AA {
		t.Fatalf("after the second reload: %s", code)
	}
	if evs := g.Store().Events(store.KindWatchlist, 0, 0); len(evs) != 1 || evs[0].Severity != "critical" ||
		evs[0].Rule != "acme-m3-old" || evs[0].Source != "127.0.0.1" || evs[0].Listener != "icu" {
		t.Errorf("watchlist events in the store: %+v", evs)
	}
	if n := strings.Count(logs.String(), `"device on the vulnerable-model watchlist"`); n != 1 {
		t.Errorf("%d watchlist log lines, want 1", n)
	}
	if !strings.Contains(logs.String(), `"export_targets_kept":1,"export_targets_started":0,"export_targets_retired":0`) {
		t.Errorf("the second reload did not keep the target:\n%s", logs)
	}

	// Without the target: a rejection after the reload is not sent to it; it was retired cleanly.
	if err := g.Reload(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := m.mustAck(t, withType(deviceORU(eui, "ACME", "M3", "4.2", "A4"), "ADT^A01^ADT_A01")); code != hl7.AR {
		t.Fatalf("ADT^A01 without a route: %s, want AR", code)
	}
	if d := devices()[0]; d.Watchlist != nil {
		t.Errorf("still marked after the entry was removed: %+v", d.Watchlist)
	}
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"export":"soc","sent":1,"dropped":0,"message":"export target retired"`) {
		t.Errorf("no retirement line for soc:\n%s", logs)
	}
	raw, err := os.ReadFile(rs.Out())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), "\n"); n != 1 || strings.Contains(string(raw), "policy_rejection") {
		t.Errorf("rsyslog got %d records, want the one watchlist hit:\n%s", n, raw)
	}
}
