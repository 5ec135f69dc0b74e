package hl7_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
)

func TestSplitBatch(t *testing.T) {
	const (
		m1 = "MSH|^~\\&|A|B|C|D|T||ORU^R01|1|P|2.6\rOBX|1|NM|x||1\r"
		m2 = "MSH|^~\\&|A|B|C|D|T||ORU^R01|2|P|2.6\rOBX|1|NM|x||2\r"
	)
	tests := []struct {
		name  string
		in    string
		want  []string
		err   error
		field int
	}{
		{"single", m1, []string{m1}, nil, 0},
		{"single without final CR", strings.TrimSuffix(m1, "\r"), []string{strings.TrimSuffix(m1, "\r")}, nil, 0},
		{"two back to back", m1 + m2, []string{m1, m2}, nil, 0},
		{"blank lines between", m1 + "\r\n\r\n" + m2, []string{m1, m2}, nil, 0},
		{"LF terminators", "MSH|^~\\&|A\nPID|1\nMSH|^~\\&|B\n", []string{"MSH|^~\\&|A\nPID|1", "MSH|^~\\&|B"}, nil, 0},
		{"batch", "BHS|^~\\&|A\r" + m1 + m2 + "BTS|2\r", []string{m1, m2}, nil, 0},
		{"file batch", "FHS|^~\\&|A\rBHS|^~\\&|A\r" + m1 + "BTS|1\rBHS|^~\\&|A\r" + m2 + "BTS|1\rFTS|2", []string{m1, m2}, nil, 0},
		{"custom delimiters", "BHS#$%@!#A\rMSH#$%@!#A\rPID#1\rBTS", []string{"MSH#$%@!#A\rPID#1\r"}, nil, 0},
		{"empty", "", nil, hl7.ErrNoMSH, 0},
		{"no header", "PID|1\r", nil, hl7.ErrNoMSH, 0},
		{"empty batch", "BHS|^~\\&|A\rBTS|0\r", nil, hl7.ErrNoMSH, 0},
		{"segment before MSH", "BHS|^~\\&|A\rPID|1\r" + m1, nil, hl7.ErrNoMSH, 0},
		{"segment after trailer", m1 + "BTS|1\rPID|1\r", nil, hl7.ErrNoMSH, 0},
		{"bad batch delimiters", "BHS|^^\\&|A\r" + m1, nil, hl7.ErrBadDelimiters, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := hl7.SplitBatch([]byte(tc.in), make([][]byte, 1, 4))
			if tc.err != nil {
				var pe *hl7.ParseError
				if !errors.As(err, &pe) || !errors.Is(err, tc.err) || pe.Field != tc.field {
					t.Fatalf("SplitBatch error = %v, want %v field %d", err, tc.err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, b := range got {
				s = append(s, string(b))
			}
			if strings.Join(s, "\x00") != strings.Join(tc.want, "\x00") {
				t.Errorf("SplitBatch = %q, want %q", s, tc.want)
			}
		})
	}
}

func TestSplitBatchFile(t *testing.T) {
	msgs, err := hl7.SplitBatch(readFile(t, "batch.hl7"), nil)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("SplitBatch = %d messages, %v", len(msgs), err)
	}
	for i, want := range []string{"B1", "B2"} {
		m := mustParse(t, msgs[i])
		if string(m.ControlID()) != want || m.NumSegments() != 2 {
			t.Errorf("message %d: control id %q, %d segments", i, m.ControlID(), m.NumSegments())
		}
	}
	buf := make([][]byte, 0, 4)
	frame := readFile(t, "batch.hl7")
	if allocs := testing.AllocsPerRun(50, func() { buf, _ = hl7.SplitBatch(frame, buf) }); allocs != 0 {
		t.Errorf("SplitBatch: %v allocs, want 0", allocs)
	}
}
