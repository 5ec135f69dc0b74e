package loadgen

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/hl7gate/hl7gate/hl7"
)

// Outcome is how one message ended: the acknowledgement a monitor got back,
// or the one the station answered with.
type Outcome uint8

// Outcomes. A monitor that gets no ACK (timeout, closed connection) and a
// station that stays silent or closes instead of answering both record NoAck.
const (
	NoAck       Outcome = iota // no acknowledgement
	AckAA                      // application accept
	AckAE                      // application error
	AckAR                      // application reject
	AckCA                      // commit accept (enhanced mode)
	AckCE                      // commit error
	AckCR                      // commit reject
	AckOther                   // an ACK with an unknown MSA-1 code, or not an ACK
	AckMismatch                // an ACK whose MSA-2 names another message
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"none", "AA", "AE", "AR", "CA", "CE", "CR", "other", "mismatch"}

// String returns the HL7 code ("AA") or a lowercase word ("none", "mismatch").
func (o Outcome) String() string {
	if o >= numOutcomes {
		return fmt.Sprintf("outcome(%d)", uint8(o))
	}
	return outcomeNames[o]
}

// Positive reports whether o tells the sender that the message was accepted.
func (o Outcome) Positive() bool { return o == AckAA || o == AckCA }

// outcomeOf maps an MSA-1 code to its Outcome.
func outcomeOf(code hl7.AckCode) Outcome {
	switch code {
	case hl7.AA:
		return AckAA
	case hl7.AE:
		return AckAE
	case hl7.AR:
		return AckAR
	case hl7.CA:
		return AckCA
	case hl7.CE:
		return AckCE
	case hl7.CR:
		return AckCR
	}
	return AckOther
}

// Record identifies one message by hashes, so that the monitor side and the
// station can compare what was sent with what arrived without keeping any
// message content.
type Record struct {
	ID     uint64  // hash64 of MSH-10
	Sum    uint64  // hash64 of the whole payload, byte for byte
	Answer Outcome // monitor side: the ACK received; station side: the ACK sent
}

// hash64 joins two CRC-32s with different polynomials (Castagnoli and
// IEEE) into 64 bits. Both have hardware support, so hashing a 16 KB message
// costs little on either side; the same bytes give the same hash in every
// process, which a seeded hash/maphash would not.
func hash64(b []byte) uint64 {
	return uint64(crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))<<32 | uint64(crc32.ChecksumIEEE(b))
}

// recordsMagic starts the binary form of a record list.
const recordsMagic = "HL7LOAD1"

const recordSize = 17

// ErrBadRecords means a record list did not have the binary form that
// WriteRecords produces.
var ErrBadRecords = errors.New("load: malformed record list")

// WriteRecords writes recs in a compact binary form: a magic string, the
// count, then ID, Sum (little endian) and Answer of each record.
func WriteRecords(w io.Writer, recs []Record) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(recordsMagic)
	var b [recordSize]byte
	binary.LittleEndian.PutUint64(b[:], uint64(len(recs)))
	bw.Write(b[:8])
	for _, r := range recs {
		binary.LittleEndian.PutUint64(b[0:], r.ID)
		binary.LittleEndian.PutUint64(b[8:], r.Sum)
		b[16] = byte(r.Answer)
		bw.Write(b[:])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write records: %w", err)
	}
	return nil
}

// ReadRecords reads a record list written by WriteRecords.
func ReadRecords(r io.Reader) ([]Record, error) {
	br := bufio.NewReader(r)
	var b [recordSize]byte
	if _, err := io.ReadFull(br, b[:len(recordsMagic)]); err != nil || string(b[:len(recordsMagic)]) != recordsMagic {
		return nil, fmt.Errorf("read records header: %w", ErrBadRecords)
	}
	if _, err := io.ReadFull(br, b[:8]); err != nil {
		return nil, fmt.Errorf("read record count: %w", ErrBadRecords)
	}
	n := binary.LittleEndian.Uint64(b[:8])
	const limit = 1 << 30
	if n > limit {
		return nil, fmt.Errorf("record count %d over %d: %w", n, limit, ErrBadRecords)
	}
	recs := make([]Record, 0, min(n, 1<<20))
	for i := uint64(0); i < n; i++ {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, fmt.Errorf("read record %d of %d: %w", i, n, ErrBadRecords)
		}
		a := Outcome(b[16])
		if a >= numOutcomes {
			return nil, fmt.Errorf("record %d: outcome %d: %w", i, a, ErrBadRecords)
		}
		recs = append(recs, Record{
			ID:     binary.LittleEndian.Uint64(b[0:]),
			Sum:    binary.LittleEndian.Uint64(b[8:]),
			Answer: a,
		})
	}
	return recs, nil
}
