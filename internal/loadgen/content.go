package loadgen

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/internal/sim"
)

// Content says what the monitors send: IHE PCD-01 ORU^R01 messages from the
// vital-sign simulator (internal/sim), one simulated patient per
// monitor, with a unique MSH-10 per message.
type Content struct {
	Size         int           // pad messages to at least this many bytes; 0 means unpadded (about 2 KB)
	Seed         uint64        // monitor i simulates with seed Seed+i
	Interval     time.Duration // message timestamps advance by this much; 0 means 1/Rate, or 1 s in closed loop
	Manipulation sim.Kind      // injected manipulation; sim.None for clean streams
	ManipulateAt int           // first manipulated message; 0 means the simulator's default (35 to 45 minutes in)
}

// ErrBadContent means a message size or manipulation could not be used.
var ErrBadContent = errors.New("load: bad message content")

// ParseSize reads a message size: "default" (unpadded, about 2 KB), "<n>k"
// (e.g. 16k) or "<n>" bytes.
func ParseSize(s string) (int, error) {
	if s == "default" || s == "" {
		return 0, nil
	}
	mult := 1
	if n, ok := strings.CutSuffix(strings.ToLower(s), "k"); ok {
		s, mult = n, 1024
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1<<20/mult {
		return 0, fmt.Errorf("size %q (want default, 16k or a byte count up to 1 MiB): %w", s, ErrBadContent)
	}
	return n * mult, nil
}

// ParseManipulation reads a manipulation kind of the simulator. Kinds that
// re-send earlier control IDs (replay_message, control_id_reuse) are refused:
// the verification identifies messages by MSH-10.
func ParseManipulation(s string) (sim.Kind, error) {
	k := sim.Kind(s)
	switch k {
	case sim.None:
		return k, nil
	case sim.ReplayMessage, sim.ControlIDReuse:
		return "", fmt.Errorf("manipulation %q repeats control IDs, which the verification cannot tell apart: %w", s, ErrBadContent)
	}
	if slices.Contains(sim.Kinds(), k) {
		return k, nil
	}
	return "", fmt.Errorf("manipulation %q (want one of %v): %w", s, sim.Kinds(), ErrBadContent)
}

// source is one monitor's stream of messages.
type source struct {
	sim *sim.Monitor
	msg hl7.Message
}

// source returns the message stream of monitor i, whose first message is
// due at start and the following ones every interval.
func (c Content) source(i int, start time.Time, interval time.Duration) *source {
	if c.Interval > 0 {
		interval = c.Interval
	}
	return &source{sim: sim.NewMonitor(sim.Options{
		ID:           i,
		Seed:         c.Seed + uint64(i),
		Start:        start,
		Interval:     interval,
		Size:         c.Size,
		Manipulation: c.Manipulation,
		ManipulateAt: c.ManipulateAt,
	})}
}

// next appends the next message to dst and returns it with the hash of its
// MSH-10. It skips the simulator's re-sends "after a lost ACK": here no ACK
// is lost, and a re-send repeats a control ID.
func (s *source) next(dst []byte) ([]byte, uint64, error) {
	for {
		msg, _, label := s.sim.Next(dst)
		if label.Resend {
			continue
		}
		if err := s.msg.Parse(msg); err != nil {
			return msg, 0, fmt.Errorf("simulated message %d: %w", label.Index, err)
		}
		return msg, hash64(s.msg.ControlID()), nil
	}
}
