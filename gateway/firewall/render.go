package firewall

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"text/template"
)

// NFLOG prefixes, one per class of logged packet; nflog.Packet.Prefix
// carries them so the gateway can tell the classes apart. A log chain's
// prefix is its class, a colon and its verdict ("hl7gate-egress:drop",
// "hl7gate-egress:accept"), rendered from the same value as the verdict
// that ends the chain, so that each record says what the kernel did with
// the packet, whichever configuration the gateway runs (ParsePrefix).
const (
	// PrefixWatchlist marks any non-TCP packet from the monitor side aimed
	// at a watchlisted destination.
	PrefixWatchlist = "hl7gate-watchlist"
	// PrefixEgress marks any other packet arriving on the monitor
	// interface that is neither monitor TCP nor link housekeeping; in
	// learning mode each new flow from there that no listener takes and
	// that is not for the host.
	PrefixEgress = "hl7gate-egress"
	// PrefixInbound marks a packet toward a monitor network arriving on any
	// other interface; in learning mode only one that opens a flow.
	PrefixInbound = "hl7gate-inbound"
	// PrefixForward marks a packet the host would route to or from one of
	// its two interfaces; in learning mode only the packets that open a flow
	// (or that conntrack cannot place) and that PrefixEgress and
	// PrefixInbound did not mark already.
	PrefixForward = "hl7gate-forward"
	// PrefixInput marks a packet from the monitor interface to the host
	// that is not for one of hl7gate's listeners nor part of a flow the host
	// accepted.
	PrefixInput = "hl7gate-input"
	// PrefixOutput marks a packet the host itself sends that is neither a
	// reply nor, on the hospital side, bound for an allowlisted station.
	PrefixOutput = "hl7gate-output"
)

// Verdict is what the rule that logged a packet did with it, as the
// packet's NFLOG prefix says.
type Verdict uint8

const (
	// VerdictUnknown is a prefix without a verdict: rules rendered by an
	// hl7gate older than the verdict in the prefix.
	VerdictUnknown Verdict = iota
	// Dropped: the rule dropped the packet.
	Dropped
	// Accepted: the rule let the packet through (learning mode).
	Accepted
)

// Log verdicts, as nft spells them: each ends a log chain and follows the
// colon in its prefix.
const (
	verdictDrop   = "drop"
	verdictAccept = "accept"
)

// ParsePrefix splits the NFLOG prefix of a packet these rules logged into
// its class (one of the Prefix constants) and what the rule did with the
// packet. ok is false for a prefix that is not hl7gate's.
func ParsePrefix(prefix string) (class string, v Verdict, ok bool) {
	class, verdict, hasVerdict := strings.Cut(prefix, ":")
	switch class {
	case PrefixWatchlist, PrefixEgress, PrefixInbound, PrefixForward, PrefixInput, PrefixOutput:
	default:
		return "", VerdictUnknown, false
	}
	switch {
	case !hasVerdict:
		return class, VerdictUnknown, true
	case verdict == verdictDrop:
		return class, Dropped, true
	case verdict == verdictAccept:
		return class, Accepted, true
	}
	return "", VerdictUnknown, false
}

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
	Verdict                 string // the log chains' but the watchlist's: drop, or accept in learning mode
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

// logChain counts, logs (rate-limited) with its Prefix and its Verdict, and
// ends with that Verdict: the one field renders both.
type logChain struct {
	Name, Prefix, Verdict string
	Group, Rate, Burst    uint16
}

