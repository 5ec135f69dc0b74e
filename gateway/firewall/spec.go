package firewall

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
)

// DefaultTable is the nftables table name used when Spec.Table is empty.
const DefaultTable = "hl7gate"

// Spec describes one gateway host: its two interfaces, the monitor
// networks behind one of them, hl7gate's listeners and the destinations
// monitors may reach through it. The zero value is not valid; see Validate.
type Spec struct {
	// Table is the name of the inet table the rules live in; empty means
	// DefaultTable. Nothing outside this table is touched.
	Table string

	// MonitorIface and HospitalIface name the monitor-side and the
	// hospital-side interface (e.g. "eth1", "eth0").
	MonitorIface  string
	HospitalIface string

	// MonitorNets are the networks the monitors are on. Only TCP from these
	// sources is handed to hl7gate; everything else arriving on the monitor
	// interface is logged and dropped.
	MonitorNets []netip.Prefix

	// Direct are hl7gate's own listener addresses on the monitor side that
	// monitors may connect to as they are (no redirect).
	Direct []netip.AddrPort

	// InterceptPort is the local port of hl7gate's intercept listener;
	// connections to Intercept and Capture destinations are redirected to it.
	InterceptPort uint16

	// SinkholePort is the local port of hl7gate's sinkhole listener; every
	// other TCP connection from a monitor is redirected to it.
	SinkholePort uint16

	// Intercept are station addresses monitors are configured with; TCP to
	// them is redirected into hl7gate, which maps the original destination
	// to a station.
	Intercept []netip.AddrPort

	// Capture are outside destinations hard-coded in monitors (for example a
	// vendor default central station); TCP to them is redirected into
	// hl7gate like Intercept, and the operator maps each to an internal
	// station. Nothing aimed at them leaves the host.
	Capture []netip.AddrPort

	// Stations are the allowlisted central stations; hl7gate's own outbound
	// TCP on the hospital interface may go only to them.
	Stations []netip.AddrPort

	// Watchlist are destinations whose every attempt gets its own rule,
	// counter and log prefix, in addition to DefaultWatchlist (always
	// included). Watchlist rules drop even in learning mode.
	Watchlist []netip.Prefix

	// LogGroup is the NFLOG group every logged packet is sent to.
	LogGroup uint16

	// Learn selects learning mode: the same rules count and log, but accept
	// what enforcement would drop (except the watchlist), and TCP that
	// enforcement would sinkhole is logged and left alone.
	Learn bool
}

// DefaultWatchlist returns the built-in watchlist: 202.114.4.0/24, the
// hard-coded destination of the Contec CMS8000 backdoor (CISA ICSMA-25-030-01).
func DefaultWatchlist() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("202.114.4.0/24")}
}

// table returns the table name, defaulted.
func (s Spec) table() string {
	if s.Table == "" {
		return DefaultTable
	}
	return s.Table
}

// watchlist returns DefaultWatchlist followed by s.Watchlist.
func (s Spec) watchlist() []netip.Prefix {
	return append(DefaultWatchlist(), s.Watchlist...)
}

