package vitals_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestBreathingRateAtTheHeart43 (session 43, rrcard43): thoracic impedance
// picks up the heart's stroke; when the breaths are shallow the breath
// detector locks onto it and the breathing rate reads the heart rate,
// following it, for minutes (corpus7's clean beds: runs of 1-282 messages,
// up to 15 min, 97 % of the messages within 5 % of the heart rate). Quiet:
// a neonate's rate jumping from 30-60 to its heart rate of 160-175, above
// the breathing rate's range of 150 (main: range), and an adult's from 16
// to a heart rate of 78-84 at 10 s (main: rate_of_change), each for 5 min
// and back. Judged still: a forged spike of 3 messages at the heart rate
// (a spike, one message more than that is the run the overlay needs), a
// forged value above the range at the heart rate for 2 messages (range,
// reported when the run ends, in the scorer's grace), a forged value above
// the range beside a heart rate it does not follow (range at once), and a
// rate held at the heart's for 25 min (past heartHold: rate_of_change).
func TestBreathingRateAtTheHeart43(t *testing.T) {
	// bed is n messages step apart of a patient whose heart rate wanders
	// around h0 and whose breathing rate is base; messages from..to-1 carry
	// rate(i, heart) instead.
	bed := func(loc string, n int, step time.Duration, h0, base float64, from, to int, rate func(i int, h float64, r *rand.Rand) float64) []tick {
		r := rand.New(rand.NewPCG(43, 1))
		h := h0
		return every(n, step, func(i int) msg {
			h = min(max(h+float64(r.IntN(5)-2), h0-8), h0+8)
			v := base + float64(r.IntN(5)-2)
			if i >= from && i < to {
				v = rate(i, h, r)
			}
			m := msg{rows: []row{hr(num(h)), pr(num(h + float64(r.IntN(3)-1))), spo2(num(95 + float64(r.IntN(3)))),
				rr(num(v)), temp("37.0")}}
			if loc != "" {
				m.pv1 = "1|I|" + loc + "^^01^HOSP"
			}
			return m
		})
	}
	overlay := func(i int, h float64, r *rand.Rand) float64 { return h + float64(r.IntN(7)-3) }
	forged := func(v float64) func(int, float64, *rand.Rand) float64 {
		return func(int, float64, *rand.Rand) float64 { return v }
	}
	tests := []ruleCase{
		{"a neonate's impedance counting a heart of 160-175 for 5 min", bed("NICU", 240, 10*sec, 167, 45, 120, 150, overlay), nil},
		{"an adult's impedance counting a heart of 78-84 for 5 min", bed("", 240, 10*sec, 80, 16, 120, 150, overlay), nil},
		{"a spike of 3 messages at the heart rate", bed("", 240, 10*sec, 80, 16, 120, 123, overlay), []string{"spike"}},
		{"a neonate's rate above the range at the heart rate for 2 messages", bed("NICU", 240, 10*sec, 167, 45, 120, 122, overlay), []string{"range"}},
		{"a neonate's rate above the range away from the heart rate", bed("NICU", 240, 10*sec, 167, 45, 120, 150, forged(190)), []string{"range"}},
		{"an adult's rate at the heart's for 25 min", bed("", 360, 10*sec, 80, 16, 120, 270, overlay), []string{"rate_of_change"}},
	}
	checkCases(t, tests)
}

// TestArterialStepDuringCardiacOverlay43: a breathing rate at the heart's
// rate stands off its level (kept from before the overlay) in every message
// of a cardiac overlay; read as a channel that shifted, it made a forged
// arterial step begun during the overlay a change of state, unreported
// (rrcard43's fresh block, corpus7 s45 m0104: a systolic forged below the
// diastolic). The overlay vouches for no other channel's change.
func TestArterialStepDuringCardiacOverlay43(t *testing.T) {
	bed := func(step float64) []tick {
		return every(120, 10*sec, func(i int) msg {
			sys, dia := 120.0, 70.0
			if i >= 70 && i < 100 {
				sys, dia = sys+step, dia+step
			}
			m := art(i, 80, sys, dia)
			if i >= 50 && i < 110 {
				m = set(m, rr(wobble(80, i))) // the heart rate's own count
			}
			return m
		})
	}
	for _, tc := range []struct {
		name string
		step float64
		want int // arterial rate_of_change findings
	}{
		{"an overlay for 10 min, the arterial line steady", 0, 0},
		{"an arterial step of 30 begun during it", 30, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), bed(tc.step))
			n := 0
			for _, f := range fs {
				if f.Rule != "rate_of_change" || !strings.HasPrefix(f.Parameter, "MDC_PRESS_BLD_ART") {
					t.Errorf("unexpected %s on %s", f.Rule, f.Parameter)
					continue
				}
				n++
			}
			if n != tc.want {
				t.Errorf("%d arterial rate_of_change findings, want %d", n, tc.want)
			}
		})
	}
}
