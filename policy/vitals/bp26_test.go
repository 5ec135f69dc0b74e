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
