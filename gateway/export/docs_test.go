package export

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/test/testkit"
)

// docSyslogStart is how a sample syslog message in docs/export.md starts: octet count, PRI.
var docSyslogStart = regexp.MustCompile(`^\d+ <\d+>`)

// docSyslogLine is a sample syslog message in docs/export.md: octet count, RFC 5424 header, CEF.
var docSyslogLine = regexp.MustCompile(`^(\d+) <(\d+)>1 (\S+) (\S+) (\S+) (\d+) (\S+) \[origin software="hl7gate" swVersion="([^"]*)"\]\[meta sequenceId="(\d+)"\] (CEF:.*)$`)

// Every sample syslog line and the sample webhook body in docs/export.md is byte for byte what this
// package writes for the event the sample describes: each line is read back into an Event and framed
// again by the sender's own code (octet count, PRI from the severity, header, CEF field order and
// escaping), so a doc line cannot drift from the format.
func TestDocsExportSamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/export.md")
	if err != nil {
		t.Fatal(err)
	}
	var lines int
	for _, line := range strings.Split(string(doc), "\n") {
		if !docSyslogStart.MatchString(line) {
			continue
		}
		m := docSyslogLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("docs/export.md: a line that starts like a syslog sample is not one:\n%s", line)
			continue
		}
		lines++
		at, err := time.Parse(time.RFC3339Nano, m[3])
		if err != nil {
			t.Errorf("%s: timestamp: %v", m[7], err)
			continue
		}
		facility := 13
		if pri, _ := strconv.Atoi(m[2]); pri/8 != facility {
			t.Errorf("%s: facility %d in the sample, the default is %d", m[7], pri/8, facility)
		}
		seq, _ := strconv.ParseUint(m[9], 10, 32)
		e, includePatient := eventFromCEF(t, m[10])
		e.Time = at
		if string(e.Kind) != m[7] {
			t.Errorf("MSGID %s, CEF signature %s", m[7], e.Kind)
		}
		s := &Syslog{
			cef: CEF{Version: m[8], IncludePatientData: includePatient},
			hdr: header{facility: facility, hostname: m[4], appName: m[5], procID: m[6], version: m[8]},
		}
		b, start := s.frame(nil, &e, uint32(seq))
		if got := string(b[start:]); got != line {
			t.Errorf("docs/export.md sample for %s differs from what the sender writes for it:\n doc %s\n got %s", m[7], line, got)
		}
	}
	if lines < len(kindInfo) {
		t.Errorf("%d syslog samples in docs/export.md, want at least one per kind (%d)", lines, len(kindInfo))
	}

	// The webhook sample: the one JSON line starting with {"sequence".
	var sample string
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, `{"sequence"`) {
			sample = line
		}
	}
	if sample == "" {
		t.Fatal("no webhook sample in docs/export.md")
	}
	var j jsonEvent
	dec := json.NewDecoder(strings.NewReader(sample))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatalf("webhook sample: %v", err)
	}
	e := Event{Kind: j.Kind, Time: j.Time, Severity: j.Severity, Listener: j.Listener, Station: j.Station,
		Src: parseAddrPort(t, j.Src), Dst: parseAddrPort(t, j.Dst), Proto: j.Proto, Action: j.Action, Rule: j.Rule,
		Reason: j.Reason, Parameter: j.Parameter, Advisory: j.Advisory, Count: j.Count, Detail: j.Detail}
	if j.Device != nil {
		e.Device = *j.Device
	}
	w := &Webhook{}
	got, err := w.marshal(&queued{Event: e, seq: j.Sequence})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte(sample)) {
		t.Errorf("docs/export.md webhook sample differs from what the webhook sends for it:\n doc %s\n got %s", sample, got)
	}
}

// eventFromCEF reads a CEF line back into the Event it shows (without its time), and whether it carries
// patient data. An extension key this package never writes is an error.
func eventFromCEF(t *testing.T, line string) (Event, bool) {
	t.Helper()
	h, ext := testkit.ParseCEF(t, line)
	var e Event
	e.Kind = Kind(h[4])
	sev, err := strconv.Atoi(h[6])
	if err != nil {
		t.Errorf("%s: severity %q", h[4], h[6])
	}
	e.Severity = Severity(sev)
	if name := kindInfo[e.Kind].name; h[5] != name {
		t.Errorf("%s: CEF name %q, the package writes %q", h[4], h[5], name)
	}
	addr := func(ip, port string) netip.AddrPort {
		if ip == "" {
			return netip.AddrPort{}
		}
		p, _ := strconv.ParseUint(cmp.Or(port, "0"), 10, 16)
		return netip.AddrPortFrom(netip.MustParseAddr(ip), uint16(p))
	}
	e.Src, e.Dst = addr(ext["src"], ext["spt"]), addr(ext["dst"], ext["dpt"])
	if ext["cnt"] != "" {
		e.Count, _ = strconv.ParseInt(ext["cnt"], 10, 64)
	}
	if model := ext["cs4"]; model != "" {
		parts := strings.SplitN(model, " / ", 3)
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		e.Device.Manufacturer, e.Device.Model, e.Device.Firmware = parts[0], parts[1], parts[2]
	}
	e.Action, e.Proto, e.Reason, e.Detail = ext["act"], ext["proto"], ext["reason"], ext["msg"]
	e.Device.ID, e.Listener, e.Rule = ext["cs1"], ext["cs2"], ext["cs3"]
	e.Advisory, e.Station, e.Parameter, e.PatientData = ext["cs5"], ext["cs6"], ext["flexString1"], ext["flexString2"]
	known := map[string]bool{"rt": true, "act": true, "src": true, "spt": true, "dst": true, "dpt": true, "proto": true,
		"reason": true, "cnt": true, "msg": true}
	for _, k := range []string{"cs1", "cs2", "cs3", "cs4", "cs5", "cs6", "flexString1", "flexString2"} {
		known[k], known[k+"Label"] = true, true
	}
	for k := range ext {
		if !known[k] {
			t.Errorf("%s: extension key %q, which the package never writes", h[4], k)
		}
	}
	return e, ext["flexString2"] != ""
}

// parseAddrPort reads the webhook's src/dst: ip:port, or an address alone (port 0).
func parseAddrPort(t *testing.T, s string) netip.AddrPort {
	t.Helper()
	if s == "" {
		return netip.AddrPort{}
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatalf("webhook sample address %q: %v", s, err)
	}
	return netip.AddrPortFrom(a, 0)
}
