package vitals_test

import "testing"

// oxArm is a bed for the cuff on the oximeter's arm: 100 messages 5 s apart
// of calmBed's adult with a cuff reading stamped 0:20 shown in every message
// from 0:25, and a second one stamped 6:35 shown from message cuffAt on
// (none when cuffAt is 0).
type oxArm struct {
	level   float64   // the saturation's level (reading level and level+1 in turn)
	dip     [3]string // the saturation in messages 77-79 (a value, or nothing)
	kept    bool      // the SpO2 pulse rate sent in the dip's messages too
	prUntil int       // the SpO2 pulse rate sent before this message only (0: a monitor that sends none)
	cuffAt  int
}

// sagged is the genuine dip: the saturation reads 85, 77 and nothing in
// messages 77-79 without its pulse rate, and the cuff's reading comes with
// message 80.
var sagged = oxArm{level: 96, dip: [3]string{"85", "77", ""}, prUntil: 100, cuffAt: 80}

// ticks returns the bed's messages.
func (o oxArm) ticks() []tick {
	return every(100, 5*sec, func(i int) msg {
		rows := []row{hr(num(80 + float64(i%3)))}
		s := num(o.level + float64(i%2))
		inDip := i >= 77 && i <= 79
		if inDip {
			s = o.dip[i-77]
		}
		if i < o.prUntil && (!inDip || o.kept) {
			rows = append(rows, pr(num(80+float64((i+1)%3))))
		}
		if s != "" {
			rows = append(rows, spo2(s))
		}
		rows = append(rows, rr(num(16+float64(i%3))), temp("37.0"))
		switch {
		case o.cuffAt > 0 && i >= o.cuffAt:
			st := t0.Add(395 * sec).Format("20060102150405")
			rows = append(rows, nibpS("112", st), nibpD("64", st), nibpM("80", st))
		case i >= 5:
			st := t0.Add(20 * sec).Format("20060102150405")
			rows = append(rows, nibpS("118", st), nibpD("68", st), nibpM("84", st))
		}
		return msg{rows: rows}
	})
}

// with returns o changed by f.
func (o oxArm) with(f func(*oxArm)) oxArm { f(&o); return o }

// TestCuffOnOximeterArm (session 40, c7clean40): a cuff inflating on the arm
// that carries the oximeter's probe stops the finger's pulse; the oximeter
// publishes no pulse rate and, for a message or two, a sagging saturation,
// while the ECG counts the heart; with the cuff's reading, both come back.
// Corpus7's clean beds (s2 m0014, m0128, m0002, the gateway's neonate in
// m0131) had this flagged as a saturation spike at cuff cycles. A dip whose
// pulse rate the oximeter kept counting, one with no cuff reading at its
// return, and one on a monitor that sends no pulse rate are still spikes.
func TestCuffOnOximeterArm(t *testing.T) {
	checkCases(t, []ruleCase{
		{"saturation sagging without its pulse, back with the cuff's reading", sagged.ticks(), nil},
		{"the same dip with the pulse rate counted", sagged.with(func(o *oxArm) { o.kept = true }).ticks(), []string{"spike"}},
		{"the dip without its pulse and no cuff reading", sagged.with(func(o *oxArm) { o.cuffAt = 0 }).ticks(), []string{"spike"}},
		{"the dip on a monitor that sends no pulse rate", sagged.with(func(o *oxArm) { o.prUntil = 0 }).ticks(), []string{"spike"}},
	})
}
