// Package utils holds small helpers shared by several packages: Redis's
// number parsing and formatting rules and its argument splitter.
package utils

import (
	"math"
	"strconv"
	"strings"
)

// ParseInt parses b with Redis's string2ll rules: optional '-', no '+', no
// leading zeros, no spaces, at most 20 characters, within int64.
func ParseInt(b []byte) (int64, bool) {
	n := len(b)
	if n == 0 || n > 20 {
		return 0, false
	}
	if n == 1 && b[0] == '0' {
		return 0, true
	}
	i := 0
	neg := false
	if b[0] == '-' {
		neg = true
		i++
		if i == n {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < n; i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		d := uint64(c - '0')
		if v > math.MaxUint64-d {
			return 0, false
		}
		v += d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// ParseIntString is ParseInt for a string.
func ParseIntString(s string) (int64, bool) {
	// The conversion does not escape, so it does not allocate.
	return ParseInt([]byte(s))
}

// ParseFloat parses b as Redis parses a double argument (strtod on the
// whole string): no leading space, nothing left over, no NaN. Infinity is
// accepted as "inf", "+inf", "-inf", "infinity" in any case; hex floats as
// C writes them ("0x10" is 16).
func ParseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || isSpace(b[0]) {
		return 0, false
	}
	s := string(b)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		ne, ok := err.(*strconv.NumError)
		if ok && ne.Err == strconv.ErrRange {
			// strtod reports ERANGE on overflow and on underflow; Redis
			// refuses both... except it accepts denormal results. Treat
			// overflow as invalid; underflow to zero as invalid too.
			return 0, false
		}
		f, ok = parseCHex(s)
		if !ok {
			return 0, false
		}
	}
	if math.IsNaN(f) {
		return 0, false
	}
	if f == 0 && nonZeroMantissa(s) {
		// strtod underflowed to zero and set ERANGE: Redis refuses it.
		return 0, false
	}
	if strings.ContainsRune(s, '_') {
		// Go accepts digit separators in some forms; C never does.
		return 0, false
	}
	return f, true
}

// parseCHex accepts C hexadecimal floats without a binary exponent
// ("0x1A", "-0x1.8"), which Go refuses and strtod accepts.
func parseCHex(s string) (float64, bool) {
	t := s
	if len(t) > 0 && (t[0] == '-' || t[0] == '+') {
		t = t[1:]
	}
	if len(t) < 3 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X') {
		return 0, false
	}
	if strings.ContainsAny(t, "pP_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s+"p0", 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// AppendLongDouble formats f as Redis formats INCRBYFLOAT and HINCRBYFLOAT
// results (ld2string in LD_STR_HUMAN mode: "%.17Lf" with trailing zeros and
// a trailing dot removed). Go has no long double, so the 17 digits come from
// the float64 value.
func AppendLongDouble(b []byte, f float64) []byte {
	if math.IsInf(f, 1) {
		return append(b, "inf"...)
	}
	if math.IsInf(f, -1) {
		return append(b, "-inf"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', 17, 64)
	if i := strings.IndexByte(string(b[start:]), '.'); i >= 0 {
		end := len(b)
		for end > start && b[end-1] == '0' {
			end--
		}
		if end > start && b[end-1] == '.' {
			end--
		}
		b = b[:end]
	}
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}

// nonZeroMantissa reports whether a float's text has a non-zero digit
// before its exponent.
func nonZeroMantissa(s string) bool {
	hex := strings.HasPrefix(strings.TrimLeft(s, "+-"), "0x") || strings.HasPrefix(strings.TrimLeft(s, "+-"), "0X")
	if hex {
		s = strings.TrimLeft(s, "+-")[2:]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '1' && c <= '9':
			return true
		case hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')):
			return true
		case c == 'e' || c == 'E':
			if !hex {
				return false
			}
		case c == 'p' || c == 'P':
			return false
		}
	}
	return false
}
