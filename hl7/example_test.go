package hl7_test

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

func Example() {
	frame := []byte("MSH|^~\\&|MON^0009FBFFFF059322^EUI-64|ICU|CS|HOSP|20240315103000+0100||ORU^R01^ORU_R01|42|P|2.6\r" +
		"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC||||||R\r" +
		"OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|97|262688^MDC_DIM_PERCENT^MDC||||||R\r")
	var m hl7.Message
	if err := m.Parse(frame); err != nil {
		fmt.Println(err)
		return
	}
	typ, trigger, _ := m.MessageType()
	fmt.Printf("%s^%s control id %s\n", typ, trigger, m.ControlID())
	for i := range m.NumSegments() {
		if s := m.Segment(i); string(s.Name()) == "OBX" {
			fmt.Printf("%s = %s %s\n", s.Field(3).Component(2).Bytes(), s.Field(5).Bytes(), s.Field(6).Component(2).Bytes())
		}
	}
	device, _ := m.Get("MSH-3.2")
	fmt.Printf("device %s\n", device)
	// Output:
	// ORU^R01 control id 42
	// MDC_ECG_HEART_RATE = 72 MDC_DIM_BEAT_PER_MIN
	// MDC_PULS_OXIM_SAT_O2 = 97 MDC_DIM_PERCENT
	// device 0009FBFFFF059322
}

