package test

import (
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/admin"
	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// deviceORU is a PCD-01 ORU^R01 whose MSH-3, MDS row (OBX-18) and IEEE 11073 product rows name the
// device. Its PID carries the recognisable fake patient the tests look for in every output.
func deviceORU(eui, manufacturer, model, firmware, ctrl string) []byte {
	return []byte(strings.Join([]string{
		"MSH|^~\\&|" + model + "^" + eui + "^EUI-64|ICU|CENTRAL|HOSP|20261125120000||ORU^R01^ORU_R01|" + ctrl + "|P|2.6|||NE|AL",
		"PID|||MRN12345^^^HOSP^MR||SECRETNAME^PATIENT||19700101|F",
		"OBR|1|||182777000^monitoring of patient^SCT|||20261125120000",
		"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||" + eui + "^^" + eui + "^EUI-64",
		"OBX|2|ST|531970^MDC_ID_MODEL_MANUFACTURER^MDC|1.0.0.1|" + manufacturer + "||||||R",
		"OBX|3|ST|531969^MDC_ID_MODEL_NUMBER^MDC|1.0.0.2|" + model + "||||||R",
		"OBX|4|ST|531976^MDC_ID_PROD_SPEC_FW^MDC|1.0.0.3|" + firmware + "||||||R",
		"OBX|5|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||20261125120000",
	}, "\r") + "\r")
}

// A gateway exporting to a real rsyslogd: a Contec CMS8000 (by its product rows) raises exactly one
// watchlist event however many messages and connections it uses, a normal monitor none; a policy
// rejection and a refused connection arrive too, each with its CEF fields; /api/devices lists both
// devices with the watchlist mark; no patient data reaches syslog.
func TestExportToRsyslog(t *testing.T) {
	testkit.NeedRsyslog(t, "")
	rs := testkit.NewRsyslog(t, nil)
	rs.Start()
	st := newStation(t, accept)
	cfg := baseConfig(st)
	cfg.Listeners[0].AllowSources = []string{"127.0.0.1/32"}
	cfg.Admin.Address = "127.0.0.1:0"
	cfg.Export.Syslog = []export.SyslogConfig{{Name: "soc", Address: rs.Addr(), Transport: "tcp", Hostname: "gw-e2e",
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}}
	g, logs := startGateway(t, cfg)
	addr := g.ListenerAddr("icu")

	const cmsEUI, acmeEUI = "0009FBFFFF059322", "00A0C9FFFE000001"
	cmsFW := "CMS7.820.075.08/0.74(0.75)"
	cms := dialMonitor(t, addr)
	for i := range 3 {
		if code, _, _ := cms.mustAck(t, deviceORU(cmsEUI, "Contec", "CMS8000", cmsFW, "CMS"+strconv.Itoa(i))); code != hl7.AA {
			t.Fatalf("CMS8000 message %d: %s", i, code)
		}
	}
	if code, _, _ := dialMonitor(t, addr).mustAck(t, deviceORU(cmsEUI, "Contec", "CMS8000", cmsFW, "CMS9")); code != hl7.AA {
		t.Fatalf("CMS8000 on a second connection: %s", code)
	}
	acme := dialMonitor(t, addr)
	if code, _, _ := acme.mustAck(t, deviceORU(acmeEUI, "ACME", "M3", "4.2", "ACME1")); code != hl7.AA {
		t.Fatalf("ACME message: %s", code)
	}
	if code, _, _ := acme.mustAck(t, withType(deviceORU(acmeEUI, "ACME", "M3", "4.2", "ACME2"), "ADT^A01^ADT_A01")); code != hl7.AR {
		t.Fatalf("ADT^A01 without a route: %s, want AR", code)
	}
	// A source outside 127.0.0.1/32: refused.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	refused, err := d.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	refusedPort := refused.LocalAddr().(*net.TCPAddr).Port
	if _, err := refused.Read(make([]byte, 1)); err == nil {
		t.Fatal("a connection from 127.0.0.2 was not closed")
	}
	refused.Close()

	// The station came up when the gateway started: four events in all, one of each kind.
	recs := rs.WaitLines(4)
	byKind := map[string]testkit.SyslogRecord{}
	for _, r := range recs {
		if _, dup := byKind[r.MsgID]; dup {
			t.Errorf("two %s events:\n%v", r.MsgID, recs)
		}
		byKind[r.MsgID] = r
	}
	cmsPort := strconv.Itoa(cms.c.LocalAddr().(*net.TCPAddr).Port)
	acmePort := strconv.Itoa(acme.c.LocalAddr().(*net.TCPAddr).Port)
	for _, want := range []struct {
		kind, pri, name, sev string
		ext                  map[string]string
	}{
		{"watchlist_hit", "106", "Device on the vulnerable-model watchlist", "10", map[string]string{
			"act": "flagged", "src": "127.0.0.1", "spt": cmsPort,
			"cs1Label": "deviceId", "cs1": cmsEUI, "cs2Label": "listener", "cs2": "icu", "cs3Label": "rule", "cs3": "contec-cms8000",
			"cs4Label": "deviceModel", "cs4": "Contec / CMS8000 / " + cmsFW,
			"cs5Label": "advisory", "cs5": "ICSMA-25-030-01 CVE-2024-12248 CVE-2025-0626 CVE-2025-0683 CVE-2025-1204",
		}},
		{"policy_rejection", "108", "Message rejected by policy", "5", map[string]string{
			"act": "rejected", "src": "127.0.0.1", "spt": acmePort, "proto": "TCP", "reason": "no route to an allowlisted station",
			"cs1Label": "deviceId", "cs1": acmeEUI, "cs2Label": "listener", "cs2": "icu", "cs3Label": "rule", "cs3": "allowlist",
			"cs4Label": "deviceModel", "cs4": "ACME / M3 / 4.2",
		}},
		{"connection_refused", "108", "Connection refused", "5", map[string]string{
			"act": "refused", "src": "127.0.0.2", "spt": strconv.Itoa(refusedPort), "proto": "TCP", "reason": "source_not_allowed",
			"cs2Label": "listener", "cs2": "icu",
		}},
		{"station_up", "109", "Central station up", "3", map[string]string{
			"act": "up", "dst": "127.0.0.1", "dpt": st.addr()[strings.LastIndexByte(st.addr(), ':')+1:],
			"cs6Label": "station", "cs6": "central0",
		}},
	} {
		r, ok := byKind[want.kind]
		if !ok {
			t.Errorf("no %s event:\n%v", want.kind, recs)
			continue
		}
		if r.PRI != want.pri || r.Version != "1" || r.Hostname != "gw-e2e" || r.AppName != "hl7gate" || r.ProcID != strconv.Itoa(os.Getpid()) {
			t.Errorf("%s: header %+v", want.kind, r)
		}
		h, ext := testkit.ParseCEF(t, r.Msg)
		if h[0] != "CEF:0" || h[1] != "hl7gate" || h[2] != "hl7gate" || h[3] == "" || h[4] != want.kind || h[5] != want.name || h[6] != want.sev {
			t.Errorf("%s: CEF header %q", want.kind, h)
		}
		rt, err := strconv.ParseInt(ext["rt"], 10, 64)
		if err != nil || time.Since(time.UnixMilli(rt)) > time.Minute || time.Since(time.UnixMilli(rt)) < 0 {
			t.Errorf("%s: rt=%q", want.kind, ext["rt"])
		}
		delete(ext, "rt")
		if want.kind == "watchlist_hit" {
			if !strings.HasPrefix(ext["msg"], "Contec CMS8000: hidden NFS mounts") {
				t.Errorf("watchlist_hit: msg=%q", ext["msg"])
			}
			delete(ext, "msg")
		}
		if !maps.Equal(ext, want.ext) {
			t.Errorf("%s: CEF extension\n got %v\nwant %v", want.kind, ext, want.ext)
		}
	}

	// The inventory: both devices, the CMS8000 marked.
	resp, err := http.Get("http://" + g.AdminAddr().String() + "/api/devices")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var devs []admin.Device
	if err := json.Unmarshal(body, &devs); err != nil || len(devs) != 2 {
		t.Fatalf("/api/devices: %v\n%s", err, body)
	}
	if d := devs[0]; d.ID != cmsEUI || d.Manufacturer != "Contec" || d.Model != "CMS8000" || d.Firmware != cmsFW ||
		d.Messages != 4 || !slices.Equal(d.Addresses, []string{"127.0.0.1"}) || !slices.Equal(d.Listeners, []string{"icu"}) ||
		!slices.Equal(d.MessageTypes, []string{"ORU^R01"}) || d.Watchlist == nil || d.Watchlist.Advisory != "ICSMA-25-030-01" ||
		!slices.Equal(d.Watchlist.CVEs, []string{"CVE-2024-12248", "CVE-2025-0626", "CVE-2025-0683", "CVE-2025-1204"}) {
		t.Errorf("CMS8000 in /api/devices: %+v", d)
	}
	if d := devs[1]; d.ID != acmeEUI || d.Model != "M3" || d.Messages != 2 || d.Watchlist != nil ||
		!slices.Equal(d.MessageTypes, []string{"ORU^R01", "ADT^A01"}) {
		t.Errorf("ACME in /api/devices: %+v", d)
	}
	if strings.Contains(string(body), "SECRETNAME") || strings.Contains(string(body), "MRN12345") {
		t.Errorf("patient data in /api/devices:\n%s", body)
	}

	// The hit is also a store event, one critical log line and a metric.
	if evs := g.Store().Events(store.KindWatchlist, 0, 0); len(evs) != 1 || evs[0].Severity != "critical" ||
		evs[0].Rule != "contec-cms8000" || evs[0].Equipment != cmsEUI {
		t.Errorf("watchlist events in the store: %+v", evs)
	}
	if n := strings.Count(logs.String(), `"device on the vulnerable-model watchlist"`); n != 1 {
		t.Errorf("%d watchlist log lines, want 1", n)
	}
	resp, err = http.Get("http://" + g.AdminAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`hl7gate_watchlist_hits_total{entry="contec-cms8000"} 1`, `hl7gate_watchlist_hits_total{entry="epsimed-mn120"} 0`,
		"hl7gate_inventory_devices 2", `hl7gate_export_connected{exporter="soc"} 1`} {
		if !strings.Contains(string(metrics), want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// Flushed and closed on shutdown; still exactly one watchlist event, and no patient data anywhere.
	if err := g.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(rs.Out())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), "\twatchlist_hit\t"); n != 1 {
		t.Errorf("%d watchlist events, want 1:\n%s", n, raw)
	}
	for _, phi := range []string{"SECRETNAME", "MRN12345", "19700101", "PATIENT"} {
		if strings.Contains(string(raw), phi) {
			t.Errorf("patient data %q in the syslog output:\n%s", phi, raw)
		}
	}
}

// A vital-sign finding and a station going down reach a real rsyslogd: the finding with its rule,
// parameter and explanation but not the value; the station with its name and address.
func TestExportVitalsAndStationDown(t *testing.T) {
	testkit.NeedRsyslog(t, "")
	rs := testkit.NewRsyslog(t, nil)
	rs.Start()
	st := newStation(t, accept)
	cfg := vitalsConfig(st)
	cfg.Export.Syslog = []export.SyslogConfig{{Name: "soc", Address: rs.Addr(), Transport: "tcp"}}
	g, _ := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	if code, _, _ := m.mustAck(t, impossible("V1")); code != hl7.AA {
		t.Fatalf("ACK %s", code)
	}
	st.close()
	if code, _, _ := m.mustAck(t, oru("MON1", "V2")); code != hl7.AE {
		t.Fatalf("ACK %s with the station gone, want AE", code)
	}
	byKind := map[string]map[string]string{}
	for _, r := range rs.WaitLines(3) { // station_up at start, the finding, station_down
		_, ext := testkit.ParseCEF(t, r.Msg)
		delete(ext, "rt")
		byKind[r.MsgID] = ext
	}
	mport := strconv.Itoa(m.c.LocalAddr().(*net.TCPAddr).Port)
	v := byKind["vitals_episode"]
	if v["msg"] == "" {
		t.Errorf("vitals_episode without an explanation: %v", v)
	}
	delete(v, "msg")
	if want := map[string]string{"act": "open", "src": "127.0.0.1", "spt": mport,
		"cs1Label": "deviceId", "cs1": "0009FBFFFF059322", "cs2Label": "listener", "cs2": "icu", "cs3Label": "rule", "cs3": "range",
		"flexString1Label": "parameter", "flexString1": "MDC_PULS_OXIM_SAT_O2"}; !maps.Equal(v, want) {
		t.Errorf("vitals_episode:\n got %v\nwant %v", v, want)
	}
	down := byKind["station_down"]
	if down["act"] != "down" || down["cs6"] != "central0" || down["dst"] != "127.0.0.1" || down["reason"] == "" {
		t.Errorf("station_down: %v", down)
	}
	raw, err := os.ReadFile(rs.Out())
	if err != nil {
		t.Fatal(err)
	}
	for _, phi := range []string{"SECRETNAME", "MRN12345", "19700101", "=150"} {
		if strings.Contains(string(raw), phi) {
			t.Errorf("patient data %q in the syslog output:\n%s", phi, raw)
		}
	}
}
