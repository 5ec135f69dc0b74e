package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/firewall"
	"github.com/hl7gate/hl7gate/policy"
)

// egressConfig is a valid configuration with egress on: a direct and an intercept listener on the monitor
// side (192.0.2.1), two stations on the hospital side, one with a captured hard-coded destination.
func egressConfig() Config {
	return Config{
		Listeners: []ListenerConfig{
			{Name: "direct", Address: "192.0.2.1:2575", AllowSources: []string{"192.0.2.0/24"}},
			{Name: "intercept", Address: "0.0.0.0:2576", Mode: ModeIntercept, AllowSources: []string{"192.0.2.0/24"}},
		},
		Stations: []StationConfig{
			{Name: "central-a", Address: "198.51.100.10:2575", Capture: []string{"203.0.113.120:511"}},
			{Name: "central-b", Address: "[fd00:2::10]:2575"},
		},
		Routes: []policy.RouteConfig{{Name: "all", Stations: []string{"central-a"}}},
		Egress: EgressConfig{
			Enabled: true, MonitorInterface: "mon0", HospitalInterface: "hosp0",
			MonitorNetworks: []string{"192.0.2.0/24", "fd00:1::/64"}, Sinkhole: "0.0.0.0:2577", NFLOGGroup: 7,
			Watchlist: []string{"203.0.113.119/32"},
		},
	}.WithDefaults()
}

func TestFirewallSpec(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want firewall.Spec
	}{
		{"enforce", func(*Config) {}, firewall.Spec{
			Table: "hl7gate", MonitorIface: "mon0", HospitalIface: "hosp0",
			MonitorNets:   []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("fd00:1::/64")},
			Direct:        []netip.AddrPort{ap("192.0.2.1:2575")},
			InterceptPort: 2576, SinkholePort: 2577,
			Intercept: []netip.AddrPort{ap("198.51.100.10:2575"), ap("[fd00:2::10]:2575")},
			Capture:   []netip.AddrPort{ap("203.0.113.120:511")},
			Stations:  []netip.AddrPort{ap("198.51.100.10:2575"), ap("[fd00:2::10]:2575")},
			Watchlist: []netip.Prefix{netip.MustParsePrefix("203.0.113.119/32")},
			LogGroup:  7,
		}},
		{"learn, own table, no extra watchlist", func(c *Config) {
			c.Egress.Learn, c.Egress.Table, c.Egress.Watchlist = true, "icu_a", nil
			c.Stations = c.Stations[:1]
		}, firewall.Spec{
			Table: "icu_a", MonitorIface: "mon0", HospitalIface: "hosp0",
			MonitorNets:   []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("fd00:1::/64")},
			Direct:        []netip.AddrPort{ap("192.0.2.1:2575")},
			InterceptPort: 2576, SinkholePort: 2577,
			Intercept: []netip.AddrPort{ap("198.51.100.10:2575")},
			Capture:   []netip.AddrPort{ap("203.0.113.120:511")},
			Stations:  []netip.AddrPort{ap("198.51.100.10:2575")},
			LogGroup:  7, Learn: true,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := egressConfig()
			tc.edit(&cfg)
			got, err := cfg.FirewallSpec()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("FirewallSpec =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestFirewallSpecDisabled(t *testing.T) {
	cfg := egressConfig()
	cfg.Egress.Enabled = false
	if _, err := cfg.FirewallSpec(); err != ErrEgressDisabled {
		t.Fatalf("FirewallSpec with egress off: %v, want ErrEgressDisabled", err)
	}
	// Off, the egress keys are not checked at all.
	cfg.Egress.Sinkhole = "nonsense"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate with egress off: %v", err)
	}
}

