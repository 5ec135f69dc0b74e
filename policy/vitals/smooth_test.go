package vitals_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestChannelWitnesses covers the single-channel freezes and smoothings that
// are judged against the channel that bounds them (the ECG heart rate for a
// pulse rate, the breathing rate for end-tidal CO2), and the clinical
// situations that must stay quiet.
func TestChannelWitnesses(t *testing.T) {
	learn := every(150, 10*sec, func(i int) msg {
		return msg{rows: []row{hr(wobble(72, i)), pr(wobble(72, i+5)), spo2(wobble(96, i+7)), rr(wobble(16, i+3))}}
	})
	tests := []struct {
		name string
		more []tick
		want []string
	}{
		{"pulse rate held at a multiple of 5 while the heart rate keeps moving", every(60, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i+1000)), pr("70"), spo2(wobble(96, i+1007)), rr(wobble(16, i+1003))}}
		}), []string{"frozen"}},
		{"pacemaker takes over: heart and pulse rate held at the paced rate", every(60, 10*sec, func(i int) msg {
			return msg{rows: []row{hr("70"), pr("70"), spo2(wobble(96, i+1007)), rr(wobble(16, i+1003))}}
		}), nil},
		{"pulse rate loses its noise while the heart rate keeps its own", every(60, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(wobble(72, i+1000)), pr(num(math.Round(72 + 1.5*math.Sin(float64(i)/6)))), spo2(wobble(96, i+1007)), rr(wobble(16, i+1003))}}
		}), []string{"too_regular"}},
		{"sleep: the heart rate quietens, the pulse rate keeps the oximeter's noise", every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(num(62 + float64(i/7%2))), pr(wobble(62, i+1005)), spo2(wobble(96, i+1007)), rr(wobble(14, i+1003))}}
		}), nil},
		{"demand pacing at 60 with an intrinsic beat now and then", every(120, 10*sec, func(i int) msg {
			h := "60"
			if i%30 == 3 {
				h = "59"
			}
			return msg{rows: []row{hr(h), pr(wobble(60, i+1005)), spo2(wobble(96, i+1007)), rr(wobble(16, i+1003))}}
		}), nil},
		{"heart and pulse rate quieten together (sedation)", every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(quiet(64, i)), pr(quiet(64, i+500)), spo2(wobble(96, i+1007)), rr(wobble(14, i+1003))}}
		}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), then(learn, 10*sec, tc.more)), tc.want...)
		})
	}
	t.Run("atrial fibrillation converts to a calm sinus rhythm", func(t *testing.T) {
		ticks := then(every(150, 10*sec, func(i int) msg { return af(i, 100, 90) }), 10*sec, every(90, 10*sec, func(i int) msg {
			return msg{rows: []row{hr(num(80 + float64(i/5%2))), pr(quiet(80, i+500)), spo2("96"), rr(wobble(16, i+1003)), temp("37.0")}}
		}))
		checkRules(t, run(t, vitals.DefaultConfig(), ticks))
	})
}

// quiet is base ±1, a calm patient's rate.
func quiet(base float64, i int) string {
	return num(base + float64(rand.New(rand.NewPCG(uint64(i), 9)).IntN(3)-1))
}

// TestFlushDoesNotTeachRoughness: arterial-line flushes while a channel's
// roughness is learned must not make its ordinary noise look too smooth
// later.
func TestFlushDoesNotTeachRoughness(t *testing.T) {
	art := func(i int, flush bool) msg {
		s, d, m := wobble(120, i), wobble(70, i+2), wobble(87, i+4)
		if flush {
			s, d, m = "300", "298", "299"
		}
		return msg{rows: []row{hr(wobble(72, i)), pr(wobble(72, i+5)), spo2(wobble(96, i+7)), artS(s), artD(d), artM(m)}}
	}
	ticks := every(400, 10*sec, func(i int) msg { return art(i, i < 120 && i%15 >= 7 && i%15 <= 8) })
	checkRules(t, run(t, vitals.DefaultConfig(), ticks))
}

// TestQuietArterialLine: in deep sedation an arterial line's diastolic and
// mean pressure can settle to a step of 1 mmHg every 8–10 messages, keeping
// only 5–8 % of the roughness they had: genuine channels of the training
// corpora fall that low (0.06 over 24 messages), so it is not too smooth.
func TestQuietArterialLine(t *testing.T) {
	art := func(i int, s, d, m string) msg {
		return msg{rows: []row{hr(wobble(72, i)), pr(wobble(72, i+5)), spo2(wobble(96, i+7)), rr(wobble(14, i+3)), artS(s), artD(d), artM(m)}}
	}
	learn := every(150, 10*sec, func(i int) msg { return art(i, wobble(120, i+11), wobble(70, i+13), wobble(87, i+17)) })
	for _, k := range []int{8, 10} {
		t.Run(fmt.Sprintf("a step every %d messages", k), func(t *testing.T) {
			sedated := every(120, 10*sec, func(i int) msg {
				step := float64(i / k % 2)
				return art(i+1000, quiet(118, i), num(68+step), num(84+step))
			})
			checkRules(t, run(t, vitals.DefaultConfig(), then(learn, 10*sec, sedated)))
		})
	}
}

