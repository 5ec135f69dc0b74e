package hl7

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestParseTimeDate: ParseTimeIn gives the Time that time.Date gives for
// the parts it reads (what it returned before fixedDate), == equal (wall,
// monotonic and zone pointer), for random values with and without a UTC
// offset, read in UTC, a fixed zone and a zone with daylight saving, years
// 0000 to 9999, leap days and the parts left out included.
func TestParseTimeDate(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.FixedZone("", 3600) // no zone database: still a zone other than UTC
	}
	r := rand.New(rand.NewPCG(15, 40))
	for i := range 300000 {
		year := r.IntN(10000)
		switch i % 4 {
		case 0:
			year = 1900 + r.IntN(300)
		case 1:
			year = []int{0, 1, 4, 100, 399, 400, 1600, 1969, 1970, 2000, 2100, 9999}[r.IntN(12)]
		}
		month := 1 + r.IntN(12)
		day := 1 + r.IntN(daysIn(month, year))
		hour, minute, sec, frac := r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(10000)
		s := fmt.Sprintf("%04d%02d%02d%02d%02d%02d", year, month, day, hour, minute, sec)
		n := 4 + 2*r.IntN(6) // digits kept: 4 to 14
		s = s[:n]
		nsec := 0
		if n == 14 && r.IntN(2) == 0 {
			s += fmt.Sprintf(".%04d", frac)
			nsec = frac * 100000
		}
		// The parts left out take their lowest value.
		parts := []*int{&month, &day, &hour, &minute, &sec}
		for k := range parts {
			if 4+2*k >= n {
				*parts[k] = min(*parts[k], 0)
				if k < 2 {
					*parts[k] = 1
				}
			}
		}
		for _, loc := range []*time.Location{time.UTC, nil, time.FixedZone("", -5*3600), berlin} {
			in, wantLoc := s, loc
			if wantLoc == nil {
				wantLoc = time.UTC
			}
			if r.IntN(2) == 0 {
				oh, om := r.IntN(24), r.IntN(60)
				if r.IntN(3) == 0 {
					om = 0
				}
				sign, off := "+", (oh*60+om)*60
				if r.IntN(2) == 0 {
					sign, off = "-", -off
				}
				in += fmt.Sprintf("%s%02d%02d", sign, oh, om)
				wantLoc = time.UTC
				if off != 0 {
					wantLoc = time.FixedZone("", off)
				}
			}
			got, err := ParseTimeIn([]byte(in), loc)
			want := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, wantLoc)
			// FixedZone makes a new zone for an offset that is not whole
			// hours: compare those by instant and offset.
			_, gotOff := got.Zone()
			_, wantOff := want.Zone()
			same := got.Equal(want) && gotOff == wantOff && got.Location().String() == want.Location().String()
			if got.Location() == want.Location() {
				same = same && got == want
			}
			if err != nil || !same {
				t.Fatalf("ParseTimeIn(%q, %v) = %v, %v; want %v", in, loc, got, err, want)
			}
		}
	}
}
