package export

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/test/testkit"
)

// These tests send events to a real rsyslogd (Debian's rsyslog; rsyslog-gnutls for TLS), started by
// the test on a loopback port (see testkit.Rsyslog).

// testEvents is one event of each kind, with values that need escaping.
func testEvents(at time.Time) []Event {
	dev := Device{ID: "0009FBFFFF059322", Manufacturer: "Contec", Model: "CMS8000", Firmware: "CMS7.820.075.08/0.74(0.75)"}
	return []Event{
		{Kind: KindEgressAttempt, Time: at, Src: netip.MustParseAddrPort("10.20.0.7:41000"), Dst: netip.MustParseAddrPort("202.114.4.119:515"),
			Proto: "TCP", Action: "blocked", Rule: "watchlist 202.114.4.0/24", Device: dev, Count: 4, Listener: "sinkhole"},
		{Kind: KindWatchlistHit, Time: at.Add(time.Microsecond), Device: dev, Rule: "contec-cms8000",
			Advisory: "ICSMA-25-030-01 CVE-2024-12248 CVE-2025-0626 CVE-2025-0683 CVE-2025-1204", Detail: "model=CMS8000 | firmware matched\\all"},
		{Kind: KindConnectionRefused, Time: at.Add(2 * time.Millisecond), Src: netip.MustParseAddrPort("[fd00::7]:5000"), Listener: "icu-a",
			Action: "refused", Reason: "source not allowed"},
		{Kind: KindPolicyRejection, Time: at, Listener: "icu-a", Device: Device{ID: "MON7"}, Action: "rejected", Rule: "route", Reason: "no route for ORU^R01"},
		{Kind: KindVitalsEpisode, Time: at, Device: Device{ID: "MON7"}, Action: "open", Rule: "hr-spo2-agreement", Parameter: "147842",
			Detail: "ECG heart rate and SpO2 pulse rate disagree\nfor 3 messages", PatientData: "PID-3=SECRET"},
		{Kind: KindStationDown, Time: at, Station: "central-1", Dst: netip.MustParseAddrPort("10.30.0.2:2575"), Action: "down", Reason: "dial tcp: connection refused"},
		{Kind: KindStationUp, Time: at, Station: "central-1", Dst: netip.MustParseAddrPort("10.30.0.2:2575"), Action: "up", Severity: 2},
	}
}

