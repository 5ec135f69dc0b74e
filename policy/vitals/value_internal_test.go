package vitals

import (
	"math"
	"slices"
	"testing"
)

// TestIsSentinel: the fast path for ordinary values keeps every sentinel a
// sentinel and nothing else; its bounds, -999 and 2046, are sentinels.
func TestIsSentinel(t *testing.T) {
	sentinels := []float64{8388607, -8388608, 8388606, -8388606, -8388607, 2047, -2048, 2046, -2046, -2047, -999, -9999}
	for _, v := range sentinels {
		if !isSentinel(v) {
			t.Errorf("isSentinel(%v) = false", v)
		}
		for _, d := range []float64{-1, -0.5, 0.5, 1} {
			if n := v + d; !slices.Contains(sentinels, n) && isSentinel(n) {
				t.Errorf("isSentinel(%v) = true", n)
			}
		}
	}
	for _, v := range []float64{0, -0, 37.5, -998.9, 2045.9, 1e300, -1e300, math.Inf(1), math.Inf(-1), math.NaN()} {
		if isSentinel(v) {
			t.Errorf("isSentinel(%v) = true", v)
		}
	}
}
