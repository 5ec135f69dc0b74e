package test

import (
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// monitorMessage is a PCD-01 ORU^R01 padded with OBX rows to about size bytes.
func monitorMessage(size int) []byte {
	var sb strings.Builder
	sb.WriteString("MSH|^~\\&|MON1^0009FBFFFF059322^EUI-64|ICU|CENTRAL|HOSP|20261125120000||ORU^R01^ORU_R01|000000001|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO\r")
	sb.WriteString("PID|||MRN12345^^^HOSP^MR||SECRETNAME^PATIENT||19700101|F\rPV1||I|ICU^BED1\r")
	sb.WriteString("OBR|1|||182777000^monitoring of patient^SCT|||20261125120000\r")
	for i := 1; sb.Len() < size; i++ {
		fmt.Fprintf(&sb, "OBX|%d|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.%d|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||20261125120000||||0009FBFFFF059322^EUI-64\r", i, i)
	}
	return []byte(sb.String())
}

// BenchmarkForward measures the whole forward path on loopback: a monitor sends a PCD-01 message and waits
// for the ACK, which the gateway relays from a station. b.N messages; reports msg/s and allocs per message.
// Compare with BenchmarkDirect, the same exchange without the gateway: the difference is what the gateway
// adds per message (parse, policy, forward, ACK correlation and relay).
func BenchmarkForward(b *testing.B) {
	for _, size := range []int{1 << 10, 16 << 10} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			station := testkit.AckStation(b)
			cfg := config.Config{
				// The budget is taken per message, as in production, at a rate the benchmark never reaches.
				Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}, MaxSourceRate: math.MaxInt32}},
				Stations:  []config.StationConfig{{Name: "central", Address: station.String()}},
			}
			cfg.Routes = baseConfig().Routes
			cfg.Routes[0].Stations = []string{"central"}
			exchange(b, benchGateway(b, cfg).ListenerAddr("icu"), monitorMessage(size))
		})
	}
}

// benchGateway starts a gateway with cfg, logging warnings and errors only, for the length of b.
func benchGateway(b *testing.B, cfg config.Config) *gateway.Gateway {
	b.Helper()
	g, err := gateway.New(cfg, zerolog.New(os.Stderr).Level(zerolog.WarnLevel))
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Shutdown(context.Background()) })
	return g
}

// BenchmarkDirect is BenchmarkForward's baseline: the monitor talks to the station itself.
func BenchmarkDirect(b *testing.B) {
	for _, size := range []int{1 << 10, 16 << 10} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			exchange(b, testkit.AckStation(b), monitorMessage(size))
		})
	}
}

func exchange(b *testing.B, addr net.Addr, msg []byte) {
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	r, w := mllp.NewReader(c, 0), mllp.NewWriter(c)
	var ack hl7.Message
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if err := w.WriteFrame(msg); err != nil {
			b.Fatal(err)
		}
		frame, err := r.ReadFrame()
		if err != nil {
			b.Fatal(err)
		}
		if err := ack.Parse(frame); err != nil {
			b.Fatal(err)
		}
		if code, _, _ := hl7.ParseAck(&ack); code != hl7.AA {
			b.Fatalf("ACK %s", code)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
}
