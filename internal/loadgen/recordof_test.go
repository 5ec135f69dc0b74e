package loadgen

import (
	"context"
	"net"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// TestRecordOf sends a message to a Station and checks that RecordOf names the record the station kept.
func TestRecordOf(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	st := NewStation(AckMode{Code: hl7.AA})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- st.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	msg := []byte("MSH|^~\\&|MON|ICU|CS|HOSP|20261125120000||ORU^R01^ORU_R01|CTRL-7|P|2.6\rOBX|1|NM|HR||72\r")
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := mllp.NewWriter(c).WriteFrame(msg); err != nil {
		t.Fatal(err)
	}
	if _, err := mllp.NewReader(c, 0).ReadFrame(); err != nil {
		t.Fatal(err)
	}
	want, err := RecordOf(msg)
	if err != nil {
		t.Fatal(err)
	}
	want.Answer = AckAA
	if got := st.Records(); len(got) != 1 || got[0] != want {
		t.Errorf("station kept %+v, RecordOf says %+v", got, want)
	}
	if _, err := RecordOf([]byte("not HL7")); err == nil {
		t.Error("RecordOf accepted a non-HL7 message")
	}
}
