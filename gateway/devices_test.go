package gateway

import (
	"net/netip"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// pcdMessage is a PCD-01 ORU^R01 whose MDS row and product rows name the device.
const pcdMessage = "MSH|^~\\&|MON^0009FBFFFF059322^EUI-64|ICU|CENTRAL|HOSP|20261125120000||ORU^R01^ORU_R01|C1|P|2.6\r" +
	"PID|||MRN12345^^^HOSP^MR||SECRETNAME^PATIENT\r" +
	"OBR|1|||182777000^monitoring of patient^SCT\r" +
	"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||0009FBFFFF059322^^0009FBFFFF059322^EUI-64\r" +
	"OBX|2|ST|531970^MDC_ID_MODEL_MANUFACTURER^MDC|1.0.0.1|ACME||||||R\r" +
	"OBX|3|ST|531969^MDC_ID_MODEL_NUMBER^MDC|1.0.0.2|M3||||||R\r" +
	"OBX|4|ST|531976^MDC_ID_PROD_SPEC_FW^MDC|1.0.0.3|4.2||||||R\r" +
	"OBX|5|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R\r"

// observingSession is a session of a gateway (not started) that has parsed msg, as handle leaves it.
func observingSession(tb testing.TB, msg string) *session {
	tb.Helper()
	cfg := config.Config{
		Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}}},
		Stations:  []config.StationConfig{{Name: "central", Address: testkit.AckStation(tb).String()}},
		Routes:    []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}},
	}
	g, err := New(cfg, zerolog.Nop())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(g.closeExport)
	s := &session{g: g, l: g.lns[0], src: netip.MustParseAddr("127.0.0.1")}
	if err := s.msg.Parse([]byte(msg)); err != nil {
		tb.Fatal(err)
	}
	return s
}

// A known device costs no allocation per message: identity update, message type and inventory.
func TestObserveKnownDeviceAllocs(t *testing.T) {
	s := observingSession(t, pcdMessage)
	now := time.Now()
	s.observe(now)
	if allocs := testing.AllocsPerRun(1000, func() { s.observe(now) }); allocs != 0 {
		t.Fatalf("%.1f allocations per message of a known device", allocs)
	}
	ds := s.g.Devices()
	if len(ds) != 1 || ds[0].Key != "0009FBFFFF059322" || ds[0].Identity.Model != "M3" || ds[0].Messages != 1002 ||
		ds[0].MessageTypes[0] != "ORU^R01" || ds[0].Listeners[0] != "icu" || ds[0].Watchlist != nil {
		t.Fatalf("inventory %+v", ds)
	}
}

// BenchmarkObserve is the per-message cost of keeping the inventory, for a known device.
func BenchmarkObserve(b *testing.B) {
	s := observingSession(b, pcdMessage)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		s.observe(now)
	}
}

func TestSameMessageType(t *testing.T) {
	for _, tc := range []struct {
		have, typ, trig string
		want            bool
	}{
		{"ORU^R01", "ORU", "R01", true},
		{"ORU^R01", "ORU", "R40", false},
		{"ORU^R01", "OR", "U^R01", false},
		{"^", "", "", true},
		{"", "", "", false},
		{"ORUXR01", "ORU", "R01", false},
	} {
		if got := sameMessageType(tc.have, []byte(tc.typ), []byte(tc.trig)); got != tc.want {
			t.Errorf("sameMessageType(%q, %q, %q) = %v", tc.have, tc.typ, tc.trig, got)
		}
	}
}
