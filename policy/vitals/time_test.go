package vitals_test

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

func TestTime(t *testing.T) {
	// clock returns 30 messages 10 s apart whose MSH-7 is off by d(i).
	clock := func(d func(i int) time.Duration) []tick {
		return every(30, 10*sec, func(i int) msg {
			m := normal(i)
			m.ts = t0.Add(time.Duration(i)*10*sec + d(i)).Format("20060102150405")
			return m
		})
	}
	from := func(first, last int, d time.Duration) func(int) time.Duration {
		return func(i int) time.Duration {
			if i >= first && i <= last {
				return d
			}
			return 0
		}
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"clock one hour ahead from the start (learned)", clock(from(0, 30, time.Hour)), nil},
		// The return to the arrival's time ends the jump (session 16: a clock set right is no finding).
		{"clock jumps 10 min ahead for 4 messages", clock(from(10, 13, 10*time.Minute)), []string{"time_future"}},
		{"clock jumps 1 h back for 4 messages", clock(from(10, 13, -time.Hour)), []string{"time_backwards", "time_skew"}},
		{"NTP steps back 2 s", clock(from(10, 30, -12*sec)), nil},
		{"observation time after message time", []tick{{0, msg{rows: []row{nibpS("120", "20260301121000"), nibpD("70", "20260301121000"), nibpM("85", "20260301121000")}}}},
			[]string{"time_future"}},
		{"new offset adopted after a DST step", clock(from(10, 30, time.Hour)), []string{"time_future"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), tc.ticks)
			checkRules(t, fs, tc.want...)
			if len(tc.want) > 0 && len(fs) != len(tc.want) {
				t.Errorf("%d findings, want one per rule", len(fs))
			}
		})
	}
}

// TestObservationTimeZone: an OBX-14 without a UTC offset is read in vitals.time_zone, like MSH-7.
func TestObservationTimeZone(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.TimeZone = "Europe/Berlin" // UTC+1 in March
	r := spo2("130")
	r.at = "20260301130000" // 12:00 UTC
	fs := run(t, cfg, []tick{{0, msg{ts: "20260301130000", rows: []row{r}}}})
	if len(fs) != 1 || fs[0].Rule != "range" {
		t.Fatalf("findings %v, want one range", rulesOf(fs))
	}
	if !fs[0].ObservedAt.Equal(t0) {
		t.Errorf("observed at %v, want %v (OBX-14 in Europe/Berlin)", fs[0].ObservedAt, t0)
	}
}

// TestYearZeroMessageTime: a row without OBX-14 has no observation time, so
// it is never after the message time, even one in the year 0000 (before
// Go's zero time, which stands for "none"; session 20, vcpu20: main
// reported every such row as time_future).
func TestYearZeroMessageTime(t *testing.T) {
	ticks := every(20, 10*sec, normal)
	last := normal(20)
	last.ts = "00000101000000"
	ticks = then(ticks, 10*sec, []tick{{0, last}})
	for _, f := range run(t, vitals.DefaultConfig(), ticks) {
		if f.Rule == "time_future" {
			t.Errorf("time_future on %s: %s", f.Parameter, f.Explanation)
		}
	}
}

// TestObservationTimeBackwards: a continuous channel's observation time
// (OBX-14) never goes backwards, whatever lag the device stamps it with, so
// rows re-stamped minutes into the past under an honest MSH-7 are
// time_backwards (session 15, found by the second blind generator: main
// judged MSH-7 alone and was quiet). A device that stamps its rows with a
// steady lag, a breathing rate stamped with its own slower computation time, a
// channel that returns after a gap, and cuff rows that keep an older
// reading's time after a device re-stamped them with each message's time
// stay quiet; a clock that moves MSH-7 and OBX-14 back together is one
// time_backwards, not two, and neither the return from a clock jump ahead
// (for a channel absent on the return too; since session 16 the return to
// the arrival's time is no finding at all, TestClockSetRight) nor from rows
// stamped after their message (time_future) is another.
func TestObservationTimeBackwards(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	// rows returns 30 messages 10 s apart (MSH-7 at the arrival plus msh(i))
	// whose rows are stamped by obs(i, row) (OBX-14 relative to t0; the row's
	// own time when obs returns it unchanged) and edited by f.
	rows := func(msh func(i int) time.Duration, obs func(i, j int, at time.Duration) time.Duration, f func(i int, m *msg)) []tick {
		return every(30, 10*sec, func(i int) msg {
			m := normal(i)
			at := time.Duration(i) * 10 * sec
			m.ts = stamp(at + msh(i))
			for j := range m.rows {
				m.rows[j].at = stamp(obs(i, j, at-3*sec))
			}
			if f != nil {
				f(i, &m)
			}
			return m
		})
	}
	none := func(int) time.Duration { return 0 }
	lagged := func(_, _ int, at time.Duration) time.Duration { return at }
	movedBack := func(i, _ int, at time.Duration) time.Duration {
		if i >= 12 && i <= 14 {
			return at - 300*sec
		}
		return at
	}
	tests := []ruleCase{
		{"rows stamped 3 s before the message", rows(none, lagged, nil), nil},
		{"rows re-stamped 5 min back for 3 messages", rows(none, movedBack, nil), []string{"time_backwards"}},
		{"rows re-stamped 5 min back, message time too", rows(func(i int) time.Duration {
			if i >= 12 && i <= 14 {
				return -300 * sec
			}
			return 0
		}, movedBack, nil), []string{"time_backwards"}},
		{"clock 10 min ahead for 3 messages, pulse rate lost on the return", rows(func(i int) time.Duration {
			if i >= 12 && i <= 14 {
				return 10 * time.Minute
			}
			return 0
		}, func(i, _ int, at time.Duration) time.Duration {
			if i >= 12 && i <= 14 {
				return at + 10*time.Minute
			}
			return at
		}, func(i int, m *msg) {
			if i >= 15 && i < 20 {
				m.rows = append(m.rows[:1], m.rows[2:]...)
			}
		}), []string{"time_future"}},
		{"rows stamped 10 min after the message for 3 messages", rows(none, func(i, _ int, at time.Duration) time.Duration {
			if i >= 12 && i <= 14 {
				return at + 10*time.Minute
			}
			return at
		}, nil), []string{"time_future"}},
		{"breathing rate stamped when last computed, once a minute", rows(none, func(_, j int, at time.Duration) time.Duration {
			if j == 3 { // breathing rate
				return at.Truncate(time.Minute)
			}
			return at
		}, nil), nil},
		{"heart rate lost for 10 messages, back with its new time", rows(none, lagged, func(i int, m *msg) {
			if i >= 10 && i < 20 {
				m.rows = m.rows[1:]
			}
		}), nil},
		{"cuff re-stamped with each message's time, then a new reading 40 s old", rows(none, lagged, func(i int, m *msg) {
			at, v := stamp(time.Duration(i)*10*sec), "120"
			if i >= 20 {
				at, v = stamp(time.Duration(i)*10*sec-40*sec), "118"
				if i > 20 {
					at = stamp(160 * sec)
				}
			}
			m.rows = append(m.rows, nibpS(v, at), nibpD("70", at), nibpM("87", at))
		}), nil},
	}
	checkCases(t, tests)
}

