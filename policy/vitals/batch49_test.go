package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// trendBatches returns n minute-trend messages (stamped 60 s apart) that a
// monitor holds and sends five at a time, 1 s after the fifth's minute, 40 ms
// apart, each batch in the order of one of a few shuffles (corpus7's trend
// batches, session 49: MSH-10 3, 4, 1, 2, 5). The first batch is in order:
// no time was shown before it, and a stream's first burst is judged as
// before batch49.
func trendBatches(n int) []tick {
	shuffles := [][]int{{0, 1, 2, 3, 4}, {2, 3, 0, 1, 4}, {4, 0, 3, 1, 2}, {1, 4, 2, 0, 3}}
	var order []int
	pos := make([]int, n)
	for b := 0; b*5+4 < n; b++ {
		for k, j := range shuffles[b%len(shuffles)] {
			order = append(order, b*5+j)
			pos[b*5+j] = k
		}
	}
	return burstBed(len(order), time.Minute, func(i int, stamp time.Duration) time.Duration {
		return time.Duration(i/5*5+4)*time.Minute + sec + time.Duration(pos[i])*40*time.Millisecond
	}, order)
}

// stampBack moves the MSH-7 of the message numbered ctrl back by d.
func stampBack(ts []tick, ctrl int, d time.Duration) []tick {
	for i := range ts {
		if ts[i].m.ctrl == num(float64(1000+ctrl)) {
			ts[i].m.ts = string(hl7.AppendTime(nil, t0.Add(time.Duration(ctrl)*time.Minute-d)))
		}
	}
	return ts
}

// TestTrendBatchShuffled49: a monitor's minute trends sent in batches of
// five in arbitrary order go back inside each batch, never before the time
// shown before the batch: no time_backwards (batched; it failed on main).
// A message of a batch stamped back before the batch before it (inside the
// burst, or first of its burst), and a time put back at a live bed's
// cadence, are still reported.
func TestTrendBatchShuffled49(t *testing.T) {
	checkCases(t, []ruleCase{
		{"minute trends sent five at a time, shuffled", trendBatches(120), nil},
		// Message 52 arrives last of its batch (batch 10, shuffled
		// {4, 0, 3, 1, 2}), stamped 10 min back: before the batch before.
		{"a batch's message stamped 10 min back, inside its burst", stampBack(trendBatches(120), 52, 10*time.Minute), []string{"time_backwards"}},
		// Message 80 arrives first of its batch (batch 16, in order).
		{"a batch's first message stamped 10 min back", stampBack(trendBatches(120), 80, 10*time.Minute), []string{"time_backwards"}},
	})
}
