package test

import (
	"bytes"
	"fmt"
	"math"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// BenchmarkDeliveryMode compares what a monitor waits for in relay and store mode, in the same run:
// 1 and 50 monitors (each its own device, stop-and-wait) send 1 KB PCD-01 messages through the gateway
// to a loopback station. Relay: the station's ACK is relayed. Store: the monitor gets AA once the message
// is fsynced in the queue (group commit), while deliverers send to the station concurrently. Reports
// msg/s and the p50/p99 of one exchange as the monitor sees it.
func BenchmarkDeliveryMode(b *testing.B) {
	for _, mode := range []string{config.DeliveryRelay, config.DeliveryStore} {
		for _, monitors := range []int{1, 50} {
			b.Run(fmt.Sprintf("%s/monitors=%d", mode, monitors), func(b *testing.B) {
				station := testkit.AckStation(b)
				cfg := config.Config{
					Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}, MaxPerSource: 100, MaxSourceRate: math.MaxInt32}},
					Stations:  []config.StationConfig{{Name: "central", Address: station.String()}},
					Routes:    baseConfig().Routes,
					Queue:     config.QueueConfig{Directory: b.TempDir()},
				}
				cfg.Routes[0].Stations = []string{"central"}
				cfg.Routes[0].Delivery = mode
				exchangeMany(b, benchGateway(b, cfg).ListenerAddr("icu"), monitors)
			})
		}
	}
}

// exchangeMany runs b.N exchanges spread over n monitor connections, each with its own EUI-64.
func exchangeMany(b *testing.B, addr net.Addr, n int) {
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range conns {
		msg := bytes.ReplaceAll(monitorMessage(1<<10), []byte("0009FBFFFF059322"), fmt.Appendf(nil, "0009FBFFFF%06X", i))
		wg.Go(func() {
			r, w := mllp.NewReader(c, 0), mllp.NewWriter(c)
			var ack hl7.Message
			for {
				k := int(next.Add(1)) - 1
				if k >= b.N {
					return
				}
				t := time.Now()
				if err := w.WriteFrame(msg); err != nil {
					b.Error(err)
					return
				}
				frame, err := r.ReadFrame()
				if err == nil {
					err = ack.Parse(frame)
				}
				if err != nil {
					b.Error(err)
					return
				}
				if code, _, _ := hl7.ParseAck(&ack); code != hl7.AA {
					b.Errorf("ACK %s", code)
					return
				}
				lat[k] = time.Since(t)
			}
		})
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/el, "msg/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
