package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestSlowFallTurnover: a saturation step waiting for what follows (a fall
// too slow to time waits slowFall) is the last patient's, not the next
// one's. An adult desaturates from 96 to 83 % at a 60 s cadence and is
// discharged two minutes later; after 15 minutes of silence the bed's next
// patient reads 84 % with the heart rate at its level: quiet (before the
// fix the step waiting across the turnover was judged against the next
// patient's first saturation).
func TestSlowFallTurnover(t *testing.T) {
	level := func(s float64, pid string) func(i int) msg {
		return func(i int) msg {
			return msg{pid: pid, rows: []row{hr(wobble(80, i)), pr(wobble(80, i+5)), spo2(satScatter(i, s)), rr(wobble(16, i+3)), temp("37.0")}}
		}
	}
	ts := then(every(60, 60*sec, level(96, "")), 60*sec, every(2, 60*sec, level(83, "")))
	ts = then(ts, 15*60*sec, every(20, 60*sec, level(84, "67890^^^H^MR")))
	for _, f := range run(t, vitals.DefaultConfig(), ts) {
		if f.Rule == "rate_of_change" || f.Rule == "identity_patient" {
			t.Errorf("%s on a bed turnover after a saturation fall: %+v", f.Rule, f)
		}
	}
}
