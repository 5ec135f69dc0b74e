package vitals_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

func TestBloodPressure(t *testing.T) {
	art := func(s, d, m string) func(int) msg {
		return func(i int) msg { return msg{rows: []row{artS(s), artD(d), artM(m), hr(wobble(80, i))}} }
	}
	cuff := func(s, d, m string, at string) msg {
		return msg{rows: []row{nibpS(s, at), nibpD(d, at), nibpM(m, at)}}
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"normal line", every(10, 10*sec, art("120", "70", "88")), nil},
		{"systolic and diastolic swapped", every(10, 10*sec, art("70", "120", "88")), []string{"bp_order"}},
		{"one swapped message is not persistent", then(every(3, 10*sec, art("120", "70", "88")), 10*sec, then(every(1, 10*sec, art("70", "120", "88")), 10*sec, every(3, 10*sec, art("120", "70", "88")))), nil},
		{"mean above systolic", every(10, 10*sec, art("120", "70", "125")), []string{"bp_order"}},
		{"mean 29 above the formula", every(10, 10*sec, art("150", "60", "125")), []string{"map_formula"}},
		{"flush: all three equal", every(10, 10*sec, art("300", "300", "300")), nil},
		{"flush: near equal at the bag pressure", every(10, 10*sec, art("304", "298", "301")), nil},
		{"zeroing", every(10, 10*sec, art("1", "-1", "0")), nil},
		{"damped: pulse pressure 8 at 120 is an artefact", every(10, 10*sec, art("120", "112", "115")), nil},
		{"cuff reading out of order, repeated with old OBX-14", every(10, 10*sec, func(int) msg { return cuff("70", "120", "90", "20260301115930") }), []string{"bp_order"}},
		{"cuff reading fine", every(10, 10*sec, func(int) msg { return cuff("125", "75", "92", "20260301115930") }), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), tc.ticks)
			checkRules(t, fs, tc.want...)
			if len(tc.want) == 1 && len(fs) != 1 {
				t.Errorf("%d findings, want one per episode", len(fs))
			}
		})
	}
}

// TestArterialShape24 (session 24, cuff24): an arterial line's mean is the
// integral of the waveform whose peak and trough are its systolic and
// diastolic, so where it sits between them is the bed's own and moves with
// the patient slowly. The third blind generator moved the mean alone by
// 11-15 mmHg off its waveform for 9-1234 messages (corpus3 training s4
// m0149: 136/78, mean 101, then 137/80, mean 116, for 32 messages; s4
// m0013, s9 m0112, s9 m0139, s10 m0041), below map_formula's 25 mmHg and
// inside its form-factor window, and main missed them. A mean that follows
// its waveform's slow change, a pressure that rises as a whole and a line
// over-damped around its mean are not that (a systolic raised alone, the
// mean kept, is not either: TestArterialDamping20).
func TestArterialShape24(t *testing.T) {
	const step = 30 * time.Second
	plain := func(i int) msg { return withArt(patient(i, 80, 97, 16, 38), i, 120, 70, 87) }
	learn := every(120, step, plain)
	// 10 messages at the patient's level, f for 40 (20 min), 20 after it.
	held := func(f func(i int) msg) []tick {
		return then(learn, step, every(70, step, func(i int) msg {
			if i < 10 || i >= 50 {
				return plain(i + 1000)
			}
			return f(i + 1000)
		}))
	}
	// ramp moves the line from 120/70/87 by ds, dd and dm over the 40
	// messages and keeps it there.
	ramp := func(ds, dd, dm float64) []tick {
		return then(learn, step, every(70, step, func(i int) msg {
			k := min(1, max(0, float64(i-10)/40))
			return withArt(patient(i+1000, 80, 97, 16, 38), i+1000, 120+k*ds, 70+k*dd, 87+k*dm)
		}))
	}
	// falling forges the mean by dm for messages 10-49 of 70 while the
	// patient's pressure s/d/mean falls by 20 over them (corpus3 s4 m0149's
	// fell by 14).
	falling := func(s, d, mean, dm float64) []tick {
		return then(every(120, step, func(i int) msg { return withArt(patient(i, 80, 97, 16, 38), i, s, d, mean) }), step, every(70, step, func(i int) msg {
			k := 20 * float64(i) / 70
			m := mean - k
			if i >= 10 && i < 50 {
				m += dm
			}
			return withArt(patient(i+1000, 80, 97, 16, 38), i+1000, s-k, d-k, m)
		}))
	}
	tests := []ruleCase{
		// rate_of_change reports the mean's return, after the forgery (as
		// on s4 m0149, message 104); main reported nothing else.
		{"mean moved +11 off its waveform for 20 min", falling(120, 70, 87, 11), []string{"map_formula", "rate_of_change"}},
		{"mean moved -11 off its waveform for 20 min", falling(140, 70, 93, -11), []string{"map_formula", "rate_of_change"}},
		{"mean off its waveform for two messages (an artefact in the averaging window)", then(learn, step, every(70, step, func(i int) msg {
			if i == 10 || i == 11 {
				return withArt(patient(i+1000, 80, 97, 16, 38), i+1000, 120, 70, 98)
			}
			return plain(i + 1000)
		})), nil},
		{"the mean's place in its pulse moving 12 mmHg over 20 min", ramp(0, 0, 12), nil},
		{"the whole pressure rising by 30 over 20 min", ramp(30, 30, 30), nil},
		{"the line over-damped around its mean (120/70/87 to 102/78/87) for 20 min", held(func(i int) msg {
			return withArt(patient(i, 80, 97, 16, 38), i, 102, 78, 87)
		}), nil},
	}
	checkCases(t, tests)
}

