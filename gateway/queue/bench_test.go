package queue

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkAppend measures durable appends (each returns after its fsync) from 1, 50 and 200
// concurrent appenders, one key each, with 0.5–2 KB messages. Besides ns/op it reports msg/s,
// fsyncs/s, messages per fsync and the p50/p99 latency of one Append.
func BenchmarkAppend(b *testing.B) {
	msgs := make([][]byte, 64)
	for i := range msgs {
		msgs[i] = payload("monitor", i) // 500 to 2000 bytes
	}
	for _, n := range []int{1, 50, 200} {
		b.Run(fmt.Sprintf("appenders=%d", n), func(b *testing.B) {
			q, err := Open(b.TempDir(), Options{MaxBytes: 1 << 40})
			if err != nil {
				b.Fatal(err)
			}
			defer q.Close()
			keys := make([]Key, n)
			for i := range keys {
				keys[i] = Key(fmt.Sprintf("monitor-%03d", i))
			}
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			f0 := q.Stats().Fsyncs
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for g := range n {
				wg.Go(func() {
					ctx := context.Background()
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						t := time.Now()
						if _, err := q.Append(ctx, keys[g], msgs[i%len(msgs)]); err != nil {
							b.Error(err)
							return
						}
						lat[i] = time.Since(t)
					}
				})
			}
			wg.Wait()
			el := time.Since(start).Seconds()
			b.StopTimer()
			fs := float64(q.Stats().Fsyncs - f0)
			slices.Sort(lat)
			b.ReportMetric(float64(b.N)/el, "msg/s")
			b.ReportMetric(fs/el, "fsyncs/s")
			b.ReportMetric(float64(b.N)/max(fs, 1), "msg/fsync")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
