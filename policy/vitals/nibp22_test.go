package vitals_test

import (
	"testing"
	"time"
)

// cuffStamped returns messages 10 s apart for d, each carrying the last
// cuff reading to have arrived: reading k arrives with the message at
// arrive[k] (ascending) and carries stamp[k] as its OBX-14, so a reading
// may be stamped before the one before it; its values move with k.
func cuffStamped(d time.Duration, arrive, stamp []time.Duration) []tick {
	return every(int(d/(10*sec)), 10*sec, func(i int) msg {
		m := normal(i)
		k := -1
		for k+1 < len(arrive) && arrive[k+1] <= time.Duration(i)*10*sec {
			k++
		}
		if k >= 0 {
			ts := t0.Add(stamp[k]).Format("20060102150405")
			j := float64(k % 3)
			m.rows = append(m.rows, nibpS(num(120+j), ts), nibpD(num(70+j), ts), nibpM(num(88+j), ts))
		}
		return m
	})
}

// TestMinuteCycle22 (session 22, nibp22): a STAT series runs for five
// minutes (ten on some monitors), and a cuff inflated every minute for
// longer keeps the limb occluded for much of every minute; the third blind
// generator's forged determinations came 45–64 s apart for 15–35 minutes
// between a bed's 15–60 minute cycles (s1 m0102, s3 m0104, s7 m0084, s9
// m0125), or one message apart at a one-minute message cadence (s3 m0001,
// s8 m0113), and went unreported while a gap of 55 s or more split them.
// A bed's scheduled reading stamped before the forged one before it (s8
// m0016, s3 m0002, s2 m0125) no longer splits a series either. Genuine
// STAT series of up to 11.7 minutes (corpus2) stay quiet.
func TestMinuteCycle22(t *testing.T) {
	// The 15-minute cycle, with readings taken 20 s after they are due.
	var arrive, stamp []time.Duration
	add := func(at, st time.Duration) { arrive, stamp = append(arrive, at), append(stamp, st) }
	for _, m := range []time.Duration{0, 15} {
		add(m*time.Minute+30*sec, m*time.Minute+20*sec)
	}
	// From minute 20, readings 50 s apart for 20 minutes; the cycle's own
	// reading of minute 30 arrives after the one stamped 30:50 and is
	// stamped 25 s before it (30:25), 75 s before the next one.
	for k := range 24 {
		st := 20*time.Minute + time.Duration(k)*50*sec
		add(st+10*sec, st)
		if st == 30*time.Minute+50*sec {
			add(st+20*sec, 30*time.Minute+25*sec)
		}
	}
	tests := []ruleCase{
		{"a one-minute automatic interval for twelve minutes", cuffReadings("", 40*time.Minute, schedule(15*time.Minute, 15*time.Minute, 13, time.Minute, 40*time.Minute), nil3), nil},
		{"a STAT series 45 s apart for eleven minutes", cuffReadings("", 40*time.Minute, schedule(15*time.Minute, 15*time.Minute, 15, 45*sec, 40*time.Minute), nil3), nil},
		{"readings a minute apart for twenty minutes", cuffReadings("", 50*time.Minute, schedule(15*time.Minute, 15*time.Minute, 21, time.Minute, 50*time.Minute), nil3), []string{"nibp_cadence"}},
		{"readings 62 s apart for twenty minutes", cuffReadings("", 50*time.Minute, schedule(15*time.Minute, 15*time.Minute, 20, 62*sec, 50*time.Minute), nil3), []string{"nibp_cadence"}},
		{"readings 50 s apart for twenty minutes with a scheduled reading stamped before the last", cuffStamped(50*time.Minute, arrive, stamp), []string{"nibp_cadence"}},
	}
	checkCases(t, tests)
}

// nil3 gives the k-th cuff reading of an adult, one shape with new values.
func nil3(k int) [3]float64 { j := float64(k % 3); return [3]float64{120 + j, 70 + j, 88 + j} }
