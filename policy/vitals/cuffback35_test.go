package vitals_test

import (
	"testing"
	"time"
)

// shown is one cuff reading as a monitor repeats it: from the message that
// arrives at from on, every message carries it, stamped stamp (OBX-14),
// until the next one's from.
type shown struct {
	from, stamp time.Duration
	v           [3]float64
}

// cuffShown returns messages 10 s apart for d, each carrying the latest of
// rs (ordered by from) to have arrived; msh7, when set, gives a message's
// MSH-7 offset from t0 by its index (a message the monitor sends late).
func cuffShown(d time.Duration, rs []shown, msh7 func(i int) (time.Duration, bool)) []tick {
	return every(int(d/(10*sec)), 10*sec, func(i int) msg {
		m := normal(i)
		if msh7 != nil {
			if at, ok := msh7(i); ok {
				m.ts = t0.Add(at).Format("20060102150405")
			}
		}
		k := -1
		for k+1 < len(rs) && rs[k+1].from <= time.Duration(i)*10*sec {
			k++
		}
		if k >= 0 {
			ts := t0.Add(rs[k].stamp).Format("20060102150405")
			v := rs[k].v
			m.rows = append(m.rows, nibpS(num(v[0]), ts), nibpD(num(v[1]), ts), nibpM(num(v[2]), ts))
		}
		return m
	})
}

// bedRun returns the bed's own readings every cycle up to at (measured at
// 0:20 past each cycle, shown 10 s later), then readings put between them
// every gap from at for n readings, each shown 10 s after its stamp, then,
// when back >= 0, the bed's reading number back shown again, with its own
// stamp, from the message after the last put one.
func bedRun(cycle, at time.Duration, n int, gap time.Duration, back int) []shown {
	var rs []shown
	for t := time.Duration(0); t+20*sec < at; t += cycle {
		k := float64(len(rs) % 4)
		rs = append(rs, shown{t + 30*sec, t + 20*sec, [3]float64{118 + k, 68 + k, 86 + k}})
	}
	own := len(rs)
	for j := range n {
		st := at + time.Duration(j)*gap
		k := float64(j % 5)
		rs = append(rs, shown{st + 10*sec, st, [3]float64{122 + k, 71 + k, 88 + k}})
	}
	if back >= 0 && back < own {
		last := rs[len(rs)-1].from
		rs = append(rs, shown{last + 10*sec, rs[back].stamp, rs[back].v})
	}
	return rs
}

