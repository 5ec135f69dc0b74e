package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"text/template"

	"github.com/hl7gate/hl7gate/configs"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/firewall"
)

// keepalivedNode is what the two nodes of a pair are told apart by, and what hl7gate's configuration does
// not know: the command's flags.
type keepalivedNode struct {
	RouterID       string
	Priority       int
	VRID           int
	HAInterface    string
	HASource       string
	HAPeer         string
	VIP            string
	AuthHeaderFile string
	AdminCAFile    string
	ScriptUser     string
}

// keepalivedFields are the fields of configs/keepalived.conf.tmpl (documented there), checked.
type keepalivedFields struct {
	RouterID         string
	Priority         int
	HAInterface      string
	HASource, HAPeer netip.Addr
	MonitorInterface string
	VIP              netip.Prefix
	VRID             int
	ReadyURL         string
	AuthHeaderFile   string
	CAFile           string
	ScriptUser       string
}

// keepalivedCmd prints the keepalived configuration of one node of an active/standby pair
// (docs/high-availability.md), rendered from the embedded configs/keepalived.conf.tmpl:
//
//	hl7gate keepalived --config FILE --router-id NAME --priority N --vrid N --ha-interface IFACE
//	    --ha-source ADDR --ha-peer ADDR --vip ADDR/BITS [--auth-header-file FILE] [--admin-ca-file FILE]
//	    [-o /etc/keepalived/keepalived.conf]
//
// What the gateway's configuration already says is taken from it, so that the two cannot disagree: the
// monitor interface (egress.monitor_interface), the readiness URL (admin.address; https with admin.tls)
// and whether the health check must send the admin token (admin.token_file). Every problem is reported
// at once, each naming its flag or key; nothing is printed then, and the -o file is left as it was (a shell
// redirection would have emptied it).
func keepalivedCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("keepalived", stderr)
	path := fs.String("config", "", "YAML configuration file the gateway runs with (required)")
	var n keepalivedNode
	fs.StringVar(&n.RouterID, "router-id", "", "this node's name in keepalived's logs, e.g. hl7gate-a (required)")
	fs.IntVar(&n.Priority, "priority", 0, "1-254: 150 on the node that should start as active, 100 on the other (required)")
	fs.IntVar(&n.VRID, "vrid", 0, "virtual router ID, 1-255, the same on both nodes and unique on the HA link (required)")
	fs.StringVar(&n.HAInterface, "ha-interface", "", "the link the nodes exchange VRRP adverts on, never the monitor interface (required)")
	fs.StringVar(&n.HASource, "ha-source", "", "this node's IPv4 address on the HA link (required)")
	fs.StringVar(&n.HAPeer, "ha-peer", "", "the other node's IPv4 address on the HA link (required)")
	fs.StringVar(&n.VIP, "vip", "", "the virtual address with the monitor segment's prefix, e.g. 10.20.0.1/24 (required)")
	fs.StringVar(&n.AuthHeaderFile, "auth-header-file", "", `file holding "Authorization: Bearer <admin token>" (required exactly when admin.token_file is set)`)
	fs.StringVar(&n.AdminCAFile, "admin-ca-file", "", "with admin.tls: the CA certificate curl checks the admin certificate against, if the system's CAs do not")
	fs.StringVar(&n.ScriptUser, "script-user", "", "user the health check runs as (default keepalived_script with --auth-header-file, nobody without)")
	out := fs.StringP("output", "o", "", "write the configuration to this file (mode 0644), replacing it only when every value checks out; default stdout")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hl7gate keepalived --config FILE --router-id NAME --priority N --vrid N --ha-interface IFACE --ha-source ADDR --ha-peer ADDR --vip ADDR/BITS [flags]")
		fmt.Fprintln(stderr, "prints /etc/keepalived/keepalived.conf for one node of an active/standby pair (docs/high-availability.md)")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *path == "" {
		fs.Usage()
		return errUsage
	}
	var missing []string
	for _, name := range []string{"router-id", "priority", "vrid", "ha-interface", "ha-source", "ha-peer", "vip"} {
		if !fs.Changed(name) {
			missing = append(missing, "--"+name)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "missing %s\n", strings.Join(missing, ", "))
		fs.Usage()
		return errUsage
	}
	cfg, err := loadConfig(*path, nil, os.Environ())
	if err != nil {
		return err
	}
	f, err := n.fields(cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", *path, err)
	}
	conf, err := renderKeepalived(f)
	switch {
	case err != nil:
		return err
	case *out == "":
		_, err = stdout.Write(conf)
		return err
	}
	// 0644 like the rest of /etc/keepalived: nothing in it is secret (the token stays in its header file).
	return replaceFile(*out, conf, 0o644)
}

