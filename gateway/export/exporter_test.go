package export

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

func TestExporterConfigValidate(t *testing.T) {
	c := Config{
		Syslog:  []SyslogConfig{{Address: "a:1"}, {Address: "b:2"}},
		Webhook: []WebhookConfig{{Name: "syslog", URL: "ftp://x"}},
	}
	want := `export.syslog[1].name: "syslog" is also the name of export.syslog[0]` + "\n" +
		`export.webhook[0].url: scheme "ftp" is neither https nor http` + "\n" +
		`export.webhook[0].name: "syslog" is also the name of export.syslog[0]`
	if err := c.Validate("export"); err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
}

// One event reaches a syslog receiver (a plain TCP listener here, reading one octet-counted frame) and
// a webhook; the exporter's collector has both targets' metrics.
func TestExporterFansOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	frames := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		b := make([]byte, 4096)
		n, _ := c.Read(b)
		frames <- string(b[:n])
	}()
	h := newHook(t)
	x, err := New(Config{
		Syslog:  []SyslogConfig{{Name: "soc", Address: ln.Addr().String(), Transport: "tcp"}},
		Webhook: []WebhookConfig{{Name: "noc", URL: h.srv.URL}},
	}, "1.2.3", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	x.Send(Event{Kind: KindStationDown, Station: "central-1"})
	if f := <-frames; !strings.Contains(f, "|1.2.3|station_down|") || !strings.Contains(f, "cs6=central-1") {
		t.Fatalf("syslog frame %q", f)
	}
	<-h.arrived
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := x.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := x.Stats()
	if st["soc"].Sent != 1 || st["noc"].Sent != 1 {
		t.Fatalf("stats %+v", st)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(x)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if len(mf.GetMetric()) != 2 {
			t.Fatalf("%s has %d series, want one per target", mf.GetName(), len(mf.GetMetric()))
		}
	}
	var zero Exporter // no targets: takes events, does nothing
	zero.Send(Event{Kind: KindStationUp})
	if err := zero.Close(ctx); err != nil {
		t.Fatal(err)
	}
}
