package config

import (
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy"
)

// delivery.busy_poll: not set takes the default, 0 stays 0 (off, not "the default"), and a value outside
// 0..1ms is refused naming the key.
func TestBusyPoll(t *testing.T) {
	minimal := func(bp *time.Duration) Config {
		return Config{
			Listeners: []ListenerConfig{{Name: "icu", Address: "127.0.0.1:2575", AllowSources: []string{"127.0.0.0/8"}}},
			Stations:  []StationConfig{{Name: "central", Address: "127.0.0.1:2576"}},
			Routes:    []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}},
			Delivery:  DeliveryConfig{BusyPoll: bp},
		}.WithDefaults()
	}
	d := func(v time.Duration) *time.Duration { return &v }
	for _, tc := range []struct {
		name string
		set  *time.Duration
		want time.Duration
		err  string
	}{
		{"not set", nil, DefaultBusyPoll, ""},
		{"off", d(0), 0, ""},
		{"250us", d(250 * time.Microsecond), 250 * time.Microsecond, ""},
		{"the bound", d(MaxBusyPoll), MaxBusyPoll, ""},
		{"over the bound", d(MaxBusyPoll + time.Microsecond), 0, "delivery.busy_poll: 1.001ms not in 0..1ms (0 turns busy polling off)"},
		{"negative", d(-time.Microsecond), 0, "delivery.busy_poll: -1µs not in 0..1ms (0 turns busy polling off)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := minimal(tc.set)
			err := c.Validate()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Validate: %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Delivery.BusyPollBound(); got != tc.want {
				t.Fatalf("busy_poll %v, want %v", got, tc.want)
			}
		})
	}
}
