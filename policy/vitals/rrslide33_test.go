package vitals_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestBreathingRateSlide33 (session 24, drift24; sizes session 33,
// rrstep33): a breathing rate that slides along a ramp to a level far from
// every level it held half an hour to an hour before, and lies there 15
// min, while the heart rate, the saturation and etCO2 keep theirs, is
// reported as a slide: a rise from half the earlier level (a breath half
// as fast again that no heart answered), a fall from a third of it beside
// a capnograph that kept its level (fewer breaths clear less CO2). Genuine
// tachypnoea or slowing that its partners answer, a rise by less than half
// (a shallower breath at the same ventilation), a slowing without a
// capnograph (an opioid, sleep), a ventilator's rate set in steps and a
// small change stay quiet.
func TestBreathingRateSlide33(t *testing.T) {
	const step = 30 * time.Second
	learn := every(120, step, func(i int) msg { return patient(i, 80, 97, 16, 38) })
	tests := []struct {
		name string
		f    func(i int, x float64) msg // x: the ramp's share done, over 30 min
		want []string
	}{
		{"breathing rate climbs 16 → 28 over 30 min and holds, partners steady", func(i int, x float64) msg {
			return patient(i, 80, 97, 16+12*x, 38)
		}, []string{"drift_return"}},
		{"breathing rate sinks 16 → 7 over 30 min and holds, partners steady beside a capnograph", func(i int, x float64) msg {
			return patient(i, 80, 97, 16-9*x, 38)
		}, []string{"drift_return"}},
		{"a shallower breath: 16 → 23, less than half as fast again, partners steady", func(i int, x float64) msg {
			return patient(i, 80, 97, 16+7*x, 38)
		}, nil},
		{"opioid without a capnograph: 16 → 6, partners steady", func(i int, x float64) msg {
			m := patient(i, 80, 97, 16-10*x, 38)
			m.rows = m.rows[:len(m.rows)-1]
			return m
		}, nil},
		{"tachypnoea with the heart rate: 16 → 28 while the heart rate climbs 80 → 96", func(i int, x float64) msg {
			return patient(i, 80+16*x, 97, 16+12*x, 38)
		}, nil},
		{"hyperventilation: 16 → 28 while etCO2 falls 38 → 30", func(i int, x float64) msg {
			return patient(i, 80, 97, 16+12*x, 38-8*x)
		}, nil},
		{"opioid: 16 → 8 while etCO2 climbs 38 → 50", func(i int, x float64) msg {
			return patient(i, 80, 97, 16-8*x, 38+12*x)
		}, nil},
		{"tachypnoea with a falling saturation: 16 → 28 while SpO2 falls 97 → 92", func(i int, x float64) msg {
			return patient(i, 80, 97-5*x, 16+12*x, 38)
		}, nil},
		{"a ventilator's rate set 16 → 22 → 28, a quarter of an hour apart", func(i int, x float64) msg {
			return patient(i, 80, 97, 16+6*float64(int(2*x+0.01)), 38)
		}, nil},
		{"breathing rate climbs 16 → 20 over 30 min (less than 6/min)", func(i int, x float64) msg {
			return patient(i, 80, 97, 16+4*x, 38)
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			more := every(110, step, func(i int) msg { return tc.f(i+1000, ramp(i, 60)) })
			var got []vitals.Finding
			for _, f := range run(t, vitals.DefaultConfig(), then(learn, step, more)) {
				if f.Rule == "drift_return" && f.Parameter == "MDC_RESP_RATE" && strings.HasPrefix(f.Explanation, "slid") {
					got = append(got, f)
				}
			}
			checkRules(t, got, tc.want...)
		})
	}
}
