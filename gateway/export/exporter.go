package export

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Config is the export section of hl7gate's configuration: any number of syslog and webhook targets.
//
//	export:
//	  syslog:
//	    - name: soc
//	      address: siem.hospital.example:6514
//	      transport: tls
//	      ca_file: /etc/hl7gate/soc-ca.pem
//	  webhook:
//	    - name: noc
//	      url: https://noc.hospital.example/hl7gate
//	      token_file: /etc/hl7gate/noc-token
type Config struct {
	Syslog  []SyslogConfig  `mapstructure:"syslog"`
	Webhook []WebhookConfig `mapstructure:"webhook"`
}

// Validate reports every problem of c at once, each naming its key under prefix (e.g. "export").
// Target names must be unique: they label the metrics.
func (c Config) Validate(prefix string) error {
	var errs []error
	seen := map[string]string{}
	name := func(key, n, def string) {
		if n == "" {
			n = def
		}
		if other, ok := seen[n]; ok {
			errs = append(errs, fmt.Errorf("%s.name: %q is also the name of %s", key, n, other))
			return
		}
		seen[n] = key
	}
	for i, s := range c.Syslog {
		key := fmt.Sprintf("%s.syslog[%d]", prefix, i)
		errs = append(errs, s.Validate(key))
		name(key, s.Name, "syslog")
	}
	for i, w := range c.Webhook {
		key := fmt.Sprintf("%s.webhook[%d]", prefix, i)
		errs = append(errs, w.Validate(key))
		name(key, w.Name, "webhook")
	}
	return errors.Join(errs...)
}

// sender is what every target does.
type sender interface {
	Send(Event)
	Stats() Stats
	Close(context.Context) error
	prometheus.Collector
}

// target is one running sender with its name and the configuration it was started with (Version set).
type target struct {
	name  string
	cfg   any      // SyslogConfig or WebhookConfig, as configured: a reload keeps the sender when it is equal
	files [32]byte // SHA-256 of the files cfg names (CA, certificate, key, token), read when it started
	s     sender
}

