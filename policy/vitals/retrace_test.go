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

// TestDriftReturnDamping: an arterial trace that damps (air, a clot, a
// kinked catheter) narrows its pulse around an unchanged mean, its systolic
// falling and its diastolic rising in one message, often less than damped
// counts; a systolic that rose over half an hour with the patient's pressure
// then lands back on its old level without being undone (corpus3's clean
// beds: drift_return 3 findings, session 20). The trio's forged rise snapped
// back together is still drift_return.
func TestDriftReturnDamping(t *testing.T) {
	const step = 30 * time.Second
	art := func(i int, s, d, m float64) msg {
		g := rand.New(rand.NewPCG(uint64(i), 17))
		n := func() float64 { return float64(g.IntN(3) - 1) }
		p := patient(i, 80, 97, 16, 38)
		p.rows = append(p.rows, artS(num(math.Round(s)+n())), artD(num(math.Round(d)+n())), artM(num(math.Round(m)+n())))
		return p
	}
	// 60 min at 100/60/73, a rise of 16/8/11 over 30 min, then after(i).
	feed := func(after func(i int) msg) []tick {
		return every(220, step, func(i int) msg {
			switch {
			case i < 120:
				return art(i, 100, 60, 73)
			case i < 180:
				x := ramp(i-120, 60)
				return art(i, 100+16*x, 60+8*x, 73+11*x)
			case i < 200:
				return art(i, 116, 68, 84)
			}
			return after(i)
		})
	}
	for _, tc := range []ruleCase{
		{"the trace damps after a rise: 116/68/84 reads 100/75/83", feed(func(i int) msg { return art(i, 100, 75, 83) }), nil},
		{"the trio's rise snaps back together", feed(func(i int) msg { return art(i, 100, 60, 73) }), []string{"drift_return"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...)
		})
	}
}

