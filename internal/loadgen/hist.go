package loadgen

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// subBits sets the histogram's precision: every power of two is split into
// 1<<subBits linear sub-buckets, so a recorded value is reported within
// 1/(1<<subBits) (0.8 %) of its true value.
const subBits = 7

// maxExp bounds the largest recordable value to 2^(maxExp+subBits+1) ns
// (about 2.4 hours); longer latencies are clamped into the last bucket and
// still counted in Max exactly.
const maxExp = 35

const numBuckets = (maxExp + 2) << subBits

// Histogram records durations in fixed memory (about 37 KB) with HDR-style
// log-linear buckets: values below 128 ns are exact, larger ones keep a
// relative error below 1/128. It is safe for concurrent use: Record is a few
// atomic operations and never allocates.
//
// The zero value is ready to use.
type Histogram struct {
	counts [numBuckets]atomic.Uint64
	total  atomic.Uint64
	sum    atomic.Uint64
	max    atomic.Uint64
}

// bucketOf returns the bucket index of v.
func bucketOf(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	e := bits.Len64(v) - subBits - 1 // v in [2^(e+subBits), 2^(e+subBits+1))
	if e > maxExp {
		return numBuckets - 1
	}
	return (e+1)<<subBits + int(v>>uint(e)) - 1<<subBits
}

// bucketHigh returns the largest value that falls into bucket i.
func bucketHigh(i int) uint64 {
	if i < 1<<subBits {
		return uint64(i)
	}
	e := i>>subBits - 1
	sub := uint64(i&(1<<subBits-1)) + 1<<subBits
	return (sub+1)<<uint(e) - 1
}

// Record adds one observation; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucketOf(v)].Add(1)
	h.total.Add(1)
	h.sum.Add(v)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// Count returns the number of recorded observations.
func (h *Histogram) Count() uint64 { return h.total.Load() }

// Max returns the largest recorded duration, exactly.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Mean returns the arithmetic mean, or 0 when nothing was recorded.
func (h *Histogram) Mean() time.Duration {
	n := h.total.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / n)
}

// Above returns how many observations fell into buckets wholly above d (values above d, up to the bucket
// precision: a value in d's own bucket is not counted).
func (h *Histogram) Above(d time.Duration) uint64 {
	var n uint64
	for i := bucketOf(uint64(max(d, 0))) + 1; i < numBuckets; i++ {
		n += h.counts[i].Load()
	}
	return n
}

// Quantile returns the duration at quantile q (0 < q <= 1): the smallest
// recorded value v such that at least q of all observations are <= v, up to
// the bucket precision (the result is the bucket's upper bound, capped at Max).
// It returns 0 when nothing was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.total.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	rank = min(max(rank, 1), n)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank && i < numBuckets-1 {
			return time.Duration(min(bucketHigh(i), h.max.Load()))
		}
	}
	return h.Max()
}
