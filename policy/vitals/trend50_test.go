package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// trendMessages returns n messages 5 min apart, each carrying the last five
// minutes' trends of a calm adult (heart and pulse rate near 80, saturation
// 96–97, breathing rate near 16), each minute's rows under its own OBX-14,
// a minute apart, and the message stamped and arriving 2 s after its last
// minute (corpus8's trend batches in one message, session 50). heart gives
// the heart rate of minute k ("" for the calm patient's).
func trendMessages(n int, heart func(k int) string) []tick {
	ts := make([]tick, n)
	for i := range ts {
		var rows []row
		for j := range 5 {
			k := i*5 + j
			at := string(hl7.AppendTime(nil, t0.Add(time.Duration(k)*time.Minute)))
			h := heart(k)
			if h == "" {
				h = wobble(80, k)
			}
			for _, r := range []row{hr(h), pr(wobble(80, k+5)), spo2(num(96 + float64(k%2))), rr(wobble(16, k+3))} {
				r.at = at
				rows = append(rows, r)
			}
		}
		ts[i] = tick{time.Duration(i*5+4)*time.Minute + 2*sec, msg{rows: rows}}
	}
	return ts
}

// TestTrendBatchInOneMessage50: a monitor that sends its minute trends five
// minutes to a message is judged on every minute (minutes): its honest
// patient is quiet over four hours, and a heart rate held at one value for
// 45 min while the pulse rate kept moving is frozen (on main only each
// message's first minute was read, ten values in 45 min, and it was quiet).
func TestTrendBatchInOneMessage50(t *testing.T) {
	held := func(k int) string {
		if k >= 60 && k < 105 {
			return "84"
		}
		return ""
	}
	checkCases(t, []ruleCase{
		{"minute trends five to a message, a calm patient", trendMessages(48, func(int) string { return "" }), nil},
		{"a heart rate held 45 min in trend batches", trendMessages(48, held), []string{"frozen"}},
	})
}
