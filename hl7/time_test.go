package hl7_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

func TestParseTime(t *testing.T) {
	cet := time.FixedZone("", 3600)
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "2024", want: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{in: "202403", want: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{in: "20240315", want: time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)},
		{in: "2024031510", want: time.Date(2024, 3, 15, 10, 0, 0, 0, time.UTC)},
		{in: "202403151030", want: time.Date(2024, 3, 15, 10, 30, 0, 0, time.UTC)},
		{in: "20240315103059", want: time.Date(2024, 3, 15, 10, 30, 59, 0, time.UTC)},
		{in: "20240315103059.1", want: time.Date(2024, 3, 15, 10, 30, 59, 100e6, time.UTC)},
		{in: "20240315103059.1234", want: time.Date(2024, 3, 15, 10, 30, 59, 123400e3, time.UTC)},
		{in: "20240315103059.1234+0100", want: time.Date(2024, 3, 15, 10, 30, 59, 123400e3, cet)},
		{in: "20240315103000-0530", want: time.Date(2024, 3, 15, 16, 0, 0, 0, time.UTC)},
		{in: "20240315+0000", want: time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)},
		{in: "20240315103000^S", want: time.Date(2024, 3, 15, 10, 30, 0, 0, time.UTC)},
		{in: "20240229", want: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{in: "20000229", want: time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)},
		{in: "", bad: true},
		{in: "202", bad: true},
		{in: "20240", bad: true},
		{in: "2024031510305", bad: true},
		{in: "202403151030591", bad: true},
		{in: "20230229", bad: true},
		{in: "19000229", bad: true},
		{in: "20241301", bad: true},
		{in: "20240001", bad: true},
		{in: "20240431", bad: true},
		{in: "2024031524", bad: true},
		{in: "202403151060", bad: true},
		{in: "20240315103060", bad: true},
		{in: "202403151030.5", bad: true},
		{in: "20240315103000.", bad: true},
		{in: "20240315103000.12345", bad: true},
		{in: "20240315103000+01", bad: true},
		{in: "20240315103000+2400", bad: true},
		{in: "20240315103000+0160", bad: true},
		{in: "20240315103000Z", bad: true},
		{in: `""`, bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := hl7.ParseTime([]byte(tc.in))
			if tc.bad {
				if !errors.Is(err, hl7.ErrBadTime) {
					t.Errorf("ParseTime = %v, %v; want ErrBadTime", got, err)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("ParseTime = %v, %v; want %v", got, err, tc.want)
			}
			_, off := got.Zone()
			_, wantOff := tc.want.In(got.Location()).Zone()
			if off != wantOff {
				t.Errorf("offset = %d, want %d", off, wantOff)
			}
		})
	}
}

func TestParseTimeIn(t *testing.T) {
	loc := time.FixedZone("ward", -4*3600)
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"20240315103000", loc, time.Date(2024, 3, 15, 14, 30, 0, 0, time.UTC)},
		{"20240315103000+0000", loc, time.Date(2024, 3, 15, 10, 30, 0, 0, time.UTC)},
		{"20240315103000", nil, time.Date(2024, 3, 15, 10, 30, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		got, err := hl7.ParseTimeIn([]byte(tc.in), tc.loc)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseTimeIn(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestAppendTime(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2024, 3, 15, 10, 30, 0, 0, time.UTC), "20240315103000+0000"},
		{time.Date(2024, 3, 15, 10, 30, 5, 123456789, time.UTC), "20240315103005.1234+0000"},
		{time.Date(2024, 3, 15, 10, 30, 5, 50000, time.UTC), "20240315103005+0000"},
		{time.Date(2024, 3, 15, 10, 30, 5, 0, time.FixedZone("", -(5*3600+30*60))), "20240315103005-0530"},
		{time.Date(987, 1, 2, 3, 4, 5, 0, time.FixedZone("", 14*3600)), "09870102030405+1400"},
	}
	for _, tc := range tests {
		got := string(hl7.AppendTime([]byte("x"), tc.t))
		if got != "x"+tc.want {
			t.Errorf("AppendTime(%v) = %q, want %q", tc.t, got, tc.want)
		}
		back, err := hl7.ParseTime([]byte(got[1:]))
		if err != nil || !back.Equal(tc.t.Truncate(100*time.Microsecond)) {
			t.Errorf("ParseTime(AppendTime(%v)) = %v, %v", tc.t, back, err)
		}
	}
}