// renderKeepalived returns the keepalived configuration for f.
func renderKeepalived(f keepalivedFields) ([]byte, error) {
	tmpl, err := template.New("keepalived.conf.tmpl").Option("missingkey=error").Parse(configs.KeepalivedTemplate)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var (
	// keepalivedWord is what may stand in the configuration unquoted: a router ID.
	keepalivedWord = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	// unixUser is a user name useradd accepts (Debian's default NAME_REGEX, less machine accounts' "$").
	unixUser = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	// scriptPath is a path that may stand in the health check's command line, which keepalived splits at
	// white space and quotes.
	scriptPath = regexp.MustCompile(`^/[A-Za-z0-9._/+@=-]*$`)
)

// fields checks n against cfg and returns the template's fields; the error lists every problem.
func (n keepalivedNode) fields(cfg config.Config) (keepalivedFields, error) {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	f := keepalivedFields{RouterID: n.RouterID, Priority: n.Priority, VRID: n.VRID, HAInterface: n.HAInterface,
		MonitorInterface: cfg.Egress.MonitorInterface, AuthHeaderFile: n.AuthHeaderFile, CAFile: n.AdminCAFile, ScriptUser: n.ScriptUser}
	if !keepalivedWord.MatchString(n.RouterID) {
		bad("--router-id %q: want letters, digits, '.', '_' or '-', at most 63", n.RouterID)
	}
	if n.Priority < 1 || n.Priority > 254 {
		bad("--priority %d: not in 1..254", n.Priority)
	}
	if n.VRID < 1 || n.VRID > 255 {
		bad("--vrid %d: not in 1..255", n.VRID)
	}
	if !cfg.Egress.Enabled {
		bad("egress.enabled: an active/standby pair runs with the rules on (the nodes' egress.monitor_interface is the interface the address moves on)")
	}
	if problem := keepalivedIface(cfg.Egress.MonitorInterface); problem != "" {
		bad("egress.monitor_interface %q: %s", cfg.Egress.MonitorInterface, problem)
	}
	if problem := keepalivedIface(n.HAInterface); problem != "" {
		bad("--ha-interface %q: %s", n.HAInterface, problem)
	} else if n.HAInterface == cfg.Egress.MonitorInterface {
		bad("--ha-interface %s is egress.monitor_interface: VRRP must not run on the monitor segment, where a monitor could forge adverts", n.HAInterface)
	}
	monitorNets := parsePrefixes(cfg.Egress.MonitorNetworks)
	f.HASource, f.HAPeer = haAddr(&errs, "--ha-source", n.HASource, monitorNets), haAddr(&errs, "--ha-peer", n.HAPeer, monitorNets)
	if f.HASource.IsValid() && f.HASource == f.HAPeer {
		bad("--ha-peer %s: the other node's address, not this node's (--ha-source)", n.HAPeer)
	}
	f.VIP = vipPrefix(&errs, n.VIP, monitorNets) // inside the monitor networks, so never an HA address
	if f.VIP.IsValid() {
		errs = append(errs, offVIPListeners(cfg.Listeners, n.VIP, f.VIP.Addr(), monitorNets)...)
	}
	var err error
	if f.ReadyURL, err = readyURL(cfg.Admin); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, n.checkAuth(cfg.Admin, &f)...)
	return f, errors.Join(errs...)
}

