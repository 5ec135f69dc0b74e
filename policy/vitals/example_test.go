package vitals_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// A monitor reports a heart rate of 0 while the pulse oximeter goes on
// counting 80 beats a minute: the "80 to 0" edit of the 2018 demonstration.
func Example() {
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		panic(err)
	}
	src := netip.MustParseAddr("192.0.2.10")
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var m hl7.Message
	var findings []vitals.Finding
	for i := range 24 {
		at := start.Add(time.Duration(i) * 10 * time.Second)
		heart := 78 + i%3
		if i >= 12 {
			heart = 0
		}
		frame := fmt.Sprintf("MSH|^~\\&|MON7^0012340000000007^EUI-64|ICU|||%s||ORU^R01^ORU_R01|M%d|P|2.6\r"+
			"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|%d|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R\r"+
			"OBX|2|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.2.1.1|%d|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R\r",
			at.Format("20060102150405"), i, heart, 80-i%2)
		if err := m.Parse([]byte(frame)); err != nil {
			panic(err)
		}
		for _, f := range e.Observe(src, &m, at, findings[:0]) {
			fmt.Printf("%s %s %s: %s (value %g, other %g)\n", f.ControlID, f.Severity, f.Rule, f.Explanation, f.Value, f.Other)
		}
	}
	// Output:
	// M15 warning rate_of_change: ECG heart rate stepped but the pulse rates did not follow (value 0, other 80)
	// M21 warning hr_pr_agreement: ECG heart rate and pulse rate disagree persistently (value 0, other 79)
}
