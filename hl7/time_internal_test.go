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

// parseTimeInDate is ParseTimeIn as it was before fixedDate (main at
// d984976): every time built by time.Date. FuzzParseTimeDate compares the
// two.
func parseTimeInDate(b []byte, loc *time.Location) (time.Time, error) {
	for i, c := range b {
		if c == '^' {
			b = b[:i]
			break
		}
	}
	n := 0
	for n < len(b) && n < 14 && isDigit(b[n]) {
		n++
	}
	if n < 4 || n%2 != 0 {
		return time.Time{}, badTime("date and time need 4 to 14 digits in pairs")
	}
	num := func(i int) int { return int(b[i]-'0')*10 + int(b[i+1]-'0') }
	year, month, day := num(0)*100+num(2), 1, 1
	var hour, minute, sec, nsec int
	for i, p := range []*int{&month, &day, &hour, &minute, &sec} {
		if 4+2*i < n {
			*p = num(4 + 2*i)
		}
	}
	rest := b[n:]
	if len(rest) > 0 && rest[0] == '.' {
		if n != 14 {
			return time.Time{}, badTime("fraction without seconds")
		}
		k := 1
		scale := int(time.Second)
		for k < len(rest) && k <= 4 && isDigit(rest[k]) {
			scale /= 10
			nsec += int(rest[k]-'0') * scale
			k++
		}
		if k == 1 {
			return time.Time{}, badTime("empty fraction")
		}
		rest = rest[k:]
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, badTime("value out of range")
	}
	if loc == nil {
		loc = time.UTC
	}
	if len(rest) > 0 {
		if len(rest) != 5 || rest[0] != '+' && rest[0] != '-' ||
			!isDigit(rest[1]) || !isDigit(rest[2]) || !isDigit(rest[3]) || !isDigit(rest[4]) {
			return time.Time{}, badTime("offset is not +/-HHMM")
		}
		oh, om := int(rest[1]-'0')*10+int(rest[2]-'0'), int(rest[3]-'0')*10+int(rest[4]-'0')
		if oh > 23 || om > 59 {
			return time.Time{}, badTime("offset out of range")
		}
		off := (oh*60 + om) * 60
		if rest[0] == '-' {
			off = -off
		}
		loc = time.UTC
		if off != 0 {
			loc = time.FixedZone("", off)
		}
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc), nil
}

// FuzzParseTimeDate (review40b): for any bytes and a zone to read them in
// (nil, UTC, whole-hour and half-hour fixed zones, a zone with daylight
// saving), ParseTimeIn returns what it returned with time.Date
// (parseTimeInDate): the same error, and the same Time, == equal where the
// zone is a shared pointer (nil, UTC, a loc passed in, time.FixedZone's
// cached whole hours), else the same instant, wall fields, zone name and
// offset (a fresh FixedZone per call on both paths).
func FuzzParseTimeDate(f *testing.F) {
	for _, s := range []string{
		"20260105081720", "20260105081720.1234+0530", "00000229", "00000101", "99991231235959.9999-2359",
		"99991231235959+2359", "20250229", "21000229", "20000229", "19691231235959-0001", "19700101000000+0000",
		"16000229120000-0930", "0000", "99", "2026010508172", "20261301", "20260132", "20260105240000",
		"20260105236000", "20260105235960", "20260105081720.", "2026010508.5", "20260105081720+2400",
		"20260105081720+0060", "20260105081720-0000", "20260105081720+05", "20260105^S", "1970010100+1400",
	} {
		for k := range uint8(5) {
			f.Add([]byte(s), k)
		}
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.FixedZone("CET", 3600)
	}
	locs := []*time.Location{nil, time.UTC, time.FixedZone("", -5*3600), time.FixedZone("X", 5*3600+1800), berlin}
	f.Fuzz(func(t *testing.T, b []byte, k uint8) {
		loc := locs[int(k)%len(locs)]
		got, gerr := ParseTimeIn(b, loc)
		want, werr := parseTimeInDate(b, loc)
		if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
			t.Fatalf("ParseTimeIn(%q, %v): error %v, with time.Date %v", b, loc, gerr, werr)
		}
		if gerr != nil {
			return
		}
		gn, goff := got.Zone()
		wn, woff := want.Zone()
		same := got.Equal(want) && gn == wn && goff == woff && got.Location().String() == want.Location().String() &&
			got.UnixNano() == want.UnixNano() && got.YearDay() == want.YearDay() && got.Weekday() == want.Weekday() &&
			got.String() == want.String()
		if got.Location() == want.Location() {
			same = same && got == want
		} else if _, off := want.Zone(); off%3600 == 0 && off >= -12*3600 && off <= 14*3600 {
			same = false // time.FixedZone shares whole hours' zones: a fresh one here would break ==
		}
		if !same {
			t.Fatalf("ParseTimeIn(%q, %v) = %#v, with time.Date %#v", b, loc, got, want)
		}
	})
}
