package loadgen

import (
	"bytes"
	"errors"
	"testing"
)

func TestVerify(t *testing.T) {
	// Two monitors; message (m, k) has ID 100*m+k and content hash 1000+ID.
	sent := func(ans ...Outcome) [][]Record {
		out := make([][]Record, 2)
		for m := range out {
			for k := range 3 {
				id := uint64(100*m + k)
				a := AckAA
				if len(ans) > 0 {
					a = ans[(3*m+k)%len(ans)]
				}
				out[m] = append(out[m], Record{ID: id, Sum: 1000 + id, Answer: a})
			}
		}
		return out
	}
	rec := func(id uint64) Record { return Record{ID: id, Sum: 1000 + id, Answer: AckAA} }
	interleaved := []Record{rec(0), rec(100), rec(1), rec(101), rec(2), rec(102)}
	tests := []struct {
		name    string
		sent    [][]Record
		station []Record
		want    Verification
		failed  bool
	}{
		{"all delivered, interleaved monitors", sent(), interleaved,
			Verification{Received: 6}, false},
		{"lost after AA", sent(), []Record{rec(0), rec(100), rec(1), rec(101), rec(102)},
			Verification{Received: 5, Lost: 1}, true},
		{"missing but never positively acked is not lost", sent(AckAA, AckAA, NoAck, AckAA, AckAA, AckAE), []Record{rec(0), rec(100), rec(1), rec(101)},
			Verification{Received: 4}, false},
		{"duplicate", sent(), append(interleaved, rec(101)),
			Verification{Received: 6, Duplicated: 1}, true},
		{"reorder within one monitor", sent(), []Record{rec(0), rec(2), rec(100), rec(1), rec(101), rec(102)},
			Verification{Received: 6, OutOfOrder: 1}, true},
		{"corrupted content", sent(), []Record{rec(0), rec(100), {ID: 1, Sum: 7, Answer: AckAA}, rec(101), rec(2), rec(102)},
			Verification{Received: 6, Corrupted: 1}, true},
		{"station said AE, monitor got AA", sent(), []Record{rec(0), rec(100), {ID: 1, Sum: 1001, Answer: AckAE}, rec(101), rec(2), rec(102)},
			Verification{Received: 6, FalseAcked: 1}, true},
		{"station silent, monitor got AA", sent(), []Record{rec(0), rec(100), rec(1), rec(101), rec(2), {ID: 102, Sum: 1102, Answer: NoAck}},
			Verification{Received: 6, FalseAcked: 1}, true},
		{"unexpected extra message", sent(), append(interleaved, rec(999)),
			Verification{Received: 6, Unexpected: 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Verify(tc.sent, tc.station)
			if got != tc.want {
				t.Errorf("Verify = %+v\nwant     %+v", got, tc.want)
			}
			if got.Failed() != tc.failed {
				t.Errorf("Failed = %v, want %v", got.Failed(), tc.failed)
			}
		})
	}
}

func TestRecordsRoundTrip(t *testing.T) {
	recs := []Record{{ID: 1, Sum: 2, Answer: AckAA}, {ID: 1<<64 - 1, Sum: 0, Answer: NoAck}, {ID: 3, Sum: 4, Answer: AckMismatch}}
	var buf bytes.Buffer
	if err := WriteRecords(&buf, recs); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != len(recordsMagic)+8+len(recs)*recordSize {
		t.Fatalf("encoded %d bytes", buf.Len())
	}
	got, err := ReadRecords(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(recs) {
		t.Fatalf("got %d records, want %d", len(got), len(recs))
	}
	for i := range recs {
		if got[i] != recs[i] {
			t.Errorf("record %d = %+v, want %+v", i, got[i], recs[i])
		}
	}

	bad := map[string][]byte{
		"empty":         nil,
		"wrong magic":   []byte("XXXXXXXX\x00\x00\x00\x00\x00\x00\x00\x00"),
		"truncated":     buf.Bytes()[:buf.Len()-1],
		"huge count":    append([]byte(recordsMagic), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
		"wrong outcome": append(append([]byte(recordsMagic), 1, 0, 0, 0, 0, 0, 0, 0), make([]byte, 16)...),
	}
	bad["wrong outcome"] = append(bad["wrong outcome"], byte(numOutcomes))
	for name, b := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := ReadRecords(bytes.NewReader(b)); !errors.Is(err, ErrBadRecords) {
				t.Errorf("ReadRecords = %v, want ErrBadRecords", err)
			}
		})
	}
}

func TestParseAckMode(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"AA", "AA", false},
		{"ae", "AE", false},
		{"AR", "AR", false},
		{"slow:25ms", "slow:25ms", false},
		{"silent", "silent", false},
		{"close", "close", false},
		{"slow:soon", "", true},
		{"slow:-1s", "", true},
		{"CA", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			m, err := ParseAckMode(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrBadAckMode) {
					t.Fatalf("ParseAckMode(%q) error = %v, want ErrBadAckMode", tc.in, err)
				}
				return
			}
			if err != nil || m.String() != tc.want {
				t.Errorf("ParseAckMode(%q) = %v, %v; want %s", tc.in, m, err, tc.want)
			}
		})
	}
}

func BenchmarkHash64(b *testing.B) {
	msg := bytes.Repeat([]byte("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC\r"), 200)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		hash64(msg)
	}
}
