package vitals

// parseNumber reads an HL7 NM value: optional leading spaces, an optional sign,
// digits with at most one decimal point, optional trailing spaces. It does not
// allocate. ok is false for anything else (empty, exponent, several points,
// more than 15 significant digits or 22 decimals).
func parseNumber(b []byte) (v float64, ok bool) {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return 0, false
	}
	neg := false
	switch b[0] {
	case '-':
		neg = true
		b = b[1:]
	case '+':
		b = b[1:]
	}
	var mant uint64
	digits, sig, frac := 0, 0, 0
	point := false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			digits++
			if mant > 0 || c != '0' {
				sig++
			}
			if point {
				frac++
			}
			if sig > 15 || frac >= len(pow10) {
				return 0, false
			}
			mant = mant*10 + uint64(c-'0')
		case c == '.' && !point:
			point = true
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	v = float64(mant) / pow10[frac]
	if neg {
		v = -v
	}
	return v, true
}

// pow10 holds the exact powers of ten a float64 can represent.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// isSentinel reports whether v is a value that devices send to mean "no
// measurement": the IEEE 11073-20601 FLOAT special values (NaN 8388607, NRes
// -8388608, +INF 8388606, -INF -8388606, reserved -8388607), the same for
// SFLOAT (2047, -2048, 2046, -2046, -2047), and the placeholders -999 and
// -9999 seen in vendor exports. None of them is a possible vital sign.
func isSentinel(v float64) bool {
	if v > -999 && v < 2046 { // every vital sign: one test instead of twelve
		return false
	}
	switch v {
	case 8388607, -8388608, 8388606, -8388606, -8388607,
		2047, -2048, 2046, -2046, -2047,
		-999, -9999:
		return true
	}
	return false
}
