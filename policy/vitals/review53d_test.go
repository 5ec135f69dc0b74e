package vitals_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestControlIDAheadReview53d: a forger sends its message under an ID a few
// of the device's counter ahead, or a leap ahead, and the device reaches that
// ID itself minutes later with its own values. The device's message meets
// the forged one in the control-ID history beyond the resend window: the
// same ID with two contents. It is the counter's next when the device gets
// there (the device stepped back behind the forged ID and numbered on), but
// the counter did not restart at a boot: it must be reported, as on main.
func TestControlIDAheadReview53d(t *testing.T) {
	const min = time.Minute
	// device gives messages 1,000 on, one a minute, from message from on.
	device := func(from, k int, start time.Duration) []tick {
		ts := make([]tick, k)
		for i := range ts {
			m := normal(from + i)
			m.ctrl = fmt.Sprintf("260216%06d", 1000+from+i)
			ts[i] = tick{start + time.Duration(from+i)*min, m}
		}
		return ts
	}
	forged := func(id int, at time.Duration) tick {
		m := normal(9000)
		m.ctrl = fmt.Sprintf("260216%06d", id)
		return tick{at, m}
	}
	for _, ahead := range []int{5, 40} {
		t.Run(fmt.Sprintf("%d ahead", ahead), func(t *testing.T) {
			ts := device(0, 200, 0)
			ts = append(ts, forged(1199+ahead, 199*min+20*time.Second))
			ts = append(ts, device(200, ahead+5, 0)...)
			checkRules(t, run(t, vitals.DefaultConfig(), ts), "replay_control_id")
		})
	}
	// The same, 5 ahead of a device rebooted and renumbering (at 50)
	// toward IDs the history holds from before its reboot (53 on): quiet by
	// itself, see TestControlIDCounter53.
	t.Run("5 ahead of a reboot's renumbering", func(t *testing.T) {
		renumber := func(from, k int, start time.Duration) []tick {
			ts := make([]tick, k)
			for i := range ts {
				m := normal(from + i)
				m.ctrl = fmt.Sprintf("260216%06d", 1+from%116+i)
				ts[i] = tick{start + time.Duration(i)*min, m}
			}
			return ts
		}
		ts := renumber(0, 116, 0)
		ts = append(ts, renumber(116, 50, 116*min)...)
		ts = append(ts, forged(55, 165*min+20*time.Second))
		ts = append(ts, renumber(166, 10, 166*min)...)
		checkRules(t, run(t, vitals.DefaultConfig(), ts), "replay_control_id")
	})
}

// TestHexCounterDecimalIDsReview53d: a device numbering in decimal sends one
// ID whose characters are all hexadecimal with a letter (E1), then a message
// arrives 15 IDs late. The decimal counter does not judge a lateness under
// 16; the hexadecimal counter, reading the decimal IDs under the same
// (empty) prefix, must not either: 15 decimal steps are 21 of its own.
func TestHexCounterDecimalIDsReview53d(t *testing.T) {
	var ts []tick
	add := func(id string) {
		m := normal(len(ts))
		m.ctrl = id
		ts = append(ts, tick{time.Duration(len(ts)) * 10 * time.Second, m})
	}
	add("E1")
	for i := 1; i <= 95; i++ {
		if i != 80 {
			add(fmt.Sprintf("260216%06d", i))
		}
	}
	add("260216000080")
	for i := 96; i <= 110; i++ {
		add(fmt.Sprintf("260216%06d", i))
	}
	checkRules(t, run(t, vitals.DefaultConfig(), ts))
}