// TestDriftReturnCough25 (session 25, drift25): at a fast cadence a
// breathing rate's value that jumps and comes back in the next message is
// an impedance artefact (a cough, talking, the leads moved), no step of the
// patient's level; a trend that carries such values is still a ramp, and
// its return in one message is judged. A jump that the next value keeps, a
// jump at a minute's cadence, or one on a neonate still counts as a step.
func TestDriftReturnCough25(t *testing.T) {
	adult, neo := vitals.DefaultConfig(), vitals.DefaultConfig()
	neo.Profile = "neonatal"
	// A breathing rate at cadence step: an hour at 16/min, a creep to 28
	// over 25 min, back to 16 in one message; cough(i) adds to the rate
	// at the trend's message i.
	creep := func(step time.Duration, cough func(i int) float64) []tick {
		n := int(25 * time.Minute / step)
		learn := every(int(time.Hour/step), step, func(i int) msg { return patient(i, 80, 97, 16, 38) })
		return then(learn, step, every(n+int(5*time.Minute/step), step, func(i int) msg {
			if i >= n {
				return patient(i+5000, 80, 97, 16, 38)
			}
			return patient(i+5000, 80, 97, 16+12*ramp(i, n)+cough(i), 38)
		}))
	}
	// Every 5 min, from 2 min into the trend, one message 12/min up.
	spike := func(every int) func(i int) float64 {
		return func(i int) float64 {
			if i%every == every/2 {
				return 12
			}
			return 0
		}
	}
	held := func(every int) func(i int) float64 {
		return func(i int) float64 {
			if i%every == every/2 || i%every == every/2+1 {
				return 12
			}
			return 0
		}
	}
	tests := []struct {
		name  string
		cfg   vitals.Config
		ticks []tick
		want  []string
	}{
		{"15 s: the breathing rate creeps 16 → 28 with no cough, snaps back", adult, creep(15*time.Second, func(int) float64 { return 0 }), []string{"drift_return"}},
		{"15 s: the same with a one-message jump of 12 every 5 min, snaps back", adult, creep(15*time.Second, spike(20)), []string{"drift_return"}},
		{"30 s: the same with a one-message jump of 12 every 5 min, snaps back", adult, creep(30*time.Second, spike(10)), []string{"drift_return"}},
		{"15 s: the jumps are held for two messages (steps given back), snaps back", adult, creep(15*time.Second, held(20)), nil},
		{"60 s: a one-message jump of 12 every 5 min is a minute of breathing, snaps back", adult, creep(time.Minute, spike(5)), nil},
		{"15 s, a neonatal monitor: one-message jumps of 12 every 5 min, snaps back", neo, creep(15*time.Second, spike(20)), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []vitals.Finding
			for _, f := range run(t, tc.cfg, tc.ticks) {
				if f.Rule == "drift_return" {
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}

// trendBack26 is an hour at a breathing rate of 16/min (the heart rate
// h0(i) at message i), a creep to 28 over n minutes and the rate back at 16
// in one message, held 5 min, at 30 s; f builds trend message i (x the
// share of the creep done, 0 from the return on).
func trendBack26(h0 func(i int) float64, n int, f func(i int, x float64) msg) []tick {
	const step = 30 * time.Second
	m := 2 * n
	learn := every(120, step, func(i int) msg { return patient(i, h0(i), 97, 16, 38) })
	return then(learn, step, every(m+10, step, func(i int) msg {
		if i >= m {
			return f(i, 0)
		}
		return f(i, ramp(i, m))
	}))
}

// TestDriftReturnPartnerSpan26 (session 26, review26): drift_return's
// partner test (partnersKept) compares a breathing rate's related channels
// from where its trend began to now, back r.since buckets from the newest.
// Before, it was handed the trend level's bucket index (oldest first)
// instead: after a long trend that span is the last few buckets, so a heart
// rate that rose with the breathing rate early in the trend and then held
// was not seen; after a short one in a full ring it reached back past the
// trend, so a heart rate that settled half an hour before it began was
// taken for an answer to it.
func TestDriftReturnPartnerSpan26(t *testing.T) {
	steady := func(int) float64 { return 80 }
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"the breathing rate creeps 16 → 28 over 50 min alone and snaps back", trendBack26(steady, 50, func(i int, x float64) msg {
			return patient(i+5000, 80, 97, 16+12*x, 38)
		}), []string{"drift_return"}},
		{"the heart rate climbs 80 → 92 in the creep's first 20 min and holds", trendBack26(steady, 50, func(i int, x float64) msg {
			return patient(i+5000, 80+12*ramp(i, 40), 97, 16+12*x, 38)
		}), nil},
		{"the heart rate settled 90 → 80 half an hour before a 20 min creep", trendBack26(func(i int) float64 {
			if i < 80 {
				return 90
			}
			return 80
		}, 20, func(i int, x float64) msg {
			return patient(i+5000, 80, 97, 16+12*x, 38)
		}), []string{"drift_return"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []vitals.Finding
			for _, f := range run(t, vitals.DefaultConfig(), tc.ticks) {
				if f.Rule == "drift_return" {
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}

// TestBreathingRateSlide33 (session 24, drift24; sizes session 33,
// rrstep33): a breathing rate that slides along a ramp to a level far from
// every level it held half an hour to an hour before, and lies there 15
// min, while the heart rate, the saturation and etCO2 keep theirs, is
// reported as a slide: a rise from half the earlier level (a breath half
// as fast again that no heart answered), a fall from a third of it beside
// a capnograph that kept its level (fewer breaths clear less CO2). Genuine
// tachypnoea or slowing that its partners answer, a rise by less than half
// (a shallower breath at the same ventilation), a slowing without a
// capnograph (an opioid, sleep), a ventilator's rate set in steps and a
// small change stay quiet.
func TestBreathingRateSlide33(t *testing.T) {
	const step = 30 * time.Second
	learn := every(120, step, func(i int) msg { return patient(i, 80, 97, 16, 38) })
	tests := []struct {
		name string
		f    func(i int, x float64) msg // x: the ramp's share done, over 30 min
		want []string
	}{
		{"breathing rate climbs 16 → 28 over 30 min and holds, partners steady", func(i int, x float64) msg {
			return patient(i, 80, 97, 16+12*x, 38)
		}, []string{"drift_return"}},
		{"breathing rate sinks 16 → 7 over 30 min and holds, partners steady beside a capnograph", func(i int, x float64) msg {
			return patient(i, 80, 97, 16-9*x, 38)
		}, []string{"drift_return"}},
		{"a shallower breath: 16 → 23, less than half as fast again, partners steady", func(i int, x float64) msg {
			return patient(i, 80, 97, 16+7*x, 38)
		}, nil},
		{"opioid without a capnograph: 16 → 6, partners steady", func(i int, x float64) msg {
			m := patient(i, 80, 97, 16-10*x, 38)
			m.rows = m.rows[:len(m.rows)-1]
			return m
		}, nil},
		{"tachypnoea with the heart rate: 16 → 28 while the heart rate climbs 80 → 96", func(i int, x float64) msg {
			return patient(i, 80+16*x, 97, 16+12*x, 38)
		}, nil},
		{"hyperventilation: 16 → 28 while etCO2 falls 38 → 30", func(i int, x float64) msg {
			return patient(i, 80, 97, 16+12*x, 38-8*x)
		}, nil},
		{"opioid: 16 → 8 while etCO2 climbs 38 → 50", func(i int, x float64) msg {
			return patient(i, 80, 97, 16-8*x, 38+12*x)
		}, nil},
		{"tachypnoea with a falling saturation: 16 → 28 while SpO2 falls 97 → 92", func(i int, x float64) msg {
			return patient(i, 80, 97-5*x, 16+12*x, 38)
		}, nil},
		{"a ventilator's rate set 16 → 22 → 28, a quarter of an hour apart", func(i int, x float64) msg {
			return patient(i, 80, 97, 16+6*float64(int(2*x+0.01)), 38)
		}, nil},
		{"breathing rate climbs 16 → 20 over 30 min (less than 6/min)", func(i int, x float64) msg {
			return patient(i, 80, 97, 16+4*x, 38)
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			more := every(110, step, func(i int) msg { return tc.f(i+1000, ramp(i, 60)) })
			var got []vitals.Finding
			for _, f := range run(t, vitals.DefaultConfig(), then(learn, step, more)) {
				if f.Rule == "drift_return" && f.Parameter == "MDC_RESP_RATE" && strings.HasPrefix(f.Explanation, "slid") {
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}
