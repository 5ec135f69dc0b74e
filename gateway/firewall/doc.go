// Package firewall renders and installs the nftables ruleset that makes
// hl7gate the monitor segment's only way out.
//
// The rules live in one table of their own (table inet hl7gate, IPv4 and
// IPv6) and touch nothing else. On the monitor interface, TCP from the
// monitor networks to an intercepted station address or a captured
// hard-coded destination is redirected to hl7gate's intercept listener,
// TCP to hl7gate's direct listeners passes as is, and every other TCP
// connection is redirected to the sinkhole listener, which records it and
// closes it. Every other packet (UDP, ICMP, other protocols, anything from
// outside the monitor networks) is counted, sent to NFLOG and dropped; the
// watchlist (DefaultWatchlist plus Spec.Watchlist) has its own rules,
// counters and log prefix. Nothing is routed to or from either interface,
// nothing unsolicited reaches a monitor, and the host's own connections on
// the hospital side go only to the allowlisted stations. Loopback is always
// allowed. Link housekeeping (router solicitations, MLD, IGMP to their
// multicast groups) is counted, never logged. Logging is rate-limited;
// counters count every packet. In learning mode (Spec.Learn) the rules
// accept, except the watchlist, which is always dropped or sinkholed, and
// log each new flow once, after conntrack: the monitor side's and those
// toward a monitor before the routing decision (so a host that does not
// route records them too), the host's own where it receives them; not
// every packet, not the replies. Each log prefix carries
// the verdict of its rule (ParsePrefix), so a logged packet says what was
// done with it whichever configuration reads it.
//
// The ruleset is text for the nft binary: what Render prints for review
// (hl7gate firewall render) is byte for byte what Apply installs with
// `nft -f -`. The text starts with "table inet hl7gate {}" and "delete table
// inet hl7gate", so one nft run, which is one kernel transaction, replaces
// the previous version atomically: there is no moment with no rules or with
// half of them.
//
// The table's comment carries the digest of the ruleset (Digest), so that
// a running gateway can tell its configuration's rules from any other's;
// a Watcher checks that the table in force is its configuration's and has
// not been edited since it was installed (missing, foreign, modified), and
// can install it again (Repair).
//
// Typical use:
//
//	s := firewall.Spec{
//		MonitorIface:  "eth1",
//		HospitalIface: "eth0",
//		MonitorNets:   []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")},
//		Direct:        []netip.AddrPort{netip.MustParseAddrPort("198.51.100.1:2575")},
//		InterceptPort: 2576,
//		SinkholePort:  2577,
//		Intercept:     []netip.AddrPort{netip.MustParseAddrPort("203.0.113.10:2575")},
//		Stations:      []netip.AddrPort{netip.MustParseAddrPort("203.0.113.10:2575")},
//		LogGroup:      7,
//	}
//	if err := firewall.Render(os.Stdout, s); err != nil { ... } // review
//	if err := firewall.Apply(ctx, s); err != nil { ... }        // install
//	w, err := firewall.NewWatcher(s)
//	if st := w.Check(ctx); st.State != firewall.Intact { ... w.Repair(ctx) }
//	defer firewall.Remove(ctx, s.Table)
package firewall
