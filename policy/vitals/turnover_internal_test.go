package vitals

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// TestTurnoverForgetsLevelsHoweverShown: a bed turnover that shows only as
// the class's does (a monitor without identity silent for the turnover gap,
// or an ADT adopting another patient after it) forgets the last patient's
// levels as a new PID-3 does (newPatient: the heart rate's roughness
// relearned). Before, only a new PID-3 did (review40a's open point d).
func TestTurnoverForgetsLevelsHoweverShown(t *testing.T) {
	for _, tc := range []struct{ name, pid, typ string }{
		{"no identity", "", "ORU^R01"},
		{"an ADT adopting another patient", "PID|||%d^^^H^MR||DOE^J\r", "ADT^A01"},
	} {
		e, err := NewEngine(DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		src := netip.MustParseAddr("10.0.0.1")
		t0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
		send := func(at time.Time, n, who, hr int, typ string) {
			pid := ""
			if tc.pid != "" {
				pid = fmt.Sprintf(tc.pid, who)
			}
			msg := fmt.Sprintf("MSH|^~\\&|MON|ICU|GW|H|%s||%s|%d|P|2.6\r%sOBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||%d|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R\r",
				at.Format("20060102150405"), typ, n, pid, hr)
			var m hl7.Message
			if err := m.Parse([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			e.Observe(src, &m, at, nil)
		}
		for i := range 200 {
			send(t0.Add(time.Duration(i)*10*time.Second), i+1, 1, 80+(i*7)%9, "ORU^R01")
		}
		send(t0.Add(2000*time.Second+12*time.Minute), 201, 2, 120, tc.typ)
		var s *stream
		for _, h := range e.streams {
			s = h.s
		}
		if s.tracks[pHR].relearn == 0 {
			t.Errorf("%s: the last patient's heart-rate roughness (%.2f) kept across the turnover", tc.name, s.tracks[pHR].rough)
		}
	}
}
