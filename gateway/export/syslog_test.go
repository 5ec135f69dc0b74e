package export

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/test/testkit"
)

func TestSyslogConfigValidate(t *testing.T) {
	neg := -1
	tests := []struct {
		name string
		cfg  SyslogConfig
		want string // "" for valid
	}{
		{"minimal tls", SyslogConfig{Address: "siem.example:6514"}, ""},
		{"tcp", SyslogConfig{Address: "127.0.0.1:514", Transport: "tcp"}, ""},
		{"everything wrong", SyslogConfig{Address: "nohost", Transport: "udp", CertFile: "c.pem", Facility: &neg, Buffer: -1,
			MinBackoff: time.Minute, MaxBackoff: time.Second, WriteTimeout: -time.Second},
			`x.address: "nohost" is not host:port` + "\n" +
				`x.transport: "udp" is neither tcp nor tls` + "\n" +
				"x.cert_file: cert_file and key_file go together\n" +
				"x.facility: -1 not in 0..23\n" +
				"x.buffer: -1 not in 0..1048576\n" +
				"x.write_timeout: -1s is negative\n" +
				"x.min_backoff: 1m0s is more than max_backoff 1s"},
		{"tls options on tcp", SyslogConfig{Address: "h:1", Transport: "tcp", CAFile: "ca.pem"},
			"x.transport: ca_file, server_name and cert_file need transport tls"},
		// Patient data never crosses a network in clear (redteam52 F10), as a webhook's http.
		{"patient data over plain tcp", SyslogConfig{Address: "10.40.0.5:514", Transport: "tcp", IncludePatientData: true},
			"x.include_patient_data: patient data over plain tcp is allowed only to a loopback address; use transport tls"},
		{"patient data over tcp to loopback", SyslogConfig{Address: "127.0.0.1:514", Transport: "tcp", IncludePatientData: true}, ""},
		{"patient data over tls", SyslogConfig{Address: "siem.example:6514", IncludePatientData: true}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate("x")
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// Close gives up at its deadline when the receiver is unreachable, and counts what it could not send.
func TestSyslogCloseDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every attempt is refused
	s, err := NewSyslog(SyslogConfig{Address: addr, Transport: "tcp", MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond},
		zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		s.Send(Event{Kind: KindStationDown})
	}
	testkit.WaitFor(t, "a refused connection attempt", func() bool { return s.Stats().DialErrors > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Close(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "3 events left unsent") {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %s", d)
	}
	if st := s.Stats(); st.Sent != 0 || st.Dropped != 3 || st.Queued != 0 {
		t.Fatalf("stats %+v", st)
	}
	if err := s.Close(context.Background()); err != nil { // a second Close returns at once
		t.Fatal(err)
	}
}

func TestSyslogCollector(t *testing.T) {
	s, err := NewSyslog(SyslogConfig{Name: "soc", Address: "127.0.0.1:1", Transport: "tcp", Buffer: 1, MinBackoff: time.Hour},
		zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		s.Close(ctx)
	}()
	s.Send(Event{Kind: KindStationUp})
	s.Send(Event{Kind: KindStationUp}) // the buffer holds one
	reg := prometheus.NewRegistry()
	reg.MustRegister(s)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		if l := m.GetLabel(); len(l) != 1 || l[0].GetName() != "exporter" || l[0].GetValue() != "soc" {
			t.Fatalf("%s labels %v", mf.GetName(), l)
		}
		got[mf.GetName()] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	want := map[string]float64{"hl7gate_export_sent_total": 0, "hl7gate_export_dropped_total": 1,
		"hl7gate_export_reconnects_total": 0, "hl7gate_export_connect_errors_total": got["hl7gate_export_connect_errors_total"],
		"hl7gate_export_queue_depth": 1, "hl7gate_export_connected": 0}
	if len(got) != len(want) {
		t.Fatalf("metrics %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}
