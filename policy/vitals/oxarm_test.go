package vitals_test

import "testing"

// oxArmBed returns 100 messages 5 s apart of calmBed's adult with a cuff
// reading stamped 0:20 shown in every message from 0:25, and a second one
// stamped 6:35 shown from message cuffAt on (none when cuffAt is 0). In
// messages 77-79 the saturation reads 85, 77 and nothing; the SpO2 pulse
// rate is absent there when lost, and sent as 80 otherwise; withPR false
// leaves the pulse rate out of every message (a monitor that sends none).
func oxArmBed(lost, withPR bool, cuffAt int) []tick {
	dip := map[int]string{77: "85", 78: "77", 79: ""}
	return every(100, 5*sec, func(i int) msg {
		rows := []row{hr(num(80 + float64(i%3)))}
		p := num(80 + float64((i+1)%3))
		s := num(96 + float64(i%2))
		if v, ok := dip[i]; ok {
			s = v
			if lost {
				p = ""
			}
		}
		if withPR && p != "" {
			rows = append(rows, pr(p))
		}
		if s != "" {
			rows = append(rows, spo2(s))
		}
		rows = append(rows, rr(num(16+float64(i%3))), temp("37.0"))
		switch {
		case cuffAt > 0 && i >= cuffAt:
			st := t0.Add(395 * sec).Format("20060102150405")
			rows = append(rows, nibpS("112", st), nibpD("64", st), nibpM("80", st))
		case i >= 5:
			st := t0.Add(20 * sec).Format("20060102150405")
			rows = append(rows, nibpS("118", st), nibpD("68", st), nibpM("84", st))
		}
		return msg{rows: rows}
	})
}

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
		{"saturation sagging without its pulse, back with the cuff's reading", oxArmBed(true, true, 80), nil},
		{"the same dip with the pulse rate counted", oxArmBed(false, true, 80), []string{"spike"}},
		{"the dip without its pulse and no cuff reading", oxArmBed(true, true, 0), []string{"spike"}},
		{"the dip on a monitor that sends no pulse rate", oxArmBed(true, false, 80), []string{"spike"}},
	})
}