// checkAuth checks the flags that depend on admin.token_file and admin.tls, and picks the script user.
func (n keepalivedNode) checkAuth(admin config.AdminConfig, f *keepalivedFields) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch {
	case admin.TokenFile != "" && n.AuthHeaderFile == "":
		bad("--auth-header-file: required, since admin.token_file is set and /readyz needs the token (a file holding \"Authorization: Bearer <token>\", root:keepalived_script, mode 0640)")
	case admin.TokenFile == "" && n.AuthHeaderFile != "":
		bad("--auth-header-file %s: admin.token_file is not set, /readyz needs no token", n.AuthHeaderFile)
	case n.AuthHeaderFile != "" && !scriptPath.MatchString(n.AuthHeaderFile):
		bad("--auth-header-file %q: want an absolute path of letters, digits and ._/+@=- (it stands in the health check's command line)", n.AuthHeaderFile)
	}
	switch {
	case n.AdminCAFile != "" && admin.TLS.CertFile == "":
		bad("--admin-ca-file %s: admin.tls is not set, /readyz is plain http", n.AdminCAFile)
	case n.AdminCAFile != "" && !scriptPath.MatchString(n.AdminCAFile):
		bad("--admin-ca-file %q: want an absolute path of letters, digits and ._/+@=- (it stands in the health check's command line)", n.AdminCAFile)
	}
	switch {
	case n.ScriptUser == "" && n.AuthHeaderFile != "":
		f.ScriptUser = "keepalived_script"
	case n.ScriptUser == "":
		f.ScriptUser = "nobody"
	case !unixUser.MatchString(n.ScriptUser):
		bad("--script-user %q: not a user name", n.ScriptUser)
	case n.ScriptUser == "nobody" && n.AuthHeaderFile != "":
		bad("--script-user nobody: the health check reads the token's header file, which nobody must not be able to read; use a user of its own (keepalived_script)")
	}
	return errs
}

// keepalivedIface says what is wrong with an interface name that stands in keepalived.conf, or "". It must
// be a name the rules accept too, and must not start with '@': track_interface puts the monitor interface
// alone at the start of a line, which keepalived reads as conditional configuration and drops without a
// word (keepalived --config-test passes), so losing the monitor link would no longer be a fault.
func keepalivedIface(name string) string {
	switch {
	case !firewall.ValidInterfaceName(name):
		return "not an interface name (1-15 of A-Z a-z 0-9 _ . : @ -)"
	case strings.HasPrefix(name, "@"):
		return "starts with '@', which keepalived reads at the start of a line as conditional configuration and drops the line"
	}
	return ""
}

// parsePrefixes parses the CIDRs of a configuration that validated (so every one parses).
func parsePrefixes(cidrs []string) []netip.Prefix {
	var ps []netip.Prefix
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil {
			ps = append(ps, p.Masked())
		}
	}
	return ps
}

// haAddr parses a node's address on the HA link: IPv4 (the template's instance is IPv4, and keepalived's
// unicast peers have the instance's family) and not on the monitor segment.
func haAddr(errs *[]error, flag, s string, monitorNets []netip.Prefix) netip.Addr {
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil:
		*errs = append(*errs, fmt.Errorf("%s %q: not an IP address", flag, s))
	case !a.Is4():
		*errs = append(*errs, fmt.Errorf("%s %s: not an IPv4 address (the pair's VRRP instance is IPv4)", flag, s))
	case containing(monitorNets, a).IsValid():
		*errs = append(*errs, fmt.Errorf("%s %s: on the monitor segment (%s, egress.monitor_networks): VRRP must not run there, where a monitor could forge adverts", flag, s, containing(monitorNets, a)))
	default:
		return a
	}
	return netip.Addr{}
}

