package queue

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// Record kinds. A segment holds kindMsg and kindDone records; a dead-letter file holds one kindDead record.
const (
	kindMsg  = 1 // a queued message: seq, append time, key, payload
	kindDone = 2 // a message left the queue: seq, how (doneDelivered or doneDead)
	kindDead = 3 // a dead letter: seq, append time, dead-letter time, key, reason, payload
)

// How a message left the queue, in a kindDone record.
const (
	doneDelivered = 1
	doneDead      = 2
)

const (
	hdrLen    = 8             // crc32c (4) + body length (4)
	msgFixed  = 1 + 8 + 8 + 1 // kind, seq, time, key length
	doneLen   = hdrLen + 1 + 8 + 1
	deadFixed = 1 + 8 + 8 + 8 + 1 + 2 // kind, seq, time, dead time, key length, reason length
	maxBody   = 1 << 24               // the decoder rejects a length above this as corrupt
	maxKey    = 255
	maxReason = 1024
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errTorn means the bytes end before the record does: a write that did not complete.
var errTorn = errors.New("queue: torn record")

// record is a decoded record; key, reason and body alias the decoded buffer.
type record struct {
	kind   byte
	how    byte
	seq    uint64
	time   int64
	deadAt int64
	key    []byte
	reason []byte
	body   []byte
}

// appendMsg appends a kindMsg record to dst.
func appendMsg(dst []byte, seq uint64, t int64, key string, payload []byte) []byte {
	start := len(dst)
	dst = appendHeader(dst, msgFixed+len(key)+len(payload))
	dst = append(dst, kindMsg)
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(t))
	dst = append(dst, byte(len(key)))
	dst = append(dst, key...)
	dst = append(dst, payload...)
	return seal(dst, start)
}

// appendDone appends a kindDone record to dst.
func appendDone(dst []byte, seq uint64, how byte) []byte {
	start := len(dst)
	dst = appendHeader(dst, doneLen-hdrLen)
	dst = append(dst, kindDone)
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	dst = append(dst, how)
	return seal(dst, start)
}

// appendDead appends a kindDead record to dst.
func appendDead(dst []byte, seq uint64, t, deadAt int64, key, reason string, payload []byte) []byte {
	start := len(dst)
	dst = appendHeader(dst, deadFixed+len(key)+len(reason)+len(payload))
	dst = append(dst, kindDead)
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(t))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(deadAt))
	dst = append(dst, byte(len(key)))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(reason)))
	dst = append(dst, key...)
	dst = append(dst, reason...)
	dst = append(dst, payload...)
	return seal(dst, start)
}

func appendHeader(dst []byte, bodyLen int) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, 0) // crc, filled in by seal
	return binary.LittleEndian.AppendUint32(dst, uint32(bodyLen))
}

// seal writes the checksum of the record that starts at dst[start]: crc32c over the length and the body.
func seal(dst []byte, start int) []byte {
	binary.LittleEndian.PutUint32(dst[start:], crc32.Checksum(dst[start+4:], castagnoli))
	return dst
}

// decode decodes the record at the start of b and returns it with its encoded length. It returns errTorn
// when b ends inside the record, ErrCorrupt when the length, the checksum or the layout is wrong.
func decode(b []byte) (r record, n int, err error) {
	if len(b) < hdrLen {
		return r, 0, errTorn
	}
	ln := binary.LittleEndian.Uint32(b[4:])
	if ln == 0 || ln > maxBody {
		return r, 0, ErrCorrupt // a zero length also rejects a zero-filled tail: crc32c of nothing is 0
	}
	n = hdrLen + int(ln)
	if len(b) < n {
		return r, 0, errTorn
	}
	if binary.LittleEndian.Uint32(b) != crc32.Checksum(b[4:n], castagnoli) {
		return r, 0, ErrCorrupt
	}
	body := b[hdrLen:n]
	r.kind = body[0]
	switch {
	case r.kind == kindMsg && len(body) >= msgFixed:
		r.seq = binary.LittleEndian.Uint64(body[1:])
		r.time = int64(binary.LittleEndian.Uint64(body[9:]))
		kl := int(body[17])
		if kl == 0 || len(body) < msgFixed+kl {
			return r, 0, ErrCorrupt
		}
		r.key = body[msgFixed : msgFixed+kl]
		r.body = body[msgFixed+kl:]
	case r.kind == kindDone && len(body) == doneLen-hdrLen:
		r.seq = binary.LittleEndian.Uint64(body[1:])
		r.how = body[9]
		if r.how != doneDelivered && r.how != doneDead {
			return r, 0, ErrCorrupt
		}
	case r.kind == kindDead && len(body) >= deadFixed:
		r.seq = binary.LittleEndian.Uint64(body[1:])
		r.time = int64(binary.LittleEndian.Uint64(body[9:]))
		r.deadAt = int64(binary.LittleEndian.Uint64(body[17:]))
		kl := int(body[25])
		rl := int(binary.LittleEndian.Uint16(body[26:]))
		if kl == 0 || len(body) < deadFixed+kl+rl {
			return r, 0, ErrCorrupt
		}
		r.key = body[deadFixed : deadFixed+kl]
		r.reason = body[deadFixed+kl : deadFixed+kl+rl]
		r.body = body[deadFixed+kl+rl:]
	default:
		return r, 0, ErrCorrupt
	}
	return r, n, nil
}
