package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestPulseRateHeldAboveTheHeartRate: an SpO2 pulse rate forged to 210 for
// two messages at a 30 s cadence while the ECG heart rate stays at 80 and
// the saturation and breathing rate stay where they were is a spike (the
// second blind generator's blatant pulse-rate spikes, corpus2 training
// seeds 1 m0072, 3 m0062, 6 m0121, 10 m0066). More pulses than heartbeats
// is no circulation's. The genuine look-alikes stay quiet: one message of a
// miscount (a probe jolted: the pulse rate 60 above the heart rate, then
// back), the same two messages with the saturation pulled down (motion
// disturbs the whole plethysmograph), and the same two messages one message
// after the oximeter was last disturbed (a burst of motion going on).
//
// The mirror (session 21, spike21): the ECG heart rate fallen 45 below a
// pulse rate that kept its level, for one 30 s message (corpus3 training
// seed 10 m0050, m0101), is a spike too: fewer beats than pulses, for longer
// than an oximeter averages its rate (pulseLag, 15 s; 5 s since spike25),
// is beats the ECG missed or a forgery, no heart's. Quiet: the same fall for
// two messages at 2 s (4 s to its return: the pulse rate lags a brief
// bradycardia; two 5 s messages until spike25), a fall
// the pulse rate shares (a bradycardia), one with the saturation pulled
// down (motion), and one a message after the oximeter was disturbed.
//
// Review21 (failing on 8ffd737): the fall stays a spike with the temperature
// 0.4 °C up for its message (no motion moves a core temperature in 30 s, and
// nothing else reports it). With the pulse rate 10 up in it the fall stays
// quiet, as before: a pulse rate that moved either way is the oximeter
// disturbed too (motion throws both counts off; making only a pulse rate that
// fell vouch cost hl7load training 1 clean-bed and 4 other flags on motion,
// docs/vitals-history.md spike21). The brief fall that is quiet
// at 2 s is reported as a monitor reporting every 15 s sends it: first
// message to return bounds the fall's length from above, not below, so at a
// cadence of 15 s or more one low reading is trusted (a design choice kept
// after review21, docs/vitals-history.md spike21: the one-message forgeries are the
// ones caught).
func TestPulseRateHeldAboveTheHeartRate(t *testing.T) {
	series := func(edit func(i int, m *msg)) []tick { return calmBed(30*sec, edit) }
	forged := series(func(i int, m *msg) {
		if i == 5 || i == 6 {
			m.rows[1] = pr("210")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), forged), "spike")
	miscount := series(func(i int, m *msg) {
		if i == 5 {
			m.rows[1] = pr("140")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), miscount))
	motion := series(func(i int, m *msg) {
		if i == 5 || i == 6 {
			m.rows[1], m.rows[2] = pr("150"), spo2("88")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), motion))
	burst := series(func(i int, m *msg) {
		switch i {
		case 3:
			m.rows[1] = pr("110")
		case 5, 6:
			m.rows[1] = pr("150")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), burst))

	fell := series(func(i int, m *msg) {
		if i == 5 {
			m.rows[0] = hr("35")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), fell), "spike")
	brief := every(400, 2*sec, func(i int) msg {
		m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
			rr(num(16 + float64(i%3))), temp("37.0")}}
		if i == 300 || i == 301 {
			m.rows[0] = hr("35")
		}
		return m
	})
	checkRules(t, run(t, vitals.DefaultConfig(), brief))
	brady := series(func(i int, m *msg) {
		if i == 5 {
			m.rows[0], m.rows[1] = hr("35"), pr("37")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), brady))
	moving := series(func(i int, m *msg) {
		if i == 5 {
			m.rows[0], m.rows[2] = hr("35"), spo2("88")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), moving))
	jolted := series(func(i int, m *msg) {
		switch i {
		case 4:
			m.rows[1] = pr("110")
		case 5:
			m.rows[0] = hr("35")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), jolted))

	warmed := series(func(i int, m *msg) {
		if i == 5 {
			m.rows[0], m.rows[4] = hr("35"), temp("37.4")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), warmed), "spike")
	pulseRose := series(func(i int, m *msg) {
		if i == 5 {
			m.rows[0], m.rows[1] = hr("35"), pr("91")
		}
	})
	checkRules(t, run(t, vitals.DefaultConfig(), pulseRose))
	briefAt15 := every(134, 15*sec, func(j int) msg {
		i := 3 * j // brief's messages, every third
		m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
			rr(num(16 + float64(i%3))), temp("37.0")}}
		if i == 300 || i == 301 {
			m.rows[0] = hr("35")
		}
		return m
	})
	checkRules(t, run(t, vitals.DefaultConfig(), briefAt15), "spike")
}