// TestClockSetRight: a device clock set right (an NTP step, an operator
// setting the time) moves MSH-7 and OBX-14 together, once, to the gateway's
// time, and is no finding (session 16, found by the second blind generator:
// its clean beds' clock steps were time_backwards, time_skew and time_future,
// the largest group of its false flags). A cuff reading stamped by the old
// clock, held after the step or taken just before it, is no time_future
// either. A clock that steps away from the gateway's time, a new reading
// stamped ahead after the step, and a step back when the arrival is MSH-7
// itself (hl7gate check without arrival times) are still reported.
func TestClockSetRight(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	// device returns 40 messages 10 s apart, each arriving late(i) after it
	// was sent, from a device whose clock is clock(i) ahead of the
	// gateway's; the continuous rows are stamped 2 s before their message,
	// and a cuff reading is taken every 12 messages (5 s before the message)
	// and held with its time until the next; cuff(i, at) may restamp it.
	device := func(clock, late func(i int) time.Duration, cuff func(i int, at time.Duration) time.Duration) []tick {
		return every(40, 10*sec, func(i int) msg {
			m := normal(i)
			sent := time.Duration(i)*10*sec - late(i)
			m.ts = stamp(sent + clock(i))
			for j := range m.rows {
				m.rows[j].at = stamp(sent + clock(i) - 2*sec)
			}
			r := i / 12 * 12
			taken := time.Duration(r)*10*sec + clock(r) - 5*sec
			if cuff != nil {
				taken = cuff(i, taken)
			}
			v := num(float64(110 + i/12*3))
			m.rows = append(m.rows, nibpS(v, stamp(taken)), nibpD("70", stamp(taken)), nibpM("85", stamp(taken)))
			return m
		})
	}
	steps := func(before, after time.Duration) func(int) time.Duration {
		return func(i int) time.Duration {
			if i < 20 {
				return before
			}
			return after
		}
	}
	onTime := func(int) time.Duration { return 0 }
	tests := []ruleCase{
		{"clock 6 min ahead set right, the cuff reading taken before held", device(steps(6*time.Minute, 0), onTime, nil), nil},
		{"clock 150 s behind set right", device(steps(-150*sec, 0), onTime, nil), nil},
		{"clock 10 min ahead set right, a reading taken just before it", device(steps(10*time.Minute, 0), onTime, func(i int, at time.Duration) time.Duration {
			if i >= 20 && i < 24 {
				return 195*sec + 10*time.Minute // after message 19, by the old clock
			}
			return at
		}), nil},
		{"clock 6 min ahead set right in a message 20 s late", device(steps(6*time.Minute, 0), func(i int) time.Duration {
			if i == 20 {
				return 20 * sec
			}
			return 0
		}, nil), nil},
		{"clock right, then 6 min back and stays", device(steps(0, -6*time.Minute), onTime, nil), []string{"time_backwards", "time_skew"}},
		// A small step back that comes back is a forged time (session 20: one
		// that holds is the clock's own step, TestClockStepHeld).
		{"clock 10 s behind put 18 s further back on 3 messages", device(func(i int) time.Duration {
			if i >= 20 && i < 23 {
				return -28 * sec
			}
			return -10 * sec
		}, onTime, nil), []string{"time_backwards"}},
		{"clock 6 min ahead stepped to 6 min behind", device(steps(6*time.Minute, -6*time.Minute), onTime, nil), []string{"time_backwards", "time_skew"}},
		{"clock set right, then a new reading stamped 10 min ahead", device(steps(6*time.Minute, 0), onTime, func(i int, at time.Duration) time.Duration {
			if i >= 30 {
				return 300*sec + 10*time.Minute
			}
			return at
		}), []string{"time_future"}},
	}
	// Offline without arrival times the arrival is MSH-7: no independent
	// clock, so a step back is reported, whatever it lands on.
	msh7 := every(40, 10*sec, normal)
	for i := 20; i < 40; i++ {
		msh7[i].at -= 6 * time.Minute
	}
	tests = append(tests, ruleCase{"arrival is MSH-7, which steps 6 min back", msh7, []string{"time_backwards"}})
	checkCases(t, tests)
}

