package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/hl7gate/hl7gate/gateway/firewall"
)

// ErrEgressDisabled is returned by Config.FirewallSpec when egress.enabled is off: there are no rules to
// derive.
var ErrEgressDisabled = errors.New("egress containment is not enabled (egress.enabled)")

// EgressConfig turns on egress containment of the monitor segment: the nftables ruleset derived from this
// configuration (hl7gate firewall render|apply|remove), the sinkhole listener that records every other TCP
// connection of a monitor, and the NFLOG reader that records every other packet. See docs/deployment.md.
type EgressConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Learn renders rules that count and record but drop only the watchlist, so an operator can see
	// what the monitors do before enforcing.
	Learn bool `mapstructure:"learn"`
	// Table is the nftables table (inet family) that holds every rule; nothing outside it is touched.
	Table string `mapstructure:"table"`
	// MonitorInterface and HospitalInterface name the host's two legs (e.g. eth1, eth0).
	MonitorInterface  string `mapstructure:"monitor_interface"`
	HospitalInterface string `mapstructure:"hospital_interface"`
	// MonitorNetworks are the CIDRs the monitors are on.
	MonitorNetworks []string `mapstructure:"monitor_networks"`
	// Sinkhole is the ip:port of hl7gate's sinkhole listener; the rules redirect every TCP connection of a
	// monitor that is neither intercepted nor for a direct listener to its port.
	Sinkhole string `mapstructure:"sinkhole"`
	// NFLOGGroup is the NFLOG group the rules log to; 0 leaves the reader off (the rules still log to
	// group 0 and count).
	NFLOGGroup uint16 `mapstructure:"nflog_group"`
	// Watchlist adds CIDRs to the built-in watchlist (202.114.4.0/24, the Contec CMS8000 backdoor): an
	// attempt toward them is always dropped and raised as critical.
	Watchlist []string `mapstructure:"watchlist"`
	// SummaryInterval is how often one log line sums up the attempts since the last one; each new
	// (monitor, destination) pair is logged once when first seen.
	SummaryInterval time.Duration `mapstructure:"summary_interval"`
	// ApplyOnReload lets a running gateway re-apply the ruleset (nft -f, one transaction) when a
	// configuration reload changes it (stations, capture, learn). Off by default: the rules are then
	// installed by `hl7gate firewall apply`, and a reload that changes them logs that they differ.
	ApplyOnReload bool `mapstructure:"apply_on_reload"`
	// VerifyInterval is how often the running gateway checks that the ruleset in force is the one this
	// configuration renders, unedited (firewall.Watcher); it checks at start too. Not intact: /readyz fails
	// (an HA pair fails over), hl7gate_firewall_intact is 0, one event and one log line per change.
	// Default() sets DefaultEgressVerifyInterval; 0 turns the check off (nothing then notices lost rules).
	VerifyInterval time.Duration `mapstructure:"verify_interval"`
	// Repair re-applies this configuration's rules when the check finds them missing, foreign or
	// modified (and at start, so that what is checked is what hl7gate installed). Default() sets it: the
	// configuration says the rules must be there, and their usual loss is an accidental flush.
	Repair bool `mapstructure:"repair"`
}

// DefaultEgressVerifyInterval is egress.verify_interval in Default(): a few seconds of an nft listing
// (milliseconds of CPU) bound how long lost containment goes unnoticed.
const DefaultEgressVerifyInterval = 5 * time.Second

// Bounds of egress.verify_interval other than 0 (off).
const (
	minEgressVerifyInterval = 100 * time.Millisecond
	maxEgressVerifyInterval = time.Hour
)

// DefaultEgressSummaryInterval is the default egress.summary_interval.
const DefaultEgressSummaryInterval = time.Minute

func (e EgressConfig) withDefaults() EgressConfig {
	setDefault(&e.Table, firewall.DefaultTable)
	setDefault(&e.SummaryInterval, DefaultEgressSummaryInterval)
	return e
}

// FirewallSpec derives the nftables ruleset from the configuration the gateway runs: direct listeners are
// reached as they are, the intercept listener's port receives connections to station addresses and
// captured destinations, the sinkhole port receives every other TCP connection of a monitor, and the
// gateway's own outbound connections may go only to the stations. c must be complete (WithDefaults);
// FirewallSpec validates it. It returns ErrEgressDisabled when egress.enabled is off.
func (c Config) FirewallSpec() (firewall.Spec, error) {
	if !c.Egress.Enabled {
		return firewall.Spec{}, ErrEgressDisabled
	}
	if err := c.Validate(); err != nil {
		return firewall.Spec{}, err
	}
	s, errs := c.firewallSpec()
	return s, errors.Join(errs...)
}

// validateEgress reports the egress problems of c, each naming its key; none when egress is off.
func (c Config) validateEgress() []error {
	if !c.Egress.Enabled {
		return nil
	}
	_, errs := c.firewallSpec()
	return errs
}

