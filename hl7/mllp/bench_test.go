package mllp

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

var benchSizes = []int{1 << 10, 16 << 10}

func BenchmarkReadFrame(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			// Enough frames back to back that each read fills the buffer.
			stream := strings.Repeat(frame(strings.Repeat("x", size)), max(1, (64<<10)/size))
			r := NewReader(&loopReader{data: []byte(stream)}, 0)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.ReadFrame(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkWriteFrame(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			p := []byte(strings.Repeat("x", size))
			w := NewWriter(io.Discard)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := w.WriteFrame(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