var (
	// tableName matches names nft accepts as an identifier without quoting.
	tableName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,31}$`)
	// ifaceName matches interface names safe to put in a quoted nft string.
	ifaceName = regexp.MustCompile(`^[A-Za-z0-9_.:@-]{1,15}$`)
)

// ValidInterfaceName reports whether name is an interface name the rules accept (1-15 of A-Z a-z 0-9 _ . : @ -),
// so that what else is rendered for the same host (hl7gate keepalived's keepalived.conf) accepts the same names.
func ValidInterfaceName(name string) bool { return ifaceName.MatchString(name) }

// Validate reports every problem with s at once, each naming its field.
func (s Spec) Validate() error {
	var errs []error
	if !tableName.MatchString(s.table()) {
		errs = append(errs, fmt.Errorf("table: %q is not a letter followed by up to 31 letters, digits or underscores", s.Table))
	}
	for _, f := range []struct{ key, name string }{{"monitor_iface", s.MonitorIface}, {"hospital_iface", s.HospitalIface}} {
		if !ifaceName.MatchString(f.name) {
			errs = append(errs, fmt.Errorf("%s: %q is not an interface name (1-15 of A-Z a-z 0-9 _ . : @ -)", f.key, f.name))
		}
	}
	if s.MonitorIface != "" && s.MonitorIface == s.HospitalIface {
		errs = append(errs, fmt.Errorf("hospital_iface: %q is also the monitor interface", s.HospitalIface))
	}
	if len(s.MonitorNets) == 0 {
		errs = append(errs, errors.New("monitor_nets: at least one network is required"))
	}
	if len(s.Stations) == 0 {
		errs = append(errs, errors.New("stations: at least one central station is required"))
	}
	errs = append(errs, checkPrefixes("monitor_nets", s.MonitorNets)...)
	errs = append(errs, checkPrefixes("watchlist", s.Watchlist)...)
	if s.InterceptPort == 0 {
		errs = append(errs, errors.New("intercept_port: must not be 0"))
	}
	if s.SinkholePort == 0 {
		errs = append(errs, errors.New("sinkhole_port: must not be 0"))
	}
	if s.InterceptPort != 0 && s.InterceptPort == s.SinkholePort {
		errs = append(errs, fmt.Errorf("sinkhole_port: %d is also the intercept port", s.SinkholePort))
	}
	// Destinations monitors reach through hl7gate: each in one list only.
	seen := make(map[netip.AddrPort]string)
	for _, l := range []struct {
		key  string
		list []netip.AddrPort
	}{{"direct", s.Direct}, {"intercept", s.Intercept}, {"capture", s.Capture}} {
		errs = append(errs, checkAddrPorts(l.key, l.list)...)
		for i, ap := range l.list {
			if prev, ok := seen[ap]; ok && prev != l.key {
				errs = append(errs, fmt.Errorf("%s[%d]: %s is also listed in %s", l.key, i, ap, prev))
			}
			seen[ap] = l.key
		}
	}
	for i, ap := range s.Direct {
		if p := ap.Port(); p == s.InterceptPort || p == s.SinkholePort {
			errs = append(errs, fmt.Errorf("direct[%d]: port %d is the intercept or sinkhole port", i, p))
		}
	}
	errs = append(errs, checkAddrPorts("stations", s.Stations)...)
	for i, ap := range s.Stations {
		for _, n := range s.MonitorNets {
			if n.Contains(ap.Addr()) {
				errs = append(errs, fmt.Errorf("stations[%d]: %s is inside monitor network %s "+
					"(stations must be on the hospital side; for a trial on loopback, monitor_networks must not contain the station's address)",
					i, ap.Addr(), n))
			}
		}
	}
	return errors.Join(errs...)
}

// checkPrefixes reports prefixes nft would reject or read differently.
func checkPrefixes(key string, ps []netip.Prefix) []error {
	var errs []error
	for i, p := range ps {
		switch {
		case !p.IsValid():
			errs = append(errs, fmt.Errorf("%s[%d]: invalid prefix", key, i))
		case p.Addr().Is4In6() || p.Addr().Zone() != "":
			errs = append(errs, fmt.Errorf("%s[%d]: %s: use a plain IPv4 or IPv6 prefix", key, i, p))
		case p != p.Masked():
			errs = append(errs, fmt.Errorf("%s[%d]: %s has host bits set (did you mean %s?)", key, i, p, p.Masked()))
		}
	}
	return errs
}

// checkAddrPorts reports addresses nft would reject or read differently.
func checkAddrPorts(key string, aps []netip.AddrPort) []error {
	var errs []error
	for i, ap := range aps {
		a := ap.Addr()
		switch {
		case !ap.IsValid() || ap.Port() == 0:
			errs = append(errs, fmt.Errorf("%s[%d]: need an address and a non-zero port", key, i))
		case a.Is4In6() || a.Zone() != "":
			errs = append(errs, fmt.Errorf("%s[%d]: %s: use a plain IPv4 or IPv6 address", key, i, ap))
		case a.IsUnspecified() || a.IsMulticast():
			errs = append(errs, fmt.Errorf("%s[%d]: %s is not a unicast address", key, i, ap))
		}
	}
	return errs
}
