package vitals_test

import (
	"testing"
	"time"
)

// cuffJittered returns messages 10 s apart for d, each carrying the last cuff
// reading of a 15-minute cycle, stamped (OBX-14) at the reading's own time
// moved by jitter(i) in message i, to the millisecond: an export that derives
// the stamp anew for every message from the monitor's relative clock.
func cuffJittered(d time.Duration, jitter func(i int) time.Duration) []tick {
	return every(int(d/(10*sec)), 10*sec, func(i int) msg {
		m := normal(i)
		at := time.Duration(i) * 10 * sec
		k := at / (15 * time.Minute)
		st := t0.Add(k*15*time.Minute + 5*sec + jitter(i)).Format("20060102150405.000")
		j := float64(k % 3)
		m.rows = append(m.rows, nibpS(num(120+j), st), nibpD(num(70+j), st), nibpM(num(88+j), st))
		return m
	})
}

// TestCuffStampJitter (session 26, c4conv26): a cuff reading repeated in every
// message under a stamp a few milliseconds off its own (IntelliVue-style
// exports on the fourth blind generator's clean beds, s1 m0019, m0032, m0048),
// or rounded a second either way (Mindray-style, s1 m0005, m0050), is one
// reading, not readings a cuff could not cycle to. Readings with new values
// that close are still reported, and so is a stamp that walks away from the
// reading's own (corpus2's replays, s1 m0078, m0092).
func TestCuffStampJitter(t *testing.T) {
	ms := func(i int) time.Duration { return time.Duration((i*37)%61-30) * time.Millisecond }
	second := func(i int) time.Duration { return time.Duration(i%3-1) * time.Second }
	// Messages 100–102 carry the reading stamped 0.3 s earlier each time: no
	// rounding of a stamp to the millisecond, the times of a replay rewritten.
	walk := func(i int) time.Duration {
		if i >= 100 && i < 103 {
			return -time.Duration(i-99) * 300 * time.Millisecond
		}
		return ms(i)
	}
	fresh := every(60, 10*sec, func(i int) msg {
		m := normal(i)
		st := t0.Add(time.Duration(i)*10*sec + 20*time.Millisecond*time.Duration(i%2)).Format("20060102150405.000")
		j := float64(i % 3)
		m.rows = append(m.rows, nibpS(num(120+j), st), nibpD(num(70+j), st), nibpM(num(88+j), st))
		return m
	})
	checkCases(t, []ruleCase{
		{"one reading stamped milliseconds apart in each message", cuffJittered(40*time.Minute, ms), nil},
		{"one reading stamped a second either way in each message", cuffJittered(40*time.Minute, second), nil},
		{"new readings every 10 s", fresh, []string{"nibp_cadence"}},
		{"one reading's stamp walking back 0.3 s a message", cuffJittered(40*time.Minute, walk), []string{"nibp_cadence"}},
	})
}