func newTestSyslog(t *testing.T, cfg SyslogConfig) *Syslog {
	t.Helper()
	cfg.Hostname, cfg.AppName, cfg.Version = "gw-test", "hl7gate", "9.9.9"
	cfg.MinBackoff, cfg.MaxBackoff = 10*time.Millisecond, 100*time.Millisecond
	s, err := NewSyslog(cfg, zerolog.New(zerolog.NewTestWriter(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}

// checkRecord checks every field rsyslogd parsed from the message of e, the seq-th of its connection.
func checkRecord(t *testing.T, rec testkit.SyslogRecord, e Event, seq int) {
	t.Helper()
	if want := strconv.Itoa(DefaultFacility*8 + e.severity().syslog()); rec.PRI != want {
		t.Errorf("%s: PRI %s, want %s", e.Kind, rec.PRI, want)
	}
	if rec.Version != "1" {
		t.Errorf("%s: version %q", e.Kind, rec.Version)
	}
	if ts, err := time.Parse(time.RFC3339Nano, rec.Timestamp); err != nil || !ts.Equal(e.Time.Truncate(time.Microsecond)) {
		t.Errorf("%s: timestamp %q (%v), want %s", e.Kind, rec.Timestamp, err, e.Time.UTC().Format(time.RFC3339Nano))
	}
	if rec.Hostname != "gw-test" || rec.AppName != "hl7gate" || rec.ProcID != strconv.Itoa(os.Getpid()) || rec.MsgID != string(e.Kind) {
		t.Errorf("%s: hostname %q app-name %q procid %q msgid %q", e.Kind, rec.Hostname, rec.AppName, rec.ProcID, rec.MsgID)
	}
	if want := fmt.Sprintf(`[origin software="hl7gate" swVersion="9.9.9"][meta sequenceId="%d"]`, seq); rec.SD != want {
		t.Errorf("%s: structured data %q, want %q", e.Kind, rec.SD, want)
	}
	h, ext := testkit.ParseCEF(t, rec.Msg)
	wantHeader := []string{"CEF:0", "hl7gate", "hl7gate", "9.9.9", string(e.Kind), kindInfo[e.Kind].name, strconv.Itoa(int(e.severity()))}
	if strings.Join(h, "|") != strings.Join(wantHeader, "|") {
		t.Errorf("%s: CEF header %q, want %q", e.Kind, h, wantHeader)
	}
	want := map[string]string{"rt": strconv.FormatInt(e.Time.UnixMilli(), 10)}
	add := func(k, v string) {
		if v != "" {
			want[k] = v
		}
	}
	add("act", e.Action)
	add("proto", e.Proto)
	add("reason", e.Reason)
	add("msg", e.Detail)
	if e.Src.IsValid() {
		add("src", e.Src.Addr().String())
		add("spt", strconv.Itoa(int(e.Src.Port())))
	}
	if e.Dst.IsValid() {
		add("dst", e.Dst.Addr().String())
		add("dpt", strconv.Itoa(int(e.Dst.Port())))
	}
	if e.Count != 0 {
		add("cnt", strconv.FormatInt(e.Count, 10))
	}
	for _, l := range []struct{ key, label, v string }{
		{"cs1", "deviceId", e.Device.ID}, {"cs2", "listener", e.Listener}, {"cs3", "rule", e.Rule},
		{"cs4", "deviceModel", joinNonEmpty(e.Device.Manufacturer, e.Device.Model, e.Device.Firmware)},
		{"cs5", "advisory", e.Advisory}, {"cs6", "station", e.Station}, {"flexString1", "parameter", e.Parameter},
	} {
		if l.v != "" {
			want[l.key], want[l.key+"Label"] = l.v, l.label
		}
	}
	if fmt.Sprint(ext) != fmt.Sprint(want) {
		t.Errorf("%s: CEF extension\n got %v\nwant %v", e.Kind, ext, want)
	}
	if strings.Contains(rec.Msg, "SECRET") {
		t.Errorf("%s: patient data exported without include_patient_data: %q", e.Kind, rec.Msg)
	}
}

func TestSyslogRsyslogTCP(t *testing.T) {
	testkit.NeedRsyslog(t, "")
	r := testkit.NewRsyslog(t, nil)
	r.Start()
	s := newTestSyslog(t, SyslogConfig{Address: r.Addr(), Transport: "tcp"})
	events := testEvents(time.Now().Add(-time.Hour))
	for _, e := range events {
		s.Send(e)
	}
	recs := r.WaitLines(len(events))
	for i, e := range events {
		checkRecord(t, recs[i], e, i+1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Sent != uint64(len(events)) || st.Dropped != 0 || st.Reconnects != 0 || st.Queued != 0 {
		t.Fatalf("stats %+v", st)
	}
	s.Send(events[0])
	if st := s.Stats(); st.Dropped != 1 {
		t.Fatalf("an event sent after Close is not counted as dropped: %+v", st)
	}
}

func TestSyslogRsyslogTLS(t *testing.T) {
	testkit.NeedRsyslog(t, "lmnsd_gtls")
	pki := testkit.NewPKI(t)
	r := testkit.NewRsyslog(t, pki)
	r.Start()

	// A sender that trusts another CA does not send to this receiver.
	other := testkit.NewPKI(t)
	distrust := newTestSyslog(t, SyslogConfig{Name: "distrust", Address: r.Addr(),
		Transport: "tls", CAFile: other.CAFile})
	distrust.Send(testEvents(time.Now())[0])
	testkit.WaitFor(t, "a failed TLS handshake", func() bool { return distrust.Stats().DialErrors > 0 })
	if st := distrust.Stats(); st.Sent != 0 || st.Connected || st.Queued != 1 {
		t.Fatalf("sender with the wrong CA: %+v", st)
	}

	s := newTestSyslog(t, SyslogConfig{Address: r.Addr(), Transport: "tls", CAFile: pki.CAFile})
	events := testEvents(time.Now())
	for _, e := range events {
		s.Send(e)
	}
	recs := r.WaitLines(len(events)) // and not one more, from the sender that distrusts it
	for i, e := range events {
		checkRecord(t, recs[i], e, i+1)
	}
	// The sender counts an event as sent after its write returns, which can be after the receiver logged it.
	testkit.WaitFor(t, "every event counted as sent", func() bool { return s.Stats().Sent == uint64(len(events)) })
	if st := s.Stats(); st.Sent != uint64(len(events)) || !st.Connected {
		t.Fatalf("stats %+v", st)
	}
}

func TestSyslogReconnect(t *testing.T) {
	testkit.NeedRsyslog(t, "")
	r := testkit.NewRsyslog(t, nil)
	r.Start()
	const buffer = 8
	s := newTestSyslog(t, SyslogConfig{Address: r.Addr(), Transport: "tcp", Buffer: buffer})
	numbered := func(n int) Event { return Event{Kind: KindEgressAttempt, Action: "blocked", Count: int64(n)} }
	counts := func(recs []testkit.SyslogRecord) (cnt, seq []string) {
		for _, rec := range recs {
			_, ext := testkit.ParseCEF(t, rec.Msg)
			cnt = append(cnt, ext["cnt"])
			seq = append(seq, strings.TrimSuffix(strings.TrimPrefix(rec.SD, `[origin software="hl7gate" swVersion="9.9.9"][meta sequenceId="`), `"]`))
		}
		return cnt, seq
	}
	for i := 1; i <= 3; i++ {
		s.Send(numbered(i))
	}
	r.WaitLines(3)

	r.Kill()
	// Once a connection attempt has failed, the receiver is gone and the sender waits in its backoff.
	testkit.WaitFor(t, "a failed connection attempt", func() bool { return s.Stats().DialErrors > 0 })
	for i := 4; i <= 3+buffer+5; i++ { // 8 fit in the buffer, 5 are dropped
		s.Send(numbered(i))
	}
	if st := s.Stats(); st.Dropped != 5 || st.Queued != buffer {
		t.Fatalf("while the receiver is down: %+v, want 5 dropped and %d queued", st, buffer)
	}

	r.Start()
	r.WaitLines(3 + buffer) // the buffered events arrive before the next one is sent
	s.Send(numbered(100))
	recs := r.WaitLines(3 + buffer + 1)
	cnt, seq := counts(recs)
	if got, want := strings.Join(cnt, " "), "1 2 3 4 5 6 7 8 9 10 11 100"; got != want {
		t.Fatalf("events received %s, want %s", got, want)
	}
	// The five dropped events leave a gap in the sequence IDs the SIEM sees.
	if got, want := strings.Join(seq, " "), "1 2 3 4 5 6 7 8 9 10 11 17"; got != want {
		t.Fatalf("sequence IDs %s, want %s", got, want)
	}
	// As in TestSyslogRsyslogTLS: an event counts as sent once its write has returned.
	testkit.WaitFor(t, "the last event counted as sent", func() bool { return s.Stats().Sent == 3+buffer+1 })
	// A sender may reach the dying receiver's listener once more while it exits: one reconnect or two.
	if st := s.Stats(); st.Sent != 3+buffer+1 || st.Dropped != 5 || st.Reconnects < 1 || st.Reconnects > 2 || !st.Connected {
		t.Fatalf("after the restart: %+v", st)
	}
}