// firewallSpec maps c to a firewall.Spec. Listener and station entries that do not parse are skipped: Validate
// reports them under their own keys.
func (c Config) firewallSpec() (firewall.Spec, []error) {
	e := c.Egress
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	s := firewall.Spec{
		Table:         e.Table,
		MonitorIface:  e.MonitorInterface,
		HospitalIface: e.HospitalInterface,
		LogGroup:      e.NFLOGGroup,
		Learn:         e.Learn,
	}
	if e.MonitorInterface == "" {
		bad("egress.monitor_interface", "required (the host's leg toward the monitors)")
	}
	if e.HospitalInterface == "" {
		bad("egress.hospital_interface", "required (the host's leg toward the central stations)")
	}
	if len(e.MonitorNetworks) == 0 {
		bad("egress.monitor_networks", "at least one network is required (the monitor segment)")
	}
	s.MonitorNets, errs = appendPrefixes(errs, "egress.monitor_networks", e.MonitorNetworks)
	s.Watchlist, errs = appendPrefixes(errs, "egress.watchlist", e.Watchlist)
	if sink, err := netip.ParseAddrPort(e.Sinkhole); err != nil || sink.Port() == 0 {
		bad("egress.sinkhole", "%q is not ip:port (hl7gate's sinkhole listener)", e.Sinkhole)
	} else {
		s.SinkholePort = sink.Port()
	}
	if e.SummaryInterval < time.Millisecond {
		bad("egress.summary_interval", "%s is too short", e.SummaryInterval)
	}
	if v := e.VerifyInterval; v != 0 && (v < minEgressVerifyInterval || v > maxEgressVerifyInterval) {
		bad("egress.verify_interval", "%s not in %s..%s (0 turns the check off)", v, minEgressVerifyInterval, maxEgressVerifyInterval)
	}

	intercept := -1
	var interceptAddr netip.Addr // the intercept listener's address
	for i, l := range c.Listeners {
		key := fmt.Sprintf("listeners[%d]", i)
		ap, err := netip.ParseAddrPort(l.Address)
		if err != nil {
			continue
		}
		if s.SinkholePort != 0 && ap.Port() == s.SinkholePort {
			bad("egress.sinkhole", "port %d is also %s's port", s.SinkholePort, key)
		}
		switch l.Mode {
		case ModeDirect:
			if ap.Addr().IsUnspecified() {
				bad(key+".address", "%s: with egress enabled a direct listener needs its monitor-side address", l.Address)
				continue
			}
			s.Direct = append(s.Direct, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
		case ModeIntercept:
			if intercept >= 0 {
				bad(key+".mode", "listeners[%d] is already the intercept listener; the rules redirect to one port", intercept)
				continue
			}
			intercept = i
			interceptAddr = ap.Addr().Unmap()
			s.InterceptPort = ap.Port()
		}
	}
	if intercept < 0 {
		bad("listeners", "egress needs a listener with mode intercept: the rules redirect station addresses to its port")
	}
	for i, st := range c.Stations {
		key := fmt.Sprintf("stations[%d]", i)
		ap, err := netip.ParseAddrPort(st.Address)
		if err != nil {
			if _, _, herr := net.SplitHostPort(st.Address); herr == nil {
				bad(key+".address", "%q: with egress enabled a station address must be ip:port (the rules match addresses, not names)", st.Address)
			}
			continue
		}
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		s.Stations = append(s.Stations, ap)
		if intercept >= 0 {
			s.Intercept = append(s.Intercept, ap)
			if msg := familyMismatch(interceptAddr, ap.Addr()); msg != "" {
				bad(key+".address", "%s but listeners[%d].address (the intercept listener) is %s", msg, intercept, interceptAddr)
			}
		}
		if len(st.Capture) > 0 && intercept < 0 {
			bad(key+".capture", "captured destinations are redirected to the intercept listener, and there is none")
		}
		for j, d := range st.Capture {
			if cp, err := netip.ParseAddrPort(d); err == nil {
				s.Capture = append(s.Capture, netip.AddrPortFrom(cp.Addr().Unmap(), cp.Port()))
				if msg := familyMismatch(interceptAddr, cp.Addr().Unmap()); intercept >= 0 && msg != "" {
					bad(fmt.Sprintf("%s.capture[%d]", key, j), "%s but listeners[%d].address (the intercept listener) is %s",
						msg, intercept, interceptAddr)
				}
			}
		}
	}
	if len(errs) > 0 {
		return s, errs
	}
	if err := s.Validate(); err != nil {
		return s, []error{fmt.Errorf("egress: the firewall rules would be invalid: %w", err)}
	}
	return s, nil
}

// familyMismatch says why connections redirected to dst could not reach an intercept listener bound to
// ln, or "" when they can. A wildcard address (0.0.0.0 or ::) serves both families (Go listens
// dual-stack on it); a specific address serves only its own, and the kernel would refuse a redirected
// connection of the other family before hl7gate could record it.
func familyMismatch(ln, dst netip.Addr) string {
	if ln.IsUnspecified() || ln.Is4() == dst.Is4() {
		return ""
	}
	if dst.Is4() {
		return fmt.Sprintf("%s is IPv4", dst)
	}
	return fmt.Sprintf("%s is IPv6", dst)
}

// appendPrefixes parses CIDRs listed under key, reporting each bad one with its index.
func appendPrefixes(errs []error, key string, list []string) ([]netip.Prefix, []error) {
	var out []netip.Prefix
	for i, v := range list {
		p, err := netip.ParsePrefix(v)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s[%d]: %q is not a CIDR prefix", key, i, v))
		case p != p.Masked():
			errs = append(errs, fmt.Errorf("%s[%d]: %s has host bits set (did you mean %s?)", key, i, p, p.Masked()))
		default:
			out = append(out, p)
		}
	}
	return out, errs
}
