package export

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/test/testkit"
)

func TestCEFEscaping(t *testing.T) {
	tests := []struct {
		name, in   string
		header     string // escaped for a header field
		value      string // escaped for an extension value
		valueParse string // what a reader gets back from the value
	}{
		{"plain", "abc", "abc", "abc", "abc"},
		{"pipe", "a|b", `a\|b`, "a|b", "a|b"},
		{"backslash", `a\b`, `a\\b`, `a\\b`, `a\b`},
		{"equals", "a=b", "a=b", `a\=b`, "a=b"},
		{"newline", "a\nb", "a b", `a\nb`, "a\nb"},
		{"crlf", "a\r\nb", "a  b", `a\r\nb`, "a\r\nb"},
		{"tab and nul", "a\tb\x00", "a b ", "a b ", "a b "},
		{"invalid utf-8", "a\xffb", "a\uFFFDb", "a\uFFFDb", "a\uFFFDb"},
		{"utf-8 kept", "Größe ✓", "Größe ✓", "Größe ✓", "Größe ✓"},
		{"trailing backslash", `x\`, `x\\`, `x\\`, `x\`},
		{"escape-looking", `\n\=`, `\\n\\=`, `\\n\\\=`, `\n\=`},
		{"long", strings.Repeat("é", MaxValueLen), strings.Repeat("é", MaxValueLen/2), strings.Repeat("é", MaxValueLen/2), strings.Repeat("é", MaxValueLen/2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(appendHeader(nil, tc.in)); got != tc.header {
				t.Errorf("header: %q, want %q", got, tc.header)
			}
			if got := string(appendValue(nil, tc.in)); got != tc.value {
				t.Errorf("value: %q, want %q", got, tc.value)
			}
			line := string(CEF{Version: tc.in}.Append(nil, &Event{Kind: KindPolicyRejection, Reason: tc.in, Detail: tc.in}))
			h, ext := testkit.ParseCEF(t, line)
			if h[3] != strings.ReplaceAll(tc.header, `\`, "") && !strings.Contains(tc.in, `\`) && !strings.Contains(tc.in, "|") {
				t.Errorf("parsed version %q", h[3])
			}
			if ext["reason"] != tc.valueParse || ext["msg"] != tc.valueParse {
				t.Errorf("parsed reason %q msg %q, want %q", ext["reason"], ext["msg"], tc.valueParse)
			}
		})
	}
}

func TestCEFEvent(t *testing.T) {
	at := time.Date(2026, 12, 2, 17, 4, 5, 123456789, time.UTC)
	tests := []struct {
		name string
		f    CEF
		e    Event
		want string
	}{{
		name: "egress attempt",
		e: Event{Kind: KindEgressAttempt, Time: at, Src: netip.MustParseAddrPort("10.1.2.3:40000"),
			Dst: netip.MustParseAddrPort("202.114.4.119:515"), Proto: "TCP", Action: "blocked",
			Device: Device{ID: "0009FBFFFF059322"}, Listener: "sinkhole", Rule: "watchlist", Count: 3},
		want: "CEF:0|hl7gate|hl7gate|1.2|egress_attempt|Egress attempt from the monitor segment|7|" +
			"rt=1796231045123 act=blocked src=10.1.2.3 spt=40000 dst=202.114.4.119 dpt=515 proto=TCP cnt=3 " +
			"cs1Label=deviceId cs1=0009FBFFFF059322 cs2Label=listener cs2=sinkhole cs3Label=rule cs3=watchlist",
	}, {
		name: "watchlist hit, v4-mapped source",
		e: Event{Kind: KindWatchlistHit, Time: at, Src: netip.MustParseAddrPort("[::ffff:10.0.0.9]:1234"),
			Device:   Device{ID: "CMS8000^0012", Manufacturer: "Contec", Model: "CMS8000", Firmware: "CMS7.820.075.08/0.74"},
			Advisory: "ICSMA-25-030-01 CVE-2025-0626", Detail: "matched a=b"},
		want: "CEF:0|hl7gate|hl7gate|1.2|watchlist_hit|Device on the vulnerable-model watchlist|10|" +
			"rt=1796231045123 src=10.0.0.9 spt=1234 cs1Label=deviceId cs1=CMS8000^0012 cs4Label=deviceModel " +
			"cs4=Contec / CMS8000 / CMS7.820.075.08/0.74 cs5Label=advisory cs5=ICSMA-25-030-01 CVE-2025-0626 msg=matched a\\=b",
	}, {
		name: "patient data dropped by default",
		e:    Event{Kind: KindVitalsEpisode, Severity: 4, Action: "open", Parameter: "150456", PatientData: "PID-3=12345"},
		want: "CEF:0|hl7gate|hl7gate|1.2|vitals_episode|Vital-sign episode|4|act=open flexString1Label=parameter flexString1=150456",
	}, {
		name: "patient data on request",
		f:    CEF{Version: "1.2", IncludePatientData: true},
		e:    Event{Kind: KindVitalsEpisode, Severity: 4, Action: "open", PatientData: "PID-3=12345"},
		want: "CEF:0|hl7gate|hl7gate|1.2|vitals_episode|Vital-sign episode|4|act=open flexString2Label=patientData flexString2=PID-3\\=12345",
	}, {
		name: "unknown kind, severity clamped, IPv6",
		e:    Event{Kind: "x|y", Severity: 42, Dst: netip.MustParseAddrPort("[2001:db8::1]:0"), Station: "central-1"},
		want: `CEF:0|hl7gate|hl7gate|1.2|x\|y|x\|y|10|dst=2001:db8::1 cs6Label=station cs6=central-1`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.f.Version == "" {
				tc.f.Version = "1.2"
			}
			got := string(tc.f.Append(nil, &tc.e))
			if got != tc.want {
				t.Fatalf("\ngot  %s\nwant %s", got, tc.want)
			}
			testkit.ParseCEF(t, got) // and it reads back
		})
	}
}

// sanitize is what a value looks like after CEF export and an unescaping reader: control characters
// other than the line breaks a value may carry become spaces, invalid UTF-8 bytes become U+FFFD.
func sanitize(s string, value bool) string {
	var b strings.Builder
	for _, r := range s { // ranging over a string yields U+FFFD for each invalid byte
		if (r < ' ' && !(value && (r == '\n' || r == '\r'))) || r == 0x7f {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func FuzzCEFEscaping(f *testing.F) {
	f.Add("1.0", "plain", "a=b c=d")
	f.Add(`v|\`, "x\\", "line\nbreak\r\\=|")
	f.Add("", " key=value ", `\\\=`)
	f.Add("\xff\x00", "= =", "end with space ")
	f.Fuzz(func(t *testing.T, version, reason, detail string) {
		if len(version) > MaxValueLen || len(reason) > MaxValueLen || len(detail) > MaxValueLen {
			return // the cut at MaxValueLen is tested in TestCEFEscaping
		}
		e := Event{Kind: KindPolicyRejection, Reason: reason, Detail: detail, Listener: detail}
		line := string(CEF{Version: version}.Append(nil, &e))
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("line break in %q", line)
		}
		h, ext := testkit.ParseCEF(t, line)
		if h[3] != sanitize(version, false) {
			t.Fatalf("version %q, want %q", h[3], sanitize(version, false))
		}
		for key, in := range map[string]string{"reason": reason, "msg": detail, "cs2": detail} {
			got, ok := ext[key]
			if in == "" {
				if ok {
					t.Fatalf("%s present for an empty value: %q", key, line)
				}
				continue
			}
			if want := sanitize(in, true); got != want {
				t.Fatalf("%s = %q, want %q (line %q)", key, got, want, line)
			}
		}
	})
}

func TestSafeCut(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"abcdef", 3, "abc"},
		{"ab\\\\cd", 3, "ab"},     // would split `\\`
		{"ab\\\\cd", 4, "ab\\\\"}, // after a whole escape
		{"a\\\\\\=b", 4, "a\\\\"}, // `\\` then `\=`: do not keep a lone backslash
		{"aé", 2, "a"},            // would split é
		{"x\\=yz", 2, "x"},
	}
	for _, tc := range tests {
		if got := tc.in[:safeCut([]byte(tc.in), tc.n)]; got != tc.want {
			t.Errorf("safeCut(%q, %d) keeps %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// An event whose values are all at their bound still makes one message within MaxMessageLen that a CEF
// reader takes.
func TestFrameBounded(t *testing.T) {
	s := &Syslog{hdr: header{facility: 13, hostname: "h", appName: "a", procID: "1"}, cef: CEF{Version: "v", IncludePatientData: true}}
	long := strings.Repeat("\\=\xff", MaxValueLen)
	e := Event{Kind: KindWatchlistHit, Device: Device{ID: long, Manufacturer: long, Model: long, Firmware: long},
		Listener: long, Station: long, Rule: long, Reason: long, Parameter: long, Advisory: long, Detail: long, PatientData: long}
	b, start := s.frame(nil, &e, 1)
	frame := string(b[start:])
	sp := strings.IndexByte(frame, ' ')
	n, err := strconv.Atoi(frame[:sp])
	if err != nil || n != len(frame)-sp-1 || n > MaxMessageLen {
		t.Fatalf("octet count %q for %d bytes", frame[:sp], len(frame)-sp-1)
	}
	testkit.ParseCEF(t, frame[strings.Index(frame, "CEF:"):])
}