// TestClockSetNeedsOldClock: a clock set right (clockSet) is the device's
// own clock, held message after message, moved to the gateway's time. One
// message stamped ahead (by less than time_future's max_ahead, so itself no
// finding) and the next back on time is no such step: it must not open the
// exemption, whose OBX-14 restart would hide rows replayed from 10 minutes
// earlier under an honest MSH-7 (review16: on 28a8c89 the pair hid them,
// where c34e035 reported the return as time_backwards). The genuine step
// (a clock 6 min ahead set right, the message before it late) stays
// quiet.
func TestClockSetNeedsOldClock(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	// feed returns 40 messages sent 10 s apart, message i arriving late(i)
	// after it was sent, stamped by a clock clock(i) ahead, its continuous
	// rows stamped obs(i) (by that clock, 2 s before the message).
	feed := func(clock, late, obs func(i int) time.Duration) []tick {
		ts := every(40, 10*sec, func(i int) msg {
			m := normal(i)
			m.ts = stamp(time.Duration(i)*10*sec + clock(i))
			for j := range m.rows {
				m.rows[j].at = stamp(obs(i) + clock(i) - 2*sec)
			}
			return m
		})
		for i := range ts {
			ts[i].at += late(i)
		}
		return ts
	}
	none := func(int) time.Duration { return 0 }
	honest := func(i int) time.Duration { return time.Duration(i) * 10 * sec }
	replayed := func(i int) time.Duration { // from message 20 on, the rows of 10 min before
		if i >= 20 {
			return time.Duration(i)*10*sec - 10*time.Minute
		}
		return honest(i)
	}
	ahead := func(i int) time.Duration { // message 19 alone stamped 60 s ahead
		if i == 19 {
			return time.Minute
		}
		return 0
	}
	setRight := func(i int) time.Duration {
		if i < 20 {
			return 6 * time.Minute
		}
		return 0
	}
	lateBefore := func(i int) time.Duration {
		if i == 19 {
			return 9 * sec // still before message 20
		}
		return 0
	}
	checkCases(t, []ruleCase{
		{"rows replayed under an honest MSH-7", feed(none, none, replayed), []string{"time_backwards"}},
		{"rows replayed after one message stamped 60 s ahead", feed(ahead, none, replayed), []string{"time_backwards"}},
		{"clock 6 min ahead set right, the message before it 9 s late", feed(setRight, lateBefore, honest), nil},
	})
}

// clockDevice returns 120 messages 10 s apart (20 min) from a device whose
// clock is clock(i) ahead of the gateway's, its continuous rows stamped by
// that clock 2 s before the message.
func clockDevice(clock func(i int) time.Duration) []tick {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	return every(120, 10*sec, func(i int) msg {
		m := normal(i)
		at := time.Duration(i)*10*sec + clock(i)
		m.ts = stamp(at)
		for j := range m.rows {
			m.rows[j].at = stamp(at - 2*sec)
		}
		return m
	})
}

// clockOff is a clock skew before message first and after message last,
// skew+by between them.
func clockOff(skew, by time.Duration, first, last int) func(int) time.Duration {
	return func(i int) time.Duration {
		if i >= first && i <= last {
			return skew + by
		}
		return skew
	}
}

// TestClockSetUndone: a device clock set right (its MSH-7 stepped back onto
// the arrival's time, clockSet) keeps the time it was given; a forged MSH-7
// put back by about the clock's lead lands on the arrival's time too, but
// returns to the device's clock when the forgery ends (session 25, easy25:
// corpus3 seed 4 m0040, a clock 41 s ahead put 64 s back on one message, and
// m0120, 45 s ahead put 42 s back on three, were taken for clocks set
// right). A setting that returns within clockHold is time_backwards, in the
// message that returns; one that holds is quiet, as before.
func TestClockSetUndone(t *testing.T) {
	device, off := clockDevice, clockOff
	checkCases(t, []ruleCase{
		{"clock 45 s ahead set right, holds", device(off(45*sec, -45*sec, 30, 119)), nil},
		{"clock 40 s ahead set 20 s behind-right, holds", device(off(40*sec, -60*sec, 30, 119)), nil},
		{"clock 45 s ahead set right, holds 12 min, stepped ahead again", device(off(45*sec, -45*sec, 30, 102)), nil},
		{"MSH-7 42 s back on 3 messages of a clock 45 s ahead", device(off(45*sec, -42*sec, 30, 32)), []string{"time_backwards"}},
		{"MSH-7 64 s back on 1 message of a clock 41 s ahead", device(off(41*sec, -64*sec, 30, 30)), []string{"time_backwards"}},
		{"MSH-7 50 s back for 5 min of a clock 50 s ahead", device(off(50*sec, -50*sec, 30, 59)), []string{"time_backwards"}},
	})
}

