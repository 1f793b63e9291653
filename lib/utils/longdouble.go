package utils

import (
	"math/big"
	"strings"
)

// Redis computes INCRBYFLOAT and HINCRBYFLOAT in C's long double: on the
// x86-64 machines Redis is built for, an 80-bit float with a 64-bit
// mantissa. These helpers reproduce it with math/big at that precision.

const (
	ldPrec = 64
	// ldMaxExp and ldMinExp bound the exponent (as big.Float.MantExp gives
	// it) of finite, non-zero long doubles, denormals included.
	ldMaxExp = 16384
	ldMinExp = -16444
)

// ParseLongDouble parses b as Redis's getLongDoubleFromObject does
// (strtold on the whole string): no leading space, nothing left over, no
// NaN, and no overflow or underflow to zero. "inf" and "infinity" in any
// case are accepted.
func ParseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || isSpace(b[0]) || len(b) > 5000 {
		return nil, false
	}
	s := string(b)
	if strings.ContainsRune(s, '_') {
		return nil, false
	}
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return nil, false
	}
	neg := s[0] == '-'
	switch strings.ToLower(body) {
	case "inf", "infinity":
		return new(big.Float).SetInf(neg), true
	}
	if strings.ContainsAny(strings.ToLower(body), "in") && !strings.HasPrefix(strings.ToLower(body), "0x") {
		return nil, false
	}
	f, _, err := big.ParseFloat(s, 0, ldPrec, big.ToNearestEven)
	if err != nil {
		return nil, false
	}
	if !inLongDoubleRange(f) {
		return nil, false
	}
	return f, true
}

// inLongDoubleRange reports whether f is representable without strtold
// setting ERANGE with an infinite or zero result.
func inLongDoubleRange(f *big.Float) bool {
	if f.IsInf() || f.Sign() == 0 {
		return true
	}
	exp := f.MantExp(nil)
	return exp <= ldMaxExp && exp >= ldMinExp
}

// AddLongDouble returns a+b rounded to long double precision; ok is false
// when the result is NaN or infinite (Redis's "increment would produce NaN
// or Infinity").
func AddLongDouble(a, b *big.Float) (*big.Float, bool) {
	if a.IsInf() || b.IsInf() {
		return nil, false
	}
	z := new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven).Add(a, b)
	if z.Sign() != 0 && z.MantExp(nil) > ldMaxExp {
		return nil, false
	}
	return z, true
}

// AppendLongDoubleText formats f as Redis's ld2string in human mode:
// "%.17Lf" with trailing zeros and a trailing dot removed, "-0" as "0".
func AppendLongDoubleText(dst []byte, f *big.Float) []byte {
	if f.IsInf() {
		if f.Sign() < 0 {
			return append(dst, "-inf"...)
		}
		return append(dst, "inf"...)
	}
	start := len(dst)
	dst = f.Append(dst, 'f', 17)
	end := len(dst)
	for end > start && dst[end-1] == '0' {
		end--
	}
	if end > start && dst[end-1] == '.' {
		end--
	}
	dst = dst[:end]
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}

// IncrByFloat adds the text incr to the text cur (empty cur is 0) the way
// INCRBYFLOAT does. curOK and incrOK report whether each parsed; finite is
// false when the sum is NaN or infinite.
func IncrByFloat(cur, incr []byte) (result []byte, curOK, incrOK, finite bool) {
	a := new(big.Float)
	if cur != nil {
		var ok bool
		if a, ok = ParseLongDouble(cur); !ok {
			return nil, false, true, true
		}
	}
	b, ok := ParseLongDouble(incr)
	if !ok {
		return nil, true, false, true
	}
	z, ok := AddLongDouble(a, b)
	if !ok {
		return nil, true, true, false
	}
	return AppendLongDoubleText(nil, z), true, true, true
}