// TestCuffReadingBack35 (session 35, nibp35): a monitor repeats its latest
// cuff determination in every message, and once a newer one is shown an
// older one never becomes the latest again. Readings put into a feed
// between the bed's own hide the bed's reading, which comes back, with
// its own OBX-14, when they stop: corpus4's subtle cadences (readings
// every 3–4 min for 10–14 min; s1 m0088, s3 m0135) and corpus6's (every
// 2.5–3.5 min for half an hour, s1 m0052, s2 m0108; or every one to two
// minutes for a quarter of an hour, s3 m0139), none of which came early
// enough, or in a close enough series, for the cadence rules.
func TestCuffReadingBack35(t *testing.T) {
	const d = 100 * time.Minute
	// A 30-minute cycle; from minute 40, readings every 3.5 min for 35 min
	// (10 readings); the bed's reading of minute 30 comes back.
	every35 := bedRun(30*time.Minute, 40*time.Minute, 10, 210*sec, 1)
	// The run begins three minutes after the bed's reading of minute 60:
	// the run's own first reading comes back after readings every 4 min.
	first := bedRun(30*time.Minute, 63*time.Minute, 4, 4*time.Minute, 2)
	// Readings 80 s apart for 16 minutes: too far apart for a series, too
	// short for the cadence rules.
	apart80 := bedRun(30*time.Minute, 40*time.Minute, 12, 80*sec, 1)
	// The same runs when the bed's reading does not come back: quiet (the
	// cadence rules' business).
	noBack := bedRun(30*time.Minute, 40*time.Minute, 10, 210*sec, -1)

	// Genuine: a STAT series 45 s apart for six minutes, then a reading
	// never shown before, stamped within the series, delivered after its
	// last reading and held (corpus2's clean beds, s1 m0082): a late
	// delivery, quiet.
	var late []shown
	for t := time.Duration(0); t < 30*time.Minute; t += 15 * time.Minute {
		late = append(late, shown{t + 30*sec, t + 20*sec, [3]float64{120, 70, 88}})
	}
	for j := range 8 {
		st := 30*time.Minute + time.Duration(j)*45*sec
		k := float64(j % 3)
		late = append(late, shown{st + 10*sec, st, [3]float64{125 + k, 72 + k, 90 + k}})
	}
	late = append(late, shown{late[len(late)-1].from + 10*sec, 32*time.Minute + 10*sec, [3]float64{131, 75, 93}})
	// The bed's scheduled reading, measured with the series' first, stamped
	// a second after it, with its own values, delivered after the series
	// (corpus2 s4 m0136): not the series' first reading come back.
	withFirst := append([]shown(nil), late[:len(late)-1]...)
	withFirst = append(withFirst, shown{late[len(late)-2].from + 10*sec, 30*time.Minute + sec, [3]float64{133, 76, 95}})

	// Genuine: the monitor's store after a silence of the link (corpus5's
	// backfill, s1 m0029). A bed sending every second loses its link from
	// minute 30 to 34; at 34:00 it sends the held messages at wire speed,
	// each with its own MSH-7, and its live messages go on among them. The
	// live message shows the reading measured at 33:20, the held ones
	// after it the reading of 30:20 measured before it, as they did then.
	held := func(i int, at time.Duration) msg {
		m := normal(i)
		m.ts = t0.Add(at).Format("20060102150405")
		st, v := 20*sec, [3]float64{119, 69, 87}
		switch {
		case at >= 33*time.Minute+30*sec:
			st, v = 33*time.Minute+20*sec, [3]float64{124, 73, 90}
		case at >= 30*time.Minute+30*sec:
			st, v = 30*time.Minute+20*sec, [3]float64{121, 70, 88}
		}
		if at >= 30*sec {
			ts := t0.Add(st).Format("20060102150405")
			m.rows = append(m.rows, nibpS(num(v[0]), ts), nibpD(num(v[1]), ts), nibpM(num(v[2]), ts))
		}
		return m
	}
	var heldTicks []tick
	for j := range 30 * 60 {
		heldTicks = append(heldTicks, tick{time.Duration(j) * sec, held(j, time.Duration(j)*sec)})
	}
	for j := range 4 * 60 {
		at := 34*time.Minute + time.Duration(j)*10*time.Millisecond
		heldTicks = append(heldTicks, tick{at, held(30*60+j, 30*time.Minute+time.Duration(j)*sec)})
		if j == 100 { // the live message, overtaking the rest of the store
			heldTicks = append(heldTicks, tick{at + 5*time.Millisecond, held(5000, 34*time.Minute)})
		}
	}
	for j := 1; j < 10*60; j++ {
		at := 34*time.Minute + time.Duration(j)*sec
		heldTicks = append(heldTicks, tick{at, held(6000+j, at)})
	}

	// Genuine: a device that derives the stamp anew from its own clock
	// moves the reading's stamp back by the clock's step (3 s, an NTP
	// step): not a reading come back.
	stepped := bedRun(30*time.Minute, 31*time.Minute, 0, 0, -1)
	stepped = append(stepped, shown{stepped[1].from + 5*time.Minute, stepped[1].stamp - 3*sec, stepped[1].v})

	tests := []ruleCase{
		{"the bed's reading back after readings every 3.5 minutes", cuffShown(d, every35, nil), []string{"nibp_cadence"}},
		{"the run's first reading back after readings every 4 minutes", cuffShown(d, first, nil), []string{"nibp_cadence"}},
		{"the bed's reading back after readings 80 s apart", cuffShown(d, apart80, nil), []string{"nibp_cadence"}},
		{"readings every 3.5 minutes, the bed's reading not back", cuffShown(d, noBack, nil), nil},
		{"a STAT series and a late reading never shown", cuffShown(60*time.Minute, late, nil), nil},
		{"a scheduled reading stamped with a series' first, delivered after it", cuffShown(60*time.Minute, withFirst, nil), nil},
		{"held messages sent late between live ones", heldTicks, nil},
		{"a reading's stamp moved by the device's clock", cuffShown(60*time.Minute, stepped, nil), nil},
	}
	checkCases(t, tests)
}
