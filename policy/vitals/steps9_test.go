package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestSaturationDipWithHeartRate: a saturation dipping by 17 for one
// message at a one-minute cadence, in the message in which the ECG heart
// rate and the SpO2 pulse rate both rose by 8–9 (beyond their own scatter,
// by the same amount: one heart changing pace as the patient moves), is
// motion (seed 9 m0072). The same dip while the heart stays where it was
// is a forged spike.
func TestSaturationDipWithHeartRate(t *testing.T) {
	before := every(60, 60*sec, func(i int) msg { return vitalsAt(i, 72, 72, 96) })
	dip := func(heart bool) []tick {
		return then(before, 60*sec, every(10, 60*sec, func(i int) msg {
			m := vitalsAt(i+100, 72, 72, 96)
			switch {
			case i == 0:
				m.rows[0], m.rows[1] = hr("72"), pr("72")
			case i == 1:
				m.rows[2] = spo2("79")
				if heart {
					m.rows[0], m.rows[1] = hr("81"), pr("80")
				}
			}
			return m
		}))
	}
	checkRules(t, run(t, vitals.DefaultConfig(), dip(true)))
	checkRules(t, run(t, vitals.DefaultConfig(), dip(false)), "spike")
}

// TestSaturationRecoveryAfterMotion: motion throws a neonate's ECG and
// oximeter about together for a minute (heart and pulse rates jumping by
// 10–60 and apart from each other, the saturation scattering over 80–95);
// the saturation's return to 96 afterwards is a recovery, not a step
// (seed 14 m0144, messages 1397–1481). A saturation forged from 96 to 82
// in calm data is a step.
func TestSaturationRecoveryAfterMotion(t *testing.T) {
	calm := func(i int, h, s float64) msg {
		return msg{rows: []row{hr(num(h + float64(i%3))), pr(num(h + float64((i+1)%3))), spo2(num(s + float64(i%2))), rr(num(50 + float64(i%3))), temp("37.0")}}
	}
	before := every(60, 10*sec, func(i int) msg { return calm(i, 145, 95) })
	type v struct{ h, p, s float64 }
	burst := []v{{157, 161, 80}, {130, 147, 86}, {155, 143, 85}, {139, 148, 86}, {126, 136, 83}, {118, 128, 95}, {177, 156, 82}}
	motion := then(before, 10*sec, every(len(burst)+12, 10*sec, func(i int) msg {
		if i < len(burst) {
			b := burst[i]
			return msg{rows: []row{hr(num(b.h)), pr(num(b.p)), spo2(num(b.s)), rr(num(50 + float64(i%3))), temp("37.0")}}
		}
		return calm(i, 148, 95)
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), motion))
	forged := then(before, 10*sec, every(12, 10*sec, func(i int) msg { return calm(i, 145, 82) }))
	checkRules(t, run(t, vitals.DefaultConfig(), forged), "rate_of_change")
}
