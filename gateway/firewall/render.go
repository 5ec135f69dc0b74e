package firewall

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"text/template"
)

// NFLOG prefixes, one per class of logged packet; nflog.Packet.Prefix
// carries them so the gateway can tell the classes apart.
const (
	// PrefixWatchlist marks any non-TCP packet from the monitor side, or
	// learning-mode TCP, aimed at a watchlisted destination.
	PrefixWatchlist = "hl7gate-watchlist"
	// PrefixEgress marks any other non-TCP packet arriving on the monitor
	// interface, and in learning mode a TCP connection that enforcement
	// would sinkhole.
	PrefixEgress = "hl7gate-egress"
	// PrefixInbound marks a packet toward a monitor network arriving on any
	// other interface.
	PrefixInbound = "hl7gate-inbound"
	// PrefixForward marks a packet the host would route to or from one of
	// its two interfaces.
	PrefixForward = "hl7gate-forward"
	// PrefixInput marks a packet from the monitor interface to the host
	// that is not for one of hl7gate's listeners.
	PrefixInput = "hl7gate-input"
	// PrefixOutput marks a packet the host itself sends that is neither a
	// reply nor, on the hospital side, bound for an allowlisted station.
	PrefixOutput = "hl7gate-output"
)

// Log rate limit for every NFLOG rule, so a storm cannot flood userspace.
// Counters still count every packet.
const (
	logRate  = 50 // packets per second
	logBurst = 100
)

// Render writes the complete ruleset for s, as `nft -f` reads it, to w.
// The output depends only on s (lists are sorted and deduplicated), so the
// text an operator reviews is exactly what Apply installs. It starts by
// creating and deleting the table, so one `nft -f` run replaces any
// previous version atomically.
//
// The table carries the ruleset's digest as its comment (see Digest), so
// that a running gateway can tell its configuration's rules from another's
// (Watcher).
func Render(w io.Writer, s Spec) error {
	r, err := rendered(s)
	if err != nil {
		return err
	}
	_, err = w.Write(r)
	return err
}

// Digest returns the digest Render puts in the table's comment: "sha256:"
// and the SHA-256, in hex, of the ruleset rendered with an empty comment.
// Anything that changes the rules changes it (stations, capture, learning
// mode, watchlist, table name, ...).
func Digest(s Spec) (string, error) {
	if err := s.Validate(); err != nil {
		return "", fmt.Errorf("render ruleset: %w", err)
	}
	var buf bytes.Buffer
	if err := rulesetTemplate.Execute(&buf, newRuleset(s)); err != nil {
		return "", fmt.Errorf("render ruleset: %w", err)
	}
	return fmt.Sprintf("sha256:%x", sha256.Sum256(buf.Bytes())), nil
}

// rendered is Render's text: the template executed again, with the digest
// of its comment-less form.
func rendered(s Spec) ([]byte, error) {
	d, err := Digest(s)
	if err != nil {
		return nil, err
	}
	r := newRuleset(s)
	r.Comment = commentPrefix + d
	var buf bytes.Buffer
	if err := rulesetTemplate.Execute(&buf, r); err != nil {
		return nil, fmt.Errorf("render ruleset: %w", err)
	}
	return buf.Bytes(), nil
}

// commentPrefix starts the table's comment; the digest follows.
const commentPrefix = "hl7gate "

// ruleset is the template's view of a Spec.
type ruleset struct {
	Table, Mon, Hosp        string
	Comment                 string // the table's comment: commentPrefix and the digest; empty for Digest
	Learn                   bool
	InterceptPort, Sinkhole uint16
	Sets                    []nftSet
	LogChains               []logChain
}

// nftSet is one named set; Elements are already formatted for nft.
type nftSet struct {
	Name, Type string
	Interval   bool
	Elements   []string
}

// logChain counts, logs (rate-limited) and ends with Verdict.
type logChain struct {
	Name, Prefix, Verdict string
	Group, Rate, Burst    uint16
}

