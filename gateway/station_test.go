package gateway

import (
	"context"
	"testing"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// BenchmarkForward measures station.forward, the per-message cost of reaching a station (its pooled
// call included), stop-and-wait and pipelined.
func BenchmarkForward(b *testing.B) {
	for _, bc := range []struct {
		name     string
		pipeline int
	}{{"stop-and-wait", 1}, {"pipelined", 8}} {
		b.Run(bc.name, func(b *testing.B) {
			st, err := store.New(100)
			if err != nil {
				b.Fatal(err)
			}
			cfg := config.Config{Stations: []config.StationConfig{{Name: "central", Address: testkit.AckStation(b).String(), Pipeline: bc.pipeline}}}.WithDefaults()
			s, err := newStation(cfg.Stations[0], zerolog.Nop(), st, newMetrics())
			if err != nil {
				b.Fatal(err)
			}
			defer s.closeAll()
			ctx := context.Background()
			msg := []byte("MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ORU^R01|C1|P|2.6\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r")
			ctrl := []byte("C1")
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ack := make([]byte, 0, 512)
				for pb.Next() {
					var err error
					if ack, _, err = s.forward(ctx, msg, ctrl, ack[:0], true); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
