package mllp_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/hl7gate/hl7gate/hl7/mllp"
)

func Example() {
	var conn bytes.Buffer // stands in for a net.Conn
	w := mllp.NewWriter(&conn)
	if err := w.WriteFrame([]byte("MSH|^~\\&|MON|ICU|CS|ICU|||ORU^R01|42|P|2.6\r")); err != nil {
		panic(err)
	}
	if err := w.WriteCommit(true); err != nil {
		panic(err)
	}

	r := mllp.NewReader(&conn, mllp.DefaultMaxFrame)
	for {
		msg, err := r.ReadFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		fmt.Printf("%q commit=%v\n", msg, mllp.IsCommitACK(msg))
	}
	// Output:
	// "MSH|^~\\&|MON|ICU|CS|ICU|||ORU^R01|42|P|2.6\r" commit=false
	// "\x06" commit=true
}

// A Reader resynchronises after broken input: it skips junk between frames,
// cuts a frame interrupted by a new start block, and cuts an oversized one,
// returning its first bytes so that the caller can still answer it.
func ExampleReader_ReadFrame() {
	in := "\x00junk\r\n" +
		"\x0bMSH|1" + // interrupted by the next start block
		"\x0bMSH|2\x1c\r" +
		"\x0bMSH|3 far too long for the limit\x1c\r" +
		"\x0bMSH|4\x1c\r"
	r := mllp.NewReader(bytes.NewReader([]byte(in)), 8)
	for {
		msg, err := r.ReadFrame()
		switch {
		case err == io.EOF:
			fmt.Println("skipped", r.Skipped(), "bytes")
			return
		case errors.Is(err, mllp.ErrTruncated), errors.Is(err, mllp.ErrFrameTooLarge):
			fmt.Printf("%q: %v\n", msg, err)
		case err != nil:
			fmt.Println(err)
			return
		default:
			fmt.Printf("%q\n", msg)
		}
	}
	// Output:
	// "MSH|1": mllp: frame truncated by a new start block
	// "MSH|2"
	// "MSH|3 fa": mllp: frame exceeds size limit
	// "MSH|4"
	// skipped 7 bytes
}
