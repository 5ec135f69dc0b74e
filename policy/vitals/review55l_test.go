package vitals_test

import (
	"fmt"
	"testing"
)

// TestSecondTemperatureUnread55l (session 55, review55l): IntelliVue's
// generic T2 is a second probe at a site its label does not name, often the
// peripheral one beside a core T1 (Mindray's T2, whose difference from T1 is
// its TD). Read as the temperature (labels55), it became the message's
// temperature whenever T1 dropped out: a probe unplugged for 20 minutes at a
// one-minute cadence read as a 3.5 °C fall to the skin's level and, when T1
// came back, a rise (rate_of_change, integrity). T2 is no row now: the bed
// stays quiet however long T1 is away, and a core temperature forged up by
// 2 °C beside the skin probe is still a rate_of_change.
func TestSecondTemperatureUnread55l(t *testing.T) {
	// bed returns 4 hours of messages a minute apart: T1 a core temperature
	// of 37 °C (raised by forged from message 120 on), absent from message
	// 100 to message off, and T2 a skin probe at 33.5 °C.
	bed := func(off int, forged float64) []tick {
		return every(240, 60*sec, func(i int) msg {
			rows := []row{
				localRow("101", "HR", wobble(80, i), "bpm"),
				localRow("151", "Pulse", wobble(80, i+5), "bpm"),
				localRow("150", "SpO2", num(96+float64(i%2)), "%"),
				localRow("201", "Resp", wobble(16, i+3), "rpm"),
			}
			core := 37.0 + 0.1*float64(i%2)
			if i >= 120 {
				core += forged
			}
			if i < 100 || i >= off {
				rows = append(rows, localRow("401", "T1", fmt.Sprintf("%.1f", core), "Cel"))
			}
			rows = append(rows, localRow("402", "T2", fmt.Sprintf("%.1f", 33.5+0.1*float64(i%3)), "Cel"))
			return msg{app: "LOCALMON", rows: rows}
		})
	}
	checkCases(t, []ruleCase{
		{"T1 steady beside T2", bed(0, 0), nil},
		{"T1 unplugged for 3 minutes", bed(103, 0), nil},
		{"T1 unplugged for 20 minutes", bed(120, 0), nil},
		{"T1 forged up by 2 °C beside T2", bed(0, 2), []string{"rate_of_change"}},
	})
}
