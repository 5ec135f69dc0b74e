package export

import (
	"context"
	"errors"
	"fmt"

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

// Exporter sends each event to every configured target. The zero value and an Exporter without targets
// take events and do nothing. It is a prometheus.Collector of every target's metrics.
type Exporter struct {
	senders []sender
	names   []string
}

// New validates cfg and starts a sender per target; version is hl7gate's version. On error nothing is
// left running.
func New(cfg Config, version string, log zerolog.Logger) (*Exporter, error) {
	if err := cfg.Validate("export"); err != nil {
		return nil, err
	}
	x := &Exporter{}
	fail := func(err error) (*Exporter, error) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // stop at once: nothing was sent yet
		x.Close(ctx)
		return nil, err
	}
	for _, c := range cfg.Syslog {
		c.Version = version
		s, err := NewSyslog(c, log)
		if err != nil {
			return fail(err)
		}
		x.senders, x.names = append(x.senders, s), append(x.names, s.name)
	}
	for _, c := range cfg.Webhook {
		c.Version = version
		w, err := NewWebhook(c, log)
		if err != nil {
			return fail(err)
		}
		x.senders, x.names = append(x.senders, w), append(x.names, w.name)
	}
	return x, nil
}

// Send gives e to every target; it never blocks.
func (x *Exporter) Send(e Event) {
	for _, s := range x.senders {
		s.Send(e)
	}
}

// Stats returns each target's counters by its name.
func (x *Exporter) Stats() map[string]Stats {
	m := make(map[string]Stats, len(x.senders))
	for i, s := range x.senders {
		m[x.names[i]] = s.Stats()
	}
	return m
}

// Close closes every target, all within ctx, and returns their errors.
func (x *Exporter) Close(ctx context.Context) error {
	errs := make([]error, len(x.senders))
	done := make(chan int)
	for i, s := range x.senders {
		go func() { errs[i] = s.Close(ctx); done <- i }()
	}
	for range x.senders {
		<-done
	}
	return errors.Join(errs...)
}

// Describe implements prometheus.Collector.
func (x *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, s := range x.senders {
		s.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (x *Exporter) Collect(ch chan<- prometheus.Metric) {
	for _, s := range x.senders {
		s.Collect(ch)
	}
}
