package test

import (
	"io/fs"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// A vital-sign episode opens (SpO2 150 %) and, with vitals.state.report_close, closes once the value is
// back in range; both reach a real rsyslogd as CEF vitals_episode events, act=open then act=close with
// cnt, the same rule, parameter, device and explanation. Two targets take the same events: the one with
// include_patient_data gets the patient's identifier and bed (PID-3, PV1-3) in flexString2, the other
// none; and the patient data is nowhere else: not in the log, the metrics, the stored events, the
// on-disk journal (what evidence bundles are built from).
func TestExportVitalsEpisodeOpenCloseAndPatientData(t *testing.T) {
	testkit.NeedRsyslog(t, "")
	rs := testkit.NewRsyslog(t, nil)
	rs.Start()
	st := newStation(t, accept)
	cfg := vitalsConfig(st)
	cfg.Vitals.State.ReportClose = true
	cfg.Vitals.State.EpisodeHoldoff = time.Nanosecond // closes on the first in-range message that finds it untouched
	cfg.Admin.Address = "127.0.0.1:0"
	cfg.State.Journal.Dir = t.TempDir()
	cfg.Export.Syslog = []export.SyslogConfig{
		{Name: "phi", Address: rs.Addr(), Transport: "tcp", Hostname: "gw-phi", IncludePatientData: true},
		{Name: "soc", Address: rs.Addr(), Transport: "tcp", Hostname: "gw-soc"},
	}
	g, logs := startGateway(t, cfg)
	m := dialMonitor(t, g.ListenerAddr("icu"))
	for i, msg := range [][]byte{impossible("V1"), oru("MON1", "V2"), oru("MON1", "V3")} {
		if code, _, _ := m.mustAck(t, msg); code != hl7.AA {
			t.Fatalf("message %d: %s", i, code)
		}
	}
	_, metrics := testkit.Get(t, "http://"+g.AdminAddr().String()+"/metrics", "")
	if err := g.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}

	// Per target: station_up at start, then the range episode's open and close (nothing else fires on
	// these three messages; any other record fails the count).
	recs := rs.WaitLines(6)
	episodes := map[string][]map[string]string{}
	for _, r := range recs {
		if r.MsgID != "vitals_episode" {
			continue
		}
		h, ext := testkit.ParseCEF(t, r.Msg)
		// The range rule is critical by default: CEF 9, syslog severity 2 (facility 13: PRI 106).
		if h[4] != "vitals_episode" || h[6] != "9" || r.PRI != "106" {
			t.Errorf("%s: PRI %s, CEF header %q", r.Hostname, r.PRI, h)
		}
		delete(ext, "rt")
		episodes[r.Hostname] = append(episodes[r.Hostname], ext)
	}
	mport := strconv.Itoa(m.c.LocalAddr().(*net.TCPAddr).Port)
	common := map[string]string{"src": "127.0.0.1", "spt": mport,
		"cs1Label": "deviceId", "cs1": "0009FBFFFF059322", "cs2Label": "listener", "cs2": "icu", "cs3Label": "rule", "cs3": "range",
		"flexString1Label": "parameter", "flexString1": "MDC_PULS_OXIM_SAT_O2"}
	for _, host := range []string{"gw-phi", "gw-soc"} {
		evs := episodes[host]
		if len(evs) != 2 {
			t.Fatalf("%s: %d vitals_episode records, want open and close: %v", host, len(evs), evs)
		}
		if evs[0]["msg"] == "" || evs[1]["msg"] != evs[0]["msg"] {
			t.Errorf("%s: explanations %q and %q, want the same, not empty", host, evs[0]["msg"], evs[1]["msg"])
		}
		for i, act := range []string{"open", "close"} {
			want := maps.Clone(common)
			want["act"], want["msg"] = act, evs[0]["msg"]
			if act == "close" {
				want["cnt"] = "1" // one message showed the condition
			}
			if host == "gw-phi" {
				want["flexString2Label"], want["flexString2"] = "patientData", "PID-3=MRN12345^^^HOSP^MR PV1-3=ICU^BED1"
			}
			if !maps.Equal(evs[i], want) {
				t.Errorf("%s %s:\n got %v\nwant %v", host, act, evs[i], want)
			}
		}
	}

	// Nowhere else.
	phi := []string{"MRN12345", "SECRETNAME", "ICU^BED1"}
	var journal strings.Builder
	filepath.WalkDir(cfg.State.Journal.Dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			journal.Write(b)
		}
		return nil
	})
	if !strings.Contains(journal.String(), `"range"`) {
		t.Fatalf("the journal has no vital-sign event: the check below would prove nothing\n%s", journal.String())
	}
	var stored strings.Builder
	for _, e := range g.Store().Events("", 0, 0) {
		stored.WriteString(e.Reason + e.Source + e.SendingApp + e.Equipment + e.Parameter + "\n")
	}
	for _, where := range []struct{ name, text string }{{"log", logs.String()}, {"metrics", metrics},
		{"stored events", stored.String()}, {"journal", journal.String()}} {
		for _, p := range phi {
			if strings.Contains(where.text, p) {
				t.Errorf("patient data %q in the %s", p, where.name)
			}
		}
	}
	if n := len(g.Store().Events(store.KindVitals, 0, 0)); n == 0 {
		t.Error("no vital-sign event in the store")
	}
}
