package hl7

import (
	"fmt"
	"time"
)

// ParseTime parses an HL7 DTM or TS value:
//
//	YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]
//
// Anything from the first ^ on (the TS degree-of-precision component) is
// ignored; with other delimiters pass Field.Component(1).Bytes(). A value
// without a UTC offset is read as UTC; use ParseTimeIn to read it in the
// sender's zone instead. Missing parts take their lowest value (a date alone
// is midnight). Errors wrap ErrBadTime.
func ParseTime(b []byte) (time.Time, error) { return ParseTimeIn(b, time.UTC) }

// ParseTimeIn is ParseTime, but a value without a UTC offset is read in loc
// (UTC when loc is nil).
func ParseTimeIn(b []byte, loc *time.Location) (time.Time, error) {
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
	// num returns the pair of digits at i, or missing when n ends before it.
	num := func(i, missing int) int {
		if i >= n {
			return missing
		}
		return int(b[i]-'0')*10 + int(b[i+1]-'0')
	}
	year, month, day := num(0, 0)*100+num(2, 0), num(4, 1), num(6, 1)
	hour, minute, sec, nsec := num(8, 0), num(10, 0), num(12, 0), 0
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
		return fixedDate(year, month, day, hour, minute, sec, nsec, off, loc), nil
	}
	if loc == time.UTC {
		return fixedDate(year, month, day, hour, minute, sec, nsec, 0, loc), nil
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc), nil
}

// fixedDate is time.Date for a valid date and time in loc, a zone whose
// offset from UTC is always off seconds (UTC, time.FixedZone): the same
// Time, without Date's normalisation and zone lookup.
func fixedDate(year, month, day, hour, minute, sec, nsec, off int, loc *time.Location) time.Time {
	// Days from 1970-01-01 to the date in the proleptic Gregorian calendar
	// (H. Hinnant's days_from_civil, in eras of 400 years).
	y := int64(year)
	if month <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era-- // floor division
	}
	yoe := y - era*400                                    // [0, 399]
	doy := (153*int64((month+9)%12)+2)/5 + int64(day) - 1 // [0, 365], from March 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy                // [0, 146096]
	days := era*146097 + doe - 719468
	unix := days*86400 + int64(hour*3600+minute*60+sec) - int64(off)
	return time.Unix(unix, int64(nsec)).In(loc)
}

func badTime(what string) error { return fmt.Errorf("%w: %s", ErrBadTime, what) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// AppendTime appends t as YYYYMMDDHHMMSS[.ffff]+ZZZZ in t's own zone. The
// fraction (tenths of milliseconds, truncated) is written only when it is not
// zero. Seconds of the UTC offset, which only historic zones have, are dropped.
func AppendTime(dst []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	dst = appendDigits(dst, year, 4)
	dst = appendDigits(dst, int(month), 2)
	dst = appendDigits(dst, day, 2)
	dst = appendDigits(dst, hour, 2)
	dst = appendDigits(dst, minute, 2)
	dst = appendDigits(dst, sec, 2)
	if frac := t.Nanosecond() / 100000; frac != 0 {
		dst = append(dst, '.')
		dst = appendDigits(dst, frac, 4)
	}
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	dst = append(dst, sign)
	dst = appendDigits(dst, off/3600, 2)
	return appendDigits(dst, off/60%60, 2)
}

// appendDigits appends n (n >= 0) zero-padded to at least width digits.
func appendDigits(dst []byte, n, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for n >= 10 || width > 1 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		width--
	}
	i--
	buf[i] = byte('0' + n%10)
	return append(dst, buf[i:]...)
}