func newRuleset(s Spec) ruleset {
	verdict := "drop"
	if s.Learn {
		verdict = "accept"
	}
	r := ruleset{
		Table:         s.table(),
		Mon:           s.MonitorIface,
		Hosp:          s.HospitalIface,
		Learn:         s.Learn,
		InterceptPort: s.InterceptPort,
		Sinkhole:      s.SinkholePort,
	}
	for _, p := range []struct {
		name string
		list []netip.Prefix
	}{{"monitor_nets", s.MonitorNets}, {"watchlist", s.watchlist()}} {
		v4, v6 := prefixElements(p.list)
		r.Sets = append(r.Sets,
			nftSet{Name: p.name + "4", Type: "ipv4_addr", Interval: true, Elements: v4},
			nftSet{Name: p.name + "6", Type: "ipv6_addr", Interval: true, Elements: v6})
	}
	for _, a := range []struct {
		name string
		list []netip.AddrPort
	}{{"direct", s.Direct}, {"intercept", s.Intercept}, {"capture", s.Capture}, {"stations", s.Stations}} {
		v4, v6 := addrPortElements(a.list)
		r.Sets = append(r.Sets,
			nftSet{Name: a.name + "4", Type: "ipv4_addr . inet_service", Elements: v4},
			nftSet{Name: a.name + "6", Type: "ipv6_addr . inet_service", Elements: v6})
	}
	for _, c := range []struct{ name, prefix, verdict string }{
		{"log_watchlist", PrefixWatchlist, "drop"}, // enforced even in learning mode
		{"log_egress", PrefixEgress, verdict},
		{"log_inbound", PrefixInbound, verdict},
		{"log_forward", PrefixForward, verdict},
		{"log_input", PrefixInput, verdict},
		{"log_output", PrefixOutput, verdict},
	} {
		r.LogChains = append(r.LogChains, logChain{Name: c.name, Prefix: c.prefix, Verdict: c.verdict,
			Group: s.LogGroup, Rate: logRate, Burst: logBurst})
	}
	return r
}

// prefixElements splits ps by family, sorted and deduplicated.
func prefixElements(ps []netip.Prefix) (v4, v6 []string) {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
	})
	for _, p := range slices.Compact(ps) {
		if p.Addr().Is4() {
			v4 = append(v4, p.String())
		} else {
			v6 = append(v6, p.String())
		}
	}
	return v4, v6
}

// addrPortElements splits aps by family as "addr . port", sorted and
// deduplicated.
func addrPortElements(aps []netip.AddrPort) (v4, v6 []string) {
	aps = slices.Clone(aps)
	slices.SortFunc(aps, func(a, b netip.AddrPort) int { return a.Compare(b) })
	for _, ap := range slices.Compact(aps) {
		e := fmt.Sprintf("%s . %d", ap.Addr(), ap.Port())
		if ap.Addr().Is4() {
			v4 = append(v4, e)
		} else {
			v6 = append(v6, e)
		}
	}
	return v4, v6
}

