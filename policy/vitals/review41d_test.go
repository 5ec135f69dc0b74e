package vitals_test

import (
	"testing"
	"time"
)

// cuffHeld returns messages step apart for d, but none inside the silences
// (from, to offsets after t0), each carrying one cuff reading measured 5 s
// after t0 (or, with every > 0, the one measured at the last multiple of
// every), stamped with its time plus walk(arrival offset).
func cuffHeld(d, step, every time.Duration, silences [][2]time.Duration, walk func(at time.Duration) time.Duration) []tick {
	var ts []tick
	i := 0
	for at := time.Duration(0); at < d; at += step {
		quiet := false
		for _, s := range silences {
			quiet = quiet || at >= s[0] && at < s[1]
		}
		if quiet {
			continue
		}
		m := normal(i)
		var k time.Duration
		if every > 0 {
			k = at / every
		}
		st := t0.Add(k*every + 5*sec + walk(at)).Format("20060102150405.000")
		j := float64(k % 3)
		m.rows = append(m.rows, nibpS(num(120+j), st), nibpD(num(70+j), st), nibpM(num(88+j), st))
		ts = append(ts, tick{at, m})
		i++
	}
	return ts
}

// rate is a stamp that walks r of the time (r = 3e-3: 0.3 %).
func rate(r float64) func(at time.Duration) time.Duration {
	return func(at time.Duration) time.Duration { return time.Duration(float64(at) * r) }
}

// TestCuffDriftIsARate (review41d): stampDrifted allowed a repeated cuff
// reading's stamp to walk 0.1 % of the time since the previous message plus
// 2 ms in every message, so the walk it followed grew with the message
// rate, not with the time: at one message a second a stamp walking 0.2 %
// (2 ms a message, "faster than any clock") or 0.25 % was one reading, and
// a compromised monitor sending faster could walk it faster still. And it
// counted at most nibpRunGap of a silence: a gateway's clock walking 30 ms
// a minute moved a reading held through 12 min without messages (less than
// IdleEvict, which forgets the monitor) by 0.36 s, past what it followed
// (0.302 s) and past fineJitter, so the same reading was new 0.36 s after
// itself; twice within three readings that was nibp_cadence.
// Bounded also from the reading's own stamp, by 0.1 % of the time since it,
// the walk is a rate whatever the messages' spacing, and a silence is
// counted whole.
func TestCuffDriftIsARate(t *testing.T) {
	min30 := 30 * time.Millisecond / 60 // 30 ms a minute, 0.05 %
	perMin := func(at time.Duration) time.Duration {
		return time.Duration(float64(at) * float64(min30) / float64(sec))
	}
	silences := [][2]time.Duration{{20 * time.Minute, 32 * time.Minute}, {60 * time.Minute, 72 * time.Minute}}
	checkRuleCases(t, []ruleCase{
		{"a stamp walking 0.2 % at one message a second", cuffHeld(30*time.Minute, sec, 0, nil, rate(2e-3)), []string{"nibp_cadence"}},
		{"a stamp walking 0.25 % at one message a second", cuffHeld(30*time.Minute, sec, 0, nil, rate(2.5e-3)), []string{"nibp_cadence"}},
		{"a stamp walking 0.25 % back at one message a second", cuffHeld(30*time.Minute, sec, 0, nil, rate(-2.5e-3)), []string{"nibp_cadence"}},
	})
	checkCases(t, []ruleCase{
		{"a clock walking 30 ms a minute at one message a second", cuffHeld(30*time.Minute, sec, 0, nil, perMin), nil},
		{"a clock walking 30 ms a minute behind, a message a minute, a 2 h reading held through two 12 min silences", cuffHeld(2*time.Hour, time.Minute, 0, silences, func(at time.Duration) time.Duration { return -perMin(at) }), nil},
		{"a clock walking 30 ms a minute ahead, a message a minute, a 2 h reading held through two 12 min silences", cuffHeld(2*time.Hour, time.Minute, 0, silences, perMin), nil},
		{"a clock walking 30 ms a minute, a 15 min cycle, messages every 10 s", cuffHeld(2*time.Hour, 10*sec, 15*time.Minute, nil, perMin), nil},
	})
}

// TestCuffReplayJitterNotADrift (review41d): the walk a repeated reading's
// stamp may make is bounded both ways, from the previous message (a clock
// walks smoothly) and from the reading's own stamp (a clock walks at a
// rate). The first is what keeps corpus2's replays, whose re-sent cuff
// stamp, minutes old, is jittered back and forth by 10-30 ms a message (s4
// m0039), from being followed: bounded only from the reading's stamp, by
// 0.1 % of its age, the jitter fits inside the age's tolerance (0.5 s
// after 9 min) and the replay went quiet.
func TestCuffReplayJitterNotADrift(t *testing.T) {
	var w time.Duration
	ticks := every(900, 2*sec, func(i int) msg {
		m := normal(i)
		step := time.Duration(10+(i*7)%21) * time.Millisecond
		if (i*13)%7 < 3 {
			step = -step
		}
		w += step
		st := t0.Add(-9*time.Minute + 300*time.Millisecond + w).Format("20060102150405.000")
		m.rows = append(m.rows, nibpS("119", st), nibpD("71", st), nibpM("94", st))
		return m
	})
	checkRuleCases(t, []ruleCase{{"a replayed reading 9 min old, its stamp jittered 10-30 ms a message", ticks, []string{"nibp_cadence"}}})
}