// TestArterialShapeScatter26 (session 26, bp26): the arterial mean's place
// in its waveform is judged against the line's own scatter of it as well as
// against artShapeOff (8 mmHg). A line whose mean swings 3-4 mmHg either way about its
// place from message to message (beats that vary, a ventilated patient's
// swing) and then lies 13 off for three messages has not left its waveform
// by more than it wanders by itself; 18 off, on the same line, it has. A
// quiet line 11 off for three messages is caught as before.
func TestArterialShapeScatter26(t *testing.T) {
	const step = 30 * time.Second
	// line's mean swings by sw times 3 or 4 mmHg either way, seeded by i.
	line := func(sw float64) func(i int) msg {
		return func(i int) msg {
			g := rand.New(rand.NewPCG(uint64(i), 23))
			return withArt(patient(i, 80, 97, 16, 38), i, 120, 70, 87+sw*float64((3+g.IntN(2))*(2*g.IntN(2)-1)))
		}
	}
	// off lies dm off the line for messages 10-12 of 40, after 200
	// messages of the line.
	off := func(sw, dm float64) []tick {
		plain := line(sw)
		return then(every(200, step, plain), step, every(40, step, func(i int) msg {
			if i >= 10 && i < 13 {
				return withArt(patient(i+1000, 80, 97, 16, 38), i+1000, 120, 70, 87+dm)
			}
			return plain(i + 1000)
		}))
	}
	tests := []ruleCase{
		{"a swinging line's mean 13 off for three messages", off(1, 13), nil},
		{"a swinging line's mean 18 off for three messages", off(1, 18), []string{"map_formula"}},
		{"a quiet line's mean 11 off for three messages", off(0, 11), []string{"map_formula"}},
	}
	checkCases(t, tests)
}

// TestArterialShapeBound26 (session 26, review26): the arterial shape
// check's finding carries as its threshold the distance from the learned
// place that counted as off, max(8 mmHg, 4 × the line's own scatter), as
// the rules table says; before, it carried 8 also where the line's scatter
// set a wider bound. A line whose mean swings 3-4 mmHg either way, 18 off
// for three messages: threshold 12-16; a quiet line 11 off: 8.
func TestArterialShapeBound26(t *testing.T) {
	const step = 30 * time.Second
	line := func(sw, dm float64) []tick {
		plain := func(i int) msg {
			d := sw * float64(3+i%2) * float64(1-2*(i/2%2))
			return withArt(patient(i, 80, 97, 16, 38), i, 120, 70, 87+d)
		}
		return then(every(200, step, plain), step, every(40, step, func(i int) msg {
			if i >= 10 && i < 13 {
				return withArt(patient(i+1000, 80, 97, 16, 38), i+1000, 120, 70, 87+dm)
			}
			return plain(i + 1000)
		}))
	}
	for _, tc := range []struct {
		name   string
		ticks  []tick
		lo, hi float64
	}{
		{"a swinging line's mean 18 off", line(1, 18), 12, 16},
		{"a quiet line's mean 11 off", line(0, 11), 8, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			for _, f := range run(t, vitals.DefaultConfig(), tc.ticks) {
				if f.Rule != "map_formula" || f.Parameter != "MDC_PRESS_BLD_ART_MEAN" {
					continue
				}
				n++
				if f.Threshold < tc.lo || f.Threshold > tc.hi {
					t.Errorf("threshold %g, want %g-%g", f.Threshold, tc.lo, tc.hi)
				}
			}
			if n != 1 {
				t.Errorf("%d arterial map_formula findings, want 1", n)
			}
		})
	}
}

