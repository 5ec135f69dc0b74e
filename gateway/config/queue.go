package config

import (
	"fmt"
	"path/filepath"
	"time"
)

// Route delivery modes (policy.RouteConfig.Delivery).
const (
	// DeliveryRelay forwards each message while the monitor waits and relays the station's ACK: a
	// positive ACK means a station accepted the message.
	DeliveryRelay = "relay"
	// DeliveryStore appends each message to the route's durable queue (fsynced) and answers the monitor
	// with a positive commit ACK (CA in enhanced mode, AA in original mode) meaning "durably queued, not
	// yet delivered"; deliverers then send it to the route's stations, in order per monitor.
	DeliveryStore = "store"
)

// What a store-mode deliverer does when a station answers a queued message negatively (AE/AR).
const (
	OnRejectDeadLetter = "dead_letter" // move it to the dead letters at once
	OnRejectRetry      = "retry"       // send it again, up to reject_retries times, then dead-letter it
)

// QueueConfig is the durable store-and-forward queue of the routes with delivery: store. Each such route
// has its own queue in Directory/<route name>; within it, each station's messages from each monitor are
// kept in order under the key "<station>/<device>", so one station's progress never waits for another's.
type QueueConfig struct {
	// Directory holds one sub-directory per store-mode route; required when a route has delivery: store.
	Directory string `mapstructure:"directory"`
	// MaxBytes bounds each route's queued bytes and dead letters; MaxSourceBytes one monitor connection
	// address's share of them (default MaxBytes/8): the address, not the device ID its messages claim,
	// which a hostile monitor could vary. MaxAge bounds the age of the oldest queued message of one
	// station and device: a station down that long refuses that device's new messages, or, in a
	// fan-out, misses them while the route's other stations get them. At a bound the monitor gets AE
	// (CE in enhanced mode) and nothing already queued is dropped.
	MaxBytes       int64         `mapstructure:"max_bytes"`
	MaxSourceBytes int64         `mapstructure:"max_source_bytes"`
	MaxAge         time.Duration `mapstructure:"max_age"`
	// RetryMin and RetryMax bound the backoff between delivery attempts of one message (doubling).
	RetryMin time.Duration `mapstructure:"retry_min"`
	RetryMax time.Duration `mapstructure:"retry_max"`
	// OnReject is dead_letter (default) or retry: what a station's AE/AR does to a queued message.
	OnReject string `mapstructure:"on_reject"`
	// RejectRetries is how many more times a rejected message is sent (on_reject: retry) before it is
	// dead-lettered.
	RejectRetries int `mapstructure:"reject_retries"`
	// PoisonAttempts is how many failed deliveries (no matching answer) a message may have while its
	// station answers other messages in between before it is dead-lettered, so that its device's later
	// messages go on. A failure while the station answers nothing (down, restarting) does not count.
	PoisonAttempts int `mapstructure:"poison_attempts"`
}

// Queue defaults.
const (
	DefaultQueueMaxBytes = 1 << 30
	DefaultQueueMaxAge   = 24 * time.Hour
	DefaultQueueRetryMin = 500 * time.Millisecond
	DefaultQueueRetryMax = 30 * time.Second
	// DefaultQueuePoisonAttempts: ten failures of one message, each after the station answered others:
	// about two minutes of retries at the default backoff, and a message that fails a try by chance (a
	// station slow on large messages, a lossy link) with chance p is dead-lettered with p^10.
	DefaultQueuePoisonAttempts = 10
)

func (q QueueConfig) withDefaults() QueueConfig {
	setDefault(&q.MaxBytes, DefaultQueueMaxBytes)
	setDefault(&q.MaxSourceBytes, q.MaxBytes/8)
	setDefault(&q.MaxAge, DefaultQueueMaxAge)
	setDefault(&q.PoisonAttempts, DefaultQueuePoisonAttempts)
	setDefault(&q.RetryMin, DefaultQueueRetryMin)
	setDefault(&q.RetryMax, DefaultQueueRetryMax)
	setDefault(&q.OnReject, OnRejectDeadLetter)
	return q
}

// StoreRoutes returns the names of the routes with delivery: store, in configuration order.
func (c Config) StoreRoutes() []string {
	var names []string
	for _, r := range c.Routes {
		if r.Delivery == DeliveryStore {
			names = append(names, r.Name)
		}
	}
	return names
}

// QueueDir returns the directory of route's queue.
func (c Config) QueueDir(route string) string { return filepath.Join(c.Queue.Directory, route) }

// validateQueue checks the routes' delivery modes and the queue section (after WithDefaults).
func (c Config) validateQueue() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	stores := 0
	for i, r := range c.Routes {
		key := fmt.Sprintf("routes[%d]", i)
		switch r.Delivery {
		case DeliveryRelay:
		case DeliveryStore:
			stores++
			if r.Name != "" && !pathSafe(r.Name) {
				bad(key+".name", "%q cannot name a queue directory (delivery: store allows letters, digits, '.', '_' and '-')", r.Name)
			}
		default:
			bad(key+".delivery", "%q is not relay or store", r.Delivery)
		}
	}
	q := c.Queue
	if stores > 0 && q.Directory == "" {
		bad("queue.directory", "required when a route has delivery: store")
	}
	if q.MaxBytes < 1<<20 {
		bad("queue.max_bytes", "%d must be at least 1048576", q.MaxBytes)
	} else if q.MaxSourceBytes < 64<<10 || q.MaxSourceBytes > q.MaxBytes {
		bad("queue.max_source_bytes", "%d not in 65536..max_bytes (%d)", q.MaxSourceBytes, q.MaxBytes)
	}
	if q.PoisonAttempts < 2 || q.PoisonAttempts > 1000 {
		bad("queue.poison_attempts", "%d not in 2..1000", q.PoisonAttempts)
	}
	if q.MaxAge < time.Second {
		bad("queue.max_age", "%s must be at least 1s", q.MaxAge)
	}
	if q.RetryMin < time.Millisecond {
		bad("queue.retry_min", "%s is too short", q.RetryMin)
	}
	if q.RetryMax < q.RetryMin {
		bad("queue.retry_max", "%s is shorter than queue.retry_min %s", q.RetryMax, q.RetryMin)
	}
	switch q.OnReject {
	case OnRejectDeadLetter:
		if q.RejectRetries != 0 {
			bad("queue.reject_retries", "%d needs on_reject: retry", q.RejectRetries)
		}
	case OnRejectRetry:
		if q.RejectRetries < 1 || q.RejectRetries > 1000 {
			bad("queue.reject_retries", "%d not in 1..1000 (on_reject: retry)", q.RejectRetries)
		}
	default:
		bad("queue.on_reject", "%q is not dead_letter or retry", q.OnReject)
	}
	return errs
}

// pathSafe reports whether name is usable as one path element on every platform.
func pathSafe(name string) bool {
	if name == "." || name == ".." || len(name) > 128 {
		return false
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
		default:
			return false
		}
	}
	return true
}
