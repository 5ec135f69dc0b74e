package export

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/test/testkit"
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

// Update swaps the targets while events wait: the unchanged target keeps its buffered events and takes
// the later ones, in order; the removed one takes everything until the swap and nothing after, and
// delivers what it buffered (retired within the grace: none dropped); the added one takes only events
// after the swap.
func TestExporterUpdate(t *testing.T) {
	keep, gone, added := newHook(t), newHook(t), newHook(t)
	hold := make(chan struct{})
	keep.hold, gone.hold = hold, hold
	var logs testkit.LogBuffer
	x, err := New(Config{Webhook: []WebhookConfig{{Name: "keep", URL: keep.srv.URL}, {Name: "gone", URL: gone.srv.URL}}},
		"1.2.3", zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	send := func(from, to int) {
		for i := from; i < to; i++ {
			x.Send(Event{Kind: KindStationDown, Station: "s" + strconv.Itoa(i)})
		}
	}
	send(0, 3)
	<-keep.arrived // each target has the first in flight, the other two buffered
	<-gone.arrived
	u, err := x.Prepare(Config{Webhook: []WebhookConfig{{Name: "keep", URL: keep.srv.URL}, {Name: "added", URL: added.srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Kept != 1 || u.Started != 1 || u.Retired != 1 {
		t.Fatalf("update %+v, want 1 kept, 1 started, 1 retired", u)
	}
	send(3, 4) // until Commit, events go to the current targets
	u.Commit(time.Minute)
	send(4, 6)
	close(hold)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := x.Close(ctx); err != nil {
		t.Fatal(err)
	}
	stations := func(h *hook) []string {
		h.mu.Lock()
		defer h.mu.Unlock()
		var got []string
		for _, b := range h.bodies {
			var j struct{ Station string }
			if err := json.Unmarshal(b, &j); err != nil {
				t.Fatal(err)
			}
			got = append(got, j.Station)
		}
		return got
	}
	for _, c := range []struct {
		h    *hook
		want []string
	}{
		{keep, []string{"s0", "s1", "s2", "s3", "s4", "s5"}},
		{gone, []string{"s0", "s1", "s2", "s3"}},
		{added, []string{"s4", "s5"}},
	} {
		if got := stations(c.h); !slices.Equal(got, c.want) {
			t.Errorf("%s received %v, want %v", c.h.srv.URL, got, c.want)
		}
	}
	if st := x.Stats(); len(st) != 2 || st["keep"].Sent != 6 || st["added"].Sent != 2 || st["keep"].Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
	if !strings.Contains(logs.String(), `"export":"gone","sent":4,"dropped":0,"message":"export target retired"`) {
		t.Errorf("no retirement line for gone:\n%s", logs.String())
	}
}

// A retired target that cannot deliver within the grace counts what it had buffered as dropped, and says
// so; an aborted update leaves the targets as they were and stops what it started.
func TestExporterUpdateRetiredDrops(t *testing.T) {
	stuck := newHook(t)
	hold := make(chan struct{})
	stuck.hold = hold
	t.Cleanup(func() { close(hold) }) // before the server closes
	var logs testkit.LogBuffer
	x, err := New(Config{Webhook: []WebhookConfig{{Name: "stuck", URL: stuck.srv.URL}}}, "1.2.3", zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		x.Send(Event{Kind: KindStationUp})
	}
	<-stuck.arrived
	other := newHook(t)
	u, err := x.Prepare(Config{Webhook: []WebhookConfig{{Name: "other", URL: other.srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	u.Abort()
	if st := x.Stats(); len(st) != 1 || st["stuck"].Queued != 2 {
		t.Fatalf("after Abort: %+v", st)
	}
	if u, err = x.Prepare(Config{}); err != nil {
		t.Fatal(err)
	}
	u.Commit(10 * time.Millisecond)
	x.Send(Event{Kind: KindStationUp}) // no target: taken and ignored
	if err := x.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"export":"stuck","sent":0,"dropped":3,"message":"export target retired"`) {
		t.Errorf("no retirement line counting 3 dropped:\n%s", logs.String())
	}
	if other.requests() != 0 {
		t.Errorf("the aborted target sent %d requests", other.requests())
	}
}

// IncludesPatientData follows the current targets: on while one of them has include_patient_data.
func TestExporterIncludesPatientData(t *testing.T) {
	h := newHook(t)
	x, err := New(Config{Webhook: []WebhookConfig{{Name: "noc", URL: h.srv.URL}}}, "1", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close(context.Background())
	if x.IncludesPatientData() {
		t.Fatal("on without a target that asks for it")
	}
	u, err := x.Prepare(Config{Syslog: []SyslogConfig{{Name: "phi", Address: "127.0.0.1:1", Transport: "tcp", IncludePatientData: true}},
		Webhook: []WebhookConfig{{Name: "noc", URL: h.srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	if x.IncludesPatientData() {
		t.Fatal("on before Commit")
	}
	u.Commit(time.Millisecond)
	if !x.IncludesPatientData() {
		t.Fatal("off with a target that asks for it")
	}
	var zero Exporter
	if zero.IncludesPatientData() {
		t.Fatal("the zero Exporter includes patient data")
	}
}

// A target is kept only while its settings and the files it read at start are unchanged: a token
// replaced under the same path starts it again.
func TestExporterUpdateFileChanged(t *testing.T) {
	h := newHook(t)
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Webhook: []WebhookConfig{{Name: "noc", URL: h.srv.URL, TokenFile: token}}}
	x, err := New(cfg, "1", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close(context.Background())
	u, err := x.Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if u.Kept != 1 || u.Started != 0 || u.Retired != 0 {
		t.Fatalf("same settings and token: %+v", u)
	}
	u.Commit(time.Second)
	if err := os.WriteFile(token, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if u, err = x.Prepare(cfg); err != nil {
		t.Fatal(err)
	}
	if u.Kept != 0 || u.Started != 1 || u.Retired != 1 {
		t.Fatalf("token replaced: %+v", u)
	}
	u.Commit(time.Second)
	x.Send(Event{Kind: KindStationUp})
	<-h.arrived
	h.mu.Lock()
	auth := h.auth[0]
	h.mu.Unlock()
	if auth != "Bearer two" {
		t.Errorf("Authorization %q, want the new token", auth)
	}
}
