package utils

import (
	"math/big"
	"strings"
)

// Redis computes INCRBYFLOAT and HINCRBYFLOAT in C's long double: on the
// x86-64 machines Redis is built for, an 80-bit float with a 64-bit
// mantissa. These helpers reproduce it with math/big at that precision.

const ldPrec = 64

const (
	ldMantBits = 64
	// ldMaxExp: finite values are below 2^16384 (big.Float exponent 16384
	// with the mantissa in [0.5, 1)).
	ldMaxExp = 16384
	// ldUnderflowExp: the smallest denormal is 2^-16445; up to half of
	// it, 2^-16446, strtold gives zero and ERANGE.
	ldUnderflowExp = -16446
	// LongDoubleMaxChars is Redis's MAX_LONG_DOUBLE_CHARS: longer input is refused.
	LongDoubleMaxChars = 5 * 1024
	// Decimal exponents beyond which a nonzero value certainly overflows
	// or underflows (LDBL_MAX ~ 1.19e4932, smallest denormal ~ 3.6e-4951).
	ldMaxDecExp = 4933
	ldMinDecExp = -4952
)

// ParseLongDouble reads s as Redis's string2ld does: strtold must take the
// whole string, which must not start with a space; NaN, overflow and
// underflow to zero are refused; "inf" and "infinity" (any case, signed)
// give infinities, "0x" prefixed hexadecimal with an optional binary
// exponent is accepted.
func ParseLongDouble(s string) (*big.Float, bool) {
	if len(s) == 0 || len(s) >= LongDoubleMaxChars || isSpace(s[0]) {
		return nil, false
	}
	neg := false
	t := s
	if t[0] == '+' || t[0] == '-' {
		neg = t[0] == '-'
		t = t[1:]
	}
	z := new(big.Float).SetPrec(ldMantBits)
	if strings.EqualFold(t, "inf") || strings.EqualFold(t, "infinity") {
		z.SetInf(neg)
		return z, true
	}
	hex := len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')
	digitsOf := isDecDigit
	if hex {
		t = t[2:]
		digitsOf = isHexDigit
	}
	// mantissa: digits [. digits], at least one digit
	var mant []byte
	frac, nd := 0, 0
	i := 0
	for ; i < len(t) && digitsOf(t[i]); i++ {
		mant = append(mant, t[i])
		nd++
	}
	if i < len(t) && t[i] == '.' {
		i++
		for ; i < len(t) && digitsOf(t[i]); i++ {
			mant = append(mant, t[i])
			frac++
			nd++
		}
	}
	if nd == 0 {
		return nil, false
	}
	// exponent: e or p, optional sign, at least one decimal digit
	exp := int64(0)
	if i < len(t) {
		c := t[i] | 0x20
		if (hex && c != 'p') || (!hex && c != 'e') {
			return nil, false
		}
		i++
		eneg := false
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			eneg = t[i] == '-'
			i++
		}
		if i == len(t) {
			return nil, false
		}
		for ; i < len(t); i++ {
			if !isDecDigit(t[i]) {
				return nil, false
			}
			if exp < 1e9 {
				exp = exp*10 + int64(t[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	for len(mant) > 0 && mant[0] == '0' {
		mant = mant[1:]
	}
	if len(mant) == 0 {
		if neg {
			z.Neg(z)
		}
		return z, true
	}
	base := 10
	if hex {
		base = 16
	}
	m, _ := new(big.Int).SetString(string(mant), base)
	if hex {
		// value = m * 2^(exp - 4*frac)
		e2 := exp - 4*int64(frac)
		top := e2 + int64(m.BitLen())
		if top > ldMaxExp+1 || top < ldUnderflowExp-1 {
			return nil, false
		}
		z.SetInt(m)
		z.SetMantExp(z, int(e2))
	} else {
		e10 := exp - int64(frac)
		top := e10 + int64(len(mant)) - 1
		if top > ldMaxDecExp || top < ldMinDecExp {
			return nil, false
		}
		if e10 >= 0 {
			m.Mul(m, new(big.Int).Exp(big.NewInt(10), big.NewInt(e10), nil))
			z.SetInt(m)
		} else {
			num := new(big.Float).SetInt(m) // exact: precision grows to fit
			den := new(big.Float).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(-e10), nil))
			z.Quo(num, den)
		}
	}
	if z.MantExp(nil) > ldMaxExp {
		return nil, false
	}
	half := new(big.Float).SetMantExp(big.NewFloat(1), ldUnderflowExp)
	if z.Cmp(half) <= 0 {
		return nil, false
	}
	if neg {
		z.Neg(z)
	}
	return z, true
}

func isDecDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool {
	return isDecDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
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
		if a, ok = ParseLongDouble(string(cur)); !ok {
			return nil, false, true, true
		}
	}
	b, ok := ParseLongDouble(string(incr))
	if !ok {
		return nil, true, false, true
	}
	z, ok := AddLongDouble(a, b)
	if !ok {
		return nil, true, true, false
	}
	return AppendLongDoubleText(nil, z), true, true, true
}
