package vitals_test

import "testing"

// oxArmForged returns oxArmBed's adult, cuff reading at message 80, with
// the saturation's level lvl (96-97 in oxArmBed) and its messages 77-79
// reading dip (a value, or nothing), the SpO2 pulse rate absent from
// message prFrom on and in the dip's messages, and for scatter > 0 sent
// that far above the heart rate in the dip's messages instead of absent.
func oxArmForged(lvl float64, dip [3]string, prFrom int, scatter float64) []tick {
	return every(100, 5*sec, func(i int) msg {
		h := 80 + float64(i%3)
		rows := []row{hr(num(h))}
		s := num(lvl + float64(i%2))
		inDip := i >= 77 && i <= 79
		if inDip {
			s = dip[i-77]
		}
		switch {
		case inDip && scatter > 0:
			rows = append(rows, pr(num(h+scatter)))
		case i < prFrom && !inDip:
			rows = append(rows, pr(num(80+float64((i+1)%3))))
		}
		if s != "" {
			rows = append(rows, spo2(s))
		}
		rows = append(rows, rr(num(16+float64(i%3))), temp("37.0"))
		switch {
		case i >= 80:
			st := t0.Add(395 * sec).Format("20060102150405")
			rows = append(rows, nibpS("112", st), nibpD("64", st), nibpM("80", st))
		case i >= 5:
			st := t0.Add(20 * sec).Format("20060102150405")
			rows = append(rows, nibpS("118", st), nibpD("68", st), nibpM("84", st))
		}
		return msg{rows: rows}
	})
}

// TestCuffOnProbeReview (review40c): the cuff on the oximeter's arm stops
// the finger's pulse for one measurement (cuffMeasure) at most, and sags
// the saturation, never raises it. A pulse rate that stopped coming long
// before the dip (the oximeter no longer sends one, or lost the pulse for
// another reason) is no cuff's; a saturation that rose is no cuff's either.
func TestCuffOnProbeReview(t *testing.T) {
	checkCases(t, []ruleCase{
		{"the genuine dip, pulse rate sent up to it", oxArmForged(96, [3]string{"85", "77", ""}, 100, 0), nil},
		{"a dip 3 min after the pulse rate stopped coming", oxArmForged(96, [3]string{"85", "77", ""}, 40, 0), []string{"spike"}},
		{"a saturation risen without its pulse, back with a cuff reading", oxArmForged(78, [3]string{"97", "98", ""}, 100, 0), []string{"spike"}},
	})
}