// Each bad shape names its key; several at once are all reported.
func TestEgressValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want []string
	}{
		{"missing keys", func(c *Config) {
			c.Egress.MonitorInterface, c.Egress.HospitalInterface, c.Egress.MonitorNetworks, c.Egress.Sinkhole = "", "", nil, ""
		}, []string{
			"egress.monitor_interface: required (the host's leg toward the monitors)",
			"egress.hospital_interface: required (the host's leg toward the central stations)",
			"egress.monitor_networks: at least one network is required (the monitor segment)",
			`egress.sinkhole: "" is not ip:port (hl7gate's sinkhole listener)`,
		}},
		{"bad networks", func(c *Config) {
			c.Egress.MonitorNetworks = []string{"192.0.2.0/33", "192.0.2.1/24"}
			c.Egress.Watchlist = []string{"x"}
		}, []string{
			`egress.monitor_networks[0]: "192.0.2.0/33" is not a CIDR prefix`,
			"egress.monitor_networks[1]: 192.0.2.1/24 has host bits set (did you mean 192.0.2.0/24?)",
			`egress.watchlist[0]: "x" is not a CIDR prefix`,
		}},
		{"sinkhole port taken", func(c *Config) { c.Egress.Sinkhole = "0.0.0.0:2576" }, []string{
			"egress.sinkhole: port 2576 is also listeners[1]'s port",
		}},
		{"summary interval", func(c *Config) { c.Egress.SummaryInterval = time.Nanosecond }, []string{
			"egress.summary_interval: 1ns is too short",
		}},
		{"verify interval too short", func(c *Config) { c.Egress.VerifyInterval = time.Millisecond }, []string{
			"egress.verify_interval: 1ms not in 100ms..1h0m0s (0 turns the check off)",
		}},
		{"verify interval negative", func(c *Config) { c.Egress.VerifyInterval = -time.Second }, []string{
			"egress.verify_interval: -1s not in 100ms..1h0m0s (0 turns the check off)",
		}},
		{"direct listener on any address", func(c *Config) { c.Listeners[0].Address = "0.0.0.0:2575" }, []string{
			"listeners[0].address: 0.0.0.0:2575: with egress enabled a direct listener needs its monitor-side address",
		}},
		{"two intercept listeners", func(c *Config) {
			c.Listeners = append(c.Listeners, ListenerConfig{Name: "intercept2", Address: "0.0.0.0:2578",
				Mode: ModeIntercept, AllowSources: []string{"192.0.2.0/24"}})
			*c = c.WithDefaults()
		}, []string{
			"listeners[2].mode: listeners[1] is already the intercept listener; the rules redirect to one port",
		}},
		{"capture without intercept listener", func(c *Config) { c.Listeners = c.Listeners[:1] }, []string{
			"listeners: egress needs a listener with mode intercept: the rules redirect station addresses to its port",
			"stations[0].capture: captured destinations are redirected to the intercept listener, and there is none",
		}},
		{"station by name", func(c *Config) { c.Stations[1].Address = "central-b.example:2575" }, []string{
			`stations[1].address: "central-b.example:2575": with egress enabled a station address must be ip:port (the rules match addresses, not names)`,
		}},
		// A listener on one IPv4 address cannot take a redirected IPv6 connection: the kernel would refuse
		// it before hl7gate could record anything.
		{"IPv6 capture and station with an IPv4 intercept listener", func(c *Config) {
			c.Listeners[1].Address = "192.0.2.1:2576"
			c.Stations[0].Capture = append(c.Stations[0].Capture, "[2001:db8::120]:511")
		}, []string{
			"stations[0].capture[1]: 2001:db8::120 is IPv6 but listeners[1].address (the intercept listener) is 192.0.2.1",
			"stations[1].address: fd00:2::10 is IPv6 but listeners[1].address (the intercept listener) is 192.0.2.1",
		}},
		{"IPv4 capture with an IPv6 intercept listener", func(c *Config) {
			c.Listeners[1].Address = "[fd00:1::1]:2576"
		}, []string{
			"stations[0].address: 198.51.100.10 is IPv4 but listeners[1].address (the intercept listener) is fd00:1::1",
			"stations[0].capture[0]: 203.0.113.120 is IPv4 but listeners[1].address (the intercept listener) is fd00:1::1",
		}},
		{"rules the firewall refuses", func(c *Config) { c.Egress.Table = "no-dashes" }, []string{
			`egress: the firewall rules would be invalid: table: "no-dashes" is not a letter followed by up to 31 letters, digits or underscores`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := egressConfig()
			tc.edit(&cfg)
			err := cfg.Validate()
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.Split(err.Error(), "\n")
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// Default checks the rules in force every DefaultEgressVerifyInterval and repairs them; a configuration
// built without it (as the in-process tests build theirs) has the check off, which validates.
func TestEgressVerifyDefaults(t *testing.T) {
	if e := Default().Egress; e.VerifyInterval != DefaultEgressVerifyInterval || !e.Repair {
		t.Errorf("Default().Egress: verify_interval %s, repair %t; want %s, true", e.VerifyInterval, e.Repair, DefaultEgressVerifyInterval)
	}
	if err := egressConfig().Validate(); err != nil || egressConfig().Egress.VerifyInterval != 0 {
		t.Errorf("verify_interval 0: %v, %s", err, egressConfig().Egress.VerifyInterval)
	}
}
