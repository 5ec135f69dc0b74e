package queue

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the record decoder: it must not panic, and whatever it accepts
// must encode back to exactly the bytes it consumed.
func FuzzDecode(f *testing.F) {
	f.Add(appendMsg(nil, 7, 1700000000000000000, "monitor-1", []byte("MSH|^~\\&|MON|ICU\r")))
	f.Add(appendDone(nil, 7, doneDelivered))
	f.Add(appendDead(nil, 7, 1, 2, "monitor-1", "AR", []byte("MSH|^~\\&|")))
	f.Add(make([]byte, 16))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, n, err := decode(b)
		if err != nil {
			return
		}
		if n < hdrLen || n > len(b) {
			t.Fatalf("decoded %d of %d bytes", n, len(b))
		}
		var again []byte
		switch r.kind {
		case kindMsg:
			again = appendMsg(nil, r.seq, r.time, string(r.key), r.body)
		case kindDone:
			again = appendDone(nil, r.seq, r.how)
		case kindDead:
			again = appendDead(nil, r.seq, r.time, r.deadAt, string(r.key), string(r.reason), r.body)
		default:
			t.Fatalf("decoded kind %d", r.kind)
		}
		if !bytes.Equal(again, b[:n]) {
			t.Fatalf("re-encoded %x, decoded from %x", again, b[:n])
		}
	})
}
