package firewall_test

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/gateway/firewall"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func prefixes(ss ...string) []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range ss {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}

func addrPorts(ss ...string) []netip.AddrPort {
	var aps []netip.AddrPort
	for _, s := range ss {
		aps = append(aps, netip.MustParseAddrPort(s))
	}
	return aps
}

// minimal is the smallest valid spec.
func minimal() firewall.Spec {
	return firewall.Spec{
		MonitorIface:  "mon0",
		HospitalIface: "hosp0",
		MonitorNets:   prefixes("198.51.100.0/24"),
		InterceptPort: 2576,
		SinkholePort:  2577,
		Stations:      addrPorts("203.0.113.10:2575"),
		LogGroup:      7,
	}
}

// full has every list, unsorted and with duplicates, both families.
func full() firewall.Spec {
	s := minimal()
	s.MonitorNets = prefixes("198.51.100.128/25", "192.0.2.0/24", "198.51.100.128/25")
	s.Direct = addrPorts("198.51.100.129:2575")
	s.Intercept = addrPorts("203.0.113.11:2575", "203.0.113.10:2575")
	s.Capture = addrPorts("202.114.4.120:511", "202.114.4.119:515")
	s.Stations = addrPorts("203.0.113.11:2575", "203.0.113.10:2575", "203.0.113.10:2575")
	s.Watchlist = prefixes("203.0.113.200/29", "202.114.4.0/24")
	return s
}

func TestRenderGolden(t *testing.T) {
	learn := full()
	learn.Learn = true
	v6 := minimal()
	v6.Table = "hl7gate_v6"
	v6.MonitorNets = prefixes("fd00:1::/64", "198.51.100.0/24")
	v6.Direct = addrPorts("[fd00:1::1]:2575")
	v6.Intercept = addrPorts("[fd00:2::10]:2575")
	v6.Capture = addrPorts("[fd00:3::1]:511")
	v6.Stations = addrPorts("[fd00:2::10]:2575", "203.0.113.10:2575")
	v6.Watchlist = prefixes("fd00:bad::/48")

	for _, tc := range []struct {
		name string
		spec firewall.Spec
	}{
		{"minimal", minimal()},
		{"enforce", full()},
		{"learn", learn},
		{"ipv6", v6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := firewall.Render(&buf, tc.spec); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("Render differs from %s (run go test -update and review the diff):\n%s", golden, buf.String())
			}
			var again bytes.Buffer
			if err := firewall.Render(&again, tc.spec); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
				t.Errorf("second Render differs (err %v): output is not deterministic", err)
			}
		})
	}
}

