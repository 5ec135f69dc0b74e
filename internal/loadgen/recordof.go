package loadgen

import (
	"fmt"

	"github.com/hl7gate/hl7gate/hl7"
)

// RecordOf returns the Record a Station keeps for msg, an HL7 message, with
// Answer NoAck. Tests whose monitors build their own messages use it to find
// each message among Station.Records.
func RecordOf(msg []byte) (Record, error) {
	var m hl7.Message
	if err := m.Parse(msg); err != nil {
		return Record{}, fmt.Errorf("load: record of a message: %w", err)
	}
	return Record{ID: hash64(m.ControlID()), Sum: hash64(msg)}, nil
}
