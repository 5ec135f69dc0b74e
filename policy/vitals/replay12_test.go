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
	return walk(rand.New(rand.NewPCG(seed, 12)), n, walkBounds{start: [4]int{90, 96, 18, 80}, lo: [4]int{60, 90, 10, 65}, hi: [4]int{130, 99, 28, 105}})
}

// walkBounds are a random walk's start and bounds for the heart rate,
// saturation, breathing rate and arterial mean, in that order.
type walkBounds struct{ start, lo, hi [4]int }

// walk returns n messages whose heart rate and arterial mean move by up to
// 3 and whose saturation and breathing rate move by up to 1 each message,
// inside the bounds, with a pulse rate within 1 of the heart rate.
func walk(r *rand.Rand, n int, b walkBounds) []msg {
	v := b.start
	ms := make([]msg, n)
	for i := range ms {
		for c, span := range [4]int{7, 3, 3, 7} {
			v[c] = min(b.hi[c], max(b.lo[c], v[c]+r.IntN(span)-span/2))
		}
		ms[i] = msg{rows: []row{hr(num(float64(v[0]))), pr(num(float64(v[0] + r.IntN(3) - 1))), spo2(num(float64(v[1]))), rr(num(float64(v[2]))), artM(num(float64(v[3]))), temp("37.0")}}
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