func TestRenderLearnVersusEnforce(t *testing.T) {
	render := func(s firewall.Spec) string {
		t.Helper()
		var b strings.Builder
		if err := firewall.Render(&b, s); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	s := full()
	enforce := render(s)
	s.Learn = true
	learn := render(s)
	for _, tc := range []struct {
		name, text string
		want       []string
		not        []string
	}{
		{"enforce", enforce,
			[]string{"log prefix \"hl7gate-egress:drop\" group 7\n\t\tcounter drop", "\t\tmeta l4proto tcp counter redirect to :2577\n\t}",
				"ip daddr @monitor_nets4 counter jump log_inbound", "\t\tcounter jump log_egress\n\t}",
				"ip protocol igmp ip daddr 224.0.0.0/4 ip ttl 1 counter drop"},
			[]string{"counter accept\n\t}\n\n\tchain log_", "ct state established,related counter accept\n\t\toifname", "chain learn_new"}},
		{"learn", learn,
			[]string{"log prefix \"hl7gate-egress:accept\" group 7\n\t\tcounter accept", "log prefix \"hl7gate-watchlist:drop\" group 7\n\t\tcounter drop",
				"ip daddr @watchlist4 meta l4proto tcp counter redirect to :2577",
				// Learning logs each new flow once: the monitor side's and inbound before the routing decision,
				// so that a host that does not route records them too (learn_new), the host's own where it
				// receives them (monitor_input), the rest where the host routes it (forward).
				"chain learn_new {\n\t\ttype filter hook prerouting priority dstnat + 10; policy accept;\n\t\tiif \"lo\" accept\n\t\tct state established,related accept\n",
				"\t\tct status dnat accept\n\t\tfib daddr type local accept\n\t\tiifname \"mon0\" counter jump log_egress\n\t\tip daddr @monitor_nets4 counter jump log_inbound\n",
				"iifname { \"mon0\", \"hosp0\" } ct state established,related counter accept\n\t\toifname { \"mon0\", \"hosp0\" } ct state established,related counter accept\n\t\tiifname \"mon0\" counter accept\n\t\tip daddr @monitor_nets4 counter accept\n",
				"ip protocol igmp ip daddr 224.0.0.0/4 ip ttl 1 counter accept"},
			// Not before conntrack (every packet, and replies inbound), not in the nat chain as well.
			[]string{"\t\tmeta l4proto tcp counter redirect to :2577\n\t}", "tcp counter jump log_egress", "\t\tcounter jump log_egress\n\t}",
				"ip6 daddr @monitor_nets6 counter jump log_inbound\n\t}\n\n\tchain from_monitor"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range tc.want {
				if !strings.Contains(tc.text, w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(tc.text, n) {
					t.Errorf("unexpected %q", n)
				}
			}
		})
	}
}

// Every log chain's prefix names the verdict that ends the chain, so a record read from NFLOG says what the
// kernel did with its packet, in either mode; ParsePrefix reads it back.
func TestLogPrefixVerdict(t *testing.T) {
	for _, learn := range []bool{false, true} {
		s := full()
		s.Learn = learn
		var b strings.Builder
		if err := firewall.Render(&b, s); err != nil {
			t.Fatal(err)
		}
		chains := 0
		for _, block := range strings.Split(b.String(), "log prefix \"")[1:] {
			prefix, rest, _ := strings.Cut(block, "\"")
			_, after, _ := strings.Cut(rest, "\n\t\tcounter ")
			ends, _, _ := strings.Cut(after, "\n")
			class, v, ok := firewall.ParsePrefix(prefix)
			want := map[string]firewall.Verdict{"drop": firewall.Dropped, "accept": firewall.Accepted}[ends]
			if !ok || v != want || !strings.HasPrefix(prefix, class+":") {
				t.Errorf("learn=%t: prefix %q, chain ends with %q: ParsePrefix = %q, %v, %v", learn, prefix, ends, class, v, ok)
			}
			if class != firewall.PrefixWatchlist && (v == firewall.Accepted) != learn {
				t.Errorf("learn=%t: %s ends with %s", learn, class, ends)
			}
			chains++
		}
		if chains != 6 {
			t.Errorf("learn=%t: %d log chains, want 6", learn, chains)
		}
	}
	for _, tc := range []struct {
		prefix string
		class  string
		v      firewall.Verdict
		ok     bool
	}{
		{"hl7gate-egress:drop", firewall.PrefixEgress, firewall.Dropped, true},
		{"hl7gate-forward:accept", firewall.PrefixForward, firewall.Accepted, true},
		{"hl7gate-inbound", firewall.PrefixInbound, firewall.VerdictUnknown, true}, // rules of an older hl7gate
		{"hl7gate-egress:reject", "", firewall.VerdictUnknown, false},
		{"someone-else:drop", "", firewall.VerdictUnknown, false},
		{"", "", firewall.VerdictUnknown, false},
	} {
		if class, v, ok := firewall.ParsePrefix(tc.prefix); class != tc.class || v != tc.v || ok != tc.ok {
			t.Errorf("ParsePrefix(%q) = %q, %v, %v; want %q, %v, %v", tc.prefix, class, v, ok, tc.class, tc.v, tc.ok)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(*firewall.Spec)
		want   []string // substrings of the joined error; none means valid
	}{
		{"minimal", func(*firewall.Spec) {}, nil},
		{"full", func(s *firewall.Spec) { *s = full() }, nil},
		{"zero", func(s *firewall.Spec) { *s = firewall.Spec{} }, []string{
			`monitor_iface: "" is not an interface name`, `hospital_iface: "" is not an interface name`,
			"monitor_nets: at least one network is required", "stations: at least one central station is required",
			"intercept_port: must not be 0", "sinkhole_port: must not be 0"}},
		{"bad table", func(s *firewall.Spec) { s.Table = "hl7 gate" }, []string{`table: "hl7 gate" is not`}},
		{"iface quote", func(s *firewall.Spec) { s.MonitorIface = `a"b` }, []string{`monitor_iface: "a\"b" is not an interface name`}},
		{"iface too long", func(s *firewall.Spec) { s.HospitalIface = "abcdefghijklmnop" }, []string{"hospital_iface:"}},
		{"same iface", func(s *firewall.Spec) { s.HospitalIface = s.MonitorIface }, []string{`hospital_iface: "mon0" is also the monitor interface`}},
		{"host bits", func(s *firewall.Spec) { s.MonitorNets = prefixes("198.51.100.1/24") }, []string{"monitor_nets[0]: 198.51.100.1/24 has host bits set (did you mean 198.51.100.0/24?)"}},
		{"mapped", func(s *firewall.Spec) { s.Watchlist = prefixes("::ffff:192.0.2.0/120") }, []string{"watchlist[0]: ::ffff:192.0.2.0/120: use a plain IPv4 or IPv6 prefix"}},
		{"same ports", func(s *firewall.Spec) { s.SinkholePort = s.InterceptPort }, []string{"sinkhole_port: 2576 is also the intercept port"}},
		{"direct port clash", func(s *firewall.Spec) { s.Direct = addrPorts("198.51.100.1:2577") }, []string{"direct[0]: port 2577 is the intercept or sinkhole port"}},
		{"zero port", func(s *firewall.Spec) { s.Stations = addrPorts("203.0.113.10:0") }, []string{"stations[0]: need an address and a non-zero port"}},
		{"unspecified", func(s *firewall.Spec) { s.Capture = addrPorts("0.0.0.0:511") }, []string{"capture[0]: 0.0.0.0:511 is not a unicast address"}},
		{"in two lists", func(s *firewall.Spec) {
			s.Intercept = addrPorts("203.0.113.10:2575")
			s.Capture = addrPorts("203.0.113.10:2575")
		}, []string{"capture[0]: 203.0.113.10:2575 is also listed in intercept"}},
		{"station on monitor side", func(s *firewall.Spec) { s.Stations = addrPorts("198.51.100.9:2575") }, []string{"stations[0]: 198.51.100.9 is inside monitor network 198.51.100.0/24 (stations must be on the hospital side; for a trial on loopback, monitor_networks must not contain the station's address)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := minimal()
			tc.modify(&s)
			err := s.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, missing %q", err, w)
				}
			}
			if got, want := strings.Count(err.Error(), "\n")+1, len(tc.want); got != want {
				t.Errorf("Validate() reported %d problems, want %d: %v", got, want, err)
			}
			if rerr := firewall.Render(&bytes.Buffer{}, s); rerr == nil {
				t.Error("Render accepted an invalid spec")
			}
		})
	}
}

func TestDefaultWatchlist(t *testing.T) {
	got := firewall.DefaultWatchlist()
	if len(got) != 1 || got[0] != netip.MustParsePrefix("202.114.4.0/24") {
		t.Errorf("DefaultWatchlist() = %v, want [202.114.4.0/24]", got)
	}
	got[0] = netip.Prefix{}
	if firewall.DefaultWatchlist()[0] != netip.MustParsePrefix("202.114.4.0/24") {
		t.Error("DefaultWatchlist shares its slice with callers")
	}
}

// The table's comment carries the digest of the ruleset without it: the same for the same spec, another
// for anything that changes the rules, learning mode included.
func TestDigest(t *testing.T) {
	digest := func(s firewall.Spec) string {
		t.Helper()
		d, err := firewall.Digest(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	s := full()
	d := digest(s)
	var buf bytes.Buffer
	if err := firewall.Render(&buf, s); err != nil {
		t.Fatal(err)
	}
	if want := "\ntable inet hl7gate {\n\tcomment \"hl7gate " + d + "\"\n"; !strings.Contains(buf.String(), want) || len(d) != len("sha256:")+64 {
		t.Errorf("Render does not put %s in the table's comment:\n%s", d, buf.String())
	}
	if digest(full()) != d {
		t.Error("Digest is not deterministic")
	}
	for name, change := range map[string]func(*firewall.Spec){
		"learn":     func(s *firewall.Spec) { s.Learn = true },
		"watchlist": func(s *firewall.Spec) { s.Watchlist = prefixes("203.0.113.77/32") },
		"station":   func(s *firewall.Spec) { s.Stations = addrPorts("203.0.113.12:2575") },
		"table":     func(s *firewall.Spec) { s.Table = "hl7gate_b" },
	} {
		o := full()
		change(&o)
		if digest(o) == d {
			t.Errorf("%s: same digest as without the change", name)
		}
	}
	if _, err := firewall.Digest(firewall.Spec{}); err == nil {
		t.Error("Digest of an invalid spec")
	}
}