// The ruleset. Base chains have policy accept and act only on the two
// interfaces, so other tables and interfaces are not affected; what must not
// pass is dropped explicitly by a log chain.
var rulesetTemplate = template.Must(template.New("ruleset").Parse(`# hl7gate egress containment ({{if .Learn}}LEARNING mode: counts and logs, drops only the watchlist{{else}}enforce mode{{end}}).
# Generated from the gateway config; review, then install with "hl7gate firewall apply".
# One nft -f run is one transaction: the table is replaced atomically, nothing else is touched.
table inet {{.Table}} {}
delete table inet {{.Table}}
table inet {{.Table}} {
	comment "{{.Comment}}"
{{- range .Sets}}
	set {{.Name}} {
		type {{.Type}}
{{- if .Interval}}
		flags interval
		auto-merge
{{- end}}
{{- if .Elements}}
		elements = {
{{- range $i, $e := .Elements}}{{if $i}},{{end}}
			{{$e}}
{{- end}}
		}
{{- end}}
	}
{{end}}
{{- range .LogChains}}
	chain {{.Name}} {
		counter limit rate {{.Rate}}/second burst {{.Burst}} packets log prefix "{{.Prefix}}" group {{.Group}}
		counter {{.Verdict}}
	}
{{end}}
	# Monitor side, before conntrack: only TCP from the monitor networks
	# (and IPv6 neighbour discovery) goes on; every other packet is logged and
	# dropped here, even when it is not for this host.
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		iif "lo" accept
		iifname "{{.Mon}}" jump from_monitor
		ip daddr @monitor_nets4 counter jump log_inbound
		ip6 daddr @monitor_nets6 counter jump log_inbound
	}

	chain from_monitor {
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 counter accept
		ip saddr @monitor_nets4 meta l4proto tcp counter accept
		ip6 saddr @monitor_nets6 meta l4proto tcp counter accept
		ip daddr @watchlist4 counter jump log_watchlist
		ip6 daddr @watchlist6 counter jump log_watchlist
		counter jump log_egress
	}

	# Monitor TCP, first packet of each connection: intercepted and captured
	# destinations go to the intercept listener, hl7gate's own listeners are
	# reached as they are, {{if .Learn}}the watchlist goes to the sinkhole listener and every
	# other connection is logged and left alone (learning mode).{{else}}everything else goes to the sinkhole listener.{{end}}
	chain dstnat {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "{{.Mon}}" jump monitor_nat
	}

	chain monitor_nat {
		ip daddr . tcp dport @intercept4 counter redirect to :{{.InterceptPort}}
		ip6 daddr . tcp dport @intercept6 counter redirect to :{{.InterceptPort}}
		ip daddr . tcp dport @capture4 counter redirect to :{{.InterceptPort}}
		ip6 daddr . tcp dport @capture6 counter redirect to :{{.InterceptPort}}
		ip daddr . tcp dport @direct4 counter accept
		ip6 daddr . tcp dport @direct6 counter accept
		ip daddr @watchlist4 meta l4proto tcp counter redirect to :{{.Sinkhole}}
		ip6 daddr @watchlist6 meta l4proto tcp counter redirect to :{{.Sinkhole}}
{{- if .Learn}}
		meta l4proto tcp counter jump log_egress
{{- else}}
		meta l4proto tcp counter redirect to :{{.Sinkhole}}
{{- end}}
	}

	# The host does not route to or from either side.
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname { "{{.Mon}}", "{{.Hosp}}" } counter jump log_forward
		oifname { "{{.Mon}}", "{{.Hosp}}" } counter jump log_forward
	}

	# From the monitor side the host accepts only hl7gate's listeners.
	chain input {
		type filter hook input priority filter; policy accept;
		iif "lo" accept
		iifname "{{.Mon}}" jump monitor_input
	}

	chain monitor_input {
		ct state established,related counter accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 counter accept
		tcp dport { {{.InterceptPort}}, {{.Sinkhole}} } counter accept
		ip daddr . tcp dport @direct4 counter accept
		ip6 daddr . tcp dport @direct6 counter accept
		counter jump log_input
	}

	# Nothing unsolicited reaches a monitor; hl7gate's own connections on the
	# hospital side go only to allowlisted stations.
	chain output {
		type filter hook output priority filter; policy accept;
		oif "lo" accept
		oifname "{{.Mon}}" jump to_monitor
		oifname "{{.Hosp}}" jump to_hospital
	}

	chain to_monitor {
		ct state established,related counter accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } counter accept
		counter jump log_output
	}

	chain to_hospital {
		ct state established,related counter accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } counter accept
		ip daddr . tcp dport @stations4 counter accept
		ip6 daddr . tcp dport @stations6 counter accept
		counter jump log_output
	}
}
`))