// TestClockStepHeld: a device clock stepped back by its time source (NTP,
// the central station's clock) or an operator, by seconds to a minute or
// two, keeps its new time for hours; a forged MSH-7 put back on a few
// messages comes back to the device's clock when the forgery ends (session
// 20, found by the third blind generator: 16 time_backwards findings on its
// clean beds, each at a clock step of 5-90 s that held). A small step back
// is judged when MSH-7 comes back (time_backwards, in the message that
// returns) or when it held clockHold (no finding); a step back of more than
// clockStepMax (2 min, 5 min since session 30) is reported at once.
func TestClockStepHeld(t *testing.T) {
	device, off := clockDevice, clockOff
	checkCases(t, []ruleCase{
		{"clock right, stepped 40 s back, holds", device(off(0, -40*sec, 30, 119)), nil},
		{"clock 70 s ahead, stepped 60 s back, holds", device(off(70*sec, -60*sec, 30, 119)), nil},
		{"clock 3 min behind, stepped 90 s back, holds 12 min, stepped forward again", device(off(-3*time.Minute, -90*sec, 30, 102)), nil},
		{"MSH-7 40 s back on 3 messages of a right clock", device(off(0, -40*sec, 30, 32)), []string{"time_backwards"}},
		// review20: coming back short of the device's clock by more than the
		// tolerance is still coming back (most of the step).
		{"MSH-7 40 s back on 3 messages, then back to 6 s short", device(func(i int) time.Duration {
			if i > 32 {
				return -6 * sec
			}
			return off(0, -40*sec, 30, 32)(i)
		}), []string{"time_backwards"}},
		{"MSH-7 25 s back on 2 messages of a clock 80 s ahead", device(off(80*sec, -25*sec, 30, 31)), []string{"time_backwards"}},
		{"MSH-7 100 s back for 8 min", device(off(0, -100*sec, 30, 77)), []string{"time_backwards"}},
		// Session 30 (c5clean30): corpus5's time sources step clocks by up to
		// 3 min, and ntpd steps any offset up to 1000 s; steps back up to
		// time_skew's max_behind (5 min) are judged by what follows.
		{"clock right, stepped 3 min back by its time source, holds", device(off(0, -3*time.Minute, 30, 119)), nil},
		{"MSH-7 4 min back for 3 min", device(off(0, -4*time.Minute, 30, 47)), []string{"time_backwards"}},
		// A time put 100 s ahead for 5 min (below time_future's max_ahead)
		// is relearned as the device's offset after time_skew.relearn
		// messages; its end, a step back onto the offset the clock kept
		// before, is the jump undone, reported at once (corpus3 seed 7
		// m0077: 161 s).
		{"MSH-7 100 s ahead for 5 min, then back to the device's clock", device(off(-3*time.Minute, 100*sec, 30, 59)), []string{"time_backwards"}},
		{"a clock 190 s behind put on the arrival's time for 15 min, then back", device(off(-190*sec, 190*sec, 20, 110)), []string{"time_backwards"}},
		{"clock stepped 8 min back, holds", device(off(0, -8*time.Minute, 30, 119)), []string{"time_backwards", "time_skew"}},
	})
}

// TestStoreAndForward: a monitor that lost its link keeps its messages and
// sends them in a burst when the link comes back, each with its own time
// (corpus3's clean beds after an outage: time_skew 5 findings, session 20).
// The first lies inside the silence, the rest catch up with the arrival
// clock; neither is a clock far behind. A device that resumes after the
// silence with the time it stopped at and stays behind is still time_skew.
func TestStoreAndForward(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	// feed: 120 messages stamped 10 s apart by a clock skew ahead; those
	// stamped in the silence [30, 78) arrive at arrive(i).
	feed := func(skew time.Duration, arrive func(i int) time.Duration) []tick {
		ts := every(120, 10*sec, func(i int) msg {
			m := normal(i)
			m.ts = stamp(time.Duration(i)*10*sec + skew)
			return m
		})
		for i := 30; i < 78; i++ {
			ts[i].at = arrive(i)
		}
		return ts
	}
	burst := func(i int) time.Duration { return 78*10*sec - time.Duration(78-i)*50*time.Millisecond }
	late := func(i int) time.Duration { return 78*10*sec + time.Duration(i-30)*100*time.Millisecond }
	checkCases(t, []ruleCase{
		{"8 min stored, sent in a burst", feed(0, burst), nil},
		{"8 min stored on a clock 80 s behind, sent in a burst", feed(-80*sec, burst), nil},
		{"8 min stored, sent in a slow burst", feed(0, late), nil},
	})
	// The clock stopped in the silence and resumes where it stood, 8 min
	// behind, at its cadence: no store emptied.
	stopped := feed(0, func(i int) time.Duration { return 0 })
	for i := 30; i < len(stopped); i++ {
		stopped[i].at = time.Duration(i)*10*sec + 8*time.Minute
	}
	// review20: the same, sending each message 0.1 s sooner than its stamps'
	// spacing, so that its lag shrinks a little per message: no burst.
	creeping := feed(0, func(i int) time.Duration { return 0 })
	for i := 30; i < len(creeping); i++ {
		creeping[i].at = time.Duration(i)*10*sec + 8*time.Minute - time.Duration(i-30)*100*time.Millisecond
	}
	checkCases(t, []ruleCase{
		{"clock resumes 8 min behind after a silence", stopped, []string{"time_skew"}},
		{"clock resumes 8 min behind, its lag shrinking 0.1 s a message", creeping, []string{"time_skew"}},
	})
}

