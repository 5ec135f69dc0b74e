package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// A latency histogram with 64 buckets per power of two of nanoseconds (each bucket at most 1/64 ≈ 1.6 %
// wide), from 0 to 2^40 ns (18 min): recording is a shift and an increment, no allocation.
const (
	subBits    = 6
	subBuckets = 1 << subBits
	maxExp     = 40
	nBuckets   = (maxExp - subBits + 1) * subBuckets
)

type hist struct{ n [nBuckets]uint64 }

func bucketOf(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < subBuckets {
		return int(v)
	}
	exp := bits.Len64(v) - subBits // ≥ 1
	i := exp*subBuckets + int(v>>(exp-1)&(subBuckets-1))
	// v>>(exp-1) keeps the top subBits+1 bits; the highest is always 1, masked away above.
	return min(i, nBuckets-1)
}

// lowerBound is the smallest duration in bucket i; a quantile reports its bucket's middle.
func lowerBound(i int) time.Duration {
	if i < subBuckets {
		return time.Duration(i)
	}
	exp := i / subBuckets
	m := uint64(i%subBuckets) | subBuckets
	return time.Duration(m << (exp - 1))
}

func (h *hist) add(d time.Duration) { h.n[bucketOf(d)]++ }

// addAtomic records from many goroutines at once (open loop: thousands of monitors, few messages each).
func (h *hist) addAtomic(d time.Duration) { atomic.AddUint64(&h.n[bucketOf(d)], 1) }

func (h *hist) merge(o *hist) {
	for i, c := range o.n {
		h.n[i] += c
	}
}

func (h *hist) count() uint64 {
	var t uint64
	for _, c := range h.n {
		t += c
	}
	return t
}

// quantile returns the q-quantile (0 < q ≤ 1) as the middle of its bucket, 0 when empty.
func (h *hist) quantile(q float64) time.Duration {
	total := h.count()
	if total == 0 {
		return 0
	}
	rank := uint64(q*float64(total) + 0.5)
	rank = min(max(rank, 1), total)
	var seen uint64
	for i, c := range h.n {
		seen += c
		if seen >= rank {
			lo := lowerBound(i)
			return lo + (lowerBound(i+1)-lo)/2
		}
	}
	return 0
}
