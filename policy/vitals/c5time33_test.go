package vitals_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

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

// TestClockAtPowerUpDefault33: a monitor whose real-time clock lost its
// power comes up from a restart at its firmware's default date, years back,
// until its time source sets it a minute later (corpus5's clock_reset,
// session 33): no time finding, its counter in hexadecimal (restarted at
// …0001, no letter left) or in decimal. A time years back without a restart
// of the counter, or a time put back by hours at one, is still reported.
func TestClockAtPowerUpDefault33(t *testing.T) {
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