// burstBed returns a calm bed stamped every step from t0 (MSH-7) whose
// messages arrive as arrive(i, stamp) says, in the order of order (nil:
// the stamps' order), n messages.
func burstBed(n int, step time.Duration, arrive func(i int, stamp time.Duration) time.Duration, order []int) []tick {
	if order == nil {
		for i := range n {
			order = append(order, i)
		}
	}
	var ts []tick
	for _, i := range order {
		stamp := time.Duration(i) * step
		m := msg{ctrl: num(float64(1000 + i)), ts: string(hl7.AppendTime(nil, t0.Add(stamp))),
			rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))), rr(num(16 + float64(i%3)))}}
		ts = append(ts, tick{arrive(i, stamp), m})
	}
	return ts
}

// overtaken is the arrival order of messages 0..n-1 in which message live is
// sent right before message first (a live message overtaking a burst).
func overtaken(n, live, first int) []int {
	o := make([]int, 0, n)
	for i := range n {
		switch i {
		case first:
			o = append(o, live, first)
		case live:
		default:
			o = append(o, i)
		}
	}
	return o
}

// TestBurstOvertaken: messages a device sends in one burst (its queue
// behind a retransmission, its store after a silence of the link) among
// which a newer, live message arrived are no clock going back, nor old
// data, nor a clock ahead; a time put back at the device's cadence, and a
// burst's message that does not continue the one before the newer, are
// still reported.
func TestBurstOvertaken(t *testing.T) {
	sec := time.Second
	// Retransmission queue: messages 200-209 (1 s cadence) held 10 s and
	// sent 4 ms apart; the live message 210 arrives among them, after 203.
	queued := func(i int, stamp time.Duration) time.Duration {
		switch {
		case i >= 200 && i < 210:
			k := i - 200
			if k > 3 {
				k++
			}
			return 210*sec + time.Duration(k)*4*time.Millisecond
		case i == 210:
			return 210*sec + 14*time.Millisecond
		}
		return stamp + 200*time.Millisecond
	}
	qOrder := overtaken(300, 210, 204)
	// Backfill: 5 s cadence, messages 100-219 stored through a 10-min
	// silence and sent 2 ms apart when the link came back at 1,100 s; the
	// live message 220 arrives among them, after 159.
	stored := func(i int, stamp time.Duration) time.Duration {
		switch {
		case i >= 100 && i < 220:
			k := time.Duration(i - 100)
			if i >= 160 {
				k++
			}
			return 1100*sec + k*2*time.Millisecond
		case i == 220:
			return 1100*sec + 60*2*time.Millisecond
		}
		return stamp + 300*time.Millisecond
	}
	bOrder := overtaken(400, 220, 160)
	// A forger's time put back by 60 s on messages 200-219 at the device's
	// cadence (2 s): their arrivals go on, their stamps do not.
	putBack := func() []tick {
		ts := burstBed(300, 2*sec, func(i int, stamp time.Duration) time.Duration { return stamp + 100*time.Millisecond }, nil)
		for i := 200; i < 220; i++ {
			ts[i].m.ts = string(hl7.AppendTime(nil, t0.Add(time.Duration(i)*2*sec-60*sec)))
		}
		return ts
	}()
	// A burst whose message after the newer goes back 120 s from the one
	// before that: not the burst's own order.
	notOwn := func() []tick {
		ts := burstBed(300, sec, queued, qOrder)
		for i := range ts {
			if ts[i].m.ctrl == "1204" {
				ts[i].m.ts = string(hl7.AppendTime(nil, t0.Add(204*sec-120*sec)))
			}
		}
		return ts
	}()
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"a retransmission's queue overtaken by a live message", burstBed(300, sec, queued, qOrder), nil},
		{"a stored burst after a silence overtaken by a live message", burstBed(400, 5*sec, stored, bOrder), nil},
		{"a stored burst after a silence, in order", burstBed(400, 5*sec, stored, nil), nil},
		{"a time put back by 60 s at the device's cadence", putBack, []string{"time_backwards"}},
		{"a burst's message going back 120 s from the one before the newer", notOwn, []string{"time_backwards"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...)
		})
	}
}

// rebootBed returns 200 messages of a calm bed 10 s apart numbered by ctrl
// from 0xB00 on, then a restart: 9 messages numbered from 1 again whose
// MSH-7 is stamp(i), then 30 more numbered on, on the arrival's time.
func rebootBed(ctrl func(n int) string, stamp func(i int) time.Time, restart bool) []tick {
	row := func(i int) []row {
		return []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
			rr(num(16 + float64(i%3))), temp("37.0")}
	}
	ts := every(200, 10*sec, func(i int) msg { return msg{ctrl: ctrl(0xB00 + i), rows: row(i)} })
	first := 0xB00 + 200
	if restart {
		first = 1
	}
	ts = then(ts, 60*sec, every(9, 10*sec, func(i int) msg {
		return msg{ctrl: ctrl(first + i), ts: string(hl7.AppendTime(nil, stamp(i))), rows: row(i)}
	}))
	return then(ts, 10*sec, every(30, 10*sec, func(i int) msg { return msg{ctrl: ctrl(first + 9 + i), rows: row(i)} }))
}