func newRuleset(s Spec) ruleset {
	verdict := verdictDrop
	if s.Learn {
		verdict = verdictAccept
	}
	r := ruleset{
		Table:         s.table(),
		Mon:           s.MonitorIface,
		Hosp:          s.HospitalIface,
		Learn:         s.Learn,
		Verdict:       verdict,
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
		{"log_watchlist", PrefixWatchlist, verdictDrop}, // enforced even in learning mode
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
		counter limit rate {{.Rate}}/second burst {{.Burst}} packets log prefix "{{.Prefix}}:{{.Verdict}}" group {{.Group}}
		counter {{.Verdict}}
	}
{{end}}
	# Link housekeeping: router solicitations to all routers, and multicast
	# group membership (MLD, IGMP) to a multicast group with the hop limit or TTL
	# its protocol requires, so it cannot leave the link. Neither the host's own
	# nor anyone's on the monitor leg is an attempt to reach anything: counted
	# here, not logged, {{if .Learn}}let through (learning mode).{{else}}dropped.{{end}}
	chain housekeeping {
		icmpv6 type nd-router-solicit ip6 daddr ff02::2 ip6 hoplimit 255 counter {{.Verdict}}
		icmpv6 type { mld-listener-query, mld-listener-report, mld-listener-done, mld2-listener-report } ip6 daddr ff00::/8 ip6 hoplimit 1 counter {{.Verdict}}
		ip protocol igmp ip daddr 224.0.0.0/4 ip ttl 1 counter {{.Verdict}}
	}

	# Monitor side, before conntrack: only TCP from the monitor networks
	# (and IPv6 neighbour discovery) goes on; {{if .Learn}}the watchlist is logged and dropped
	# here, everything else goes on to be logged once per new flow (learn_new,
	# or where the host receives it: learning mode).{{else}}every other packet is logged and
	# dropped here, even when it is not for this host.{{end}}
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		iif "lo" accept
		iifname "{{.Mon}}" jump from_monitor
{{- if not .Learn}}
		ip daddr @monitor_nets4 counter jump log_inbound
		ip6 daddr @monitor_nets6 counter jump log_inbound
{{- end}}
	}

	chain from_monitor {
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 counter accept
		jump housekeeping
		ip saddr @monitor_nets4 meta l4proto tcp counter accept
		ip6 saddr @monitor_nets6 meta l4proto tcp counter accept
		ip daddr @watchlist4 counter jump log_watchlist
		ip6 daddr @watchlist6 counter jump log_watchlist
{{- if .Learn}}
		counter accept
{{- else}}
		counter jump log_egress
{{- end}}
	}

	# Monitor TCP, first packet of each connection: intercepted and captured
	# destinations go to the intercept listener, hl7gate's own listeners are
	# reached as they are, {{if .Learn}}the watchlist goes to the sinkhole listener and every
	# other connection goes on (learning mode).{{else}}everything else goes to the sinkhole listener.{{end}}
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
{{- if not .Learn}}
		meta l4proto tcp counter redirect to :{{.Sinkhole}}
{{- end}}
	}
{{if .Learn}}
	# Learning mode: each new flow from the monitor side, and each new flow
	# toward a monitor from elsewhere, logged once, after conntrack and the
	# redirections above, before the routing decision: what the segment tries
	# is recorded whether or not this host routes it (a host that does not
	# route drops it after the record). Not the rest of a flow, not the replies
	# to it; not what a listener took (redirected, or for this host: input
	# logs the rest).
	chain learn_new {
		type filter hook prerouting priority dstnat + 10; policy accept;
		iif "lo" accept
		ct state established,related accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
		jump housekeeping
		ct status dnat accept
		fib daddr type local accept
		iifname "{{.Mon}}" counter jump log_egress
		ip daddr @monitor_nets4 counter jump log_inbound
		ip6 daddr @monitor_nets6 counter jump log_inbound
	}
{{end}}
	# The host does not route to or from either side.{{if .Learn}} Learning mode lets it,
	# and logs the packets that open a flow (or that conntrack cannot place)
	# and that learn_new did not log, once each: not the rest of a flow, not
	# the replies to it.{{end}}
	chain forward {
		type filter hook forward priority filter; policy accept;
{{- if .Learn}}
		iifname { "{{.Mon}}", "{{.Hosp}}" } ct state established,related counter accept
		oifname { "{{.Mon}}", "{{.Hosp}}" } ct state established,related counter accept
		iifname "{{.Mon}}" counter accept
		ip daddr @monitor_nets4 counter accept
		ip6 daddr @monitor_nets6 counter accept
{{- end}}
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
		jump housekeeping
		tcp dport { {{.InterceptPort}}, {{.Sinkhole}} } counter accept
		ip daddr . tcp dport @direct4 counter accept
		ip6 daddr . tcp dport @direct6 counter accept
{{- if .Learn}}
		fib daddr type { broadcast, multicast } counter accept
{{- end}}
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
		jump housekeeping
		counter jump log_output
	}

	chain to_hospital {
		ct state established,related counter accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } counter accept
		jump housekeeping
		ip daddr . tcp dport @stations4 counter accept
		ip6 daddr . tcp dport @stations6 counter accept
		counter jump log_output
	}
}
`))
