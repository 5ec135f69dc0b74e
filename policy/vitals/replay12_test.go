package vitals_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// wandering returns n messages step apart of a patient whose heart rate,
// saturation, breathing rate and arterial mean take a random walk: at a
// cadence of seconds, neighbouring messages differ by more than the
// near-replay tolerance.
func wandering(seed uint64, n int) []msg {
	r := rand.New(rand.NewPCG(seed, 12))
	h, s, b, a := 90, 96, 18, 80
	ms := make([]msg, n)
	for i := range ms {
		h = min(130, max(60, h+r.IntN(7)-3))
		s = min(99, max(90, s+r.IntN(3)-1))
		b = min(28, max(10, b+r.IntN(3)-1))
		a = min(105, max(65, a+r.IntN(7)-3))
		ms[i] = msg{rows: []row{hr(num(float64(h))), pr(num(float64(h + r.IntN(3) - 1))), spo2(num(float64(s))), rr(num(float64(b))), artM(num(float64(a))), temp("37.0")}}
	}
	return ms
}

// TestReplayAtAnyLag: at a cadence of 5 s or faster only every k-th message
// is remembered (k = 2 at 5 s, 8 at 2 s); a replay whose lag is not a
// multiple of k copies none of the remembered messages onto a remembered
// one, and a moving patient's neighbours are not alike (training seeds 4
// m0127, 11 m0131, 48 m0129, 52 m0023). The messages between the
// remembered ones are compared with the remembered past in turn, so such a
// replay is found; the same patient unreplayed for 3 h is not one.
func TestReplayAtAnyLag(t *testing.T) {
	checkReplayCases(t, wandering, jittered, []replayCase{
		{"5 s, lag 1,269", 5 * sec, 1800, 1269, 200, []string{"replay_window"}},
		{"2 s, lag 2,701", 2 * sec, 3000, 2701, 300, []string{"replay_window"}},
		{"5 s, 3 h unreplayed", 5 * sec, 2160, 0, 0, nil},
		{"2 s, 3 h unreplayed", 2 * sec, 5400, 0, 0, nil},
	})
}

// replayCase is a patient of n messages at step, then replayed messages
// each copying the one lag before it, and the rules that must fire.
type replayCase struct {
	name      string
	step      time.Duration
	n, lag    int
	replayed  int
	wantRules []string
}

// checkReplayCases runs each case with the patient's messages (seeded by
// n) and copies made by copyOf (the i-th copy of a message).
func checkReplayCases(t *testing.T, patient func(seed uint64, n int) []msg, copyOf func(m msg, i int) msg, cases []replayCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ms := patient(uint64(tc.n), tc.n)
			for i := range tc.replayed {
				ms = append(ms, copyOf(ms[len(ms)-tc.lag], i))
			}
			checkRules(t, run(t, vitals.DefaultConfig(), every(len(ms), tc.step, func(i int) msg { return ms[i] })), tc.wantRules...)
		})
	}
}
