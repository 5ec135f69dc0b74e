package loadgen

import (
	"bytes"
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
	Manipulated  int           // only monitors 0 to Manipulated-1 carry the Manipulation; 0 means all of them
	// Prebuilt, when positive, renders this many messages per monitor before the first send and cycles
	// through them, patching only MSH-10 in place (a fixed-width unique ID): the load generator then does
	// no per-message formatting, so a relay's own cost dominates. With a Manipulation only manipulated
	// messages are kept (fewer than Prebuilt when the manipulation's span is shorter).
	Prebuilt int
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

	// Prebuilt mode (Content.Prebuilt > 0): the rendered messages, built at the first next, and where
	// each one's MSH-10 is.
	prebuilt int
	mon      int
	pre      [][]byte
	ctrl     []int // offset of MSH-10 in pre[j]; it is prebuiltIDLen bytes long
	seq      uint64
}

// prebuiltIDLen is the width of a prebuilt message's MSH-10: "P", the monitor in 6 digits and the
// message's sequence number in 13 (HL7 v2.5 allows 20 characters).
const prebuiltIDLen = 20

// maxPrebuiltMonitor is the largest monitor index a prebuilt MSH-10 can carry.
const maxPrebuiltMonitor = 999_999

// source returns the message stream of monitor i, whose first message is
// due at start and the following ones every interval.
func (c Content) source(i int, start time.Time, interval time.Duration) *source {
	if c.Interval > 0 {
		interval = c.Interval
	}
	if c.Manipulated > 0 && i >= c.Manipulated {
		c.Manipulation, c.ManipulateAt = sim.None, 0
	}
	return &source{prebuilt: c.Prebuilt, mon: i, sim: sim.NewMonitor(sim.Options{
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
//
// In prebuilt mode it ignores dst and returns one of its own messages, valid
// until the next call.
func (s *source) next(dst []byte) ([]byte, uint64, error) {
	if s.prebuilt > 0 {
		return s.nextPrebuilt()
	}
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

// nextPrebuilt returns the next of the prebuilt messages (rendering them on
// the first call) with a fresh MSH-10 written over the previous one.
func (s *source) nextPrebuilt() ([]byte, uint64, error) {
	if s.pre == nil {
		if err := s.build(); err != nil {
			return nil, 0, err
		}
	}
	j := int(s.seq % uint64(len(s.pre)))
	msg := s.pre[j]
	id := msg[s.ctrl[j] : s.ctrl[j]+prebuiltIDLen]
	putDigits(id[7:], s.seq)
	s.seq++
	return msg, hash64(id), nil
}

// build renders the prebuilt messages: the simulator's messages (only the
// manipulated ones when there is a manipulation), each with its MSH-10
// replaced by a fixed-width ID of this monitor.
func (s *source) build() error {
	if s.mon > maxPrebuiltMonitor {
		return fmt.Errorf("prebuilt messages: monitor %d has no room in MSH-10 (at most %d monitors): %w", s.mon, maxPrebuiltMonitor+1, ErrBadContent)
	}
	var id [prebuiltIDLen]byte
	id[0] = 'P'
	putDigits(id[1:7], uint64(s.mon))
	var buf []byte
	for len(s.pre) < s.prebuilt {
		msg, _, label := s.sim.Next(buf[:0])
		buf = msg
		if label.Resend || (label.Kind != sim.None && !label.Active) {
			if label.Kind != sim.None && label.Index > label.Last {
				break // past the manipulation's span
			}
			continue
		}
		if err := s.msg.Parse(msg); err != nil {
			return fmt.Errorf("simulated message %d: %w", label.Index, err)
		}
		ctrl := s.msg.ControlID()
		off := controlIDOffset(msg)
		if len(ctrl) == 0 || off < 0 || off+len(ctrl) > len(msg) || !bytes.Equal(msg[off:off+len(ctrl)], ctrl) {
			return fmt.Errorf("simulated message %d: no MSH-10: %w", label.Index, ErrBadContent)
		}
		out := make([]byte, 0, len(msg)-len(ctrl)+prebuiltIDLen)
		out = append(out, msg[:off]...)
		out = append(out, id[:]...)
		out = append(out, msg[off+len(ctrl):]...)
		s.pre = append(s.pre, out)
		s.ctrl = append(s.ctrl, off)
	}
	if len(s.pre) == 0 {
		return fmt.Errorf("prebuilt messages: the simulator made no manipulated message: %w", ErrBadContent)
	}
	return nil
}

// controlIDOffset returns where MSH-10 starts in msg, which starts with MSH
// (after the 9th field separator), or -1.
func controlIDOffset(msg []byte) int {
	if len(msg) < 4 {
		return -1
	}
	sep, n := msg[3], 0
	for i, b := range msg {
		if b == '\r' {
			return -1
		}
		if b == sep {
			if n++; n == 9 {
				return i + 1
			}
		}
	}
	return -1
}

// putDigits writes v in decimal into all of dst, zero-padded on the left
// (keeping the low digits when v has more).
func putDigits(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}
