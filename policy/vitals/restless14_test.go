package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestRestlessFreeze: a saturation held for 14 messages at one a minute
// (improbable below 10⁻⁹ by its learned change share of 0.81, not below the 10⁻¹²
// a freeze needs alone) is frozen while the heart and breathing rates keep
// their variation; the same hold while both have quietened (rest: they
// move by a beat or a breath now and then) is not, nor is a shorter hold, nor
// a breathing rate held while only the heart rate vouches for the patient.
func TestRestlessFreeze(t *testing.T) {
	const d = 60 * sec
	// patient is one message: heart and pulse rate around 80, saturation
	// around 95, breathing rate around 16, noisy, or at rest (a slow
	// staircase of ±1).
	patient := func(i int, rest bool) msg {
		h, p, r := wobble(80, i), wobble(80, i+5), wobble(16, i+3)
		if rest {
			h, p, r = num(80+float64(i/3%2)), num(81-float64(i/5%2)), num(16+float64(i/4%2))
		}
		return msg{rows: []row{hr(h), pr(p), spo2(wobble(95, i+7)), rr(r), temp("37.0")}}
	}
	// hold returns n messages after a lead-in of 30 with row k held at v.
	hold := func(n, k int, v string, rest bool) []tick {
		lead := every(30, d, func(i int) msg { return patient(i+1000, rest) })
		return then(lead, d, every(n, d, func(i int) msg {
			m := patient(i+1100, rest)
			m.rows[k].value = v
			return m
		}))
	}
	tests := []struct {
		name string
		more []tick
		want []string
	}{
		{"saturation held while heart and breathing keep their noise", hold(14, 2, "95", false), []string{"frozen"}},
		{"saturation held at rest", hold(14, 2, "95", true), nil},
		{"saturation held for 8 messages", hold(8, 2, "95", false), nil},
		{"breathing rate held, the heart rate noisy", hold(14, 3, "16", false), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			learn := every(150, d, func(i int) msg { return patient(i, false) })
			after := every(10, d, func(i int) msg { return patient(i+2000, false) })
			checkRules(t, run(t, vitals.DefaultConfig(), then(then(learn, d, tc.more), d, after)), tc.want...)
		})
	}
}