// TestArterialShapeRunFlush27 (session 27, fix27): the arterial mean off
// its waveform must be off in artShapeRun of the line's pressures in a
// row; a flush between them (the transducer open to the flush bag, no
// pulse on the line) breaks the run. A quiet line's mean 11 off in two
// messages, then a flush, then off once more, stays quiet (main before it:
// reported at the third, the run spanning the flush); three in a row after
// the flush are reported.
func TestArterialShapeRunFlush27(t *testing.T) {
	const step = 30 * time.Second
	plain := func(i int) msg { return withArt(patient(i, 80, 97, 16, 38), i, 120, 70, 87) }
	// line lies 11 off at the messages (of 40, after 200 of the line) for
	// which off is true, and is flushed at message 12.
	line := func(off func(i int) bool) []tick {
		return then(every(200, step, plain), step, every(40, step, func(i int) msg {
			m := patient(i+1000, 80, 97, 16, 38)
			switch {
			case i == 12:
				m.rows = append(m.rows, artS("300"), artD("296"), artM("298"))
				return m
			case off(i):
				return withArt(m, i+1000, 120, 70, 98)
			}
			return plain(i + 1000)
		}))
	}
	tests := []ruleCase{
		{"a flush alone", line(func(int) bool { return false }), nil},
		{"off twice, a flush, off once", line(func(i int) bool { return i == 10 || i == 11 || i == 13 }), nil},
		{"a flush, then off three times", line(func(i int) bool { return i >= 13 && i < 16 }), []string{"map_formula"}},
	}
	checkCases(t, tests)
}

// TestArterialShapeFastRamp27 (session 27, fix27): the place of the mean in
// its waveform is learned over minutes whatever the cadence (artShapeTime).
// At 5 s a mean moved off it by 0.5 mmHg a message, 15 mmHg in 2.5 min,
// held 2.5 min and taken back the same way, is reported (main before it:
// eight messages were 40 s, and the offset was learned as it moved); the
// mean's place moving 12 mmHg over 20 min, and the whole pressure rising by
// 30 in 2.5 min, stay quiet at the same cadence.
func TestArterialShapeFastRamp27(t *testing.T) {
	const step = 5 * time.Second
	plain := func(i int) msg { return withArt(patient(i, 80, 97, 16, 38), i, 120, 70, 87) }
	// after is 200 messages of the line, then f for 400.
	after := func(f func(i int) (s, d, m float64)) []tick {
		return then(every(200, step, plain), step, every(400, step, func(i int) msg {
			s, d, m := f(i)
			return withArt(patient(i+1000, 80, 97, 16, 38), i+1000, s, d, m)
		}))
	}
	// tri rises from 0 to top over n messages from message 10, holds n
	// and falls back over n.
	tri := func(i, n int, top float64) float64 {
		k := float64(min(i-10, n, 3*n-(i-10)))
		return top * max(0, k) / float64(n)
	}
	tests := []ruleCase{
		{"the mean alone ramped 15 off and back over 7.5 min", after(func(i int) (float64, float64, float64) {
			return 120, 70, 87 + tri(i, 30, 15)
		}), []string{"map_formula"}},
		{"the mean's place moving 12 over 20 min", after(func(i int) (float64, float64, float64) {
			return 120, 70, 87 + 12*min(1, float64(i)/240)
		}), nil},
		{"the whole pressure rising by 30 in 2.5 min", after(func(i int) (float64, float64, float64) {
			k := 30 * min(1, float64(i)/30)
			return 120 + k, 70 + k, 87 + k
		}), nil},
	}
	checkCases(t, tests)
}