// TestRoundedSlowCurve21: too_regular (h). A breathing rate measured at a
// 60 s cadence (a level with each reading's own error, sd 1.2/min), replaced
// by a slow sinusoid or by a moving average of itself, rounded to whole
// breaths, moves by at most two a message and only one way until the curve
// turns: it is reported before the 120 messages that teach (b) its
// roughness. The same rate with its error kept around the same slow
// sinusoid, a rate rising one way with its error (a patient tiring), a
// rate that rose in steps of one and turned once, a breathing rate at the
// edge of a display step (flickering 14/15 as it wanders) and the sinusoid at
// a 10 s cadence (readings sharing a monitor's averaging) stay quiet.
//
// Review21 (failing on 8ffd737): the reported sinusoid stays a rounded slow
// curve with the rate left out of one message in twenty, with an NIBP-only
// message every quarter hour, with one change of 3 per cycle (a steeper
// flank), at 60 s after the bed's first 25 minutes at 5 s, and when its
// window's 24 changes are the stream's first (judged at the 24th change, not
// the 25th); the 10 s sinusoid stays quiet after four hours at 60 s (the
// cadence is the window's, not the mean since the channel's last silence).
//
// Session 23: the 10 s sinusoids are twice as fast as before (period 27
// readings, the rate changing every other one): the slower one holds each
// value 45 s and is a staircase, reported below 20 s (TestStaircase23).
func TestRoundedSlowCurve21(t *testing.T) {
	noise := func(i int) float64 { return rand.New(rand.NewPCG(uint64(i), 31)).NormFloat64() }
	beat := func(i int, r float64) msg {
		return msg{rows: []row{hr(num(math.Round(82 + 1.5*noise(i)))), spo2("97"), rr(num(math.Round(r))), temp("37.0")}}
	}
	measured := func(i int) msg { return beat(i, 15+1.2*noise(i+5000)) }
	sine := func(x float64) float64 { return 15 + 3.5*math.Sin(2*math.Pi*x/18) }
	for _, tc := range []struct {
		name   string
		step   time.Duration
		n      int
		after  func(i int) msg
		report bool
		lead   []tick // the messages before: nil, 40 measured at step
	}{
		{"a slow sinusoid", 60 * sec, 80, func(i int) msg { return beat(i+40, sine(float64(i))) }, true, nil},
		{"a moving average", 60 * sec, 80, func(i int) msg {
			s := 0.0
			for k := range 12 {
				s += 15 + 5*math.Sin(float64(i-k)/8) + 1.2*noise(i+5040-k)
			}
			return beat(i+40, s/12)
		}, true, nil},
		{"a slow sinusoid with the reading's error", 60 * sec, 80, func(i int) msg { return beat(i+40, sine(float64(i))+1.2*noise(i+5040)) }, false, nil},
		{"a rate rising with its error", 60 * sec, 80, func(i int) msg { return beat(i+40, 15+0.3*float64(i)+1.2*noise(i+5040)) }, false, nil},
		{"a rise in steps of one that turns once", 60 * sec, 60, func(i int) msg { return beat(i+40, 12+float64(min(i/2, 22)-max(0, i-48)/2)) }, false, nil},
		{"a rate at a display step", 60 * sec, 80, func(i int) msg { return beat(i+40, 14.5+0.8*math.Sin(float64(i)/9)+0.3*noise(i+5040)) }, false, nil},
		{"a slow sinusoid at a 10 s cadence", 10 * sec, 240, func(i int) msg { return beat(i+40, sine(float64(i)/1.5)) }, false, nil},
		{"a slow sinusoid with the rate left out of one message in 20", 60 * sec, 80, func(i int) msg {
			m := beat(i+40, sine(float64(i)))
			if i%20 == 19 {
				m.rows = append(m.rows[:2], m.rows[3:]...)
			}
			return m
		}, true, nil},
		{"a slow sinusoid with an NIBP-only message every 15 min", 60 * sec, 80, func(i int) msg {
			if i%15 == 14 {
				return msg{rows: []row{nibpS("120", ""), nibpD("70", ""), nibpM("87", "")}}
			}
			return beat(i+40, sine(float64(i)))
		}, true, nil},
		{"a slow sinusoid with one change of 3 per cycle", 60 * sec, 80, func(i int) msg {
			if i%18 == 1 || i%18 == 2 {
				return beat(i+40, 18)
			}
			return beat(i+40, sine(float64(i)))
		}, true, nil},
		{"a slow sinusoid at 60 s after 25 min at 5 s", 60 * sec, 80, func(i int) msg { return beat(i+300, sine(float64(i))) }, true,
			every(300, 5*sec, measured)},
		{"a slow sinusoid of exactly 24 changes", 60 * sec, 37, func(i int) msg { return beat(i, sine(float64(i))) }, true, []tick{}},
		{"a slow sinusoid at a 10 s cadence after 4 h at 60 s", 10 * sec, 240, func(i int) msg { return beat(i+240, sine(float64(i)/1.5)) }, false,
			every(240, 60*sec, measured)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lead := tc.lead
			if lead == nil {
				lead = every(40, tc.step, measured)
			}
			fs := run(t, vitals.DefaultConfig(), then(lead, tc.step, every(tc.n, tc.step, tc.after)))
			n := 0
			for _, f := range fs {
				if f.Rule == "too_regular" && f.Parameter == "MDC_RESP_RATE" {
					n++
				}
			}
			if (n > 0) != tc.report {
				checkRules(t, fs)
				t.Errorf("%d too_regular findings on the breathing rate, want any: %v", n, tc.report)
			}
		})
	}
}
