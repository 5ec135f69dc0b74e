package loadgen

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// exactQuantile is the nearest-rank quantile of sorted values.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func TestHistogramQuantilesAgainstSortedSlice(t *testing.T) {
	tests := []struct {
		name string
		gen  func(r *rand.Rand) time.Duration
	}{
		{"tiny exact values", func(r *rand.Rand) time.Duration { return time.Duration(r.IntN(128)) }},
		{"uniform microseconds", func(r *rand.Rand) time.Duration { return time.Duration(r.IntN(5_000_000)) }},
		{"log-normal around 200us", func(r *rand.Rand) time.Duration {
			return time.Duration(200e3 * math.Exp(r.NormFloat64()))
		}},
		{"long tail up to minutes", func(r *rand.Rand) time.Duration {
			return time.Duration(math.Pow(10, 3+r.Float64()*8))
		}},
		{"all equal", func(*rand.Rand) time.Duration { return 1234567 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var h Histogram
			vals := make([]time.Duration, 20_000)
			for i := range vals {
				vals[i] = tc.gen(r)
				h.Record(vals[i])
			}
			slices.Sort(vals)
			if h.Count() != uint64(len(vals)) {
				t.Fatalf("Count = %d, want %d", h.Count(), len(vals))
			}
			if h.Max() != vals[len(vals)-1] {
				t.Errorf("Max = %v, want %v", h.Max(), vals[len(vals)-1])
			}
			for _, q := range []float64{0.001, 0.5, 0.9, 0.99, 0.999, 1} {
				got, want := h.Quantile(q), exactQuantile(vals, q)
				// The bucket's upper bound: never below the exact value, at most 1/128 above.
				if got < want || float64(got-want) > float64(want)/(1<<subBits) {
					t.Errorf("Quantile(%g) = %v, want %v (+%.2f%% allowed)", q, got, want, 100.0/(1<<subBits))
				}
			}
		})
	}
}

func TestHistogramEmptyAndNegative(t *testing.T) {
	var h Histogram
	if h.Quantile(0.99) != 0 || h.Mean() != 0 || h.Max() != 0 {
		t.Fatalf("empty histogram: q99 %v mean %v max %v, want zeros", h.Quantile(0.99), h.Mean(), h.Max())
	}
	h.Record(-time.Second)
	if h.Count() != 1 || h.Quantile(1) != 0 {
		t.Errorf("negative duration: count %d q100 %v, want 1 and 0", h.Count(), h.Quantile(1))
	}
	h.Record(100 * 24 * time.Hour) // beyond the last bucket: clamped there, exact in Max
	if h.Max() != 100*24*time.Hour || h.Quantile(1) != h.Max() {
		t.Errorf("huge duration: max %v q100 %v", h.Max(), h.Quantile(1))
	}
}

func TestHistogramBuckets(t *testing.T) {
	// Every bucket's range is contiguous and bucketOf agrees with bucketHigh.
	prevHigh := uint64(0)
	for i := 1; i < numBuckets; i++ {
		lo := prevHigh + 1
		hi := bucketHigh(i)
		if hi < lo {
			t.Fatalf("bucket %d: high %d below low %d", i, hi, lo)
		}
		if bucketOf(lo) != i || bucketOf(hi) != i {
			t.Fatalf("bucket %d [%d, %d]: bucketOf gives %d and %d", i, lo, hi, bucketOf(lo), bucketOf(hi))
		}
		if i >= 1<<subBits && float64(hi-lo+1) > float64(lo)/(1<<subBits)+1 {
			t.Fatalf("bucket %d [%d, %d] wider than 1/%d of its low end", i, lo, hi, 1<<subBits)
		}
		prevHigh = hi
	}
}

func TestHistogramConcurrentRecord(t *testing.T) {
	var h Histogram
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				h.Record(time.Duration(g*1000 + i))
			}
		})
	}
	wg.Wait()
	if h.Count() != 8000 || h.Max() != 7999 {
		t.Errorf("count %d max %v, want 8000 and 7.999µs", h.Count(), h.Max())
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h Histogram
	b.ReportAllocs()
	d := time.Duration(0)
	for b.Loop() {
		d += 997
		h.Record(d % (50 * time.Millisecond))
	}
}

// TestHistogramAbove checks that Above counts the values in buckets wholly above its argument.
func TestHistogramAbove(t *testing.T) {
	var h Histogram
	for _, d := range []time.Duration{time.Microsecond, time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond, time.Second} {
		h.Record(d)
	}
	for _, tc := range []struct {
		d    time.Duration
		want uint64
	}{{0, 5}, {time.Microsecond, 4}, {5 * time.Millisecond, 3}, {10 * time.Millisecond, 1}, {time.Second, 0}, {-time.Second, 5}} {
		if got := h.Above(tc.d); got != tc.want {
			t.Errorf("Above(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}
}
