package vitals_test

import (
	"math"
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// trigeminyBed is a calm sinus heart at 68–70/min for 60 messages at 10 s,
// then 80 messages in which the pulse rate stands at share of the heart
// rate, the PVC-rate row (148066) beside them at pvc(i) (none when
// pvc returns ""); forgedHR raises the ECG heart rate instead of lowering
// the pulse (the pulse keeps the heart's level).
func trigeminyBed(share float64, forgedHR bool, pvc func(i int, heart, pulse float64) string) []tick {
	return every(140, 10*sec, func(i int) msg {
		h := 68 + float64(i%3)
		p := 68 + float64((i+1)%3)
		if i >= 60 {
			if forgedHR {
				h = math.Round(p / share)
			} else {
				p = math.Round(share*h) + float64(i%2)
			}
		}
		m := msg{rows: []row{hr(num(h)), pr(num(p)), spo2(num(96 + float64(i%2))), rr(num(16 + float64(i%3))), temp("37.0")}}
		v := "0"
		if i >= 60 {
			v = pvc(i, h, p)
		}
		if v != "" {
			m.rows = append(m.rows, row{code: "148066", value: v, unit: "264864"})
		}
		return m
	})
}

// TestTrigeminyDeficitTheECGCounts43 (session 43, pvc43, pvcExplains): in
// trigeminy every third beat is an early ectopic one too weak to make a
// palpable pulse wave, so the oximeter counts about 0.7 of the beats the ECG
// counts, and the monitor's arrhythmia analysis reports the ectopic beats
// as its PVC rate, at the deficit or above it (corpus7 s1 m0017: heart 68,
// pulse 46–49, PVC rate 20–24). That deficit is explained. Reported: the
// same deficit on a bed that sends no PVC row (nothing tells it from a
// forged pulse), a forged pulse deficit beside the PVC rate the rhythm had
// (0–2), one beside a PVC rate well short of the deficit, one beside a PVC
// rate above the heart rate (no count of the heart's own beats), and a
// heart rate forged up alone over a steady pulse with the PVC row written
// to match it (the ECG channel moved alone: hrAlone).
func TestTrigeminyDeficitTheECGCounts43(t *testing.T) {
	at := func(f float64) func(int, float64, float64) string {
		return func(i int, h, p float64) string { return num(math.Round(f*(h-p)) + float64(i%2)) }
	}
	fixed := func(v string) func(int, float64, float64) string {
		return func(int, float64, float64) string { return v }
	}
	cfg := vitals.DefaultConfig()
	t.Run("trigeminy, PVC rate at the deficit", func(t *testing.T) { checkRules(t, run(t, cfg, trigeminyBed(0.7, false, at(1.05)))) })
	t.Run("trigeminy, PVC rate at 0.8 of it", func(t *testing.T) { checkRules(t, run(t, cfg, trigeminyBed(0.7, false, at(0.8)))) })
	t.Run("no PVC row", func(t *testing.T) {
		checkRules(t, run(t, cfg, trigeminyBed(0.7, false, fixed(""))), "hr_pr_agreement")
	})
	t.Run("forged pulse, PVC rate 0-2", func(t *testing.T) {
		checkRules(t, run(t, cfg, trigeminyBed(0.7, false, func(i int, _, _ float64) string { return num(float64(i % 3)) })), "hr_pr_agreement")
	})
	t.Run("forged pulse, PVC rate short of the deficit", func(t *testing.T) {
		checkRules(t, run(t, cfg, trigeminyBed(0.7, false, at(0.5))), "hr_pr_agreement")
	})
	t.Run("forged pulse, PVC rate above the heart rate", func(t *testing.T) {
		checkRules(t, run(t, cfg, trigeminyBed(0.7, false, fixed("120"))), "hr_pr_agreement")
	})
	t.Run("heart rate forged alone, PVC row written to match", func(t *testing.T) {
		checkRules(t, run(t, cfg, trigeminyBed(0.7, true, at(1))), "hr_pr_agreement")
	})
}
