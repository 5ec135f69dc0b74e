package vitals_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestBreathingRateSlide24 (session 24, drift24): a breathing rate that
// slides along a ramp to a level far from every level it held half an hour
// to an hour before, and lies there 15 min, while the heart rate, the
// saturation and etCO2 keep theirs, is reported as a slide; genuine
// tachypnoea or slowing that its partners answer, a ventilator's rate set
// in steps and a small change stay quiet.
func TestBreathingRateSlide24(t *testing.T) {
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
		{"breathing rate sinks 16 → 6 over 30 min and holds, partners steady", func(i int, x float64) msg {
			return patient(i, 80, 97, 16-10*x, 38)
		}, []string{"drift_return"}},
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
		{"opioid: 16 → 6 while etCO2 climbs 38 → 50", func(i int, x float64) msg {
			return patient(i, 80, 97, 16-10*x, 38+12*x)
		}, nil},
		{"tachypnoea with a falling saturation: 16 → 28 while SpO2 falls 97 → 92", func(i int, x float64) msg {
			return patient(i, 80, 97-5*x, 16+12*x, 38)
		}, nil},
		{"a ventilator's rate set 16 → 24 → 28, a quarter of an hour apart", func(i int, x float64) msg {
			return patient(i, 80, 97, []float64{16, 24, 28}[int(2*x+0.01)], 38)
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

// TestBreathsCounted24 (session 24, drift24): a breathing rate that sinks
// to 0 and reads 0 for more than two minutes while the capnograph beside it keeps reading
// exhaled CO2 is reported once; a breath held for 40 s, a rate of 0 beside a
// silent capnograph (an open circuit, judged by circuitEnds) or beside an
// etCO2 that fell to 0 with it (an apnoea the capnograph saw) is not.
func TestBreathsCounted24(t *testing.T) {
	const step = 10 * time.Second
	learn := every(120, step, func(i int) msg { return patient(i, 80, 97, 16, 38) })
	// zero is the patient with a breathing rate of exactly 0 and etCO2 c
	// (none when c < 0).
	zero := func(i int, c float64) msg {
		m := patient(i, 80, 97, 16, max(c, 0))
		m.rows[3] = rr(num(0))
		if c < 0 {
			m.rows = m.rows[:len(m.rows)-1]
		}
		return m
	}
	tests := []struct {
		name  string
		n     int     // messages of a rate of 0
		co2   float64 // etCO2 beside them
		count int
	}{
		{"rate 0 for 3 min beside an etCO2 of 38", 18, 38, 1},
		{"rate 0 for 10 min beside an etCO2 of 38: reported once", 60, 38, 1},
		{"a breath held: rate 0 for 40 s beside an etCO2 of 38", 4, 38, 0},
		{"open circuit: rate 0 for 3 min with the capnograph silent", 18, -1, 0},
		{"apnoea: rate 0 for 3 min with the etCO2 at 0", 18, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The rate sinks to 0 over 160 s (a step would be
			// rate_of_change's), lies there n messages and comes back.
			more := every(16+tc.n+20, step, func(i int) msg {
				switch {
				case i < 16:
					return patient(i+1000, 80, 97, 16-float64(i), 38)
				case i < 16+tc.n:
					return zero(i+1000, tc.co2)
				}
				return patient(i+1000, 80, 97, 16, 38)
			})
			n := 0
			for _, f := range run(t, vitals.DefaultConfig(), then(learn, step, more)) {
				if strings.Contains(f.Explanation, "capnograph kept reading") {
					n++
				}
			}
			if n != tc.count {
				t.Errorf("%d findings of a rate of 0 beside a reading capnograph, want %d", n, tc.count)
			}
		})
	}
}
