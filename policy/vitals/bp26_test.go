package vitals_test

import (
	"math/rand/v2"
	"testing"
	"time"
)

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
