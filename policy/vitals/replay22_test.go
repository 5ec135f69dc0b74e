package vitals_test

import (
	"math/rand/v2"
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

// sleeping returns n messages of a still, sleeping patient: heart and pulse
// rate 57–61, saturation 93–94, breathing 16–19, at random; no arterial
// line. Any two stretches are alike within the near replay's tolerance.
func sleeping(seed uint64, n int) []msg {
	r := rand.New(rand.NewPCG(seed, 22))
	ms := make([]msg, n)
	for i := range ms {
		h := 57 + r.IntN(5)
		ms[i] = msg{rows: []row{hr(num(float64(h))), pr(num(float64(h + r.IntN(3) - 1))), spo2(num(float64(93 + r.IntN(2)))), rr(num(float64(16 + r.IntN(4)))), temp("36.8")}}
	}
	return ms
}

// TestExactReplayFarBack: a quiet patient's values, too still for the near
// replay to tell a copy from chance, copied exactly an hour or two later
// (corpus3 training seed 7 m0110, 111 min at 3 s; seed 10 m0030, 42 min at
// 5 s) are a replay: an exact repeat of a run of 12 is looked up among
// every farEvery-th run of the last 2 h 30 min as well as among the last
// 360. The same patient unreplayed for 3 h is quiet.
func TestExactReplayFarBack(t *testing.T) {
	exact := func(m msg, _ int) msg { return m }
	checkReplayCases(t, sleeping, exact, []replayCase{
		{"3 s, 111 min back", 3 * sec, 2400, 2220, 200, []string{"replay_window"}},
		{"5 s, 42 min back", 5 * sec, 600, 504, 100, []string{"replay_window"}},
		{"1 s, 2 h back", 1 * sec, 7300, 7200, 100, []string{"replay_window"}},
		{"3 s, 3 h unreplayed", 3 * sec, 3600, 0, 0, nil},
		{"10 s, 3 h unreplayed", 10 * sec, 1080, 0, 0, nil},
	})
}
