package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestReplayAcrossSilence: a monitor silent for longer than
// state.idle_evict (15 min; a transport, the patient to CT and back) starts
// afresh, but the near-replay history it had is kept for its return: a
// replay after the silence of values it sent before it is one (corpus3
// training seed 1 m0099, 49 min silent, values of 94 min earlier replayed;
// seed 5 m0025, 43 min silent). The same patient coming back unreplayed is
// quiet, and a history is not kept beyond 2 h 30 min after the monitor was
// last seen.
func TestReplayAcrossSilence(t *testing.T) {
	for _, tc := range []struct {
		name      string
		silence   time.Duration
		replayed  int
		wantRules []string
	}{
		{"50 min silent, replay of before", 50 * time.Minute, 200, []string{"replay_window"}},
		{"50 min silent, no replay", 50 * time.Minute, 0, nil},
		{"3 h silent, replay of before", 3 * time.Hour, 200, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := wandering(22, 240) // 40 min at 10 s
			after := wandering(23, 60)   // 10 min back from the silence
			for i := range tc.replayed {
				after = append(after, jittered(before[10+i], i))
			}
			ts := every(len(before), 10*sec, func(i int) msg { return before[i] })
			ts = then(ts, tc.silence, every(len(after), 10*sec, func(i int) msg { return after[i] }))
			checkRules(t, run(t, vitals.DefaultConfig(), ts), tc.wantRules...)
		})
	}
}