// filesDigest hashes the contents of the files a target reads when it starts, so that a reload restarts
// a target whose certificate or token was replaced under the same path. A file that cannot be read
// hashes its error: the target is started again and reports it.
func filesDigest(paths ...string) [32]byte {
	h := sha256.New()
	for _, p := range paths {
		if p == "" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			b = []byte(err.Error())
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// Exporter sends each event to every configured target. The zero value and an Exporter without targets
// take events and do nothing. Update swaps its targets while it runs, so whoever holds it (the relay,
// the egress recorder, the station keepers) keeps sending to the same Exporter. It is a
// prometheus.Collector of every current target's metrics (an unchecked one: the targets, and so the
// series, change with Update).
type Exporter struct {
	version string
	log     zerolog.Logger

	mu      sync.RWMutex // Send holds it shared; Update's swap exclusively, so no event goes to a retired target
	targets []target
	closed  bool

	retiring sync.WaitGroup // retired targets still flushing
}

// New validates cfg and starts a sender per target; version is hl7gate's version. On error nothing is
// left running.
func New(cfg Config, version string, log zerolog.Logger) (*Exporter, error) {
	x := &Exporter{version: version, log: log}
	ts, err := x.start(cfg, nil)
	if err != nil {
		return nil, err
	}
	x.targets = ts
	return x, nil
}

// start validates cfg and returns its targets: those of keep whose name, configuration and files (CA,
// certificate, key, token) are unchanged, and a new sender for each other one. On error the new senders are closed and keep is untouched.
func (x *Exporter) start(cfg Config, keep []target) ([]target, error) {
	if err := cfg.Validate("export"); err != nil {
		return nil, err
	}
	var ts []target
	fail := func(err error) ([]target, error) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // stop at once: nothing was sent to them yet
		for _, t := range ts {
			if !slices.ContainsFunc(keep, func(k target) bool { return k.s == t.s }) {
				t.s.Close(ctx)
			}
		}
		return nil, err
	}
	reuse := func(name string, c any, files [32]byte) sender {
		for _, k := range keep {
			if k.name == name && k.files == files && reflect.DeepEqual(k.cfg, c) {
				return k.s
			}
		}
		return nil
	}
	// add appends the target name: the current sender when reuse finds one, else a new one from start.
	add := func(name string, c any, files [32]byte, start func() (sender, error)) error {
		s := reuse(name, c, files)
		if s == nil {
			var err error
			if s, err = start(); err != nil {
				return err
			}
		}
		ts = append(ts, target{name, c, files, s})
		return nil
	}
	for _, c := range cfg.Syslog {
		c.Version = x.version
		err := add(cmp.Or(c.Name, "syslog"), c, filesDigest(c.CAFile, c.CertFile, c.KeyFile), func() (sender, error) {
			s, err := NewSyslog(c, x.log)
			return s, err
		})
		if err != nil {
			return fail(err)
		}
	}
	for _, c := range cfg.Webhook {
		c.Version = x.version
		err := add(cmp.Or(c.Name, "webhook"), c, filesDigest(c.CAFile, c.TokenFile), func() (sender, error) {
			s, err := NewWebhook(c, x.log)
			return s, err
		})
		if err != nil {
			return fail(err)
		}
	}
	return ts, nil
}

// Update is a change of an Exporter's targets that Prepare started and Commit or Abort ends.
type Update struct {
	x       *Exporter
	next    []target
	Kept    int // targets whose configuration and files are unchanged: kept with their connection and buffered events
	Started int // targets new or changed: started by Prepare, taking events from Commit on
	Retired int // targets no longer configured, or changed: retired by Commit
}

// Prepare validates cfg and starts the senders of the targets it adds or changes; the current targets
// keep taking every event until Commit. On error nothing changed. One update at a time: the caller
// commits or aborts it before preparing the next.
func (x *Exporter) Prepare(cfg Config) (*Update, error) {
	x.mu.RLock()
	cur := slices.Clone(x.targets)
	x.mu.RUnlock()
	next, err := x.start(cfg, cur)
	if err != nil {
		return nil, err
	}
	u := &Update{x: x, next: next}
	for _, t := range next {
		if slices.ContainsFunc(cur, func(c target) bool { return c.s == t.s }) {
			u.Kept++
		} else {
			u.Started++
		}
	}
	u.Retired = len(cur) - u.Kept
	return u, nil
}

// Commit swaps the targets at once: from here on every event goes to the new set. A kept target loses
// nothing it had buffered. A retired target takes no more events; it is closed in the background, where
// it delivers what it had buffered within grace and then counts what is left as dropped; its final
// counters are logged ("export target retired": sent, dropped) and its series leave the metrics.
// Close waits for the retired targets too.
func (u *Update) Commit(grace time.Duration) {
	x := u.x
	x.mu.Lock()
	cur := x.targets
	if x.closed { // Close ran meanwhile: the new senders go the same way as the old ones would have
		x.mu.Unlock()
		u.Abort()
		return
	}
	x.targets = u.next
	x.mu.Unlock()
	for _, t := range cur {
		if slices.ContainsFunc(u.next, func(n target) bool { return n.s == t.s }) {
			continue
		}
		x.retiring.Add(1)
		go x.retire(t, grace)
	}
}

// retire closes a target a Commit replaced, within grace, and logs what became of its events.
func (x *Exporter) retire(t target, grace time.Duration) {
	defer x.retiring.Done()
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := t.s.Close(ctx)
	st := t.s.Stats()
	ev := x.log.Info()
	if err != nil {
		ev = x.log.Warn().Err(err)
	}
	ev.Str("export", t.name).Uint64("sent", st.Sent).Uint64("dropped", st.Dropped).Msg("export target retired")
}

// Abort closes the senders Prepare started; the current targets stay as they are.
func (u *Update) Abort() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	u.x.mu.RLock()
	cur := slices.Clone(u.x.targets)
	u.x.mu.RUnlock()
	for _, t := range u.next {
		if !slices.ContainsFunc(cur, func(c target) bool { return c.s == t.s }) {
			t.s.Close(ctx)
		}
	}
}

// IncludesPatientData reports whether a current target exports Event.PatientData
// (include_patient_data): only then is it worth filling.
func (x *Exporter) IncludesPatientData() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for _, t := range x.targets {
		switch c := t.cfg.(type) {
		case SyslogConfig:
			if c.IncludePatientData {
				return true
			}
		case WebhookConfig:
			if c.IncludePatientData {
				return true
			}
		}
	}
	return false
}

// Send gives e to every target; it never blocks (but for the instant of an Update's swap).
func (x *Exporter) Send(e Event) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for _, t := range x.targets {
		t.s.Send(e)
	}
}

// Stats returns each current target's counters by its name.
func (x *Exporter) Stats() map[string]Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	m := make(map[string]Stats, len(x.targets))
	for _, t := range x.targets {
		m[t.name] = t.s.Stats()
	}
	return m
}

// Close closes every target, all within ctx, and returns their errors; it also waits for the targets
// retired by Update.
func (x *Exporter) Close(ctx context.Context) error {
	x.mu.Lock()
	x.closed = true
	ts := x.targets
	x.mu.Unlock()
	errs := make([]error, len(ts))
	done := make(chan int)
	for i, t := range ts {
		go func() { errs[i] = t.s.Close(ctx); done <- i }()
	}
	for range ts {
		<-done
	}
	x.retiring.Wait()
	return errors.Join(errs...)
}

// Describe implements prometheus.Collector. It describes nothing: the series come and go with the
// targets, so the Exporter is an unchecked collector.
func (x *Exporter) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector.
func (x *Exporter) Collect(ch chan<- prometheus.Metric) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for _, t := range x.targets {
		t.s.Collect(ch)
	}
}