// vipPrefix parses the virtual address: IPv4, with a prefix length, inside one of the monitor networks
// (keepalived puts it on the monitor interface, and the monitors send to it).
func vipPrefix(errs *[]error, s string, monitorNets []netip.Prefix) netip.Prefix {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		if _, aerr := netip.ParseAddr(s); aerr == nil {
			*errs = append(*errs, fmt.Errorf("--vip %s: give the monitor segment's prefix length too, e.g. %s/24", s, s))
		} else {
			*errs = append(*errs, fmt.Errorf("--vip %q: not an address with a prefix length (ADDR/BITS)", s))
		}
		return netip.Prefix{}
	}
	n := containing(monitorNets, p.Addr())
	switch {
	case !p.Addr().Is4():
		*errs = append(*errs, fmt.Errorf("--vip %s: not an IPv4 address (the template moves one IPv4 address; see docs/high-availability.md)", s))
	case !n.IsValid():
		*errs = append(*errs, fmt.Errorf("--vip %s: not inside egress.monitor_networks %v: the address monitors send to is on their segment", s, monitorNets))
	case p.Bits() < n.Bits():
		*errs = append(*errs, fmt.Errorf("--vip %s: the prefix is wider than the monitor network %s", s, n))
	case p.IsSingleIP():
		*errs = append(*errs, fmt.Errorf("--vip %s: a host prefix, but the virtual address is the monitor interface's only address, so its prefix is the node's route to the monitors; give the segment's, e.g. %s", s, netip.PrefixFrom(p.Addr(), n.Bits())))
	case p.Bits() < 31 && (p.Addr() == p.Masked().Addr() || p.Addr() == lastAddr(p)):
		*errs = append(*errs, fmt.Errorf("--vip %s: the network's own or broadcast address", s))
	default:
		return p
	}
	return netip.Prefix{}
}

// offVIPListeners reports the listeners on an address of the monitor segment other than the VIP: a pair's
// nodes have only the VIP there, so such a listener is bound (ip_nonlocal_bind) but never reached, and the
// VIP, taken from the flag, would silently differ from the address the monitors were set up to send to.
func offVIPListeners(ls []config.ListenerConfig, flag string, vip netip.Addr, monitorNets []netip.Prefix) []error {
	var errs []error
	for i, l := range ls {
		ap, err := netip.ParseAddrPort(l.Address)
		if err != nil || ap.Addr() == vip || !containing(monitorNets, ap.Addr()).IsValid() {
			continue
		}
		errs = append(errs, fmt.Errorf("--vip %s: listeners[%d] (%s) is on %s, another address of the monitor segment, where a pair's nodes have only the virtual address: monitors would never reach it", flag, i, l.Name, l.Address))
	}
	return errs
}

// containing returns the first of nets that contains a, or the zero prefix.
func containing(nets []netip.Prefix, a netip.Addr) netip.Prefix {
	for _, n := range nets {
		if n.Contains(a) {
			return n
		}
	}
	return netip.Prefix{}
}

// lastAddr is the highest address of the IPv4 prefix p (its broadcast address).
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(b)
}

// readyURL is the URL of hl7gate's /readyz as the node's own health check reaches it: admin.address, a
// wildcard address replaced by loopback, https when admin.tls is set.
func readyURL(admin config.AdminConfig) (string, error) {
	if admin.Address == "" {
		return "", errors.New("admin.address: empty, so there is no /readyz for keepalived's health check to track; set it, e.g. 127.0.0.1:9102")
	}
	if admin.TLS.ClientCAFile != "" {
		return "", errors.New("admin.tls.client_ca_file: the health check would need a client certificate, which the template does not give curl; leave client certificates off the admin endpoint of an HA node")
	}
	ap, err := netip.ParseAddrPort(admin.Address)
	if err != nil { // the configuration validated, so this does not happen
		return "", fmt.Errorf("admin.address %q: %w", admin.Address, err)
	}
	host := ap.Addr()
	if host.Zone() != "" {
		// netip puts no limit on a zone's characters: a quote would end the script string in keepalived.conf,
		// and a bare % is not a URL's.
		return "", fmt.Errorf("admin.address %s: an IPv6 zone, which the health check's URL cannot carry; give an HA node's admin endpoint a loopback or global address", admin.Address)
	}
	switch {
	case host == netip.IPv4Unspecified():
		host = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	case host == netip.IPv6Unspecified():
		host = netip.IPv6Loopback()
	}
	scheme := "http"
	if admin.TLS.CertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + netip.AddrPortFrom(host, ap.Port()).String() + "/readyz", nil
}