// TestClockAtPowerUpDefault: a monitor whose real-time clock lost its
// power comes up from a restart at its firmware's default date, years back,
// until its time source sets it a minute later (corpus5's clock_reset,
// session 33): no time finding, its counter in hexadecimal (restarted at
// …0001, no letter left) or in decimal. A time years back without a restart
// of the counter, or a time put back by hours at one, is still reported.
func TestClockAtPowerUpDefault(t *testing.T) {
	hexID := func(n int) string { return fmt.Sprintf("N0170000%08X", n) }
	decID := func(n int) string { return fmt.Sprintf("M%d", n) }
	y2k := func(i int) time.Time { return time.Date(2000, 1, 1, 0, 1, 15+10*i, 0, time.UTC) }
	hoursBack := func(i int) time.Time { return t0.Add(2060*sec - 16*time.Hour + time.Duration(i)*10*sec) }
	tests := []struct {
		name string
		ts   []tick
		want []string
	}{
		{"restart, hexadecimal counter, clock at 2000-01-01", rebootBed(hexID, y2k, true), nil},
		{"restart, decimal counter, clock at 2000-01-01", rebootBed(decID, y2k, true), nil},
		{"no restart, clock at 2000-01-01", rebootBed(decID, y2k, false), []string{"time_backwards", "time_skew"}},
		{"restart, clock put 16 h back", rebootBed(hexID, hoursBack, true), []string{"time_backwards", "time_skew"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []vitals.Finding
			for _, f := range run(t, vitals.DefaultConfig(), tc.ts) {
				switch f.Rule {
				case "time_backwards", "time_skew", "time_future":
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}

// TestStoreCatchingUp: a monitor's store sent at wire speed when its link
// comes back, each message stamped when it was measured (corpus5's
// backfill, session 37), is no clock offset to learn nor a clock set right:
// after a silence longer than state.idle_evict the monitor starts afresh
// and learns its offset from the live messages after the store, not from
// the store's first three; a store passing the arrival's time on its way to
// a clock set ahead does not set the clock there. A clock put ahead by a
// forger after the store is still reported; so is a time put back behind a
// re-sent message.
func TestStoreCatchingUp(t *testing.T) {
	sec := time.Second
	// evicted: 5 s cadence, a clock 56 s ahead; messages 200-439 stored
	// through a 20-min silence, sent 50 ms apart when the link came back.
	evicted := func(ahead func(i int) time.Duration) []tick {
		ts := burstBed(600, 5*sec, func(i int, stamp time.Duration) time.Duration {
			if i >= 200 && i < 440 {
				return 440*5*sec - 56*sec + time.Duration(i-200)*50*time.Millisecond
			}
			return stamp - 56*sec + 100*time.Millisecond
		}, nil)
		for i := range ts {
			ts[i].m.ts = string(hl7.AppendTime(nil, t0.Add(time.Duration(i)*5*sec+ahead(i))))
		}
		return ts
	}
	none := func(int) time.Duration { return 0 }
	forged := func(i int) time.Duration {
		if i >= 520 && i < 530 {
			return 4 * time.Minute
		}
		return 0
	}
	// crossing: 10 s cadence, a clock 210 s ahead; messages 100-141 stored
	// through a 7-min silence, sent 50 ms apart: their lags run from -210 s
	// through 0 to the clock's +210 s.
	crossing := burstBed(300, 10*sec, func(i int, stamp time.Duration) time.Duration {
		if i >= 100 && i < 142 {
			return 142*10*sec - 210*sec + time.Duration(i-100)*50*time.Millisecond
		}
		return stamp - 210*sec + 100*time.Millisecond
	}, nil)
	// resent: 1 s cadence; messages 100-699 stored through a 10-min
	// silence, sent 4 ms apart; message 110 re-sent 30 s later (its
	// acknowledgement lost), the rest of the store behind it.
	resent := func(back time.Duration) []tick {
		arrive := func(i int, stamp time.Duration) time.Duration {
			switch {
			case i >= 100 && i <= 110:
				return 700*sec + time.Duration(i-100)*4*time.Millisecond
			case i > 110 && i < 700:
				return 730*sec + time.Duration(i-110)*4*time.Millisecond
			}
			return stamp + 100*time.Millisecond
		}
		ts := burstBed(800, sec, arrive, nil)
		var out []tick
		for i, tk := range ts {
			if i == 111 {
				if back != 0 {
					tk.m.ts = string(hl7.AppendTime(nil, t0.Add(111*sec-back)))
				}
				again := ts[110]
				again.at = 730 * sec
				out = append(out, again)
			}
			out = append(out, tk)
		}
		return out
	}
	// stepped: 10 s cadence, a clock 15 s ahead; messages 100-159 stored
	// through a 10-min silence, sent 50 ms apart; MSH-7 of messages from
	// 140 on moved back by back(i) (the clock stepped back while storing,
	// or a forger's time put back on three messages of the store).
	stepped := func(back func(i int) time.Duration) []tick {
		ts := burstBed(300, 10*sec, func(i int, stamp time.Duration) time.Duration {
			if i >= 100 && i < 160 {
				return 160*10*sec + time.Duration(i-100)*50*time.Millisecond
			}
			return stamp - 15*sec + 100*time.Millisecond
		}, nil)
		for i := range ts {
			ts[i].m.ts = string(hl7.AppendTime(nil, t0.Add(time.Duration(i)*10*sec-back(i))))
		}
		return ts
	}
	clockBack := func(i int) time.Duration {
		if i >= 140 {
			return 26 * sec
		}
		return 0
	}
	putBack := func(i int) time.Duration {
		if i >= 140 && i < 143 {
			return 40 * sec
		}
		return 0
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"a store after a silence longer than idle_evict", evicted(none), nil},
		{"a clock stepped back 26 s inside a store, holding", stepped(clockBack), nil},
		{"a time put back 40 s on three messages inside a store", stepped(putBack), []string{"time_backwards"}},
		{"a store after a silence longer than idle_evict, then a clock put 4 min ahead", evicted(forged), []string{"time_backwards", "time_future"}},
		{"a store catching up through the arrival's time to a clock ahead", crossing, nil},
		{"a store waiting behind a re-sent message", resent(0), nil},
		{"a time put back 20 min behind a re-sent message", resent(20 * time.Minute), []string{"time_backwards", "time_skew"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []vitals.Finding
			for _, f := range run(t, vitals.DefaultConfig(), tc.ticks) {
				switch f.Rule {
				case "time_backwards", "time_skew", "time_future":
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}

// TestForgeryBehindResendOrBurst37b (review37b): a compromised monitor may
// re-send any message and send at wire speed. A time slid behind the
// arrival by 9 s a message, each message after a re-send of the one before
// (nothing stored: the message before was live), is still old data
// (time_skew): a re-send excuses the wait behind it, not a lag that grows at
// the live cadence. A clock put an hour ahead on the third message of a
// fresh stream, sent 100 ms after the second, is still time_future: a
// burst's message teaches no offset, but does not wipe the lags learned
// before it.
func TestForgeryBehindResendOrBurst37b(t *testing.T) {
	sec := time.Second
	// slid: 10 s cadence; messages 100-159 stamped 1 s apart (their lag
	// grows 9 s a message, past max_behind at the 34th), each arriving
	// 2 s after a byte-identical re-send of the one before when resend.
	slid := func(resend bool) []tick {
		ts := burstBed(200, 10*sec, func(i int, stamp time.Duration) time.Duration { return time.Duration(i)*10*sec + 100*time.Millisecond }, nil)
		var out []tick
		for i, tk := range ts {
			if i >= 100 && i < 160 {
				tk.m.ts = string(hl7.AppendTime(nil, t0.Add(100*10*sec+time.Duration(i-100)*sec)))
				if resend {
					again := out[len(out)-1]
					again.at = tk.at - 2*sec
					out = append(out, again)
				}
			}
			ts[i] = tk
			out = append(out, tk)
		}
		return out
	}
	// ahead: a fresh stream, 10 s cadence; message 2 arrives 100 ms after
	// message 1, and it and every message after are stamped 1 h ahead.
	ahead := burstBed(40, 10*sec, func(i int, stamp time.Duration) time.Duration {
		if i >= 2 {
			return stamp - 10*sec + 200*time.Millisecond
		}
		return stamp + 100*time.Millisecond
	}, nil)
	for i := 2; i < len(ahead); i++ {
		ahead[i].m.ts = string(hl7.AppendTime(nil, t0.Add(time.Duration(i)*10*sec+time.Hour)))
	}
	count := func(fs []vitals.Finding, rule string) int {
		n := 0
		for _, f := range fs {
			if f.Rule == rule {
				n++
			}
		}
		return n
	}
	plain := run(t, vitals.DefaultConfig(), slid(false))
	if n := count(plain, "time_skew"); n == 0 {
		t.Fatalf("a time slid behind at the live cadence: no time_skew")
	}
	got := run(t, vitals.DefaultConfig(), slid(true))
	if n, want := count(got, "time_skew"), count(plain, "time_skew"); n < want {
		t.Errorf("a time slid behind, each message after a re-send: %d time_skew, want %d (as without the re-sends)", n, want)
	}
	fs := run(t, vitals.DefaultConfig(), ahead)
	if count(fs, "time_future") == 0 {
		t.Errorf("a clock put 1 h ahead at wire speed on a fresh stream's third message: no time_future")
	}
}

// TestPowerUpRowsAfterMessage37b (review37b): a clock at its power-up
// default is not judged for its MSH-7, but its rows still are against it: a
// device whose clock came up at 2000-01-01 stamps its rows (OBX-14) with that
// clock too. A forger who restarts the counter and stamps MSH-7 at
// 2000-01-01 over rows carrying a segment's times from hours earlier (a
// replay with its old times) is time_future on those rows, as before the
// power-up default was excused.
func TestPowerUpRowsAfterMessage37b(t *testing.T) {
	decID := func(n int) string { return fmt.Sprintf("M%d", n) }
	y2k := func(i int) time.Time { return time.Date(2000, 1, 1, 0, 1, 15+10*i, 0, time.UTC) }
	ts := rebootBed(decID, y2k, true)
	for i := 200; i < 209; i++ {
		rows := slices.Clone(ts[i].m.rows)
		for j := range rows {
			rows[j].at = string(hl7.AppendTime(nil, t0.Add(ts[i].at-3*time.Hour)))
		}
		ts[i].m.rows = rows
	}
	var got []vitals.Finding
	for _, f := range run(t, vitals.DefaultConfig(), ts) {
		if f.Rule == "time_future" {
			got = append(got, f)
		}
	}
	checkRules(t, got, "time_future")
}

// TestStepAfterSlidMessage37b (review37b): a time slid 99 s behind at the
// live cadence (9 s a message, no finding), then put back 60 s more by a
// message sent 100 ms after it, held for 8 messages and taken back to where
// it was before: the step came back, time_backwards. Taking the device's
// offset as the step's reference is for a store catching up (the message
// before the step stored), not for a message that merely lagged.
func TestStepAfterSlidMessage37b(t *testing.T) {
	sec := time.Second
	// lag of message i behind its arrival.
	lag := func(i int) time.Duration {
		switch {
		case i <= 100:
			return 0
		case i <= 111:
			return time.Duration(i-100) * 9 * sec
		case i <= 120:
			return 159 * sec
		}
		return 99 * sec
	}
	arrive := func(i int) time.Duration {
		switch {
		case i <= 111:
			return time.Duration(i)*10*sec + 100*time.Millisecond
		}
		return time.Duration(i-1)*10*sec + 200*time.Millisecond // message 112 100 ms after 111
	}
	ts := burstBed(200, 10*sec, func(i int, stamp time.Duration) time.Duration { return arrive(i) }, nil)
	for i := range ts {
		ts[i].m.ts = string(hl7.AppendTime(nil, t0.Add(arrive(i)-lag(i)).Truncate(sec)))
	}
	var got []vitals.Finding
	for _, f := range run(t, vitals.DefaultConfig(), ts) {
		switch f.Rule {
		case "time_backwards", "time_skew", "time_future":
			got = append(got, f)
		}
	}
	checkRules(t, got, "time_backwards")
}

// TestClockSetRightOnSteadyClock: the gateway judges arrivals by a clock no
// step of its host's clock moves, which lies behind the system clock by the
// steps since its start (ObserveSteady's skew). A device's clock set right
// reads the system clock and is no finding, as in TestClockSetRight, where
// the two clocks agree; one set to the arrival clock's time instead is set
// wrong by the skew and is reported.
func TestClockSetRightOnSteadyClock(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("20060102150405") }
	src := netip.MustParseAddr("192.0.2.10")
	tests := []struct {
		name          string
		skew          time.Duration // the system clock ahead of the arrival clock
		before, after time.Duration // the device's clock ahead of the arrival clock, before message 20 and from it
		want          []string
	}{
		{"6 min ahead set right, the host's clock stepped back 10 min", -10 * time.Minute, -4 * time.Minute, -10 * time.Minute, nil},
		{"150 s behind set right, the host's clock stepped back 10 min", -10 * time.Minute, -150*sec - 10*time.Minute, -10 * time.Minute, nil},
		{"6 min ahead set right, the host's clock stepped forward 10 min", 10 * time.Minute, 16 * time.Minute, 10 * time.Minute, nil},
		{"6 min ahead set to the arrival clock, 10 min behind the right time", 10 * time.Minute, 16 * time.Minute, 0, []string{"time_backwards", "time_skew"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := vitals.NewEngine(vitals.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			var fs []vitals.Finding
			for i := range 40 {
				clock := tc.before
				if i >= 20 {
					clock = tc.after
				}
				arrival := t0.Add(time.Duration(i) * 10 * sec)
				m := normal(i)
				m.ts = stamp(time.Duration(i)*10*sec + clock)
				for j := range m.rows {
					m.rows[j].at = stamp(time.Duration(i)*10*sec + clock - 2*sec)
				}
				msg, err := hl7.Parse(m.bytes(arrival, i))
				if err != nil {
					t.Fatal(err)
				}
				fs = e.ObserveSteady(src, msg, arrival, tc.skew, fs)
			}
			checkRules(t, fs, tc.want...)
		})
	}
}

// TestHostStoodStill: the gateway's arrival clock is monotonic and stands
// while its host is suspended or its virtual machine paused, while the
// monitors' clocks go on; the system clock's step forward afterwards (the
// skew) is time that passed. A device whose offset grew by just that step
// reads the system clock again and is taken for a clock set right
// (clockSet against arrival+skew), no finding; a step that set a wrong
// system clock right moves no device's offset; a device's own jump, with no
// step of the host's or by another amount, is still time_future. Without
// the skew (ObserveSteady's 0) the two pauses fail with time_future.
func TestHostStoodStill(t *testing.T) {
	stamp := func(at time.Time) string { return at.Format("20060102150405") }
	src := netip.MustParseAddr("192.0.2.10")
	const gap = 10 * time.Minute
	tests := []struct {
		name  string
		skew  time.Duration // the system clock ahead of the arrival clock from message 20
		jump  time.Duration // the device's clock ahead of the arrival clock from message 20
		stale bool          // message 20 comes at wire speed, stamped before the host stood
		want  []string
	}{
		{"paused 10 min", gap, gap, false, nil},
		{"paused 10 min, a message stamped before it first", gap, gap, true, nil},
		{"the host's clock set back 10 min", -gap, 0, false, nil},
		{"the device's clock 10 min ahead, no step of the host's", 0, gap, false, []string{"time_future"}},
		{"the device's clock 20 min ahead after a pause of 10", gap, 2 * gap, false, []string{"time_future"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := vitals.NewEngine(vitals.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			var fs []vitals.Finding
			observe := func(i int, arrival, device time.Time, skew time.Duration) {
				m := normal(i)
				m.ts = stamp(device)
				msg, err := hl7.Parse(m.bytes(arrival, i))
				if err != nil {
					t.Fatal(err)
				}
				fs = e.ObserveSteady(src, msg, arrival, skew, fs)
			}
			for i := range 40 {
				arrival := t0.Add(time.Duration(i) * 10 * sec)
				if i < 20 {
					observe(i, arrival, arrival, 0)
					continue
				}
				if i == 20 && tc.stale {
					last := t0.Add(19 * 10 * sec)
					observe(100, last.Add(100*time.Millisecond), last.Add(sec), tc.skew)
				}
				observe(i, arrival, arrival.Add(tc.jump), tc.skew)
			}
			checkRules(t, fs, tc.want...)
		})
	}
}
