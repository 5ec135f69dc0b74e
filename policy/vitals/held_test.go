package vitals_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestHeldTogether23: too_regular (i), channels held together at a slow
// cadence. An adult bed at 60 s whose heart rate, pulse rate and saturation
// (each changing in most messages) are replaced by a moving average holding
// its values for a quarter of an hour, the breathing rate still measured, is
// reported. An oximeter holding its pulse rate and saturation (a loss of
// signal: one sensor, fails if the two count as two sensors), a sedated patient whose
// breathing rate and saturation hold while the heart keeps moving, a patient falling asleep (every channel's scatter
// halved, still changing in most messages), a pacemaker taking over at 70/min
// (both counts of the heart held at its set rate; fails without the pacing
// exemption), a saturation at its 99–100 %
// plateau beside a held breathing rate, and the moving average at a 10 s
// cadence (where readings share beats and (i) is not applied) stay quiet.
func TestHeldTogether23(t *testing.T) {
	noise := func(i, k int) float64 { return rand.New(rand.NewPCG(uint64(i), uint64(k))).NormFloat64() }
	// bed: the heart rate, pulse rate, saturation and breathing rate, each
	// rounded to the display; sd scales the scatter.
	bed := func(i int, sd float64, sat float64) msg {
		h := 82 + 3*sd*noise(i, 1)
		return msg{rows: []row{hr(num(math.Round(h))), pr(num(math.Round(h + 1.5*sd*noise(i, 2)))),
			spo2(num(math.Round(min(100, sat+0.8*sd*noise(i, 3))))), rr(num(math.Round(16 + 1.5*sd*noise(i, 4)))), temp("37.0")}}
	}
	measured := func(i int) msg { return bed(i, 1, 95) }
	// averaged: heart, pulse and saturation held (one step each), the
	// breathing rate measured.
	averaged := func(i int) msg {
		m := bed(i+200, 1, 95)
		h := 83.0
		if i >= 9 {
			h = 84
		}
		m.rows[0], m.rows[1], m.rows[2] = hr(num(h)), pr(num(h+1)), spo2("95")
		return m
	}
	// after: n messages of the bed at saturation sat, with set's rows held.
	after := func(n int, sat float64, set func(m *msg)) []tick {
		return every(n, time.Minute, func(i int) msg {
			m := bed(i+200, 1, sat)
			set(&m)
			return m
		})
	}
	for _, tc := range []struct {
		name   string
		lead   []tick
		step   time.Duration
		after  []tick
		report bool
	}{
		{"heart, pulse and saturation held by a moving average at 60 s", every(100, time.Minute, measured), time.Minute,
			every(16, time.Minute, averaged), true},
		{"a sedated patient's breathing rate and saturation held at 60 s", every(100, time.Minute, measured), time.Minute,
			after(20, 95, func(m *msg) { m.rows[2], m.rows[3] = spo2("95"), rr("12") }), false},
		{"an oximeter holding its pulse rate and saturation at 60 s", every(100, time.Minute, measured), time.Minute,
			after(20, 95, func(m *msg) { m.rows[1], m.rows[2] = pr("83"), spo2("95") }), false},
		{"a pacemaker taking over at 70/min at 60 s", every(100, time.Minute, measured), time.Minute,
			every(30, time.Minute, func(i int) msg {
				m := bed(i+200, 1, 95)
				m.rows[0], m.rows[1], m.rows[2] = hr("70"), pr("70"), spo2(num(95+float64(i%3)-1))
				return m
			}), false},
		{"a patient falling asleep at 60 s", every(100, time.Minute, measured), time.Minute,
			every(60, time.Minute, func(i int) msg { return bed(i+200, 0.5, 95) }), false},
		{"a saturation at its plateau beside a held breathing rate at 60 s", every(100, time.Minute, func(i int) msg { return bed(i, 1, 99.6) }), time.Minute,
			after(20, 99.6, func(m *msg) { m.rows[2], m.rows[3] = spo2("100"), rr("12") }), false},
		{"the moving average at 10 s", every(300, 10*sec, measured), 10 * sec,
			every(16, 10*sec, averaged), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), then(tc.lead, tc.step, tc.after))
			n := 0
			for _, f := range fs {
				if f.Rule == "too_regular" && f.Value < -3 && f.Threshold == -14 {
					n++
				}
			}
			if (n > 0) != tc.report {
				checkRules(t, fs)
				t.Errorf("%d too_regular (i) findings, want any: %v", n, tc.report)
			}
		})
	}
}
