package vitals_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// patient is an adult message with heart rate h, SpO2 s, breathing rate r
// and etCO2 c, each with its own small noise (seeded by i), and a steady
// pulse rate following the heart rate.
func patient(i int, h, s, r, c float64) msg {
	g := rand.New(rand.NewPCG(uint64(i), 13))
	n := func(k int) float64 { return float64(g.IntN(2*k+1) - k) }
	h, s, r, c = math.Round(h), math.Round(s), math.Round(r), math.Round(c)
	hv := h + n(2)
	return msg{rows: []row{
		hr(num(hv)), pr(num(hv + n(1))), spo2(num(min(100, s+n(1)))), rr(num(r + n(1))),
		temp("37.0"), {code: "151708", value: num(c + n(1)), unit: "266016"},
	}}
}

// ramp is the share of a trend done at message i of n: 0 before, 1 at the
// end.
func ramp(i, n int) float64 { return min(1, max(0, float64(i)/float64(n))) }

// TestDriftReturn: one channel slides over tens of minutes and snaps back in
// one message while everything else keeps its level, against genuine events
// that move several channels, or return gradually, or begin abruptly.
func TestDriftReturn(t *testing.T) {
	const step = 30 * time.Second
	learn := every(120, step, func(i int) msg { return patient(i, 80, 97, 16, 38) })
	// A trend of n messages after the learning hour, then back for 10.
	trend := func(n int, f func(i int, x float64) msg) []tick {
		return every(n+10, step, func(i int) msg {
			if i >= n {
				return f(i+1000, 0)
			}
			return f(i+1000, ramp(i, n))
		})
	}
	// slide: the case is about the saturation's slide (session 21), not
	// about a return: only that variant of drift_return is counted.
	tests := []struct {
		name  string
		more  []tick
		want  []string
		slide bool
	}{
		// Since session 21 the slide reports it before the return, which
		// then continues that episode.
		{"SpO2 slides 97 → 89 over 30 min, heart and breathing rates steady, snaps back", trend(60, func(i int, x float64) msg {
			return patient(i, 80, 97-8*x, 16, 38)
		}), []string{"drift_return"}, true},
		{"breathing rate creeps 16 → 28 over 20 min, snaps back", trend(40, func(i int, x float64) msg {
			return patient(i, 80, 97, 16+12*x, 38)
		}), []string{"drift_return"}, false},
		{"etCO2 climbs 38 → 52 over 40 min with a steady breathing rate, snaps back", trend(80, func(i int, x float64) msg {
			return patient(i, 80, 97, 16, 38+14*x)
		}), []string{"drift_return"}, false},
		{"desaturation: SpO2 falls in a minute, the heart rate rises, both recover at once", every(60, step, func(i int) msg {
			if i >= 20 && i < 45 {
				return patient(i+1000, 95, 88, 20, 38)
			}
			return patient(i+1000, 80, 97, 16, 38)
		}), nil, false},
		{"sleep: heart and breathing rates sink over 30 min, waking restores both at once", trend(60, func(i int, x float64) msg {
			return patient(i, 80-15*x, 97, 16-6*x, 38)
		}), nil, false},
		{"SpO2 slides over 30 min and recovers over 10 min", every(90, step, func(i int) msg {
			x := ramp(i, 60) - ramp(i-60, 20)
			return patient(i+1000, 80, 97-8*x, 16, 38)
		}), nil, false},
		{"hypoventilation: etCO2 climbs while the breathing rate falls, then both recover", trend(60, func(i int, x float64) msg {
			return patient(i, 80, 97, 16-8*x, 38+14*x)
		}), nil, false},
		// Session 19: a forged saturation or etCO2 rides on the patient's
		// own course, whose partners move by themselves.
		{"SpO2 slides 97 → 89 over 30 min while sleep lowers the heart rate 12 bpm, snaps back alone", trend(60, func(i int, x float64) msg {
			return patient(i, 80-12*ramp(i-1000, 60), 97-8*x, 16, 38)
		}), []string{"drift_return"}, false},
		// Session 19: the level returned to must not hold a step in its
		// own bucket.
		{"a ventilator's rate set 16 → 24 late in a 5-min bucket for 20 min, set back in one message", every(55, step, func(i int) msg {
			if i >= 8 && i < 48 {
				return patient(i+1000, 80, 97, 24, 38)
			}
			return patient(i+1000, 80, 97, 16, 38)
		}), nil, false},
		{"SpO2 slides over 30 min and snaps back, but the heart rate jumps with it (waking)", trend(60, func(i int, x float64) msg {
			if x == 0 && i >= 1060 {
				return patient(i, 95, 97, 16, 38)
			}
			return patient(i, 80, 97-8*x, 16, 38)
		}), nil, false},
		// Session 21 (drift21): a saturation that slid along a ramp below
		// every level it held 30–60 min before and lies there 15 min, while
		// the heart rate, breathing rate and etCO2 kept theirs.
		{"slide: SpO2 slides 97 → 91 over 40 min and holds, partners steady", every(110, step, func(i int) msg {
			return patient(i+1000, 80, 97-6*ramp(i, 80), 16, 38)
		}), []string{"drift_return"}, true},
		{"slide: SpO2 slides 97 → 91 over 40 min while the breathing rate climbs 16 → 22", every(110, step, func(i int) msg {
			x := ramp(i, 80)
			return patient(i+1000, 80, 97-6*x, 16+6*x, 38)
		}), nil, true},
		{"slide: SpO2 slides 97 → 91 over 40 min while the heart rate climbs 80 → 92", every(110, step, func(i int) msg {
			x := ramp(i, 80)
			return patient(i+1000, 80+12*x, 97-6*x, 16, 38)
		}), nil, true},
		{"slide: SpO2 falls 97 → 91 in one minute (a plug) and stays, partners steady", every(110, step, func(i int) msg {
			return patient(i+1000, 80, 97-6*ramp(i-60, 2), 16, 38)
		}), nil, true},
		{"slide: SpO2 slides 97 → 95 over 40 min (less than 3 below its old levels)", every(110, step, func(i int) msg {
			return patient(i+1000, 80, 97-2*ramp(i, 80), 16, 38)
		}), nil, true},
		// Session 23 (drift23): the pulse rate counts the heart rate's beats
		// again; moving with it, it is no second channel answering.
		{"heart rate and its pulse rate sink 80 → 50 over 30 min, both snap back, nothing else moves", trend(60, func(i int, x float64) msg {
			return patient(i, 80-30*x, 97, 16, 38)
		}), []string{"drift_return"}, false},
		{"heart rate and its pulse rate climb 80 → 110 over 30 min and fall back at once (a vagal bradycardia, a crying bout's end)", trend(60, func(i int, x float64) msg {
			return patient(i, 80+30*x, 97, 16, 38)
		}), nil, false},
		{"heart rate sinks 80 → 50 over 30 min and snaps back while the pulse rate jumps otherwise (motion on the oximeter)", trend(60, func(i int, x float64) msg {
			m := patient(i, 80-30*x, 97, 16, 38)
			if x == 0 && i >= 1060 {
				m.rows[1] = pr(num(125))
			}
			return m
		}), nil, false},
		// Review23 (failing on 9e40ec4): the confirming message judges a
		// residual against the mean of the last three values, two thirds of
		// the return; the pulse rates were excused there only when those
		// two thirds reached 16 bpm, so returns of 16–23 bpm went unreported.
		{"heart rate and its pulse rate sink 80 → 62 over 30 min, both snap back (18 bpm)", trend(60, func(i int, x float64) msg {
			return patient(i, 80-18*x, 97, 16, 38)
		}), []string{"drift_return"}, false},
		{"heart rate and its pulse rate sink 80 → 60 over 30 min, both snap back (20 bpm)", trend(60, func(i int, x float64) msg {
			return patient(i, 80-20*x, 97, 16, 38)
		}), []string{"drift_return"}, false},
		{"heart rate and its pulse rate sink 80 → 68 over 30 min and rise back together (a sleeping patient stirs)", trend(60, func(i int, x float64) msg {
			return patient(i, 80-12*x, 97, 16, 38)
		}), nil, false},
		// The confirming message: one message of a witness's scatter is no
		// answer of the body, a move by its smallest return is.
		{"heart rate and its pulse rate sink 80 → 50 over 30 min, snap back, the breathing rate blips 16 → 20 in the next message", trend(60, func(i int, x float64) msg {
			if i == 1061 {
				return patient(i, 80, 97, 20, 38)
			}
			return patient(i, 80-30*x, 97, 16, 38)
		}), []string{"drift_return"}, false},
		{"breathing rate creeps 16 → 28 over 20 min, snaps back, the heart rate climbs 12 in the next message", trend(40, func(i int, x float64) msg {
			if i >= 1041 {
				return patient(i, 92, 97, 16, 38)
			}
			return patient(i, 80, 97, 16+12*x, 38)
		}), nil, false},
	}
	// At a 60 s cadence the trend is 30 messages and the return still one.
	slow := every(30+10, time.Minute, func(i int) msg {
		if i >= 30 {
			return patient(i+1000, 80, 97, 16, 38)
		}
		return patient(i+1000, 80, 97, 16+12*ramp(i, 30), 38)
	})
	tests = append(tests, struct {
		name  string
		more  []tick
		want  []string
		slide bool
	}{"60 s cadence: the breathing rate creeps 16 → 28 over 30 min, snaps back", slow, []string{"drift_return"}, false})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), then(learn, step, tc.more))
			var got []vitals.Finding
			for _, f := range fs {
				if f.Rule == "drift_return" && strings.HasPrefix(f.Explanation, "slid") == tc.slide {
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}

// TestDriftReturnZeroedLine: an arterial line zeroed to atmosphere and then
// damped (the systolic sunk toward an unchanged mean for minutes, long
// enough to become the channels' level) opens again in one message: the
// systolic is back where it was before the zeroing. The zeroing gave the
// transducer a new reference; the level before it was not left along a
// trend, and drift_return stays quiet.
func TestDriftReturnZeroedLine(t *testing.T) {
	const step = 10 * time.Second
	art := func(i int, s, d, m float64) msg {
		g := rand.New(rand.NewPCG(uint64(i), 17))
		n := func() float64 { return float64(g.IntN(5) - 2) }
		p := patient(i, 130, 97, 45, 38)
		p.rows = append(p.rows, artS(num(s+n())), artD(num(d+n()/2)), artM(num(m+n()/2)))
		return p
	}
	ticks := every(360, step, func(i int) msg {
		switch {
		case i < 240: // 40 min of an open trace
			return art(i, 68, 35, 46)
		case i < 243: // zeroed
			return art(i, 2, 0, 1)
		case i < 340: // damped for 16 min
			return art(i, 50, 41, 46)
		default: // flushed open again
			return art(i, 68, 33, 45)
		}
	})
	var got []vitals.Finding
	for _, f := range run(t, vitals.DefaultConfig(), ticks) {
		if f.Rule == "drift_return" {
			got = append(got, f)
		}
	}
	checkRules(t, got)
}
