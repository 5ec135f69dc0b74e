package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// burstBed returns a calm bed stamped every step from t0 (MSH-7) whose
// messages arrive as arrive(i, stamp) says, in the order of order (nil:
// the stamps' order), n messages.
func burstBed(n int, step time.Duration, arrive func(i int, stamp time.Duration) time.Duration, order []int) []tick {
	if order == nil {
		for i := range n {
			order = append(order, i)
		}
	}
	var ts []tick
	for _, i := range order {
		stamp := time.Duration(i) * step
		m := msg{ctrl: num(float64(1000 + i)), ts: string(hl7.AppendTime(nil, t0.Add(stamp))),
			rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))), rr(num(16 + float64(i%3)))}}
		ts = append(ts, tick{arrive(i, stamp), m})
	}
	return ts
}

// TestBurstOvertaken: messages a device sends in one burst (its queue
// behind a retransmission, its store after a silence of the link) among
// which a newer, live message arrived are no clock going back, nor old
// data, nor a clock ahead; a time put back at the device's cadence, and a
// burst's message that does not continue the one before the newer, are
// still reported.
func TestBurstOvertaken(t *testing.T) {
	sec := time.Second
	// Retransmission queue: messages 200-209 (1 s cadence) held 10 s and
	// sent 4 ms apart; the live message 210 arrives among them, after 203.
	queued := func(i int, stamp time.Duration) time.Duration {
		switch {
		case i >= 200 && i < 210:
			k := i - 200
			if k > 3 {
				k++
			}
			return 210*sec + time.Duration(k)*4*time.Millisecond
		case i == 210:
			return 210*sec + 14*time.Millisecond
		}
		return stamp + 200*time.Millisecond
	}
	qOrder := overtaken(300, 210, 204)
	// Backfill: 5 s cadence, messages 100-219 stored through a 10-min
	// silence and sent 2 ms apart when the link came back at 1,100 s; the
	// live message 220 arrives among them, after 159.
	stored := func(i int, stamp time.Duration) time.Duration {
		switch {
		case i >= 100 && i < 220:
			k := time.Duration(i - 100)
			if i >= 160 {
				k++
			}
			return 1100*sec + k*2*time.Millisecond
		case i == 220:
			return 1100*sec + 60*2*time.Millisecond
		}
		return stamp + 300*time.Millisecond
	}
	bOrder := overtaken(400, 220, 160)
	// A forger's time put back by 60 s on messages 200-219 at the device's
	// cadence (2 s): their arrivals go on, their stamps do not.
	putBack := func() []tick {
		ts := burstBed(300, 2*sec, func(i int, stamp time.Duration) time.Duration { return stamp + 100*time.Millisecond }, nil)
		for i := 200; i < 220; i++ {
			ts[i].m.ts = string(hl7.AppendTime(nil, t0.Add(time.Duration(i)*2*sec-60*sec)))
		}
		return ts
	}()
	// A burst whose message after the newer goes back 120 s from the one
	// before that: not the burst's own order.
	notOwn := func() []tick {
		ts := burstBed(300, sec, queued, qOrder)
		for i := range ts {
			if ts[i].m.ctrl == "1204" {
				ts[i].m.ts = string(hl7.AppendTime(nil, t0.Add(204*sec-120*sec)))
			}
		}
		return ts
	}()
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"a retransmission's queue overtaken by a live message", burstBed(300, sec, queued, qOrder), nil},
		{"a stored burst after a silence overtaken by a live message", burstBed(400, 5*sec, stored, bOrder), nil},
		{"a stored burst after a silence, in order", burstBed(400, 5*sec, stored, nil), nil},
		{"a time put back by 60 s at the device's cadence", putBack, []string{"time_backwards"}},
		{"a burst's message going back 120 s from the one before the newer", notOwn, []string{"time_backwards"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...)
		})
	}
}

// overtaken is the arrival order of messages 0..n-1 in which message live is
// sent right before message first (a live message overtaking a burst).
func overtaken(n, live, first int) []int {
	o := make([]int, 0, n)
	for i := range n {
		switch i {
		case first:
			o = append(o, live, first)
		case live:
		default:
			o = append(o, i)
		}
	}
	return o
}