func ExampleAppendAck() {
	m, err := hl7.Parse([]byte("MSH|^~\\&|MON|ICU|CS|HOSP|20240315103000||ORU^R01^ORU_R01|42|P|2.6\rPID|1\r"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ack := hl7.AppendAck(nil, m, hl7.Ack{
		Code:      hl7.AR,
		ErrorCode: 207,
		Reason:    "no station accepted the message",
		ControlID: "GW-1",
		Time:      time.Date(2024, 3, 15, 10, 30, 1, 0, time.UTC),
	})
	for _, seg := range splitCR(ack) {
		fmt.Println(seg)
	}
	// Output:
	// MSH|^~\&|CS|HOSP|MON|ICU|20240315103001+0000||ACK^R01^ACK|GW-1|P|2.6
	// MSA|AR|42
	// ERR|||207^Application internal error^HL70357|E||||no station accepted the message
}

func ExampleAppendNak() {
	broken := []byte("MSH|^~\\&|MON|ICU|CS|HOSP|20240315103000|||43|P|2.6\r") // MSH-9 missing
	_, err := hl7.Parse(broken)
	fmt.Println(err)
	nak := hl7.AppendNak(nil, broken, hl7.Ack{Code: hl7.AR, ErrorCode: 101, Reason: "MSH-9 missing", ControlID: "GW-2"})
	for _, seg := range splitCR(nak) {
		fmt.Println(seg)
	}
	// Output:
	// hl7: empty message type at offset 41 (segment 0 MSH-9)
	// MSH|^~\&|CS|HOSP|MON|ICU|||ACK|GW-2|P|2.6
	// MSA|AR|43
	// ERR|||101^Required field missing^HL70357|E||||MSH-9 missing
}

// ExampleBuilder writes an IHE PCD-04 alert (ORU^R40).
func ExampleBuilder() {
	at := time.Date(2024, 3, 15, 10, 30, 0, 0, time.UTC)
	b := hl7.NewBuilder(hl7.DefaultDelimiters(), nil)
	b.Segment("MSH").Field("HL7GATE").Field("ICU").Field("CS").Field("HOSP").Time(at).Skip(1).
		Field("ORU").Component("R40").Component("ORU_R40").Field("ALERT-7").Field("P").Field("2.6")
	b.Segment("OBR").Field("1").Skip(1).Field("ALERT-7").Field("196616").Component("MDC_EVT_ALARM").Component("MDC")
	b.Segment("OBX").Field("1").Field("ST").Field("0").Component("MDC_EVT_MSG").Component("MDC").
		Field("1.0.0.0.1").Field("SpO2 97% | HR 72 (check: values & limits)")
	for _, seg := range splitCR(b.Bytes()) {
		fmt.Println(seg)
	}
	// Output:
	// MSH|^~\&|HL7GATE|ICU|CS|HOSP|20240315103000+0000||ORU^R40^ORU_R40|ALERT-7|P|2.6
	// OBR|1||ALERT-7|196616^MDC_EVT_ALARM^MDC
	// OBX|1|ST|0^MDC_EVT_MSG^MDC|1.0.0.0.1|SpO2 97% \F\ HR 72 (check: values \T\ limits)
}

func ExampleDelimiters_Unescape() {
	d := hl7.DefaultDelimiters()
	fmt.Printf("%q\n", d.Unescape(nil, []byte(`A\F\B\S\C\.br\D \X4849\ \H\kept\N\ 50\ mg`)))
	fmt.Printf("%s\n", d.Escape(nil, []byte("a|b^c\r")))
	// Output:
	// "A|B^C\rD HI \\H\\kept\\N\\ 50\\ mg"
	// a\F\b\S\c\X0D\
}

func ExampleSplitBatch() {
	frame := []byte("BHS|^~\\&|MON\rMSH|^~\\&|MON||||||ORU^R01|1\rOBX|1\rMSH|^~\\&|MON||||||ORU^R01|2\rBTS|2\r")
	msgs, err := hl7.SplitBatch(frame, nil)
	fmt.Println(len(msgs), err)
	for _, msg := range msgs {
		m, err := hl7.Parse(msg)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: %d segments\n", m.ControlID(), m.NumSegments())
	}
	// Output:
	// 2 <nil>
	// 1: 2 segments
	// 2: 1 segments
}

func ExampleParseTime() {
	t, err := hl7.ParseTime([]byte("20240315103000.25-0500^S"))
	fmt.Println(t.UTC(), err)
	fmt.Printf("%s\n", hl7.AppendTime(nil, t))
	// Output:
	// 2024-03-15 15:30:00.25 +0000 UTC <nil>
	// 20240315103000.2500-0500
}

// splitCR splits a message into its segments for printing.
func splitCR(b []byte) []string {
	var segs []string
	start := 0
	for i, c := range b {
		if c == '\r' {
			segs = append(segs, string(b[start:i]))
			start = i + 1
		}
	}
	return segs
}

func ExampleSegment_Fields() {
	m, err := hl7.Parse([]byte("MSH|^~\\&|MON|ICU|CS|HOSP|20240315103000||ORU^R01|42|P|2.6\r" +
		"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1|97|262688^MDC_DIM_PERCENT^MDC|||||R\r"))
	if err != nil {
		panic(err)
	}
	obx, _ := m.Find("OBX", 1)
	f := obx.Fields(nil, 6) // OBX-0 (the name) through OBX-6, in one scan
	fmt.Printf("%s %s %s\n", f[3].Component(1).Bytes(), f[5].Bytes(), f[6].Component(2).Bytes())
	// Output: 150456 97 MDC_DIM_PERCENT
}

func ExampleMessage_CheckBody() {
	frame := []byte("MSH|^~\\&|MON|ICU|CS|HOSP|20240315103000||ORU^R01^ORU_R01|42|P|2.6|||NE|AL||UNICODE UTF-8\r" +
		"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|9\x007|262688^MDC_DIM_PERCENT^MDC||||||R\r")
	var m hl7.Message
	if err := m.Parse(frame); err != nil {
		fmt.Println(err)
		return
	}
	if err := m.CheckBody(hl7.BodyLimits{}); err != nil {
		var be *hl7.BodyError
		if errors.As(err, &be) {
			ack := hl7.AppendAck(nil, &m, hl7.Ack{Code: hl7.AR, ErrorCode: be.ErrorCode(), Reason: err.Error(), ControlID: "GW1"})
			fmt.Printf("%q\n", ack[bytes.Index(ack, []byte("MSA")):])
		}
	}
	// Output:
	// "MSA|AR|42\rERR|||102^Data type error^HL70357|E||||hl7: control character 0x00 at offset 144 (segment 1 field 5)\r"
}
