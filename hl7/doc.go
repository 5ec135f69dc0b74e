// Package hl7 reads and writes HL7 v2 messages in their pipe-delimited (ER7) form.
//
// A [Message] is a set of offsets into the bytes of one frame: parsing copies nothing,
// and the accessors return views ([]byte) that alias the frame. Fields, repetitions,
// components and subcomponents are found by scanning on demand, so a caller pays only
// for what it reads; [Segment.Fields] splits a segment in one scan when several of its
// fields are read, where each [Segment.Field] call scans from the segment's start. A Message can be reused; in steady state (*Message).Parse does
// not allocate.
//
// Typical use, one frame from an MLLP reader:
//
//	var m hl7.Message // reused for every frame of a connection
//	if err := m.Parse(frame); err != nil {
//		ack = hl7.AppendNak(ack[:0], frame, hl7.Ack{Code: hl7.AR, ErrorCode: 100, Reason: "bad header"})
//		...
//	}
//	typ, trigger, _ := m.MessageType()
//	fields := make([]hl7.Field, 0, 20) // reused too
//	for i := range m.NumSegments() {
//		s := m.Segment(i)
//		if string(s.Name()) != "OBX" {
//			continue
//		}
//		if fields = s.Fields(fields, 5); len(fields) > 5 { // one scan for OBX-1..5
//			code := fields[3].Component(1).Bytes() // e.g. 150456
//			value := fields[5].Bytes()             // raw; Delimiters.Unescape decodes text
//			...
//		}
//	}
//	ack = hl7.AppendAck(ack[:0], &m, hl7.Ack{Code: hl7.AA, ControlID: "1", Time: now})
//
// Parsing rules, chosen to match HAPI's PipeParser where it is sound:
//
//   - The message starts with an MSH segment (a UTF-8 byte order mark and white space
//     before it are skipped). MSH-1 and MSH-2 define the [Delimiters]; MSH-2 has four
//     characters, or five when the v2.7 truncation character is present. MSH-9.1 (message
//     type) and MSH-10 (control ID) must not be empty. Anything else wrong with the header
//     is a *[ParseError]. The rest of the message is read leniently.
//   - Segments end at CR. CRLF and LF are tolerated between segments, but a bare LF inside
//     a segment ends it only when what follows (after any further line breaks) looks like
//     a segment start — three letters or digits and the field separator — or is the end
//     of the input. Otherwise the LF is data: free text in OBX-5 or NTE-3 may contain
//     literal line breaks (deoxxa/hl7 PR #3). In header segments (MSH, FHS, BHS), which
//     carry no free text, every LF ends the segment.
//   - Leading spaces and tabs of a segment are skipped and blank segments dropped.
//   - Values are returned raw. [Delimiters.Unescape] decodes escape sequences,
//     [Delimiters.Escape] encodes them.
//
// Parsing costs time linear in the input whatever the segment terminator. Parse checks
// the header; [Message.CheckBody] checks the rest against configurable [BodyLimits]
// (control bytes, the MSH-18 character set, segment count and length) without
// allocating, for a receiver that must not relay a hostile body.
//
// [Builder] writes segments and fields, escaping values; [AppendAck] and [AppendNak]
// write acknowledgements without allocating, with an ERR code of HL7 table 0357
// ([CodeUnsupportedMessageType] and the other Code constants). [ParseAck] reads a
// station's answer, refusing an ambiguous one; [Message.IsAck] tells an acknowledgement,
// which is never answered. [SplitBatch] splits FHS/BHS batches and
// frames holding several messages. [ParseTime] and [AppendTime] read and write the
// DTM/TS timestamp format.
//
// Errors never contain message content: they name a segment, a field and a byte offset.
package hl7
