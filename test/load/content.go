package load

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals/sim"
)

// Content says what the monitors send: IHE PCD-01 ORU^R01 messages from the
// vital-sign simulator (policy/vitals/sim), one simulated patient per
// monitor, with a unique MSH-10 per message.
type Content struct {
	Size int   // approximate message size in bytes (simulator padding); 0 means the simulator's default (~1 KB)
	OBX  int   // metric OBX rows per message; 0 means the simulator's default
	Seed int64 // monitor i simulates with seed Seed+i
}

// ErrBadSize means a message size string could not be parsed.
var ErrBadSize = errors.New("load: bad message size")

// ParseSize reads a message size: "1k" (~1 KB), "16k" (~16 KB), any "<n>k"
// or "<n>" bytes, or "obx:<count>" metric rows.
func ParseSize(s string) (Content, error) {
	if n, ok := strings.CutPrefix(s, "obx:"); ok {
		obx, err := strconv.Atoi(n)
		if err != nil || obx < 1 {
			return Content{}, fmt.Errorf("size %q: %w", s, ErrBadSize)
		}
		return Content{OBX: obx}, nil
	}
	mult := 1
	if n, ok := strings.CutSuffix(strings.ToLower(s), "k"); ok {
		s, mult = n, 1024
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1<<20/mult {
		return Content{}, fmt.Errorf("size %q (want e.g. 1k, 16k or obx:20): %w", s, ErrBadSize)
	}
	return Content{Size: n * mult}, nil
}

// source is one monitor's stream of messages.
type source struct {
	sim *sim.Monitor
	msg hl7.Message
}

// source returns the message stream of monitor i, whose first message is
// timestamped start.
func (c Content) source(i int, start time.Time) (*source, error) {
	m, err := sim.NewMonitor(sim.Options{
		ID:       i,
		Seed:     c.Seed + int64(i),
		Start:    start,
		Interval: time.Second,
		OBX:      c.OBX,
		Size:     c.Size,
	})
	if err != nil {
		return nil, fmt.Errorf("simulated monitor %d: %w", i, err)
	}
	return &source{sim: m}, nil
}

// next appends the next message to dst and returns it with the hash of its
// MSH-10.
func (s *source) next(dst []byte) ([]byte, uint64, error) {
	msg, _, _ := s.sim.Next(dst)
	if err := s.msg.Parse(msg); err != nil {
		return msg, 0, fmt.Errorf("simulated message: %w", err)
	}
	return msg, hash64(s.msg.ControlID()), nil
}
